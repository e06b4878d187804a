//! Placements remembered for a moment, so the hot calls (isMeetingRunning, getMeetingInfo,
//! join, getMeetings) do no database work. Only found placements are remembered, never
//! absences: a meeting created on another gateway instance is seen at once. This instance's own
//! changes (end, move, new backend session) forget the placement at once; another instance's
//! changes are seen within the TTL, and until then the backend still answers truthfully for
//! the meeting it holds (ended or gone).
//!
//! Both maps are bounded [`moka`] caches: a flood of new meetingIDs evicts the least useful
//! entries instead of emptying the cache.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use moka::Equivalent;
use moka::sync::Cache;
use service::model::Placement;

/// Token id → the live placement a client meetingID resolves to for that token.
type ByToken = RwLock<HashMap<i64, Arc<Placement>>>;

pub struct PlacementCache {
    /// Client meetingID → [`ByToken`]. Keyed by the meetingID first, which is the resolved
    /// placement's own `client_meeting_id`, so that forgetting a placement is one removal
    /// (whichever tokens resolved it), and a lookup on every hot call borrows the meetingID
    /// instead of building a key.
    resolved: Option<Cache<String, Arc<ByToken>>>,
    /// (group id, backend meetingID) → its placements, newest first.
    by_backend: Option<Cache<BackendKey, Vec<Placement>>>,
}

#[derive(Hash, PartialEq, Eq)]
struct BackendKey {
    group_id: i64,
    bbb_meeting_id: String,
}

/// A [`BackendKey`] borrowed, for lookups without building one; hashes as the owned key does
/// (same fields, same order, `str` hashing as `String`).
#[derive(Hash)]
struct BackendKeyRef<'a> {
    group_id: i64,
    bbb_meeting_id: &'a str,
}

impl Equivalent<BackendKey> for BackendKeyRef<'_> {
    fn equivalent(&self, key: &BackendKey) -> bool {
        self.group_id == key.group_id && self.bbb_meeting_id == key.bbb_meeting_id
    }
}

impl PlacementCache {
    /// Entries live for `ttl` (none are kept when it is zero); each map keeps at most
    /// `capacity` entries.
    pub fn new(ttl: Duration, capacity: u64) -> Self {
        let kept = !ttl.is_zero();
        PlacementCache {
            resolved: kept.then(|| {
                Cache::builder()
                    .max_capacity(capacity)
                    .time_to_live(ttl)
                    .build()
            }),
            by_backend: kept.then(|| {
                Cache::builder()
                    .max_capacity(capacity)
                    .time_to_live(ttl)
                    .build()
            }),
        }
    }

    pub fn resolved(&self, token_id: i64, client_id: &str) -> Option<Arc<Placement>> {
        let by_token = self.resolved.as_ref()?.get(client_id)?;
        read(&by_token).get(&token_id).cloned()
    }

    pub fn remember_resolved(&self, token_id: i64, client_id: &str, placement: &Arc<Placement>) {
        let Some(resolved) = &self.resolved else {
            return;
        };
        let by_token = resolved.get_with_by_ref(client_id, Arc::default);
        write(&by_token).insert(token_id, placement.clone());
    }

    pub fn by_backend(&self, group_id: i64, bbb_meeting_id: &str) -> Option<Vec<Placement>> {
        self.by_backend.as_ref()?.get(&BackendKeyRef {
            group_id,
            bbb_meeting_id,
        })
    }

    pub fn remember_by_backend(
        &self,
        group_id: i64,
        bbb_meeting_id: &str,
        placements: Vec<Placement>,
    ) {
        if let Some(by_backend) = &self.by_backend {
            let key = BackendKey {
                group_id,
                bbb_meeting_id: bbb_meeting_id.to_owned(),
            };
            by_backend.insert(key, placements);
        }
    }

