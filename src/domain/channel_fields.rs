//! The Omnidesk chat controller's field patterns, as validation rules for the channel API.

use std::sync::LazyLock;

use regex::Regex;

fn matches(value: &str, min: usize, max: usize, allowed: impl Fn(char) -> bool) -> bool {
    let n = value.chars().count();
    n >= min && n <= max && value.chars().all(allowed)
}

fn check(
    value: &str,
    min: usize,
    max: usize,
    allowed: impl Fn(char) -> bool,
    pattern: &str,
) -> Result<String, String> {
    if matches(value, min, max, allowed) {
        Ok(value.to_owned())
    } else if max == usize::MAX {
        Err(format!(
            "must be at least {min} characters matching {pattern}"
        ))
    } else {
        Err(format!(
            "must be {min} to {max} characters matching {pattern}"
        ))
    }
}

/// `chatServer`: min 5, `^[a-zA-Z0-9\.\:\/\-]+$`.
pub fn chat_server(v: &str) -> Result<String, String> {
    check(
        v,
        5,
        2000,
        |c| c.is_ascii_alphanumeric() || ".:/-".contains(c),
        r"^[a-zA-Z0-9\.\:\/\-]+$",
    )
}

/// `chatSessionID`: 10 to 65, `^\+?[a-zA-Z0-9\-]+$`.
pub fn chat_session_id(v: &str) -> Result<String, String> {
    let body = v.strip_prefix('+').unwrap_or(v);
    if v.chars().count() >= 10
        && v.chars().count() <= 65
        && !body.is_empty()
        && body.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(v.to_owned())
    } else {
        Err(r"must be 10 to 65 characters matching ^\+?[a-zA-Z0-9\-]+$".into())
    }
}

/// `chatAccountToken`: min 10, `^[a-zA-Z0-9]+$`.
pub fn chat_account_token(v: &str) -> Result<String, String> {
    check(v, 10, 256, |c| c.is_ascii_alphanumeric(), "^[a-zA-Z0-9]+$")
}

/// The longest `customerName`, in characters, after cleaning.
pub const CUSTOMER_NAME_MAX: usize = 100;

/// Control and format characters (bidi overrides and isolates, zero-width joiners, BOM): invisible
/// or reordering, so they are dropped rather than held against the customer.
static INVISIBLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{Cc}\p{Cf}]").expect("a valid pattern"));

/// One character of a name: a letter or mark of any script, a decimal digit (`\p{Nd}`), a
/// space or `. ' - ,` (and `’`, the apostrophe phones type in O’Brien).
static NAME_CHAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{M}\p{Nd} .'\-,’]$").expect("a valid pattern"));

/// `customerName`: letters and marks of any script, digits, spaces and `. ' - ,` (José Álvarez,
/// Anne-Marie, O'Brien, 李小龍, Dr. Smith), with at least one letter or digit and at most 100
/// characters. Any whitespace counts as a space and runs of it become one; control and format
/// characters are dropped first. The Omnidesk pattern `^[a-zA-Z 0-9]+$` is what is surely
/// valid, not a reason to refuse a customer.
pub fn customer_name(v: &str) -> Result<String, String> {
    let spaced: String = v
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let visible = INVISIBLE.replace_all(&spaced, "");
    let name = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    if !name.chars().any(char::is_alphanumeric) {
        return Err("must contain a letter or digit".into());
    }
    if name.chars().count() > CUSTOMER_NAME_MAX {
        return Err(format!("must be at most {CUSTOMER_NAME_MAX} characters"));
    }
    let mut buf = [0u8; 4];
    if let Some(bad) = name
        .chars()
        .find(|c| !NAME_CHAR.is_match(c.encode_utf8(&mut buf)))
    {
        return Err(format!(
            "may hold only letters, marks, digits, spaces and . ' - , (not `{bad}`)"
        ));
    }
    Ok(name)
}

/// `event`: `startedtyping` or `stoppedtyping` (any case); true while the customer types.
pub fn typing_event(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "startedtyping" => Ok(true),
        "stoppedtyping" => Ok(false),
        other => Err(format!(
            "must be startedtyping or stoppedtyping, not `{other}`"
        )),
    }
}

/// `origin`: a host name, `^[a-zA-Z0-9\.\-]+$`.
pub fn origin(v: &str) -> Result<String, String> {
    check(
        v,
        1,
        253,
        |c| c.is_ascii_alphanumeric() || c == '.' || c == '-',
        r"^[a-zA-Z0-9\.\-]+$",
    )
    .map(|s| s.to_ascii_lowercase())
}

/// `ip`: min 5 and an IPv4 or IPv6 address.
pub fn ip(v: &str) -> Result<std::net::IpAddr, String> {
    if v.len() < 5 {
        return Err("must be at least 5 characters".into());
    }
    v.trim()
        .parse()
        .map_err(|_| format!("`{v}` is not an IP address"))
}

/// `url`: at least `min` characters, at most 2000.
pub fn url(v: &str, min: usize) -> Result<String, String> {
    let n = v.chars().count();
    if n < min || n > 2000 {
        return Err(format!("must be {min} to 2000 characters"));
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omnidesk_patterns() {
        assert!(chat_server("chat.example.com").is_ok());
        assert!(chat_server("http://x y").is_err());
        assert!(chat_server("a.b").is_err());
        assert!(chat_session_id("+27821234567").is_ok());
        assert!(chat_session_id("session-0001").is_ok());
        assert!(chat_session_id("short").is_err());
        assert!(chat_session_id("bad_session_id").is_err());
        assert!(chat_session_id(&"a".repeat(66)).is_err());
        assert!(chat_account_token("abcDEF1234").is_ok());
        assert!(chat_account_token("abc-DEF-1234").is_err());
        assert!(customer_name("Joe Soap 2").is_ok());
        assert!(customer_name("Joe <script>").is_err());
        for name in [
            "José Álvarez",
            "Anne-Marie",
            "O'Brien",
            "李小龍",
            "Dr. Smith",
            "O’Brien",
        ] {
            assert_eq!(customer_name(name).as_deref(), Ok(name));
        }
        // A combining accent (José written decomposed) is a mark, and marks are taken.
        assert!(customer_name("Jose\u{301}").is_ok());
        assert_eq!(
            customer_name("\u{202E}Ann\u{200B}a\u{7}  \t Lee\n").as_deref(),
            Ok("Anna Lee"),
            "bidi override, zero-width space and controls dropped, whitespace folded"
        );
        assert!(customer_name("\u{202E}\u{200B}").is_err());
        assert!(customer_name("...").is_err());
        assert!(customer_name(&"é".repeat(100)).is_ok());
        assert!(customer_name(&"é".repeat(101)).is_err());
        assert_eq!(typing_event(" StartedTyping"), Ok(true));
        assert!(typing_event("typing").is_err());
        assert!(origin("shop.example.com").is_ok());
        assert!(origin("shop.example.com/x").is_err());
        assert!(ip("10.0.0.1").is_ok());
        assert!(ip("::1").is_err());
        assert!(ip("2001:db8::1").is_ok());
    }
}
