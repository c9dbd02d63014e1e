//! Working hours: a time of day as `HH:MM`, and a week of opening times in the desk's time zone.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

/// A time of day in whole minutes, `00:00` to `24:00` (`24:00` only makes sense as an end time: open
/// until midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HhMm(u16);

impl HhMm {
    /// Minutes in a day: `24:00`, the end of a day open until midnight.
    pub const END_OF_DAY: u16 = 24 * 60;

    /// Parses `HH:MM`, from 00:00 to 24:00.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = || format!("must be a time as HH:MM (00:00 to 24:00), not `{raw}`");
        let (h, m) = raw.trim().split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        if m > 59 || h > 24 || (h == 24 && m != 0) {
            return Err(bad());
        }
        Ok(Self(h * 60 + m))
    }

    /// A stored minute of the day, clamped to the day.
    pub fn from_minutes(minutes: i32) -> Self {
        Self(minutes.clamp(0, Self::END_OF_DAY as i32) as u16)
    }

    /// Minutes since midnight.
    pub fn minutes(self) -> i32 {
        self.0 as i32
    }
}

impl std::fmt::Display for HhMm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// One weekday's opening times; `day` is 1 = Monday .. 7 = Sunday.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayHours {
    pub day: u8,
    pub enabled: bool,
    pub start: HhMm,
    pub end: HhMm,
}

impl DayHours {
    /// Checks the rule that an enabled day opens before it closes.
    pub fn new(day: u8, enabled: bool, start: HhMm, end: HhMm) -> Result<Self, String> {
        if enabled && start >= end {
            return Err(format!("must be after StartTime {start} on an enabled day"));
        }
        Ok(Self {
            day,
            enabled,
            start,
            end,
        })
    }
}

/// A weekday number: 1 = Monday .. 7 = Sunday.
pub fn weekday(day: i64) -> Result<u8, String> {
    match u8::try_from(day) {
        Ok(d) if (1..=7).contains(&d) => Ok(d),
        _ => Err(format!("must be 1 (Monday) to 7 (Sunday), not {day}")),
    }
}

/// The whole week, used to answer "is the desk open now?".
#[derive(Clone, Debug)]
pub struct WeekSchedule {
    pub days: Vec<DayHours>,
}

impl WeekSchedule {
    /// Every day open from 00:00 to 24:00: what a new desk has until a manager sets hours.
    pub fn is_around_the_clock(&self) -> bool {
        (1..=7).all(|day| {
            self.days.iter().any(|d| {
                d.day == day
                    && d.enabled
                    && d.start.minutes() == 0
                    && d.end.minutes() == i32::from(HhMm::END_OF_DAY)
            })
        })
    }

    /// Whether the desk is open at `at` in its time zone `tz`.
    pub fn is_open(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let local = at.with_timezone(&tz);
        let day = local.weekday().number_from_monday() as u8;
        let minute = (local.hour() * 60 + local.minute()) as i32;
        self.days.iter().any(|d| {
            d.day == day && d.enabled && d.start.minutes() <= minute && minute < d.end.minutes()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_hh_mm() {
        assert_eq!(HhMm::parse("08:30").unwrap().minutes(), 510);
        assert_eq!(HhMm::parse("24:00").unwrap().minutes(), 1440);
        assert_eq!(HhMm::parse("17:30").unwrap().to_string(), "17:30");
        for bad in ["8:30", "24:01", "12:60", "ab:cd", "1230", "", "-1:00"] {
            assert!(HhMm::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enabled_day_must_open_before_it_closes() {
        let t = |s| HhMm::parse(s).unwrap();
        assert!(DayHours::new(1, true, t("09:00"), t("09:00")).is_err());
        assert!(DayHours::new(1, false, t("00:00"), t("00:00")).is_ok());
        assert!(weekday(8).is_err());
        assert_eq!(weekday(7).unwrap(), 7);
    }

    #[test]
    fn open_now_uses_the_desk_time_zone() {
        let t = |s| HhMm::parse(s).unwrap();
        let week = WeekSchedule {
            days: vec![DayHours::new(1, true, t("08:00"), t("17:00")).unwrap()],
        };
        // Monday 2026-11-23 06:30 UTC is 08:30 in Johannesburg (UTC+2).
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 6, 30, 0).unwrap();
        assert!(week.is_open(at, chrono_tz::Africa::Johannesburg));
        assert!(!week.is_open(at, chrono_tz::UTC));
    }

    #[test]
    fn around_the_clock_means_every_day_all_day() {
        let t = |s| HhMm::parse(s).unwrap();
        let all_day = |day| DayHours::new(day, true, t("00:00"), t("24:00")).unwrap();
        let mut week = WeekSchedule {
            days: (1..=7).map(all_day).collect(),
        };
        assert!(week.is_around_the_clock());
        // Saturday 23:59 and Monday 00:00 are both open.
        for (d, h, m) in [(28, 23, 59), (30, 0, 0)] {
            let at = Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
            assert!(week.is_open(at, chrono_tz::Pacific::Kiritimati));
        }
        week.days[6] = DayHours::new(7, true, t("00:00"), t("23:59")).unwrap();
        assert!(!week.is_around_the_clock());
        week.days.pop();
        assert!(!week.is_around_the_clock());
    }
}
