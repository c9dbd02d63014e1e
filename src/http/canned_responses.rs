//! Canned response endpoints: CreateCannedResponse, UpdateCannedResponse, DeleteCannedResponse,
//! GetCannedResponses.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::Acting;
use super::input::{Input, NoFields};
use super::params::{field, id, Fields, Int};
use super::respond::{cached_json, json, run, success, Success};
use super::schemas;
use super::session_auth::{Caller, Manager};
use crate::domain::required_text;
use crate::error::ApiResult;
use crate::service::canned_responses::{self, CannedResponseView};
use crate::service::Ctx;

const NAME_MAX: usize = 100;
const TEXT_MAX: usize = 4000;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCannedResponseRequest {
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: String,
    /// Kept as written; `#CUSTOMERNAME#` and `#AGENTNAME#` are expanded when used in a chat.
    #[schema(schema_with = schemas::text::<TEXT_MAX>)]
    pub message_text: String,
}

/// Creates a canned response (manager only).
#[utoipa::path(post, path = "/api/CreateCannedResponse", tag = "Canned responses", request_body = CreateCannedResponseRequest,
    responses((status = 200, body = CannedResponseView), (status = 403, description = "Forbidden: managers only")))]
pub async fn create_canned_response(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<CreateCannedResponseRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let name = f.check("Name", required_text(&req.name, NAME_MAX));
    let text = f.check("MessageText", required_text(&req.message_text, TEXT_MAX));
    let (name, text) = f.build(|| Some((name?, text?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            canned_responses::create_canned_response(ctx, &actor, name, text)
        })
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCannedResponseRequest {
    #[serde(rename = "CannedResponseID")]
    #[schema(schema_with = schemas::id)]
    pub canned_response_id: Int,
    #[schema(schema_with = schemas::text::<NAME_MAX>)]
    pub name: Option<String>,
    #[schema(schema_with = schemas::text::<TEXT_MAX>)]
    pub message_text: Option<String>,
}

/// Changes a canned response's name or text (manager only).
#[utoipa::path(post, path = "/api/UpdateCannedResponse", tag = "Canned responses", request_body = UpdateCannedResponseRequest,
    responses((status = 200, body = CannedResponseView), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "CannedResponseNotFound")))]
pub async fn update_canned_response(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<UpdateCannedResponseRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let canned_id = f.check("CannedResponseID", id(req.canned_response_id));
    let name = f.check_opt("Name", req.name, |n| required_text(&n, NAME_MAX));
    let text = f.check_opt("MessageText", req.message_text, |t| {
        required_text(&t, TEXT_MAX)
    });
    let (canned_id, name, text) = f.build(|| Some((canned_id?, name?, text?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            canned_responses::update_canned_response(ctx, &actor, canned_id, name, text)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteCannedResponseRequest {
    /// The canned response to delete.
    #[serde(rename = "CannedResponseID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub canned_response_id: Int,
}

/// Deletes a canned response (manager only).
#[utoipa::path(delete, path = "/api/DeleteCannedResponse", tag = "Canned responses",
    params(DeleteCannedResponseRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "CannedResponseNotFound")))]
pub async fn delete_canned_response(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<DeleteCannedResponseRequest>,
) -> ApiResult<HttpResponse> {
    let canned_id = field("CannedResponseID", id(req.canned_response_id))?;
    run(&ctx, move |ctx| {
        canned_responses::delete_canned_response(ctx, &actor, canned_id)
    })
    .await?;
    Ok(success())
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CannedResponseList {
    pub canned_responses: Vec<CannedResponseView>,
}

/// Every canned response, by name.
#[utoipa::path(get, path = "/api/GetCannedResponses", tag = "Canned responses", responses((status = 200, body = CannedResponseList)))]
pub async fn get_canned_responses(
    ctx: web::Data<Ctx>,
    _: Caller,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    cached_json(&ctx, "GetCannedResponses", |ctx| {
        Ok(CannedResponseList {
            canned_responses: canned_responses::get_canned_responses(ctx)?,
        })
    })
    .await
}
