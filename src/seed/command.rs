//! `agentdesk seed` on the command line: its options, checked into [`SeedOptions`], and its
//! output (the rates on stderr, how to log on as JSON on stdout).

use crate::config::Config;
use crate::domain::Password;
use crate::startup::{build_context, migrate_now};

use super::progress::TerminalProgress;
use super::{describe_rate, seed, SeedOptions, DEFAULT_PASSWORD};

/// The options of `agentdesk seed`.
#[derive(clap::Args)]
pub struct SeedArgs {
    /// Agents to create (about one in fifty is a manager).
    #[arg(long, default_value_t = 50)]
    pub agents: usize,
    #[arg(long, default_value_t = 6)]
    pub departments: usize,
    /// Chats in the history, waiting and open ones included.
    #[arg(long, default_value_t = 5_000)]
    pub chats: usize,
    /// Mean messages per chat, system lines included (each chat's count is spread around it).
    #[arg(long, default_value_t = 10.0)]
    pub messages_per_chat: f64,
    /// One extra closed chat per value with that many messages, e.g. 200,100000.
    #[arg(long, value_delimiter = ',', default_value = "200")]
    pub long_chat_messages: Vec<usize>,
    /// Days of history, ending now.
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    /// The random seed: the same seed builds the same desk (relative to the minute it runs).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Chats left waiting in the departments' queues (default: one in a hundred).
    #[arg(long)]
    pub queued: Option<usize>,
    /// Chats assigned to agents and still open (default: one in fifty, within MaxChatsPerAgent).
    #[arg(long)]
    pub open: Option<usize>,
    /// The password of every seeded agent and manager.
    #[arg(long, env = "AGENTDESK_PASSWORD", hide_env_values = true, default_value = DEFAULT_PASSWORD)]
    pub password: String,
    /// The channel server's base URL (agent replies are delivered to <URL>/messageForCustomer).
    #[arg(long, default_value = "http://127.0.0.1:18401/hooks")]
    pub chat_server: String,
    /// Store this IANA time zone as the desk's TimeZone (working hours follow it).
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Add to a database that already has chats.
    #[arg(long)]
    pub force: bool,
}

/// Runs `agentdesk seed`: checks the options, migrates the database and fills it.
pub fn run_command(config: Config, args: SeedArgs) -> anyhow::Result<()> {
    let password =
        Password::parse(&args.password).map_err(|p| anyhow::anyhow!("--password {p}"))?;
    let time_zone = args
        .time_zone
        .as_deref()
        .map(|tz| {
            tz.parse::<chrono_tz::Tz>().map_err(|_| {
                anyhow::anyhow!("--time-zone `{tz}` is not an IANA name like Africa/Johannesburg")
            })
        })
        .transpose()?;
    let queued = args.queued.unwrap_or(args.chats / 100);
    let open = args.open.unwrap_or(args.chats / 50);
    anyhow::ensure!(
        queued + open <= args.chats,
        "--chats ({}) must be at least --queued ({queued}) plus --open ({open})",
        args.chats
    );
    anyhow::ensure!(
        args.agents >= 1 && args.departments >= 1,
        "--agents and --departments must be at least 1"
    );
    anyhow::ensure!(
        args.messages_per_chat >= 0.0,
        "--messages-per-chat must not be negative"
    );
    let opts = SeedOptions {
        agents: args.agents,
        departments: args.departments,
        chats: args.chats,
        messages_per_chat: args.messages_per_chat,
        long_chats: args
            .long_chat_messages
            .into_iter()
            .filter(|n| *n > 0)
            .collect(),
        days: args.days.max(1),
        seed: args.seed,
        queued,
        open,
        password,
        chat_server: args.chat_server,
        force: args.force,
        time_zone,
    };
    let ctx = build_context(config)?;
    migrate_now(&ctx)?;
    let progress = TerminalProgress::new();
    let report = seed(&ctx, &opts, &progress).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    eprintln!("seeded: {}", describe_rate(&report));
    eprintln!(
        "{:<12} {:>10} {:>9} {:>10}",
        "table", "rows", "seconds", "rows/s"
    );
    for t in &report.tables {
        eprintln!(
            "{:<12} {:>10} {:>9.2} {:>10.0}",
            t.table, t.rows, t.seconds, t.rows_per_second
        );
    }
    eprintln!(
        "log on as {} (a manager) or agent1.. with the password `{}`; channel apiKey {} chatAccountToken {}",
        report.managers.first().map_or("-", |m| m.email.as_str()),
        report.password,
        report.channel.api_key,
        report.channel.chat_account_token
    );
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
