//! What `GET /metrics` reads from the database: each department's queue (depth and oldest wait),
//! open chats per department, the delivery backlog and report runs by state. Four reads on one
//! connection, each served by an index that starts with the state, so a scrape costs about as
//! much as one LiveMetrics call whatever the size of the history.

use chrono::NaiveDateTime;

use super::Ctx;
use crate::domain::delivery::DeliveryState;
use crate::domain::report::RunState;
use crate::error::ApiResult;
use crate::store::chats::{self, QueueLength};
use crate::store::{deliveries, metrics, reports};

/// The database's figures at one moment.
#[derive(Debug, Clone)]
pub struct DeskGauges {
    /// When they were read (the desk's clock), for the ages below.
    pub at: NaiveDateTime,
    /// Per department: waiting chats and the oldest one's `queued_at`.
    pub waiting: Vec<QueueLength>,
    /// Open (assigned) chats per department.
    pub open: Vec<(Option<i64>, i64)>,
    /// Undelivered messages per state, with the earliest time one of them was due.
    pub deliveries: Vec<(DeliveryState, i64, Option<NaiveDateTime>)>,
    pub report_runs: Vec<(RunState, i64)>,
}

/// Reads the figures now.
pub fn desk_gauges(ctx: &Ctx) -> ApiResult<DeskGauges> {
    ctx.read(|c| {
        Ok(DeskGauges {
            at: ctx.now(),
            waiting: chats::waiting_by_department(c)?,
            open: metrics::open_by_department(c)?,
            deliveries: deliveries::backlog_by_state(c)?
                .into_iter()
                .map(|(state, n, due)| (DeliveryState::from_id(state), n, due))
                .collect(),
            report_runs: reports::runs_by_state(c)?
                .into_iter()
                .map(|(state, n)| (RunState::from_id(state), n))
                .collect(),
        })
    })
}
