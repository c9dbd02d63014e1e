//! Waiting-chat alerts: a chat that has waited longer than `UnassignedAlertSeconds` is announced
//! once (`queue.alert` to its department) and mailed to the department's agents who asked for
//! `UnassignedChatsWaiting`, at most one mail per agent per `AlertMailMinutes`. Both "once"s are
//! conditional UPDATEs (the chat's `alerted_at`, the agent's `alert_mailed_at`), so instances
//! sweeping side by side never send one twice.

use chrono::NaiveDateTime;
use serde_json::json;

use super::mailer::OutgoingMail;
use super::{live, settings, Ctx};
use crate::db::DbConnection;
use crate::domain::live::{Audience, Topic};
use crate::error::ApiResult;
use crate::store::{departments, routing};

/// Chats alerted per sweep.
const ALERT_BATCH: i64 = 100;

/// One sweep; returns how many chats were alerted.
pub fn sweep(ctx: &Ctx) -> ApiResult<usize> {
    let rules = settings::routing_rules(ctx)?;
    if rules.unassigned_alert_seconds <= 0 {
        return Ok(0);
    }
    let now = ctx.now();
    let cutoff = now - chrono::Duration::seconds(rules.unassigned_alert_seconds);
    let mail_window = now - chrono::Duration::minutes(rules.alert_mail_minutes.max(1));
    let mut alerted = 0;
    for chat in ctx.read(|c| routing::unalerted_waiting_since(c, cutoff, ALERT_BATCH))? {
        let (Some(department_id), Some(queued_at)) = (chat.department_id, chat.queued_at) else {
            continue;
        };
        let waited = (now - queued_at).num_seconds();
        let mails = ctx.write(|c| alert(c, chat.id, department_id, waited, mail_window, now))?;
        let Some(mails) = mails else {
            continue;
        };
        alerted += 1;
        // Sent after the commit: a mail is never sent for an alert that did not happen. One that
        // fails is logged, not retried (the turn was taken: at most one per window).
        for mail in mails {
            if let Err(e) = ctx.mailer.send(&mail) {
                tracing::warn!(to = %mail.to_address, error = ?e, "waiting-chat alert mail failed");
            }
        }
    }
    Ok(alerted)
}

/// Marks the chat alerted and announces it; the mails to send, or None when another instance
/// alerted it first (or it was taken).
fn alert(
    c: &mut DbConnection,
    chat_id: i64,
    department_id: i64,
    waited: i64,
    mail_window: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<Option<Vec<OutgoingMail>>> {
    if !routing::mark_alerted(c, chat_id, now)? {
        return Ok(None);
    }
    live::publish(
        c,
        Topic::QueueAlert,
        &Audience::chat(Some(department_id), None),
        &json!({ "ChatID": chat_id, "DepartmentID": department_id, "WaitingSeconds": waited }),
        now,
    )?;
    let department = departments::find(c, department_id)?
        .map(|d| d.name)
        .unwrap_or_else(|| format!("department {department_id}"));
    let mut mails = Vec::new();
    for (agent_id, name, email) in routing::alert_recipients(c, department_id)? {
        if routing::take_alert_mail_turn(c, agent_id, mail_window, now)? {
            mails.push(alert_mail(&name, &email, &department, chat_id, waited));
        }
    }
    Ok(Some(mails))
}

fn alert_mail(
    name: &str,
    email: &str,
    department: &str,
    chat_id: i64,
    waited: i64,
) -> OutgoingMail {
    let minutes = waited / 60;
    let seconds = waited % 60;
    OutgoingMail {
        to_name: name.to_owned(),
        to_address: email.to_owned(),
        subject: format!("A chat is waiting in {department}"),
        text: format!(
            "Hello {name},\n\nA customer has been waiting {minutes} min {seconds} s in the \
             {department} queue (chat {chat_id}) and no agent has taken the chat yet.\n\n\
             You get this mail because your notifications include UnassignedChatsWaiting; \
             further alerts within the next few minutes are not mailed.\n"
        ),
        html: None,
        attachments: Vec::new(),
    }
}
