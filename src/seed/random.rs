//! Randomness with realistic shapes: log-normal durations and counts, busier working hours.

use chrono::{Datelike, Duration, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use rand::prelude::*;
use rand::rngs::StdRng;

/// A standard normal variate (Box–Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal duration: most near `median_s`, a long tail, clamped to `[min_s, max_s]`.
pub(super) fn lognormal_secs(
    rng: &mut StdRng,
    median_s: f64,
    sigma: f64,
    min_s: f64,
    max_s: f64,
) -> Duration {
    let s = (median_s.ln() + sigma * normal(rng))
        .exp()
        .clamp(min_s, max_s);
    Duration::milliseconds((s * 1000.0) as i64)
}

/// A count with mean `mean` and a log-normal spread.
pub(super) fn spread_count(rng: &mut StdRng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    let sigma = 0.8;
    let mu = mean.ln() - sigma * sigma / 2.0;
    (mu + sigma * normal(rng)).exp().round().min(500.0) as usize
}

/// A start time in `[from, to)`, busier on weekdays and in working hours (desk time zone).
pub(super) fn working_hours_time(
    rng: &mut StdRng,
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> NaiveDateTime {
    let span = (to - from).num_seconds().max(1);
    loop {
        let t = from + Duration::milliseconds(rng.gen_range(0..span * 1000));
        let local = tz.from_utc_datetime(&t).naive_local();
        let day = match local.weekday().number_from_monday() {
            6 => 0.35,
            7 => 0.2,
            _ => 1.0,
        };
        let hour = local.hour() as f64 + local.minute() as f64 / 60.0;
        let by_hour = match hour {
            h if (10.0..15.0).contains(&h) => 1.0,
            h if (8.0..18.0).contains(&h) => 0.8,
            h if (7.0..8.0).contains(&h) || (18.0..21.0).contains(&h) => 0.3,
            _ => 0.04,
        };
        if rng.gen::<f64>() < day * by_hour {
            return t;
        }
    }
}

pub(super) fn uniform_time(
    rng: &mut StdRng,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> NaiveDateTime {
    let span = (to - from).num_milliseconds().max(1);
    from + Duration::milliseconds(rng.gen_range(0..span))
}
