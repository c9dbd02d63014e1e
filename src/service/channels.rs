//! Channels: the channel servers a manager registers, and how their calls are authenticated.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::governance::audit;
use super::Ctx;
use crate::domain::audit::Actor;
use crate::domain::web_chat::{snippet, ChannelKind};
use crate::domain::{signing, token};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::channels::{self as store, ChannelRow, NewChannelRow};

/// A registered channel, without its secrets.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct ChannelView {
    #[serde(rename = "ChannelID")]
    pub channel_id: i64,
    pub name: String,
    /// `api` (a channel server calling the channel API) or `web` (the desk's own web chat).
    pub kind: &'static str,
    /// Base URL of the channel server; replies go to `<ChatServer>/messageForCustomer`. Empty for
    /// a web channel: its visitors read replies from their stream.
    pub chat_server: String,
    /// The channel vouches for its customers' numbers and addresses (a messaging gateway whose
    /// numbers are verified): its customers are recognised across all such channels.
    pub verifies_identity: bool,
    pub created_at: DateTime<Utc>,
    /// A web channel's public key: the `data-widget-key` of its snippet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widget_key: Option<String>,
    /// A web channel's tag for a website's pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

/// What CreateChannel registers, already parsed.
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    /// Its base URL, whose address `outbound::check_chat_server` accepted; empty for a web channel.
    pub chat_server: String,
    pub verifies_identity: bool,
}

/// A new channel with its secrets, shown this once.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct NewChannelView {
    #[serde(flatten)]
    pub channel: ChannelView,
    /// Sent by the channel server as the `apiKey` header (none for a web channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Sent by the channel server as `chatAccountToken` (none for a web channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_account_token: Option<String>,
    /// Key of the HMAC-SHA256 signature (`X-Agentdesk-Signature`) on our calls to the channel
    /// server (none for a web channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

/// A channel as managers see it; `base` is the desk's public address, for a web channel's snippet.
fn view(row: ChannelRow, base: &str) -> ChannelView {
    let kind = ChannelKind::from_id(row.kind);
    let widget_key = row.widget_key.filter(|_| kind == ChannelKind::Web);
    ChannelView {
        channel_id: row.id,
        name: row.name,
        kind: kind.name(),
        chat_server: row.chat_server,
        verifies_identity: row.verifies_identity,
        created_at: row.created_at.and_utc(),
        snippet: widget_key.as_deref().map(|key| snippet(base, key)),
        widget_key,
    }
}

/// CreateChannel: registers a channel server, or a web chat; a channel server's secrets are made
/// here and shown only once. A web channel gets a widget key instead (public: it is in the
/// website's pages); its API key is made and never shown, so the channel API can't be called as it.
pub fn create_channel(
    ctx: &Ctx,
    actor: &Actor,
    new: NewChannel,
    base: &str,
) -> ApiResult<NewChannelView> {
    let (api_key, api_key_hash) = token::generate();
    let (account_token, account_token_hash) = token::generate();
    let (signing_secret, _) = token::generate();
    let web = new.kind == ChannelKind::Web;
    let widget_key = web.then(|| token::generate().0);
    let shown = |secret: &String| (!web).then(|| secret.clone());
    ctx.write(|c| {
        let id = store::insert(
            c,
            &NewChannelRow {
                name: &new.name,
                chat_server: &new.chat_server,
                verifies_identity: new.verifies_identity,
                api_key_hash: &api_key_hash,
                account_token_hash: &account_token_hash,
                signing_secret: &signing_secret,
                created_at: ctx.now(),
                kind: new.kind.id(),
                widget_key: widget_key.as_deref(),
            },
        )?;
        let row = store::find(c, id)?.ok_or_else(|| not_found(id))?;
        tracing::info!(channel_id = id, kind = new.kind.name(), "channel created");
        let after = view(row.clone(), base);
        audit::record(
            ctx,
            c,
            actor,
            "CreateChannel",
            &format!("Channel {id}"),
            None,
            audit::snapshot(&after),
        )?;
        Ok(NewChannelView {
            channel: view(row, base),
            api_key: shown(&api_key),
            chat_account_token: shown(&account_token),
            signing_secret: shown(&signing_secret),
        })
    })
}

