//! The `agentdesk` command: serve (default), worker, migrate, create-manager, reports send-due, seed.

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
    /// Scheduled reports.
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
    /// Fill an empty database with a realistic desk: agents, departments, tags, a channel and a
    /// history of chats with their messages and reporting facts. Prints how to log on as JSON.
    Seed(agentdesk::seed::SeedArgs),
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
        Command::Seed(args) => agentdesk::seed::run_command(config, args),
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

/// A service error for the command line: its sentence, and the cause when it was unexpected.
fn failed(e: agentdesk::error::ApiError) -> anyhow::Error {
    match e.cause() {
        Some(cause) => anyhow::anyhow!("{}: {cause}", e.message),
        None => anyhow::anyhow!("{}", e.message),
    }
}
