//! Building the application: pool, migrations, mailer, background work and the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;

use crate::config::Config;
use crate::db::{build_measured_pool, migrations};
use crate::instruments::Instruments;
use crate::service::mailer::Mailer;
use crate::service::Ctx;
use crate::{http, telemetry, worker};

pub struct Application {
    port: u16,
    server: Server,
    /// `GET /metrics` on `METRICS_BIND`, when set: its own port and server.
    metrics: Option<(u16, Server)>,
    ctx: Arc<Ctx>,
}

impl Application {
    /// Binds the configured address (port 0 picks a free port) and prepares everything. A database
    /// that is down does not stop start-up: the API answers 503 until migrations have run.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        crate::memory::return_large_blocks_to_the_system();
        let listener = TcpListener::bind(config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let ctx = Arc::new(build_context(config)?);
        migrate_in_background(ctx.clone()).await;
        worker::spawn_all(ctx.clone());
        let data = web::Data::from(ctx.clone());
        let gates = web::Data::new(http::gates::Gates::from_config(&ctx.config));
        let web_chat_limits = web::Data::new(crate::service::web_chat::limits::WebChatLimits::new(
            ctx.config.event_streams_max,
        ));
        let instruments = web::Data::new(Instruments::new(&ctx.pool_waits, &ctx.unchanged));
        let reading = web::Data::new(http::metrics::LatestReading::default());
        let metrics = match ctx.config.metrics_bind {
            Some(bind) => Some(metrics_server(bind, &data, &instruments, &reading)?),
            None => None,
        };
        let metrics_here = ctx.config.metrics_on_main_listener;
        let config = ctx.config.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(gates.clone())
                .app_data(web_chat_limits.clone())
                .app_data(instruments.clone())
                .app_data(reading.clone())
                .wrap(http::security_headers::every_answer(&config))
                .wrap(middleware::from_fn(telemetry::log_request))
                // Outside the log, so a panic it turned into a 500 is counted as one.
                .wrap(middleware::from_fn(crate::instruments::requests::record))
                .configure(http::configure)
                .configure(|cfg| {
                    if metrics_here {
                        http::metrics::configure(cfg)
                    }
                })
        })
        // After a 413 the rest of the body is read and thrown away only this long before the
        // connection closes (the client gets to read the answer; it can't keep us reading).
        .client_disconnect_timeout(Duration::from_millis(100))
        .listen(listener)?
        .run();
        tracing::info!(port, mail = %ctx.mailer.describe(), "agentdesk listening");
        if let Some(warning) = ctx.config.plain_http_warning() {
            tracing::warn!("{warning}");
        }
        Ok(Self {
            port,
            server,
            metrics,
            ctx,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of `METRICS_BIND`'s listener, when it is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    pub fn context(&self) -> Arc<Ctx> {
        self.ctx.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            None => self.server.await,
            Some((_, metrics)) => {
                let (desk, metrics) = futures_util::future::join(self.server, metrics).await;
                desk.and(metrics)
            }
        }
    }
}

/// `GET /metrics` alone on its own address (one worker: a scrape is small), sharing the desk's
/// context and instruments. Its own requests are not counted.
fn metrics_server(
    bind: std::net::SocketAddr,
    ctx: &web::Data<Ctx>,
    instruments: &web::Data<Instruments>,
    reading: &web::Data<http::metrics::LatestReading>,
) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(bind)
        .with_context(|| format!("cannot listen on {bind} (METRICS_BIND)"))?;
    let port = listener.local_addr()?.port();
    let (ctx, instruments, reading) = (ctx.clone(), instruments.clone(), reading.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(ctx.clone())
            .app_data(instruments.clone())
            .app_data(reading.clone())
            .configure(http::metrics::configure)
    })
    .workers(1)
    .listen(listener)?
    .run();
    tracing::info!(port, "metrics listening");
    Ok((port, server))
}

/// The pool (not yet connected), mailer and configuration every service uses.
pub fn build_context(config: Config) -> anyhow::Result<Ctx> {
    let (pool, pool_waits) = build_measured_pool(
        &config.database_url,
        config.database_pool_size,
        config.database_timeout,
    );
    let mailer = Mailer::from_config(&config)?;
    let mut ctx = Ctx::new(pool, config, mailer);
    ctx.pool_waits = pool_waits;
    Ok(ctx)
}

/// Runs pending migrations now and returns the count; for `agentdesk migrate` and the CLI commands.
pub fn migrate_now(ctx: &Ctx) -> anyhow::Result<usize> {
    let mut conn = ctx.pool.get().context("cannot connect to the database")?;
    let applied = migrations::run_pending(&mut conn)?;
    ctx.mark_schema_ready();
    Ok(applied)
}

/// Tries the migrations once and, if the database is not reachable, keeps trying in the background.
pub async fn migrate_in_background(ctx: Arc<Ctx>) {
    let first = ctx.clone();
    match tokio::task::spawn_blocking(move || migrate_now(&first)).await {
        Ok(Ok(applied)) => {
            tracing::info!(applied, "database schema is current");
            announce_setup(ctx).await;
            return;
        }
        Ok(Err(e)) => {
            tracing::error!(error = %format!("{e:#}"), "database not ready; retrying in the background")
        }
        Err(e) => tracing::error!(error = %e, "migration task failed; retrying in the background"),
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let attempt = ctx.clone();
            if let Ok(Ok(applied)) =
                tokio::task::spawn_blocking(move || migrate_now(&attempt)).await
            {
                tracing::info!(applied, "database is back; schema is current");
                announce_setup(ctx).await;
                break;
            }
        }
    });
}

/// A desk without a manager shows its setup code in the log (issue 23: the first run).
async fn announce_setup(ctx: Arc<Ctx>) {
    let _ = tokio::task::spawn_blocking(move || crate::service::setup::announce(&ctx)).await;
}

pub use telemetry::init as init_logging;
