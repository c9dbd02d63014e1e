//! The channel servers the desk calls, and the rules for calling them.
//!
//! - **Where**: only to addresses outside loopback, private, link-local and metadata ranges,
//!   unless an operator allowed the network (`CHANNEL_ALLOWED_NETWORKS`). The rule is applied to
//!   the address actually connected to: a resolver that drops forbidden addresses, and a check of
//!   literal IPs (which skip the resolver), so DNS rebinding can't get round it.
//! - **How much**: a bound on calls in flight per server, and a breaker per server that stops
//!   calling one that keeps timing out, so one broken server can't hold up the others.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::addresses::is_internal;
use crate::domain::netlist::IpRange;

/// Whether the desk may call `ip`.
pub fn may_call(ip: IpAddr, allowed: &[IpRange]) -> bool {
    !is_internal(ip) || allowed.iter().any(|r| r.contains(ip))
}

/// Why a channel server's address is refused.
fn forbidden(host: &str, ip: IpAddr) -> String {
    format!(
        "{host} is {ip}, a loopback, private or link-local address; \
         allow its network with CHANNEL_ALLOWED_NETWORKS to call it"
    )
}

/// Checks a channel server's base URL as CreateChannel stores it: every address its host resolves
/// to must be one the desk may call. A name that does not resolve (yet) passes: every delivery
/// checks the address it connects to anyway.
pub async fn check_chat_server(url: &str, allowed: &[IpRange]) -> Result<(), String> {
    let url = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return match may_call(ip, allowed) {
            true => Ok(()),
            false => Err(forbidden(&host, ip)),
        };
    }
    let lookup = tokio::net::lookup_host((host.as_str(), port));
    let Ok(Ok(addrs)) = tokio::time::timeout(Duration::from_secs(3), lookup).await else {
        return Ok(());
    };
    for addr in addrs {
        if !may_call(addr.ip(), allowed) {
            return Err(forbidden(&host, addr.ip()));
        }
    }
    Ok(())
}

/// Checks the host of a URL about to be called when it is a literal IP (reqwest connects to those
/// without asking the resolver).
pub fn check_literal_host(url: &str, allowed: &[IpRange]) -> Result<(), String> {
    let url = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = url.host_str().unwrap_or_default();
    match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) if !may_call(ip, allowed) => Err(forbidden(host, ip)),
        _ => Ok(()),
    }
}

/// A resolver for the delivery client that keeps only the addresses the desk may call.
pub struct GuardedResolver {
    allowed: Arc<Vec<IpRange>>,
}

impl GuardedResolver {
    pub fn new(allowed: Vec<IpRange>) -> Self {
        Self {
            allowed: Arc::new(allowed),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let callable: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| may_call(a.ip(), &allowed))
                .collect();
            match (callable.is_empty(), found.first()) {
                (false, _) => Ok(Box::new(callable.into_iter()) as Addrs),
                (true, Some(first)) => Err(forbidden(&host, first.ip()).into()),
                (true, None) => Err(format!("{host} has no address").into()),
            }
        })
    }
}

/// The key a channel server is known by: scheme, host and port of its URL (channels that share a
/// server share its limits).
pub fn server_key(chat_server: &str) -> String {
    match reqwest::Url::parse(chat_server) {
        Ok(url) => format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        ),
        Err(_) => chat_server.to_owned(),
    }
}

/// How a call to a channel server went, as the breaker counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// The server answered (whatever it said).
    Answered,
    /// No answer: the connection failed or the call timed out.
    NoAnswer,
}

/// The longest a server that keeps timing out is left alone at a time.
const MAX_PAUSE: Duration = Duration::from_secs(600);

/// Calls in flight and the breaker of every channel server, in this process.
pub struct ServerHealth {
    per_server: usize,
    failures_to_pause: u32,
    first_pause: Duration,
    servers: Mutex<HashMap<String, Server>>,
}

#[derive(Default)]
struct Server {
    in_flight: usize,
    failures: u32,
    paused_until: Option<Instant>,
    pause: Duration,
}

