//! Client build versions (`Version` query parameter), compared numerically part by part.

use std::cmp::Ordering;

/// True when `client` is older than `minimum`. Parts are compared as numbers (`1.10 > 1.9`); a
/// missing part counts as 0; a non-numeric part sorts before any number, so `{{BUILD_VERSION}}`
/// counts as older than any configured minimum.
pub fn is_older(client: &str, minimum: &str) -> bool {
    compare(client, minimum) == Ordering::Less
}

fn compare(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<Option<u64>> {
        s.trim()
            .trim_start_matches(['v', 'V'])
            .split(['.', '-', '+'])
            .map(|p| p.parse().ok())
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).copied().unwrap_or(Some(0));
        let y = pb.get(i).copied().unwrap_or(Some(0));
        match x.cmp(&y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::is_older;

    #[test]
    fn numeric_comparison() {
        assert!(is_older("1.9", "1.10"));
        assert!(!is_older("1.10", "1.9"));
        assert!(!is_older("2.0", "2"));
        assert!(is_older("1.2", "1.2.1"));
        assert!(!is_older("v3.0.1", "3.0.0"));
        assert!(is_older("{{BUILD_VERSION}}", "1.0"));
    }
}
