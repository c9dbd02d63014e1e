//! AgentLogon's limits. Failures count per (source, account) and per source, in the database, so
//! every instance sees them: the source that keeps failing is slowed down, and the account's
//! owner, logging on from a source that has not been failing, is not. An account nobody has is
//! counted exactly like one that exists, so the answers are no oracle of which accounts exist.
//!
//! A source is an IPv4 address, or an IPv6 /64 ([`source_group`]): one subscriber's network
//! hands its hosts as many addresses as they like.
//!
//! Past the free failures, the next attempt waits a delay that doubles with each failure
//! ([`delay`]): a typo or five costs the owner two seconds, a guesser ever longer.
//!
//! A failure for an account nobody has costs no write of its own: it is counted here, in memory,
//! and written with the others of the last second in one transaction (`flush`), so a flood of
//! random accounts can't turn into a flood of write transactions.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{Duration, NaiveDateTime};

use super::Ctx;
use crate::error::ApiResult;
use crate::store::logon_failures;

/// Where failures are counted: an IPv4 address (an IPv4-mapped IPv6 one as its IPv4 address),
/// or the /64 an IPv6 address belongs to.
pub fn source_group(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
    }
}

/// How long after its latest failure the next attempt must wait, with `failures` in the window
/// and `free` of them allowed without a wait: none below `free`, then 2 s, doubling with each
/// further failure (2, 4, 8, 16 ... s), never more than `cap` (the failure window).
pub fn delay(failures: i64, free: i64, cap: Duration) -> Duration {
    if failures < free {
        return Duration::zero();
    }
    let doublings = (failures - free).min(30) as u32;
    Duration::seconds(2i64 << doublings).min(cap)
}

/// Failures seen so far: how many, and the latest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: i64,
    pub latest: Option<NaiveDateTime>,
}

impl Tally {
    pub fn new(count: i64, latest: Option<NaiveDateTime>) -> Self {
        Self { count, latest }
    }

    pub fn and(self, other: Tally) -> Tally {
        Tally {
            count: self.count + other.count,
            latest: self.latest.max(other.latest),
        }
    }

    /// The wait still due at `now` under `free` and `cap`, if any.
    pub fn wait(&self, free: i64, cap: Duration, now: NaiveDateTime) -> Option<Duration> {
        let latest = self.latest?;
        let due = latest + delay(self.count, free, cap);
        (due > now).then(|| due - now)
    }
}

/// Failures for unknown accounts not written yet, per source and per (source, account).
#[derive(Default)]
pub struct PendingFailures {
    inner: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    rows: Vec<(String, String, NaiveDateTime)>,
    by_source: HashMap<String, Tally>,
    by_account: HashMap<(String, String), Tally>,
}

/// The most failures kept in memory while the database can't take them; older ones are dropped.
const MAX_PENDING: usize = 100_000;

/// The limits a logon attempt is checked against.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_account: i64,
    pub per_source: i64,
    pub cap: Duration,
}

impl Limits {
    /// The wait due for an attempt with these failures for its account and its source.
    pub fn wait(&self, account: Tally, source: Tally, now: NaiveDateTime) -> Option<Duration> {
        let a = account.wait(self.per_account, self.cap, now);
        let s = source.wait(self.per_source, self.cap, now);
        a.max(s)
    }
}

