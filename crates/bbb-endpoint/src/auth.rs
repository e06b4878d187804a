//! Authentication exactly as bbb-web does it (spec §1): the checksum is a hash of call name,
//! raw query (checksum removed literally) and secret, its algorithm chosen by its length,
//! compared in constant time and case-insensitively. Here the secret is an API token's (its
//! previous one too, during a rotation).
//!
//! Two ways to find the token: the per-token path names it (one lookup, one verification, at
//! any number of tokens), the site-wide path tries every token of the site. Decrypted secrets
//! are cached for a short time so the hot path does no database work and no decryption; a
//! failed verification re-reads the token (at most once a second for a whole site) so that a
//! fresh rotation is seen at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bbb_client::ChecksumAlgorithm;
use bbb_client::checksum::verify;
use store::{ApiToken, Store, TokenSecrets};
use uuid::Uuid;

use crate::error::EndpointError;

/// How often a site's token list may be re-read because a checksum matched none of them.
const SITE_RELOAD_INTERVAL: Duration = Duration::from_secs(1);
/// How often a token's `last_used_at` is written.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// Bound of the site-wide path's memo of recently verified checksums.
const MEMO_CAPACITY: usize = 10_000;

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

/// An API token with its decrypted secrets.
pub struct TokenEntry {
    pub token: ApiToken,
    secrets: TokenSecrets,
    loaded_at: Instant,
    last_touch: Mutex<Option<Instant>>,
}

impl TokenEntry {
    fn new(token: ApiToken, secrets: TokenSecrets) -> Arc<Self> {
        Arc::new(TokenEntry {
            token,
            secrets,
            loaded_at: Instant::now(),
            last_touch: Mutex::new(None),
        })
    }

    /// The secret that signs what the gateway sends on the token's behalf.
    pub fn current_secret(&self) -> &str {
        self.secrets.current.expose()
    }

    /// Every secret the token accepts, current first.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.secrets.all().map(|secret| secret.expose())
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
    ttl: Duration,
    by_guid: RwLock<HashMap<Uuid, Arc<TokenEntry>>>,
    site_of_host: RwLock<HashMap<String, (i64, Instant)>>,
    site_tokens: RwLock<HashMap<i64, Arc<SiteTokens>>>,
    /// Site-wide path: checksum → the token it verified with. A client that repeats a call
    /// (polling isMeetingRunning) is then recognised with one verification instead of one per
    /// token; a memo hit is always verified again.
    memo: Mutex<HashMap<String, Uuid>>,
}

impl Authenticator {
    pub fn new(ttl: Duration) -> Self {
        Authenticator {
            ttl,
            by_guid: RwLock::default(),
            site_of_host: RwLock::default(),
            site_tokens: RwLock::default(),
            memo: Mutex::default(),
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
        let cached = read(&self.by_guid)
            .get(&guid)
            .filter(|entry| entry.loaded_at.elapsed() < self.ttl)
            .cloned();
        if let Some(entry) = &cached
            && entry.verifies(signed)
        {
            return Ok(entry.clone());
        }
        // Not cached, expired, or the secret may have just been rotated: read it again.
        let Some(entry) = self.load_token(store, guid).await? else {
            return Err(signed.failure());
        };
        if entry.verifies(signed) {
            Ok(entry)
        } else {
            Err(signed.failure())
        }
    }

    /// The token named by `guid`, without any checksum (for relaying callbacks that carry
    /// their own signature).
    pub async fn token(
        &self,
        store: &Store,
        guid: Uuid,
    ) -> Result<Option<Arc<TokenEntry>>, EndpointError> {
        let cached = read(&self.by_guid)
            .get(&guid)
            .filter(|entry| entry.loaded_at.elapsed() < self.ttl)
            .cloned();
        match cached {
            Some(entry) => Ok(Some(entry)),
            None => self.load_token(store, guid).await,
        }
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
        let site_id = self.site_id(store, host).await?;
        let tokens = self.site_tokens(store, site_id, false).await?;
        if let Some(entry) = self.find_in_site(&tokens, signed) {
            return Ok(entry);
        }
        if tokens.loaded_at.elapsed() >= SITE_RELOAD_INTERVAL {
            let tokens = self.site_tokens(store, site_id, true).await?;
            if let Some(entry) = self.find_in_site(&tokens, signed) {
                return Ok(entry);
            }
        }
        Err(signed.failure())
    }

    fn find_in_site(&self, tokens: &SiteTokens, signed: &Signed<'_>) -> Option<Arc<TokenEntry>> {
        let memo_key = signed.checksum.to_ascii_lowercase();
        let remembered = lock(&self.memo).get(&memo_key).copied();
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
        let mut memo = lock(&self.memo);
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(memo_key, found.token.guid);
        Some(found)
    }

    async fn load_token(
        &self,
        store: &Store,
        guid: Uuid,
    ) -> Result<Option<Arc<TokenEntry>>, EndpointError> {
        let Some(token) = store.tokens().find_by_guid(guid).await? else {
            write(&self.by_guid).remove(&guid);
            return Ok(None);
        };
        let secrets = store.tokens().secrets(token.id).await?;
        let entry = TokenEntry::new(token, secrets);
        write(&self.by_guid).insert(guid, entry.clone());
        Ok(Some(entry))
    }

    async fn site_id(&self, store: &Store, host: &str) -> Result<i64, EndpointError> {
        let host = host.to_ascii_lowercase();
        if let Some((site_id, at)) = read(&self.site_of_host).get(&host).copied()
            && at.elapsed() < self.ttl
        {
            return Ok(site_id);
        }
        let site = store.sites().for_host(&host).await?;
        write(&self.site_of_host).insert(host, (site.id, Instant::now()));
        Ok(site.id)
    }

    async fn site_tokens(
        &self,
        store: &Store,
        site_id: i64,
        force: bool,
    ) -> Result<Arc<SiteTokens>, EndpointError> {
        if !force
            && let Some(tokens) = read(&self.site_tokens)
                .get(&site_id)
                .filter(|tokens| tokens.loaded_at.elapsed() < self.ttl)
        {
            return Ok(tokens.clone());
        }
        let by_guid = store
            .tokens()
            .with_secrets_for_site(site_id)
            .await?
            .into_iter()
            .map(|(token, secrets)| (token.guid, TokenEntry::new(token, secrets)))
            .collect();
        let tokens = Arc::new(SiteTokens {
            by_guid,
            loaded_at: Instant::now(),
        });
        write(&self.site_tokens).insert(site_id, tokens.clone());
        Ok(tokens)
    }
}

// The caches hold no invariant a panicking holder could break half-way.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock<T>(lock: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
