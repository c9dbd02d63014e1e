//! The web chat's limits, held by each process: requests per visitor token and per address in a
//! fixed window, and open streams per visitor and in all. The visitor API is public, so each of
//! its calls first passes here; a flood from one visitor or one address gets 429 with
//! `Retry-After` before it costs a query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{ApiError, ApiResult, ErrorCode};

/// What one kind of call may do per key in one window.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub calls: u32,
    pub per: Duration,
}

/// Calls per visitor token (sending, typing, reading, downloading).
pub const PER_VISITOR: Rate = Rate {
    calls: 120,
    per: Duration::from_secs(60),
};
/// Calls per address, all visitors behind it together.
pub const PER_ADDRESS: Rate = Rate {
    calls: 600,
    per: Duration::from_secs(60),
};
/// New visitors per address (Start without a good token).
pub const STARTS_PER_ADDRESS: Rate = Rate {
    calls: 20,
    per: Duration::from_secs(60),
};
/// Messages per visitor.
pub const MESSAGES_PER_VISITOR: Rate = Rate {
    calls: 30,
    per: Duration::from_secs(60),
};
/// Mails a visitor may ask for (transcripts).
pub const MAILS_PER_VISITOR: Rate = Rate {
    calls: 2,
    per: Duration::from_secs(600),
};
/// Streams one visitor may hold open (tabs of one browser).
pub const STREAMS_PER_VISITOR: usize = 4;

/// The most keys counted at once; past it, expired windows are dropped, then the oldest.
const MAX_KEYS: usize = 200_000;

/// The counters of one process.
pub struct WebChatLimits {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    streams: Arc<Mutex<HashMap<i64, usize>>>,
    max_streams: usize,
}

impl WebChatLimits {
    /// Limits with room for `max_streams` visitor streams in all.
    pub fn new(max_streams: usize) -> Self {
        Self {
            windows: Mutex::default(),
            streams: Arc::default(),
            max_streams,
        }
    }

    /// Counts a call of `key` (e.g. `visitor:<id>`); 429 `TooManyRequests` past the rate.
    pub fn check(&self, key: &str, rate: Rate) -> ApiResult<()> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_KEYS && !windows.contains_key(key) {
            windows
                .retain(|_, (start, _)| now.duration_since(*start) < rate.per.max(PER_ADDRESS.per));
            if windows.len() >= MAX_KEYS {
                windows.clear();
            }
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= rate.per {
            *entry = (now, 0);
        }
        if entry.1 >= rate.calls {
            let wait = rate.per.saturating_sub(now.duration_since(entry.0));
            return Err(ApiError::new(
                ErrorCode::TooManyRequests,
                "Too many requests from this chat; wait a moment",
            )
            .with_retry_after(wait.as_secs().max(1)));
        }
        entry.1 += 1;
        Ok(())
    }

    /// A place for one more stream of the visitor, held until the slot is dropped.
    pub fn open_stream(&self, visitor_id: i64) -> ApiResult<StreamSlot> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = streams.values().sum();
        let mine = streams.get(&visitor_id).copied().unwrap_or(0);
        if total >= self.max_streams || mine >= STREAMS_PER_VISITOR {
            return Err(ApiError::new(
                ErrorCode::TooManyStreams,
                "This chat has as many streams open as it may; close one first",
            )
            .with_retry_after(5));
        }
        streams.insert(visitor_id, mine + 1);
        Ok(StreamSlot {
            streams: self.streams.clone(),
            visitor_id,
        })
    }
}

/// One open visitor stream; dropping it frees its place.
pub struct StreamSlot {
    streams: Arc<Mutex<HashMap<i64, usize>>>,
    visitor_id: i64,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = streams.get_mut(&self.visitor_id) {
            *n -= 1;
            if *n == 0 {
                streams.remove(&self.visitor_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_past_its_rate_waits_and_others_do_not() {
        let limits = WebChatLimits::new(10);
        let rate = Rate {
            calls: 2,
            per: Duration::from_secs(60),
        };
        assert!(limits.check("a", rate).is_ok());
        assert!(limits.check("a", rate).is_ok());
        let refused = limits.check("a", rate).unwrap_err();
        assert_eq!(refused.code, ErrorCode::TooManyRequests);
        assert!(refused.retry_after_secs.unwrap() >= 1);
        assert!(limits.check("b", rate).is_ok());
    }

    #[test]
    fn streams_are_counted_per_visitor_and_freed() {
        let limits = WebChatLimits::new(100);
        let slots: Vec<_> = (0..STREAMS_PER_VISITOR)
            .map(|_| limits.open_stream(1).unwrap())
            .collect();
        assert!(limits.open_stream(1).is_err());
        assert!(limits.open_stream(2).is_ok());
        drop(slots);
        assert!(limits.open_stream(1).is_ok());
    }
}
