//! Opening the database (SQLite by default, or PostgreSQL) and running migrations.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::{SecretKey, Store, StoreError};

/// The SQLite file used when no database URL is configured, in the working directory.
pub const DEFAULT_SQLITE_FILE: &str = "bbb-gateway.sqlite";

/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// SQLite has one writer at a time anyway; a few connections let reads proceed beside it.
const SQLITE_POOL_SIZE: u32 = 8;
/// How long a PostgreSQL connection may sit idle in the pool before it is tested on use.
const POSTGRES_PING_AFTER_IDLE: Duration = Duration::from_secs(5);
/// Two gateway instances starting at once must not both migrate (an arbitrary fixed number).
const MIGRATION_LOCK_ID: i64 = 0x6262_625f_6777_0001;

/// Opens the database and brings its schema up to date.
///
/// `None` means the SQLite file [`DEFAULT_SQLITE_FILE`] in the working directory, created on
/// first start; otherwise a `sqlite:` URL or a `postgres://` / `postgresql://` URL.
pub async fn connect(url: Option<&str>, key: SecretKey) -> Result<Store, StoreError> {
    let db = open_database(url).await?;
    migrate_up(&db, None).await?;
    Ok(Store::new(db, &key))
}

/// Opens the database without touching its schema (for the `migrate` commands).
pub async fn open_database(url: Option<&str>) -> Result<DatabaseConnection, StoreError> {
    let url = url.map_or_else(
        || format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc"),
        str::to_owned,
    );
    let mut options = ConnectOptions::new(url.clone());
    // Statement logging is the gateway's decision (through tracing), not the pool's.
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // Each connection to an in-memory database is a database of its own.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        options
            .max_connections(if in_memory { 1 } else { SQLITE_POOL_SIZE })
            // A SQLite connection is a file handle on a thread of ours: it cannot go away
            // while idle, and pinging it costs a round trip to that thread per statement.
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(|opts: SqliteConnectOptions| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // Safe with WAL: a crash may lose the last commits, never corrupt.
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        // A connection the server may have dropped (restart, idle timeout) is tested before
        // use; one that was busy a moment ago is not, which saves a network round trip per
        // statement under load (sqlx tests each connection again when it is returned).
        options.test_before_acquire_if_idle_for(POSTGRES_PING_AFTER_IDLE);
    } else {
        return Err(StoreError::UnsupportedUrl(redact_password(&url)));
    }
    Database::connect(options)
        .await
        .map_err(StoreError::Database)
}

/// Applies pending migrations (all, or the next `steps`).
pub async fn migrate_up(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), StoreError> {
    if db.get_database_backend() == DbBackend::Postgres {
        // The advisory lock lives as long as this transaction, and the migrations run in it.
        let txn = db.begin().await?;
        txn.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"
        ))
        .await?;
        Migrator::up(&txn, steps).await?;
        txn.commit().await?;
        Ok(())
    } else {
        Ok(Migrator::up(db, steps).await?)
    }
}

/// Reverts applied migrations (all, or the last `steps`).
pub async fn migrate_down(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), StoreError> {
    Ok(Migrator::down(db, steps).await?)
}

/// One migration and whether it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// Every known migration, oldest first.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<MigrationState>, StoreError> {
    Ok(Migrator::get_migration_with_status(db)
        .await?
        .into_iter()
        .map(|migration| MigrationState {
            name: migration.name().to_owned(),
            applied: migration.status() == migrations::MigrationStatus::Applied,
        })
        .collect())
}

pub(crate) async fn begin_write(
    db: &DatabaseConnection,
) -> Result<DatabaseTransaction, StoreError> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

pub(crate) async fn checkpoint(db: &DatabaseConnection) -> Result<(), StoreError> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}

/// The URL for an error message, without a password.
fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}
