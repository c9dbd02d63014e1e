//! The `agentdesk` command: serve (default), worker, migrate, create-manager, setup-code,
//! reports send-due, seed.

use std::path::PathBuf;
use std::process::ExitCode;

use agentdesk::config::Config;
use agentdesk::domain::{required_text, EmailAddress, Password};
use agentdesk::service::agents;
use agentdesk::startup::{build_context, init_logging, migrate_now};
use agentdesk::Application;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "agentdesk", version, about = "A live-chat agent desk server")]
struct Cli {
    /// A KEY=VALUE file read before the environment (also AGENTDESK_CONFIG); the environment wins.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server and its background work (the default).
    Serve,
    /// Run only the background work (session sweeping, deliveries, scheduled reports), no HTTP.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a manager who can log on and configure the desk.
    CreateManager {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// The password; prefer the AGENTDESK_PASSWORD environment variable, which stays out of shell history.
        #[arg(long, env = "AGENTDESK_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Print the one-time setup code of a desk without a manager (the console's "Set up this
    /// desk" asks for it); prints nothing and says so once a manager exists.
    SetupCode,
    /// Scheduled reports.
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
    /// Fill an empty database with a realistic desk: agents, departments, tags, a channel and a
    /// history of chats with their messages and reporting facts. Prints how to log on as JSON.
    Seed(SeedArgs),
}

#[derive(clap::Args)]
struct SeedArgs {
    /// Agents to create (about one in fifty is a manager).
    #[arg(long, default_value_t = 50)]
    agents: usize,
    #[arg(long, default_value_t = 6)]
    departments: usize,
    /// Chats in the history, waiting and open ones included.
    #[arg(long, default_value_t = 5_000)]
    chats: usize,
    /// Mean messages per chat, system lines included (each chat's count is spread around it).
    #[arg(long, default_value_t = 10.0)]
    messages_per_chat: f64,
    /// One extra closed chat per value with that many messages, e.g. 200,100000.
    #[arg(long, value_delimiter = ',', default_value = "200")]
    long_chat_messages: Vec<usize>,
    /// Days of history, ending now.
    #[arg(long, default_value_t = 30)]
    days: i64,
    /// The random seed: the same seed builds the same desk (relative to the minute it runs).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Chats left waiting in the departments' queues (default: one in a hundred).
    #[arg(long)]
    queued: Option<usize>,
    /// Chats assigned to agents and still open (default: one in fifty, within MaxChatsPerAgent).
    #[arg(long)]
    open: Option<usize>,
    /// The password of every seeded agent and manager.
    #[arg(long, env = "AGENTDESK_PASSWORD", hide_env_values = true, default_value = agentdesk::service::seed::DEFAULT_PASSWORD)]
    password: String,
    /// The channel server's base URL (agent replies are delivered to <URL>/messageForCustomer).
    #[arg(long, default_value = "http://127.0.0.1:18401/hooks")]
    chat_server: String,
    /// Store this IANA time zone as the desk's TimeZone (working hours follow it).
    #[arg(long)]
    time_zone: Option<String>,
    /// Add to a database that already has chats.
    #[arg(long)]
    force: bool,
}

#[derive(Subcommand)]
enum ReportsCommand {
    /// Run one scheduler pass: mail every report that is due, once.
    SendDue {
        /// Run the pass as if it were this time (RFC 3339, e.g. 2026-11-30T08:00:00+02:00); default now.
        #[arg(long)]
        at: Option<String>,
    },
}

fn main() -> ExitCode {
    agentdesk::memory::return_large_blocks_to_the_system();
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("agentdesk: configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Worker => worker(config),
        Command::Migrate => migrate(config),
        Command::Reports {
            command: ReportsCommand::SendDue { at },
        } => send_due(config, at.as_deref()),
        Command::CreateManager {
            name,
            email,
            password,
        } => create_manager(config, &name, &email, &password),
        Command::Seed(args) => seed(config, args),
        Command::SetupCode => setup_code(config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agentdesk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        let app = Application::build(config).await?;
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn worker(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        let ctx = std::sync::Arc::new(build_context(config)?);
        agentdesk::startup::migrate_in_background(ctx.clone()).await;
        agentdesk::worker::spawn_all(ctx);
        tracing::info!("agentdesk worker running");
        tokio::signal::ctrl_c().await?;
        Ok(())
    })
}

fn send_due(config: Config, at: Option<&str>) -> anyhow::Result<()> {
    let ctx = build_context(config)?;
    let at = match at {
        Some(raw) => chrono::DateTime::parse_from_rfc3339(raw)
            .map_err(|e| {
                anyhow::anyhow!("--at must be an RFC 3339 time like 2026-11-30T08:00:00Z: {e}")
            })?
            .with_timezone(&chrono::Utc)
            .naive_utc(),
        None => ctx.now(),
    };
    migrate_now(&ctx)?;
    let summary =
        agentdesk::service::reports::send_due(&ctx, agentdesk::db::truncate_to_micros(at))
            .map_err(failed)?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

fn migrate(config: Config) -> anyhow::Result<()> {
    let ctx = build_context(config)?;
    let applied = migrate_now(&ctx)?;
    println!("database schema is current ({applied} migration(s) applied)");
    Ok(())
}

fn create_manager(config: Config, name: &str, email: &str, password: &str) -> anyhow::Result<()> {
    let name = required_text(name, 100).map_err(|p| anyhow::anyhow!("--name {p}"))?;
    let email = EmailAddress::parse(email).map_err(|p| anyhow::anyhow!("--email {p}"))?;
    let password = Password::parse(password).map_err(|p| anyhow::anyhow!("the password {p}"))?;
    let ctx = build_context(config)?;
    migrate_now(&ctx)?;
    let agent = agents::create_manager(&ctx, name, email, password).map_err(failed)?;
    println!("{}", serde_json::to_string_pretty(&agent)?);
    Ok(())
}

fn setup_code(config: Config) -> anyhow::Result<()> {
    let ctx = build_context(config)?;
    migrate_now(&ctx)?;
    match agentdesk::service::setup::setup_code(&ctx).map_err(failed)? {
        Some(code) => println!("{code}"),
        None => eprintln!("this desk already has a manager: log on, or ask a manager to add you"),
    }
    Ok(())
}

/// A service error for the command line: its sentence, and the cause when it was unexpected.
fn failed(e: agentdesk::error::ApiError) -> anyhow::Error {
    match e.cause() {
        Some(cause) => anyhow::anyhow!("{}: {cause}", e.message),
        None => anyhow::anyhow!("{}", e.message),
    }
}

fn seed(config: Config, args: SeedArgs) -> anyhow::Result<()> {
    use agentdesk::service::seed::{self, SeedOptions};
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
    let progress = progress::SeedProgress::new();
    let report =
        seed::seed(&ctx, &opts, &progress).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    eprintln!("seeded: {}", seed::describe_rate(&report));
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

/// Seed progress: bars on a terminal, plain lines (one per phase and every ~10 %) otherwise.
mod progress {
    use std::io::IsTerminal;
    use std::sync::Mutex;
    use std::time::Instant;

    use indicatif::{ProgressBar, ProgressStyle};

    pub struct SeedProgress {
        terminal: bool,
        state: Mutex<State>,
    }

    struct State {
        bar: Option<ProgressBar>,
        name: String,
        total: u64,
        done: u64,
        next_line: u64,
        started: Instant,
    }

    impl SeedProgress {
        pub fn new() -> Self {
            Self {
                terminal: std::io::stderr().is_terminal(),
                state: Mutex::new(State {
                    bar: None,
                    name: String::new(),
                    total: 0,
                    done: 0,
                    next_line: 0,
                    started: Instant::now(),
                }),
            }
        }
    }

    impl agentdesk::service::seed::Progress for SeedProgress {
        fn phase(&self, name: &str, total: u64) {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.name = name.to_owned();
            s.total = total;
            s.done = 0;
            s.next_line = total / 10;
            s.started = Instant::now();
            if self.terminal {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg:40} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_message(name.to_owned());
                s.bar = Some(bar);
            } else {
                eprintln!("seed: {name} ({total})");
            }
        }

        fn inc(&self, n: u64) {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.done += n;
            if let Some(bar) = &s.bar {
                bar.inc(n);
            } else if s.total >= 10 && s.done >= s.next_line && s.done < s.total {
                eprintln!(
                    "seed: {} {}/{} ({:.0}/s)",
                    s.name,
                    s.done,
                    s.total,
                    s.done as f64 / s.started.elapsed().as_secs_f64().max(1e-9)
                );
                s.next_line = s.done + s.total / 10;
            }
        }

        fn finish(&self) {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(bar) = s.bar.take() {
                bar.finish();
            } else {
                eprintln!(
                    "seed: {} done in {:.1} s",
                    s.name,
                    s.started.elapsed().as_secs_f64()
                );
            }
        }
    }
}
