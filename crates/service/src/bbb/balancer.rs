//! Server selection: the least loaded server of a group that takes new meetings.
//!
//! Load is what the last health poll saw (attendees) plus seats reserved for meetings placed
//! recently, divided by the server's weight. A reservation bridges the time between placing a
//! meeting and the poll seeing its attendees, so a burst of creates spreads over the group
//! instead of piling onto the server that looked emptiest at the last poll. A reservation holds
//! the size hint's seats (or a default), shrinks linearly to nothing over the decay time, and
//! shrinks further by the attendees a poll has seen in its meeting (they count as load
//! already).
//!
//! The book lives in memory, per gateway instance: reservations are a short-lived estimate, not
//! state worth sharing. Instances that do not run the poller simply let them decay.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use store::{Server, ServerHealth, ServerState};

use crate::ServiceError;

/// How reservations are sized and how fast they fade.
#[derive(Debug, Clone, Copy)]
pub struct BalancerSettings {
    /// Seats reserved for a meeting without a size hint.
    pub default_seats: u32,
    /// Time in which a reservation shrinks linearly to zero.
    pub reservation_decay: Duration,
}

impl Default for BalancerSettings {
    fn default() -> Self {
        BalancerSettings {
            default_seats: 5,
            reservation_decay: Duration::from_secs(10 * 60),
        }
    }
}

/// Whether a server may receive new meetings: enabled and not known to be unhealthy. Health
/// `unknown` counts as usable, so that a fresh installation works before the first poll.
pub fn takes_new_meetings(server: &Server) -> bool {
    server.state == ServerState::Enabled && server.health != ServerHealth::Unhealthy
}

/// Whether a server keeps serving the meetings it already has: cordoned servers do (they
/// drain), disabled and unhealthy ones do not.
pub fn keeps_meetings(server: &Server) -> bool {
    server.state != ServerState::Disabled && server.health != ServerHealth::Unhealthy
}

/// What selection knows about one server.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerLoad {
    pub server_id: i64,
    pub weight: i32,
    /// Attendees the last poll saw.
    pub attendees: u32,
    /// Seats still reserved for meetings placed recently.
    pub reserved_seats: f64,
}

impl ServerLoad {
    /// Attendees and reserved seats per unit of weight.
    pub fn load(&self) -> f64 {
        (f64::from(self.attendees) + self.reserved_seats) / f64::from(self.weight.max(1))
    }
}

/// The least loaded of `candidates`; ties go to the lower server id, so that selection is
/// deterministic. `None` when there are no candidates.
pub fn least_loaded(candidates: &[ServerLoad]) -> Option<i64> {
    candidates
        .iter()
        .min_by(|a, b| {
            a.load()
                .total_cmp(&b.load())
                .then(a.server_id.cmp(&b.server_id))
        })
        .map(|candidate| candidate.server_id)
}

/// Identifies one reservation, to withdraw it when the placement it was made for lost a race.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationId(u64);

/// The server chosen for a new placement and the seats reserved on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub server_id: i64,
    pub reservation: ReservationId,
}

/// Chooses servers and keeps the reservation book. Thread-safe; share one per process.
#[derive(Debug, Default)]
pub struct Balancer {
    settings: BalancerSettings,
    book: Mutex<Book>,
}

#[derive(Debug, Default)]
struct Book {
    next_id: u64,
    reservations: Vec<Reservation>,
}

#[derive(Debug)]
struct Reservation {
    id: ReservationId,
    server_id: i64,
    bbb_meeting_id: String,
    seats: u32,
    made_at: Instant,
    /// Attendees a poll has seen in the meeting since it was placed.
    seen_attendees: u32,
}

impl Reservation {
    fn remaining(&self, now: Instant, decay: Duration) -> f64 {
        let age = now.saturating_duration_since(self.made_at);
        if decay.is_zero() || age >= decay {
            return 0.0;
        }
        let fading = f64::from(self.seats) * (1.0 - age.as_secs_f64() / decay.as_secs_f64());
        (fading - f64::from(self.seen_attendees)).max(0.0)
    }
}

