//! Authentication exactly as bbb-web does it (spec §1): the checksum is a hash of call name,
//! raw query (checksum removed literally) and secret, its algorithm chosen by its length,
//! compared in constant time and case-insensitively. Here the secret is an API token's (its
//! previous one too, during a rotation).
//!
//! Two ways to find the token: the per-token path names it (one lookup, one verification, at
//! any number of tokens), the site-wide path tries every token of the site. Decrypted secrets
//! are cached for a short time so the hot path does no database work and no decryption.
//!
//! Nothing an unauthenticated request says may cost database work per request, since anyone
//! can send them by the thousand: the caches are bounded ([`moka`]), concurrent misses of one
//! key wait for one load (single flight), a token guid the database does not know is
//! remembered as absent, the Host header is looked up in a cached directory of the sites'
//! domains (never one entry per Host value), and a checksum that verifies with no cached
//! secret re-reads the token or the site's tokens at most once a second (so that a fresh
//! rotation or a new token is seen within that second, and a flood of wrong checksums costs
//! one read a second).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bbb_client::ChecksumAlgorithm;
use bbb_client::checksum::verify;
use moka::future::Cache;
use moka::ops::compute::Op;
use service::model::{ApiToken, Site, TokenSecrets};
use service::tokens::{self, SiteDirectory, TokenCredential};
use service::{Actor, ServiceError, Store};
use uuid::Uuid;

use crate::deferred;
use crate::error::EndpointError;

/// How often a token, or a site's token list, may be re-read because a checksum matched none
/// of its cached secrets.
const RELOAD_INTERVAL: Duration = Duration::from_secs(1);
/// How often a token's `last_used_at` is written.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// Bound of the site-wide path's memo of recently verified checksums.
const MEMO_CAPACITY: u64 = 10_000;

/// What a request signed: the call name, the query without the checksum, and the checksum.
pub struct Signed<'a> {
    pub call: &'a str,
    pub query: &'a str,
    pub checksum: &'a str,
    /// Which failure text to answer with (spec §1.3).
    pub legacy_text: bool,
}

impl Signed<'_> {
    fn failure(&self) -> EndpointError {
        EndpointError::Checksum {
            legacy_text: self.legacy_text,
        }
    }
}

/// An API token with its decrypted secrets and the actor of the requests signed with it.
pub struct TokenEntry {
    pub token: ApiToken,
    /// For the service calls made on the token's behalf. Without the token's owner, which
    /// the service reads afresh where a rule needs it (`service::tokens::TokenView`): a cached
    /// owner would outlive a demotion.
    pub actor: Actor,
    secrets: TokenSecrets,
    loaded_at: Instant,
    last_touch: Mutex<Option<Instant>>,
}

impl TokenEntry {
    fn new(credential: TokenCredential) -> Arc<Self> {
        Arc::new(TokenEntry {
            actor: credential.actor(),
            token: credential.token,
            secrets: credential.secrets,
            loaded_at: Instant::now(),
            last_touch: Mutex::new(None),
        })
    }

    /// The secret that signs what the gateway sends on the token's behalf.
    pub fn current_secret(&self) -> &str {
        self.secrets.current.expose()
    }

    fn verifies(&self, signed: &Signed<'_>) -> bool {
        self.secrets
            .all()
            .any(|secret| verify(signed.call, signed.query, secret.expose(), signed.checksum))
    }

