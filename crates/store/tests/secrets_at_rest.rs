//! A dump of the database reveals no server or token secret, and the ciphertexts are useless
//! without the key.

mod common;

use common::{fixture, new_server};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use store::{NewApiToken, Secret, SecretKey, Store, StoreError, TestDb};

#[tokio::test]
async fn the_sqlite_file_holds_no_plaintext_secret() {
    let db = TestDb::new().await;
    let store = db.store();
    let f = fixture(store).await;
    let server_secret = "plaintext-server-secret-7f3a9c";
    let server = store
        .servers()
        .add(store::NewServer {
            secret: Secret::new(server_secret),
            ..new_server(f.group.id, "bbb1")
        })
        .await
        .unwrap();
    let created = store
        .tokens()
        .create(NewApiToken::new("integration", f.group.id))
        .await
        .unwrap();
    let rotated = store.tokens().rotate(created.token.id, None).await.unwrap();
    let token_secrets = [created.secret.expose(), rotated.secret.expose()];

    let dump = match db.sqlite_path() {
        Some(path) => {
            store.checkpoint().await.unwrap();
            let mut bytes = std::fs::read(path).unwrap();
            // Whatever the checkpoint left in the log is part of a dump too.
            bytes.extend(std::fs::read(path.with_extension("sqlite-wal")).unwrap_or_default());
            bytes
        }
        // On PostgreSQL, the rows as a dump would print them.
        None => dump_rows(store).await.into_bytes(),
    };
    let contains = |needle: &str| {
        dump.windows(needle.len())
            .any(|window| window == needle.as_bytes())
    };
    // The dump is real: it holds the rows' other data.
    assert!(contains("integration"));
    assert!(contains(&server.api_url));
    assert!(contains(&server.secret_ciphertext));
    assert!(!contains(server_secret), "server secret in the dump");
    for secret in token_secrets {
        assert!(!contains(secret), "token secret in the dump");
    }

    // The ciphertexts do not open under another key.
    let stranger = Store::new(store.connection().clone(), &SecretKey::generate());
    assert!(matches!(
        stranger.servers().secret(&server),
        Err(StoreError::Crypto(_))
    ));
    assert!(matches!(
        stranger.tokens().secrets(created.token.id).await,
        Err(StoreError::Crypto(_))
    ));
    // And do under the right one.
    assert_eq!(
        store.servers().secret(&server).unwrap().expose(),
        server_secret
    );
}

async fn dump_rows(store: &Store) -> String {
    let connection = store.connection();
    let mut dump = String::new();
    for table in ["server", "api_token"] {
        let sql = format!("SELECT row_to_json(t)::text AS row FROM {table} t");
        for row in connection
            .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap()
        {
            dump.push_str(&row.try_get::<String>("", "row").unwrap());
            dump.push('\n');
        }
    }
    dump
}
