//! SIGTERM: the gateway stops taking connections, finishes the requests in flight, stops the
//! poller and exits cleanly.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use store::TestDb;

use crate::process::{Gateway, database_env};

#[tokio::test(flavor = "multi_thread")]
async fn a_request_in_flight_at_sigterm_is_answered_before_the_process_ends() {
    let db = TestDb::new().await;
    let mut gateway = Gateway::start(&database_env(&db), &[]).await;
    let address = gateway.address.trim_start_matches("http://").to_owned();

    // A request whose body is still arriving when SIGTERM comes, on a connection the gateway
    // has surely accepted: it answered a first request on it.
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .unwrap();
    let mut first_answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&first_answer).ends_with(r#"{"status":"ok"}"#) {
        let read = stream.read(&mut buffer).unwrap();
        assert!(read > 0, "{}", String::from_utf8_lossy(&first_answer));
        first_answer.extend_from_slice(&buffer[..read]);
    }
    let body = r#"{"query":"{ __typename }"}"#;
    let (first, rest) = body.split_at(10);
    stream
        .write_all(
            format!(
                "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    gateway.terminate();
    tokio::time::sleep(Duration::from_millis(700)).await;

    assert!(
        gateway.child.try_wait().unwrap().is_none(),
        "the gateway ended with a request in flight; its log:\n{}",
        gateway.log_text()
    );
    assert!(
        TcpStream::connect(&address).is_err(),
        "new connections are refused once stopping"
    );

    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.ends_with(r#"{"data":{"__typename":"Query"}}"#),
        "{answer}"
    );

    let status = gateway.wait(Duration::from_secs(20)).await;
    assert!(status.success(), "{status:?}\n{}", gateway.log_text());
    let log = gateway.log_text();
    assert!(log.contains("health poller stopped"), "{log}");
    assert!(log.contains("bbb-gateway stopped"), "{log}");
}
