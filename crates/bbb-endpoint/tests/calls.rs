//! Every call of spec §2 (but §2.15) through the endpoint against three simulated servers:
//! BBB's shapes and messageKeys, the client's own meetingID in every answer, parameters and
//! bodies passed through.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use bbb_client::checksum::ChecksumAlgorithm;
use bbb_client::{
    CreateMeeting, Document, JoinMeeting, RecordingUpdate, RecordingsQuery, Role, TextTrackUpload,
    TrackKind,
};
use common::{Harness, assert_failed, element};
use store::TokenScope;

#[tokio::test]
async fn version_index_needs_no_checksum_on_both_paths() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    for url in [
        format!("{}/bigbluebutton/api", h.base),
        format!("{}/bigbluebutton/api/", h.base),
        format!("{}/t/{}/bigbluebutton/api", h.base, tok.token.guid),
    ] {
        let (status, body) = h.get(&url).await;
        assert_eq!(status, 200, "{url}");
        assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
        assert_eq!(element(&body, "version"), Some("2.0"));
    }
    h.stop().await;
}

#[tokio::test]
async fn meeting_lifecycle_speaks_bbb_with_the_clients_ids() {
    let h = Harness::start(3).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    let bbb = &h.client;

    // create: unknown parameters and metadata pass through; the answer names the client's ID.
    let created = bbb
        .create(
            &api,
            &CreateMeeting::new("room-1", "Room 1")
                .record(true)
                .meta("course", "101")
                .param("someFutureParam", "kept")
                .param("attendeePW", "ap")
                .param("moderatorPW", "mp"),
        )
        .await
        .unwrap();
    assert_eq!(created.meeting_id, "room-1");
    assert_eq!(created.message_key, "");
    let placement = h.placement(&tok, "room-1").await;
    assert_eq!(
        placement.internal_meeting_id.as_deref(),
        Some(created.internal_meeting_id.as_str())
    );
    let sim = h.sim_of(&placement);
    let on_backend = sim
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == placement.bbb_meeting_id)
        .expect("created on the chosen server");
    assert!(
        on_backend
            .create_params
            .contains(&("someFutureParam".into(), "kept".into()))
    );
    assert_eq!(
        on_backend.metadata.get("course").map(String::as_str),
        Some("101")
    );
    assert_ne!(placement.bbb_meeting_id, "room-1");

    // A repeat create is idempotent (duplicateWarning); other passwords are idNotUnique.
    let again = bbb
        .create(&api, &CreateMeeting::new("room-1", "Room 1"))
        .await
        .unwrap();
    assert_eq!(again.message_key, "duplicateWarning");
    assert_eq!(again.meeting_id, "room-1");
    assert_eq!(again.internal_meeting_id, created.internal_meeting_id);
    let clash = bbb
        .create(
            &api,
            &CreateMeeting::new("room-1", "Room 1")
                .param("attendeePW", "other")
                .param("moderatorPW", "other2"),
        )
        .await
        .unwrap_err();
    assert_eq!(clash.message_key(), Some("idNotUnique"));

    // isMeetingRunning: false until someone joins; unknown IDs are simply not running.
    assert!(!bbb.is_meeting_running(&api, "room-1").await.unwrap());
    assert!(!bbb.is_meeting_running(&api, "no-such-room").await.unwrap());

    // join, redirect=false: the backend's XML.
    let joined = bbb
        .join(
            &api,
            &JoinMeeting::new("room-1", "Ann")
                .role(Role::Moderator)
                .userdata("bbb_auto_join_audio", "true"),
        )
        .await
        .unwrap();
    assert_eq!(joined.message_key, "successfullyJoined");
    assert!(joined.url.starts_with(sim.base_url()), "{}", joined.url);
    assert!(bbb.is_meeting_running(&api, "room-1").await.unwrap());

    // join, redirected: a 302 straight to the backend's signed join URL, parameters kept.
    let url = bbb.join_url(
        &api,
        &JoinMeeting::new("room-1", "Bob")
            .param("password", "ap")
            .param("userID", "u-7"),
    );
    let response = h.http.get(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}join?", sim.api_url())),
        "{location}"
    );
    assert!(location.contains("userID=u-7") && location.contains("password=ap"));
    let backend_id_param = format!("meetingID={}", placement.bbb_meeting_id);
    assert!(location.contains(&backend_id_param), "{location}");
    // Following it lets Bob in.
    let followed = h.http.get(&location).send().await.unwrap();
    assert_eq!(followed.status().as_u16(), 302);

    // getMeetingInfo: the client's ID, the attendees with their userdata, the metadata.
    let info = bbb.get_meeting_info(&api, "room-1").await.unwrap();
    assert_eq!(info.meeting_id, "room-1");
    assert_eq!(info.internal_meeting_id, created.internal_meeting_id);
    assert_eq!(info.participant_count, 2);
    assert_eq!(info.metadata.get("course").map(String::as_str), Some("101"));
    assert!(info.attendees.attendee.iter().any(|a| a.user_id == "u-7"));
    let ann = info
        .attendees
        .attendee
        .iter()
        .find(|a| a.full_name == "Ann")
        .unwrap();
    assert_eq!(
        ann.customdata
            .as_ref()
            .and_then(|c| c.get("bbb_auto_join_audio"))
            .map(String::as_str),
        Some("true")
    );
    // The raw XML never shows the backend's ID.
    let (_, raw) = h
        .get(&h.url(
            &tok,
            "getMeetingInfo",
            "meetingID=room-1",
            ChecksumAlgorithm::Sha256,
        ))
        .await;
    assert!(!raw.contains(&placement.bbb_meeting_id), "{raw}");
    assert!(raw.contains("<meetingID>room-1</meetingID>"), "{raw}");

    // getMeetings: the client's IDs only.
    let meetings = bbb.get_meetings(&api).await.unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(meetings[0].meeting_id, "room-1");

    // insertDocument (POST, XML body) and sendChatMessage reach the backend meeting.
    let inserted = bbb
        .insert_document(
            &api,
            "room-1",
            &[Document::url("https://files.example/a.pdf").current(true)],
        )
        .await
        .unwrap();
    assert_eq!(
        inserted.message.as_deref(),
        Some("Presentation is being uploaded")
    );
    bbb.send_chat_message(&api, "room-1", "hello all", Some("Bot"))
        .await
        .unwrap();
    let on_backend = sim
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == placement.bbb_meeting_id)
        .unwrap();
    assert!(on_backend.documents.iter().any(|d| d.current));
    assert!(
        on_backend
            .chat_messages
            .iter()
            .any(|m| m.message == "hello all")
    );
    let missing = bbb
        .insert_document(
            &api,
            "no-such-room",
            &[Document::url("https://files.example/a.pdf")],
        )
        .await
        .unwrap_err();
    assert_eq!(missing.message_key(), Some("notFound"));

    // end: sentEndMeetingRequest; afterwards the meeting is gone for the client.
    let ended = bbb.end(&api, "room-1").await.unwrap();
    assert_eq!(ended.message_key.as_deref(), Some("sentEndMeetingRequest"));
    assert_eq!(
        bbb.get_meeting_info(&api, "room-1")
            .await
            .unwrap_err()
            .message_key(),
        Some("notFound")
    );
    assert_eq!(
        bbb.end(&api, "room-1").await.unwrap_err().message_key(),
        Some("notFound")
    );
    let (status, body) = h
        .get(&h.url(
            &tok,
            "join",
            "meetingID=room-1&fullName=Eve&role=VIEWER",
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_failed(status, &body, "invalidMeetingIdentifier");
    h.stop().await;
}

#[tokio::test]
async fn create_validates_the_meeting_id_like_bbb() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let cases = [
        ("name=x", "missingParamMeetingID"),
        ("name=Room&meetingID=a", "validationError"),
        ("name=Room&meetingID=a%2Cb", "validationError"),
    ];
    for (query, key) in cases {
        let (status, body) = h
            .get(&h.url(&tok, "create", query, ChecksumAlgorithm::Sha1))
            .await;
        assert_failed(status, &body, key);
    }
    // A long client ID still fits the backend's 256 characters.
    let long_id = "x".repeat(256);
    let created = h
        .client
        .create(&h.api(&tok), &CreateMeeting::new(long_id.clone(), "Long"))
        .await
        .unwrap();
    assert_eq!(created.meeting_id, long_id);
    assert!(h.placement(&tok, &long_id).await.bbb_meeting_id.len() <= 256);
    h.stop().await;
}

