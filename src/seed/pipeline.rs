//! The history made and written at once: one thread makes the rows while the calling one inserts
//! them, so generation and SQLite each keep a core busy instead of taking turns.

use chrono::Duration;

use super::batch::{prepare, Batch, Writer, CHATS_PER_TRANSACTION};
use super::bulk::MaxIds;
use super::history::Simulation;
use super::plan::{Fate, Plan};
use super::random::spread_count;
use super::{ChatCounts, LongChat, Progress, SeedOptions};
use crate::domain::chat::EventKind;
use crate::error::{ApiError, ApiResult};
use crate::service::Ctx;

/// What the generating thread hands the writing one.
enum Work {
    Chats(Batch, u64),
    Long(Batch, LongChat),
}

/// Makes and writes every planned chat, then the long chats; returns the simulation (its agents'
/// open-chat load decides their statuses), what was made and the long chats' ids.
pub(super) fn generate_and_write<'d>(
    ctx: &Ctx,
    opts: &SeedOptions,
    plans: &[Plan],
    sim: Simulation<'d>,
    max: &MaxIds,
    writer: &mut Writer,
    progress: &dyn Progress,
) -> ApiResult<(Simulation<'d>, ChatCounts, Vec<LongChat>)> {
    let now = sim.desk.now;
    let channel_id = sim.desk.channel_id;
    // Conversation length: steered so the whole history averages `messages_per_chat`, whatever
    // the mix of fates (a waiting chat has fewer lines than an answered one).
    const OVERHEAD: f64 = 8.0;
    let target_total = opts.messages_per_chat * opts.chats as f64;
    let mut talking_left = plans
        .iter()
        .filter(|p| matches!(p.fate, Fate::Answered | Fate::Open))
        .count() as f64;

    // One thread makes the rows while this one inserts them: generation and SQLite each keep a
    // core busy instead of taking turns.
    progress.phase("chats", plans.len() as u64);
    std::thread::scope(|scope| -> ApiResult<_> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<ApiResult<Work>>(2);
        let producer = scope.spawn(move || {
            let mut sim = sim;
            let mut counts = ChatCounts::default();
            let mut next_message_id = max.messages;
            let mut chat_id = max.chats;
            let mut produced: usize = 0;
            let mut generate = || -> ApiResult<()> {
                for (block_no, block) in plans.chunks(CHATS_PER_TRANSACTION).enumerate() {
                    let mut builds = Vec::with_capacity(block.len());
                    for (k, plan) in block.iter().enumerate() {
                        chat_id += 1;
                        let left = (plans.len() - block_no * CHATS_PER_TRANSACTION - k) as f64;
                        let talking = matches!(plan.fate, Fate::Answered | Fate::Open);
                        let extra = if talking {
                            let quiet_left = left - talking_left;
                            let wanted = target_total - produced as f64 - quiet_left * 5.0;
                            let mean = (wanted / talking_left.max(1.0) - OVERHEAD).max(0.0);
                            talking_left -= 1.0;
                            spread_count(&mut sim.rng, mean)
                        } else {
                            0
                        };
                        let b = sim.chat(chat_id, plan, extra, false)?;
                        produced += b.lines.len();
                        match plan.fate {
                            Fate::Answered | Fate::Missed => {
                                counts.closed += 1;
                                counts.missed += usize::from(plan.fate == Fate::Missed);
                                counts.transferred += usize::from(
                                    b.events
                                        .iter()
                                        .any(|e| e.kind == EventKind::Transferred.id()),
                                );
                            }
                            Fate::Open => counts.open += 1,
                            Fate::Queued => counts.queued += 1,
                            Fate::InMenu => counts.in_menu += 1,
                        }
                        builds.push(b);
                    }
                    let customers = std::mem::take(&mut sim.population.new_customers);
                    let batch = prepare(&mut next_message_id, channel_id, customers, builds);
                    if tx.send(Ok(Work::Chats(batch, block.len() as u64))).is_err() {
                        return Ok(());
                    }
                }
                // Long chats, for transcript reads and exports: one agent, one customer, a
                // message every ~2 s.
                for &n in &opts.long_chats {
                    chat_id += 1;
                    let span = Duration::seconds(2 * n as i64 + 3600);
                    let plan = Plan {
                        start: now - span - Duration::hours(6),
                        fate: Fate::Answered,
                        transfer: false,
                    };
                    let extra = n.saturating_sub(OVERHEAD as usize);
                    let b = sim.chat(chat_id, &plan, extra, true)?;
                    let long = LongChat {
                        chat_id,
                        messages: b.lines.len(),
                    };
                    counts.closed += 1;
                    let customers = std::mem::take(&mut sim.population.new_customers);
                    let batch = prepare(&mut next_message_id, channel_id, customers, vec![b]);
                    if tx.send(Ok(Work::Long(batch, long))).is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            };
            if let Err(e) = generate() {
                let _ = tx.send(Err(e));
            }
            (sim, counts)
        });
        let mut long_chats = Vec::new();
        let mut in_chats = true;
        let mut failed = None;
        for work in rx {
            match work {
                Ok(Work::Chats(batch, n)) => {
                    if let Err(e) = writer.write(ctx, &batch) {
                        failed = Some(e);
                        break;
                    }
                    progress.inc(n);
                }
                Ok(Work::Long(batch, long)) => {
                    if in_chats {
                        progress.finish();
                        in_chats = false;
                    }
                    progress.phase(&format!("long chat of {} messages", long.messages), 1);
                    if let Err(e) = writer.write(ctx, &batch) {
                        failed = Some(e);
                        break;
                    }
                    long_chats.push(long);
                    progress.inc(1);
                    progress.finish();
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if in_chats {
            progress.finish();
        }
        let (sim, counts) = producer
            .join()
            .map_err(|_| ApiError::internal("the seed's generator panicked"))?;
        match failed {
            Some(e) => Err(e),
            None => Ok((sim, counts, long_chats)),
        }
    })
}
