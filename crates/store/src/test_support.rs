//! `TestDb`: a fresh, isolated database per test. SQLite in a temporary directory by default;
//! with `TEST_DATABASE_URL` set (a PostgreSQL server where the user may CREATE DATABASE), a
//! newly created, uniquely named PostgreSQL database, dropped again when the `TestDb` is.
//!
//! ```no_run
//! # async fn example() {
//! let db = store::TestDb::new().await;
//! let site = db.store().sites().default_site().await.unwrap();
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database};

use crate::{SecretKey, Store, database};

/// The environment variable naming a PostgreSQL server for tests.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

static DATABASE_COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    store: Store,
    key: SecretKey,
    url: String,
    location: Location,
}

enum Location {
    Sqlite {
        path: PathBuf,
        // Deleted (with the database file) on drop.
        _dir: tempfile::TempDir,
    },
    Postgres {
        server_url: String,
        name: String,
    },
}

impl TestDb {
    /// A fresh database with the schema applied. Panics when it cannot be set up: a test
    /// without its database cannot do anything useful.
    pub async fn new() -> Self {
        let db = TestDb::empty().await;
        database::migrate_up(db.store.connection(), None)
            .await
            .expect("migrations apply to a fresh database");
        db
    }

    /// A fresh database without any schema, for testing the migrations themselves.
    pub async fn empty() -> Self {
        let key = SecretKey::generate();
        let (url, location) = match std::env::var(TEST_DATABASE_URL) {
            Ok(server_url) if !server_url.is_empty() => create_postgres_database(server_url).await,
            _ => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let path = dir.path().join("test.sqlite");
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (url, Location::Sqlite { path, _dir: dir })
            }
        };
        let connection = database::open_database(Some(&url))
            .await
            .expect("test database opens");
        TestDb {
            store: Store::new(connection, &key),
            key,
            url,
            location,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The key the store encrypts secrets with.
    pub fn key(&self) -> &SecretKey {
        &self.key
    }

    /// The URL of this test's database, e.g. to open a second connection to it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database file, when the test runs on SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.location {
            Location::Sqlite { path, .. } => Some(path),
            Location::Postgres { .. } => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.location, Location::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Location::Postgres { server_url, name } = &self.location else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; a helper thread
        // with a runtime of its own removes the database. FORCE ends the test's connections.
        let (server_url, database) = (server_url.clone(), name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime for dropping the test database");
            runtime.block_on(async move {
                let server = Database::connect(server_url.as_str()).await?;
                server
                    .execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                    ))
                    .await?;
                server.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("test database {name} was not dropped; remove it by hand");
        }
    }
}

async fn create_postgres_database(server_url: String) -> (String, Location) {
    let name = format!(
        "bbbgw_test_{}_{}_{:08x}",
        std::process::id(),
        DATABASE_COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let server = Database::connect(server_url.as_str())
        .await
        .expect("TEST_DATABASE_URL is reachable");
    server
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("the test user may CREATE DATABASE");
    server.close().await.expect("closing the server connection");
    let url = with_database_name(&server_url, &name);
    (url, Location::Postgres { server_url, name })
}

/// `postgres://u@h:5432/postgres?x=y` with the database `name` instead of `postgres`.
fn with_database_name(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn database_name_replaces_the_path_and_keeps_the_query() {
        assert_eq!(
            with_database_name("postgres://u@h:5432/postgres", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database_name("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(with_database_name("postgres://h", "t1"), "postgres://h/t1");
    }
}
