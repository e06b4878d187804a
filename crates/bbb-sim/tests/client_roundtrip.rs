//! bbb-client against the simulator over real HTTP (port 0): every client call, every
//! checksum algorithm, and the transport failures. The simulator's snapshots show what
//! actually arrived, so the tests check both directions of each call.

use std::collections::BTreeMap;
use std::time::Duration;

use bbb_client::checksum::ChecksumAlgorithm;
use bbb_client::model::MeetingInfo;
use bbb_client::{
    Client, CreateMeeting, Document, Error, Feature, GuestPolicy, HookRegistration, JoinMeeting,
    Params, RecordingState, RecordingUpdate, RecordingsQuery, Role, Server, TextTrackUpload,
    TrackKind,
};
use bbb_sim::{SimConfig, SimServer};

const SECRET: &str = "round-trip-secret";

struct Setup {
    sim: SimServer,
    client: Client,
    server: Server,
}

fn start_with(config: SimConfig) -> Setup {
    let client = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let sim = SimServer::spawn(config).unwrap();
    let server = Server::new(&sim.api_url(), sim.secret()).unwrap();
    Setup {
        sim,
        client,
        server,
    }
}

fn start() -> Setup {
    start_with(SimConfig {
        secret: SECRET.into(),
        ..Default::default()
    })
}

fn sha1_hex(text: &str) -> String {
    ChecksumAlgorithm::Sha1.hex_digest(&[text.as_bytes()])
}

fn message_key(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Failed { message_key, .. }) => message_key,
        other => panic!("expected a FAILED answer, got {other:?}"),
    }
}

