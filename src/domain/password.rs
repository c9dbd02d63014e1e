//! The password policy.

/// A new password that meets the policy: 8 to 256 characters. The upper bound keeps hashing cheap
/// to refuse; the lower one is the minimum the desk promises.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// The shortest password the desk accepts.
    pub const MIN_CHARS: usize = 8;
    /// The longest: a long password would make hashing costly to refuse.
    pub const MAX_CHARS: usize = 256;

    /// Checks the length policy: the only way to make one.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if n > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password itself, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::Password;

    #[test]
    fn length_policy() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret123").unwrap()),
            "Password(***)"
        );
    }
}
