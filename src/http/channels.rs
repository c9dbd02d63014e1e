//! Channel endpoints (managers): CreateChannel, GetChannelList, DeleteChannel.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::audit::Acting;
use super::input::{Input, NoFields};
use super::params::{field, id, Bool, Fields, Int};
use super::respond::{json, run, success, Success};
use super::schemas;
use super::session_auth::Manager;
use crate::domain::required_text;
use crate::domain::web_chat::ChannelKind;
use crate::error::{ApiError, ApiResult};
use crate::service::channel_servers;
use crate::service::channels::{self, ChannelView, NewChannel, NewChannelView};
use crate::service::Ctx;

/// An http(s) base URL with a host, without query or fragment; stored without a trailing slash.
fn chat_server(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|_| "must be an http:// or https:// URL".to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("must be a base URL without query, fragment or credentials".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CreateChannelRequest {
    #[schema(schema_with = schemas::text::<100>)]
    pub name: String,
    /// `api` (the default): a channel server calling the channel API; `web`: the desk's own web
    /// chat, with a widget key and a snippet instead of secrets, and no ChatServer.
    #[schema(value_type = Option<String>, pattern = "^(?i)(api|web)$")]
    pub kind: Option<String>,
    /// Base URL of the channel server; replies are posted to `<ChatServer>/messageForCustomer`.
    /// Required for `api`, refused for `web`.
    #[schema(schema_with = schemas::chat_server_url)]
    pub chat_server: Option<String>,
    /// The channel vouches for its customers' numbers and addresses (e.g. a messaging gateway
    /// with verified numbers): its customers are recognised across all channels that do.
    pub verifies_identity: Option<Bool>,
}

/// Registers a channel server (its ApiKey, ChatAccountToken and SigningSecret are shown only
/// here) or a web chat (its WidgetKey and Snippet, shown here and in GetChannelList).
#[utoipa::path(post, path = "/api/CreateChannel", tag = "Channels", request_body = CreateChannelRequest,
    responses((status = 200, body = NewChannelView), (status = 400, description = "ValidationFailed, e.g. ChatServer on a refused network, or ChatServer given for a web channel"),
              (status = 403, description = "Forbidden: managers only")))]
pub async fn create_channel(
    ctx: web::Data<Ctx>,
    _: Manager,
    http: HttpRequest,
    Acting(actor): Acting,
    Input(req): Input<CreateChannelRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let name = f.check("Name", required_text(&req.name, 100));
    let kind = f.check(
        "Kind",
        ChannelKind::parse(req.kind.as_deref().unwrap_or("")),
    );
    let server = match (kind, req.chat_server.as_deref().map(str::trim)) {
        (Some(ChannelKind::Web), None | Some("")) => Some(String::new()),
        (Some(ChannelKind::Web), Some(_)) => f.check::<String>(
            "ChatServer",
            Err("a web channel has no chat server: the desk serves its chat".into()),
        ),
        (_, raw) => f.check("ChatServer", chat_server(raw.unwrap_or(""))),
    };
    let (name, kind, server) = f.build(|| Some((name?, kind?, server?)))?;
    if kind == ChannelKind::Api {
        channel_servers::check_chat_server(&server, &ctx.config.channel_allowed_networks)
            .await
            .map_err(|problem| ApiError::field("ChatServer", problem))?;
    }
    let new = NewChannel {
        name,
        kind,
        chat_server: server,
        verifies_identity: kind == ChannelKind::Api && req.verifies_identity.is_some_and(|b| b.0),
    };
    let base = super::web_chat::public_base(&ctx, &http);
    Ok(json(
        run(&ctx, move |ctx| {
            channels::create_channel(ctx, &actor, new, &base)
        })
        .await?,
    ))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ChannelList {
    pub channels: Vec<ChannelView>,
}

/// The registered channels (without their secrets).
#[utoipa::path(get, path = "/api/GetChannelList", tag = "Channels",
    responses((status = 200, body = ChannelList), (status = 403, description = "Forbidden: managers only")))]
pub async fn get_channel_list(
    ctx: web::Data<Ctx>,
    _: Manager,
    http: HttpRequest,
    _: Input<NoFields>,
) -> ApiResult<HttpResponse> {
    let base = super::web_chat::public_base(&ctx, &http);
    let channels = run(&ctx, move |ctx| channels::get_channel_list(ctx, &base)).await?;
    Ok(json(ChannelList { channels }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteChannelRequest {
    #[serde(rename = "ChannelID")]
    #[param(value_type = schemas::param::Id, inline)]
    pub channel_id: Int,
}

/// Deletes a channel: its key stops working; its chats stay.
#[utoipa::path(delete, path = "/api/DeleteChannel", tag = "Channels", params(DeleteChannelRequest),
    responses((status = 200, body = Success), (status = 403, description = "Forbidden: managers only"),
              (status = 404, description = "ChannelNotFound")))]
pub async fn delete_channel(
    ctx: web::Data<Ctx>,
    _: Manager,
    Acting(actor): Acting,
    Input(req): Input<DeleteChannelRequest>,
) -> ApiResult<HttpResponse> {
    let channel_id = field("ChannelID", id(req.channel_id))?;
    run(&ctx, move |ctx| {
        channels::delete_channel(ctx, &actor, channel_id)
    })
    .await?;
    Ok(success())
}

#[cfg(test)]
mod tests {
    use super::chat_server;

    #[test]
    fn chat_server_urls() {
        assert_eq!(
            chat_server("https://chat.example.com/").unwrap(),
            "https://chat.example.com"
        );
        assert_eq!(
            chat_server("http://127.0.0.1:9000/hooks").unwrap(),
            "http://127.0.0.1:9000/hooks"
        );
        assert!(chat_server("ftp://x.example.com").is_err());
        assert!(chat_server("https://u:p@x.example.com").is_err());
        assert!(chat_server("https://x.example.com/?a=1").is_err());
        assert!(chat_server("not a url").is_err());
    }
}
