//! The signatures on the desk's calls to channel servers, and comparisons of secrets that take
//! the same time whatever the bytes (no timing oracle of how much of a guess was right).
//!
//! Two signatures travel with each call, both HMAC-SHA256 keyed with the channel's
//! `SigningSecret`:
//! - `X-Agentdesk-Signature`: over the body alone, as since the first release, so receivers
//!   written for it keep working. It proves who sent the body, not when: a recorded call can be
//!   replayed.
//! - `X-Agentdesk-Signature-V2`: over `<X-Agentdesk-Timestamp>.<body>`, so a receiver that also
//!   refuses timestamps more than a few minutes off can refuse replays.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret` (`X-Agentdesk-Signature`).
pub fn body_signature(secret: &str, body: &[u8]) -> String {
    hex_mac(secret, &[body])
}

/// `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`
/// (`X-Agentdesk-Signature-V2`, with `timestamp` in `X-Agentdesk-Timestamp`: Unix seconds).
pub fn timestamped_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    hex_mac(secret, &[timestamp.to_string().as_bytes(), b".", body])
}

fn hex_mac(secret: &str, parts: &[&[u8]]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether two secrets (or their hashes) are the same, in a time that depends only on their
/// lengths.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamped_form_signs_timestamp_dot_body() {
        let body = br#"{"message":"hi"}"#;
        let mut joined = b"1700000000.".to_vec();
        joined.extend_from_slice(body);
        assert_eq!(
            timestamped_signature("s3cret", 1_700_000_000, body),
            body_signature("s3cret", &joined)
        );
        assert_ne!(
            timestamped_signature("s3cret", 1_700_000_001, body),
            timestamped_signature("s3cret", 1_700_000_000, body)
        );
        // The value Python's hmac gives (docs/channel.md's receiver computes it the same way).
        assert_eq!(
            timestamped_signature("s3cret", 1_700_000_000, body),
            "sha256=a5d9aa2f81c9c4cea581e6454020d3bf169fa853b3bc0251b870b9616edad155"
        );
    }

    #[test]
    fn secrets_compare_by_every_byte() {
        assert!(same_secret(b"abcd", b"abcd"));
        assert!(!same_secret(b"abcd", b"abce"));
        assert!(!same_secret(b"abc", b"abcd"));
    }
}