impl PendingFailures {
    /// Records a failure from `source` for the unknown account `key` unless a wait is due,
    /// counting what is `written` in the database and pending here; the wait when refused.
    /// Atomic within this process.
    pub fn try_record(
        &self,
        source: &str,
        key: &str,
        written: (Tally, Tally),
        limits: Limits,
        at: NaiveDateTime,
    ) -> Result<(), Duration> {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let account_key = (source.to_owned(), key.to_owned());
        let account = written
            .0
            .and(p.by_account.get(&account_key).copied().unwrap_or_default());
        let from_source = written
            .1
            .and(p.by_source.get(source).copied().unwrap_or_default());
        if let Some(wait) = limits.wait(account, from_source, at) {
            return Err(wait);
        }
        if p.rows.len() >= MAX_PENDING {
            let (old_source, old_key, _) = p.rows.remove(0);
            if let Some(t) = p.by_source.get_mut(&old_source) {
                t.count -= 1;
            }
            if let Some(t) = p.by_account.get_mut(&(old_source, old_key)) {
                t.count -= 1;
            }
        }
        p.rows.push((source.to_owned(), key.to_owned(), at));
        let one = Tally::new(1, Some(at));
        let t = p.by_source.entry(source.to_owned()).or_default();
        *t = t.and(one);
        let t = p.by_account.entry(account_key).or_default();
        *t = t.and(one);
        Ok(())
    }

    /// Failures from `source` not written yet.
    pub fn pending(&self, source: &str) -> Tally {
        let p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.by_source.get(source).copied().unwrap_or_default()
    }

    fn take(&self) -> Vec<(String, String, NaiveDateTime)> {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.by_source.clear();
        p.by_account.clear();
        std::mem::take(&mut p.rows)
    }
}

/// Writes the pending failures in one transaction; returns how many. Run about once a second.
pub fn flush(ctx: &Ctx) -> ApiResult<usize> {
    let rows = ctx.pending_logon_failures.take();
    if rows.is_empty() {
        return Ok(0);
    }
    let written = rows.len();
    ctx.write(|c| {
        for (source, key, at) in &rows {
            logon_failures::insert(c, source, Some(key), *at)?;
        }
        Ok(())
    })?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_700_000_000 + seconds, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn the_delay_doubles_past_the_free_failures_up_to_the_window() {
        let cap = Duration::minutes(15);
        let secs = |n| delay(n, 5, cap).num_seconds();
        assert_eq!((0..5).map(secs).collect::<Vec<_>>(), vec![0; 5]);
        assert_eq!(
            (5..12).map(secs).collect::<Vec<_>>(),
            vec![2, 4, 8, 16, 32, 64, 128]
        );
        assert_eq!(secs(13), 512);
        assert_eq!(secs(14), 900);
        assert_eq!(secs(1000), 900);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let group = |s: &str| source_group(s.parse().unwrap());
        assert_eq!(group("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(group("2001:db8:1:2:ffff::9"), "2001:db8:1:2::/64");
        assert_ne!(group("2001:db8:1:3::1"), group("2001:db8:1:2::1"));
        assert_eq!(group("::ffff:203.0.113.5"), "203.0.113.5");
        assert_eq!(group("203.0.113.5"), "203.0.113.5");
    }

    #[test]
    fn an_unknown_account_waits_at_the_same_point_as_a_known_one() {
        let p = PendingFailures::default();
        let limits = Limits {
            per_account: 5,
            per_source: 30,
            cap: Duration::minutes(15),
        };
        let none = (Tally::default(), Tally::default());
        for _ in 0..5 {
            assert!(p.try_record("1.2.3.4", "x@y", none, limits, at(0)).is_ok());
        }
        let wait = p.try_record("1.2.3.4", "x@y", none, limits, at(0));
        assert_eq!(wait, Err(Duration::seconds(2)));
        assert!(p.try_record("1.2.3.4", "x@y", none, limits, at(2)).is_ok());
        assert_eq!(
            p.try_record("1.2.3.4", "x@y", none, limits, at(3)),
            Err(Duration::seconds(3)),
            "6 failures: 4 s after the latest"
        );
        assert!(
            p.try_record("5.6.7.8", "x@y", none, limits, at(2)).is_ok(),
            "another source is not affected"
        );
        assert_eq!(p.pending("1.2.3.4").count, 6);
        assert_eq!(p.take().len(), 7);
        assert_eq!(p.pending("1.2.3.4").count, 0);
    }
}
