//! Posts queued messages to channel servers. Claims come from the database, so several instances
//! can run this side by side; the HTTP calls happen outside any transaction, concurrently across
//! servers (at most `DELIVERY_CONCURRENCY` in all and `DELIVERY_CONCURRENCY_PER_SERVER` per server)
//! and one message at a time per chat, so a chat's messages arrive in order and a server that
//! hangs holds up only its own chats. A server that keeps timing out is paused on its own
//! (`ServerHealth`).

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, Semaphore};

use crate::domain::signing;
use crate::service::channel_servers::{self, CallOutcome, GuardedResolver, ServerHealth};
use crate::service::deliveries::{self, DeliveryJob};
use crate::service::Ctx;

/// Jobs claimed per round trip to the database.
const CLAIM_BATCH: usize = 50;

/// Starts the delivery loop; it runs until the process ends.
pub fn spawn_delivery_worker(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(ctx.config.delivery_timeout)
            .connect_timeout(ctx.config.delivery_timeout)
            // A channel server may not bounce us to an address nobody registered, nor may a
            // proxy setting in the environment send our calls elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(
                ctx.config.channel_allowed_networks.clone(),
            )))
            .build()
        {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the HTTP client; deliveries stopped");
                return;
            }
        };
        let (outcomes, arrived) = mpsc::channel(ctx.config.delivery_concurrency);
        tokio::spawn(run_recorder(ctx.clone(), arrived));
        let worker = Arc::new(Worker {
            outcomes,
            health: ServerHealth::from_config(&ctx.config),
            slots: Arc::new(Semaphore::new(ctx.config.delivery_concurrency)),
            client,
            ctx,
        });
        loop {
            tokio::select! {
                _ = worker.ctx.outbound_ready.notified() => {}
                _ = tokio::time::sleep(worker.ctx.config.delivery_poll) => {}
            }
            if worker.ctx.is_schema_ready() {
                worker.clone().dispatch().await;
            }
        }
    })
}

/// A finished call: the job and how it went.
type Outcome = (DeliveryJob, Result<(), String>);

/// Outcomes written per transaction at most.
const RECORD_BATCH: usize = 64;

struct Worker {
    ctx: Arc<Ctx>,
    /// Finished calls, for the recorder (bounded: calls wait when it falls behind).
    outcomes: mpsc::Sender<Outcome>,
    client: reqwest::Client,
    health: ServerHealth,
    /// Calls in flight, in all.
    slots: Arc<Semaphore>,
}

impl Worker {
    /// Claims and starts every due delivery there is room for; each call runs on its own task and
    /// wakes the loop again when it ends.
    async fn dispatch(self: Arc<Self>) {
        loop {
            let free = self.slots.available_permits().min(CLAIM_BATCH);
            if free == 0 {
                return;
            }
            let this = self.clone();
            let claimed = tokio::task::spawn_blocking(move || {
                let now = Instant::now();
                deliveries::claim_batch(&this.ctx, free, |server| this.health.room(server, now))
            })
            .await;
            let jobs = match claimed {
                Ok(Ok(jobs)) if !jobs.is_empty() => jobs,
                Ok(Ok(_)) => return,
                Ok(Err(e)) => {
                    tracing::warn!(error = %format_args!("{e:#}"), "claiming deliveries failed");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "delivery claim task failed");
                    return;
                }
            };
            for job in jobs {
                let Ok(slot) = self.slots.clone().acquire_owned().await else {
                    return;
                };
                self.health.started(&job.server);
                let this = self.clone();
                tokio::spawn(async move {
                    this.deliver(job).await;
                    drop(slot);
                    this.ctx.outbound_ready.notify_one();
                });
            }
        }
    }

    /// Posts one message and hands the outcome to the recorder.
    async fn deliver(&self, job: DeliveryJob) {
        let (outcome, answered) = post(&self.client, &job, &self.ctx).await;
        self.health.finished(&job.server, answered, Instant::now());
        if self.outcomes.send((job, outcome)).await.is_err() {
            tracing::warn!("the delivery recorder has stopped; the lease will expire and the delivery be retried");
        }
    }
}

/// Writes the outcomes of finished calls: all that have arrived (up to [`RECORD_BATCH`]) in one
/// transaction, rather than one write per call beside each message's own.
async fn run_recorder(ctx: Arc<Ctx>, mut arrived: mpsc::Receiver<Outcome>) {
    while let Some(first) = arrived.recv().await {
        let mut batch = vec![first];
        while batch.len() < RECORD_BATCH {
            match arrived.try_recv() {
                Ok(outcome) => batch.push(outcome),
                Err(_) => break,
            }
        }
        let writer = ctx.clone();
        let recorded =
            tokio::task::spawn_blocking(move || deliveries::record_outcomes(&writer, &batch)).await;
        let failure = match recorded {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => format!("{e:#}"),
            Err(e) => e.to_string(),
        };
        tracing::warn!(
            error = %failure,
            "recording delivery outcomes failed; their leases will expire and they will be retried"
        );
    }
}

/// The signature a channel server checks: hex HMAC-SHA256 of the body with the channel's secret
/// (the body alone; see `domain::signing` for the timestamped form).
pub fn signature(secret: &str, body: &[u8]) -> String {
    signing::body_signature(secret, body)
}

/// One POST: whether the message was accepted, and whether the server answered at all.
async fn post(
    client: &reqwest::Client,
    job: &DeliveryJob,
    ctx: &Ctx,
) -> (Result<(), String>, CallOutcome) {
    if let Err(e) =
        channel_servers::check_literal_host(&job.url, &ctx.config.channel_allowed_networks)
    {
        return (Err(e), CallOutcome::Answered);
    }
    let body = match serde_json::to_vec(&job.body) {
        Ok(body) => body,
        Err(e) => return (Err(e.to_string()), CallOutcome::Answered),
    };
    // Each attempt is signed at its own time: a receiver that refuses old timestamps refuses a
    // replayed call, never a retry.
    let timestamp = ctx.now().and_utc().timestamp();
    let sent = client
        .post(&job.url)
        .header("Content-Type", "application/json")
        .header(
            "X-Agentdesk-Signature",
            signature(&job.signing_secret, &body),
        )
        .header("X-Agentdesk-Timestamp", timestamp.to_string())
        .header(
            "X-Agentdesk-Signature-V2",
            signing::timestamped_signature(&job.signing_secret, timestamp, &body),
        )
        .header("X-Agentdesk-Message-ID", job.message_id.to_string())
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => (Ok(()), CallOutcome::Answered),
        Ok(response) => (
            Err(format!("the channel server answered {}", response.status())),
            CallOutcome::Answered,
        ),
        Err(e) => (
            Err(format!("request failed: {}", error_chain(&e))),
            CallOutcome::NoAnswer,
        ),
    }
}

/// An error with its causes, so "error sending request" says why (a refused address, a timeout).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
