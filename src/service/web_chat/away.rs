//! Mail for visitors who are not on the page: agents' replies to a visitor who left an address
//! (at most one mail per chat every [`MAIL_EVERY_MINUTES`], with the replies since the last one),
//! and the transcript a visitor asks for. Mail goes out outside any transaction.

use chrono::Duration;

use super::{Visitor, MESSAGES_PAGE};
use crate::domain::web_chat::ChannelKind;
use crate::domain::EmailAddress;
use crate::error::{ApiError, ApiResult};
use crate::service::mailer::OutgoingMail;
use crate::service::{settings, Ctx};
use crate::store::{channels, deliveries, web_visitors};

/// The least time between two away mails of one visitor's chat.
pub const MAIL_EVERY_MINUTES: i64 = 5;
/// A visitor whose stream has not been open for this long is away.
pub const AWAY_AFTER_SECONDS: i64 = 60;
/// A web channel's message not read on the page within this many days is given up as failed.
pub const GIVE_UP_DAYS: i64 = 7;

fn company(ctx: &Ctx) -> ApiResult<String> {
    ctx.read(|c| settings::text(c, crate::domain::settings::SettingKey::CompanyName))
}

/// One pass: mails each away visitor the replies it has not seen, and gives up the web channels'
/// deliveries nobody came back for. Returns how many mails went.
pub fn mail_away_visitors(ctx: &Ctx) -> ApiResult<usize> {
    let now = ctx.now();
    let seen_before = now - Duration::seconds(AWAY_AFTER_SECONDS);
    let mailed_before = now - Duration::minutes(MAIL_EVERY_MINUTES);
    let candidates = ctx.read(|c| web_visitors::away(c, seen_before, mailed_before, 100))?;
    let mut sent = 0;
    for v in candidates {
        let replies = ctx.read(|c| {
            web_visitors::replies_after(c, v.channel_id, &v.session_key, v.mailed_message_id)
        })?;
        let (Some(newest), Some(to)) = (replies.last().map(|m| m.id), v.away_email.clone()) else {
            continue;
        };
        if !ctx.write(|c| Ok(web_visitors::claim_mail(c, &v, newest, now)?))? {
            continue;
        }
        let company = company(ctx)?;
        let mut text = format!("{company} answered your message:\n\n");
        for m in &replies {
            text.push_str(&format!("{}: {}\n\n", m.author, m.text));
        }
        text.push_str("Open the chat on our website to answer.\n");
        let mail = OutgoingMail {
            to_name: String::new(),
            to_address: to,
            subject: format!("{company} answered your message"),
            text,
            html: None,
            attachments: Vec::new(),
        };
        match ctx.mailer.send(&mail) {
            Ok(()) => sent += 1,
            // Claimed already: a failed mail is not repeated (the next replies get the next one).
            Err(e) => tracing::warn!(visitor_id = v.id, error = %e, "away mail failed"),
        }
    }
    let give_up = now - Duration::days(GIVE_UP_DAYS);
    ctx.write(|c| {
        let web = channels::ids_of_kind(c, ChannelKind::Web.id())?;
        Ok(deliveries::expire_pending_of(c, &web, give_up)?)
    })?;
    Ok(sent)
}

/// Transcript: mails the visitor's conversation (its latest chats, up to 200 messages) to the
/// address it gives.
pub fn email_transcript(ctx: &Ctx, visitor: &Visitor, to: &EmailAddress) -> ApiResult<()> {
    let messages = super::messages_after(ctx, visitor, 0)?;
    if messages.is_empty() {
        return Err(ApiError::new(
            crate::error::ErrorCode::NoActiveChat,
            "There is no conversation to send yet",
        ));
    }
    let company = company(ctx)?;
    let mut text = format!("Your chat with {company}\n\n");
    for m in messages.iter().take(MESSAGES_PAGE as usize) {
        let who = match m.from {
            "visitor" => "You".to_owned(),
            "agent" => m.author.clone().unwrap_or_else(|| company.clone()),
            _ => company.clone(),
        };
        let file = m
            .attachment
            .as_ref()
            .map(|a| format!(" [{}]", a.name))
            .unwrap_or_default();
        text.push_str(&format!(
            "{} {who}: {}{file}\n",
            m.sent_at.format("%Y-%m-%d %H:%M"),
            m.text
        ));
    }
    let mail = OutgoingMail {
        to_name: String::new(),
        to_address: to.as_str().to_owned(),
        subject: format!("Your chat with {company}"),
        text,
        html: None,
        attachments: Vec::new(),
    };
    ctx.mailer
        .send(&mail)
        .map_err(|e| ApiError::internal(format!("transcript mail failed: {e}")))
}