impl ServerHealth {
    /// The limits of the `DELIVERY_*` settings, which every outbound queue (channel deliveries,
    /// webhooks) applies per server.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self::new(
            config.delivery_concurrency_per_server,
            config.delivery_breaker_failures,
            config.delivery_pause,
        )
    }

    /// `per_server` calls at a time; after `failures_to_pause` calls in a row without an answer a
    /// server is left alone for `first_pause`, doubled each time its trial call fails.
    pub fn new(per_server: usize, failures_to_pause: u32, first_pause: Duration) -> Self {
        Self {
            per_server: per_server.max(1),
            failures_to_pause: failures_to_pause.max(1),
            first_pause,
            servers: Mutex::new(HashMap::new()),
        }
    }

    /// How many more calls `server` may take now: none while it is paused; one trial call once
    /// its pause is over.
    pub fn room(&self, server: &str, now: Instant) -> usize {
        let servers = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let Some(s) = servers.get(server) else {
            return self.per_server;
        };
        match s.paused_until {
            Some(until) if now < until => 0,
            Some(_) => usize::from(s.in_flight == 0),
            None => self.per_server.saturating_sub(s.in_flight),
        }
    }

    /// A call to `server` starts.
    pub fn started(&self, server: &str) {
        let mut servers = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        servers.entry(server.to_owned()).or_default().in_flight += 1;
    }

    /// A call to `server` ended.
    pub fn finished(&self, server: &str, outcome: CallOutcome, now: Instant) {
        let mut servers = self.servers.lock().unwrap_or_else(|e| e.into_inner());
        let s = servers.entry(server.to_owned()).or_default();
        s.in_flight = s.in_flight.saturating_sub(1);
        match outcome {
            CallOutcome::Answered => {
                s.failures = 0;
                s.paused_until = None;
                s.pause = Duration::ZERO;
            }
            CallOutcome::NoAnswer => {
                s.failures += 1;
                let was_paused = s.paused_until.is_some();
                if was_paused || s.failures >= self.failures_to_pause {
                    s.pause = if was_paused {
                        (s.pause * 2).min(MAX_PAUSE)
                    } else {
                        self.first_pause
                    };
                    s.paused_until = Some(now + s.pause);
                    tracing::warn!(
                        server,
                        pause_seconds = s.pause.as_secs(),
                        "channel server not answering; paused"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_keeps_timing_out_is_paused_then_tried_once() {
        let health = ServerHealth::new(2, 3, Duration::from_secs(30));
        let t0 = Instant::now();
        let s = "http://hang.example:80";
        assert_eq!(health.room(s, t0), 2);
        health.started(s);
        assert_eq!(health.room(s, t0), 1);
        health.finished(s, CallOutcome::NoAnswer, t0);
        for _ in 0..2 {
            health.started(s);
            health.finished(s, CallOutcome::NoAnswer, t0);
        }
        assert_eq!(
            health.room(s, t0),
            0,
            "paused after three calls without an answer"
        );
        assert_eq!(
            health.room("http://ok.example:80", t0),
            2,
            "others unaffected"
        );
        let later = t0 + Duration::from_secs(31);
        assert_eq!(health.room(s, later), 1, "one trial call");
        health.started(s);
        assert_eq!(health.room(s, later), 0);
        health.finished(s, CallOutcome::NoAnswer, later);
        assert_eq!(
            health.room(s, later + Duration::from_secs(31)),
            0,
            "a failed trial doubles the pause"
        );
        let much_later = later + Duration::from_secs(61);
        health.started(s);
        health.finished(s, CallOutcome::Answered, much_later);
        assert_eq!(
            health.room(s, much_later),
            2,
            "an answer closes the breaker"
        );
    }

    #[test]
    fn channels_of_one_server_share_its_key() {
        assert_eq!(
            server_key("https://chat.example.com/hooks"),
            server_key("https://chat.example.com:443/other")
        );
        assert_ne!(
            server_key("http://chat.example.com"),
            server_key("https://chat.example.com")
        );
    }

    #[tokio::test]
    async fn internal_addresses_need_an_allowed_network() {
        let none: Vec<IpRange> = Vec::new();
        let loopback = vec![IpRange::parse("127.0.0.0/8").unwrap()];
        for url in [
            "http://127.0.0.1:9000",
            "http://localhost:9000",
            "http://169.254.169.254/latest",
            "http://[::1]:80",
            "http://10.0.0.8",
        ] {
            assert!(check_chat_server(url, &none).await.is_err(), "{url}");
        }
        assert!(check_chat_server("http://127.0.0.1:9000", &loopback)
            .await
            .is_ok());
        assert!(check_chat_server("http://10.0.0.8", &loopback)
            .await
            .is_err());
        assert!(check_literal_host("http://192.168.1.1/x", &none).is_err());
        assert!(check_literal_host("http://8.8.8.8/x", &none).is_ok());
    }
}
