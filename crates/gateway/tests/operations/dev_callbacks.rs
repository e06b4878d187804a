//! `serve --dev` without `public_url`: the address it listens on is where its simulators call
//! back, so relayed callbacks work in development (the BBB endpoint hands BBB callback URLs
//! only under a configured public URL, never one built from a request's Host).

use std::time::Duration;

use bbb_client::{Client, CreateMeeting, Server};
use store::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::process::{Gateway, admin, database_env};

const SECRET: &str = "dev-callback-test-secret-0123456789abcdef";

#[tokio::test]
async fn dev_mode_relays_callbacks_through_its_listen_address() {
    let db = TestDb::new().await;
    let gateway = Gateway::start(&database_env(&db), &["--dev"]).await;
    admin(
        &db,
        &["token", "create", "lms", "--group", "dev", "--secret-stdin"],
        Some(&format!("{SECRET}\n")),
    )
    .await
    .ok();
    // The integration's end callback: a listener on this machine (dev admits loopback).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/ended", listener.local_addr().unwrap());
    let api = Server::new(&gateway.url("/bigbluebutton/api/"), SECRET).unwrap();
    let bbb = Client::new().unwrap();
    bbb.create(
        &api,
        &CreateMeeting::new("dev-room", "Dev").meta("endCallbackUrl", &target),
    )
    .await
    .unwrap();
    bbb.end(&api, "dev-room").await.unwrap();
    let request_line = tokio::time::timeout(Duration::from_secs(10), async {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0u8; 4096];
        let n = socket.read(&mut buffer).await.unwrap();
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await;
        String::from_utf8_lossy(&buffer[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    })
    .await
    .unwrap_or_else(|_| panic!("no end callback; log:\n{}", gateway.log_text()));
    assert!(
        request_line.starts_with("GET /ended?recordingmarks=false"),
        "{request_line}"
    );
}
