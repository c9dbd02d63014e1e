//! Phone numbers, with one rule for every door they come in by: an agent's mobile number, a
//! customer's number from a channel server, and the number FindCustomer looks up.

/// A phone number: 7 to 15 digits (E.164's length), optionally after a leading `+`. Spaces, dashes,
/// dots and parentheses are dropped. The constructors differ only in what they do with the `+`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber(String);

/// The characters people write between digits.
fn compact(raw: &str) -> String {
    raw.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect()
}

fn check_digits(digits: &str) -> Result<(), String> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("must be a phone number in international format, like +27821231234".into());
    }
    if !(7..=15).contains(&digits.len()) {
        return Err("must have 7 to 15 digits".into());
    }
    Ok(())
}

impl PhoneNumber {
    /// A number as written, with or without the `+`. A national number (the AgentChat example
    /// `0821231234`) stays as it is: the desk has no home country to expand it with.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact = compact(raw);
        check_digits(compact.strip_prefix('+').unwrap_or(&compact))?;
        Ok(Self(compact))
    }

    /// A number in international format, the `+` required: the channel API's `phoneNumber`
    /// (Omnidesk's pattern `^\+[0-9]+$`).
    pub fn parse_international(raw: &str) -> Result<Self, String> {
        let compact = compact(raw);
        let Some(digits) = compact.strip_prefix('+') else {
            return Err(r"must match ^\+[0-9]+$".into());
        };
        check_digits(digits)?;
        Ok(Self(compact))
    }

    /// An international number whose `+` may be left out (addAttachment's `phoneNumber`,
    /// FindCustomer's `MobileNumber`, where a `+` in a query string often arrives as a space);
    /// the `+` is added, so it matches the number as a channel stored it.
    pub fn parse_digits_adding_plus(raw: &str) -> Result<Self, String> {
        let compact = compact(raw);
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        check_digits(digits)?;
        Ok(Self(format!("+{digits}")))
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::PhoneNumber;

    #[test]
    fn normalises_and_checks_digits() {
        assert_eq!(
            PhoneNumber::parse("+27 80 000-0000").unwrap().as_str(),
            "+27800000000"
        );
        assert_eq!(
            PhoneNumber::parse("0821231234").unwrap().as_str(),
            "0821231234"
        );
        assert!(PhoneNumber::parse("+12").is_err());
        assert!(PhoneNumber::parse("+2780000000000000").is_err());
        assert!(PhoneNumber::parse("27abc").is_err());
        assert!(PhoneNumber::parse("++27800000000").is_err());
    }

    #[test]
    fn international_numbers_need_their_plus() {
        assert_eq!(
            PhoneNumber::parse_international("+27821234567")
                .unwrap()
                .as_str(),
            "+27821234567"
        );
        assert!(PhoneNumber::parse_international("27821234567").is_err());
        assert!(PhoneNumber::parse_international("+2782").is_err());
    }

    #[test]
    fn a_missing_plus_is_added() {
        for raw in ["27821234567", "+27821234567", " 27821234567"] {
            assert_eq!(
                PhoneNumber::parse_digits_adding_plus(raw).unwrap().as_str(),
                "+27821234567"
            );
        }
        assert!(PhoneNumber::parse_digits_adding_plus("12ab").is_err());
    }
}
