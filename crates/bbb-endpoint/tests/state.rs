//! The record of live meetings follows BBB. Meetings that end inside BBB — ended by a moderator
//! on the server itself, expired, emptied — stop counting as live after one poll round, or at
//! once when their server answers `notFound` for them; the token's quota and its live count then
//! agree with BBB again. The meetings are ended on the simulator directly, as BBB's own users
//! end them, never through the gateway.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::Duration;

use bbb_client::{CreateMeeting, Document, JoinMeeting, Role, Server};
use common::{Harness, Tok};
use store::{NewApiToken, NewPlacement, Placement, PlacementFilter};

/// The BBB server holding `placement`, reached directly with its own secret.
fn backend_of(h: &Harness, placement: &Placement) -> Server {
    let sim = h.sim_of(placement);
    Server::new(&sim.api_url(), sim.secret()).unwrap()
}

/// Ends a meeting on its BBB server (the moderator's "End meeting"), not through the gateway.
async fn end_inside_bbb(h: &Harness, placement: &Placement) {
    h.client
        .end(&backend_of(h, placement), &placement.bbb_meeting_id)
        .await
        .unwrap();
}

/// Waits until the server has forgotten an ended meeting (it answers `notFound` from then on).
async fn wait_until_forgotten(h: &Harness, placement: &Placement) {
    let sim = h.sim_of(placement);
    for _ in 0..100 {
        if sim
            .meetings_snapshot()
            .iter()
            .all(|meeting| meeting.meeting_id != placement.bbb_meeting_id)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the simulator still holds {}", placement.bbb_meeting_id);
}

async fn live_meetings(h: &Harness, tok: &Tok) -> u64 {
    h.store()
        .placements()
        .count(&PlacementFilter {
            token_id: Some(tok.token.id),
            live_only: true,
            ..PlacementFilter::default()
        })
        .await
        .unwrap()
}

async fn limited(h: &Harness, name: &str, max_meetings: i32) -> Tok {
    h.token_from(NewApiToken {
        max_meetings: Some(max_meetings),
        ..NewApiToken::new(name, h.group.id)
    })
    .await
}

#[tokio::test]
async fn meetings_ended_inside_bbb_free_the_meeting_quota_after_one_poll() {
    let h = Harness::start(2).await;
    let tok = limited(&h, "two-rooms", 2).await;
    let api = h.api(&tok);
    for room in ["room-a", "room-b"] {
        h.client
            .create(&api, &CreateMeeting::new(room, "Room"))
            .await
            .unwrap();
    }
    let a = h.placement(&tok, "room-a").await;
    let b = h.placement(&tok, "room-b").await;
    // Both are remembered by the endpoint's placement cache from here on.
    for room in ["room-a", "room-b"] {
        h.client.get_meeting_info(&api, room).await.unwrap();
    }
    // room-a ended inside BBB and is already forgotten there; room-b ended just now and is
    // still listed, as hasBeenForciblyEnded.
    end_inside_bbb(&h, &a).await;
    wait_until_forgotten(&h, &a).await;
    end_inside_bbb(&h, &b).await;

    h.poll().await;
    assert_eq!(live_meetings(&h, &tok).await, 0, "BBB runs none of them");
    // Two new meetings fit again; room-a, created again while the cache still remembers its
    // ended placement, is a new meeting and counts as one.
    for room in ["room-c", "room-a"] {
        let created = h
            .client
            .create(&api, &CreateMeeting::new(room, "Room"))
            .await
            .unwrap_or_else(|error| panic!("{room}: {error}"));
        assert_eq!(created.meeting_id, room);
    }
    assert_ne!(h.placement(&tok, "room-a").await.id, a.id);
    // The quota still holds for the meetings that do run, remembered ones included.
    for room in ["room-b", "room-e"] {
        let refused = h
            .client
            .create(&api, &CreateMeeting::new(room, "Room"))
            .await
            .unwrap_err();
        assert_eq!(refused.message_key(), Some("maxMeetingsReached"), "{room}");
    }
    assert_eq!(live_meetings(&h, &tok).await, 2);
    // Running meetings are left alone by the next round.
    h.poll().await;
    assert_eq!(live_meetings(&h, &tok).await, 2);
    h.stop().await;
}

#[tokio::test]
async fn a_not_found_from_the_backend_ends_the_placement_without_a_poll() {
    let h = Harness::start(1).await;
    let tok = limited(&h, "one-room", 1).await;
    let api = h.api(&tok);
    // Each call that names the meeting learns from the backend that it is gone, and frees the
    // token's only place for the next meeting.
    for call in [
        "getMeetingInfo",
        "end",
        "join",
        "sendChatMessage",
        "insertDocument",
        // join on a meeting BBB still lists, as ended: `meetingForciblyEnded`.
        "join-ended",
    ] {
        let room = format!("room-{call}");
        h.client
            .create(&api, &CreateMeeting::new(room.as_str(), "Room"))
            .await
            .unwrap_or_else(|error| panic!("create before {call}: {error}"));
        let placement = h.placement(&tok, &room).await;
        end_inside_bbb(&h, &placement).await;
        if call != "join-ended" {
            wait_until_forgotten(&h, &placement).await;
        }
        let join = JoinMeeting::new(room.as_str(), "Ann").role(Role::Viewer);
        let slides = [Document::url("https://files.example.org/slides.pdf")];
        let refused = match call {
            "getMeetingInfo" => h.client.get_meeting_info(&api, &room).await.map(|_| ()),
            "end" => h.client.end(&api, &room).await.map(|_| ()),
            "sendChatMessage" => h
                .client
                .send_chat_message(&api, &room, "hello", None)
                .await
                .map(|_| ()),
            "insertDocument" => h
                .client
                .insert_document(&api, &room, &slides)
                .await
                .map(|_| ()),
            _ => h.client.join(&api, &join).await.map(|_| ()),
        }
        .unwrap_err();
        let expected = match call {
            "join-ended" => "meetingForciblyEnded",
            "join" => "invalidMeetingIdentifier",
            _ => "notFound",
        };
        assert_eq!(refused.message_key(), Some(expected), "{call}: {refused}");
        assert_eq!(live_meetings(&h, &tok).await, 0, "{call}");
    }
    h.client
        .create(&api, &CreateMeeting::new("room-last", "Room"))
        .await
        .unwrap();
    h.stop().await;
}

#[tokio::test]
async fn a_meeting_created_while_a_poll_is_under_way_stays_live() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", store::TokenScope::Token, None).await;
    let api = h.api(&tok);
    // Every answer takes 400 ms: the poll's getMeetings is answered before the create that
    // starts 100 ms later reaches the server, so that round does not see the new meeting.
    h.sims[0].set_latency(Duration::from_millis(400));
    let create = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        h.client
            .create(&api, &CreateMeeting::new("late-room", "Room"))
            .await
            .unwrap()
    };
    let ((), created) = tokio::join!(h.poll(), create);
    assert_eq!(created.meeting_id, "late-room");
    h.sims[0].set_latency(Duration::ZERO);
    assert_eq!(live_meetings(&h, &tok).await, 1, "the round left it alone");
    h.poll().await;
    assert_eq!(live_meetings(&h, &tok).await, 1, "the next round saw it");
    h.client.get_meeting_info(&api, "late-room").await.unwrap();
    h.stop().await;
}

