//! Fact totals over a run of buckets (DataInsight's series), read from sealed sums where the days
//! are over and from the facts themselves for the rest: a year is eleven months' sums, the
//! current month's days' sums and today's facts, not a million facts read four times.
//!
//! A span is sealed the first time a reader needs it once it has been over for [`SEAL_AFTER`];
//! a seal is deleted (by trigger) when a fact in its span changes later, and sealed again by the
//! next reader, so the totals equal those of the facts (docs/performance.md).

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;

use super::Ctx;
use crate::db::{dialect, DbConnection};
use crate::domain::report::{local_to_utc, midnight, FactsBy};
use crate::error::{ApiResult, ErrorCode};
use crate::store::metrics::{self, KindTotals};
use crate::store::rollups::{self, SumsBy};

/// How long after a day ends it may be sealed. Facts carry the desk's time of the short
/// transaction that writes them, so none for that day is still on its way by then.
const SEAL_AFTER: Duration = Duration::hours(1);

/// More new seals than this in one call are a catch-up, after which PostgreSQL is given fresh
/// statistics for the rollup tables.
const CATCH_UP_SEALS: usize = 3;

/// Per-kind totals and chats started of each bucket; per-kind totals of each agent and
/// department, and chats started per tag, over all of them.
pub(crate) struct Tally {
    pub buckets: Vec<Vec<KindTotals>>,
    pub chats_started: Vec<i64>,
    pub by_agent: Vec<KindTotals>,
    pub by_department: Vec<KindTotals>,
    /// (tag, chats), by tag id.
    pub tags: BTreeMap<i64, i64>,
}

impl Tally {
    /// The totals over every bucket.
    pub fn totals(&self) -> Vec<KindTotals> {
        let mut sums = Sums::default();
        for bucket in &self.buckets {
            sums.add(bucket.iter().cloned());
        }
        sums.rows()
    }
}

/// `rows` summed per kind, whatever their key.
pub(crate) fn merge_keys(rows: &[KindTotals]) -> Vec<KindTotals> {
    let mut sums = Sums::default();
    sums.add(rows.iter().map(|r| KindTotals {
        key: None,
        ..r.clone()
    }));
    sums.rows()
}

/// A part of a bucket: sums to read from a seal, or facts to read themselves (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    Sealed(NaiveDateTime, NaiveDateTime),
    Raw(NaiveDateTime, NaiveDateTime),
}

/// Splits each local bucket `[edges[i], edges[i + 1])` into pieces: a bucket over before
/// `horizon` (a local midnight) is one sealed piece; the bucket holding it is its days before it
/// (sealed) and the rest (raw); later ones are raw. Without a horizon (buckets that are not whole
/// days) every bucket is raw.
fn plan(tz: Tz, edges: &[NaiveDateTime], horizon: Option<NaiveDateTime>) -> Vec<Vec<Piece>> {
    let utc = |t| local_to_utc(tz, t);
    edges
        .windows(2)
        .map(|w| {
            let (from, to) = (w[0], w[1]);
            match horizon {
                Some(h) if to <= h => vec![Piece::Sealed(utc(from), utc(to))],
                Some(h) if from < h => {
                    let mut pieces = Vec::new();
                    let mut day = from;
                    while day < h {
                        pieces.push(Piece::Sealed(utc(day), utc(day + Duration::days(1))));
                        day += Duration::days(1);
                    }
                    pieces.push(Piece::Raw(utc(h), utc(to)));
                    pieces
                }
                _ => vec![Piece::Raw(utc(from), utc(to))],
            }
        })
        .collect()
}

