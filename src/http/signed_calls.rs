//! The optional signed form of a channel-API call: a channel server that sends
//! `X-Agentdesk-Timestamp` (Unix seconds) and `X-Agentdesk-Signature-V2` (`sha256=` and the hex
//! HMAC-SHA256 of `<timestamp>.<body>` under the channel's `SigningSecret`, the form the desk signs
//! its own deliveries with) has the call refused unless both check out and the timestamp is within
//! [`TOLERANCE_SECONDS`] of the desk's clock. A leaked `apiKey` alone then can't forge such a
//! call, nor can a recorded one be replayed. Unsigned calls are taken as before.
//!
//! The middleware checks the headers and the time; [`Input`](super::input::Input), which reads
//! the body, checks the signature against the bytes as they arrived.

use actix_web::http::header::HeaderMap;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::service::channels::AuthenticatedChannel;

/// How far a signed call's timestamp may be from the desk's clock, either way.
pub const TOLERANCE_SECONDS: i64 = 300;

/// A call that came signed, waiting for its body to be checked.
#[derive(Clone, Debug)]
pub struct SignedCall {
    timestamp: i64,
    signature: String,
    channel: AuthenticatedChannel,
}

fn refused(why: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ApiKeyInvalid,
        format!("The signed call was refused: {why}"),
    )
}

impl SignedCall {
    /// The signed form from the headers, if the call uses it. Half of it, a timestamp that is not
    /// a number, or one too far from `now` (Unix seconds) is refused.
    pub fn from_headers(
        headers: &HeaderMap,
        channel: &AuthenticatedChannel,
        now: i64,
    ) -> ApiResult<Option<Self>> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let (timestamp, signature) = match (
            header("X-Agentdesk-Timestamp"),
            header("X-Agentdesk-Signature-V2"),
        ) {
            (None, None) => return Ok(None),
            (Some(t), Some(s)) => (t, s),
            _ => {
                return Err(refused(
                    "send both X-Agentdesk-Timestamp and X-Agentdesk-Signature-V2",
                ))
            }
        };
        let timestamp: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| refused("X-Agentdesk-Timestamp is not Unix seconds"))?;
        if (now - timestamp).abs() > TOLERANCE_SECONDS {
            return Err(refused(&format!(
                "X-Agentdesk-Timestamp is more than {TOLERANCE_SECONDS} s from the desk's clock"
            )));
        }
        Ok(Some(Self {
            timestamp,
            signature: signature.to_owned(),
            channel: channel.clone(),
        }))
    }

    /// Checks the signature against the body's bytes as they arrived.
    pub fn check(&self, body: &[u8]) -> ApiResult<()> {
        if self.channel.signed(self.timestamp, body, &self.signature) {
            Ok(())
        } else {
            Err(refused(
                "X-Agentdesk-Signature-V2 is not the signature of this timestamp and body",
            ))
        }
    }
}
