//! AgentLogon's limits. Failures count per (source address, account) and per source address, in
//! the database, so every instance sees them: the address that keeps failing gets 429, and the
//! account's owner, logging on from an address that has not been failing, does not.
//!
//! A failure for an address nobody has costs no write of its own: it is counted here, in memory,
//! and written with the others of the last second in one transaction (`flush`), so a flood of
//! random addresses can't turn into a flood of write transactions.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use super::Ctx;
use crate::error::ApiResult;
use crate::store::logon_failures;

/// Failures for unknown addresses not written yet, per source.
#[derive(Default)]
pub struct PendingFailures {
    inner: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    rows: Vec<(String, NaiveDateTime)>,
    by_source: HashMap<String, i64>,
}

/// The most failures kept in memory while the database can't take them; older ones are dropped.
const MAX_PENDING: usize = 100_000;

impl PendingFailures {
    /// Records a failure from `source` unless its failures (`written` in the database plus those
    /// pending here) already reached `limit`; false when refused. Atomic within this process.
    pub fn try_record(&self, source: &str, written: i64, limit: i64, at: NaiveDateTime) -> bool {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let pending = p.by_source.get(source).copied().unwrap_or(0);
        if written + pending >= limit {
            return false;
        }
        if p.rows.len() >= MAX_PENDING {
            let (old, _) = p.rows.remove(0);
            if let Some(n) = p.by_source.get_mut(&old) {
                *n -= 1;
            }
        }
        p.rows.push((source.to_owned(), at));
        *p.by_source.entry(source.to_owned()).or_default() += 1;
        true
    }

    /// Failures from `source` not written yet.
    pub fn pending(&self, source: &str) -> i64 {
        let p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.by_source.get(source).copied().unwrap_or(0)
    }

    fn take(&self) -> Vec<(String, NaiveDateTime)> {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.by_source.clear();
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
        for (source, at) in &rows {
            logon_failures::insert(c, source, None, *at)?;
        }
        Ok(())
    })?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_refused_at_its_limit_counting_what_is_written_and_pending() {
        let p = PendingFailures::default();
        let at = chrono::NaiveDateTime::default();
        assert!(p.try_record("1.2.3.4", 3, 5, at));
        assert!(p.try_record("1.2.3.4", 3, 5, at));
        assert!(!p.try_record("1.2.3.4", 3, 5, at), "3 written + 2 pending");
        assert!(
            p.try_record("5.6.7.8", 0, 5, at),
            "another source is not affected"
        );
        assert_eq!(p.pending("1.2.3.4"), 2);
        assert_eq!(p.take().len(), 3);
        assert_eq!(p.pending("1.2.3.4"), 0);
    }
}
