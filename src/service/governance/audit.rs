//! The audit log. [`record`] is called inside the change's own transaction, so a change and its
//! row commit together or not at all; GetAuditLog and its CSV export read it; the daily pass
//! prunes rows older than `AuditRetentionDays`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::domain::audit::{changes, Actor};
use crate::domain::csv_cell::neutralise;
use crate::error::{ApiError, ApiResult};
use crate::service::chats::Cursor;
use crate::service::Ctx;
use crate::store::audit_log::{self, AuditFilter, AuditRow, NewAuditRow};

pub use crate::store::audit_log::AuditFilter as Filter;

/// A view as the log keeps it (its JSON object), for [`record`]'s before and after.
/// Times that move by themselves (`UpdatedAt`, `LastSeenAt`) are left out: they are no change.
pub fn snapshot<T: Serialize>(view: &T) -> Option<Value> {
    let value = serde_json::to_value(view).ok()?;
    Some(crate::domain::audit::without(
        value,
        &["UpdatedAt", "LastSeenAt", "CreatedAt"],
    ))
}

/// The settings as one object, `{"CompanyName": "..", ..}`, for [`record`].
pub fn settings_snapshot(
    values: &[(
        crate::domain::settings::SettingKey,
        crate::domain::settings::SettingValue,
    )],
) -> Option<Value> {
    Some(Value::Object(
        values
            .iter()
            .map(|(k, v)| (k.name().to_owned(), v.to_json()))
            .collect(),
    ))
}

/// The week's hours as one object, `{"Day1": "09:00-17:00", "Day7": "closed"}`, for [`record`].
pub fn week_snapshot(week: &crate::domain::WeekSchedule) -> Value {
    Value::Object(
        week.days
            .iter()
            .map(|d| {
                let hours = match d.enabled {
                    true => format!("{}-{}", d.start, d.end),
                    false => "closed".to_owned(),
                };
                (format!("Day{}", d.day), Value::String(hours))
            })
            .collect(),
    )
}

/// Appends one row: `actor` did `action` (the API name) to `target` (`Agent 4`, `Settings`),
/// changing what differs between `before` and `after` (secrets left out, see
/// [`crate::domain::audit::changes`]). An update that changed nothing writes no row; an event
/// (both `None`) always does. Call it on the change's own connection, inside its transaction.
pub fn record(
    ctx: &Ctx,
    c: &mut DbConnection,
    actor: &Actor,
    action: &str,
    target: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> ApiResult<()> {
    let changed = changes(before.as_ref(), after.as_ref());
    if before.is_some() && after.is_some() && changed.is_empty() {
        return Ok(());
    }
    let changes = Value::Object(changed).to_string();
    audit_log::insert(
        c,
        &NewAuditRow {
            at: ctx.now(),
            agent_id: actor.agent_id,
            actor: &actor.name,
            address: actor.address.as_deref(),
            action,
            target,
            changes: &changes,
        },
    )?;
    Ok(())
}

/// A failed logon for a known account, and the lockout when this failure reached
/// `LOGON_MAX_FAILURES` for the address (written in its own short transaction, after the
/// password check that found it wrong).
pub fn logon_failed(
    ctx: &Ctx,
    c: &mut DbConnection,
    actor: &Actor,
    agent_id: i64,
    locked: bool,
) -> ApiResult<()> {
    let target = format!("Agent {agent_id}");
    record(ctx, c, actor, "AgentLogonFailed", &target, None, None)?;
    if locked {
        record(ctx, c, actor, "AgentLockedOut", &target, None, None)?;
    }
    Ok(())
}

/// One row of the log as GetAuditLog shows it.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct AuditEntryView {
    #[serde(rename = "AuditID")]
    pub audit_id: i64,
    pub at: DateTime<Utc>,
    /// The agent who acted; absent for the desk itself or an unproven caller.
    #[serde(rename = "AgentID")]
    pub agent_id: Option<i64>,
    /// The agent's name at the time, or `system`.
    pub actor: String,
    /// The caller's address (absent for the desk's own passes).
    pub address: Option<String>,
    /// The API name (`UpdateSettings`) or the security event (`AgentLogonFailed`).
    pub action: String,
    /// What was changed: `Agent 4`, `Department 2`, `Settings`.
    pub target: String,
    /// `{"Field": {"Before": .., "After": ..}}`; secrets never appear.
    #[schema(value_type = Object)]
    pub changes: Map<String, Value>,
}

