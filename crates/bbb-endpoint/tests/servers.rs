//! Server selection and health through the endpoint: placement spread by load (attendees seen
//! by the poller plus decaying reservations, size hints), cordoned servers, and a server taken
//! down and brought back mid-test.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::HashSet;

use bbb_client::CreateMeeting;
use bbb_client::checksum::ChecksumAlgorithm;
use common::{Harness, assert_failed, element};
use store::{ServerHealth, ServerState, TokenScope};

#[tokio::test]
async fn placement_spreads_by_load() {
    let h = Harness::start(3).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.poll().await;
    // A burst of three lands on three servers: each placement reserves seats.
    for n in 0..3 {
        h.client
            .create(&api, &CreateMeeting::new(format!("burst-{n}"), "Burst"))
            .await
            .unwrap();
    }
    let mut servers = HashSet::new();
    for n in 0..3 {
        servers.insert(h.placement(&tok, &format!("burst-{n}")).await.server_id);
    }
    assert_eq!(servers.len(), 3);

    // Attendees on two of them, seen by a poll: the next meeting goes to the third.
    let busy_a = h.placement(&tok, "burst-0").await;
    let busy_b = h.placement(&tok, "burst-1").await;
    let idle = h.placement(&tok, "burst-2").await;
    h.sim_of(&busy_a)
        .add_attendees(&busy_a.bbb_meeting_id, 30)
        .unwrap();
    h.sim_of(&busy_b)
        .add_attendees(&busy_b.bbb_meeting_id, 20)
        .unwrap();
    h.poll().await;
    h.client
        .create(&api, &CreateMeeting::new("next", "Next"))
        .await
        .unwrap();
    assert_eq!(h.placement(&tok, "next").await.server_id, idle.server_id);

    // A big meeting (size hint) reserves its seats: small ones then avoid its server.
    h.client
        .create(
            &api,
            &CreateMeeting::new("big", "Big").max_participants(100),
        )
        .await
        .unwrap();
    let big = h.placement(&tok, "big").await;
    assert_eq!(big.server_id, idle.server_id, "still the least loaded");
    h.client
        .create(&api, &CreateMeeting::new("small", "Small"))
        .await
        .unwrap();
    assert_eq!(h.placement(&tok, "small").await.server_id, busy_b.server_id);
    h.client
        .create(
            &api,
            &CreateMeeting::new("hinted", "Hinted").meta("bbb-meeting-size-hint", "200"),
        )
        .await
        .unwrap();
    // Loads now: 30 attendees, 20 attendees + 5 reserved, 110 reserved.
    let hinted = h.placement(&tok, "hinted").await;
    assert_eq!(hinted.server_id, busy_b.server_id);
    // Its 200 seats push that server above the one with 30 attendees.
    h.client
        .create(&api, &CreateMeeting::new("after-hint", "After"))
        .await
        .unwrap();
    assert_eq!(
        h.placement(&tok, "after-hint").await.server_id,
        busy_a.server_id
    );
    h.stop().await;
}

