//! Short-lived copies of what many requests read and few change, kept per process. Every copy
//! expires after at most a second, so a change made through any instance is seen by every
//! instance within a second without messages between them; reading it again costs one query a
//! second, not one per request.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::error::ApiResult;

/// One value and when it was read.
pub struct Fresh<T> {
    ttl: Duration,
    slot: RwLock<Option<(Instant, Arc<T>)>>,
}

impl<T> Fresh<T> {
    /// A slot whose value is read again once it is older than `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: RwLock::new(None),
        }
    }

    /// The value, if it was read within its time to live.
    pub fn get(&self) -> Option<Arc<T>> {
        let slot = self.slot.read().unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, v)| v.clone())
    }

    /// The value, reading it with `load` when it is missing or stale. Two callers that find it
    /// stale at once may both load; the later one's value stays.
    pub fn get_or_load(&self, load: impl FnOnce() -> ApiResult<T>) -> ApiResult<Arc<T>> {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        let value = Arc::new(load()?);
        *self.slot.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), value.clone()));
        Ok(value)
    }

    /// Forgets the value, so this process reads a change it made itself at once.
    pub fn invalidate(&self) {
        *self.slot.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Values by key, each read again once older than [`CACHE_TTL`]: facts of one agent that many
/// requests read (their departments). [`Self::clear`] forgets them all when this process changes
/// one; a value read before a change is not kept after it.
pub struct TtlMap<K, V> {
    entries: RwLock<HashMap<K, (Instant, Arc<V>)>>,
    /// Counts the clears, so a value read before one is not stored after it.
    generation: AtomicU64,
}

/// The most entries a [`TtlMap`] keeps; past it, stale entries are dropped first.
const MAX_MAP_ENTRIES: usize = 50_000;

impl<K: Eq + Hash + Copy, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }
}

impl<K: Eq + Hash + Copy, V> TtlMap<K, V> {
    /// The value under `key`, reading it with `load` when it is missing or stale.
    pub fn get_or_load(&self, key: K, load: impl FnOnce() -> ApiResult<V>) -> ApiResult<Arc<V>> {
        {
            let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
            if let Some((_, v)) = entries.get(&key).filter(|(at, _)| at.elapsed() < CACHE_TTL) {
                return Ok(v.clone());
            }
        }
        let generation = self.generation.load(Ordering::Acquire);
        let value = Arc::new(load()?);
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            if entries.len() >= MAX_MAP_ENTRIES {
                entries.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
            }
            entries.insert(key, (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    /// Something cached changed through this process: forget every value.
    pub fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

/// How long a cached copy may be used.
pub const CACHE_TTL: Duration = Duration::from_secs(1);

/// How long a list may report the event stream position another list read. An older position
/// is never wrong, only less tight: a stream started from it repeats up to that long of events
/// (every event of those milliseconds, which clients apply again harmlessly) and misses none.
/// On PostgreSQL reading the position costs a look at `pg_stat_activity`, planned afresh each
/// time: a quarter of the database's work for a list of chats (docs/performance.md, "Fifth
/// pass").
pub const LIVE_END_TTL: Duration = Duration::from_millis(250);

/// The answers of the configuration reads (GetSettings, GetDepartmentList ...), serialised once:
/// answering one from here costs no query, no serialisation and no thread hop. Any configuration
/// change made through this process empties it; other processes see a change within a second.
#[derive(Default)]
pub struct AnswerCache {
    entries: RwLock<HashMap<&'static str, (Instant, bytes::Bytes)>>,
    /// Counts the changes, so an answer read before a change is not stored after it.
    generation: AtomicU64,
}

impl AnswerCache {
    /// The JSON answer under `key`, if it is less than a second old.
    pub fn get(&self, key: &str) -> Option<bytes::Bytes> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, body)| body.clone())
    }

    /// The generation to pass to [`Self::put`], taken before reading what is stored.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Stores an answer read in `generation`, unless the configuration changed meanwhile.
    pub fn put(&self, key: &'static str, body: bytes::Bytes, generation: u64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.generation() == generation {
            entries.insert(key, (Instant::now(), body));
        }
    }

    /// The configuration changed: forget every answer.
    pub fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_read_once_until_it_goes_stale_or_is_invalidated() {
        let fresh = Fresh::new(Duration::from_millis(50));
        let mut loads = 0;
        for _ in 0..3 {
            fresh
                .get_or_load(|| {
                    loads += 1;
                    Ok(7)
                })
                .unwrap();
        }
        assert_eq!(loads, 1);
        fresh.invalidate();
        assert!(fresh.get().is_none());
        fresh.get_or_load(|| Ok(8)).unwrap();
        std::thread::sleep(Duration::from_millis(60));
        assert!(fresh.get().is_none(), "stale after its time to live");
    }

    #[test]
    fn a_map_reads_each_key_once_and_forgets_all_on_clear() {
        let map: TtlMap<i64, i64> = TtlMap::default();
        let mut loads = 0;
        for key in [1, 2, 1, 2] {
            let v = map
                .get_or_load(key, || {
                    loads += 1;
                    Ok(key * 10)
                })
                .unwrap();
            assert_eq!(*v, key * 10);
        }
        assert_eq!(loads, 2);
        map.clear();
        assert_eq!(
            *map.get_or_load(1, || Ok(11)).unwrap(),
            11,
            "read again after a clear"
        );
    }

    #[test]
    fn a_value_read_across_a_clear_is_not_kept() {
        let map: TtlMap<i64, i64> = TtlMap::default();
        let v = map
            .get_or_load(1, || {
                map.clear();
                Ok(1)
            })
            .unwrap();
        assert_eq!(*v, 1, "the caller still gets what it read");
        assert_eq!(
            *map.get_or_load(1, || Ok(2)).unwrap(),
            2,
            "but it was not stored"
        );
    }
}
