//! Limits on password guessing through `login`: failed logins are counted per username and
//! per client address in fixed windows, and argon2 verifications run at most `concurrency` at a
//! time, so neither a flood of guesses nor a flood of concurrent logins can take the service's
//! CPU and blocking threads.
//!
//! Each attempt is charged *before* its verification and refunded when it succeeds, so
//! concurrent guesses cannot slip past the limit while the first ones are still being
//! verified. Counters live in bounded caches (`moka`): usernames and addresses are chosen by
//! the caller, so the number of counters must not grow with them. Under a flood of distinct
//! keys the least used counters go first; the per-client limit caps how many new keys one
//! client can bring.

use std::{
    hash::{BuildHasher, RandomState},
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use moka::sync::Cache;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::{config::LoginConfig, error::GatewayError};

/// Most counters kept per kind (username, client address); a counter is a few dozen bytes.
const TRACKED_KEYS: u64 = 100_000;

/// Failed attempts of one key in the window that began at `started`.
#[derive(Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Attempts per key in fixed windows of `window`, at most `max_failures` unrefunded ones.
/// Also counts missed guest-URL lookups (`graphql::limits::SlugLookupThrottle`).
pub(crate) struct FailureCounter<K> {
    counters: Cache<K, Arc<Mutex<Window>>>,
    max_failures: u32,
    window: Duration,
}

impl<K> FailureCounter<K>
where
    K: std::hash::Hash + Eq + Send + Sync + Clone + 'static,
{
    pub(crate) fn new(max_failures: u32, window: Duration, capacity: u64) -> Self {
        FailureCounter {
            // A counter is created with its window and never replaced, so it leaves the cache
            // when its window is over.
            counters: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(window)
                .build(),
            max_failures,
            window,
        }
    }

    /// Charges one attempt to `key`, or says how long until it may try again.
    pub(crate) fn charge(&self, key: &K) -> Result<(), Duration> {
        let counter = self.counters.get_with_by_ref(key, || {
            Arc::new(Mutex::new(Window {
                started: Instant::now(),
                failures: 0,
            }))
        });
        let mut window = counter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let ends = window.started + self.window;
        if now >= ends {
            *window = Window {
                started: now,
                failures: 0,
            };
        } else if window.failures >= self.max_failures {
            return Err(ends - now);
        }
        window.failures += 1;
        Ok(())
    }

    /// Takes back the attempt of a login that succeeded (or never ran).
    pub(crate) fn refund(&self, key: &K) {
        if let Some(counter) = self.counters.get(key) {
            let mut window = counter
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            window.failures = window.failures.saturating_sub(1);
        }
    }

    /// Forgets every failure of `key`: its owner has just proven the password.
    fn forget(&self, key: &K) {
        self.counters.invalidate(key);
    }
}

/// The client a request comes from, as far as throttling is concerned: an IPv4 address, or the
/// /64 network of an IPv6 address (one host usually holds a whole /64, so single IPv6
/// addresses would be free to change with every guess).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl From<IpAddr> for ClientKey {
    fn from(address: IpAddr) -> Self {
        match address.to_canonical() {
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                ClientKey(IpAddr::V6(network.into()))
            }
            v4 => ClientKey(v4),
        }
    }
}

/// The login limits of the process: failure counters and the argon2 semaphore.
pub struct LoginThrottle {
    per_username: FailureCounter<u64>,
    per_client: FailureCounter<ClientKey>,
    /// Usernames are counted by a keyed hash of site and name: a fixed size per counter
    /// whatever length a caller sends, and no collisions a caller could aim for.
    username_hasher: RandomState,
    verifications: Semaphore,
}

/// One login attempt that passed the limits; say how it ended with [`succeeded`](Self::succeeded)
/// (a dropped attempt counts as failed).
pub struct LoginAttempt<'a> {
    throttle: &'a LoginThrottle,
    username: u64,
    client: Option<ClientKey>,
}

impl LoginThrottle {
    pub fn new(config: &LoginConfig) -> Self {
        let concurrency = config.concurrency.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        LoginThrottle {
            per_username: FailureCounter::new(
                config.max_failures_per_user,
                config.window,
                TRACKED_KEYS,
            ),
            per_client: FailureCounter::new(
                config.max_failures_per_client,
                config.window,
                TRACKED_KEYS,
            ),
            username_hasher: RandomState::new(),
            verifications: Semaphore::new(concurrency),
        }
    }

