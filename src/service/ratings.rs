//! A rating at the end (issue 23, CSAT). When a chat closes and `AskForRating` is on, the customer
//! is sent a `RatingRequest` line (delivered to the channel server like any line for the
//! customer); the customer rates the chat once, 1 to 5 with an optional comment. Requests and
//! ratings are written as reporting facts, so DataInsight, the reports and their rollups count
//! them like any other figure.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::channels::AuthenticatedChannel;
use super::transcript::{fact, record, tell_customer};
use super::{settings, Ctx};
use crate::db::DbConnection;
use crate::domain::chat::{ChatState, EventKind, SpecialType};
use crate::domain::rating::Rating;
use crate::domain::settings::{SettingKey, SettingValue};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::{chats, ratings};

/// What the customer is asked when the chat closes.
pub const RATING_REQUEST_TEXT: &str =
    "How did we do? Please rate this chat from 1 (poor) to 5 (excellent).";

/// A rating as stored.
#[derive(Serialize, ToSchema, Debug)]
#[serde(rename_all = "PascalCase")]
pub struct RatingView {
    pub success: bool,
    #[serde(rename = "ChatID")]
    pub chat_id: i64,
    pub rating: i16,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// Called by every close path, after the close's own lines: asks the customer for a rating when
/// the desk's `AskForRating` is on (the default), and records the request as a fact of the chat's
/// agent and department. Runs in the closing transaction.
pub(crate) fn ask_for_rating(
    ctx: &Ctx,
    c: &mut DbConnection,
    chat_id: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let ask = settings::cached_on(ctx, c)?
        .iter()
        .find(|(key, _)| *key == SettingKey::AskForRating)
        .map(|(_, value)| value.clone())
        .unwrap_or_else(|| SettingKey::AskForRating.default_value());
    if ask != SettingValue::Flag(true) {
        return Ok(());
    }
    let chat = chats::find(c, chat_id)?.ok_or_else(|| super::chats::not_found(chat_id))?;
    tell_customer(
        c,
        chat_id,
        SpecialType::RatingRequest,
        RATING_REQUEST_TEXT,
        now,
    )?;
    ratings::mark_requested(c, chat_id, now)?;
    fact(
        c,
        chat_id,
        EventKind::RatingRequested,
        now,
        chat.agent_id,
        chat.department_id,
        None,
    )?;
    Ok(())
}

/// A customer rates a closed chat, once: 409 `RatingAlreadyGiven` for any later answer (of two at
/// once, exactly one counts). The one function every door uses: the channel API's
/// notifyUserRating, and the web chat's visitor API.
pub fn rate_chat(
    ctx: &Ctx,
    chat_id: i64,
    rating: Rating,
    comment: Option<String>,
) -> ApiResult<RatingView> {
    ctx.write(|c| rate_in(ctx, c, chat_id, rating, comment.as_deref()))
}

fn rate_in(
    ctx: &Ctx,
    c: &mut DbConnection,
    chat_id: i64,
    rating: Rating,
    comment: Option<&str>,
) -> ApiResult<RatingView> {
    let chat = chats::find(c, chat_id)?.ok_or_else(|| super::chats::not_found(chat_id))?;
    if chat.state() != ChatState::Closed {
        return Err(ApiError::conflict(
            ErrorCode::Conflict,
            "Only a closed chat can be rated",
        ));
    }
    let now = ctx.now();
    if !ratings::set_rating(c, chat_id, rating.value(), comment, now)? {
        return Err(ApiError::conflict(
            ErrorCode::RatingAlreadyGiven,
            "This chat has already been rated",
        ));
    }
    let (agent, department) = (chat.agent_id, chat.department_id);
    let value = i64::from(rating.value());
    fact(
        c,
        chat_id,
        EventKind::Rated,
        now,
        agent,
        department,
        Some(value),
    )?;
    if rating.is_satisfied() {
        fact(
            c,
            chat_id,
            EventKind::RatedSatisfied,
            now,
            agent,
            department,
            None,
        )?;
    }
    let line = match comment {
        Some(text) => format!("The customer rated this chat {value} of 5: {text}"),
        None => format!("The customer rated this chat {value} of 5"),
    };
    record(c, chat_id, SpecialType::Rated, &line, now)?;
    Ok(RatingView {
        success: true,
        chat_id,
        rating: rating.value(),
        comment: comment.map(str::to_owned),
        rated_at: now.and_utc(),
    })
}

/// notifyUserRating: the customer of `session` rates the session's most recent closed chat.
pub fn notify_user_rating(
    ctx: &Ctx,
    channel: &AuthenticatedChannel,
    session: &str,
    rating: Rating,
    comment: Option<String>,
) -> ApiResult<RatingView> {
    ctx.write(|c| {
        let chat_id =
            ratings::latest_closed_of_session(c, channel.id, session)?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::ChatNotFound,
                    "This session has no closed chat to rate",
                )
            })?;
        rate_in(ctx, c, chat_id, rating, comment.as_deref())
    })
}
