//! The history's plan: when each chat starts and how it ends, in time order (ids follow time, as
//! on a desk).

use chrono::{Duration, NaiveDateTime};
use rand::prelude::*;
use rand::rngs::StdRng;

use super::desk::Desk;
use super::random::{uniform_time, working_hours_time};
use super::SeedOptions;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fate {
    Answered,
    Missed,
    Open,
    Queued,
    InMenu,
}

pub(super) struct Plan {
    pub(super) start: NaiveDateTime,
    pub(super) fate: Fate,
    pub(super) transfer: bool,
}

/// Every chat of the history: closed ones (answered or missed) over the days, then the open,
/// queued and still-in-the-menu ones of the last hours. `opts` was checked: queued and open fit
/// in the chats.
pub(super) fn make_plans(rng: &mut StdRng, desk: &Desk, opts: &SeedOptions) -> Vec<Plan> {
    let fixed = opts.queued + opts.open;
    let now = desk.now;
    let history_from = now - Duration::days(opts.days.max(1));
    let history_to = now - Duration::hours(3);
    let in_menu = (opts.queued / 50).min(20).min(opts.chats - fixed);
    let closed = opts.chats - fixed - in_menu;
    let mut plans = Vec::with_capacity(opts.chats);
    for _ in 0..closed {
        let missed = rng.gen_bool(0.05);
        plans.push(Plan {
            start: working_hours_time(
                rng,
                desk.tz,
                history_from,
                history_to.max(history_from + Duration::hours(1)),
            ),
            fate: if missed { Fate::Missed } else { Fate::Answered },
            transfer: !missed && rng.gen_bool(0.04),
        });
    }
    for _ in 0..opts.open {
        plans.push(Plan {
            start: uniform_time(
                rng,
                now - Duration::minutes(120),
                now - Duration::minutes(35),
            ),
            fate: Fate::Open,
            transfer: rng.gen_bool(0.03),
        });
    }
    for _ in 0..opts.queued {
        plans.push(Plan {
            start: uniform_time(
                rng,
                now - Duration::minutes(180),
                now - Duration::seconds(60),
            ),
            fate: Fate::Queued,
            transfer: false,
        });
    }
    for _ in 0..in_menu {
        plans.push(Plan {
            start: uniform_time(rng, now - Duration::minutes(10), now - Duration::seconds(5)),
            fate: Fate::InMenu,
            transfer: false,
        });
    }
    plans.sort_by_key(|p| p.start);
    plans
}