impl Balancer {
    pub fn new(settings: BalancerSettings) -> Self {
        Balancer {
            settings,
            book: Mutex::new(Book::default()),
        }
    }

    /// Picks the least loaded server of `servers` (one group) that takes new meetings, and
    /// reserves seats on it for `bbb_meeting_id` in the same step, so that concurrent
    /// placements see each other. `size_hint` (maxParticipants or a size-hint metadata)
    /// replaces the default reservation.
    pub fn choose(
        &self,
        servers: &[Server],
        bbb_meeting_id: &str,
        size_hint: Option<u32>,
        now: Instant,
    ) -> Result<Choice, ServiceError> {
        let mut book = self.lock();
        book.forget_faded(now, self.settings.reservation_decay);
        let candidates: Vec<ServerLoad> = servers
            .iter()
            .filter(|server| takes_new_meetings(server))
            .map(|server| ServerLoad {
                server_id: server.id,
                weight: server.weight,
                attendees: u32::try_from(server.attendee_count).unwrap_or(0),
                reserved_seats: book.reserved_seats(
                    server.id,
                    now,
                    self.settings.reservation_decay,
                ),
            })
            .collect();
        let server_id = least_loaded(&candidates).ok_or_else(|| no_usable_server(servers))?;
        book.next_id += 1;
        let reservation = ReservationId(book.next_id);
        book.reservations.push(Reservation {
            id: reservation,
            server_id,
            bbb_meeting_id: bbb_meeting_id.to_owned(),
            seats: size_hint.unwrap_or(self.settings.default_seats).max(1),
            made_at: now,
            seen_attendees: 0,
        });
        Ok(Choice {
            server_id,
            reservation,
        })
    }

    /// Withdraws a reservation whose placement was not made after all.
    pub fn cancel(&self, reservation: ReservationId) {
        self.lock()
            .reservations
            .retain(|existing| existing.id != reservation);
    }

    /// Tells the book what a poll of `server_id` saw: participants per BBB meetingID. Those
    /// participants are counted as load from now on, so their reservations shrink by them.
    pub fn observe<'a>(
        &self,
        server_id: i64,
        participants: impl IntoIterator<Item = (&'a str, u32)>,
    ) {
        let mut book = self.lock();
        for (bbb_meeting_id, count) in participants {
            for reservation in book.reservations.iter_mut().filter(|reservation| {
                reservation.server_id == server_id && reservation.bbb_meeting_id == bbb_meeting_id
            }) {
                reservation.seen_attendees = reservation.seen_attendees.max(count);
            }
        }
    }

