//! Tenant isolation, tested from the attacker's side: token B tries every call on token A's
//! meeting IDs (and on A's backend IDs and record IDs) and gets what a stranger gets —
//! `notFound`, `running=false`, its own fresh meeting on create — and learns nothing: no
//! passwords, no names, no internal IDs. Then the scopes: `user` sees its user's meetings
//! (through any token, and owned through GraphQL), `global` its whole group, nothing more.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use bbb_client::checksum::ChecksumAlgorithm;
use bbb_client::{
    CreateMeeting, Document, JoinMeeting, RecordingsQuery, Role, TextTrackUpload, TrackKind,
};
use common::{Harness, Tok, assert_failed, element};
use store::{NewMeeting, NewPlacement, NewUser, TokenScope};

const SECRET_NAME: &str = "Board meeting: layoffs";

/// A's meeting, running, recorded and ended once so that it also has a recording; returns
/// A's live meeting details to hunt for in B's answers.
async fn victim(h: &Harness, a: &Tok) -> (String, String, String) {
    let api = h.api(a);
    h.client
        .create(
            &api,
            &CreateMeeting::new("secret-room", SECRET_NAME).record(true),
        )
        .await
        .unwrap();
    let placement = h.placement(a, "secret-room").await;
    h.sim_of(&placement)
        .add_attendees(&placement.bbb_meeting_id, 2)
        .unwrap();
    h.client.end(&api, "secret-room").await.unwrap();
    let record_id = h
        .sim_of(&placement)
        .recordings_snapshot()
        .into_iter()
        .find(|r| r.meeting_id == placement.bbb_meeting_id)
        .unwrap()
        .record_id;
    // Wait until the simulator forgets the ended meeting, then create it again (live).
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let created = h
        .client
        .create(
            &api,
            &CreateMeeting::new("secret-room", SECRET_NAME)
                .param("attendeePW", "victim-ap")
                .param("moderatorPW", "victim-mp"),
        )
        .await
        .unwrap();
    assert_eq!(created.message_key, "");
    let placement = h.placement(a, "secret-room").await;
    (
        placement.bbb_meeting_id,
        created.internal_meeting_id,
        record_id,
    )
}

fn assert_no_leak(body: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!body.contains(secret), "leaked {secret:?}: {body}");
    }
}

