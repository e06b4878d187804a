//! How often each API call reached the server, for tests and benchmarks that assert how many
//! BBB requests a client makes. Counted before the fault knobs apply; atomics, since every
//! request passes here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::request::Call;

/// The key under which `GET /bigbluebutton/api` (the version document) is counted.
pub const INDEX: &str = "index";

#[derive(Debug, Default)]
pub struct CallCounts {
    index: AtomicU64,
    calls: [AtomicU64; Call::ALL.len()],
}

impl CallCounts {
    /// Counts one request: a call, or the index when `None`.
    pub fn count(&self, call: Option<Call>) {
        let counter = match call {
            Some(call) => &self.calls[call as usize],
            None => &self.index,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Calls seen at least once, by call name (`getMeetings`, `hooks/list`, `index`, …).
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        let calls = Call::ALL.iter().map(|call| {
            (
                call.name(),
                self.calls[*call as usize].load(Ordering::Relaxed),
            )
        });
        std::iter::once((INDEX, self.index.load(Ordering::Relaxed)))
            .chain(calls)
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| (name.to_owned(), n))
            .collect()
    }

    pub fn reset(&self) {
        self.index.store(0, Ordering::Relaxed);
        for counter in &self.calls {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_call_name_and_resets() {
        let counts = CallCounts::default();
        counts.count(Some(Call::GetMeetings));
        counts.count(Some(Call::GetMeetings));
        counts.count(Some(Call::HooksList));
        counts.count(None);
        let snapshot = counts.snapshot();
        assert_eq!(snapshot.len(), 3);
        assert_eq!(snapshot["getMeetings"], 2);
        assert_eq!(snapshot["hooks/list"], 1);
        assert_eq!(snapshot[INDEX], 1);
        counts.reset();
        assert!(counts.snapshot().is_empty());
    }

    #[test]
    fn every_call_has_its_own_counter() {
        for (i, call) in Call::ALL.iter().enumerate() {
            assert_eq!(*call as usize, i, "{call:?}");
        }
    }
}
