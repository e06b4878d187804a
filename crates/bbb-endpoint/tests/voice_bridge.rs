//! Tenants cannot collide over, nor probe, each other's phone dial-in PINs (`voiceBridge`): a
//! PIN is unique per BBB server, and tokens share servers. From the attacker's side, through
//! the real endpoint, with one simulated server that every meeting lands on.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use bbb_client::CreateMeeting;
use common::Harness;
use store::TokenScope;

#[tokio::test]
async fn a_tenant_cannot_block_or_probe_another_tenants_voice_bridge() {
    let h = Harness::start(1).await;
    let alice = h.token("tenant-a", TokenScope::Token, None).await;
    let mallory = h.token("tenant-b", TokenScope::Token, None).await;
    let a = h
        .client
        .create(
            &h.api(&alice),
            &CreateMeeting::new("a-room", "Room A").voice_bridge("71234"),
        )
        .await
        .unwrap();

    // The PIN tenant A asked for, and one nobody uses: B's creates succeed alike, so B is
    // neither blocked by A nor told which PIN is taken.
    let mut answers = Vec::new();
    for (room, pin) in [("b-taken", "71234"), ("b-free", "71235")] {
        let created = h
            .client
            .create(
                &h.api(&mallory),
                &CreateMeeting::new(room, "Room B").voice_bridge(pin),
            )
            .await
            .unwrap_or_else(|error| panic!("{pin}: {error}"));
        answers.push((pin, created));
    }
    let echoed: Vec<bool> = answers
        .iter()
        .map(|(pin, created)| created.voice_bridge == *pin)
        .collect();
    assert_eq!(
        echoed[0], echoed[1],
        "B's answers differ by whether A uses the PIN: {answers:?}"
    );
    // Every meeting still has a PIN of its own on the server, which each tenant is told (its
    // users dial what BBB answered).
    let mut pins = vec![a.voice_bridge.clone()];
    pins.extend(
        answers
            .iter()
            .map(|(_, created)| created.voice_bridge.clone()),
    );
    assert!(pins.iter().all(|pin| !pin.is_empty()), "{pins:?}");
    let mut distinct = pins.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), pins.len(), "{pins:?}");
    let on_server: Vec<String> = h.sims[0]
        .meetings_snapshot()
        .into_iter()
        .map(|meeting| meeting.voice_bridge)
        .collect();
    for pin in &pins {
        assert!(on_server.contains(pin), "{pin} not in {on_server:?}");
    }
    // A meeting that holds a PIN on the server without any token — a persistent GraphQL
    // meeting with its static conference PIN — blocks no token's create either.
    let sim = &h.sims[0];
    let backend = bbb_client::Server::new(&sim.api_url(), sim.secret()).unwrap();
    h.client
        .create(
            &backend,
            &CreateMeeting::new("persistent", "Persistent room").voice_bridge("71236"),
        )
        .await
        .unwrap();
    h.client
        .create(
            &h.api(&mallory),
            &CreateMeeting::new("b-static", "Room B").voice_bridge("71236"),
        )
        .await
        .unwrap();
    // Nor does the PIN in a form body, which bbb-web merges into create's parameters.
    let url = h.url(
        &mallory,
        "create",
        "meetingID=b-form&name=Room+B",
        bbb_client::checksum::ChecksumAlgorithm::Sha256,
    );
    let answer = h
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("voiceBridge=71234")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        common::element(&answer, "returncode"),
        Some("SUCCESS"),
        "{answer}"
    );
    assert_ne!(common::element(&answer, "voiceBridge"), Some("71234"));
    // A's repeated create answers the PIN A's meeting has.
    let again = h
        .client
        .create(
            &h.api(&alice),
            &CreateMeeting::new("a-room", "Room A").voice_bridge("71234"),
        )
        .await
        .unwrap();
    assert_eq!(again.voice_bridge, a.voice_bridge);
    h.stop().await;
}
