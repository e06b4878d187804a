//! Fault and load knobs: added latency, a share of failing requests and a server-wide
//! attendee capacity. Read on every request, so they are plain atomics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `u64::MAX` in `capacity` means "no limit".
const NO_LIMIT: u64 = u64::MAX;

#[derive(Debug)]
pub struct Knobs {
    latency_micros: AtomicU64,
    /// An `f64` in 0..=1, stored as its bits.
    error_rate_bits: AtomicU64,
    capacity: AtomicU64,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            latency_micros: AtomicU64::new(0),
            error_rate_bits: AtomicU64::new(0f64.to_bits()),
            capacity: AtomicU64::new(NO_LIMIT),
        }
    }
}

impl Knobs {
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_micros.load(Ordering::Relaxed))
    }

    pub fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.store(micros, Ordering::Relaxed);
    }

    pub fn error_rate(&self) -> f64 {
        f64::from_bits(self.error_rate_bits.load(Ordering::Relaxed))
    }

    /// Clamped to 0..=1; NaN counts as 0.
    pub fn set_error_rate(&self, rate: f64) {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.error_rate_bits
            .store(rate.to_bits(), Ordering::Relaxed);
    }

    /// Whether this request should fail, drawn against the error rate.
    pub fn draw_failure(&self) -> bool {
        let rate = self.error_rate();
        rate > 0.0 && rand::random::<f64>() < rate
    }

    pub fn capacity(&self) -> Option<u64> {
        match self.capacity.load(Ordering::Relaxed) {
            NO_LIMIT => None,
            limit => Some(limit),
        }
    }

    pub fn set_capacity(&self, capacity: Option<u32>) {
        let value = capacity.map_or(NO_LIMIT, u64::from);
        self.capacity.store(value, Ordering::Relaxed);
    }

    /// Whether `current` attendees leave room for `more`.
    pub fn has_room(&self, current: usize, more: usize) -> bool {
        self.capacity()
            .is_none_or(|limit| (current + more) as u64 <= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_rate_is_clamped_and_drawn() {
        let knobs = Knobs::default();
        assert!(!knobs.draw_failure());
        knobs.set_error_rate(7.0);
        assert_eq!(knobs.error_rate(), 1.0);
        assert!(knobs.draw_failure());
        knobs.set_error_rate(f64::NAN);
        assert_eq!(knobs.error_rate(), 0.0);
        knobs.set_error_rate(0.5);
        let failures = (0..10_000).filter(|_| knobs.draw_failure()).count();
        assert!((4_000..6_000).contains(&failures), "{failures}");
    }

    #[test]
    fn capacity_limits_room() {
        let knobs = Knobs::default();
        assert!(knobs.has_room(1_000_000, 1));
        knobs.set_capacity(Some(3));
        assert!(knobs.has_room(2, 1));
        assert!(!knobs.has_room(3, 1));
        assert!(!knobs.has_room(0, 4));
        knobs.set_capacity(None);
        assert_eq!(knobs.capacity(), None);
    }

    #[test]
    fn latency_round_trips() {
        let knobs = Knobs::default();
        knobs.set_latency(Duration::from_millis(25));
        assert_eq!(knobs.latency(), Duration::from_millis(25));
    }
}
