//! Webhook endpoints: CreateWebhook, GetWebhookList, UpdateWebhook, DeleteWebhook, TestWebhook,
//! GetWebhookDeliveries, RetryWebhookDelivery (managers only).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::audit::Acting;
use super::chats::paging;
use super::input::Input;
use super::params::{field, id, Bool, Fields, Int, List};
use super::respond::{json, run, success, Success};
use super::schemas;
use super::session_auth::Manager;
use crate::domain::webhook::parse_events;
use crate::error::{ApiError, ApiResult};
use crate::service::channel_servers;
use crate::service::webhooks::{self, NewWebhookView, WebhookDeliveriesView, WebhookView};
use crate::service::Ctx;

/// An http(s) URL with a host, without fragment or credentials.
fn endpoint_url(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|_| "must be an http:// or https:// URL".to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.as_str().len() > 2000 {
        return Err(
            "must be a URL without fragment or credentials, at most 2000 characters".into(),
        );
    }
    Ok(url.to_string())
}

/// The URL parsed and its address checked against `CHANNEL_ALLOWED_NETWORKS`.
async fn checked_url(ctx: &Ctx, url: String) -> ApiResult<String> {
    channel_servers::check_chat_server(&url, &ctx.config.channel_allowed_networks)
        .await
        .map_err(|problem| ApiError::field("Url", problem))?;
    Ok(url)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateWebhookRequest {
    /// Where events are POSTed; its address must be a global one or in `CHANNEL_ALLOWED_NETWORKS`.
    #[schema(schema_with = schemas::chat_server_url)]
    pub url: String,
    /// Event names of the stream's catalogue, or `["*"]` for all.
    #[schema(schema_with = schemas::webhook_events)]
    pub events: List<String>,
    /// true when absent.
    pub enabled: Option<Bool>,
}

/// Registers an endpoint; its SigningSecret is shown only here.
#[utoipa::path(post, path = "/api/CreateWebhook", tag = "Webhooks", request_body = CreateWebhookRequest,
    responses((status = 200, body = NewWebhookView), (status = 400, description = "ValidationFailed naming Url or Events"),
              (status = 403, description = "Forbidden: managers only")))]
pub async fn create_webhook(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<CreateWebhookRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let url = f.check("Url", endpoint_url(&req.url));
    let events = f.check("Events", parse_events(&req.events.0));
    let (url, events) = f.build(|| Some((url?, events?)))?;
    let url = checked_url(&ctx, url).await?;
    let enabled = req.enabled.is_none_or(|b| b.0);
    Ok(json(
        run(&ctx, move |ctx| {
            webhooks::create_webhook(ctx, &actor, &url, &events, enabled)
        })
        .await?,
    ))
}

/// Every webhook with its health (deliveries pending, delivered, failed).
#[utoipa::path(get, path = "/api/GetWebhookList", tag = "Webhooks",
    responses((status = 200, body = Vec<WebhookView>), (status = 403, description = "Forbidden: managers only")))]
pub async fn get_webhook_list(ctx: web::Data<Ctx>, _: Manager) -> ApiResult<HttpResponse> {
    Ok(json(run(&ctx, webhooks::get_webhook_list).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateWebhookRequest {
    #[serde(rename = "WebhookID")]
    #[schema(schema_with = schemas::id)]
    pub webhook_id: Int,
    #[schema(schema_with = schemas::chat_server_url)]
    pub url: Option<String>,
    #[schema(schema_with = schemas::webhook_events)]
    pub events: Option<List<String>>,
    pub enabled: Option<Bool>,
}

/// Changes a webhook's URL, events or enabled flag.
#[utoipa::path(post, path = "/api/UpdateWebhook", tag = "Webhooks", request_body = UpdateWebhookRequest,
    responses((status = 200, body = WebhookView), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound")))]
pub async fn update_webhook(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<UpdateWebhookRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let webhook_id = f.check("WebhookID", id(req.webhook_id));
    let url = f.check_opt("Url", req.url, |u| endpoint_url(&u));
    let events = f.check_opt("Events", req.events, |e| parse_events(&e.0));
    let (webhook_id, url, events) = f.build(|| Some((webhook_id?, url?, events?)))?;
    let url = match url {
        Some(url) => Some(checked_url(&ctx, url).await?),
        None => None,
    };
    let enabled = req.enabled.map(|b| b.0);
    Ok(json(
        run(&ctx, move |ctx| {
            webhooks::update_webhook(ctx, &actor, webhook_id, url, events, enabled)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookIdRequest {
    #[serde(rename = "WebhookID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub webhook_id: Int,
}

/// Deletes a webhook: nothing more is sent to it; its delivery log stays readable.
#[utoipa::path(delete, path = "/api/DeleteWebhook", tag = "Webhooks", params(WebhookIdRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound")))]
pub async fn delete_webhook(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<WebhookIdRequest>,
) -> ApiResult<HttpResponse> {
    let webhook_id = field("WebhookID", id(req.webhook_id))?;
    run(&ctx, move |ctx| {
        webhooks::delete_webhook(ctx, &actor, webhook_id)
    })
    .await?;
    Ok(success())
}

/// Queues a `webhook.test` event for the endpoint, delivered (and logged) like any other.
#[utoipa::path(method(get, post), path = "/api/TestWebhook", tag = "Webhooks", params(WebhookIdRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound")))]
pub async fn test_webhook(
    ctx: web::Data<Ctx>,
    _: Manager,
    Input(req): Input<WebhookIdRequest>,
) -> ApiResult<HttpResponse> {
    let webhook_id = field("WebhookID", id(req.webhook_id))?;
    run(&ctx, move |ctx| webhooks::test_webhook(ctx, webhook_id)).await?;
    Ok(success())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct GetWebhookDeliveriesRequest {
    #[serde(rename = "WebhookID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub webhook_id: Int,
    #[param(value_type = Option<schemas::param::Page>, inline)]
    pub page: Option<Int>,
    #[param(value_type = Option<schemas::param::PageSize>, inline)]
    pub page_size: Option<Int>,
}

/// An endpoint's delivery log, newest first: event, state, attempts, last status, time taken and
/// the start of the answer.
#[utoipa::path(get, path = "/api/GetWebhookDeliveries", tag = "Webhooks", params(GetWebhookDeliveriesRequest),
    responses((status = 200, body = WebhookDeliveriesView), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound")))]
pub async fn get_webhook_deliveries(
    ctx: web::Data<Ctx>,
    _: Manager,
    Input(req): Input<GetWebhookDeliveriesRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let webhook_id = f.check("WebhookID", id(req.webhook_id));
    let paging = paging(&mut f, req.page, req.page_size);
    let (webhook_id, (page, page_size)) = f.build(|| Some((webhook_id?, paging?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            webhooks::get_webhook_deliveries(ctx, webhook_id, page, page_size)
        })
        .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryIdRequest {
    #[serde(rename = "DeliveryID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub delivery_id: Int,
}

/// Queues a failed delivery again, with a fresh 24 hours of retries.
#[utoipa::path(method(get, post), path = "/api/RetryWebhookDelivery", tag = "Webhooks", params(DeliveryIdRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "NotFound: no failed delivery with this id")))]
pub async fn retry_webhook_delivery(
    ctx: web::Data<Ctx>,
    _: Manager,
    Input(req): Input<DeliveryIdRequest>,
) -> ApiResult<HttpResponse> {
    let delivery_id = field("DeliveryID", id(req.delivery_id))?;
    run(&ctx, move |ctx| {
        webhooks::retry_webhook_delivery(ctx, delivery_id)
    })
    .await?;
    Ok(success())
}
