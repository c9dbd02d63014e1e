//! Channels: the channel servers a manager registers, and how their calls are authenticated.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
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
    /// Base URL of the channel server; replies go to `<ChatServer>/messageForCustomer`.
    pub chat_server: String,
    /// The channel vouches for its customers' numbers and addresses (a messaging gateway whose
    /// numbers are verified): its customers are recognised across all such channels.
    pub verifies_identity: bool,
    pub created_at: DateTime<Utc>,
}

/// What CreateChannel registers, already parsed.
pub struct NewChannel {
    pub name: String,
    /// Its base URL, whose address `outbound::check_chat_server` accepted.
    pub chat_server: String,
    pub verifies_identity: bool,
}

/// A new channel with its secrets, shown this once.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct NewChannelView {
    #[serde(flatten)]
    pub channel: ChannelView,
    /// Sent by the channel server as the `apiKey` header.
    pub api_key: String,
    /// Sent by the channel server as `chatAccountToken`.
    pub chat_account_token: String,
    /// Key of the HMAC-SHA256 signature (`X-Agentdesk-Signature`) on our calls to the channel server.
    pub signing_secret: String,
}

fn view(row: ChannelRow) -> ChannelView {
    ChannelView {
        channel_id: row.id,
        name: row.name,
        chat_server: row.chat_server,
        verifies_identity: row.verifies_identity,
        created_at: row.created_at.and_utc(),
    }
}

/// CreateChannel: registers a channel server; its secrets are made here and shown only once.
pub fn create_channel(ctx: &Ctx, new: NewChannel) -> ApiResult<NewChannelView> {
    let (api_key, api_key_hash) = token::generate();
    let (account_token, account_token_hash) = token::generate();
    let (signing_secret, _) = token::generate();
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
            },
        )?;
        let row = store::find(c, id)?.ok_or_else(|| not_found(id))?;
        tracing::info!(channel_id = id, "channel created");
        Ok(NewChannelView {
            channel: view(row),
            api_key: api_key.clone(),
            chat_account_token: account_token.clone(),
            signing_secret: signing_secret.clone(),
        })
    })
}

/// GetChannelList: the live channels (deleted ones stay only for their chats' history).
pub fn get_channel_list(ctx: &Ctx) -> ApiResult<Vec<ChannelView>> {
    ctx.read(|c| Ok(store::list(c)?.into_iter().map(view).collect()))
}

/// DeleteChannel: its key stops working at once; its chats stay in the history.
pub fn delete_channel(ctx: &Ctx, id: i64) -> ApiResult<()> {
    ctx.write(|c| match store::soft_delete(c, id, ctx.now())? {
        0 => Err(not_found(id)),
        _ => Ok(()),
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
