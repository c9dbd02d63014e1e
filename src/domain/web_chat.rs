//! The web chat's plain rules: what kind a channel is, what its widget key looks like, and the
//! snippet a website pastes.

/// A channel server calling the channel API, or the desk's own web chat (the binary is then that
/// channel's chat server, and its visitors read replies from their stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    Api = 1,
    Web = 2,
}

impl ChannelKind {
    pub fn id(self) -> i16 {
        self as i16
    }

    /// Reads a stored number; an unknown one is a channel server (the older, stricter kind).
    pub fn from_id(id: i16) -> Self {
        match id {
            2 => Self::Web,
            _ => Self::Api,
        }
    }

    /// The name on the wire (`Kind`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Web => "web",
        }
    }

    /// `Kind` as a manager writes it (any case; empty means api).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "api" => Ok(Self::Api),
            "web" => Ok(Self::Web),
            _ => Err("must be api or web".into()),
        }
    }
}

/// A widget key as the widget sends it: 32 lowercase hex characters (see `token::generate`).
pub fn widget_key(raw: &str) -> Result<String, String> {
    let key = raw.trim();
    if key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(key.to_owned())
    } else {
        Err("must be the 32-character widget key of a web channel".into())
    }
}

/// A visitor token as sent: the same shape as a widget key.
pub fn visitor_token(raw: &str) -> Result<String, String> {
    widget_key(raw).map_err(|_| "must be the 32-character visitor token the start call gave".into())
}

/// The tag a website adds to its pages; `base` is the desk's public address (no trailing slash).
pub fn snippet(base: &str, key: &str) -> String {
    format!(r#"<script src="{base}/widget.js" data-widget-key="{key}" async></script>"#)
}

/// The session a visitor's chats carry (`chats.external_session_id`), from a fresh random value:
/// never a value the visitor chose, so one visitor can't write into another's chat by naming it.
pub fn session_key(random: &str) -> String {
    format!("web-{random}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_keys() {
        assert_eq!(ChannelKind::parse(" WEB ").unwrap(), ChannelKind::Web);
        assert_eq!(ChannelKind::parse("").unwrap(), ChannelKind::Api);
        assert!(ChannelKind::parse("sms").is_err());
        assert_eq!(
            ChannelKind::from_id(ChannelKind::Web.id()),
            ChannelKind::Web
        );
        let (key, _) = super::super::token::generate();
        assert_eq!(widget_key(&key).unwrap(), key);
        assert!(widget_key("ABCDEF").is_err());
        assert!(widget_key(&key.to_uppercase()).is_err());
        assert_eq!(
            snippet("https://desk.example", "k"),
            r#"<script src="https://desk.example/widget.js" data-widget-key="k" async></script>"#
        );
    }
}
