/// A mobile number: 7 to 15 digits, optionally with a leading `+` (international format, E.164's
/// length). Spaces, dashes, dots and parentheses are dropped. A national number (the AgentChat
/// example `0821231234`) is accepted as written, because the desk has no country to expand it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("must be a phone number in international format, like +27821231234".into());
        }
        if !(7..=15).contains(&digits.len()) {
            return Err("must have 7 to 15 digits".into());
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::MobileNumber;

    #[test]
    fn normalises_and_checks_digits() {
        assert_eq!(
            MobileNumber::parse("+27 80 000-0000").unwrap().as_str(),
            "+27800000000"
        );
        assert_eq!(
            MobileNumber::parse("0821231234").unwrap().as_str(),
            "0821231234"
        );
        assert!(MobileNumber::parse("+12").is_err());
        assert!(MobileNumber::parse("+2780000000000000").is_err());
        assert!(MobileNumber::parse("27abc").is_err());
        assert!(MobileNumber::parse("++27800000000").is_err());
    }
}
