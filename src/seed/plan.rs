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
    // The last hours: chats still open, chats waiting in a queue, a few still in the menu.
    for (count, fate, from, to, transfers) in [
        (
            opts.open,
            Fate::Open,
            Duration::minutes(120),
            Duration::minutes(35),
            0.03,
        ),
        (
            opts.queued,
            Fate::Queued,
            Duration::minutes(180),
            Duration::seconds(60),
            0.0,
        ),
        (
            in_menu,
            Fate::InMenu,
            Duration::minutes(10),
            Duration::seconds(5),
            0.0,
        ),
    ] {
        for _ in 0..count {
            let start = uniform_time(rng, now - from, now - to);
            // Only open chats draw a transfer, so the same seed still makes the same desk.
            let transfer = transfers > 0.0 && rng.gen_bool(transfers);
            plans.push(Plan {
                start,
                fate,
                transfer,
            });
        }
    }
    plans.sort_by_key(|p| p.start);
    plans
}
