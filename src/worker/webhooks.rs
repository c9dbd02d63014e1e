//! Webhooks: fans the outbox out to endpoints and posts the deliveries. Claims come from the
//! database (the lease queue), so several instances never send one attempt twice; the POSTs
//! happen outside any transaction, concurrently across endpoints (`DELIVERY_CONCURRENCY` in all,
//! `DELIVERY_CONCURRENCY_PER_SERVER` per endpoint, paused by the same breaker as channel
//! servers) and one event at a time per (endpoint, chat), so a chat's events arrive in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use tokio::sync::Semaphore;

use crate::domain::retry::{backoff, truncate_error};
use crate::domain::webhook::{signature_header, WebhookDeliveryState};
use crate::service::channel_servers::{self, CallOutcome, GuardedResolver, ServerHealth};
use crate::service::webhooks::fanout;
use crate::service::Ctx;
use crate::store::lease_queue::Outcome;
use crate::store::webhooks::{self as store, DueDelivery, QUEUE};

/// Retries go on for this long after the event, then the delivery is marked failed.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
const FIRST_RETRY: Duration = Duration::from_secs(5);
const LONGEST_WAIT: Duration = Duration::from_secs(3600);
/// The start of an answer kept in the delivery log.
const ANSWER_KEPT: usize = 200;
const CLAIM_BATCH: i64 = 50;
/// How often the outbox is looked at for webhook events: at most this late, a webhook's event.
const FAN_OUT_EVERY: Duration = Duration::from_millis(200);

/// Starts the fan-out and the sender; they run until the process ends.
pub fn spawn_webhooks(ctx: Arc<Ctx>) {
    let fan = ctx.clone();
    tokio::spawn(async move {
        // Polled, not woken by commits: `live.written` wakes one waiter, the event stream's
        // reader, which must not lose its wake-ups to this loop.
        loop {
            tokio::time::sleep(FAN_OUT_EVERY).await;
            if !fan.is_schema_ready() {
                continue;
            }
            let job = fan.clone();
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || fanout::fan_out(&job)).await {
                tracing::warn!(error = %format_args!("{e:#}"), "webhook fan-out failed");
            }
        }
    });
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(ctx.config.delivery_timeout)
            .connect_timeout(ctx.config.delivery_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(
                ctx.config.channel_allowed_networks.clone(),
            )))
            .build()
        {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the HTTP client; webhooks stopped");
                return;
            }
        };
        let sender = Arc::new(Sender {
            health: ServerHealth::from_config(&ctx.config),
            slots: Arc::new(Semaphore::new(ctx.config.delivery_concurrency)),
            client,
            ctx,
        });
        loop {
            tokio::select! {
                _ = sender.ctx.webhooks_ready.notified() => {}
                _ = tokio::time::sleep(sender.ctx.config.delivery_poll) => {}
            }
            if sender.ctx.is_schema_ready() {
                sender.clone().round().await;
            }
        }
    });
}

struct Sender {
    ctx: Arc<Ctx>,
    client: reqwest::Client,
    health: ServerHealth,
    slots: Arc<Semaphore>,
}

/// A claimed delivery: the attempt that holds it.
struct Job {
    d: DueDelivery,
    attempt: i32,
}

impl Sender {
    /// Claims what is due (endpoints without room skipped) and posts each on a task of its own.
    async fn round(self: Arc<Self>) {
        let me = self.clone();
        let claimed = tokio::task::spawn_blocking(move || me.claim()).await;
        let jobs = match claimed {
            Ok(Ok(jobs)) => jobs,
            Ok(Err(e)) => {
                tracing::warn!(error = %format_args!("{e:#}"), "claiming webhook deliveries failed");
                return;
            }
            Err(_) => return,
        };
        for job in jobs {
            let key = channel_servers::server_key(&job.d.url);
            let Ok(slot) = self.slots.clone().acquire_owned().await else {
                return;
            };
            self.health.started(&key);
            let me = self.clone();
            tokio::spawn(async move {
                let (result, call) = me.post(&job).await;
                me.health.finished(&key, call, Instant::now());
                drop(slot);
                let ctx = me.ctx.clone();
                let recorded =
                    tokio::task::spawn_blocking(move || record(&ctx, &job, result)).await;
                if let Ok(Err(e)) = recorded {
                    tracing::warn!(error = %format_args!("{e:#}"), "recording a webhook outcome failed; its lease will expire");
                }
                me.ctx.webhooks_ready.notify_one();
            });
        }
    }

