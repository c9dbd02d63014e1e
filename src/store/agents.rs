//! Agents and their departments (CreateAgent, UpdateAgent, GetAgentList), and what logon and
//! status changes write.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{agent_departments, agents};
use crate::db::DbConnection;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = agents)]
pub struct AgentRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub email_key: String,
    pub mobile: Option<String>,
    pub role: i16,
    pub status: i16,
    pub enabled: bool,
    pub password_hash: Option<String>,
    pub notify_unassigned: bool,
    pub last_seen_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set while presence holds the agent Offline: the status they get back when they return.
    pub resume_status: Option<i16>,
    /// The agent's own open-chat limit, over the department's and the desk's.
    pub max_chats: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = agents)]
pub struct NewAgentRow<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub mobile: Option<&'a str>,
    pub role: i16,
    pub status: i16,
    pub enabled: bool,
    pub password_hash: Option<&'a str>,
    pub notify_unassigned: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Columns to change; `None` leaves a column as it is.
#[derive(AsChangeset, Default)]
#[diesel(table_name = agents)]
pub struct AgentChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub mobile: Option<Option<String>>,
    pub role: Option<i16>,
    pub status: Option<i16>,
    pub enabled: Option<bool>,
    pub notify_unassigned: Option<bool>,
    pub max_chats: Option<Option<i32>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, row: &NewAgentRow<'_>) -> QueryResult<i64> {
    diesel::insert_into(agents::table)
        .values(row)
        .returning(agents::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<AgentRow>> {
    agents::table
        .find(id)
        .select(AgentRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<AgentRow>> {
    agents::table
        .filter(agents::email_key.eq(key))
        .select(AgentRow::as_select())
        .first(conn)
        .optional()
}

/// Whether another agent than `except` already uses the address.
pub fn email_taken(conn: &mut DbConnection, key: &str, except: Option<i64>) -> QueryResult<bool> {
    // Ids start at 1, so 0 excludes nothing.
    let query = agents::table
        .filter(agents::email_key.eq(key))
        .filter(agents::id.ne(except.unwrap_or(0)));
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<AgentRow>> {
    agents::table
        .order(agents::id)
        .select(AgentRow::as_select())
        .load(conn)
}

pub fn update(conn: &mut DbConnection, id: i64, changes: &AgentChanges) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn set_password_hash(
    conn: &mut DbConnection,
    id: i64,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set((agents::password_hash.eq(hash), agents::updated_at.eq(now)))
        .execute(conn)
}

pub fn set_status(conn: &mut DbConnection, id: i64, status: i16) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set(agents::status.eq(status))
        .execute(conn)
}

/// Marks the agent online and seen now, as a logon does.
pub fn mark_logged_on(
    conn: &mut DbConnection,
    id: i64,
    status: i16,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set((agents::status.eq(status), agents::last_seen_at.eq(now)))
        .execute(conn)
}

pub fn touch_last_seen(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(agents::table.find(id))
        .set(agents::last_seen_at.eq(now))
        .execute(conn)
}

/// [`touch_last_seen`], unless the agent was already seen at `now` or later.
pub fn touch_last_seen_if_later(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        agents::table.find(id).filter(
            agents::last_seen_at
                .lt(now)
                .or(agents::last_seen_at.is_null()),
        ),
    )
    .set(agents::last_seen_at.eq(now))
    .execute(conn)
}

pub fn count_enabled_managers_except(
    conn: &mut DbConnection,
    role_manager: i16,
    except: i64,
) -> QueryResult<i64> {
    agents::table
        .filter(agents::role.eq(role_manager))
        .filter(agents::enabled.eq(true))
        .filter(agents::id.ne(except))
        .count()
        .get_result(conn)
}

pub fn department_ids(conn: &mut DbConnection, agent_id: i64) -> QueryResult<Vec<i64>> {
    agent_departments::table
        .filter(agent_departments::agent_id.eq(agent_id))
        .order(agent_departments::department_id)
        .select(agent_departments::department_id)
        .load(conn)
}

/// The departments of these agents: one query.
pub fn department_ids_of(
    conn: &mut DbConnection,
    agent_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let pairs: Vec<(i64, i64)> = agent_departments::table
        .filter(agent_departments::agent_id.eq_any(agent_ids))
        .select((
            agent_departments::agent_id,
            agent_departments::department_id,
        ))
        .load(conn)?;
    Ok(group_departments(pairs))
}

/// Every agent's departments, for lists: one query instead of one per agent.
pub fn all_department_ids(conn: &mut DbConnection) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let pairs: Vec<(i64, i64)> = agent_departments::table
        .order((
            agent_departments::agent_id,
            agent_departments::department_id,
        ))
        .select((
            agent_departments::agent_id,
            agent_departments::department_id,
        ))
        .load(conn)?;
    Ok(group_departments(pairs))
}

fn group_departments(pairs: Vec<(i64, i64)>) -> HashMap<i64, Vec<i64>> {
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    for (agent, department) in pairs {
        map.entry(agent).or_default().push(department);
    }
    map
}

/// Marks these agents seen now (their event streams are open).
pub fn touch_last_seen_many(
    conn: &mut DbConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(agents::table.filter(agents::id.eq_any(ids)))
        .set(agents::last_seen_at.eq(now))
        .execute(conn)
}

pub fn replace_departments(
    conn: &mut DbConnection,
    agent_id: i64,
    department_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(agent_departments::table.filter(agent_departments::agent_id.eq(agent_id)))
        .execute(conn)?;
    for department_id in department_ids {
        diesel::insert_into(agent_departments::table)
            .values((
                agent_departments::agent_id.eq(agent_id),
                agent_departments::department_id.eq(department_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

const ONLINE: i16 = crate::domain::AgentStatus::Online as i16;

/// Enabled, online agents per department: (department, count).
pub fn online_by_department(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    agent_departments::table
        .inner_join(agents::table)
        .filter(agents::enabled.eq(true))
        .filter(agents::status.eq(ONLINE))
        .group_by(agent_departments::department_id)
        .select((agent_departments::department_id, diesel::dsl::count_star()))
        .load(conn)
}

pub fn count_online(conn: &mut DbConnection) -> QueryResult<i64> {
    agents::table
        .filter(agents::enabled.eq(true))
        .filter(agents::status.eq(ONLINE))
        .count()
        .get_result(conn)
}