    /// Forgets everything said about a placement, after this instance changed it.
    pub fn forget(&self, placement: &Placement) {
        if let Some(resolved) = &self.resolved {
            resolved.invalidate(placement.client_meeting_id.as_str());
        }
        if let Some(by_backend) = &self.by_backend {
            by_backend.invalidate(&BackendKeyRef {
                group_id: placement.group_id,
                bbb_meeting_id: &placement.bbb_meeting_id,
            });
        }
    }
}

// The maps hold no invariant a panicking holder could break half-way.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(id: i64, bbb: &str) -> Placement {
        Placement {
            id,
            group_id: 1,
            server_id: 1,
            namespace: "ns".into(),
            client_meeting_id: "room".into(),
            bbb_meeting_id: bbb.into(),
            token_id: Some(7),
            meeting_id: None,
            internal_meeting_id: None,
            create_time: None,
            created_at: chrono::Utc::now(),
            ended_at: None,
        }
    }

    #[test]
    fn remembers_until_forgotten_or_expired() {
        let cache = PlacementCache::new(Duration::from_secs(60), 1000);
        let one = placement(1, "b1");
        let shared = Arc::new(one.clone());
        cache.remember_resolved(7, "room", &shared);
        cache.remember_resolved(7, "other room", &Arc::new(placement(2, "b2")));
        cache.remember_by_backend(1, "b1", vec![one.clone()]);
        assert_eq!(cache.resolved(7, "room"), Some(shared.clone()));
        assert_eq!(cache.resolved(8, "room"), None, "per token");
        assert_eq!(cache.resolved(7, "room2"), None, "per meetingID");
        assert_eq!(cache.by_backend(1, "b1"), Some(vec![one.clone()]));
        cache.forget(&one);
        assert_eq!(cache.resolved(7, "room"), None);
        assert_eq!(cache.by_backend(1, "b1"), None);
        assert!(
            cache.resolved(7, "other room").is_some(),
            "only that placement"
        );

        let expired = PlacementCache::new(Duration::from_millis(1), 1000);
        expired.remember_resolved(7, "room", &shared);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(expired.resolved(7, "room"), None);
    }

    #[test]
    fn a_zero_ttl_remembers_nothing() {
        let cache = PlacementCache::new(Duration::ZERO, 1000);
        cache.remember_resolved(7, "room", &Arc::new(placement(1, "b1")));
        assert_eq!(cache.resolved(7, "room"), None);
    }

    #[test]
    fn a_flood_of_new_meeting_ids_neither_grows_the_cache_nor_empties_it() {
        let cache = PlacementCache::new(Duration::from_secs(60), 100);
        let hot = Arc::new(placement(1, "hot"));
        cache.remember_resolved(7, "hot room", &hot);
        cache.remember_by_backend(1, "hot", vec![placement(1, "hot")]);
        // One meeting polled all along while a flood of new meetingIDs passes by.
        for n in 0..1_000 {
            let id = format!("flood-{n}");
            cache.remember_resolved(7, &id, &Arc::new(placement(n + 2, &id)));
            cache.remember_by_backend(1, &id, vec![placement(n + 2, &id)]);
            assert_eq!(
                cache.resolved(7, "hot room"),
                Some(hot.clone()),
                "after {n}"
            );
            assert!(cache.by_backend(1, "hot").is_some(), "after {n}");
        }
        let resolved = cache.resolved.as_ref().unwrap();
        let by_backend = cache.by_backend.as_ref().unwrap();
        resolved.run_pending_tasks();
        by_backend.run_pending_tasks();
        assert!(resolved.entry_count() <= 100, "{}", resolved.entry_count());
        assert!(
            by_backend.entry_count() <= 100,
            "{}",
            by_backend.entry_count()
        );
        assert_eq!(
            cache.resolved(7, "hot room"),
            Some(hot),
            "the used entry stays"
        );
        assert!(cache.by_backend(1, "hot").is_some(), "the used entry stays");
    }
}