/// A client that does not follow redirects, for what a browser would receive.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Setup {
    async fn create(&self, meeting_id: &str) -> bbb_client::model::CreateResponse {
        self.client
            .create(&self.server, &CreateMeeting::new(meeting_id, "Room"))
            .await
            .unwrap()
    }

    async fn info(&self, meeting_id: &str) -> MeetingInfo {
        self.client
            .get_meeting_info(&self.server, meeting_id)
            .await
            .unwrap()
    }

    /// Creates a recorded meeting, lets one user in and ends it: the simulator then holds
    /// its recording, whose id is the meeting's internal id.
    async fn recorded_meeting(&self, meeting_id: &str, origin: &str) -> String {
        let created = self
            .client
            .create(
                &self.server,
                &CreateMeeting::new(meeting_id, format!("Lecture {meeting_id}"))
                    .record(true)
                    .meta("origin", origin),
            )
            .await
            .unwrap();
        assert_eq!(self.sim.add_attendees(meeting_id, 1).unwrap(), 1);
        self.client.end(&self.server, meeting_id).await.unwrap();
        created.internal_meeting_id
    }

    async fn hook_ids(&self, meeting_id: Option<&str>) -> Vec<u64> {
        let hooks = self
            .client
            .hooks_list(&self.server, meeting_id)
            .await
            .unwrap();
        let mut ids: Vec<u64> = hooks.iter().map(|h| h.hook_id).collect();
        ids.sort();
        ids
    }

    async fn recording_ids(&self, query: RecordingsQuery) -> Vec<String> {
        let page = self
            .client
            .get_recordings(&self.server, &query)
            .await
            .unwrap();
        let mut ids: Vec<_> = page.recordings.into_iter().map(|r| r.meeting_id).collect();
        ids.sort();
        ids
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_document() {
    let s = start();
    let version = s.client.version(&s.server).await.unwrap();
    assert_eq!(version.version, "2.0");
    assert_eq!(version.api_version.as_deref(), Some("2.0"));
    assert_eq!(version.bbb_version, Some(SimConfig::default().bbb_version));
    assert_eq!(
        version.graphql_api_url,
        Some(format!("{}/api/rest", s.sim.base_url()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_sends_every_parameter_and_is_idempotent() {
    let s = start();
    let create = CreateMeeting::new("rt-create", "Round Trip & Co")
        .attendee_pw("ap")
        .moderator_pw("mp")
        .record(true)
        .duration(30)
        .max_participants(10)
        .guest_policy(GuestPolicy::AskModerator)
        .disabled_features([Feature::Polls, Feature::Chat])
        .welcome("Hi <b>there</b> – %%CONFNAME%%")
        .meta("bbb-origin", "roundtrip")
        .param("sharedNotesEditor", "blockNote");
    let created = s.client.create(&s.server, &create).await.unwrap();
    assert_eq!(created.meeting_id, "rt-create");
    assert_eq!(
        created.internal_meeting_id,
        format!("{}-{}", sha1_hex("rt-create"), created.create_time)
    );
    assert_eq!(created.parent_meeting_id, "bbb-none");
    assert_eq!(created.attendee_pw.as_deref(), Some("ap"));
    assert_eq!(created.moderator_pw.as_deref(), Some("mp"));
    assert_eq!(created.duration, 30);
    assert_eq!(created.message_key, "");

    // The simulator received exactly the parameters the client signed, in order.
    let meeting = &s.sim.meetings_snapshot()[0];
    let sent: Vec<(String, String)> = create
        .params()
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(meeting.create_params, sent);
    assert!(meeting.record);
    assert_eq!(meeting.max_participants, 10);
    assert_eq!(meeting.disabled_features, ["polls", "chat"]);
    assert_eq!(
        meeting.metadata,
        BTreeMap::from([("bbb-origin".to_owned(), "roundtrip".to_owned())])
    );

    let repeat = s.client.create(&s.server, &create).await.unwrap();
    assert_eq!(repeat.message_key, "duplicateWarning");
    assert_eq!(repeat.internal_meeting_id, created.internal_meeting_id);

    let conflicting = CreateMeeting::new("rt-create", "Other")
        .attendee_pw("x1")
        .moderator_pw("y2");
    assert_eq!(
        message_key(s.client.create(&s.server, &conflicting).await),
        "idNotUnique"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_posts_pre_upload_documents() {
    let s = start();
    let create = CreateMeeting::new("rt-upload", "Slides")
        .presentation(
            Document::url("https://files.example.com/deck?id=7")
                .filename("deck.pdf")
                .downloadable(true)
                .current(true),
        )
        .presentation(Document::inline("notes.pdf", b"%PDF-1.4 test".to_vec()));
    let created = s.client.create(&s.server, &create).await.unwrap();
    assert_eq!(created.meeting_id, "rt-upload");

    let documents = &s.sim.meetings_snapshot()[0].documents;
    assert_eq!(documents.len(), 2);
    assert_eq!(
        documents[0].url.as_deref(),
        Some("https://files.example.com/deck?id=7")
    );
    assert_eq!(documents[0].name.as_deref(), Some("deck.pdf"));
    assert!(documents[0].current && documents[0].downloadable && !documents[0].inline);
    assert_eq!(documents[1].url, None);
    assert_eq!(documents[1].name.as_deref(), Some("notes.pdf"));
    assert!(documents[1].inline && !documents[1].current);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_url_redirects_the_browser_into_the_client() {
    let s = start();
    s.create("rt-join").await;
    let join = JoinMeeting::new("rt-join", "Ann Moderator")
        .role(Role::Moderator)
        .user_id("ann")
        .userdata("bbb_auto_join_audio", "true");
    let url = s.client.join_url(&s.server, &join);
    assert!(
        url.starts_with(&format!("{}join?", s.sim.api_url())),
        "{url}"
    );

    let answer = browser().get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    assert!(
        location.starts_with(&format!(
            "{}/html5client/join?sessionToken=",
            s.sim.base_url()
        )),
        "{location}"
    );

    let info = s.info("rt-join").await;
    assert!(info.running && info.has_user_joined);
    let ann = &info.attendees.attendee[0];
    assert_eq!(
        (
            ann.user_id.as_str(),
            ann.full_name.as_str(),
            ann.role.as_str()
        ),
        ("ann", "Ann Moderator", "MODERATOR")
    );
    assert_eq!(
        ann.customdata,
        Some(BTreeMap::from([(
            "bbb_auto_join_audio".to_owned(),
            "true".to_owned()
        )]))
    );

    // call_raw returns the redirect itself, for forwarding.
    let raw = s
        .client
        .call_raw(&s.server, "join", join.params(), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 302);
    assert!(
        raw.location
            .unwrap()
            .contains("/html5client/join?sessionToken=")
    );

    // With redirect on, errors travel as a redirect to `…?errors=[…]`; the client reads them.
    let unknown = JoinMeeting::new("no-such-meeting", "Eve").role(Role::Viewer);
    let raw = s
        .client
        .call_raw(&s.server, "join", unknown.params(), None)
        .await
        .unwrap();
    assert_eq!(raw.status, 302);
    assert!(raw.location.as_deref().unwrap().contains("errors="));
    assert_eq!(
        message_key(raw.decode::<bbb_client::model::JoinResponse>("join")),
        "invalidMeetingIdentifier"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_without_redirect_returns_the_session() {
    let s = start();
    let created = s
        .client
        .create(
            &s.server,
            &CreateMeeting::new("rt-join2", "Room")
                .attendee_pw("ap")
                .moderator_pw("mp"),
        )
        .await
        .unwrap();
    let session = s
        .client
        .join(
            &s.server,
            &JoinMeeting::new("rt-join2", "Bob")
                .password("ap")
                .user_id("bob"),
        )
        .await
        .unwrap();
    assert_eq!(session.message_key, "successfullyJoined");
    assert_eq!(session.meeting_id, created.internal_meeting_id);
    assert!(session.user_id.starts_with("w_"), "{}", session.user_id);
    assert_eq!(session.guest_status.as_deref(), Some("ALLOW"));
    assert_eq!(
        session.url,
        format!(
            "{}/html5client/join?sessionToken={}",
            s.sim.base_url(),
            session.session_token
        )
    );
    let info = s.info("rt-join2").await;
    let bob = &info.attendees.attendee[0];
    assert_eq!((bob.user_id.as_str(), bob.role.as_str()), ("bob", "VIEWER"));

    let unknown = s
        .client
        .join(
            &s.server,
            &JoinMeeting::new("nope", "Eve").role(Role::Viewer),
        )
        .await;
    assert!(unknown.as_ref().is_err_and(Error::is_not_found));
    assert_eq!(message_key(unknown), "invalidMeetingIdentifier");
    let wrong_password = JoinMeeting::new("rt-join2", "Eve").password("wrong");
    assert_eq!(
        message_key(s.client.join(&s.server, &wrong_password).await),
        "Params required"
    );
    let stale_link = JoinMeeting::new("rt-join2", "Eve")
        .role(Role::Viewer)
        .create_time(created.create_time - 1);
    assert_eq!(
        message_key(s.client.join(&s.server, &stale_link).await),
        "mismatchCreateTimeParam"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_meeting_info_and_end() {
    let s = start();
    s.create("rt-end").await;
    assert!(
        !s.client
            .is_meeting_running(&s.server, "rt-end")
            .await
            .unwrap()
    );
    assert!(
        !s.client
            .is_meeting_running(&s.server, "unknown")
            .await
            .unwrap()
    );

    assert_eq!(s.sim.add_attendees("rt-end", 3).unwrap(), 3);
    s.client
        .join(
            &s.server,
            &JoinMeeting::new("rt-end", "Mod").role(Role::Moderator),
        )
        .await
        .unwrap();
    assert!(
        s.client
            .is_meeting_running(&s.server, "rt-end")
            .await
            .unwrap()
    );
    let info = s.info("rt-end").await;
    assert_eq!(info.meeting_id, "rt-end");
    assert_eq!(info.meeting_name, "Room");
    assert_eq!((info.participant_count, info.moderator_count), (4, 1));
    assert_eq!(info.attendees.attendee.len(), 4);

    let ended = s.client.end(&s.server, "rt-end").await.unwrap();
    assert_eq!(ended.message_key.as_deref(), Some("sentEndMeetingRequest"));
    assert!(
        !s.client
            .is_meeting_running(&s.server, "rt-end")
            .await
            .unwrap()
    );
    assert!(s.info("rt-end").await.has_been_forcibly_ended);
    let late = JoinMeeting::new("rt-end", "Late").role(Role::Viewer);
    assert_eq!(
        message_key(s.client.join(&s.server, &late).await),
        "meetingForciblyEnded"
    );

    let unknown_end = s.client.end(&s.server, "unknown").await;
    assert!(unknown_end.as_ref().is_err_and(Error::is_not_found));
    let unknown_info = s.client.get_meeting_info(&s.server, "unknown").await;
    assert_eq!(message_key(unknown_info), "notFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_meetings_lists_everything_and_empty_is_success() {
    let s = start();
    assert!(s.client.get_meetings(&s.server).await.unwrap().is_empty());
    s.create("rt-m1").await;
    s.create("rt-m2").await;
    s.sim.add_attendees("rt-m2", 2).unwrap();
    let meetings = s.client.get_meetings(&s.server).await.unwrap();
    let mut summary: Vec<_> = meetings
        .iter()
        .map(|m| (m.meeting_id.as_str(), m.participant_count, m.running))
        .collect();
    summary.sort();
    assert_eq!(summary, [("rt-m1", 0, false), ("rt-m2", 2, true)]);
    assert!(meetings.iter().all(|m| m.returncode.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_filters_pagination_and_management() {
    let s = start();
    let a = s.recorded_meeting("rec-a", "lms").await;
    let b = s.recorded_meeting("rec-b", "lms").await;
    let c = s.recorded_meeting("rec-c", "other").await;
    // Not recorded: no recording appears.
    s.create("rec-none").await;
    s.sim.add_attendees("rec-none", 1).unwrap();
    s.client.end(&s.server, "rec-none").await.unwrap();

    let all = s
        .client
        .get_recordings(&s.server, &RecordingsQuery::new())
        .await
        .unwrap();
    assert_eq!(all.total, None);
    assert_eq!(all.recordings.len(), 3);
    let first = all.recordings.iter().find(|r| r.record_id == a).unwrap();
    assert_eq!(first.meeting_id, "rec-a");
    assert_eq!(first.name, "Lecture rec-a");
    assert_eq!(first.internal_meeting_id.as_deref(), Some(a.as_str()));
    assert_eq!(first.participants, Some(1));
    assert!(first.published && first.state == "published");
    assert_eq!(first.metadata["origin"], "lms");
    assert!(!first.playback.format.is_empty());

    let ids = |query| s.recording_ids(query);
    assert_eq!(
        ids(RecordingsQuery::new().meeting_ids(["rec-a", "rec-c"])).await,
        ["rec-a", "rec-c"]
    );
    // A bare sha1 is a prefix of every session of that meeting.
    assert_eq!(
        ids(RecordingsQuery::new().record_ids([sha1_hex("rec-b")])).await,
        ["rec-b"]
    );
    assert_eq!(
        ids(RecordingsQuery::new().record_ids([&a, &c])).await,
        ["rec-a", "rec-c"]
    );
    assert_eq!(
        ids(RecordingsQuery::new().meta("origin", "lms")).await,
        ["rec-a", "rec-b"]
    );
    assert!(
        ids(RecordingsQuery::new().states([RecordingState::Unpublished]))
            .await
            .is_empty()
    );
    assert!(
        ids(RecordingsQuery::new().meeting_ids(["never-held"]))
            .await
            .is_empty()
    );

    for (offset, limit, shown) in [(0, 2, 2), (1, 1, 1), (2, 10, 1), (5, 10, 0)] {
        let page = s
            .client
            .get_recordings(
                &s.server,
                &RecordingsQuery::new().offset(offset).limit(limit),
            )
            .await
            .unwrap();
        assert_eq!(page.total, Some(3), "offset {offset} limit {limit}");
        assert_eq!(
            page.recordings.len(),
            shown,
            "offset {offset} limit {limit}"
        );
    }

    assert!(
        !s.client
            .publish_recordings(&s.server, &[&a], false)
            .await
            .unwrap()
    );
    assert_eq!(
        ids(RecordingsQuery::new().states([RecordingState::Unpublished])).await,
        ["rec-a"]
    );
    assert!(
        s.client
            .publish_recordings(&s.server, &[&a], true)
            .await
            .unwrap()
    );
    assert!(
        ids(RecordingsQuery::new().states([RecordingState::Unpublished]))
            .await
            .is_empty()
    );

    let update = RecordingUpdate::new([&b])
        .set_meta("title", "Renamed")
        .delete_meta("origin");
    assert!(
        s.client
            .update_recordings(&s.server, &update)
            .await
            .unwrap()
    );
    let updated = s
        .client
        .get_recordings(&s.server, &RecordingsQuery::new().record_ids([&b]))
        .await
        .unwrap();
    let metadata = &updated.recordings[0].metadata;
    assert_eq!(metadata.get("title").map(String::as_str), Some("Renamed"));
    assert_eq!(metadata.get("origin"), None);

    assert!(s.client.delete_recordings(&s.server, &[&c]).await.unwrap());
    assert_eq!(ids(RecordingsQuery::new()).await, ["rec-a", "rec-b"]);
    assert_eq!(
        ids(RecordingsQuery::new().states([RecordingState::Deleted])).await,
        ["rec-c"]
    );
    assert_eq!(
        ids(RecordingsQuery::new().states([RecordingState::Any])).await,
        ["rec-a", "rec-b", "rec-c"]
    );

    let unknown = ["no-such-recording"];
    assert_eq!(
        message_key(s.client.publish_recordings(&s.server, &unknown, true).await),
        "notFound"
    );
    assert_eq!(
        message_key(s.client.delete_recordings(&s.server, &unknown).await),
        "notFound"
    );
    assert_eq!(
        message_key(
            s.client
                .update_recordings(&s.server, &RecordingUpdate::new(unknown))
                .await
        ),
        "notFound"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_tracks_upload_and_list() {
    let s = start();
    let record_id = s.recorded_meeting("rt-tracks", "lms").await;
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n";
    let upload = TextTrackUpload::new(
        &record_id,
        TrackKind::Subtitles,
        "en-US",
        "en.vtt",
        "text/vtt",
        vtt,
    )
    .label("English");
    let accepted = s
        .client
        .put_recording_text_track(&s.server, &upload)
        .await
        .unwrap();
    assert_eq!(
        accepted.message_key.as_deref(),
        Some("upload_text_track_success")
    );
    assert_eq!(accepted.record_id.as_deref(), Some(record_id.as_str()));

    let tracks = s
        .client
        .get_recording_text_tracks(&s.server, &record_id)
        .await
        .unwrap();
    assert_eq!(tracks.len(), 1);
    let track = &tracks[0];
    assert_eq!(
        (
            track.kind.as_str(),
            track.lang.as_str(),
            track.label.as_str(),
            track.source.as_str()
        ),
        ("subtitles", "en-US", "English", "upload")
    );
    let served = browser().get(&track.href).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert!(served.text().await.unwrap().contains("Hello"));

    assert_eq!(
        message_key(
            s.client
                .get_recording_text_tracks(&s.server, "no-such-recording")
                .await
        ),
        "noRecordings"
    );
    let bad_lang = TextTrackUpload::new(
        &record_id,
        TrackKind::Captions,
        "not a language",
        "x.vtt",
        "text/vtt",
        vtt,
    );
    assert_eq!(
        message_key(
            s.client
                .put_recording_text_track(&s.server, &bad_lang)
                .await
        ),
        "invalidLang"
    );
    let empty = TextTrackUpload::new(
        &record_id,
        TrackKind::Captions,
        "de",
        "x.vtt",
        "text/vtt",
        Vec::<u8>::new(),
    );
    assert_eq!(
        message_key(s.client.put_recording_text_track(&s.server, &empty).await),
        "empty_uploaded_text_track"
    );
    let bad_type = TextTrackUpload::new(&record_id, TrackKind::Captions, "de", "x", "no type", vtt);
    assert!(matches!(
        s.client
            .put_recording_text_track(&s.server, &bad_type)
            .await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_document_into_a_running_meeting() {
    let s = start();
    s.create("rt-docs").await;
    s.sim.add_attendees("rt-docs", 1).unwrap();
    let answer = s
        .client
        .insert_document(
            &s.server,
            "rt-docs",
            &[
                Document::url("https://files.example.com/extra.pdf").current(true),
                Document::inline("inline.pdf", b"%PDF".to_vec()).removable(false),
            ],
        )
        .await
        .unwrap();
    assert_eq!(answer.returncode, bbb_client::model::ReturnCode::Success);
    let documents = &s.sim.meetings_snapshot()[0].documents;
    assert_eq!(documents.len(), 2);
    assert_eq!(
        documents[0].url.as_deref(),
        Some("https://files.example.com/extra.pdf")
    );
    assert!(documents[0].current);
    assert_eq!(documents[1].name.as_deref(), Some("inline.pdf"));
    assert!(documents[1].inline && !documents[1].removable);

    let unknown = s
        .client
        .insert_document(&s.server, "unknown", &[Document::url("https://x/y.pdf")])
        .await;
    assert!(unknown.as_ref().is_err_and(Error::is_not_found));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_chat_message_to_a_meeting() {
    let s = start();
    s.create("rt-chat").await;
    s.client
        .send_chat_message(&s.server, "rt-chat", "Hello <all> & more", Some("Bot"))
        .await
        .unwrap();
    s.client
        .send_chat_message(&s.server, "rt-chat", "Second", None)
        .await
        .unwrap();
    let messages: Vec<_> = s.sim.meetings_snapshot()[0]
        .chat_messages
        .iter()
        .map(|m| (m.user_name.clone(), m.message.clone()))
        .collect();
    assert_eq!(
        messages[0],
        ("Bot".to_owned(), "Hello <all> & more".to_owned())
    );
    assert_eq!(messages[1], ("System".to_owned(), "Second".to_owned()));

    let unknown = s
        .client
        .send_chat_message(&s.server, "unknown", "Hi", None)
        .await;
    assert_eq!(message_key(unknown), "notFound");
    let too_long = "x".repeat(501);
    assert_eq!(
        message_key(
            s.client
                .send_chat_message(&s.server, "rt-chat", &too_long, None)
                .await
        ),
        "validationError"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_create_list_destroy() {
    let s = start();
    let meeting_hook = HookRegistration::new("http://127.0.0.1:9/meeting-hook")
        .meeting_id("rt-hooked")
        .event_ids(["meeting-ended", "user-joined"])
        .get_raw(true);
    let created = s
        .client
        .hooks_create(&s.server, &meeting_hook)
        .await
        .unwrap();
    assert_eq!(created.raw_data, Some(true));
    assert_eq!(created.message_key, None);
    let again = s
        .client
        .hooks_create(&s.server, &meeting_hook)
        .await
        .unwrap();
    assert_eq!(again.hook_id, created.hook_id);
    assert_eq!(again.message_key.as_deref(), Some("duplicateWarning"));
    let global = s
        .client
        .hooks_create(
            &s.server,
            &HookRegistration::new("http://127.0.0.1:9/global"),
        )
        .await
        .unwrap();
    assert_ne!(global.hook_id, created.hook_id);

    let mut both = vec![created.hook_id, global.hook_id];
    both.sort();
    assert_eq!(s.hook_ids(None).await, both);
    assert_eq!(s.hook_ids(Some("rt-hooked")).await, both);
    assert_eq!(s.hook_ids(Some("elsewhere")).await, [global.hook_id]);
    let hooks = s.client.hooks_list(&s.server, None).await.unwrap();
    let hook = hooks.iter().find(|h| h.hook_id == created.hook_id).unwrap();
    assert_eq!(hook.callback_url, "http://127.0.0.1:9/meeting-hook");
    assert_eq!(hook.meeting_id.as_deref(), Some("rt-hooked"));
    assert!(hook.raw_data);

    assert!(
        s.client
            .hooks_destroy(&s.server, created.hook_id)
            .await
            .unwrap()
    );
    assert_eq!(
        message_key(s.client.hooks_destroy(&s.server, created.hook_id).await),
        "destroyMissingHook"
    );
    assert_eq!(s.hook_ids(None).await, [global.hook_id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_checksum_algorithm_is_accepted() {
    let s = start();
    for algorithm in ChecksumAlgorithm::ALL {
        let server = s.server.clone().with_algorithm(algorithm);
        let meeting_id = format!("rt-{}", algorithm.name());
        s.client
            .create(&server, &CreateMeeting::new(&meeting_id, "Room"))
            .await
            .unwrap();
        let url = s.client.join_url(
            &server,
            &JoinMeeting::new(&meeting_id, "Ann").role(Role::Viewer),
        );
        let checksum = url.rsplit("checksum=").next().unwrap();
        assert_eq!(checksum.len(), algorithm.hex_len());
        let answer = browser().get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 302, "{}", algorithm.name());
        let info = s
            .client
            .get_meeting_info(&server, &meeting_id)
            .await
            .unwrap();
        assert_eq!(info.participant_count, 1, "{}", algorithm.name());

        let forged = Server::new(&s.sim.api_url(), "wrong-secret")
            .unwrap()
            .with_algorithm(algorithm);
        assert_eq!(
            message_key(s.client.get_meetings(&forged).await),
            "checksumError"
        );
    }
    assert_eq!(s.client.get_meetings(&s.server).await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn algorithms_the_server_does_not_support_are_refused() {
    let s = start_with(SimConfig {
        secret: SECRET.into(),
        supported_algorithms: vec![ChecksumAlgorithm::Sha256],
        ..Default::default()
    });
    let sha1 = s.server.clone().with_algorithm(ChecksumAlgorithm::Sha1);
    assert_eq!(
        message_key(s.client.get_meetings(&sha1).await),
        "checksumError"
    );
    assert!(s.client.get_meetings(&s.server).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_raw_forwards_unknown_calls_and_parameters() {
    let s = start();
    let params: Params = [
        ("meetingID", "raw-1"),
        ("name", "Raw"),
        ("futureParam", "on"),
    ]
    .into_iter()
    .collect();
    let raw = s
        .client
        .call_raw(&s.server, "create", &params, None)
        .await
        .unwrap();
    assert_eq!(raw.status, 200);
    assert!(
        raw.content_type.as_deref().unwrap().starts_with("text/xml"),
        "{:?}",
        raw.content_type
    );
    // bbb-web sends no XML declaration (spec §0).
    assert!(raw.body.starts_with(b"<response>"), "{:?}", raw.body);
    let created: bbb_client::model::CreateResponse = raw.decode("create").unwrap();
    assert_eq!(created.meeting_id, "raw-1");
    assert!(
        s.sim.meetings_snapshot()[0]
            .create_params
            .contains(&("futureParam".to_owned(), "on".to_owned()))
    );

    let unknown_call = s
        .client
        .call_raw(&s.server, "noSuchCall", &Params::new(), None)
        .await
        .unwrap();
    assert_eq!(
        message_key(unknown_call.decode::<bbb_client::model::MessageResponse>("noSuchCall")),
        "unsupportedRequest"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_failures_map_to_their_errors() {
    let s = start();
    s.sim.set_error_rate(1.0);
    match s.client.get_meetings(&s.server).await {
        Err(Error::HttpStatus {
            status,
            body_excerpt,
        }) => {
            assert_eq!(status, 502);
            assert!(body_excerpt.contains("502 Bad Gateway"), "{body_excerpt}");
        }
        other => panic!("expected HTTP 502, got {other:?}"),
    }
    s.sim.set_error_rate(0.0);

    s.sim.set_latency(Duration::from_millis(500));
    let impatient = Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    assert_eq!(
        impatient.get_meetings(&s.server).await.unwrap_err(),
        Error::Timeout
    );
    s.sim.set_latency(Duration::ZERO);

    // Refused connections are checked with an empty pool: a kept-alive connection from
    // before the outage fails differently (Transport: closed or reset), or is even still
    // served for a moment by the simulator while it stops.
    s.sim.set_down(true).await.unwrap();
    let down = Client::new().unwrap().get_meetings(&s.server).await;
    assert!(matches!(down, Err(Error::Connect(_))), "{down:?}");
    s.sim.set_down(false).await.unwrap();
    let back = Client::new().unwrap().get_meetings(&s.server).await;
    assert!(back.unwrap().is_empty());

    let server = s.server.clone();
    s.sim.shutdown().await;
    let gone = Client::new().unwrap().version(&server).await;
    assert!(matches!(gone, Err(Error::Connect(_))), "{gone:?}");
}
