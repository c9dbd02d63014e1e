//! The history, chat by chat: who writes in, where the chat is routed, who answers, how the
//! conversation goes and how it ends, within the agents' capacity as on a live desk.

use chrono::{Duration, NaiveDateTime};
use rand::prelude::*;
use rand::rngs::StdRng;

use super::chat::ChatBuild;
use super::desk::Desk;
use super::people::Population;
use super::plan::{Fate, Plan};
use super::random::lognormal_secs;
use super::words::{line_from, AGENT_LINES, CUSTOMER_LINES, NOTES, OPENERS, TRANSFERRED_TEXT};
use crate::domain::chat::{EventKind, Placeholders, SpecialType};
use crate::error::{ApiError, ApiResult, ErrorCode};

pub(super) struct Simulation<'a> {
    pub(super) desk: &'a Desk,
    pub(super) rng: StdRng,
    pub(super) population: Population,
}

impl Simulation<'_> {
    pub(super) fn pick_agent(&mut self, department: usize, open: bool) -> ApiResult<usize> {
        let candidates = &self.desk.agents_by_department[department];
        let limit = self.desk.max_chats_per_agent;
        if !open || limit == 0 {
            return Ok(*candidates.choose(&mut self.rng).unwrap_or(&0));
        }
        // An open chat counts against the agent's capacity (MaxChatsPerAgent), as in the desk.
        let start = self.rng.gen_range(0..candidates.len());
        let everyone: Vec<usize> = (0..self.desk.agents.len()).collect();
        for list in [candidates, &everyone] {
            for k in 0..list.len() {
                let a = list[(start + k) % list.len()];
                let load = self.population.open_load.entry(a).or_insert(0);
                if *load < limit {
                    *load += 1;
                    return Ok(a);
                }
            }
        }
        Err(ApiError::new(
            ErrorCode::ValidationFailed,
            format!(
                "--open asks for more open chats than the agents may hold (MaxChatsPerAgent {limit})"
            ),
        ))
    }

    /// The customer writes in: the opener, the welcome menu and its answer, the queue and the
    /// department's welcome. The department chosen and when the chat was queued; `None` for a chat
    /// still in the menu.
    fn arrive(
        &mut self,
        b: &mut ChatBuild,
        plan: &Plan,
        customer_name: Option<&str>,
        returning: bool,
    ) -> Option<(usize, NaiveDateTime)> {
        let desk = self.desk;
        let mut t = plan.start;
        let author = customer_name.unwrap_or("Customer");
        b.record(t, SpecialType::NewSession, "Chat started");
        let opener = line_from(&mut self.rng, &OPENERS);
        b.customer(t, author, &opener);
        let entry = desk.entry[desk.entry_weights.sample(&mut self.rng)];
        if let Some(menu) = &desk.menu_text {
            b.tell(t, SpecialType::WelcomeMenu, menu);
            b.message_in(t);
            if plan.fate == Fate::InMenu {
                return None;
            }
            t += lognormal_secs(&mut self.rng, 12.0, 0.7, 3.0, 120.0);
            let index = desk.departments[entry].menu_index.unwrap_or(1);
            b.customer(t, author, &index.to_string());
        }
        let department = &desk.departments[entry];
        b.enter_queue(t, department.id);
        let welcome = if returning {
            &department.welcome_returning
        } else {
            &department.welcome_new
        };
        let position = if plan.fate == Fate::Queued {
            1 + self.rng.gen_range(0..40)
        } else {
            1 + self.rng.gen_range(0..4)
        };
        let welcome = Placeholders {
            customer_name: Some(customer_name.unwrap_or("there")),
            position_in_queue: Some(position),
            department_name: Some(&department.name),
            agent_name: None,
        }
        .expand(welcome);
        b.tell(t, SpecialType::Welcome, &welcome);
        b.message_in(t);
        Some((entry, t))
    }

    /// Writes one chat. `extra` = conversation messages after the first answer; a `long` chat has
    /// them about two seconds apart and no horizon.
    pub(super) fn chat(
        &mut self,
        id: i64,
        plan: &Plan,
        extra: usize,
        long: bool,
    ) -> ApiResult<ChatBuild> {
        let desk = self.desk;
        let now = desk.now;
        let (customer_id, customer_name, returning) =
            self.population.customer_for(&mut self.rng, plan.start);
        let author = customer_name
            .clone()
            .unwrap_or_else(|| "Customer".to_owned());
        let mut b = ChatBuild::new(id, desk.channel_id, customer_id, plan.start);
        let Some((entry, mut t)) = self.arrive(&mut b, plan, customer_name.as_deref(), returning)
        else {
            return Ok(b);
        };

        match plan.fate {
            Fate::Queued => {
                // Some customers nudge while they wait.
                let mut nudge = t;
                while self.rng.gen_bool(0.3) {
                    nudge += lognormal_secs(&mut self.rng, 90.0, 0.8, 10.0, 1800.0);
                    if nudge >= now {
                        break;
                    }
                    b.customer(nudge, &author, "Hello? Is anyone there?");
                    b.message_in(nudge);
                }
                return Ok(b);
            }
            Fate::Missed => {
                let gone = t + lognormal_secs(&mut self.rng, 150.0, 0.8, 15.0, 1800.0);
                if self.rng.gen_bool(0.5) {
                    let nudge = t + (gone - t) / 2;
                    b.customer(nudge, &author, "Hello? Is anyone there?");
                    b.message_in(nudge);
                }
                b.close(gone, SpecialType::ClosedByCustomer, None);
                return Ok(b);
            }
            _ => {}
        }

        let open = plan.fate == Fate::Open;
        let mut department_ix = entry;
        t += lognormal_secs(&mut self.rng, 45.0, 1.0, 2.0, 1800.0);
        let mut agent_ix = self.pick_agent(department_ix, open)?;
        b.assign(t, &desk.agents[agent_ix]);
        t += lognormal_secs(&mut self.rng, 15.0, 0.8, 2.0, 300.0);
        // An open chat stops at now; a closed one ends well before it.
        let horizon = if open {
            now - Duration::seconds(5)
        } else if long {
            NaiveDateTime::MAX
        } else {
            now - Duration::minutes(10)
        };
        if t < horizon {
            let first = customer_name
                .as_deref()
                .and_then(|n| n.split(' ').next())
                .unwrap_or("there");
            let greeting = format!(
                "Hi {first}, thanks for waiting. My name is {}; let me look into that for you.",
                desk.agents[agent_ix].name.split(' ').next().unwrap_or("")
            );
            b.agent(t, &desk.agents[agent_ix], &greeting);
            let transfer_at = (plan.transfer && desk.departments.len() > 1)
                .then(|| self.rng.gen_range(0..extra.max(1)));
            let note_at = self
                .rng
                .gen_bool(0.03)
                .then(|| self.rng.gen_range(0..extra.max(1)));
            for i in 0..extra {
                if transfer_at == Some(i) {
                    t += lognormal_secs(&mut self.rng, 20.0, 0.5, 5.0, 120.0);
                    if t >= horizon {
                        break;
                    }
                    let mut to = self.rng.gen_range(0..desk.departments.len());
                    if to == department_ix {
                        to = (to + 1) % desk.departments.len();
                    }
                    let from_agent = desk.agents[agent_ix].id;
                    let target = &desk.departments[to];
                    b.enter_queue(t, target.id);
                    b.fact(
                        EventKind::Transferred,
                        t,
                        Some(from_agent),
                        Some(target.id),
                        None,
                    );
                    let text = Placeholders {
                        position_in_queue: Some(1 + self.rng.gen_range(0..4)),
                        department_name: Some(&target.name),
                        ..Default::default()
                    }
                    .expand(TRANSFERRED_TEXT);
                    b.tell(t, SpecialType::TransferedSession, &text);
                    department_ix = to;
                    t += lognormal_secs(&mut self.rng, 45.0, 1.0, 2.0, 1800.0);
                    if t >= horizon {
                        break;
                    }
                    if open {
                        // The first agent's slot moves with the chat.
                        if let Some(load) = self.population.open_load.get_mut(&agent_ix) {
                            *load -= 1;
                        }
                    }
                    agent_ix = self.pick_agent(department_ix, open)?;
                    b.assign(t, &desk.agents[agent_ix]);
                }
                t += if long {
                    lognormal_secs(&mut self.rng, 2.0, 0.3, 1.0, 5.0)
                } else {
                    lognormal_secs(&mut self.rng, 35.0, 0.9, 2.0, 480.0)
                };
                if t >= horizon {
                    break;
                }
                if note_at == Some(i) {
                    let note = NOTES.choose(&mut self.rng).copied().unwrap_or(NOTES[0]);
                    b.note(t, &desk.agents[agent_ix], note);
                }
                let last = i + 1 == extra;
                if i % 2 == 0 {
                    let text = if last {
                        "No, that's all, thanks!".to_owned()
                    } else {
                        line_from(&mut self.rng, &CUSTOMER_LINES)
                    };
                    b.customer(t, &author, &text);
                    b.message_in(t);
                } else {
                    let text = if last {
                        "You're welcome! Is there anything else I can help you with?".to_owned()
                    } else {
                        line_from(&mut self.rng, &AGENT_LINES)
                    };
                    b.agent(t, &desk.agents[agent_ix], &text);
                }
            }
        }
        if open {
            return Ok(b);
        }
        t += lognormal_secs(&mut self.rng, 30.0, 0.8, 3.0, 300.0);
        let by_customer = b.row.first_response_at.is_some() && self.rng.gen_bool(0.12);
        let agent = &desk.agents[agent_ix];
        if self.rng.gen_bool(0.7) {
            let tag = *desk.topic_tags.choose(&mut self.rng).unwrap_or(&0);
            b.tag(tag, t - Duration::seconds(2), agent.id);
            if self.rng.gen_bool(0.35) {
                let tag = *desk.outcome_tags.choose(&mut self.rng).unwrap_or(&0);
                b.tag(tag, t - Duration::seconds(1), agent.id);
            }
        }
        if by_customer {
            b.close(t, SpecialType::ClosedByCustomer, None);
        } else {
            b.close(t, SpecialType::ClosedByUser, Some(agent));
        }
        Ok(b)
    }
}
