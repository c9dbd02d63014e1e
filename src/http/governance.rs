//! One customer's data: EraseCustomer and ExportCustomer (managers only, audited).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::audit::Acting;
use super::input::Input;
use super::params::{field, id, Int};
use super::respond::{json, run};
use super::schemas;
use super::session_auth::Manager;
use crate::error::ApiResult;
use crate::service::governance::erasure::{self, ErasureView};
use crate::service::Ctx;

#[derive(Deserialize, ToSchema)]
pub struct EraseCustomerRequest {
    #[serde(rename = "CustomerID")]
    #[schema(schema_with = schemas::id)]
    pub customer_id: Int,
}

/// Erases a customer at once: every chat (open ones too), message, comment, attachment, visit
/// and delivery of theirs. Report counts stay, without the person.
#[utoipa::path(post, path = "/api/EraseCustomer", tag = "Customers", request_body = EraseCustomerRequest,
    responses((status = 200, body = ErasureView), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound")))]
pub async fn erase_customer(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<EraseCustomerRequest>,
) -> ApiResult<HttpResponse> {
    let customer_id = field("CustomerID", id(req.customer_id))?;
    let view = run(&ctx, move |ctx| {
        erasure::erase_customer(ctx, &actor, customer_id)
    })
    .await?;
    Ok(json(view))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportCustomerRequest {
    #[serde(rename = "CustomerID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub customer_id: Int,
}

/// Everything stored about a customer as one JSON document (attachments' details; their bytes
/// through GetAttachment).
#[utoipa::path(get, path = "/api/ExportCustomer", tag = "Customers", params(ExportCustomerRequest),
    responses((status = 200, description = "{\"Customer\": {...}, \"Chats\": [...]}", body = Object),
              (status = 403, description = "Forbidden: managers only"), (status = 404, description = "NotFound")))]
pub async fn export_customer(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<ExportCustomerRequest>,
) -> ApiResult<HttpResponse> {
    let customer_id = field("CustomerID", id(req.customer_id))?;
    let doc = run(&ctx, move |ctx| {
        erasure::export_customer(ctx, &actor, customer_id)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"customer-{customer_id}.json\""),
        ))
        .json(doc))
}
