//! The channel API's notifyUserRating (issue 23, CSAT): the customer's answer to a
//! `RatingRequest`, once per chat.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::channel_api::{Channel, ChatSessionFields};
use super::input::Input;
use super::params::{Fields, Int};
use super::respond::{json, run};
use super::schemas;
use crate::domain::channel_fields as pattern;
use crate::domain::optional_text;
use crate::domain::rating::{Rating, COMMENT_MAX};
use crate::error::ApiResult;
use crate::service::ratings::{self, RatingView};
use crate::service::Ctx;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RatingRequest {
    #[serde(flatten)]
    pub session: ChatSessionFields,
    #[schema(schema_with = schemas::channel::chat_account_token)]
    pub chat_account_token: String,
    /// 1 (poor) to 5 (excellent).
    #[schema(schema_with = schemas::int_range::<1, 5>)]
    pub rating: Int,
    /// What the customer wrote with the rating; empty for none.
    #[schema(schema_with = schemas::optional_text::<COMMENT_MAX>)]
    pub comment: Option<String>,
}

/// The customer rates the session's most recent closed chat, 1 to 5 with an optional comment.
#[utoipa::path(post, path = "/api/v2/chat/notifyUserRating", tag = "Channel API", request_body = RatingRequest,
    responses((status = 200, body = RatingView), (status = 401, description = "ApiKeyInvalid or AccountTokenInvalid"),
              (status = 404, description = "ChatNotFound: the session has no closed chat"),
              (status = 409, description = "RatingAlreadyGiven: the chat was rated before")))]
pub async fn notify_user_rating(
    ctx: web::Data<Ctx>,
    Channel(channel): Channel,
    Input(req): Input<RatingRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let session = req.session.check(&mut f);
    let token = f
        .check(
            "chatAccountToken",
            pattern::chat_account_token(&req.chat_account_token),
        )
        .map(|t| channel.check_account_token(&t));
    let rating = f.check("rating", Rating::parse(req.rating.0));
    let comment = f.check(
        "comment",
        optional_text(req.comment.as_deref().unwrap_or(""), COMMENT_MAX),
    );
    let (session, rating, comment) = f.build(|| Some((session?, rating?, comment?)))?;
    token.unwrap_or(Ok(()))?;
    let view = run(&ctx, move |ctx| {
        ratings::notify_user_rating(ctx, &channel, &session, rating, comment)
    })
    .await?;
    Ok(json(view))
}