#[tokio::test]
async fn cordoned_servers_keep_their_meetings_but_get_no_new_ones() {
    let h = Harness::start(2).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("draining", "Draining"))
        .await
        .unwrap();
    let draining = h.placement(&tok, "draining").await;
    h.store()
        .servers()
        .set_state(draining.server_id, ServerState::Cordoned)
        .await
        .unwrap();
    for n in 0..4 {
        h.client
            .create(&api, &CreateMeeting::new(format!("new-{n}"), "New"))
            .await
            .unwrap();
        assert_ne!(
            h.placement(&tok, &format!("new-{n}")).await.server_id,
            draining.server_id
        );
    }
    let info = h.client.get_meeting_info(&api, "draining").await.unwrap();
    assert_eq!(info.meeting_id, "draining");
    let again = h
        .client
        .create(&api, &CreateMeeting::new("draining", "Draining"))
        .await
        .unwrap();
    assert_eq!(
        again.message_key, "duplicateWarning",
        "not moved off a cordoned server"
    );
    assert_eq!(h.client.get_meetings(&api).await.unwrap().len(), 5);
    // Disabled: its meetings are unreachable, with a BBB answer.
    h.store()
        .servers()
        .set_state(draining.server_id, ServerState::Disabled)
        .await
        .unwrap();
    let (status, body) = h
        .get(&h.url(
            &tok,
            "getMeetingInfo",
            "meetingID=draining",
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_failed(status, &body, "serverUnavailable");
    h.stop().await;
}

#[tokio::test]
async fn a_meeting_that_ended_on_a_cordoned_server_is_created_again_elsewhere() {
    let h = Harness::start(2).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("draining", "Draining"))
        .await
        .unwrap();
    let first = h.placement(&tok, "draining").await;
    h.store()
        .servers()
        .set_state(first.server_id, ServerState::Cordoned)
        .await
        .unwrap();
    // Its moderator ends it on the server itself; no poll has noticed yet.
    let sim = h.sim_of(&first);
    let direct = bbb_client::Server::new(&sim.api_url(), sim.secret()).unwrap();
    h.client.end(&direct, &first.bbb_meeting_id).await.unwrap();

    let again = h
        .client
        .create(&api, &CreateMeeting::new("draining", "Draining"))
        .await
        .unwrap();
    assert_eq!(again.meeting_id, "draining");
    assert_eq!(again.message_key, "", "a new session");
    let now = h.placement(&tok, "draining").await;
    assert_ne!(
        now.server_id, first.server_id,
        "a draining server gets no ended meeting back"
    );
    assert!(
        sim.meetings_snapshot()
            .iter()
            .filter(|m| m.meeting_id == first.bbb_meeting_id)
            .all(|m| m.forcibly_ended),
        "nothing runs on the cordoned server"
    );
    h.stop().await;
}

#[tokio::test]
async fn concurrent_creates_of_a_meeting_whose_server_just_died_agree_on_one_server() {
    let h = Harness::start(3).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.poll().await;
    h.client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    let first = h.placement(&tok, "room").await;
    h.sim_of(&first).set_down(true).await.unwrap();

    // No poll yet: every create finds the server silent and fails over at once.
    let create = CreateMeeting::new("room", "Room");
    let creates = (0..8).map(|_| h.client.create(&api, &create));
    for created in futures_util::future::join_all(creates).await {
        assert_eq!(created.unwrap().meeting_id, "room");
    }
    let now = h.placement(&tok, "room").await;
    assert_ne!(now.server_id, first.server_id);
    let holders: Vec<i64> = h
        .sims
        .iter()
        .zip(&h.server_ids)
        .filter(|(_, id)| **id != first.server_id)
        .filter(|(sim, _)| {
            sim.meetings_snapshot()
                .iter()
                .any(|m| m.meeting_id == now.bbb_meeting_id)
        })
        .map(|(_, id)| *id)
        .collect();
    assert_eq!(
        holders,
        [now.server_id],
        "one BBB meeting, where it is placed"
    );
    assert_eq!(
        h.client
            .get_meeting_info(&api, "room")
            .await
            .unwrap()
            .internal_meeting_id,
        now.internal_meeting_id.unwrap()
    );
    h.stop().await;
}

