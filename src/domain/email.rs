//! Email addresses, checked once when they come in.

/// A syntactically plausible email address; `key()` is the case-insensitive identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims and checks an address: the only way to make one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("is required".into());
        }
        if value.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err("is not an email address".into());
        };
        // A host name mail can be sent to: two labels or more, each 1 to 63 characters of letters,
        // digits and inner hyphens (what DNS and the mail library take).
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@' || c == '<' || c == '>');
        if !domain_ok || !local_ok {
            return Err("is not an email address".into());
        }
        Ok(Self(value.to_owned()))
    }

    /// The address as written, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-cased form used for uniqueness and logon.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn accepts_plain_addresses_and_keys_case_insensitively() {
        let e = EmailAddress::parse("  Jack.Rabbit@Example.co.za ").unwrap();
        assert_eq!(e.as_str(), "Jack.Rabbit@Example.co.za");
        assert_eq!(e.key(), "jack.rabbit@example.co.za");
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "plain",
            "a@b",
            "@x.com",
            "a b@x.com",
            "a@x..",
            "a@.x.com",
            "a@x.com.",
            "<a>@x.com",
            "a@x..com",
            "a@-x.com",
            "a@x-.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        let long_label = format!("0@0.{}", "0".repeat(64));
        assert!(EmailAddress::parse(&long_label).is_err(), "a label over 63");
        let longest_label = format!("0@0.{}", "0".repeat(63));
        assert!(EmailAddress::parse(&longest_label).is_ok());
    }
}