#[tokio::test]
async fn create_forwards_a_pre_upload_body() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    h.client
        .create(
            &h.api(&tok),
            &CreateMeeting::new("slides", "Slides")
                .presentation(Document::url("https://files.example/deck.pdf").current(true)),
        )
        .await
        .unwrap();
    let placement = h.placement(&tok, "slides").await;
    let meeting = h
        .sim_of(&placement)
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == placement.bbb_meeting_id)
        .unwrap();
    assert_eq!(meeting.documents.len(), 1, "{:?}", meeting.documents);
    h.stop().await;
}

/// A recorded meeting with one participant, ended: the simulator then has its recording.
async fn recorded(h: &Harness, tok: &common::Tok, client_id: &str) -> String {
    let api = h.api(tok);
    h.client
        .create(
            &api,
            &CreateMeeting::new(client_id, "Recorded").record(true),
        )
        .await
        .unwrap();
    let placement = h.placement(tok, client_id).await;
    h.sim_of(&placement)
        .add_attendees(&placement.bbb_meeting_id, 1)
        .unwrap();
    h.client.end(&api, client_id).await.unwrap();
    let recordings = h.sim_of(&placement).recordings_snapshot();
    recordings
        .iter()
        .find(|r| r.meeting_id == placement.bbb_meeting_id)
        .expect("the simulator recorded it")
        .record_id
        .clone()
}

