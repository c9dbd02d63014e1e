//! A customer's rating of a chat (CSAT): 1 to 5, of which 4 and 5 count as satisfied.

/// A rating from 1 (poor) to 5 (excellent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rating(i16);

/// The longest rating comment, in characters.
pub const COMMENT_MAX: usize = 1000;

impl Rating {
    pub fn parse(n: i64) -> Result<Self, String> {
        if (1..=5).contains(&n) {
            Ok(Self(n as i16))
        } else {
            Err(format!("must be 1 to 5, not {n}"))
        }
    }

    pub fn value(self) -> i16 {
        self.0
    }

    /// 4 or 5: what `CsatScore` counts as a satisfied customer.
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }
}

#[cfg(test)]
mod tests {
    use super::Rating;

    #[test]
    fn one_to_five_and_four_up_is_satisfied() {
        assert!(Rating::parse(0).is_err());
        assert!(Rating::parse(6).is_err());
        assert!(!Rating::parse(3).unwrap().is_satisfied());
        assert!(Rating::parse(4).unwrap().is_satisfied());
        assert_eq!(Rating::parse(5).unwrap().value(), 5);
    }
}