#[tokio::test]
async fn a_placement_bbb_has_not_confirmed_yet_gets_time_to_appear() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", store::TokenScope::Token, None).await;
    // A create on its way to the server: placed, not yet answered by BBB.
    let (placement, _) = h
        .store()
        .placements()
        .create_or_get(NewPlacement {
            group_id: h.group.id,
            server_id: h.server_ids[0],
            namespace: tok.token.guid.to_string(),
            client_meeting_id: "on-its-way".to_owned(),
            bbb_meeting_id: bbb_endpoint::backend_meeting_id(tok.token.guid, "on-its-way"),
            token_id: Some(tok.token.id),
            meeting_id: None,
        })
        .await
        .unwrap();
    h.poll().await;
    assert_eq!(live_meetings(&h, &tok).await, 1, "not ended at once");
    // One that never appears (its creator died before BBB was asked) ends after the grace:
    // three request timeouts, the harness's being one second.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    h.poll().await;
    assert_eq!(live_meetings(&h, &tok).await, 0);
    assert!(
        h.store()
            .placements()
            .get(placement.id)
            .await
            .unwrap()
            .ended_at
            .is_some()
    );
    h.stop().await;
}

#[tokio::test]
async fn a_server_that_does_not_answer_keeps_its_placements() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", store::TokenScope::Token, None).await;
    h.client
        .create(&h.api(&tok), &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    h.sims[0].set_down(true).await.unwrap();
    h.poll().await;
    assert_eq!(live_meetings(&h, &tok).await, 1);
    h.sims[0].set_down(false).await.unwrap();
    h.poll().await;
    assert_eq!(live_meetings(&h, &tok).await, 1);
    h.stop().await;
}

#[tokio::test]
async fn an_ended_placement_is_not_served_from_the_cache_past_its_ttl() {
    let ttl = Duration::from_millis(300);
    let h = Harness::start_with(1, |settings| settings.tunables.placement_cache_ttl = ttl).await;
    let tok = h.token("lms", store::TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    // Remembered by the endpoint; then ended inside BBB and by the poller, which (like another
    // gateway instance) does not tell this endpoint's cache.
    h.client.get_meeting_info(&api, "room").await.unwrap();
    let placement = h.placement(&tok, "room").await;
    end_inside_bbb(&h, &placement).await;
    wait_until_forgotten(&h, &placement).await;
    h.poll().await;
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    h.sims[0].reset_api_calls();
    for _ in 0..3 {
        let refused = h.client.get_meeting_info(&api, "room").await.unwrap_err();
        assert_eq!(refused.message_key(), Some("notFound"));
        let running = h.client.is_meeting_running(&api, "room").await.unwrap();
        assert!(!running);
    }
    // Answered from the record, which says the meeting ended: nothing was forwarded.
    assert_eq!(
        h.sims[0]
            .api_calls()
            .get("getMeetingInfo")
            .copied()
            .unwrap_or(0)
            + h.sims[0]
                .api_calls()
                .get("isMeetingRunning")
                .copied()
                .unwrap_or(0),
        0,
        "{:?}",
        h.sims[0].api_calls()
    );
    h.stop().await;
}
