//! Reports and their schedules: which reports exist, the periods they cover and when a schedule
//! is due, all in the desk's local time; DataInsight's periods; the states of a report run.
//!
//! Over 400 lines with its tests (about 300 without): the calendar rules of reporting are read
//! together, and each is tested here against known dates.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::hours::{weekday, HhMm};

/// The reports GetReports lists (`ReportID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    ChatSummary = 1,
    AgentPerformance = 2,
    DepartmentPerformance = 3,
    TagUsage = 4,
    ChatLog = 5,
}

impl ReportKind {
    /// Every report, in GetReports' order.
    pub const ALL: [ReportKind; 5] = [
        Self::ChatSummary,
        Self::AgentPerformance,
        Self::DepartmentPerformance,
        Self::TagUsage,
        Self::ChatLog,
    ];

    /// The `ReportID`.
    pub fn id(self) -> i16 {
        self as i16
    }

    /// Parses a `ReportID`.
    pub fn from_id(id: i64) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.id() as i64 == id)
            .ok_or_else(|| format!("no report with id {id}; see GetReports"))
    }

    /// The report's name as listed and mailed.
    pub fn name(self) -> &'static str {
        match self {
            Self::ChatSummary => "Chat summary",
            Self::AgentPerformance => "Agent performance",
            Self::DepartmentPerformance => "Department performance",
            Self::TagUsage => "Tag usage",
            Self::ChatLog => "Chat log",
        }
    }

    /// File-name stem of the CSV.
    pub fn slug(self) -> &'static str {
        match self {
            Self::ChatSummary => "chat-summary",
            Self::AgentPerformance => "agent-performance",
            Self::DepartmentPerformance => "department-performance",
            Self::TagUsage => "tag-usage",
            Self::ChatLog => "chat-log",
        }
    }

    /// What the report holds, as GetReports describes it.
    pub fn description(self) -> &'static str {
        match self {
            Self::ChatSummary => "Per day: chats started, closed and missed, average wait, first response and handle times, messages in and out",
            Self::AgentPerformance => "Per agent: chats assigned and closed, messages sent, average first response and handle times",
            Self::DepartmentPerformance => "Per department: chats queued, assigned, closed and missed, average wait, first response and handle times",
            Self::TagUsage => "Per tag: chats started in the period that carry it",
            Self::ChatLog => "One row per chat started in the period: customer, department, agent, times, tags and outcome",
        }
    }
}

/// What reporting facts are totalled by: the whole desk, each agent, or each department.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactsBy {
    Desk,
    Agent,
    Department,
}

/// The period a scheduled report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grouping {
    Day,
    Week,
    Month,
}

impl Grouping {
    /// Parses DAY, WEEK or MONTH (any case).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "DAY" => Ok(Self::Day),
            "WEEK" => Ok(Self::Week),
            "MONTH" => Ok(Self::Month),
            _ => Err(format!("must be DAY, WEEK or MONTH, not `{raw}`")),
        }
    }

    /// Reads a schedule's stored groupings (`DAY,WEEK`); names that no longer parse are skipped.
    pub fn from_stored_list(stored: &str) -> Vec<Self> {
        stored
            .split(',')
            .filter_map(|g| Self::parse(g).ok())
            .collect()
    }

    /// The name stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            Self::Day => "DAY",
            Self::Week => "WEEK",
            Self::Month => "MONTH",
        }
    }

    /// The most recent complete period before `at` (local): yesterday, last Monday–Sunday, or last
    /// calendar month, as `[start, end)` dates.
    pub fn complete_period_before(self, at: NaiveDateTime) -> (NaiveDate, NaiveDate) {
        let today = at.date();
        match self {
            Self::Day => (today - Duration::days(1), today),
            Self::Week => {
                let this_monday =
                    today - Duration::days(today.weekday().num_days_from_monday() as i64);
                (this_monday - Duration::days(7), this_monday)
            }
            Self::Month => {
                let first = today.with_day(1).unwrap_or(today);
                let previous = (first - Duration::days(1)).with_day(1).unwrap_or(first);
                (previous, first)
            }
        }
    }
}

/// A schedule's `Grouping`: DAY, WEEK and/or MONTH, at least one; sorted, each once.
pub fn parse_groupings(raw: &[String]) -> Result<Vec<Grouping>, String> {
    let mut groupings = raw
        .iter()
        .map(|g| Grouping::parse(g))
        .collect::<Result<Vec<_>, _>>()?;
    groupings.sort();
    groupings.dedup();
    if groupings.is_empty() {
        return Err("must name DAY, WEEK and/or MONTH".into());
    }
    Ok(groupings)
}

