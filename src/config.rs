//! Configuration from environment variables, optionally read from a `KEY=VALUE` file first
//! (`AGENTDESK_CONFIG` or `--config`); variables set in the environment win. Every key is in README.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::db::DatabaseUrl;
use crate::domain::netlist::IpRange;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub database_pool_size: u32,
    pub database_timeout: Duration,
    pub bind: SocketAddr,
    /// Where `GET /metrics` is served on a listener of its own, when set.
    pub metrics_bind: Option<SocketAddr>,
    /// Whether the main listener answers `GET /metrics` too (`METRICS_ON_MAIN_LISTENER`): off
    /// unless asked, since what it shows (routes, queues, backlogs) is not for anyone who can
    /// reach the desk.
    pub metrics_on_main_listener: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// How stale a session's `last_seen_at` may get before a request writes it again.
    pub session_touch_interval: Duration,
    pub min_client_version: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub mail_outbox_dir: PathBuf,
    pub public_base_url: Option<String>,
    pub log_format: LogFormat,
    pub logon_max_failures: i64,
    pub logon_failure_window: Duration,
    pub sweep_interval: Duration,
    /// First retry delay of a failed delivery to a channel server; doubles per attempt, at most 10 minutes.
    pub delivery_backoff: Duration,
    pub delivery_max_attempts: i32,
    pub delivery_poll: Duration,
    pub delivery_timeout: Duration,
    /// How often the report scheduler looks for due reports.
    pub report_poll: Duration,
    /// First retry delay of a report whose mail failed; doubles per attempt.
    pub report_retry: Duration,
    pub report_max_attempts: i32,
    /// Failed logons allowed per source address (whatever the account) within the window.
    pub logon_max_failures_per_address: i64,
    /// Proxies whose `X-Forwarded-For` hop names the client (CIDRs); empty: the peer is the client.
    pub trusted_proxies: Vec<IpRange>,
    /// Reset mails per account within `password_reset_window`; more requests send nothing.
    pub password_reset_max: i64,
    pub password_reset_window: Duration,
    /// Password hashes and checks at a time (argon2id: ~19 MiB and a core each).
    pub password_hash_concurrency: usize,
    /// Requests carrying a file at a time.
    pub upload_concurrency: usize,
    /// How long a request waits for a place among the password checks or uploads before 503.
    pub busy_wait: Duration,
    /// Private networks a channel server may be on anyway (loopback, RFC 1918 ... are refused
    /// otherwise).
    pub channel_allowed_networks: Vec<IpRange>,
    /// Calls to channel servers in flight, in all and per channel server.
    pub delivery_concurrency: usize,
    pub delivery_concurrency_per_server: usize,
    /// Consecutive failures after which a channel server is left alone for `delivery_pause`
    /// (doubling while it keeps failing, at most 10 minutes).
    pub delivery_breaker_failures: u32,
    pub delivery_pause: Duration,
    /// How long the event stream keeps events for clients that resume (`Last-Event-ID`).
    pub event_retention: Duration,
    /// How often the event stream's reader looks for new events written by other instances.
    pub event_poll: Duration,
    /// An agent with no call, KeepAlive or open event stream for this long goes Offline.
    pub presence_timeout: Duration,
    /// Event streams one session may hold open at a time (one per browser tab), and this process
    /// in all: past them a new stream is refused with 429 `TooManyStreams`.
    pub event_streams_per_session: usize,
    pub event_streams_max: usize,
    /// Bytes of chat answers kept while the database is unchanged (`service::unchanged`); 0
    /// keeps none.
    pub unchanged_answers_bytes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Reads the process environment, after loading `file` (if any) underneath it.
    pub fn load(file: Option<&std::path::Path>) -> anyhow::Result<Self> {
        let mut vars: HashMap<String, String> = HashMap::new();
        let file = file
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("AGENTDESK_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            for item in dotenvy::from_path_iter(&path)
                .with_context(|| format!("cannot read config file {}", path.display()))?
            {
                let (k, v) =
                    item.with_context(|| format!("bad line in config file {}", path.display()))?;
                vars.insert(k, v);
            }
        }
        vars.extend(std::env::vars());
        Self::from_vars(&vars)
    }

    /// Whether agents reach the desk over https (`PUBLIC_BASE_URL`).
    pub fn served_over_https(&self) -> bool {
        self.public_base_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }

    /// A warning when agents would reach the desk over plain http from beyond this machine: the
    /// desk listens past loopback and `PUBLIC_BASE_URL` is not https. Passwords and session
    /// tokens would cross the network readable (docs/operations.md, "TLS").
    pub fn plain_http_warning(&self) -> Option<String> {
        if self.bind.ip().is_loopback() || self.served_over_https() {
            return None;
        }
        Some(format!(
            "listening on {} beyond loopback while PUBLIC_BASE_URL is {}: put a TLS reverse proxy \
             in front (docs/operations.md, \"TLS\") and set PUBLIC_BASE_URL to its https address",
            self.bind,
            self.public_base_url.as_deref().unwrap_or("unset"),
        ))
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> anyhow::Result<Self> {
        let get = |k: &str| {
            vars.get(k)
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        let number = |k: &str, default: u64| -> anyhow::Result<u64> {
            match get(k) {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .with_context(|| format!("{k} must be a whole number, not `{v}`")),
            }
        };
        let ranges = |k: &str| -> anyhow::Result<Vec<IpRange>> {
            get(k)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .map(|r| IpRange::parse(r).map_err(|e| anyhow::anyhow!("{k}: {e}")))
                        .collect()
                })
                .unwrap_or_else(|| Ok(Vec::new()))
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let database_url =
            DatabaseUrl::parse(&get("DATABASE_URL").unwrap_or_else(|| "agentdesk.db".into()))
                .map_err(anyhow::Error::msg)?;
        let bind = get("AGENTDESK_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind: SocketAddr = bind
            .parse()
            .with_context(|| format!("AGENTDESK_BIND must be HOST:PORT, not `{bind}`"))?;
        let metrics_bind = get("METRICS_BIND")
            .map(|v| {
                v.parse::<SocketAddr>()
                    .with_context(|| format!("METRICS_BIND must be HOST:PORT, not `{v}`"))
            })
            .transpose()?;
        let metrics_on_main_listener = match get("METRICS_ON_MAIN_LISTENER").as_deref() {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => bail!("METRICS_ON_MAIN_LISTENER must be true or false, not `{other}`"),
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("LOG_FORMAT must be text or json, not `{other}`"),
        };
        let session_idle = Duration::from_secs(60 * number("SESSION_IDLE_MINUTES", 60)?);
        let session_absolute = Duration::from_secs(3600 * number("SESSION_ABSOLUTE_HOURS", 12)?);
        if session_idle.is_zero() || session_absolute < session_idle {
            bail!(
                "SESSION_IDLE_MINUTES must be at least 1 and no longer than SESSION_ABSOLUTE_HOURS"
            );
        }
        let smtp_url = get("SMTP_URL");
        if let Some(url) = &smtp_url {
            if !["smtp://", "smtps://"].iter().any(|p| url.starts_with(p)) {
                bail!("SMTP_URL must start with smtp:// or smtps://");
            }
        }
        Ok(Self {
            database_pool_size: number("DATABASE_POOL_SIZE", 10)?.clamp(1, 200) as u32,
            database_timeout: Duration::from_secs(number("DATABASE_TIMEOUT_SECONDS", 5)?.max(1)),
            database_url,
            bind,
            metrics_bind,
            metrics_on_main_listener,
            session_idle,
            session_absolute,
            session_touch_interval: Duration::from_secs(number("SESSION_TOUCH_SECONDS", 5)?),
            min_client_version: get("MIN_CLIENT_VERSION"),
            smtp_url,
            mail_from: get("MAIL_FROM").unwrap_or_else(|| "agentdesk <agentdesk@localhost>".into()),
            mail_outbox_dir: PathBuf::from(
                get("MAIL_OUTBOX_DIR").unwrap_or_else(|| "./outbox".into()),
            ),
            public_base_url: get("PUBLIC_BASE_URL").map(|u| u.trim_end_matches('/').to_owned()),
            log_format,
            logon_max_failures: number("LOGON_MAX_FAILURES", 5)? as i64,
            logon_failure_window: Duration::from_secs(
                60 * number("LOGON_FAILURE_WINDOW_MINUTES", 15)?,
            ),
            sweep_interval: Duration::from_secs(number("SESSION_SWEEP_SECONDS", 30)?.max(1)),
            delivery_backoff: Duration::from_millis(number("DELIVERY_BACKOFF_MS", 2000)?),
            delivery_max_attempts: number("DELIVERY_MAX_ATTEMPTS", 10)?.clamp(1, 100) as i32,
            delivery_poll: Duration::from_millis(number("DELIVERY_POLL_MS", 1000)?.max(10)),
            delivery_timeout: Duration::from_secs(number("DELIVERY_TIMEOUT_SECONDS", 10)?.max(1)),
            report_poll: Duration::from_secs(number("REPORT_POLL_SECONDS", 30)?.max(1)),
            report_retry: Duration::from_secs(number("REPORT_RETRY_SECONDS", 60)?.clamp(1, 86_400)),
            report_max_attempts: number("REPORT_MAX_ATTEMPTS", 5)?.clamp(1, 50) as i32,
            logon_max_failures_per_address: number("LOGON_MAX_FAILURES_PER_ADDRESS", 30)? as i64,
            trusted_proxies: ranges("TRUSTED_PROXIES")?,
            password_reset_max: number("PASSWORD_RESET_MAX", 3)?.max(1) as i64,
            password_reset_window: Duration::from_secs(
                60 * number("PASSWORD_RESET_WINDOW_MINUTES", 15)?.max(1),
            ),
            password_hash_concurrency: number("PASSWORD_HASH_CONCURRENCY", cores as u64)?
                .clamp(1, 64) as usize,
            upload_concurrency: number("UPLOAD_CONCURRENCY", 4)?.clamp(1, 256) as usize,
            busy_wait: Duration::from_millis(number("BUSY_WAIT_MS", 2000)?.clamp(10, 60_000)),
            channel_allowed_networks: ranges("CHANNEL_ALLOWED_NETWORKS")?,
            delivery_concurrency: number("DELIVERY_CONCURRENCY", 32)?.clamp(1, 1024) as usize,
            delivery_concurrency_per_server: number("DELIVERY_CONCURRENCY_PER_SERVER", 4)?
                .clamp(1, 256) as usize,
            delivery_breaker_failures: number("DELIVERY_BREAKER_FAILURES", 3)?.clamp(1, 100) as u32,
            delivery_pause: Duration::from_secs(number("DELIVERY_PAUSE_SECONDS", 30)?.max(1)),
            event_retention: Duration::from_secs(
                3600 * number("EVENT_RETENTION_HOURS", 24)?.clamp(1, 24 * 30),
            ),
            event_poll: Duration::from_millis(number("EVENT_POLL_MS", 200)?.clamp(10, 5000)),
            presence_timeout: Duration::from_secs(
                number("PRESENCE_TIMEOUT_SECONDS", 90)?.clamp(5, 86_400),
            ),
            event_streams_per_session: number("EVENT_STREAMS_PER_SESSION", 10)?.clamp(1, 100_000)
                as usize,
            event_streams_max: number("EVENT_STREAMS_MAX", 5000)?.clamp(1, 1_000_000) as usize,
            unchanged_answers_bytes: number("UNCHANGED_ANSWERS_MB", 32)?.min(4096) as usize
                * 1024
                * 1024,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.database_url, DatabaseUrl::Sqlite("agentdesk.db".into()));
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.session_idle, Duration::from_secs(3600));
        assert_eq!(c.logon_max_failures, 5);
        assert_eq!(c.metrics_bind, None);
        assert!(!c.metrics_on_main_listener);
    }

    #[test]
    fn plain_http_beyond_loopback_is_warned_about() {
        let with = |bind: &str, url: Option<&str>| {
            let mut pairs = vec![("AGENTDESK_BIND", bind)];
            pairs.extend(url.map(|u| ("PUBLIC_BASE_URL", u)));
            Config::from_vars(&vars(&pairs))
                .unwrap()
                .plain_http_warning()
        };
        assert!(with("0.0.0.0:8080", Some("http://desk.example.com")).is_some());
        assert!(with("0.0.0.0:8080", None).is_some());
        assert!(with("[::]:8080", Some("http://localhost:8080")).is_some());
        assert!(with("0.0.0.0:8080", Some("https://desk.example.com")).is_none());
        assert!(with("127.0.0.1:8080", Some("http://localhost:8080")).is_none());
        assert!(with("[::1]:8080", None).is_none());
    }

    #[test]
    fn refuses_bad_values() {
        assert!(Config::from_vars(&vars(&[("AGENTDESK_BIND", "nope")])).is_err());
        assert!(Config::from_vars(&vars(&[("METRICS_BIND", "9100")])).is_err());
        assert!(Config::from_vars(&vars(&[("DATABASE_URL", "mysql://x")])).is_err());
        assert!(Config::from_vars(&vars(&[("SESSION_IDLE_MINUTES", "x")])).is_err());
        assert!(Config::from_vars(&vars(&[("SMTP_URL", "http://x")])).is_err());
        assert!(Config::from_vars(&vars(&[("LOG_FORMAT", "xml")])).is_err());
        assert!(Config::from_vars(&vars(&[("METRICS_ON_MAIN_LISTENER", "yes")])).is_err());
        assert!(Config::from_vars(&vars(&[("TRUSTED_PROXIES", "10.0.0.0/33")])).is_err());
        let c = Config::from_vars(&vars(&[(
            "CHANNEL_ALLOWED_NETWORKS",
            "127.0.0.0/8, 10.1.2.3",
        )]))
        .unwrap();
        assert_eq!(c.channel_allowed_networks.len(), 2);
    }
}