    /// One POST: (status, duration, answer) or an error, and whether the endpoint answered.
    async fn post(&self, job: &Job) -> (Result<Answer, String>, CallOutcome) {
        let allowed = &self.ctx.config.channel_allowed_networks;
        if let Err(e) = channel_servers::check_literal_host(&job.d.url, allowed) {
            return (Err(e), CallOutcome::Answered);
        }
        let t = self.ctx.clock.now_utc().timestamp();
        let started = Instant::now();
        let sent = self
            .client
            .post(&job.d.url)
            .header("Content-Type", "application/json")
            .header("X-Agentdesk-Event", &job.d.event)
            .header("X-Agentdesk-Event-ID", event_id(&job.d))
            .header(
                "X-Agentdesk-Signature",
                signature_header(&job.d.signing_secret, t, job.d.body.as_bytes()),
            )
            .body(job.d.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16() as i32;
                let text = response.text().await.unwrap_or_default();
                let answer = Answer {
                    status,
                    duration_ms: started.elapsed().as_millis() as i64,
                    text: text.chars().take(ANSWER_KEPT).collect(),
                };
                (Ok(answer), CallOutcome::Answered)
            }
            Err(e) => (Err(e.to_string()), CallOutcome::NoAnswer),
        }
    }
}

/// The id a receiver de-duplicates on: the stream's event id (or the test's).
fn event_id(d: &DueDelivery) -> String {
    serde_json::from_str::<serde_json::Value>(&d.body)
        .ok()
        .and_then(|b| b["EventID"].as_str().map(str::to_owned))
        .unwrap_or_else(|| d.event_id.to_string())
}

struct Answer {
    status: i32,
    duration_ms: i64,
    text: String,
}

impl Sender {
    /// Claims what is due, leaving alone endpoints that are paused or already have as many calls
    /// in flight as they may (counting those claimed in this round): their events wait in the
    /// queue, attempts unspent, and never hold up another endpoint's.
    fn claim(&self) -> crate::error::ApiResult<Vec<Job>> {
        let ctx = &self.ctx;
        let now = ctx.now();
        // Endpoints with no room are left out of the query, so their backlog never fills a batch.
        let skip: Vec<i64> = ctx
            .read(store::list)?
            .into_iter()
            .filter(|w| {
                self.health
                    .room(&channel_servers::server_key(&w.url), Instant::now())
                    == 0
            })
            .map(|w| w.id)
            .collect();
        let due = ctx.read(|c| store::due(c, now, CLAIM_BATCH, &skip))?;
        let lease = chrono::Duration::from_std(ctx.config.delivery_timeout * 3)
            .unwrap_or(chrono::Duration::seconds(30));
        let mut taken: std::collections::HashMap<String, usize> = Default::default();
        let mut jobs = Vec::new();
        for d in due {
            let key = channel_servers::server_key(&d.url);
            let room = self.health.room(&key, Instant::now());
            let used = taken.entry(key).or_default();
            if *used >= room {
                continue;
            }
            let won =
                ctx.write(|c| Ok(QUEUE.claim(c, d.id, d.state, d.attempts, now, now + lease)?))?;
            if won {
                *used += 1;
                jobs.push(Job {
                    attempt: d.attempts + 1,
                    d,
                });
            }
        }
        Ok(jobs)
    }
}

fn next_try(job: &Job, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let wait = backoff(FIRST_RETRY, job.attempt, LONGEST_WAIT);
    let at = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
    (at < job.d.created_at + GIVE_UP_AFTER).then_some(at)
}

fn record(ctx: &Ctx, job: &Job, result: Result<Answer, String>) -> crate::error::ApiResult<()> {
    let now = ctx.now();
    ctx.write(|c| {
        let error = match &result {
            Ok(a) if (200..300).contains(&a.status) => None,
            Ok(a) => Some(format!("answered {}", a.status)),
            Err(e) => Some(truncate_error(e)),
        };
        let outcome = match &error {
            None => Outcome::Done,
            Some(e) => Outcome::failed(e, next_try(job, now), WebhookDeliveryState::Failed.id()),
        };
        if QUEUE.record(c, job.d.id, job.attempt, outcome, now)? == 1 {
            let (status, ms, text) = match &result {
                Ok(a) => (Some(a.status), a.duration_ms, a.text.as_str()),
                Err(_) => (None, 0, ""),
            };
            store::note_attempt(c, job.d.id, job.attempt, status, ms, text)?;
        }
        Ok(())
    })
}
