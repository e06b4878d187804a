//! The schema goes up from empty, down to empty, and up again, on SQLite and PostgreSQL.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use store::{TestDb, migrate_down, migrate_up, migration_status};

/// The tables in the database, apart from the migrations' own bookkeeping table.
async fn tables(db: &TestDb) -> Vec<String> {
    let connection = db.store().connection();
    let sql = match connection.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
              AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
    };
    connection
        .query_all_raw(Statement::from_string(
            connection.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .filter(|name| name != "seaql_migrations")
        .collect()
}

const ALL_TABLES: [&str; 10] = [
    "api_token",
    "group_grant",
    "meeting",
    "meeting_grant",
    "meeting_url",
    "placement",
    "server",
    "server_group",
    "site",
    "user",
];

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let db = TestDb::empty().await;
    let connection = db.store().connection();
    assert!(tables(&db).await.is_empty());
    assert!(
        migration_status(connection)
            .await
            .unwrap()
            .iter()
            .all(|migration| !migration.applied)
    );

    migrate_up(connection, None).await.unwrap();
    assert_eq!(tables(&db).await, ALL_TABLES);
    let status = migration_status(connection).await.unwrap();
    assert_eq!(status.len(), 6);
    assert!(status.iter().all(|migration| migration.applied));
    // The first migration seeds the default site.
    assert_eq!(
        db.store().sites().default_site().await.unwrap().domain,
        "localhost"
    );

    migrate_down(connection, None).await.unwrap();
    assert!(tables(&db).await.is_empty());

    migrate_up(connection, None).await.unwrap();
    assert_eq!(tables(&db).await, ALL_TABLES);
    assert!(db.store().sites().default_site().await.is_ok());
}

#[tokio::test]
async fn each_migration_reverts_on_its_own() {
    let db = TestDb::new().await;
    let connection = db.store().connection();
    let count = migration_status(connection).await.unwrap().len();
    for applied in (0..count).rev() {
        migrate_down(connection, Some(1)).await.unwrap();
        let status = migration_status(connection).await.unwrap();
        assert_eq!(
            status.iter().filter(|migration| migration.applied).count(),
            applied
        );
    }
    assert!(tables(&db).await.is_empty());
    for applied in 1..=count {
        migrate_up(connection, Some(1)).await.unwrap();
        let status = migration_status(connection).await.unwrap();
        assert_eq!(
            status.iter().filter(|migration| migration.applied).count(),
            applied
        );
    }
    assert_eq!(tables(&db).await, ALL_TABLES);
}

#[tokio::test]
async fn applying_migrations_twice_changes_nothing() {
    let db = TestDb::new().await;
    migrate_up(db.store().connection(), None).await.unwrap();
    assert_eq!(tables(&db).await, ALL_TABLES);
    assert_eq!(db.store().sites().list().await.unwrap().len(), 1);
}

async fn placement_indexes(db: &TestDb) -> Vec<String> {
    let connection = db.store().connection();
    let sql = match connection.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT indexname AS name FROM pg_indexes \
             WHERE tablename = 'placement' ORDER BY indexname"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'index' \
             AND tbl_name = 'placement' ORDER BY name"
        }
    };
    connection
        .query_all_raw(Statement::from_string(
            connection.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect()
}

#[tokio::test]
async fn the_endpoint_lookups_have_indexes_that_the_last_migration_removes() {
    let db = TestDb::new().await;
    let wanted = ["ix_placement_group_backend", "ix_placement_group_client"];
    let indexes = placement_indexes(&db).await;
    for name in wanted {
        assert!(indexes.iter().any(|index| index == name), "{indexes:?}");
    }
    let connection = db.store().connection();
    migrate_down(connection, Some(1)).await.unwrap();
    let indexes = placement_indexes(&db).await;
    for name in wanted {
        assert!(!indexes.iter().any(|index| index == name), "{indexes:?}");
    }
}