#[tokio::test]
async fn another_token_learns_nothing_about_a_meeting_outside_its_scope() {
    let h = Harness::start(3).await;
    let a = h.token("tenant-a", TokenScope::Token, None).await;
    let b = h.token("tenant-b", TokenScope::Token, None).await;
    let (backend_id, internal_id, record_id) = victim(&h, &a).await;
    let leaks = [
        SECRET_NAME,
        "victim-ap",
        "victim-mp",
        backend_id.as_str(),
        internal_id.as_str(),
        record_id.as_str(),
    ];
    let b_api = h.api(&b);

    for id in ["secret-room", backend_id.as_str()] {
        let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        let get = |call: &str, extra: &str| {
            h.url(
                &b,
                call,
                &format!("meetingID={encoded}{extra}"),
                ChecksumAlgorithm::Sha256,
            )
        };
        for (call, extra, key) in [
            ("getMeetingInfo", "", "notFound"),
            ("end", "", "notFound"),
            ("sendChatMessage", "&message=hi", "notFound"),
            (
                "join",
                "&fullName=Mallory&role=MODERATOR",
                "invalidMeetingIdentifier",
            ),
            (
                "join",
                "&fullName=Mallory&password=victim-mp&redirect=false",
                "invalidMeetingIdentifier",
            ),
        ] {
            let (status, body) = h.get(&get(call, extra)).await;
            assert_failed(status, &body, key);
            assert_no_leak(&body, &leaks);
        }
        let (_, body) = h.get(&get("isMeetingRunning", "")).await;
        assert_eq!(element(&body, "running"), Some("false"), "{body}");
        let inserted = h
            .client
            .insert_document(&b_api, id, &[Document::url("https://evil.example/x.pdf")])
            .await
            .unwrap_err();
        assert_eq!(inserted.message_key(), Some("notFound"));
    }

    // create with A's ID and A's passwords: B gets a meeting of its own, not A's.
    let (_, body) = h
        .get(&h.url(
            &b,
            "create",
            "meetingID=secret-room&name=Mine&attendeePW=victim-ap&moderatorPW=victim-mp",
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    assert!(
        !body.contains("duplicateWarning"),
        "a fresh meeting: {body}"
    );
    assert_no_leak(
        &body,
        &[SECRET_NAME, backend_id.as_str(), internal_id.as_str()],
    );
    let b_placement = h.placement(&b, "secret-room").await;
    assert_ne!(b_placement.bbb_meeting_id, backend_id);
    // Without passwords the repeat create is B's own duplicate, never A's data.
    let again = h
        .client
        .create(&b_api, &CreateMeeting::new("secret-room", "Mine"))
        .await
        .unwrap();
    assert_eq!(again.message_key, "duplicateWarning");
    assert_eq!(
        again.attendee_pw.as_deref(),
        Some("victim-ap"),
        "B's own password"
    );
    assert_ne!(again.internal_meeting_id, internal_id);

    // Lists: B sees its own meeting only (with the passwords B chose), under its ID.
    let (_, body) = h
        .get(&h.url(&b, "getMeetings", "", ChecksumAlgorithm::Sha1))
        .await;
    assert_no_leak(
        &body,
        &[SECRET_NAME, backend_id.as_str(), internal_id.as_str()],
    );
    let meetings = h.client.get_meetings(&b_api).await.unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0].meeting_name, "Mine");

    // Recordings: not listed, not found by meetingID, recordID or prefix, not changeable.
    for query in [
        String::new(),
        "meetingID=secret-room".to_owned(),
        format!("recordID={record_id}"),
        format!("recordID={}", &record_id[..8]),
        format!("meetingID={backend_id}"),
        "state=any".to_owned(),
    ] {
        let (_, body) = h
            .get(&h.url(&b, "getRecordings", &query, ChecksumAlgorithm::Sha1))
            .await;
        assert_eq!(
            element(&body, "messageKey"),
            Some("noRecordings"),
            "{query}: {body}"
        );
        assert_no_leak(&body, &leaks);
    }
    for (call, extra) in [
        ("publishRecordings", "&publish=false"),
        ("deleteRecordings", ""),
        ("updateRecordings", "&meta_owner=mallory"),
    ] {
        let (status, body) = h
            .get(&h.url(
                &b,
                call,
                &format!("recordID={record_id}{extra}"),
                ChecksumAlgorithm::Sha1,
            ))
            .await;
        assert_failed(status, &body, "notFound");
    }
    let tracks = h
        .client
        .get_recording_text_tracks(&b_api, &record_id)
        .await
        .unwrap_err();
    assert_eq!(tracks.message_key(), Some("noRecordings"));
    let upload = TextTrackUpload::new(
        record_id.clone(),
        TrackKind::Captions,
        "en",
        "x.vtt",
        "text/vtt",
        "WEBVTT\n",
    );
    let put = h
        .client
        .put_recording_text_track(&b_api, &upload)
        .await
        .unwrap_err();
    assert_eq!(put.message_key(), Some("noRecordings"));

    // A is untouched: its meeting runs on, its recording is still published.
    let a_api = h.api(&a);
    let info = h
        .client
        .get_meeting_info(&a_api, "secret-room")
        .await
        .unwrap();
    assert_eq!(info.meeting_name, SECRET_NAME);
    assert_eq!(info.internal_meeting_id, internal_id);
    let recordings = h
        .client
        .get_recordings(&a_api, &RecordingsQuery::new())
        .await
        .unwrap();
    assert_eq!(recordings.recordings.len(), 1);
    assert_eq!(recordings.recordings[0].state, "published");
    assert!(!recordings.recordings[0].metadata.contains_key("owner"));
    h.stop().await;
}

#[tokio::test]
async fn scope_comes_from_the_placement_table_not_from_metadata() {
    let h = Harness::start(1).await;
    let alice_tok = h
        .token("alice-lms", TokenScope::User, Some(h.user.id))
        .await;
    let mallory = h.token("mallory", TokenScope::Token, None).await;
    // The original defect 5: metadata naming another tenant planted into a meeting.
    for (name, value) in [
        ("bbb-origin-token", alice_tok.token.guid.to_string()),
        ("user", h.user.id.to_string()),
        ("token", alice_tok.token.guid.to_string()),
    ] {
        h.client
            .create(
                &h.api(&mallory),
                &CreateMeeting::new("planted", "Planted").meta(name, value),
            )
            .await
            .unwrap();
    }
    assert!(
        h.client
            .get_meetings(&h.api(&alice_tok))
            .await
            .unwrap()
            .is_empty()
    );
    let error = h
        .client
        .get_meeting_info(&h.api(&alice_tok), "planted")
        .await
        .unwrap_err();
    assert_eq!(error.message_key(), Some("notFound"));
    h.stop().await;
}