/// A schedule's `ScheduledDay`: weekdays 1 (Monday) to 7 (Sunday), at least one; sorted, each once.
pub fn parse_weekdays(raw: &[i64]) -> Result<Vec<u8>, String> {
    let mut days = raw
        .iter()
        .map(|d| weekday(*d))
        .collect::<Result<Vec<_>, _>>()?;
    days.sort();
    days.dedup();
    if days.is_empty() {
        return Err("must name at least one day, 1 (Monday) to 7 (Sunday)".into());
    }
    Ok(days)
}

/// A schedule's `ScheduledTime`: a time of day, 00:00 to 23:59 (24:00 ends a working day but
/// starts no report).
pub fn parse_send_time(raw: &str) -> Result<HhMm, String> {
    HhMm::parse(raw)
        .ok()
        .filter(|t| t.minutes() < 24 * 60)
        .ok_or_else(|| format!("must be a time of day as HH:MM, 00:00 to 23:59, not `{raw}`"))
}

/// A schedule's `Format`: CSV is the only one.
pub fn parse_format(raw: &str) -> Result<(), String> {
    if raw.trim().eq_ignore_ascii_case("CSV") {
        Ok(())
    } else {
        Err("must be CSV".into())
    }
}

/// A schedule's `Delivery`: EMAIL is the only one.
pub fn parse_delivery(raw: &str) -> Result<(), String> {
    if raw.trim().eq_ignore_ascii_case("EMAIL") {
        Ok(())
    } else {
        Err("must be EMAIL".into())
    }
}

/// A local date-time as UTC. In a DST gap the next valid local time is used; in an overlap, the
/// earlier instant.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> NaiveDateTime {
    for shift in 0..4 {
        if let Some(t) = tz
            .from_local_datetime(&(local + Duration::minutes(30 * shift)))
            .earliest()
        {
            return t.with_timezone(&Utc).naive_utc();
        }
    }
    local
}

/// The start of a local day.
pub fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN)
}

/// When a schedule runs: on these weekdays (1 = Monday .. 7) at this minute of the local day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklySlots {
    pub days: Vec<u8>,
    pub minute: u16,
}

impl WeeklySlots {
    /// Reads a schedule's stored days (`1,2,3`) and minute of the day.
    pub fn from_stored(days: &str, minute: i32) -> Self {
        Self {
            days: days
                .split(',')
                .filter_map(|d| d.trim().parse().ok())
                .collect(),
            minute: minute.clamp(0, 24 * 60 - 1) as u16,
        }
    }

    fn slot_on(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        let weekday = date.weekday().number_from_monday() as u8;
        self.days
            .contains(&weekday)
            .then(|| midnight(date) + Duration::minutes(self.minute as i64))
    }

    /// The latest slot at or before `now` (local), looking back a week.
    pub fn latest_at_or_before(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        (0..=7)
            .filter_map(|back| self.slot_on(now.date() - Duration::days(back)))
            .find(|slot| *slot <= now)
    }

    /// The first slot after `now` (local).
    pub fn next_after(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        (0..=7)
            .filter_map(|ahead| self.slot_on(now.date() + Duration::days(ahead)))
            .find(|slot| *slot > now)
    }
}

/// Where a scheduled report's run is: 1 pending, 2 sending, 3 sent, 4 failed (gave up), 5
/// interrupted (outcome unknown, so not resent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Pending = 1,
    Sending = 2,
    Sent = 3,
    Failed = 4,
    Interrupted = 5,
}

impl RunState {
    /// The stored number.
    pub const fn id(self) -> i16 {
        self as i16
    }

    /// Reads a stored number; an unknown one counts as pending.
    pub fn from_id(id: i16) -> Self {
        match id {
            2 => Self::Sending,
            3 => Self::Sent,
            4 => Self::Failed,
            5 => Self::Interrupted,
            _ => Self::Pending,
        }
    }

    /// The name GetRecipients shows.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }
}

/// DataInsight's `Period`: how far back the series goes and how it is bucketed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Year,
}

impl Period {
    /// Parses `Period`: day, week, month or year (any case).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            "year" => Ok(Self::Year),
            _ => Err(format!("must be day, week, month or year, not `{raw}`")),
        }
    }

    /// The name DataInsight answers with.
    pub fn name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// Local bucket starts ending with the bucket that holds `now`: 24 hours, 7 or 30 days, or 12
    /// months; the last entry is the end of the last bucket.
    pub fn buckets(self, now: NaiveDateTime) -> Vec<NaiveDateTime> {
        let today = midnight(now.date());
        match self {
            Self::Day => {
                let hour = today + Duration::hours(now.hour() as i64);
                (0..=24).map(|i| hour - Duration::hours(23 - i)).collect()
            }
            Self::Week | Self::Month => {
                let days = if self == Self::Week { 7 } else { 30 };
                (0..=days)
                    .map(|i| today - Duration::days(days - 1 - i))
                    .collect()
            }
            Self::Year => {
                let first =
                    NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or(now.date());
                (0..=12)
                    .rev()
                    .map(|back| midnight(add_months(first, 1 - back)))
                    .collect()
            }
        }
    }
}

fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn complete_periods() {
        // Monday 2026-11-23 16:30.
        let now = at("2026-11-23 16:30");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            Grouping::Day.complete_period_before(now),
            (d("2026-11-22"), d("2026-11-23"))
        );
        assert_eq!(
            Grouping::Week.complete_period_before(now),
            (d("2026-11-16"), d("2026-11-23"))
        );
        assert_eq!(
            Grouping::Month.complete_period_before(now),
            (d("2026-10-01"), d("2026-11-01"))
        );
        assert_eq!(
            Grouping::Month.complete_period_before(at("2026-01-05 09:00")),
            (d("2025-12-01"), d("2026-01-01"))
        );
        assert_eq!(
            Grouping::Week.complete_period_before(at("2026-11-29 23:59")),
            (d("2026-11-16"), d("2026-11-23"))
        );
    }

    #[test]
    fn schedule_slots() {
        let weekdays = WeeklySlots {
            days: vec![1, 2, 3, 4, 5],
            minute: 16 * 60 + 30,
        };
        assert_eq!(
            weekdays.latest_at_or_before(at("2026-11-23 16:30")),
            Some(at("2026-11-23 16:30"))
        );
        assert_eq!(
            weekdays.latest_at_or_before(at("2026-11-23 16:29")),
            Some(at("2026-11-20 16:30"))
        );
        assert_eq!(
            weekdays.next_after(at("2026-11-23 16:30")),
            Some(at("2026-11-24 16:30"))
        );
        assert_eq!(
            weekdays.next_after(at("2026-11-27 17:00")),
            Some(at("2026-11-30 16:30"))
        );
        assert!(ReportKind::from_id(6).is_err());
        assert_eq!(Grouping::parse("week").unwrap(), Grouping::Week);
        assert!(Grouping::parse("YEAR").is_err());
    }

    #[test]
    fn schedule_fields() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_groupings(&names(&["week", "DAY", "WEEK"])).unwrap(),
            vec![Grouping::Day, Grouping::Week]
        );
        assert!(parse_groupings(&[]).is_err());
        assert!(parse_groupings(&names(&["YEAR"])).is_err());
        assert_eq!(parse_weekdays(&[5, 1, 5]).unwrap(), vec![1, 5]);
        assert!(parse_weekdays(&[]).is_err());
        assert!(parse_weekdays(&[8]).is_err());
        assert_eq!(parse_send_time("08:30").unwrap().minutes(), 510);
        assert!(parse_send_time("24:00").is_err());
        assert!(parse_format("csv").is_ok() && parse_format("PDF").is_err());
        assert!(parse_delivery("Email").is_ok() && parse_delivery("FTP").is_err());
        let slots = WeeklySlots::from_stored("1, 3,x", 16 * 60 + 30);
        assert_eq!((slots.days, slots.minute), (vec![1, 3], 990));
        assert_eq!(
            Grouping::from_stored_list("DAY,MONTH"),
            vec![Grouping::Day, Grouping::Month]
        );
    }

    #[test]
    fn local_time_in_the_desk_zone() {
        let utc = local_to_utc(chrono_tz::Africa::Johannesburg, at("2026-11-23 16:30"));
        assert_eq!(utc, at("2026-11-23 14:30"));
        // 02:30 does not exist in Berlin on 2026-03-29: the next valid time is used.
        let gap = local_to_utc(chrono_tz::Europe::Berlin, at("2026-03-29 02:30"));
        assert_eq!(gap, at("2026-03-29 01:00"));
    }

    #[test]
    fn buckets_cover_the_period() {
        let now = NaiveDateTime::parse_from_str("2026-11-23 16:30", "%Y-%m-%d %H:%M").unwrap();
        let day = Period::Day.buckets(now);
        assert_eq!(day.len(), 25);
        assert_eq!(day[23].to_string(), "2026-11-23 16:00:00");
        assert_eq!(day[24].to_string(), "2026-11-23 17:00:00");
        let week = Period::Week.buckets(now);
        assert_eq!(
            (week[0].to_string().as_str(), week[7].to_string().as_str()),
            ("2026-11-17 00:00:00", "2026-11-24 00:00:00")
        );
        let year = Period::Year.buckets(now);
        assert_eq!(
            (year[0].to_string().as_str(), year[12].to_string().as_str()),
            ("2025-12-01 00:00:00", "2026-12-01 00:00:00")
        );
        assert_eq!(Period::Month.buckets(now).len(), 31);
        assert!(Period::parse("quarter").is_err());
    }
}