fn view(row: AuditRow) -> AuditEntryView {
    AuditEntryView {
        audit_id: row.id,
        at: row.at.and_utc(),
        agent_id: row.agent_id,
        actor: row.actor,
        address: row.address,
        action: row.action,
        target: row.target,
        changes: serde_json::from_str(&row.changes).unwrap_or_default(),
    }
}

/// A page of the log.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct AuditLogView {
    pub entries: Vec<AuditEntryView>,
    pub cursor: Cursor,
}

/// GetAuditLog: newest first, filtered, paged (manager only, checked by the handler's extractor).
pub fn get_audit_log(
    ctx: &Ctx,
    filter: &AuditFilter,
    page: i64,
    page_size: i64,
) -> ApiResult<AuditLogView> {
    let (rows, total) =
        ctx.read(|c| audit_log::page(c, filter, (page - 1) * page_size, page_size))?;
    Ok(AuditLogView {
        entries: rows.into_iter().map(view).collect(),
        cursor: Cursor::new(page, page_size, total),
    })
}

const BATCH: i64 = 500;
const HEADER: [&str; 8] = [
    "AuditID", "At", "AgentID", "Actor", "Address", "Action", "Target", "Changes",
];

fn render(rows: &[AuditRow], header: bool) -> ApiResult<Vec<u8>> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        out.write_record(HEADER).map_err(ApiError::internal)?;
    }
    for r in rows {
        let at = r.at.and_utc().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        let agent = r.agent_id.map(|id| id.to_string()).unwrap_or_default();
        let cells = [
            r.id.to_string(),
            at,
            agent,
            neutralise(&r.actor).into_owned(),
            r.address.clone().unwrap_or_default(),
            neutralise(&r.action).into_owned(),
            neutralise(&r.target).into_owned(),
            neutralise(&r.changes).into_owned(),
        ];
        out.write_record(cells).map_err(ApiError::internal)?;
    }
    out.into_inner().map_err(ApiError::internal)
}

/// ExportAuditLog: the matching rows, oldest first, as RFC 4180 CSV read in batches as it is sent.
pub fn export_audit_log(
    ctx: Arc<Ctx>,
    filter: AuditFilter,
) -> impl Stream<Item = ApiResult<Vec<u8>>> {
    futures_util::stream::unfold(Some(0i64), move |after| {
        let ctx = ctx.clone();
        let filter = filter.clone();
        async move {
            let after = after?;
            let batch =
                tokio::task::spawn_blocking(move || -> ApiResult<(Vec<u8>, Option<i64>)> {
                    let rows = ctx.read(|c| audit_log::batch_after(c, &filter, after, BATCH))?;
                    let next = (rows.len() as i64 == BATCH)
                        .then(|| rows.last().map(|r| r.id))
                        .flatten();
                    Ok((render(&rows, after == 0)?, next))
                })
                .await;
            match batch {
                Ok(Ok((bytes, next))) => Some((Ok(bytes), next)),
                Ok(Err(e)) => Some((Err(e), None)),
                Err(e) => Some((Err(ApiError::internal(e)), None)),
            }
        }
    })
}

/// Deletes rows older than `AuditRetentionDays`, a batch per transaction; returns how many went.
pub fn prune(ctx: &Ctx) -> ApiResult<usize> {
    let days = ctx.read(|c| {
        crate::service::settings::number(c, crate::domain::settings::SettingKey::AuditRetentionDays)
    })?;
    let before = ctx.now() - chrono::Duration::days(days.max(1));
    let mut gone = 0;
    loop {
        let n = ctx.write(|c| Ok(audit_log::delete_older_than(c, before, BATCH)?))?;
        gone += n;
        if (n as i64) < BATCH {
            return Ok(gone);
        }
    }
}