/// Per-kind totals of local buckets `edges` (bucket starts, then the last one's end). Buckets of
/// whole local days (`whole_days`) use the seals; others (hours) read the facts.
pub(crate) fn tally(
    ctx: &Ctx,
    tz: Tz,
    edges: &[NaiveDateTime],
    whole_days: bool,
) -> ApiResult<Tally> {
    let horizon = whole_days.then(|| {
        let sealable = chrono::TimeZone::from_utc_datetime(&tz, &(ctx.now() - SEAL_AFTER));
        midnight(sealable.naive_local().date())
    });
    let plan = plan(tz, edges, horizon);
    let spans: Vec<(NaiveDateTime, NaiveDateTime)> = plan
        .iter()
        .flatten()
        .filter_map(|p| match p {
            Piece::Sealed(from, to) => Some((*from, *to)),
            Piece::Raw(..) => None,
        })
        .collect();
    seal_missing(ctx, tz, &spans)?;
    ctx.with_conn(|c| Ok(dialect::snapshot_transaction(c, |c| read(c, tz, &plan))?))
}

/// Seals the spans that have no seal yet, each in a short write of its own (a month's facts are
/// summed in one statement). Another instance sealing the same span first is as good.
fn seal_missing(ctx: &Ctx, tz: Tz, spans: &[(NaiveDateTime, NaiveDateTime)]) -> ApiResult<()> {
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return Ok(());
    };
    let sealed = ctx.read(|c| rollups::seals_within(c, tz.name(), first.0, last.1))?;
    let mut new = 0;
    for (from, to) in spans {
        if sealed.iter().any(|s| (s.from_at, s.to_at) == (*from, *to)) {
            continue;
        }
        match ctx.write(|c| Ok(rollups::seal(c, tz.name(), *from, *to, ctx.now())?)) {
            Err(e) if e.code == ErrorCode::Conflict => {}
            other => other?,
        }
        new += 1;
    }
    // A catch-up (the first call on a desk with history, a new time zone) changed the tables'
    // size by far; a day's seal a day does not.
    if new > CATCH_UP_SEALS {
        ctx.read(dialect::analyze_rollups)?;
    }
    Ok(())
}

/// Sums of rows per (key, kind).
#[derive(Default)]
struct Sums(BTreeMap<(Option<i64>, i16), KindTotals>);

impl Sums {
    fn add(&mut self, rows: impl IntoIterator<Item = KindTotals>) {
        for row in rows {
            self.0
                .entry((row.key, row.kind))
                .and_modify(|t| {
                    t.n += row.n;
                    t.timed += row.timed;
                    t.total_seconds += row.total_seconds;
                })
                .or_insert(row);
        }
    }

    fn rows(self) -> Vec<KindTotals> {
        self.0.into_values().collect()
    }
}

