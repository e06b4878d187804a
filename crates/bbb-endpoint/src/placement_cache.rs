//! Placements remembered for a moment, so the hot calls (isMeetingRunning, getMeetingInfo,
//! join, getMeetings) do no database work. Only found placements are remembered, never
//! absences: a meeting created on another gateway instance is seen at once. This instance's own
//! changes (end, move, new backend session) forget the placement at once; another instance's
//! changes are seen within the TTL, and until then the backend still answers truthfully for
//! the meeting it holds (ended or gone).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use store::Placement;

/// Entries kept per map before it is emptied; bounds memory under a flood of distinct IDs.
const CAPACITY: usize = 100_000;

/// Values keyed by (an id, a meetingID), each with the time it was stored.
type Timed<V> = RwLock<HashMap<(i64, String), (V, Instant)>>;

/// Token id → client meetingID → the live placement it resolves to for that token, and when it
/// was stored. Two levels, so that a lookup (on every hot call) borrows the meetingID instead of
/// building a key.
#[derive(Default)]
struct Resolved {
    by_token: HashMap<i64, HashMap<String, (Arc<Placement>, Instant)>>,
    len: usize,
}

pub struct PlacementCache {
    ttl: Duration,
    resolved: RwLock<Resolved>,
    /// (group id, backend meetingID) → its placements, newest first.
    by_backend: Timed<Vec<Placement>>,
}

impl PlacementCache {
    pub fn new(ttl: Duration) -> Self {
        PlacementCache {
            ttl,
            resolved: RwLock::default(),
            by_backend: RwLock::default(),
        }
    }

    pub fn resolved(&self, token_id: i64, client_id: &str) -> Option<Arc<Placement>> {
        read(&self.resolved)
            .by_token
            .get(&token_id)?
            .get(client_id)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(placement, _)| placement.clone())
    }

    pub fn remember_resolved(&self, token_id: i64, client_id: &str, placement: &Arc<Placement>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut resolved = write(&self.resolved);
        if resolved.len >= CAPACITY {
            *resolved = Resolved::default();
        }
        let entry = (placement.clone(), Instant::now());
        let per_token = resolved.by_token.entry(token_id).or_default();
        if per_token.insert(client_id.to_owned(), entry).is_none() {
            resolved.len += 1;
        }
    }

    pub fn by_backend(&self, group_id: i64, bbb_meeting_id: &str) -> Option<Vec<Placement>> {
        fresh(
            &self.by_backend,
            &(group_id, bbb_meeting_id.to_owned()),
            self.ttl,
        )
    }

    pub fn remember_by_backend(
        &self,
        group_id: i64,
        bbb_meeting_id: &str,
        placements: Vec<Placement>,
    ) {
        if self.ttl.is_zero() {
            return;
        }
        insert(
            &self.by_backend,
            (group_id, bbb_meeting_id.to_owned()),
            placements,
        );
    }

    /// Forgets everything said about a placement, after this instance changed it.
    pub fn forget(&self, placement: &Placement) {
        let mut resolved = write(&self.resolved);
        let mut removed = 0;
        resolved.by_token.retain(|_, per_token| {
            let before = per_token.len();
            per_token.retain(|_, (cached, _)| cached.id != placement.id);
            removed += before - per_token.len();
            !per_token.is_empty()
        });
        resolved.len -= removed;
        write(&self.by_backend).remove(&(placement.group_id, placement.bbb_meeting_id.clone()));
    }
}

fn fresh<K: Eq + Hash, V: Clone>(
    map: &RwLock<HashMap<K, (V, Instant)>>,
    key: &K,
    ttl: Duration,
) -> Option<V> {
    read(map)
        .get(key)
        .filter(|(_, at)| at.elapsed() < ttl)
        .map(|(value, _)| value.clone())
}

fn insert<K: Eq + Hash, V>(map: &RwLock<HashMap<K, (V, Instant)>>, key: K, value: V) {
    let mut map = write(map);
    if map.len() >= CAPACITY {
        map.clear();
    }
    map.insert(key, (value, Instant::now()));
}

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
        let cache = PlacementCache::new(Duration::from_secs(60));
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
        assert_eq!(read(&cache.resolved).len, 1);

        let expired = PlacementCache::new(Duration::from_millis(1));
        expired.remember_resolved(7, "room", &shared);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(expired.resolved(7, "room"), None);
    }

    #[test]
    fn a_zero_ttl_remembers_nothing() {
        let cache = PlacementCache::new(Duration::ZERO);
        cache.remember_resolved(7, "room", &Arc::new(placement(1, "b1")));
        assert_eq!(cache.resolved(7, "room"), None);
    }
}
