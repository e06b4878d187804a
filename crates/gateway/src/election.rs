//! Which instance runs background work (the health poller). On PostgreSQL, several instances
//! share one database and exactly one of them may poll: the one holding a session-level
//! advisory lock on a connection of its own. PostgreSQL releases the lock the moment that
//! connection ends — also when the process is killed — so another instance, retrying every
//! interval, takes over within one interval. SQLite serves one instance, which always leads.

use std::time::Duration;

use sea_orm::sqlx::{self, Connection, PgConnection};

/// The advisory lock id of the poller (an arbitrary fixed number, distinct from the store's
/// migration lock).
const POLLER_LOCK_ID: i64 = 0x6262_625f_6777_0002;

/// How an instance finds out whether it leads.
#[derive(Clone)]
pub enum Election {
    /// The only instance: it always leads.
    Single,
    /// Whoever holds the advisory lock in this PostgreSQL database leads.
    Postgres { url: String },
}

/// Held while leading; dropping it (or the process ending) gives leadership up.
pub enum Leadership {
    Single,
    /// The connection that holds the lock.
    Postgres(Box<PgConnection>),
}

impl Election {
    /// The election that fits the database: PostgreSQL URLs elect, anything else leads alone.
    pub fn for_database(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Election::Postgres {
                url: url.to_owned(),
            }
        } else {
            Election::Single
        }
    }

    /// One attempt to lead: `None` while another instance leads or the database cannot be
    /// reached (logged; the caller tries again later).
    pub async fn try_lead(&self) -> Option<Leadership> {
        let url = match self {
            Election::Single => return Some(Leadership::Single),
            Election::Postgres { url } => url,
        };
        let mut connection = match PgConnection::connect(url).await {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(%error, "leader election: cannot connect to the database");
                return None;
            }
        };
        let locked = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
            .bind(POLLER_LOCK_ID)
            .fetch_one(&mut connection)
            .await;
        match locked {
            Ok(true) => Some(Leadership::Postgres(Box::new(connection))),
            Ok(false) => {
                // Another instance leads; this connection has no further use.
                let _ = connection.close().await;
                None
            }
            Err(error) => {
                tracing::warn!(%error, "leader election: cannot ask for the lock");
                None
            }
        }
    }

    /// Tries to lead every `retry` until it does.
    pub async fn lead(&self, retry: Duration) -> Leadership {
        let mut attempts = tokio::time::interval(retry);
        attempts.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            attempts.tick().await;
            if let Some(leadership) = self.try_lead().await {
                return leadership;
            }
        }
    }
}

impl Leadership {
    /// Resolves when leadership is lost: the lock's connection stops answering (checked every
    /// `check_every`). Never resolves for the only instance.
    pub async fn lost(&mut self, check_every: Duration) {
        let Leadership::Postgres(connection) = self else {
            return std::future::pending().await;
        };
        loop {
            tokio::time::sleep(check_every).await;
            if let Err(error) = connection.ping().await {
                tracing::warn!(%error, "leader election: the lock's connection is gone");
                return;
            }
        }
    }

    /// Gives leadership up at once, so that another instance can take over without waiting
    /// for the connection to time out.
    pub async fn resign(self) {
        if let Leadership::Postgres(connection) = self {
            let _ = connection.close().await;
        }
    }
}
