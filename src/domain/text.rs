//! Free-text fields: trimmed, and bounded so a body can't fill the database.

/// A required text: trimmed, 1..=`max` characters.
pub fn required_text(raw: &str, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    bounded(value, max)
}

/// An optional text: trimmed; empty means "none".
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    bounded(value, max).map(Some)
}

fn bounded(value: &str, max: usize) -> Result<String, String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(required_text("  Sales ", 10).unwrap(), "Sales");
        assert!(required_text("   ", 10).is_err());
        assert!(required_text("abcdefghijk", 10).is_err());
        assert!(required_text("a\u{0}b", 10).is_err());
        assert_eq!(optional_text(" ", 10).unwrap(), None);
        assert_eq!(required_text("line\nline", 20).unwrap(), "line\nline");
    }
}
