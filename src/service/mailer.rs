//! Outgoing mail through lettre: SMTP when `SMTP_URL` is set, otherwise `.eml` files in
//! `MAIL_OUTBOX_DIR`, so the desk works with no mail server. Sending is synchronous: call it on the
//! blocking pool and never inside a database transaction.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Config;

/// A mail to send: one recipient, a text body (and optionally the same as HTML) and attachments.
pub struct OutgoingMail {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    /// An HTML version of `text`: the two go as multipart/alternative, so every client shows one.
    pub html: Option<HtmlBody>,
    pub attachments: Vec<MailAttachment>,
}

/// An HTML body and the images it shows (`<img src="cid:...">`), sent together as
/// multipart/related so no client has to fetch anything.
pub struct HtmlBody {
    pub html: String,
    pub images: Vec<InlineImage>,
}

/// An image an HTML body refers to as `cid:<content_id>`.
pub struct InlineImage {
    pub content_id: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A file attached to a mail.
pub struct MailAttachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Why a mail did not go, and so what may be done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// Not sent (refused for now, or no connection): try again later.
    Retryable(String),
    /// Refused for good (5xx, a bad address): trying again won't help.
    Permanent(String),
    /// Cut off mid-way: it may have gone out. Never repeated automatically.
    Unknown(String),
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Retryable(m) | Self::Permanent(m) | Self::Unknown(m) => f.write_str(m),
        }
    }
}

/// Sends mail by SMTP or into the outbox directory, as configured.
pub struct Mailer {
    from: Mailbox,
    transport: MailTransport,
}

enum MailTransport {
    Smtp(Box<SmtpTransport>),
    Files(PathBuf),
}

impl Mailer {
    /// The transport `SMTP_URL` or `MAIL_OUTBOX_DIR` asks for; a bad `MAIL_FROM` stops start-up.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("MAIL_FROM `{}` is not a mailbox", config.mail_from))?;
        let transport = match &config.smtp_url {
            Some(url) => {
                let smtp = SmtpTransport::from_url(url)
                    .context("SMTP_URL is not a valid smtp:// or smtps:// URL")?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                MailTransport::Smtp(Box::new(smtp))
            }
            None => MailTransport::Files(config.mail_outbox_dir.clone()),
        };
        Ok(Self { from, transport })
    }

    /// A short description for the start-up log (never the SMTP credentials).
    pub fn describe(&self) -> String {
        match &self.transport {
            MailTransport::Smtp(_) => "SMTP (SMTP_URL)".into(),
            MailTransport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    /// Sends one mail; a failure says whether to retry, give up, or leave it (outcome unknown).
    pub fn send(&self, mail: &OutgoingMail) -> Result<(), SendFailure> {
        let message = self
            .build(mail)
            .map_err(|e| SendFailure::Permanent(format!("{e:#}")))?;
        match &self.transport {
            MailTransport::Smtp(smtp) => smtp.send(&message).map(|_| ()).map_err(|e| {
                let text = format!("SMTP send failed: {e}");
                if e.is_timeout() {
                    // The server may have taken the message before the answer timed out.
                    SendFailure::Unknown(text)
                } else if e.is_permanent() {
                    SendFailure::Permanent(text)
                } else {
                    SendFailure::Retryable(text)
                }
            }),
            MailTransport::Files(dir) => write_eml(dir, &message.formatted())
                .map_err(|e| SendFailure::Retryable(format!("writing the .eml file failed: {e}"))),
        }
    }

    fn build(&self, mail: &OutgoingMail) -> anyhow::Result<Message> {
        let to = Mailbox::new(
            Some(mail.to_name.clone()),
            mail.to_address
                .parse()
                .with_context(|| format!("`{}` is not a mail address", mail.to_address))?,
        );
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject);
        let text = SinglePart::plain(mail.text.clone());
        // mixed [ alternative [ text, related [ html, images ] ], attachments ]; each level only
        // where there is something to wrap.
        let message = match (&mail.html, mail.attachments.is_empty()) {
            (None, true) => builder.singlepart(text)?,
            (None, false) => builder.multipart(with_attachments(
                MultiPart::mixed().singlepart(text),
                &mail.attachments,
            ))?,
            (Some(html), true) => builder.multipart(alternative(text, html))?,
            (Some(html), false) => builder.multipart(with_attachments(
                MultiPart::mixed().multipart(alternative(text, html)),
                &mail.attachments,
            ))?,
        };
        Ok(message)
    }
}

fn content_type(value: &str, otherwise: ContentType) -> ContentType {
    ContentType::parse(value).unwrap_or(otherwise)
}

/// The text and the HTML (with its images beside it) as two versions of one body.
fn alternative(text: SinglePart, html: &HtmlBody) -> MultiPart {
    let page = SinglePart::html(html.html.clone());
    let alternative = MultiPart::alternative().singlepart(text);
    if html.images.is_empty() {
        return alternative.singlepart(page);
    }
    let mut related = MultiPart::related().singlepart(page);
    for image in &html.images {
        let kind = content_type(&image.content_type, ContentType::TEXT_PLAIN);
        related = related.singlepart(
            Attachment::new_inline(image.content_id.clone()).body(image.bytes.clone(), kind),
        );
    }
    alternative.multipart(related)
}

fn with_attachments(mut parts: MultiPart, attachments: &[MailAttachment]) -> MultiPart {
    for a in attachments {
        let kind = content_type(&a.content_type, ContentType::TEXT_PLAIN);
        parts = parts.singlepart(Attachment::new(a.file_name.clone()).body(a.bytes.clone(), kind));
    }
    parts
}

/// Writes a mail as `<random>.eml` in `dir`, atomically: the bytes go to a hidden temporary file
/// that is then renamed, so whoever reads the outbox never sees a half-written mail.
fn write_eml(dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let (name, _) = crate::domain::token::generate();
    let temporary = dir.join(format!(".{name}.eml.tmp"));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, dir.join(format!("{name}.eml")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn eml_files_appear_whole_and_leave_no_temporary_behind() {
        let dir = std::env::temp_dir().join(format!("agentdesk-eml-{}", std::process::id()));
        super::write_eml(&dir, b"Subject: hi\r\n\r\nbody").unwrap();
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].ends_with(".eml") && !names[0].starts_with('.'));
        assert_eq!(
            std::fs::read(dir.join(&names[0])).unwrap(),
            b"Subject: hi\r\n\r\nbody"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
