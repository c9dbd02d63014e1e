//! The Omnidesk chat controller's field patterns, as validation rules for the channel API.

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

/// `customerName`: `^[a-zA-Z 0-9]+$`, with at least one letter or digit.
pub fn customer_name(v: &str) -> Result<String, String> {
    let name = check(
        v,
        1,
        100,
        |c| c.is_ascii_alphanumeric() || c == ' ',
        "^[a-zA-Z 0-9]+$",
    )?;
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("must contain a letter or digit".into());
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
        assert_eq!(typing_event(" StartedTyping"), Ok(true));
        assert!(typing_event("typing").is_err());
        assert!(origin("shop.example.com").is_ok());
        assert!(origin("shop.example.com/x").is_err());
        assert!(ip("10.0.0.1").is_ok());
        assert!(ip("::1").is_err());
        assert!(ip("2001:db8::1").is_ok());
    }
}
