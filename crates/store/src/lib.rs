//! The data-access layer of bbb-gateway: connecting to SQLite (the embedded default) or
//! PostgreSQL, applying migrations, keeping secrets encrypted at rest, and one repository per
//! aggregate. The gateway calls only this crate to read and write its database.
//!
//! Conventions: `get…` returns [`StoreError::NotFound`] when nothing matches, `find…` returns
//! `Option`; every error is a [`StoreError`], with unique, CHECK and foreign-key violations
//! translated into `Duplicate`, `Validation` and `InvalidReference` naming the field.
//!
//! ```no_run
//! # async fn example() -> Result<(), store::StoreError> {
//! let store = store::connect(None, store::SecretKey::parse("…base64 of 32 bytes…")?).await?;
//! let site = store.sites().default_site().await?;
//! let group = store.groups().create(site.id, "main").await?;
//! # Ok(()) }
//! ```

mod database;
mod error;
mod groups;
mod lookups;
mod meetings;
mod page;
mod placements;
mod secrets;
mod servers;
mod sites;
#[cfg(feature = "test-support")]
mod test_support;
mod tokens;
mod users;
mod validate;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend};

pub use database::{
    DEFAULT_SQLITE_FILE, MigrationState, connect, migrate_down, migrate_up, migration_status,
    open_database,
};
pub use entity;
pub use entity::{GroupPermission, MeetingPermission, ServerHealth, ServerState, TokenScope};
pub use error::{CryptoError, StoreError};
pub use groups::Groups;
pub use lookups::DEFAULT_LOOKUP_TTL;
pub use meetings::{
    MeetingColumns, MeetingFilter, MeetingGrants, MeetingSettings, MeetingUrls, Meetings,
    NewMeeting, NewMeetingUrl,
};
pub use page::{Page, PageRequest};
pub use placements::{LiveLocation, NewPlacement, PlacementFilter, Placements};
pub use secrets::{Secret, SecretKey};
pub use servers::{HealthThresholds, NewServer, PollOutcome, ServerChanges, Servers};
pub use sites::{NewSite, Sites, normalize_host};
#[cfg(feature = "test-support")]
pub use test_support::TestDb;
pub use tokens::{CreatedToken, NewApiToken, TokenChanges, TokenSecrets, Tokens};
pub use users::{ExternalProfile, NewUser, UserChanges, Users};

/// Rows as the repositories return them.
pub type Site = entity::site::Model;
pub type User = entity::user::Model;
pub type ServerGroup = entity::server_group::Model;
pub type GroupGrant = entity::group_grant::Model;
pub type Server = entity::server::Model;
pub type Meeting = entity::meeting::Model;
pub type MeetingGrant = entity::meeting_grant::Model;
pub type MeetingUrl = entity::meeting_url::Model;
pub type ApiToken = entity::api_token::Model;
pub type Placement = entity::placement::Model;

/// A connected database plus the key for secrets and the in-memory copies of rows every
/// request reads (see [`Store::with_lookup_ttl`]). Cheap to clone: clones share the pool and
/// those copies, so a write through one clone is seen by reads through every other.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    cipher: Arc<secrets::Cipher>,
    lookups: Arc<lookups::Lookups>,
}

impl Store {
    /// Wraps a connection whose schema is already migrated (see [`connect`]), keeping looked-up
    /// rows for [`DEFAULT_LOOKUP_TTL`].
    pub fn new(db: DatabaseConnection, key: &SecretKey) -> Self {
        Store {
            db,
            cipher: Arc::new(secrets::Cipher::new(key)),
            lookups: Arc::new(lookups::Lookups::new(DEFAULT_LOOKUP_TTL)),
        }
    }

    /// This store with its per-request lookups (the site a Host header picks, the user a
    /// session names, a group's site) kept in memory for at most `ttl`: writes through this
    /// store are seen at once; writes by another process (another instance, the CLI) within
    /// `ttl`. Zero keeps nothing. Starts with nothing cached.
    pub fn with_lookup_ttl(self, ttl: Duration) -> Self {
        Store {
            lookups: Arc::new(lookups::Lookups::new(ttl)),
            ..self
        }
    }

    /// The underlying connection, for queries the repositories do not cover.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub fn sites(&self) -> Sites<'_> {
        Sites::new(self)
    }

    pub fn users(&self) -> Users<'_> {
        Users::new(self)
    }

    pub fn groups(&self) -> Groups<'_> {
        Groups::new(self)
    }

    pub fn servers(&self) -> Servers<'_> {
        Servers::new(self)
    }

    pub fn meetings(&self) -> Meetings<'_> {
        Meetings::new(self)
    }

    pub fn meeting_grants(&self) -> MeetingGrants<'_> {
        MeetingGrants::new(self)
    }

    pub fn meeting_urls(&self) -> MeetingUrls<'_> {
        MeetingUrls::new(self)
    }

    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::new(self)
    }

    pub fn placements(&self) -> Placements<'_> {
        Placements::new(self)
    }

    /// Moves SQLite's write-ahead log into the database file (a no-op on PostgreSQL), e.g.
    /// before copying the file for a backup.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        database::checkpoint(&self.db).await
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(StoreError::Database)
    }

    /// A transaction for read-modify-write work. On SQLite it takes the write lock at `BEGIN`
    /// (waiting under the busy timeout) instead of failing with "database is locked" when a
    /// read inside it would later need to upgrade to a write.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        database::begin_write(&self.db).await
    }
}

/// The current time at the precision both databases keep (microseconds), so a value written
/// and read back compares equal.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
