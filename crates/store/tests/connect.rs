//! The embedded default: no URL means a SQLite file in the working directory, created and
//! migrated on first start.

use store::{DEFAULT_SQLITE_FILE, SecretKey, StoreError, connect};

// The only test in this binary: it changes the process's working directory.
#[tokio::test]
async fn no_url_means_a_sqlite_file_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    let key = SecretKey::generate();

    let store = connect(None, key.clone()).await.unwrap();
    assert!(dir.path().join(DEFAULT_SQLITE_FILE).exists());
    let site = store.sites().default_site().await.unwrap();
    let group = store.groups().create(site.id, "kept").await.unwrap();
    store.close().await.unwrap();

    // Second start: the same file, migrations already applied, data still there.
    let store = connect(None, key).await.unwrap();
    assert_eq!(store.groups().get(group.id).await.unwrap().name, "kept");
    store.close().await.unwrap();

    let url = format!("sqlite://{}/explicit.sqlite", dir.path().display());
    let explicit = connect(Some(&url), SecretKey::generate()).await.unwrap();
    assert!(explicit.sites().default_site().await.is_ok());
    assert!(dir.path().join("explicit.sqlite").exists());

    assert!(matches!(
        connect(Some("mysql://user:hunter2@host/db"), SecretKey::generate()).await,
        Err(StoreError::UnsupportedUrl(url)) if !url.contains("hunter2")
    ));
}
