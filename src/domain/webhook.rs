//! Webhooks' plain rules: which events an endpoint wants, the delivery states and the signature
//! header a receiver checks.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::live::Topic;

/// A delivery's state (the lease queue's numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryState {
    Pending = 1,
    Sending = 2,
    Delivered = 3,
    /// Still failing 24 hours after the event: given up, shown in the log, retriable by hand.
    Failed = 4,
}

impl WebhookDeliveryState {
    pub const fn id(self) -> i16 {
        self as i16
    }

    pub fn name_of(id: i16) -> &'static str {
        match id {
            1 => "pending",
            2 => "sending",
            3 => "delivered",
            _ => "failed",
        }
    }
}

/// The event name a test call carries.
pub const TEST_EVENT: &str = "webhook.test";

/// Parses the `Events` list: names of the stream's catalogue, or `*` alone for all of them.
pub fn parse_events(names: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for name in names.iter().map(|n| n.trim()) {
        if name != "*" && !Topic::ALL.iter().any(|t| t.name() == name) {
            return Err(format!(
                "`{name}` is not an event of the stream's catalogue, nor *"
            ));
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    if out.is_empty() {
        return Err("must name at least one event, or *".into());
    }
    if out.len() > 1 && out.iter().any(|n| n == "*") {
        return Err("* stands alone: it means every event".into());
    }
    Ok(out)
}

/// Whether an endpoint subscribed to `events` wants `event`.
pub fn wants(events: &[String], event: &str) -> bool {
    events.iter().any(|e| e == "*" || e == event)
}

/// `X-Agentdesk-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature_header(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_names_of_the_catalogue_or_a_lone_star() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_events(&v(&["chat.queued", "chat.queued"])).unwrap(),
            ["chat.queued"]
        );
        assert!(parse_events(&v(&["chat.eaten"])).is_err());
        assert!(parse_events(&v(&["*", "chat.queued"])).is_err());
        assert!(parse_events(&[]).is_err());
        assert!(wants(&v(&["*"]), "agent.status"));
        assert!(!wants(&v(&["chat.queued"]), "agent.status"));
    }

    #[test]
    fn the_signature_covers_time_and_body() {
        // echo -n '1700000000.{}' | openssl dgst -sha256 -hmac secret
        let h = signature_header("secret", 1_700_000_000, b"{}");
        assert!(h.starts_with("t=1700000000,v1="));
        assert_eq!(h.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(h, signature_header("secret", 1_700_000_001, b"{}"));
    }
}