#[tokio::test]
async fn recordings_merge_all_servers_paginate_and_change_where_they_live() {
    let h = Harness::start(3).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    let bbb = &h.client;
    let mut record_ids = Vec::new();
    for n in 0..4 {
        record_ids.push(recorded(&h, &tok, &format!("lecture-{n}")).await);
    }
    // Spread over more than one server by the balancer's reservations.
    let servers: std::collections::HashSet<i64> = {
        let mut set = std::collections::HashSet::new();
        for n in 0..4 {
            let placements = h
                .store()
                .placements()
                .list_by_client_id(h.group.id, &format!("lecture-{n}"), false)
                .await
                .unwrap();
            set.insert(placements[0].server_id);
        }
        set
    };
    assert!(servers.len() > 1, "{servers:?}");

    let all = bbb
        .get_recordings(&api, &RecordingsQuery::new())
        .await
        .unwrap();
    assert_eq!(all.recordings.len(), 4);
    assert_eq!(all.total, None);
    let mut names: Vec<&str> = all
        .recordings
        .iter()
        .map(|r| r.meeting_id.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["lecture-0", "lecture-1", "lecture-2", "lecture-3"]);
    for recording in &all.recordings {
        assert_eq!(
            recording.metadata.get("meetingId"),
            Some(&recording.meeting_id),
            "metadata names the client's ID too"
        );
    }

    // Pagination with BBB's parameters, over the merged list.
    let first = bbb
        .get_recordings(&api, &RecordingsQuery::new().offset(0).limit(3))
        .await
        .unwrap();
    let second = bbb
        .get_recordings(&api, &RecordingsQuery::new().offset(3).limit(3))
        .await
        .unwrap();
    assert_eq!((first.recordings.len(), first.total), (3, Some(4)));
    assert_eq!((second.recordings.len(), second.total), (1, Some(4)));
    let paged: std::collections::HashSet<String> = first
        .recordings
        .iter()
        .chain(&second.recordings)
        .map(|r| r.record_id.clone())
        .collect();
    assert_eq!(paged.len(), 4);

    // Filters by the client's meetingID and by recordID.
    let one = bbb
        .get_recordings(&api, &RecordingsQuery::new().meeting_ids(["lecture-2"]))
        .await
        .unwrap();
    assert_eq!(one.recordings.len(), 1);
    assert_eq!(one.recordings[0].record_id, record_ids[2]);
    let by_id = bbb
        .get_recordings(
            &api,
            &RecordingsQuery::new().record_ids([record_ids[1].as_str()]),
        )
        .await
        .unwrap();
    assert_eq!(by_id.recordings[0].meeting_id, "lecture-1");
    let none = bbb
        .get_recordings(&api, &RecordingsQuery::new().meeting_ids(["nothing"]))
        .await
        .unwrap();
    assert!(none.recordings.is_empty());

    // publish, update and delete reach the servers holding the recordings.
    assert!(
        !bbb.publish_recordings(&api, &[&record_ids[0], &record_ids[3]], false)
            .await
            .unwrap()
    );
    assert!(
        bbb.update_recordings(
            &api,
            &RecordingUpdate::new([&record_ids[0]]).set_meta("term", "spring")
        )
        .await
        .unwrap()
    );
    let changed = bbb
        .get_recordings(
            &api,
            &RecordingsQuery::new().record_ids([record_ids[0].as_str()]),
        )
        .await
        .unwrap();
    assert_eq!(changed.recordings[0].state, "unpublished");
    assert_eq!(
        changed.recordings[0]
            .metadata
            .get("term")
            .map(String::as_str),
        Some("spring")
    );
    assert!(
        bbb.delete_recordings(&api, &[&record_ids[3]])
            .await
            .unwrap()
    );
    let left = bbb
        .get_recordings(&api, &RecordingsQuery::new())
        .await
        .unwrap();
    assert_eq!(left.recordings.len(), 3);

    // Missing parameters and unknown recordings, with BBB's keys.
    let (status, body) = h
        .get(&h.url(
            &tok,
            "publishRecordings",
            "publish=true",
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_failed(status, &body, "missingParamRecordID");
    let (status, body) = h
        .get(&h.url(
            &tok,
            "publishRecordings",
            &format!("recordID={}", record_ids[0]),
            ChecksumAlgorithm::Sha1,
        ))
        .await;
    assert_failed(status, &body, "missingParamPublish");
    let unknown = bbb
        .delete_recordings(&api, &["no-such-recording"])
        .await
        .unwrap_err();
    assert_eq!(unknown.message_key(), Some("notFound"));

    // Text tracks (JSON): uploaded to and listed from the server holding the recording.
    let upload = TextTrackUpload::new(
        record_ids[1].clone(),
        TrackKind::Subtitles,
        "en-US",
        "en.vtt",
        "text/vtt",
        "WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n",
    );
    let uploaded = bbb.put_recording_text_track(&api, &upload).await.unwrap();
    assert_eq!(
        uploaded.message_key.as_deref(),
        Some("upload_text_track_success")
    );
    let tracks = bbb
        .get_recording_text_tracks(&api, &record_ids[1])
        .await
        .unwrap();
    assert_eq!(tracks.len(), 1);
    assert_eq!(tracks[0].lang, "en-US");
    let missing = bbb
        .get_recording_text_tracks(&api, "nope")
        .await
        .unwrap_err();
    assert_eq!(missing.message_key(), Some("noRecordings"));
    h.stop().await;
}

#[tokio::test]
async fn get_and_post_are_routed_as_bbb_routes_them() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    // join is GET-only, insertDocument POST-only; unknown calls are unsupported.
    let join = h.url(
        &tok,
        "join",
        "meetingID=xx&fullName=A",
        ChecksumAlgorithm::Sha1,
    );
    let response = h.http.post(&join).send().await.unwrap();
    let (status, body) = (response.status().as_u16(), response.text().await.unwrap());
    assert_failed(status, &body, "unsupportedRequest");
    let insert = h.url(
        &tok,
        "insertDocument",
        "meetingID=xx",
        ChecksumAlgorithm::Sha1,
    );
    let (status, body) = h.get(&insert).await;
    assert_failed(status, &body, "unsupportedRequest");
    let (status, body) = h
        .get(&h.url(&tok, "enter", "", ChecksumAlgorithm::Sha1))
        .await;
    assert_failed(status, &body, "unsupportedRequest");

    // POST create with the parameters in a form body; a trailing slash is fine.
    let url = format!(
        "{}create/?{}",
        h.token_base(&tok),
        common::signed("create", "", &tok.secret, ChecksumAlgorithm::Sha256)
    );
    let response = h
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("meetingID=posted&name=Posted+Room")
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    assert_eq!(element(&body, "meetingID"), Some("posted"));

    // A body type the call does not take.
    let response = h
        .http
        .post(h.url(&tok, "getMeetings", "", ChecksumAlgorithm::Sha1))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let (status, body) = (response.status().as_u16(), response.text().await.unwrap());
    assert_failed(status, &body, "unsupportedContentType");
    h.stop().await;
}

#[tokio::test]
async fn paths_the_endpoint_does_not_serve_still_answer_bbb_xml() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    for path in [
        format!("{}/bigbluebutton/api/hooks/list?checksum=00", h.base),
        format!("{}hooks/create?callbackURL=x", h.token_base(&tok)),
    ] {
        let (status, body) = h.get(&path).await;
        assert_failed(status, &body, "unsupportedRequest");
    }
    h.stop().await;
}
