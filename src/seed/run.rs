//! `seed`: the desk first, then the planned history made and written, then the agents'
//! statuses, the id sequences and the statistics a fresh desk would have.

use std::collections::HashMap;
use std::time::Instant;

use chrono::Duration;
use rand::prelude::*;
use rand::rngs::StdRng;

use super::batch::Writer;
use super::history::Simulation;
use super::people::Population;
use super::{bulk, desk, pipeline, plan, Progress, SeedOptions, SeedReport};
use crate::db::dialect;
use crate::domain::AgentStatus;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::service::{passwords, Ctx};
use crate::store::agents;

/// Builds the desk. Refuses a desk that already has chats unless `force`.
pub fn seed(ctx: &Ctx, opts: &SeedOptions, progress: &dyn Progress) -> ApiResult<SeedReport> {
    let started = Instant::now();
    let fixed = opts.queued + opts.open;
    if fixed > opts.chats {
        return Err(ApiError::field(
            "chats",
            "must be at least --queued plus --open",
        ));
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);

    progress.phase("desk: departments, agents, tags, channel", 1);
    let existing = ctx.read(bulk::count_chats)?;
    if existing > 0 && !opts.force {
        return Err(ApiError::conflict(
            ErrorCode::Conflict,
            format!("the database already has {existing} chats; seed an empty database, or pass --force to add to it"),
        ));
    }
    let password = opts.password.clone();
    let password_hash = passwords::hash(ctx, &password)?;
    let (desk, accounts, channel) =
        ctx.write(|c| desk::make_desk(ctx, c, opts, &mut rng, &password_hash))?;
    let max = ctx.read(bulk::max_ids)?;
    progress.inc(1);

    let plans = plan::make_plans(&mut rng, &desk, opts);
    let sim = Simulation {
        desk: &desk,
        rng,
        population: Population {
            customers: Vec::new(),
            next_customer_id: max.customers,
            new_customers: Vec::new(),
            open_load: HashMap::new(),
            channel_id: desk.channel_id,
        },
    };
    let mut writer = Writer::new();
    let (mut sim, counts, long_chats) =
        pipeline::generate_and_write(ctx, opts, &plans, sim, &max, &mut writer, progress)?;

    let now = desk.now;
    // Agents: those holding open chats are working; the rest are spread over the statuses.
    progress.phase("agent statuses, sequences, statistics", 1);
    let statuses: Vec<(i64, AgentStatus)> = desk
        .agents
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let busy = sim.population.open_load.get(&i).is_some_and(|n| *n > 0);
            let roll: f64 = sim.rng.gen();
            let status = match (busy, roll) {
                (true, r) if r < 0.8 => AgentStatus::Online,
                (true, _) => AgentStatus::Busy,
                (false, r) if r < 0.25 => AgentStatus::Online,
                (false, r) if r < 0.35 => AgentStatus::Busy,
                (false, r) if r < 0.45 => AgentStatus::OnBreak,
                _ => AgentStatus::Offline,
            };
            (a.id, status)
        })
        .collect();
    ctx.write(|c| {
        for (id, status) in &statuses {
            agents::set_status(c, *id, status.id())?;
            agents::touch_last_seen(c, *id, now - Duration::minutes(5))?;
        }
        dialect::sync_id_sequences(c, &bulk::TABLES_WITH_CHOSEN_IDS)?;
        Ok(())
    })?;
    // The counters' deltas folded before VACUUM: folded by the server's first minute instead,
    // they left 100,000 dead rows that every `Cursor.Total` scanned until autovacuum came.
    crate::service::chats::fold_counts(ctx)?;
    ctx.read(dialect::analyze_after_bulk_load)?;
    progress.inc(1);
    progress.finish();

    let messages = writer.messages;
    let seconds = started.elapsed().as_secs_f64();
    Ok(SeedReport {
        password: password.expose().to_owned(),
        managers: accounts.managers,
        agents: accounts.agents,
        departments: desk
            .departments
            .iter()
            .map(|d| (d.id, d.name.clone()))
            .collect(),
        channel,
        long_chats,
        chats: counts,
        messages,
        tables: writer.into_loads(),
        seconds: (seconds * 1000.0).round() / 1000.0,
        messages_per_second: (messages as f64 / seconds).round(),
    })
}
