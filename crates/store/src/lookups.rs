//! Rows that every request reads and that rarely change — the site a Host header picks, the
//! user a session token names, the site a server group belongs to — kept in memory so that a
//! request does not pay a database round trip for each of them.
//!
//! How fresh they are: every write this store makes to sites or users drops what it changed
//! (after the write is done), so on this instance the next read sees it. Writes made elsewhere
//! — another instance on the same PostgreSQL database, or the CLI — are not seen here; each
//! entry is therefore read again at the latest `ttl` after it was loaded. A group's site never
//! changes, so that entry needs no invalidation beyond the group's deletion.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;

use crate::{Site, User};

/// How long an entry is kept when nothing says otherwise.
pub const DEFAULT_LOOKUP_TTL: Duration = Duration::from_secs(2);

/// Entries per cache: far more than the hosts, active users and groups of a deployment, and
/// a bound for Host headers an attacker makes up.
const CAPACITY: u64 = 10_000;

pub(crate) struct Lookups {
    pub(crate) sites_by_host: Generational<String, Site>,
    pub(crate) users: Generational<i64, User>,
    pub(crate) group_sites: Generational<i64, i64>,
}

impl Lookups {
    pub(crate) fn new(ttl: Duration) -> Self {
        Lookups {
            sites_by_host: Generational::new(ttl),
            users: Generational::new(ttl),
            group_sites: Generational::new(ttl),
        }
    }
}

/// A bounded cache whose loads cannot undo an invalidation that raced with them.
///
/// A reader that loaded a row before a concurrent write committed must not put the old row
/// back after the writer dropped it. Each invalidation bumps a generation; a reader notes the
/// generation before it reads the database and, having inserted, drops its entry again if the
/// generation moved meanwhile. Either the writer's drop comes after the insert, or the reader
/// sees the new generation: no stale entry outlives the write.
pub(crate) struct Generational<K, V> {
    entries: Option<Cache<K, V>>,
    generation: AtomicU64,
}

/// What [`Generational::begin_load`] saw, to hand back to [`Generational::finish_load`].
#[derive(Clone, Copy)]
pub(crate) struct LoadTicket(u64);

impl<K, V> Generational<K, V>
where
    K: Hash + Eq + Send + Sync + Clone + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A zero `ttl` caches nothing: every read goes to the database.
    fn new(ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build()
        });
        Generational {
            entries,
            generation: AtomicU64::new(0),
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.entries.as_ref()?.get(key)
    }

    /// Entries for those of `keys` that are cached, and the keys that are not.
    pub(crate) fn get_many(&self, keys: &[K]) -> (HashMap<K, V>, Vec<K>) {
        let mut found = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        for key in keys {
            match self.get(key) {
                Some(value) => {
                    found.insert(key.clone(), value);
                }
                None => missing.push(key.clone()),
            }
        }
        (found, missing)
    }

    /// Call before reading the database for an entry.
    pub(crate) fn begin_load(&self) -> LoadTicket {
        LoadTicket(self.generation.load(Ordering::SeqCst))
    }

    /// Keeps what was read since `ticket`, unless an invalidation came in between.
    pub(crate) fn finish_load(
        &self,
        ticket: LoadTicket,
        entries: impl IntoIterator<Item = (K, V)>,
    ) {
        let Some(cache) = &self.entries else {
            return;
        };
        let mut inserted = Vec::new();
        for (key, value) in entries {
            cache.insert(key.clone(), value);
            inserted.push(key);
        }
        if self.generation.load(Ordering::SeqCst) != ticket.0 {
            for key in &inserted {
                cache.invalidate(key);
            }
        }
    }

    /// Drops `key` when the returned guard goes, however the write it guards ends: completed,
    /// failed, or abandoned mid-way (a dropped request future) after its statement may have
    /// committed. Take it before the write.
    pub(crate) fn forget_after(&self, key: K) -> Forget<'_, K, V> {
        Forget {
            cache: self,
            key: Some(key),
        }
    }

    /// [`forget_after`](Self::forget_after) for every entry.
    pub(crate) fn forget_all_after(&self) -> Forget<'_, K, V> {
        Forget {
            cache: self,
            key: None,
        }
    }

    /// Drops one entry.
    fn invalidate(&self, key: &K) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(cache) = &self.entries {
            cache.invalidate(key);
        }
    }

    /// Drops every entry.
    fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(cache) = &self.entries {
            cache.invalidate_all();
        }
    }
}

/// Invalidates one entry (or all) when dropped: see [`Generational::forget_after`].
pub(crate) struct Forget<'c, K, V>
where
    K: Hash + Eq + Send + Sync + Clone + 'static,
    V: Clone + Send + Sync + 'static,
{
    cache: &'c Generational<K, V>,
    key: Option<K>,
}

impl<K, V> Drop for Forget<'_, K, V>
where
    K: Hash + Eq + Send + Sync + Clone + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn drop(&mut self) {
        match &self.key {
            Some(key) => self.cache.invalidate(key),
            None => self.cache.invalidate_all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_that_raced_an_invalidation_is_not_kept() {
        let cache: Generational<i64, &str> = Generational::new(Duration::from_secs(60));
        let ticket = cache.begin_load();
        // The writer commits and drops the key while the reader still holds the old row.
        drop(cache.forget_after(1));
        cache.finish_load(ticket, [(1, "old")]);
        assert_eq!(cache.get(&1), None);

        let ticket = cache.begin_load();
        cache.finish_load(ticket, [(1, "new")]);
        assert_eq!(cache.get(&1), Some("new"));
    }

    #[tokio::test]
    async fn a_write_abandoned_mid_way_still_drops_what_it_may_have_changed() {
        let cache: Generational<i64, &str> = Generational::new(Duration::from_secs(60));
        let ticket = cache.begin_load();
        cache.finish_load(ticket, [(1, "old"), (2, "other")]);
        let write = async {
            let _forget = cache.forget_after(1);
            // The statement is on its way to the database when the request is dropped.
            std::future::pending::<()>().await;
        };
        // Polled once, then dropped: the future a cancelled request leaves behind.
        assert!(
            tokio::time::timeout(Duration::from_millis(10), write)
                .await
                .is_err()
        );
        assert_eq!(cache.get(&1), None);
        assert_eq!(cache.get(&2), Some("other"));
        drop(cache.forget_all_after());
        assert_eq!(cache.get(&2), None);
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache: Generational<i64, &str> = Generational::new(Duration::ZERO);
        let ticket = cache.begin_load();
        cache.finish_load(ticket, [(1, "row")]);
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache: Generational<i64, &str> = Generational::new(Duration::from_millis(50));
        let ticket = cache.begin_load();
        cache.finish_load(ticket, [(1, "row")]);
        assert_eq!(cache.get(&1), Some("row"));
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(cache.get(&1), None);
    }
}
