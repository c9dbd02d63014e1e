//! `GET /metrics`: what an operator watches, in Prometheus' text format. Requests by endpoint
//! and status with their latency (`requests`), the connection pool, the database's queues and
//! backlogs (read at most once a second, see `http::metrics`), and the process's memory.
//!
//! One [`Instruments`] per application (not a process-wide registry), so two desks in one process
//! (the tests) each count their own requests.

pub mod requests;

use std::sync::Mutex;

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntGauge, IntGaugeVec, Opts, Registry};

use crate::db::{DbPool, PoolWaits};
use crate::domain::delivery::DeliveryState;
use crate::domain::report::RunState;
use crate::service::gauges::DeskGauges;
use crate::service::unchanged::UnchangedAnswers;

/// Request latency buckets, seconds: from a cached read (well under a millisecond) to the 10 s
/// a request may wait for the database before it is answered 503.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Instruments {
    registry: Registry,
    requests: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    queue_chats: IntGaugeVec,
    queue_oldest: IntGaugeVec,
    chats_open: IntGaugeVec,
    deliveries: IntGaugeVec,
    delivery_overdue: IntGauge,
    report_runs: IntGaugeVec,
    database_read: IntGauge,
    resident: IntGauge,
    /// Gauges are set, then gathered: one scrape at a time, so two don't interleave.
    rendering: Mutex<()>,
}

fn gauge(name: &str, help: &str) -> IntGauge {
    IntGauge::new(name, help).expect("constant gauge options are valid")
}

fn gauges(name: &str, help: &str, label: &str) -> IntGaugeVec {
    IntGaugeVec::new(Opts::new(name, help), &[label]).expect("constant gauge options are valid")
}

impl Instruments {
    /// The families, with the pool's checkout waits (recorded by the pool itself) and how chat
    /// reads were answered among them.
    pub fn new(waits: &PoolWaits, answers: &UnchangedAnswers) -> Self {
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "agentdesk_http_request_duration_seconds",
                "Requests by route pattern and status: time until the response's head",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["endpoint", "status"],
        )
        .expect("constant histogram options are valid");
        let this = Self {
            registry: Registry::new(),
            requests,
            pool_connections: gauges(
                "agentdesk_db_pool_connections",
                "Open pooled database connections, idle or in use",
                "state",
            ),
            pool_max: gauge(
                "agentdesk_db_pool_max_connections",
                "DATABASE_POOL_SIZE: the most connections the pool opens",
            ),
            queue_chats: gauges(
                "agentdesk_queue_chats",
                "Chats waiting in a department's queue",
                "department",
            ),
            queue_oldest: gauges(
                "agentdesk_queue_oldest_wait_seconds",
                "How long the oldest chat waiting in a department's queue has waited",
                "department",
            ),
            chats_open: gauges(
                "agentdesk_chats_open",
                "Chats assigned to an agent and not closed, per department",
                "department",
            ),
            deliveries: gauges(
                "agentdesk_deliveries",
                "Messages for customers not delivered yet (pending, sending) or given up (failed)",
                "state",
            ),
            delivery_overdue: gauge(
                "agentdesk_delivery_oldest_due_seconds",
                "How long the earliest pending delivery has been due (0: none overdue)",
            ),
            report_runs: gauges(
                "agentdesk_report_runs",
                "Scheduled report runs per state",
                "state",
            ),
            database_read: gauge(
                "agentdesk_database_gauges_ok",
                "1 when this scrape read the database's figures, 0 when the database did not answer",
            ),
            resident: gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
            ),
            rendering: Mutex::new(()),
        };
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(this.requests.clone()),
            Box::new(this.pool_connections.clone()),
            Box::new(this.pool_max.clone()),
            Box::new(waits.checkout_seconds.clone()),
            Box::new(waits.timeouts.clone()),
            Box::new(answers.outcomes.clone()),
            Box::new(this.queue_chats.clone()),
            Box::new(this.queue_oldest.clone()),
            Box::new(this.chats_open.clone()),
            Box::new(this.deliveries.clone()),
            Box::new(this.delivery_overdue.clone()),
            Box::new(this.report_runs.clone()),
            Box::new(this.database_read.clone()),
            Box::new(this.resident.clone()),
        ];
        for collector in collectors {
            this.registry
                .register(collector)
                .expect("each family is registered once");
        }
        this
    }

    /// Counts one answered request. `endpoint` is a route pattern (or a fixed word), never a raw
    /// path, so the number of series stays bounded.
    pub fn observe_request(&self, endpoint: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[endpoint, status.to_string().as_str()])
            .observe(seconds);
    }

    /// The exposition: every family, with the pool's and the process's state as of now and the
    /// database's figures as `desk` read them (`None`: the database did not answer).
    pub fn render(&self, pool: &DbPool, desk: Option<&DeskGauges>) -> String {
        let _one_at_a_time = self.rendering.lock().unwrap_or_else(|e| e.into_inner());
        let state = pool.state();
        let in_use = state.connections.saturating_sub(state.idle_connections);
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(state.idle_connections));
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(in_use));
        self.pool_max.set(i64::from(pool.max_size()));
        self.resident
            .set(crate::memory::resident_bytes().map_or(0, |b| b as i64));
        self.database_read.set(i64::from(desk.is_some()));
        if let Some(desk) = desk {
            self.set_desk(desk);
        }
        let mut out = Vec::new();
        prometheus::TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("the text encoder writes to memory");
        String::from_utf8(out).expect("the text format is UTF-8")
    }

    fn set_desk(&self, desk: &DeskGauges) {
        let age = |since: Option<chrono::NaiveDateTime>| {
            since.map_or(0, |t| (desk.at - t).num_seconds().max(0))
        };
        // Departments come and go: start from empty so a removed one's series disappears.
        for family in [&self.queue_chats, &self.queue_oldest, &self.chats_open] {
            family.reset();
        }
        for (department, waiting, oldest) in &desk.waiting {
            let department = department_label(*department);
            self.queue_chats
                .with_label_values(&[department.as_str()])
                .set(*waiting);
            self.queue_oldest
                .with_label_values(&[department.as_str()])
                .set(age(*oldest));
        }
        for (department, open) in &desk.open {
            self.chats_open
                .with_label_values(&[department_label(*department).as_str()])
                .set(*open);
        }
        // Every state is shown, zeros included, so a rate or an alert has a series to read.
        for state in [
            DeliveryState::Pending,
            DeliveryState::Sending,
            DeliveryState::Failed,
        ] {
            let n = desk
                .deliveries
                .iter()
                .find(|(s, ..)| *s == state)
                .map_or(0, |(_, n, _)| *n);
            self.deliveries.with_label_values(&[state.name()]).set(n);
        }
        let earliest_due = desk
            .deliveries
            .iter()
            .filter(|(s, ..)| *s == DeliveryState::Pending)
            .find_map(|(.., due)| *due);
        self.delivery_overdue.set(age(earliest_due));
        for state in [
            RunState::Pending,
            RunState::Sending,
            RunState::Sent,
            RunState::Failed,
            RunState::Interrupted,
        ] {
            let n = desk
                .report_runs
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(0, |(_, n)| *n);
            self.report_runs.with_label_values(&[state.name()]).set(n);
        }
    }
}

/// A department's label: its id (stable, unlike its name), or `none` for chats without one.
fn department_label(id: Option<i64>) -> String {
    id.map_or_else(|| "none".to_owned(), |id| id.to_string())
}

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
