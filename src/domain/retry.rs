//! Retrying work that failed: deliveries to channel servers and report mails back off, and keep
//! their last error, the same way.

use std::time::Duration;

/// How long to wait after failed attempt `attempt` (1 = the first) before the next: `base`,
/// doubled for every attempt after the first, at most `max`.
pub fn backoff(base: Duration, attempt: i32, max: Duration) -> Duration {
    let doublings = (attempt - 1).clamp(0, 31) as u32;
    base.saturating_mul(1u32 << doublings).min(max)
}

/// An error as it is kept with the work it stopped: at most 500 characters.
pub fn truncate_error(error: &str) -> String {
    error.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_ceiling() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(2), 1, s(600)), s(2));
        assert_eq!(backoff(s(2), 2, s(600)), s(4));
        assert_eq!(backoff(s(2), 4, s(600)), s(16));
        assert_eq!(backoff(s(2), 12, s(600)), s(600));
        assert_eq!(backoff(s(60), 1_000, s(86_400)), s(86_400));
        assert_eq!(backoff(Duration::from_millis(500), 3, s(600)), s(2));
        assert_eq!(backoff(s(2), 0, s(600)), s(2));
    }

    #[test]
    fn errors_are_cut_at_500_characters() {
        assert_eq!(truncate_error(&"é".repeat(600)).chars().count(), 500);
        assert_eq!(truncate_error("short"), "short");
    }
}
