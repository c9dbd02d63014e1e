//! Posts queued messages to channel servers. Claims come from the database, so several instances
//! can run this side by side; the HTTP call happens outside any transaction.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::service::deliveries::{self, DeliveryJob};
use crate::service::Ctx;

pub fn spawn_delivery_worker(ctx: Arc<Ctx>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(ctx.config.delivery_timeout)
            // A channel server may not bounce us to an address nobody registered.
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the HTTP client; deliveries stopped");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = ctx.outbound_ready.notified() => {}
                _ = tokio::time::sleep(ctx.config.delivery_poll) => {}
            }
            if ctx.is_schema_ready() {
                drain(&ctx, &client).await;
            }
        }
    })
}

/// Sends everything that is due now.
async fn drain(ctx: &Arc<Ctx>, client: &reqwest::Client) {
    loop {
        let claim_ctx = ctx.clone();
        let job =
            match tokio::task::spawn_blocking(move || deliveries::claim_next(&claim_ctx)).await {
                Ok(Ok(Some(job))) => job,
                Ok(Ok(None)) => return,
                Ok(Err(e)) => {
                    tracing::warn!(error = %format_args!("{e:#}"), "claiming deliveries failed");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "delivery claim task failed");
                    return;
                }
            };
        let outcome = post(client, &job).await;
        let record_ctx = ctx.clone();
        let recorded = tokio::task::spawn_blocking(move || {
            deliveries::record_outcome(&record_ctx, &job, outcome)
        })
        .await;
        let failure = match recorded {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => format!("{e:#}"),
            Err(e) => e.to_string(),
        };
        tracing::warn!(
            error = %failure,
            "recording a delivery outcome failed; its lease will expire and it will be retried"
        );
    }
}

/// The signature a channel server checks: hex HMAC-SHA256 of the body with the channel's secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post(client: &reqwest::Client, job: &DeliveryJob) -> Result<(), String> {
    let body = serde_json::to_vec(&job.body).map_err(|e| e.to_string())?;
    let response = client
        .post(&job.url)
        .header("Content-Type", "application/json")
        .header(
            "X-Agentdesk-Signature",
            signature(&job.signing_secret, &body),
        )
        .header("X-Agentdesk-Message-ID", job.message_id.to_string())
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the channel server answered {status}"))
    }
}