    /// Whether `last_used_at` is due for an update; true at most once per interval.
    pub fn take_touch(&self) -> bool {
        let mut last = self
            .last_touch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let due = last.is_none_or(|at| at.elapsed() >= TOUCH_INTERVAL);
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

struct SiteTokens {
    by_guid: HashMap<Uuid, Arc<TokenEntry>>,
    loaded_at: Instant,
}

/// The token and site caches.
pub struct Authenticator {
    /// Token guid → the token, or `None` for a guid the database does not know (so that
    /// requests naming a made-up guid cost one read per TTL, not one each). A token created
    /// later has a fresh random guid that nobody asked for before, so it works at once.
    by_guid: Cache<Uuid, Option<Arc<TokenEntry>>>,
    /// The one [`SiteDirectory`], under the key `()`: a Host header is looked up there, in
    /// memory, so that no Host value an attacker makes up costs a query or a cache entry of
    /// its own; a token read by its guid finds its site there.
    sites: Cache<(), Arc<SiteDirectory>>,
    /// Site id → its tokens.
    site_tokens: Cache<i64, Arc<SiteTokens>>,
    /// Site-wide path: checksum → the token it verified with. A client that repeats a call
    /// (polling isMeetingRunning) is then recognised with one verification instead of one per
    /// token; a memo hit is always verified again.
    memo: moka::sync::Cache<String, Uuid>,
    loads: Loads,
}

/// Database reads made by the caches, counted for [`CacheStats`].
#[derive(Default)]
struct Loads {
    sites: AtomicU64,
    tokens: AtomicU64,
    site_tokens: AtomicU64,
}

/// What the caches hold and how often they read the database (tests and debugging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries of the Host → site cache.
    pub host_entries: u64,
    /// Reads of the sites' domains.
    pub host_loads: u64,
    /// Entries of the token cache, absent guids included.
    pub token_entries: u64,
    /// Reads of one token by its guid.
    pub token_loads: u64,
    /// Reads of a site's token list.
    pub site_token_loads: u64,
}

impl Authenticator {
    /// Entries live for `ttl`; at most `capacity` tokens (and as many sites) are kept.
    pub fn new(ttl: Duration, capacity: u64) -> Self {
        Authenticator {
            by_guid: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            sites: Cache::builder().max_capacity(1).time_to_live(ttl).build(),
            site_tokens: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            memo: moka::sync::Cache::new(MEMO_CAPACITY),
            loads: Loads::default(),
        }
    }

    pub async fn stats(&self) -> CacheStats {
        self.sites.run_pending_tasks().await;
        self.by_guid.run_pending_tasks().await;
        CacheStats {
            host_entries: self.sites.entry_count(),
            host_loads: self.loads.sites.load(Relaxed),
            token_entries: self.by_guid.entry_count(),
            token_loads: self.loads.tokens.load(Relaxed),
            site_token_loads: self.loads.site_tokens.load(Relaxed),
        }
    }

    /// The per-token path: the token named by `guid`, if `signed` verifies with its secret.
    pub async fn by_guid(
        &self,
        store: &Store,
        guid: Uuid,
        signed: &Signed<'_>,
    ) -> Result<Arc<TokenEntry>, EndpointError> {
        if ChecksumAlgorithm::from_hex_len(signed.checksum.len()).is_none() {
            return Err(signed.failure());
        }
        let Some(cached) = self.token(store, guid).await? else {
            return Err(signed.failure());
        };
        if cached.verifies(signed) {
            return Ok(cached);
        }
        // The secret may have just been rotated: read the token again, at most once a second.
        let reread = reload_unless_fresh(
            &self.by_guid,
            guid,
            // A guid no token has is remembered for the TTL: re-reading it proves nothing.
            |current| {
                current
                    .as_ref()
                    .is_none_or(|entry| entry.loaded_at.elapsed() < RELOAD_INTERVAL)
            },
            || self.load_token(store, guid),
        )
        .await?;
        match reread.flatten() {
            Some(entry) if !Arc::ptr_eq(&entry, &cached) && entry.verifies(signed) => Ok(entry),
            _ => Err(signed.failure()),
        }
    }

    /// The token named by `guid`, without any checksum (for relaying callbacks that carry
    /// their own signature).
    pub async fn token(
        &self,
        store: &Store,
        guid: Uuid,
    ) -> Result<Option<Arc<TokenEntry>>, EndpointError> {
        self.by_guid
            .try_get_with(guid, deferred(|| self.load_token(store, guid)))
            .await
            .map_err(unshared)
    }