/// GetChannelList: the live channels (deleted ones stay only for their chats' history).
pub fn get_channel_list(ctx: &Ctx, base: &str) -> ApiResult<Vec<ChannelView>> {
    ctx.read(|c| {
        Ok(store::list(c)?
            .into_iter()
            .map(|row| view(row, base))
            .collect())
    })
}

/// DeleteChannel: its key stops working at once; its chats stay in the history.
pub fn delete_channel(ctx: &Ctx, actor: &Actor, id: i64) -> ApiResult<()> {
    ctx.write(|c| match store::soft_delete(c, id, ctx.now())? {
        0 => Err(not_found(id)),
        _ => {
            let target = format!("Channel {id}");
            audit::record(ctx, c, actor, "DeleteChannel", &target, None, None)?;
            Ok(())
        }
    })
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(
        ErrorCode::ChannelNotFound,
        format!("Channel {id} does not exist"),
    )
}

/// The channel behind a channel-API call, resolved from its `apiKey`: what the handlers and the
/// intake need to know about it, and nothing they could post to.
#[derive(Clone, Debug)]
pub struct AuthenticatedChannel {
    pub id: i64,
    account_token_hash: String,
    verifies_identity: bool,
    /// Checks a call the channel server chose to sign (`http::signed_calls`).
    signing_secret: String,
}

impl AuthenticatedChannel {
    /// Where this channel's customers are recognised: its own customers only, or, for a channel
    /// that verifies identity, the customers of every channel that does (scope 0).
    pub fn identity_scope(&self) -> i64 {
        if self.verifies_identity {
            0
        } else {
            self.id
        }
    }

    /// A web channel, as its visitors' calls reach the intake: the desk is its chat server, and
    /// it vouches for nobody's identity.
    pub fn web(id: i64) -> Self {
        Self {
            id,
            // No token hashes to this: the channel API's account check never passes for it.
            account_token_hash: String::new(),
            verifies_identity: false,
            // Visitors' calls are the desk's own, never signed channel calls.
            signing_secret: String::new(),
        }
    }

    /// Whether `signature` is the `X-Agentdesk-Signature-V2` of `<timestamp>.<body>` under this
    /// channel's `SigningSecret`.
    pub fn signed(&self, timestamp: i64, body: &[u8], signature: &str) -> bool {
        let expected = signing::timestamped_signature(&self.signing_secret, timestamp, body);
        signing::same_secret(expected.as_bytes(), signature.trim().as_bytes())
    }

    /// `chatAccountToken` must belong to the calling channel.
    pub fn check_account_token(&self, account_token: &str) -> ApiResult<()> {
        let hash = token::hash(account_token);
        if signing::same_secret(hash.as_bytes(), self.account_token_hash.as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::AccountTokenInvalid,
                "chatAccountToken does not belong to this channel",
            ))
        }
    }
}

/// The channel whose `apiKey` this is.
pub fn authenticate(ctx: &Ctx, api_key: &str) -> ApiResult<AuthenticatedChannel> {
    let invalid = || {
        ApiError::new(
            ErrorCode::ApiKeyInvalid,
            "The apiKey header is missing or unknown",
        )
    };
    if api_key.trim().is_empty() {
        return Err(invalid());
    }
    let hash = token::hash(api_key);
    let row = ctx
        .read(|c| store::find_by_api_key_hash(c, &hash))?
        .ok_or_else(invalid)?;
    Ok(AuthenticatedChannel {
        id: row.id,
        account_token_hash: row.account_token_hash,
        verifies_identity: row.verifies_identity,
        signing_secret: row.signing_secret,
    })
}
