//! The desk's clock. Services take the time from here, never from the system directly, so that a
//! test can put the desk at any moment of the week (working hours, "today", report periods) while
//! the time keeps running and timers keep working.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};

/// The system clock, optionally moved by a fixed offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_micros: AtomicI64,
}

impl Clock {
    /// The system's time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, as stored: UTC truncated to microseconds, the precision both databases keep.
    pub fn now(&self) -> NaiveDateTime {
        truncate_to_micros(self.now_utc().naive_utc())
    }

    /// Now, with its time zone.
    pub fn now_utc(&self) -> DateTime<Utc> {
        Utc::now() + Duration::microseconds(self.offset_micros.load(Ordering::Relaxed))
    }

    /// From this call on, the clock reads `at` and runs on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = (at - Utc::now()).num_microseconds().unwrap_or(0);
        self.offset_micros.store(offset, Ordering::Relaxed);
    }
}

/// Times are stored truncated to microseconds: SQLite would keep nanoseconds, PostgreSQL keeps
/// microseconds, and a value must read back equal on both.
pub fn truncate_to_micros(t: NaiveDateTime) -> NaiveDateTime {
    t.trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_set_clock_reads_the_time_given_and_runs_on() {
        let clock = Clock::system();
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 23, 30, 0).unwrap();
        clock.set(at);
        let read = clock.now_utc();
        assert!(read >= at && read - at < Duration::seconds(5), "{read}");
        assert_eq!(clock.now().and_utc().timestamp_subsec_nanos() % 1000, 0);
    }

    #[test]
    fn the_system_clock_is_the_system_time() {
        let drift = Clock::system().now_utc() - Utc::now();
        assert!(drift.num_seconds().abs() < 5);
    }
}