#[tokio::test]
async fn a_dead_server_costs_its_meetings_only_and_they_are_placed_anew_on_create() {
    let h = Harness::start(3).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.poll().await;
    for n in 0..3 {
        h.client
            .create(
                &api,
                &CreateMeeting::new(format!("m{n}"), format!("Meeting {n}")),
            )
            .await
            .unwrap();
    }
    let victim = h.placement(&tok, "m0").await;
    let dead = h.sim_of(&victim);
    dead.set_down(true).await.unwrap();

    // Before any poll notices: the dead server's meeting gets FAILED, the others work, and
    // getMeetings answers with the servers that answered.
    for call in ["getMeetingInfo", "isMeetingRunning", "end"] {
        let (status, body) = h
            .get(&h.url(&tok, call, "meetingID=m0", ChecksumAlgorithm::Sha1))
            .await;
        assert_failed(status, &body, "serverUnavailable");
    }
    for id in ["m1", "m2"] {
        assert_eq!(
            h.client
                .get_meeting_info(&api, id)
                .await
                .unwrap()
                .meeting_id,
            id
        );
    }
    let mut listed: Vec<String> = h
        .client
        .get_meetings(&api)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.meeting_id)
        .collect();
    listed.sort();
    assert_eq!(listed, ["m1", "m2"]);

    // The poller marks it unhealthy; join answers FAILED, no redirect to a dead server.
    h.poll().await;
    let row = h.store().servers().get(victim.server_id).await.unwrap();
    assert_eq!(row.health, ServerHealth::Unhealthy);
    let (status, body) = h
        .get(&h.url(
            &tok,
            "join",
            "meetingID=m0&fullName=Ann&role=MODERATOR",
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_failed(status, &body, "serverUnavailable");
    assert!(!body.contains(&victim.bbb_meeting_id));

    // The next create places it anew, on a live server; the client's ID stays the same.
    let recreated = h
        .client
        .create(&api, &CreateMeeting::new("m0", "Meeting 0"))
        .await
        .unwrap();
    assert_eq!(recreated.meeting_id, "m0");
    let moved = h.placement(&tok, "m0").await;
    assert_ne!(
        moved.id, victim.id,
        "placed anew; the dead server's placement is history"
    );
    assert_ne!(moved.server_id, victim.server_id);
    let history = h.store().placements().get(victim.id).await.unwrap();
    assert!(history.ended_at.is_some());
    assert_eq!(history.server_id, victim.server_id);
    assert_eq!(
        history.internal_meeting_id, victim.internal_meeting_id,
        "with the session its recordings are filed under"
    );
    assert_eq!(
        h.client
            .get_meeting_info(&api, "m0")
            .await
            .unwrap()
            .meeting_id,
        "m0"
    );
    // New meetings avoid the dead server.
    for n in 3..6 {
        h.client
            .create(&api, &CreateMeeting::new(format!("m{n}"), "New"))
            .await
            .unwrap();
        assert_ne!(
            h.placement(&tok, &format!("m{n}")).await.server_id,
            victim.server_id
        );
    }

    // Back up: healthy after a poll, and it takes new meetings again.
    dead.set_down(false).await.unwrap();
    h.poll().await;
    let row = h.store().servers().get(victim.server_id).await.unwrap();
    assert_eq!(row.health, ServerHealth::Healthy);
    let mut used = HashSet::new();
    for n in 6..12 {
        h.client
            .create(&api, &CreateMeeting::new(format!("m{n}"), "New"))
            .await
            .unwrap();
        used.insert(h.placement(&tok, &format!("m{n}")).await.server_id);
    }
    assert!(used.contains(&victim.server_id), "{used:?}");
    assert_eq!(h.client.get_meetings(&api).await.unwrap().len(), 12);
    h.stop().await;
}

#[tokio::test]
async fn create_on_a_server_that_just_died_is_placed_elsewhere_at_once() {
    let h = Harness::start(2).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    let first = h.placement(&tok, "room").await;
    h.sim_of(&first).set_down(true).await.unwrap();
    // No poll yet: the failed forward itself moves the meeting.
    let created = h
        .client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    assert_eq!(
        created.message_key, "",
        "a fresh meeting on the other server"
    );
    assert_ne!(h.placement(&tok, "room").await.server_id, first.server_id);

    // A removed server takes its placements along: the meeting is unknown, then created anew.
    let now_on = h.placement(&tok, "room").await;
    h.store().servers().remove(now_on.server_id).await.unwrap();
    let (status, body) = h
        .get(&h.url(
            &tok,
            "getMeetingInfo",
            "meetingID=room",
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_failed(status, &body, "notFound");
    // Only the dead server is left: no server takes the meeting, and the answer says so.
    let (status, body) = h
        .get(&h.url(
            &tok,
            "create",
            "meetingID=room&name=Room",
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(element(&body, "returncode"), Some("FAILED"), "{body}");
    h.stop().await;
}

/// A server row whose URL no BBB call can be made with, as an older database may hold (the
/// store itself takes it: the URL rule is applied by the service when servers are written).
async fn add_unusable_server(h: &Harness, name: &str, api_url: &str) -> i64 {
    h.store()
        .servers()
        .add(store::NewServer {
            group_id: h.group.id,
            name: name.to_owned(),
            api_url: api_url.to_owned(),
            secret: store::Secret::new("a-secret-of-the-bad-row"),
            weight: 100,
            state: ServerState::Enabled,
        })
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn one_unusable_server_row_does_not_break_its_group() {
    let h = Harness::start(2).await;
    let bad =
        add_unusable_server(&h, "bad", "https://bbb.example.org/bigbluebutton/api/?x=1").await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    // Not polled yet, and the heaviest: were it kept, the balancer would pick it first.
    for n in 0..3 {
        let created = h
            .client
            .create(&api, &CreateMeeting::new(format!("room-{n}"), "Room"))
            .await
            .unwrap();
        assert_eq!(created.meeting_id, format!("room-{n}"));
        let placement = h.placement(&tok, &format!("room-{n}")).await;
        assert!(h.server_ids.contains(&placement.server_id));
    }
    let listed = h.client.get_meetings(&api).await.unwrap();
    assert_eq!(listed.len(), 3);
    let running = h.client.is_meeting_running(&api, "room-0").await.unwrap();
    assert!(!running);
    // The poller records the bad row as failed and goes on with the others.
    h.poll().await;
    let polled = h.store().servers().get(bad).await.unwrap();
    assert_eq!(polled.health, ServerHealth::Unhealthy);
    assert!(polled.last_poll_error.unwrap().contains("query"));
    for id in &h.server_ids {
        let good = h.store().servers().get(*id).await.unwrap();
        assert_eq!(good.health, ServerHealth::Healthy);
    }
    h.stop().await;
}

/// The endpoint's list of a group's servers is cached: an instance may still see a server as
/// disabled after the operator enabled it again. Such a stale list must not end the placement
/// of a meeting that runs there and start a second one elsewhere: the stored server decides.
#[tokio::test]
async fn a_stale_server_list_does_not_move_a_running_meeting() {
    let h = Harness::start_with(2, |settings| {
        settings.tunables.server_cache_ttl = std::time::Duration::from_millis(1500);
    })
    .await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    let first = h.placement(&tok, "room").await;
    let other = *h
        .server_ids
        .iter()
        .find(|id| **id != first.server_id)
        .unwrap();
    let (db, server_id) = (h.store().clone(), first.server_id);
    let set_state = move |state| {
        let db = db.clone();
        async move {
            db.servers()
                .update(
                    server_id,
                    store::ServerChanges {
                        state: Some(state),
                        ..store::ServerChanges::default()
                    },
                )
                .await
                .unwrap();
        }
    };
    // The meeting's server disabled for a moment: this instance lists the group (another
    // create, which lands elsewhere) while it is, and keeps that list.
    set_state(ServerState::Disabled).await;
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    h.client
        .create(&api, &CreateMeeting::new("other", "Other"))
        .await
        .unwrap();
    set_state(ServerState::Enabled).await;

    let again = h
        .client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    assert_eq!(again.message_key, "duplicateWarning", "the running meeting");
    let now = h.placement(&tok, "room").await;
    assert_eq!(now.id, first.id, "the placement stays live");
    assert_eq!(now.server_id, first.server_id);
    let elsewhere = h
        .sims
        .iter()
        .zip(&h.server_ids)
        .find(|(_, id)| **id == other)
        .unwrap()
        .0;
    assert!(
        !elsewhere
            .meetings_snapshot()
            .iter()
            .any(|meeting| meeting.meeting_id == first.bbb_meeting_id),
        "no second BBB meeting"
    );
    h.stop().await;
}
