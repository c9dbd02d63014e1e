//! The desk's people: agents and managers (one password, hashed once) with their departments, the
//! channel customers write in through, and the customers of the history.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rand::rngs::StdRng;

use super::desk::{Agent, Department};
use super::words::person_name;
use super::{SeedOptions, SeededAgent, SeededChannel};
use crate::db::DbConnection;
use crate::domain::{token, AgentStatus, Role};
use crate::error::{ApiError, ApiResult};
use crate::seed::bulk::CustomerInsert;
use crate::store::agents;
use crate::store::channels::{self, NewChannelRow};

pub(super) struct Accounts {
    pub(super) managers: Vec<SeededAgent>,
    pub(super) agents: Vec<SeededAgent>,
}

/// Agents and managers; also, per department, the indexes of the agents who take its chats.
pub(super) fn make_staff(
    c: &mut DbConnection,
    opts: &SeedOptions,
    rng: &mut StdRng,
    password_hash: &str,
    seeded_departments: &[Department],
    now: NaiveDateTime,
) -> ApiResult<(Accounts, Vec<Agent>, Vec<Vec<usize>>)> {
    let domain = {
        let mut k = 0;
        loop {
            let d = if k == 0 {
                "desk.example".to_owned()
            } else {
                format!("desk{k}.example")
            };
            if !agents::email_taken(c, &format!("agent1@{d}"), None)?
                && !agents::email_taken(c, &format!("manager1@{d}"), None)?
            {
                break d;
            }
            k += 1;
        }
    };
    let n_managers = (opts.agents / 50).max(1).min(opts.agents.max(1));
    let all_department_ids: Vec<i64> = seeded_departments.iter().map(|d| d.id).collect();
    let department_pick =
        WeightedIndex::new((0..seeded_departments.len()).map(|i| 1.0 / (1.0 + i as f64 * 0.4)))
            .map_err(ApiError::internal)?;
    let mut accounts = Accounts {
        managers: Vec::new(),
        agents: Vec::new(),
    };
    let mut seeded_agents = Vec::new();
    let mut agents_by_department = vec![Vec::new(); seeded_departments.len()];
    for i in 0..opts.agents.max(1) {
        let manager = i < n_managers;
        let (first, last) = person_name(rng);
        let name = format!("{first} {last}");
        let email = if manager {
            format!("manager{}@{domain}", i + 1)
        } else {
            format!("agent{}@{domain}", i + 1 - n_managers)
        };
        let id = agents::insert(
            c,
            &agents::NewAgentRow {
                name: &name,
                email: &email,
                email_key: &email,
                mobile: None,
                role: if manager { Role::Manager } else { Role::Agent }.id(),
                status: AgentStatus::Offline.id(),
                enabled: true,
                password_hash: Some(password_hash),
                notify_unassigned: false,
                created_at: now - Duration::days(opts.days + 1),
                updated_at: now - Duration::days(opts.days + 1),
            },
        )?;
        let mut mine: Vec<usize> = if manager {
            (0..seeded_departments.len()).collect()
        } else {
            let first = department_pick.sample(rng);
            let mut v = vec![first];
            if seeded_departments.len() > 1 && rng.gen_bool(0.25) {
                let second = department_pick.sample(rng);
                if second != first {
                    v.push(second);
                }
            }
            v
        };
        mine.sort_unstable();
        let ids: Vec<i64> = mine.iter().map(|d| all_department_ids[*d]).collect();
        agents::replace_departments(c, id, &ids)?;
        let seeded = SeededAgent {
            agent_id: id,
            email,
            department_ids: ids,
        };
        if manager {
            accounts.managers.push(seeded);
        } else {
            for d in &mine {
                agents_by_department[*d].push(seeded_agents.len());
            }
            accounts.agents.push(seeded);
        }
        seeded_agents.push(Agent { id, name });
    }
    // With few agents some departments have none of their own: managers step in there.
    let fallback: Vec<usize> = (0..seeded_agents.len()).collect();
    for list in agents_by_department.iter_mut() {
        if list.is_empty() {
            list.extend(fallback.iter().copied());
        }
    }
    Ok((accounts, seeded_agents, agents_by_department))
}

/// The channel customers write in through, with secrets made as CreateChannel makes them.
pub(super) fn make_channel(
    c: &mut DbConnection,
    opts: &SeedOptions,
    now: NaiveDateTime,
) -> ApiResult<SeededChannel> {
    let (api_key, api_key_hash) = token::generate();
    let (account_token, account_token_hash) = token::generate();
    let (signing_secret, _) = token::generate();
    let channel_id = channels::insert(
        c,
        &NewChannelRow {
            name: "Web chat (seeded)",
            chat_server: &opts.chat_server,
            api_key_hash: &api_key_hash,
            account_token_hash: &account_token_hash,
            signing_secret: &signing_secret,
            created_at: now - Duration::days(opts.days + 1),
            verifies_identity: false,
        },
    )?;
    let channel = SeededChannel {
        channel_id,
        chat_server: opts.chat_server.clone(),
        api_key,
        chat_account_token: account_token,
        signing_secret,
    };
    Ok(channel)
}

/// Customers, chats and the open-chat load per agent, as the history is written.
pub(super) struct Population {
    /// (id, display name, chats so far) of every customer this run made.
    pub(super) customers: Vec<(i64, Option<String>, u32)>,
    pub(super) next_customer_id: i64,
    pub(super) new_customers: Vec<CustomerInsert>,
    pub(super) open_load: HashMap<usize, i64>,
    /// The seeded channel: its customers are recognised within it.
    pub(super) channel_id: i64,
}

impl Population {
    /// A customer for a chat starting at `at`: a returning one a quarter of the time.
    pub(super) fn customer_for(
        &mut self,
        rng: &mut StdRng,
        at: NaiveDateTime,
    ) -> (i64, Option<String>, bool) {
        if !self.customers.is_empty() && rng.gen_bool(0.25) {
            let i = rng.gen_range(0..self.customers.len());
            self.customers[i].2 += 1;
            let (id, name, _) = &self.customers[i];
            return (*id, name.clone(), true);
        }
        self.next_customer_id += 1;
        let id = self.next_customer_id;
        let (first, last) = person_name(rng);
        let full_name = rng.gen_bool(0.85).then(|| format!("{first} {last}"));
        let mobile = rng.gen_bool(0.65).then(|| format!("+2782{id:07}"));
        let email = rng.gen_bool(0.5).then(|| {
            format!(
                "{}.{}{id}@mail.example",
                first.to_lowercase(),
                last.to_lowercase()
            )
            .replace(' ', "")
        });
        self.new_customers.push(CustomerInsert {
            id,
            full_name: full_name.clone(),
            mobile,
            email_key: email.as_ref().map(|e| e.to_lowercase()),
            email,
            created_at: at,
            updated_at: at,
            identity_scope: self.channel_id,
        });
        self.customers.push((id, full_name.clone(), 1));
        (id, full_name, false)
    }
}
