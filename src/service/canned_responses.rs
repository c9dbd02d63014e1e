//! Canned responses: stored as written; `#CUSTOMERNAME#` and `#AGENTNAME#` are expanded only when
//! an agent uses one in a chat.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::governance::audit;
use super::Ctx;
use crate::domain::audit::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::canned_responses::{self as store, CannedResponseChanges, CannedResponseRow};

/// A canned response as the API shows it.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct CannedResponseView {
    #[serde(rename = "CannedResponseID")]
    pub canned_response_id: i64,
    pub name: String,
    pub message_text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: CannedResponseRow) -> CannedResponseView {
    CannedResponseView {
        canned_response_id: row.id,
        name: row.name,
        message_text: row.message_text,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::CannedResponseNotFound,
        format!("Canned response {id} does not exist"),
    )
}

/// CreateCannedResponse: stored as written; placeholders expand only when an agent uses it.
pub fn create_canned_response(
    ctx: &Ctx,
    actor: &Actor,
    name: String,
    message_text: String,
) -> ApiResult<CannedResponseView> {
    ctx.write_config(|c| {
        let id = store::insert(c, &name, &message_text, ctx.now())?;
        let after = store::find(c, id)?.map(view).ok_or_else(|| not_found(id))?;
        audit::record(
            ctx,
            c,
            actor,
            "CreateCannedResponse",
            &format!("Canned response {id}"),
            None,
            audit::snapshot(&after),
        )?;
        Ok(after)
    })
}

/// UpdateCannedResponse: changes the name or text sent.
pub fn update_canned_response(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    name: Option<String>,
    message_text: Option<String>,
) -> ApiResult<CannedResponseView> {
    ctx.write_config(|c| {
        let before = store::find(c, id)?.map(view);
        let changes = CannedResponseChanges {
            name,
            message_text,
            updated_at: Some(ctx.now()),
        };
        if store::update(c, id, &changes)? == 0 {
            return Err(not_found(id));
        }
        let after = store::find(c, id)?.map(view).ok_or_else(|| not_found(id))?;
        audit::record(
            ctx,
            c,
            actor,
            "UpdateCannedResponse",
            &format!("Canned response {id}"),
            audit::snapshot(&before),
            audit::snapshot(&after),
        )?;
        Ok(after)
    })
}

/// DeleteCannedResponse: messages that used it keep the text they sent.
pub fn delete_canned_response(ctx: &Ctx, actor: &Actor, id: i64) -> ApiResult<()> {
    ctx.write_config(|c| {
        let before = store::find(c, id)?.map(view).ok_or_else(|| not_found(id))?;
        store::delete(c, id)?;
        audit::record(
            ctx,
            c,
            actor,
            "DeleteCannedResponse",
            &format!("Canned response {id}"),
            audit::snapshot(&before),
            None,
        )?;
        Ok(())
    })
}

/// GetCannedResponses: every canned response, by name.
pub fn get_canned_responses(ctx: &Ctx) -> ApiResult<Vec<CannedResponseView>> {
    ctx.read(|c| Ok(store::list(c)?.into_iter().map(view).collect()))
}