    /// The site-wide path: the token of the Host's site whose secret verifies `signed`.
    pub async fn by_site(
        &self,
        store: &Store,
        host: &str,
        signed: &Signed<'_>,
    ) -> Result<Arc<TokenEntry>, EndpointError> {
        if ChecksumAlgorithm::from_hex_len(signed.checksum.len()).is_none() {
            return Err(signed.failure());
        }
        let sites = self.directory(store).await?;
        // Not a host name: no site has it, and no token is looked for.
        let Some(site) = sites.for_host(host) else {
            return Err(signed.failure());
        };
        let tokens = self
            .site_tokens
            .try_get_with(site.id, deferred(|| self.load_site_tokens(store, site)))
            .await
            .map_err(unshared)?;
        if let Some(entry) = self.find_in_site(&tokens, signed) {
            return Ok(entry);
        }
        // A token created since, or a fresh rotation: read the site's tokens again, at most
        // once a second.
        let reloaded = reload_unless_fresh(
            &self.site_tokens,
            site.id,
            |current| current.loaded_at.elapsed() < RELOAD_INTERVAL,
            || self.load_site_tokens(store, site),
        )
        .await?;
        match reloaded {
            Some(reloaded) if !Arc::ptr_eq(&reloaded, &tokens) => self
                .find_in_site(&reloaded, signed)
                .ok_or_else(|| signed.failure()),
            _ => Err(signed.failure()),
        }
    }

    fn find_in_site(&self, tokens: &SiteTokens, signed: &Signed<'_>) -> Option<Arc<TokenEntry>> {
        let memo_key = signed.checksum.to_ascii_lowercase();
        let remembered = self.memo.get(&memo_key);
        if let Some(entry) = remembered.and_then(|guid| tokens.by_guid.get(&guid))
            && entry.verifies(signed)
        {
            return Some(entry.clone());
        }
        let found = tokens
            .by_guid
            .values()
            .find(|entry| entry.verifies(signed))?
            .clone();
        self.memo.insert(memo_key, found.token.guid);
        Some(found)
    }

    async fn load_token(
        &self,
        store: &Store,
        guid: Uuid,
    ) -> Result<Option<Arc<TokenEntry>>, Arc<ServiceError>> {
        let sites = self.directory(store).await?;
        self.loads.tokens.fetch_add(1, Relaxed);
        Ok(tokens::credential_by_guid(store, &sites, guid)
            .await?
            .map(TokenEntry::new))
    }

    /// The sites, by domain and by id: read once per TTL, whatever the requests name.
    async fn directory(&self, store: &Store) -> Result<Arc<SiteDirectory>, Arc<ServiceError>> {
        self.sites
            .try_get_with((), deferred(|| self.load_sites(store)))
            .await
            .map_err(Arc::unwrap_or_clone)
    }

    async fn load_sites(&self, store: &Store) -> Result<Arc<SiteDirectory>, Arc<ServiceError>> {
        self.loads.sites.fetch_add(1, Relaxed);
        Ok(Arc::new(SiteDirectory::load(store).await?))
    }

    async fn load_site_tokens(
        &self,
        store: &Store,
        site: &Site,
    ) -> Result<Arc<SiteTokens>, Arc<ServiceError>> {
        self.loads.site_tokens.fetch_add(1, Relaxed);
        let by_guid = tokens::credentials_of_site(store, site)
            .await?
            .into_iter()
            .map(|credential| (credential.token.guid, TokenEntry::new(credential)))
            .collect();
        Ok(Arc::new(SiteTokens {
            by_guid,
            loaded_at: Instant::now(),
        }))
    }
}

/// The value under `key` read again with `load`, unless `is_fresh` says the current one was
/// read recently enough (by this caller or a concurrent one: moka runs the computations of one
/// key one after another, so concurrent callers find the fresh value and do not read again).
/// What the cache then holds under `key`.
async fn reload_unless_fresh<K, V, Load>(
    cache: &Cache<K, V>,
    key: K,
    is_fresh: impl FnOnce(&V) -> bool,
    load: impl FnOnce() -> Load,
) -> Result<Option<V>, EndpointError>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    Load: Future<Output = Result<V, Arc<ServiceError>>>,
{
    let computed = cache
        .entry(key)
        .and_try_compute_with(|current| async move {
            if current.is_some_and(|current| is_fresh(current.value())) {
                return Ok(Op::Nop);
            }
            deferred(load).await.map(Op::Put)
        })
        .await?;
    Ok(computed.into_entry().map(|entry| entry.into_value()))
}

/// A loader's error (itself shared: an `Arc<ServiceError>`) as moka hands it to every caller
/// that waited for that load.
fn unshared<E: Clone + Into<EndpointError>>(error: Arc<E>) -> EndpointError {
    Arc::unwrap_or_clone(error).into()
}