    /// Seats still reserved on a server at `now`.
    pub fn reserved_seats(&self, server_id: i64, now: Instant) -> f64 {
        self.lock()
            .reserved_seats(server_id, now, self.settings.reservation_decay)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        // The book holds no invariant a panicking holder could break half-way.
        self.book
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Book {
    fn reserved_seats(&self, server_id: i64, now: Instant, decay: Duration) -> f64 {
        self.reservations
            .iter()
            .filter(|reservation| reservation.server_id == server_id)
            .map(|reservation| reservation.remaining(now, decay))
            .sum()
    }

    fn forget_faded(&mut self, now: Instant, decay: Duration) {
        self.reservations
            .retain(|reservation| now.saturating_duration_since(reservation.made_at) < decay);
    }
}

/// Why nothing in the group can take a meeting, counted by reason for the log.
fn no_usable_server(servers: &[Server]) -> ServiceError {
    if servers.is_empty() {
        return ServiceError::BbbUnavailable("the server group has no servers".to_owned());
    }
    let count = |matches: fn(&Server) -> bool| servers.iter().filter(|s| matches(s)).count();
    ServiceError::BbbUnavailable(format!(
        "no server of the group takes new meetings ({} disabled, {} cordoned, {} unhealthy)",
        count(|s| s.state == ServerState::Disabled),
        count(|s| s.state == ServerState::Cordoned),
        count(|s| s.health == ServerHealth::Unhealthy),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn server(id: i64, weight: i32, attendees: i32) -> Server {
        Server {
            id,
            group_id: 1,
            name: format!("bbb{id}"),
            api_url: format!("https://bbb{id}.example/bigbluebutton/api/"),
            secret_ciphertext: String::new(),
            weight,
            state: ServerState::Enabled,
            health: ServerHealth::Healthy,
            consecutive_failures: 0,
            consecutive_successes: 0,
            last_polled_at: None,
            last_poll_error: None,
            meeting_count: 0,
            attendee_count: attendees,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn with(mut server: Server, state: ServerState, health: ServerHealth) -> Server {
        server.state = state;
        server.health = health;
        server
    }

    fn settings(default_seats: u32, decay_secs: u64) -> BalancerSettings {
        BalancerSettings {
            default_seats,
            reservation_decay: Duration::from_secs(decay_secs),
        }
    }

    #[test]
    fn least_loaded_divides_by_weight_and_breaks_ties_by_id() {
        let load = |server_id, weight, attendees| ServerLoad {
            server_id,
            weight,
            attendees,
            reserved_seats: 0.0,
        };
        // 30/3 = 10 beats 12/1 = 12.
        assert_eq!(least_loaded(&[load(1, 1, 12), load(2, 3, 30)]), Some(2));
        assert_eq!(least_loaded(&[load(2, 1, 5), load(1, 1, 5)]), Some(1));
        assert_eq!(least_loaded(&[]), None);
    }

    #[test]
    fn picks_the_least_loaded_server() {
        let balancer = Balancer::new(settings(5, 600));
        let servers = [server(1, 1, 40), server(2, 1, 10), server(3, 1, 25)];
        let choice = balancer
            .choose(&servers, "m", None, Instant::now())
            .unwrap();
        assert_eq!(choice.server_id, 2);
    }

    #[test]
    fn weight_is_respected() {
        let balancer = Balancer::new(settings(5, 600));
        // 50 attendees on weight 10 (5 per unit) beat 10 attendees on weight 1.
        let servers = [server(1, 1, 10), server(2, 10, 50)];
        let choice = balancer
            .choose(&servers, "m", None, Instant::now())
            .unwrap();
        assert_eq!(choice.server_id, 2);
    }

    #[test]
    fn reservations_spread_a_burst_across_servers() {
        let balancer = Balancer::new(settings(5, 600));
        let servers = [server(1, 1, 0), server(2, 1, 0), server(3, 1, 0)];
        let now = Instant::now();
        let mut chosen: Vec<i64> = (0..6)
            .map(|n| {
                balancer
                    .choose(&servers, &format!("m{n}"), None, now)
                    .unwrap()
                    .server_id
            })
            .collect();
        chosen.sort_unstable();
        assert_eq!(chosen, [1, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn weighted_burst_goes_mostly_to_the_heavier_server() {
        let balancer = Balancer::new(settings(5, 600));
        let servers = [server(1, 1, 0), server(2, 3, 0)];
        let now = Instant::now();
        let on_heavy = (0..8)
            .filter(|n| {
                balancer
                    .choose(&servers, &format!("m{n}"), None, now)
                    .unwrap()
                    .server_id
                    == 2
            })
            .count();
        assert_eq!(on_heavy, 6);
    }

    #[test]
    fn size_hint_reserves_more_seats() {
        let balancer = Balancer::new(settings(5, 600));
        let servers = [server(1, 1, 0), server(2, 1, 0)];
        let now = Instant::now();
        let big = balancer.choose(&servers, "big", Some(100), now).unwrap();
        assert_eq!(balancer.reserved_seats(big.server_id, now), 100.0);
        // The next ten small meetings all avoid the server holding the big one.
        for n in 0..10 {
            let small = balancer
                .choose(&servers, &format!("s{n}"), None, now)
                .unwrap();
            assert_ne!(small.server_id, big.server_id);
        }
    }

    #[test]
    fn reservations_decay_linearly_to_zero() {
        let balancer = Balancer::new(settings(10, 600));
        let servers = [server(1, 1, 0)];
        let start = Instant::now();
        balancer.choose(&servers, "m", None, start).unwrap();
        assert_eq!(balancer.reserved_seats(1, start), 10.0);
        let half = balancer.reserved_seats(1, start + Duration::from_secs(300));
        assert!((half - 5.0).abs() < 1e-9, "{half}");
        assert_eq!(
            balancer.reserved_seats(1, start + Duration::from_secs(600)),
            0.0
        );
    }

    #[test]
    fn attendees_seen_by_a_poll_replace_the_reservation() {
        let balancer = Balancer::new(settings(10, 600));
        let servers = [server(1, 1, 0)];
        let now = Instant::now();
        balancer.choose(&servers, "m", None, now).unwrap();
        balancer.observe(1, [("m", 4), ("other", 50)]);
        assert_eq!(balancer.reserved_seats(1, now), 6.0);
        balancer.observe(1, [("m", 12)]);
        assert_eq!(balancer.reserved_seats(1, now), 0.0);
        // What another server reports does not touch this server's reservations.
        let on_two = balancer.choose(&[server(2, 1, 0)], "n", None, now).unwrap();
        balancer.observe(1, [("n", 10)]);
        assert_eq!(balancer.reserved_seats(on_two.server_id, now), 10.0);
    }

    #[test]
    fn cancelled_reservations_free_their_seats() {
        let balancer = Balancer::new(settings(5, 600));
        let now = Instant::now();
        let choice = balancer.choose(&[server(1, 1, 0)], "m", None, now).unwrap();
        let kept = balancer.choose(&[server(1, 1, 0)], "m", None, now).unwrap();
        balancer.cancel(choice.reservation);
        assert_eq!(balancer.reserved_seats(1, now), 5.0);
        balancer.cancel(kept.reservation);
        assert_eq!(balancer.reserved_seats(1, now), 0.0);
    }

    #[test]
    fn cordoned_disabled_and_unhealthy_servers_get_no_new_meetings() {
        let balancer = Balancer::new(settings(5, 600));
        let servers = [
            with(
                server(1, 1, 0),
                ServerState::Cordoned,
                ServerHealth::Healthy,
            ),
            with(
                server(2, 1, 0),
                ServerState::Disabled,
                ServerHealth::Healthy,
            ),
            with(
                server(3, 1, 0),
                ServerState::Enabled,
                ServerHealth::Unhealthy,
            ),
            server(4, 1, 500),
        ];
        let choice = balancer
            .choose(&servers, "m", None, Instant::now())
            .unwrap();
        assert_eq!(choice.server_id, 4);
    }

    #[test]
    fn unknown_health_is_usable() {
        let fresh = with(server(1, 1, 0), ServerState::Enabled, ServerHealth::Unknown);
        assert!(takes_new_meetings(&fresh));
        assert!(keeps_meetings(&fresh));
        let cordoned = with(
            server(1, 1, 0),
            ServerState::Cordoned,
            ServerHealth::Healthy,
        );
        assert!(!takes_new_meetings(&cordoned));
        assert!(keeps_meetings(&cordoned));
        let down = with(
            server(1, 1, 0),
            ServerState::Enabled,
            ServerHealth::Unhealthy,
        );
        assert!(!keeps_meetings(&down));
        let disabled = with(
            server(1, 1, 0),
            ServerState::Disabled,
            ServerHealth::Healthy,
        );
        assert!(!keeps_meetings(&disabled));
    }

    #[test]
    fn no_usable_server_is_a_clear_error() {
        let balancer = Balancer::default();
        let error = balancer.choose(&[], "m", None, Instant::now()).unwrap_err();
        assert!(
            matches!(&error, ServiceError::BbbUnavailable(m) if m.contains("no servers")),
            "{error}"
        );
        let servers = [
            with(
                server(1, 1, 0),
                ServerState::Cordoned,
                ServerHealth::Healthy,
            ),
            with(
                server(2, 1, 0),
                ServerState::Enabled,
                ServerHealth::Unhealthy,
            ),
        ];
        let error = balancer
            .choose(&servers, "m", None, Instant::now())
            .unwrap_err();
        assert!(
            matches!(&error, ServiceError::BbbUnavailable(m)
                if m.contains("0 disabled, 1 cordoned, 1 unhealthy")),
            "{error}"
        );
        assert_eq!(balancer.reserved_seats(1, Instant::now()), 0.0);
    }
}