/// Reads the plan's pieces (in one snapshot, so a seal deleted meanwhile is still whole here).
fn read(c: &mut DbConnection, tz: Tz, plan: &[Vec<Piece>]) -> diesel::QueryResult<Tally> {
    let (Some(first), Some(last)) = (
        plan.first().and_then(|b| b.first()),
        plan.last().and_then(|b| b.last()),
    ) else {
        return Ok(Tally {
            buckets: Vec::new(),
            chats_started: Vec::new(),
            by_agent: Vec::new(),
            by_department: Vec::new(),
            tags: BTreeMap::new(),
        });
    };
    let bounds = |p: &Piece| match *p {
        Piece::Sealed(from, to) | Piece::Raw(from, to) => (from, to),
    };
    let seals: HashMap<(NaiveDateTime, NaiveDateTime), (i64, i64)> =
        rollups::seals_within(c, tz.name(), bounds(first).0, bounds(last).1)?
            .into_iter()
            .map(|s| ((s.from_at, s.to_at), (s.id, s.chats_started)))
            .collect();
    let mut chats_started = vec![0; plan.len()];
    let mut bucket_of_seal: HashMap<i64, usize> = HashMap::new();
    let mut raw: Vec<(usize, NaiveDateTime, NaiveDateTime)> = Vec::new();
    for (i, pieces) in plan.iter().enumerate() {
        for piece in pieces {
            match *piece {
                Piece::Sealed(from, to) => match seals.get(&(from, to)) {
                    Some((id, started)) => {
                        bucket_of_seal.insert(*id, i);
                        chats_started[i] += started;
                    }
                    // Unsealed since (a late fact): read its facts instead.
                    None => raw.push((i, from, to)),
                },
                Piece::Raw(from, to) => raw.push((i, from, to)),
            }
        }
    }
    let ids: Vec<i64> = bucket_of_seal.keys().copied().collect();
    let mut buckets: Vec<Sums> = plan.iter().map(|_| Sums::default()).collect();
    for row in rollups::sums(c, &ids, SumsBy::Seal)? {
        let bucket = row.key.and_then(|id| bucket_of_seal.get(&id)).copied();
        if let Some(i) = bucket {
            buckets[i].add([KindTotals { key: None, ..row }]);
        }
    }
    for (i, from, to) in &raw {
        buckets[*i].add(metrics::facts(c, *from, *to, FactsBy::Desk)?);
        chats_started[*i] += metrics::chats_started(c, *from, *to)?;
    }
    let mut tags: BTreeMap<i64, i64> = BTreeMap::new();
    let raw_spans = contiguous(&raw);
    let tag_rows = rollups::tag_sums(c, &ids)?.into_iter();
    let mut raw_tag_rows = Vec::new();
    for (from, to) in &raw_spans {
        raw_tag_rows.extend(metrics::tag_chats(c, *from, *to)?);
    }
    for (tag, n) in tag_rows.chain(raw_tag_rows) {
        *tags.entry(tag).or_default() += n;
    }
    let mut keyed = |by: FactsBy| -> diesel::QueryResult<Vec<KindTotals>> {
        let mut sums = Sums::default();
        sums.add(rollups::sums(c, &ids, SumsBy::Facts(by))?);
        for (from, to) in &raw_spans {
            sums.add(metrics::facts(c, *from, *to, by)?);
        }
        Ok(sums.rows())
    };
    let by_agent = keyed(FactsBy::Agent)?;
    let by_department = keyed(FactsBy::Department)?;
    Ok(Tally {
        buckets: buckets.into_iter().map(Sums::rows).collect(),
        chats_started,
        by_agent,
        by_department,
        tags,
    })
}

/// The raw pieces as few ranges as possible (adjacent ones joined), for the per-key reads.
fn contiguous(
    raw: &[(usize, NaiveDateTime, NaiveDateTime)],
) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let mut spans: Vec<(NaiveDateTime, NaiveDateTime)> =
        raw.iter().map(|(_, f, t)| (*f, *t)).collect();
    spans.sort();
    let mut joined: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
    for (from, to) in spans {
        match joined.last_mut() {
            Some(last) if last.1 == from => last.1 = to,
            _ => joined.push((from, to)),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn buckets_over_are_sealed_whole_the_current_one_by_day_then_raw() {
        let edges = [
            at("2026-09-01 00:00"),
            at("2026-10-01 00:00"),
            at("2026-11-01 00:00"),
            at("2026-12-01 00:00"),
        ];
        let months = plan(chrono_tz::UTC, &edges, Some(at("2026-11-03 00:00")));
        assert_eq!(months[0], vec![Piece::Sealed(edges[0], edges[1])]);
        assert_eq!(months[1], vec![Piece::Sealed(edges[1], edges[2])]);
        assert_eq!(
            months[2],
            vec![
                Piece::Sealed(at("2026-11-01 00:00"), at("2026-11-02 00:00")),
                Piece::Sealed(at("2026-11-02 00:00"), at("2026-11-03 00:00")),
                Piece::Raw(at("2026-11-03 00:00"), edges[3]),
            ]
        );
        let hours = plan(chrono_tz::UTC, &edges[..2], None);
        assert_eq!(hours[0], vec![Piece::Raw(edges[0], edges[1])]);
    }

    #[test]
    fn local_days_are_sealed_as_utc_instants() {
        let tz: Tz = "Africa/Johannesburg".parse().unwrap();
        let edges = [at("2026-11-01 00:00"), at("2026-11-02 00:00")];
        let days = plan(tz, &edges, Some(at("2026-11-05 00:00")));
        assert_eq!(
            days[0],
            vec![Piece::Sealed(
                at("2026-10-31 22:00"),
                at("2026-11-01 22:00")
            )]
        );
    }
}