    /// Admits one attempt for `username` of site `site_id` from `client` (unknown for
    /// in-process callers), or refuses it with `RATE_LIMITED` and the time until the earliest
    /// window allowing it ends. Unknown and known usernames are counted alike, so the limit
    /// tells nothing about which exist.
    pub fn admit(
        &self,
        site_id: i64,
        username: &str,
        client: Option<IpAddr>,
    ) -> Result<LoginAttempt<'_>, GatewayError> {
        let username = self.username_hasher.hash_one((site_id, username));
        let client = client.map(ClientKey::from);
        self.per_username
            .charge(&username)
            .map_err(GatewayError::rate_limited)?;
        if let Some(client) = &client
            && let Err(retry_after) = self.per_client.charge(client)
        {
            self.per_username.refund(&username);
            return Err(GatewayError::rate_limited(retry_after));
        }
        Ok(LoginAttempt {
            throttle: self,
            username,
            client,
        })
    }

    /// A permit to run one password verification; waits while `concurrency` run.
    pub async fn verification_permit(&self) -> Result<SemaphorePermit<'_>, GatewayError> {
        self.verifications
            .acquire()
            .await
            .map_err(GatewayError::failed(
                "waiting for a password verification slot",
            ))
    }
}

impl LoginAttempt<'_> {
    /// The password was right: the username's failures are forgotten, and this attempt is not
    /// held against the client.
    pub fn succeeded(self) {
        self.throttle.per_username.forget(&self.username);
        if let Some(client) = &self.client {
            self.throttle.per_client.refund(client);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(per_user: u32, per_client: u32, window: Duration) -> LoginConfig {
        LoginConfig {
            max_failures_per_user: per_user,
            max_failures_per_client: per_client,
            window,
            ..LoginConfig::default()
        }
    }

    fn localhost() -> Option<IpAddr> {
        Some([127, 0, 0, 1].into())
    }

    #[test]
    fn failures_past_the_limit_are_refused_until_the_window_ends() {
        let throttle = LoginThrottle::new(&config(2, 100, Duration::from_millis(300)));
        for _ in 0..2 {
            let _failed = throttle.admit(1, "alice", localhost()).unwrap();
        }
        let error = throttle.admit(1, "alice", localhost()).err().unwrap();
        let GatewayError::RateLimited { retry_after } = error else {
            panic!("{error:?}");
        };
        assert!(retry_after <= Duration::from_millis(300), "{retry_after:?}");
        // Another username, and the same name in another site, are counted apart.
        throttle.admit(1, "bob", localhost()).unwrap().succeeded();
        throttle.admit(2, "alice", localhost()).unwrap().succeeded();
        std::thread::sleep(Duration::from_millis(350));
        throttle.admit(1, "alice", localhost()).unwrap().succeeded();
    }

    #[test]
    fn a_success_forgets_the_usernames_failures_but_not_the_clients() {
        let throttle = LoginThrottle::new(&config(2, 3, Duration::from_secs(60)));
        let _failed = throttle.admit(1, "alice", localhost()).unwrap();
        throttle.admit(1, "alice", localhost()).unwrap().succeeded();
        let _failed = throttle.admit(1, "alice", localhost()).unwrap();
        let _failed = throttle.admit(1, "alice", localhost()).unwrap();
        // Two failures of alice since her success, one before: the client is at three.
        assert!(throttle.admit(1, "carol", localhost()).is_err());
        assert!(
            throttle
                .admit(1, "carol", Some([10, 0, 0, 1].into()))
                .is_ok()
        );
    }

    #[test]
    fn a_refused_client_does_not_charge_the_username() {
        let throttle = LoginThrottle::new(&config(2, 1, Duration::from_secs(60)));
        let _failed = throttle.admit(1, "alice", localhost()).unwrap();
        for _ in 0..5 {
            assert!(throttle.admit(1, "bob", localhost()).is_err());
        }
        throttle
            .admit(1, "bob", Some([10, 0, 0, 1].into()))
            .unwrap()
            .succeeded();
    }

    #[test]
    fn counters_stay_bounded_whatever_keys_callers_bring() {
        let counter = FailureCounter::new(5, Duration::from_secs(60), 100);
        for key in 0..10_000u64 {
            counter.charge(&key).unwrap();
        }
        counter.counters.run_pending_tasks();
        assert!(
            counter.counters.entry_count() <= 100,
            "{}",
            counter.counters.entry_count()
        );
    }

    #[tokio::test]
    async fn verifications_wait_for_a_permit_beyond_the_concurrency() {
        let throttle = LoginThrottle::new(&LoginConfig {
            concurrency: Some(2),
            ..LoginConfig::default()
        });
        let first = throttle.verification_permit().await.unwrap();
        let _second = throttle.verification_permit().await.unwrap();
        let third = tokio::time::timeout(Duration::from_millis(50), throttle.verification_permit());
        assert!(third.await.is_err(), "a third verification ran beside two");
        drop(first);
        let _fourth = throttle.verification_permit().await.unwrap();
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        let address = |text: &str| ClientKey::from(text.parse::<IpAddr>().unwrap());
        assert_eq!(address("2001:db8:1:2::1"), address("2001:db8:1:2:ffff::9"));
        assert_ne!(address("2001:db8:1:2::1"), address("2001:db8:1:3::1"));
        assert_eq!(address("::ffff:192.0.2.1"), address("192.0.2.1"));
        assert_ne!(address("192.0.2.1"), address("192.0.2.2"));
    }
}
