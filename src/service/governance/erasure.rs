//! EraseCustomer and ExportCustomer: one customer's data, erased at once or exported whole.

use serde_json::{json, Value};

use super::audit;
use crate::domain::audit::Actor;
use crate::domain::chat::{ChatState, MessageKind};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::service::Ctx;
use crate::store::{customers, retired_chats};

fn not_found(id: i64) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("Customer {id} does not exist"))
}

/// What EraseCustomer removed.
#[derive(serde::Serialize, utoipa::ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ErasureView {
    #[serde(rename = "CustomerID")]
    pub customer_id: i64,
    /// Chats deleted, with their messages, comments, files, visits and deliveries.
    pub chats_deleted: i64,
}

/// EraseCustomer (manager only): deletes the customer with every chat (open ones too), message,
/// comment, attachment, visit and delivery of theirs, in one transaction. Report counts stay
/// (`retired_chats` keeps each chat's start and tags, nothing that names the person). The audit
/// row names the customer's id only.
pub fn erase_customer(ctx: &Ctx, actor: &Actor, customer_id: i64) -> ApiResult<ErasureView> {
    ctx.write(|c| {
        customers::find(c, customer_id)?.ok_or_else(|| not_found(customer_id))?;
        let ids = retired_chats::of_customer(c, customer_id)?;
        let (chats, _) = retired_chats::retire(c, &ids)?;
        retired_chats::delete_customer_without_chats(c, customer_id)?;
        let target = format!("Customer {customer_id}");
        let before = json!({"Chats": chats});
        let after = json!({"Chats": 0});
        audit::record(
            ctx,
            c,
            actor,
            "EraseCustomer",
            &target,
            Some(before),
            Some(after),
        )?;
        Ok(ErasureView {
            customer_id,
            chats_deleted: chats as i64,
        })
    })
}

fn time(t: chrono::NaiveDateTime) -> Value {
    Value::String(
        t.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    )
}

/// ExportCustomer (manager only): everything stored about a customer, as one JSON document: the
/// customer, their chats with what the visitor said, every message and comment, the attachments'
/// details (their bytes through GetAttachment), tags and visited pages. The export is audited.
pub fn export_customer(ctx: &Ctx, actor: &Actor, customer_id: i64) -> ApiResult<Value> {
    let doc = ctx.read(|c| {
        let Some(customer) = customers::find(c, customer_id)? else {
            return Ok(None);
        };
        let chats = retired_chats::export_chats(c, customer_id)?;
        let ids: Vec<i64> = chats.iter().map(|r| r.0).collect();
        let sessions: Vec<(i64, String)> = chats.iter().map(|r| (r.1, r.2.clone())).collect();
        let messages = retired_chats::export_messages(c, &ids)?;
        let attachments = retired_chats::export_attachments(c, &ids)?;
        let tags = retired_chats::export_tags(c, &ids)?;
        let mut visits = retired_chats::export_visits(c, &sessions)?;
        visits.dedup();
        let chats: Vec<Value> = chats
            .into_iter()
            .map(|r| {
                let id = r.0;
                json!({
                    "ChatID": id,
                    "ChannelID": r.1,
                    "SessionID": r.2,
                    "DepartmentID": r.3,
                    "AgentID": r.4,
                    "ChatType": ChatState::from_id(r.5).name(),
                    "CreatedAt": time(r.6),
                    "ClosedAt": r.7.map(time),
                    "CloseReason": r.8,
                    "Visitor": {"Name": r.9, "EmailAddress": r.10, "MobileNumber": r.11},
                    "TagIDs": tags.iter().filter(|t| t.0 == id).map(|t| t.1).collect::<Vec<_>>(),
                    "Messages": messages.iter().filter(|m| m.1 == id).map(|m| json!({
                        "MessageID": m.0,
                        "Type": MessageKind::from_id(m.2).name(),
                        "SpecialType": m.3,
                        "Author": m.4,
                        "Text": m.5,
                        "AttachmentID": m.6,
                        "ToCustomer": m.7,
                        "CreatedAt": time(m.8),
                    })).collect::<Vec<_>>(),
                    "Attachments": attachments.iter().filter(|a| a.1 == id).map(|a| json!({
                        "AttachmentID": a.0,
                        "Name": a.2,
                        "MimeType": a.3,
                        "Size": a.4,
                        "Sha256": a.5,
                        "CreatedAt": time(a.6),
                    })).collect::<Vec<_>>(),
                    "Visits": visits.iter().filter(|v| v.0 == r.1 && v.1 == r.2).map(|v| json!({
                        "Url": v.2,
                        "VisitedAt": time(v.3),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(Some(json!({
            "Customer": {
                "CustomerID": customer.id,
                "FullName": customer.full_name,
                "MobileNumber": customer.mobile,
                "EmailAddress": customer.email,
                "CreatedAt": time(customer.created_at),
                "UpdatedAt": time(customer.updated_at),
            },
            "Chats": chats,
        })))
    })?;
    let doc = doc.ok_or_else(|| not_found(customer_id))?;
    ctx.write(|c| {
        let target = format!("Customer {customer_id}");
        audit::record(ctx, c, actor, "ExportCustomer", &target, None, None)
    })?;
    Ok(doc)
}
