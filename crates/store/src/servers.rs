//! BBB servers: their encrypted secrets, administrative state, and health-poll results.

use chrono::{DateTime, Utc};
use entity::server;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::secrets::Purpose;
use crate::{Secret, Server, ServerHealth, ServerState, Store, StoreError, now, validate};

pub struct NewServer {
    pub group_id: i64,
    pub name: String,
    pub api_url: String,
    pub secret: Secret,
    pub weight: i32,
    pub state: ServerState,
}

/// Fields to change; `None` keeps the current value.
#[derive(Default)]
pub struct ServerChanges {
    pub name: Option<String>,
    pub api_url: Option<String>,
    pub secret: Option<Secret>,
    pub weight: Option<i32>,
    pub state: Option<ServerState>,
}

/// What one health poll found.
#[derive(Debug, Clone)]
pub enum PollOutcome {
    Reachable {
        meeting_count: i32,
        attendee_count: i32,
    },
    Failed {
        error: String,
    },
}

/// How many polls in a row flip a server's health.
#[derive(Debug, Clone, Copy)]
pub struct HealthThresholds {
    /// Successes in a row that make a server healthy.
    pub rise: u32,
    /// Failures in a row that make a server unhealthy.
    pub fall: u32,
}

pub struct Servers<'s> {
    store: &'s Store,
}

impl<'s> Servers<'s> {
    pub(crate) fn new(store: &'s Store) -> Self {
        Servers { store }
    }

    pub async fn add(&self, new: NewServer) -> Result<Server, StoreError> {
        let created_at = now();
        Ok(server::ActiveModel {
            group_id: Set(new.group_id),
            name: Set(validate::name("name", &new.name, 60)?),
            api_url: Set(validate::api_url(&new.api_url)?),
            secret_ciphertext: Set(self.encrypt(&new.secret)?),
            weight: Set(validate::positive("weight", new.weight)?),
            state: Set(new.state),
            health: Set(ServerHealth::Unknown),
            consecutive_failures: Set(0),
            consecutive_successes: Set(0),
            last_polled_at: Set(None),
            last_poll_error: Set(None),
            meeting_count: Set(0),
            attendee_count: Set(0),
            created_at: Set(created_at),
            updated_at: Set(created_at),
            ..Default::default()
        }
        .insert(self.store.connection())
        .await?)
    }

    pub async fn get(&self, id: i64) -> Result<Server, StoreError> {
        server::Entity::find_by_id(id)
            .one(self.store.connection())
            .await?
            .ok_or(StoreError::not_found("server"))
    }

    /// The plaintext secret of a server, for signing BBB API calls.
    pub fn secret(&self, server: &Server) -> Result<Secret, StoreError> {
        self.store
            .cipher
            .decrypt(Purpose::ServerSecret, &server.secret_ciphertext)
    }

    pub async fn list(&self, group_id: i64) -> Result<Vec<Server>, StoreError> {
        Ok(server::Entity::find()
            .filter(server::Column::GroupId.eq(group_id))
            .order_by_asc(server::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// Servers by id in one query (for DataLoaders), in id order; missing ids are skipped.
    pub async fn get_many(&self, ids: &[i64]) -> Result<Vec<Server>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(server::Entity::find()
            .filter(server::Column::Id.is_in(ids.iter().copied()))
            .order_by_asc(server::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    /// Every server of every group, for the health poller.
    pub async fn list_all(&self) -> Result<Vec<Server>, StoreError> {
        Ok(server::Entity::find()
            .order_by_asc(server::Column::Id)
            .all(self.store.connection())
            .await?)
    }

    pub async fn update(&self, id: i64, changes: ServerChanges) -> Result<Server, StoreError> {
        let mut server: server::ActiveModel = self.get(id).await?.into();
        if let Some(name) = changes.name {
            server.name = Set(validate::name("name", &name, 60)?);
        }
        if let Some(api_url) = changes.api_url {
            server.api_url = Set(validate::api_url(&api_url)?);
        }
        if let Some(secret) = changes.secret {
            server.secret_ciphertext = Set(self.encrypt(&secret)?);
        }
        if let Some(weight) = changes.weight {
            server.weight = Set(validate::positive("weight", weight)?);
        }
        if let Some(state) = changes.state {
            server.state = Set(state);
        }
        server.updated_at = Set(now());
        Ok(server.update(self.store.connection()).await?)
    }

    /// Enable, cordon (drain) or disable a server.
    pub async fn set_state(&self, id: i64, state: ServerState) -> Result<Server, StoreError> {
        self.update(
            id,
            ServerChanges {
                state: Some(state),
                ..ServerChanges::default()
            },
        )
        .await
    }

    /// Removes a server; its placements go with it.
    pub async fn remove(&self, id: i64) -> Result<(), StoreError> {
        let deleted = server::Entity::delete_by_id(id)
            .exec(self.store.connection())
            .await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::not_found("server"));
        }
        Ok(())
    }

    /// Records one poll: counters, time, error, load, and the health the thresholds give.
    /// One UPDATE computes it all from the stored counters, so concurrent polls cannot lose a
    /// count.
    pub async fn record_poll(
        &self,
        id: i64,
        outcome: PollOutcome,
        at: DateTime<Utc>,
        thresholds: HealthThresholds,
    ) -> Result<Server, StoreError> {
        use server::Column as C;
        let mut update = server::Entity::update_many()
            .col_expr(C::LastPolledAt, Expr::value(Some(at)))
            .col_expr(C::UpdatedAt, Expr::value(now()))
            .filter(C::Id.eq(id));
        update = match outcome {
            PollOutcome::Reachable {
                meeting_count,
                attendee_count,
            } => update
                .col_expr(
                    C::ConsecutiveSuccesses,
                    Expr::col(C::ConsecutiveSuccesses).add(1),
                )
                .col_expr(C::ConsecutiveFailures, Expr::value(0))
                .col_expr(C::LastPollError, Expr::value(Option::<String>::None))
                .col_expr(C::MeetingCount, Expr::value(meeting_count))
                .col_expr(C::AttendeeCount, Expr::value(attendee_count))
                .col_expr(
                    C::Health,
                    Expr::case(
                        Expr::col(C::ConsecutiveSuccesses)
                            .add(1)
                            .gte(i64::from(thresholds.rise)),
                        ServerHealth::Healthy.to_value(),
                    )
                    .finally(Expr::col(C::Health))
                    .into(),
                ),
            PollOutcome::Failed { error } => update
                .col_expr(
                    C::ConsecutiveFailures,
                    Expr::col(C::ConsecutiveFailures).add(1),
                )
                .col_expr(C::ConsecutiveSuccesses, Expr::value(0))
                .col_expr(C::LastPollError, Expr::value(Some(error)))
                .col_expr(
                    C::Health,
                    Expr::case(
                        Expr::col(C::ConsecutiveFailures)
                            .add(1)
                            .gte(i64::from(thresholds.fall)),
                        ServerHealth::Unhealthy.to_value(),
                    )
                    .finally(Expr::col(C::Health))
                    .into(),
                ),
        };
        let updated = update.exec(self.store.connection()).await?;
        if updated.rows_affected == 0 {
            return Err(StoreError::not_found("server"));
        }
        self.get(id).await
    }

    fn encrypt(&self, secret: &Secret) -> Result<String, StoreError> {
        if secret.expose().is_empty() {
            return Err(StoreError::invalid("secret", "must not be empty"));
        }
        self.store.cipher.encrypt(Purpose::ServerSecret, secret)
    }
}
