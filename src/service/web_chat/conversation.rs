//! What a visitor does in its chat: writes (text or a file), leaves a message for later, types,
//! reads, ends the chat, downloads a file of its own chats. Every call is scoped to the visitor's
//! own chats; the writing ends in the channel API's intake.

use chrono::NaiveDateTime;

use super::Visitor;
use crate::domain::attachment::Upload;
use crate::domain::rating::Rating;
use crate::domain::EmailAddress;
use crate::error::{ApiResult, ErrorCode};
use crate::service::attachments::{self, AttachmentFile};
use crate::service::intake::{self, CustomerMessage, InboundView};
use crate::service::ratings::{self, RatingView};
use crate::service::Ctx;
use crate::store::{deliveries, web_visitors};

/// A visitor's message, parsed at the edge.
pub struct VisitorWrites {
    pub text: String,
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub attachment: Option<Upload>,
}

/// A visitor writes: the first message opens the chat (welcome menu, queue, routing, events) as
/// notifyUserNewChatMessage does; an address given becomes where replies go while it is away.
pub fn send_message(ctx: &Ctx, visitor: &Visitor, m: VisitorWrites) -> ApiResult<InboundView> {
    let away = m.email.as_ref().map(|e| e.as_str().to_owned());
    let view = intake::notify_user_new_chat_message(
        ctx,
        &visitor.channel(),
        CustomerMessage {
            session_id: visitor.session_key.clone(),
            text: m.text,
            customer_name: m.name,
            email: m.email,
            phone: None,
            url: None,
            attachment: m.attachment,
        },
    )?;
    if let Some(email) = away {
        ctx.write(|c| Ok(web_visitors::set_away_email(c, visitor.id, &email)?))?;
    }
    Ok(view)
}

/// LeaveMessage: with nobody online (or out of hours) the visitor leaves its name, address and
/// text; it becomes a chat in the queue like any other, and replies go to the address by mail.
pub fn leave_message(
    ctx: &Ctx,
    visitor: &Visitor,
    name: String,
    email: EmailAddress,
    text: String,
) -> ApiResult<InboundView> {
    send_message(
        ctx,
        visitor,
        VisitorWrites {
            text,
            name: Some(name),
            email: Some(email),
            attachment: None,
        },
    )
}

/// The visitor started or stopped typing; nothing to tell while it has no open chat (None).
pub fn typing(ctx: &Ctx, visitor: &Visitor, typing: bool) -> ApiResult<Option<i64>> {
    match intake::notify_user_new_chat_event(ctx, &visitor.channel(), &visitor.session_key, typing)
    {
        Ok(chat_id) => Ok(Some(chat_id)),
        Err(e) if e.code == ErrorCode::ChatNotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The visitor rates its latest closed chat (once; 409 `RatingAlreadyGiven` after), through the
/// same function as the channel API's notifyUserRating.
pub fn rate(
    ctx: &Ctx,
    visitor: &Visitor,
    rating: Rating,
    comment: Option<String>,
) -> ApiResult<RatingView> {
    ratings::notify_user_rating(
        ctx,
        &visitor.channel(),
        &visitor.session_key,
        rating,
        comment,
    )
}

/// The visitor ends its open chat (closed by the customer, as notifyUserEndChat).
pub fn end_chat(ctx: &Ctx, visitor: &Visitor) -> ApiResult<i64> {
    intake::notify_user_end_chat(ctx, &visitor.channel(), &visitor.session_key)
}

/// The visitor has read the messages meant for it up to `up_to`; how many were new.
pub fn mark_read(ctx: &Ctx, visitor: &Visitor, up_to: i64) -> ApiResult<usize> {
    let now = ctx.now();
    ctx.write(|c| {
        Ok(web_visitors::mark_read_by_customer(
            c,
            visitor.channel_id,
            &visitor.session_key,
            up_to,
            now,
        )?)
    })
}

/// A file of one of the visitor's chats (reported missing otherwise, so ids reveal nothing).
pub fn attachment(ctx: &Ctx, visitor: &Visitor, attachment_id: i64) -> ApiResult<AttachmentFile> {
    attachments::get_web_attachment(ctx, visitor.channel_id, &visitor.session_key, attachment_id)
}

/// The visitor's stream sent these messages: their deliveries are delivered (agents see it), and
/// an away mail will not repeat them.
pub fn delivered(ctx: &Ctx, visitor: &Visitor, message_ids: &[i64]) -> ApiResult<()> {
    let Some(newest) = message_ids.iter().max().copied() else {
        return Ok(());
    };
    let now: NaiveDateTime = ctx.now();
    ctx.write(|c| {
        for id in deliveries::mark_delivered_by_message(c, message_ids, now)? {
            crate::service::messages::announce_delivery(c, id, now)?;
        }
        web_visitors::seen_up_to(c, visitor.id, newest)?;
        web_visitors::touch(c, visitor.id, now)?;
        Ok(())
    })
}

/// The visitor is on the page (its stream is open): no away mail while it stays.
pub fn seen(ctx: &Ctx, visitor: &Visitor) -> ApiResult<()> {
    let now = ctx.now();
    ctx.write(|c| Ok(web_visitors::touch(c, visitor.id, now).map(|_| ())?))
}