#[tokio::test]
async fn user_and_global_scopes_see_what_they_should_and_no_more() {
    let h = Harness::start(2).await;
    let store = h.store();
    let bob = store
        .users()
        .create(NewUser::new(h.site.id, "bob"))
        .await
        .unwrap();
    let alice_moodle = h
        .token("alice-moodle", TokenScope::Token, Some(h.user.id))
        .await;
    let alice_all = h
        .token("alice-all", TokenScope::User, Some(h.user.id))
        .await;
    let bob_tok = h.token("bob-lms", TokenScope::User, Some(bob.id)).await;
    let admin = h.token("admin", TokenScope::Global, None).await;
    let other_group = store.groups().create(h.site.id, "elsewhere").await.unwrap();
    let foreign = store
        .tokens()
        .create(store::NewApiToken {
            scope: TokenScope::Global,
            ..store::NewApiToken::new("foreign", other_group.id)
        })
        .await
        .unwrap();
    let foreign = Tok {
        secret: foreign.secret.expose().to_owned(),
        token: foreign.token,
    };

    h.client
        .create(
            &h.api(&alice_moodle),
            &CreateMeeting::new("alice-course", "Alice's course"),
        )
        .await
        .unwrap();
    h.client
        .create(
            &h.api(&bob_tok),
            &CreateMeeting::new("bob-course", "Bob's course"),
        )
        .await
        .unwrap();
    // A meeting Alice owns through GraphQL, placed by the orchestration side.
    let owned = store
        .meetings()
        .create(NewMeeting {
            group_id: h.group.id,
            owner_id: Some(h.user.id),
            settings: store::MeetingSettings::new("Alice's office hours"),
        })
        .await
        .unwrap();
    let graphql_client_id = owned.guid.to_string();
    store
        .placements()
        .create_or_get(NewPlacement {
            group_id: h.group.id,
            server_id: h.server_ids[0],
            namespace: "meeting".to_owned(),
            client_meeting_id: graphql_client_id.clone(),
            bbb_meeting_id: graphql_client_id.clone(),
            token_id: None,
            meeting_id: Some(owned.id),
        })
        .await
        .unwrap();
    h.client
        .create(
            &bbb_client::Server::new(&h.sims[0].api_url(), h.sims[0].secret()).unwrap(),
            &CreateMeeting::new(graphql_client_id.clone(), "Alice's office hours"),
        )
        .await
        .unwrap();

    let ids = |meetings: Vec<bbb_client::model::MeetingInfo>| {
        let mut ids: Vec<String> = meetings.into_iter().map(|m| m.meeting_id).collect();
        ids.sort();
        ids
    };
    let mut alice_sees = vec!["alice-course".to_owned(), graphql_client_id.clone()];
    alice_sees.sort();
    assert_eq!(
        ids(h.client.get_meetings(&h.api(&alice_all)).await.unwrap()),
        alice_sees
    );
    assert_eq!(
        ids(h.client.get_meetings(&h.api(&alice_moodle)).await.unwrap()),
        ["alice-course"]
    );
    assert_eq!(
        ids(h.client.get_meetings(&h.api(&bob_tok)).await.unwrap()),
        ["bob-course"]
    );
    let mut everything = vec![
        "alice-course".to_owned(),
        "bob-course".to_owned(),
        graphql_client_id.clone(),
    ];
    everything.sort();
    assert_eq!(
        ids(h.client.get_meetings(&h.api(&admin)).await.unwrap()),
        everything
    );
    assert!(
        h.client
            .get_meetings(&h.api(&foreign))
            .await
            .unwrap()
            .is_empty()
    );

    // By ID: Alice's user-scope token reaches her other token's and her GraphQL meeting.
    let info = h
        .client
        .get_meeting_info(&h.api(&alice_all), "alice-course")
        .await
        .unwrap();
    assert_eq!(info.meeting_name, "Alice's course");
    let info = h
        .client
        .get_meeting_info(&h.api(&alice_all), &graphql_client_id)
        .await
        .unwrap();
    assert_eq!(info.meeting_id, graphql_client_id);
    // Bob's user token and the other group's global token reach none of them.
    for (tok, id) in [
        (&bob_tok, "alice-course"),
        (&bob_tok, graphql_client_id.as_str()),
        (&foreign, "alice-course"),
        (&foreign, "bob-course"),
        (&alice_moodle, graphql_client_id.as_str()),
    ] {
        let error = h
            .client
            .get_meeting_info(&h.api(tok), id)
            .await
            .unwrap_err();
        assert_eq!(
            error.message_key(),
            Some("notFound"),
            "{} on {id}",
            tok.token.name
        );
        let join = h
            .client
            .join(
                &h.api(tok),
                &JoinMeeting::new(id, "Mallory").role(Role::Moderator),
            )
            .await
            .unwrap_err();
        assert_eq!(join.message_key(), Some("invalidMeetingIdentifier"));
    }
    // The global token may end Bob's meeting; afterwards Bob sees it ended.
    h.client.end(&h.api(&admin), "bob-course").await.unwrap();
    assert_eq!(
        h.client
            .get_meeting_info(&h.api(&bob_tok), "bob-course")
            .await
            .unwrap_err()
            .message_key(),
        Some("notFound")
    );
    h.stop().await;
}
