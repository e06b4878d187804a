//! The streaming rewrite against the model path it replaced (kept here, and as the fallback,
//! to compare with): byte for byte on everything the simulator writes, semantically on the
//! real BBB fixtures, and error for error on documents it must not take.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use bbb_client::model::{
    Attendee, Attendees, BreakoutRooms, MeetingInfo, Meetings, MeetingsResponse, ReturnCode,
};
use bbb_client::response::RawResponse;
use bbb_client::xml::{from_xml, to_response_xml};
use bbb_client::{Client, CreateMeeting, JoinMeeting, Params, Role as BbbRole};
use bbb_sim::{SimConfig, SimServer};
use bytes::Bytes;

use super::*;
use crate::error::EndpointError;
use crate::fleet::Backend;
use crate::forward::{decode, unmask};
use crate::listing::{Listing, NO_MEETINGS, listing_of, merged};
use crate::meetings::{as_client_sees_it, meeting_info_answer};
use crate::reply;

/// The token guid of the meetings below, as backend meetingIDs carry it.
const GUID: &str = "0123456789abcdef0123456789abcdef";
const OTHER_GUID: &str = "fedcba9876543210fedcba9876543210";

fn backend() -> Backend {
    let now = chrono::Utc::now();
    let url = "http://127.0.0.1:9/bigbluebutton/api/";
    Backend {
        row: service::model::Server {
            id: 1,
            group_id: 1,
            name: "bbb-test".into(),
            api_url: url.into(),
            secret_ciphertext: String::new(),
            weight: 1,
            state: service::model::ServerState::Enabled,
            health: service::model::ServerHealth::Healthy,
            consecutive_failures: 0,
            consecutive_successes: 0,
            last_polled_at: None,
            last_poll_error: None,
            meeting_count: 0,
            attendee_count: 0,
            created_at: now,
            updated_at: now,
        },
        api: bbb_client::Server::new(url, "secret").unwrap(),
    }
}

fn raw(body: impl Into<Bytes>) -> RawResponse {
    RawResponse {
        status: 200,
        content_type: Some("text/xml;charset=utf-8".into()),
        body: body.into(),
        location: None,
    }
}

/// What the client gets: the body, or the error the endpoint turns into a FAILED document.
type Outcome = Result<Bytes, String>;

fn outcome(answer: Result<HttpResponse, EndpointError>) -> Outcome {
    match answer {
        Ok(response) => Ok(response
            .into_body()
            .try_into_bytes()
            .map_err(|_| "not a complete body")
            .unwrap()),
        Err(error) => Err(format!("{error:?}")),
    }
}

/// getMeetingInfo as the endpoint answers it now.
fn info_now(raw: &RawResponse, backend_id: &str, client_id: &str) -> Outcome {
    outcome(meeting_info_answer(raw, &backend(), backend_id, client_id))
}

/// getMeetingInfo as the endpoint answered it before the streaming rewrite: the model path.
fn info_by_model(raw: &RawResponse, backend_id: &str, client_id: &str) -> Outcome {
    let rewrite = unmask(backend_id, client_id);
    let info: MeetingInfo =
        decode(raw, "getMeetingInfo", &backend(), rewrite).map_err(|error| format!("{error:?}"))?;
    Ok(to_response_xml(&as_client_sees_it(info, client_id))
        .unwrap()
        .into())
}

type ClientIds<'a> = HashMap<(i64, &'a str), &'a str>;

/// getMeetings as the endpoint merges it now, from each server's answer.
fn list_now(answers: &[(i64, RawResponse)], client_ids: &ClientIds<'_>) -> Outcome {
    let found: Vec<(i64, Listing)> = answers
        .iter()
        .filter_map(|(id, raw)| Some((*id, listing_of(raw.clone(), &backend()).ok()?)))
        .collect();
    merged(&found, client_ids)
        .map_err(|error| format!("{error:?}"))
        .and_then(|body| outcome(Ok(reply::xml_bytes(body))))
}

/// getMeetings as the endpoint merged it before the streaming rewrite: every answer read into
/// the model (a failing server skipped), the visible meetings renamed, one document written.
fn list_by_model(answers: &[(i64, RawResponse)], client_ids: &ClientIds<'_>) -> Outcome {
    let mut meetings = Vec::new();
    for (server_id, raw) in answers {
        let Ok(answer) = decode::<MeetingsResponse>(raw, "getMeetings", &backend(), str::to_owned)
        else {
            continue;
        };
        for meeting in answer.meetings.meeting {
            let key = (*server_id, meeting.meeting_id.as_str());
            if let Some(client_id) = client_ids.get(&key).map(|id| id.to_string()) {
                meetings.push(as_client_sees_it(meeting, &client_id));
            }
        }
    }
    let empty = meetings.is_empty();
    let document = MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: Meetings { meeting: meetings },
        message_key: empty.then(|| "noMeetings".to_owned()),
        message: empty.then(|| "no meetings were found on this server".to_owned()),
    };
    Ok(to_response_xml(&document).unwrap().into())
}

fn is_streamed(raw: &RawResponse) -> bool {
    matches!(
        listing_of(raw.clone(), &backend()),
        Ok(Listing::Streamed(_))
    )
}

fn text(body: &Bytes) -> &str {
    std::str::from_utf8(body).unwrap()
}

/// A callback URL as create routes it through the gateway.
fn relayed(kind: &str, url: &str) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("url", url)
        .append_pair("sig", "00ff")
        .finish();
    format!("http://gw.example/bigbluebutton/callback/{kind}/{GUID}?{query}")
}

fn backend_id(guid: &str, client_id: &str) -> String {
    crate::ids::backend_meeting_id(uuid::Uuid::parse_str(guid).unwrap(), client_id)
}

// --- The simulator: byte for byte -------------------------------------------------------------

struct SimMeeting {
    sim: usize,
    client_id: &'static str,
    backend_id: String,
}

/// Meetings with everything the simulator can show: attendees (named with markup characters,
/// with custom data), metadata with relayed callbacks, a breakout room, non-ASCII, a meetingID
/// long enough to be hashed, another token's meeting.
async fn populate(sims: &[SimServer], client: &Client) -> Vec<SimMeeting> {
    let api =
        |sim: usize| bbb_client::Server::new(&sims[sim].api_url(), sims[sim].secret()).unwrap();
    let long_id: &'static str = "Lang-Ω-".repeat(33).leak();
    let plans: [(usize, &'static str, &str, &str); 5] = [
        (0, r#"room & <1> "q" 'a'"#, "Zoë & <Co> \"x\" 'y'", GUID),
        (0, "another token's", "Hidden", OTHER_GUID),
        (1, "Grüße-日本-🙂", "日本語の会議 — ü", GUID),
        (1, long_id, "long", GUID),
        (1, "plain-room", "Plain", GUID),
    ];
    let mut made = Vec::new();
    for (sim, client_id, name, guid) in plans {
        let backend_id = backend_id(guid, client_id);
        let create = CreateMeeting::new(backend_id.clone(), name)
            .record(true)
            .meta(
                "endCallbackUrl",
                relayed("end", "https://lms.example/ended?course=7&x=<1>"),
            )
            .meta(
                "bbb-recording-ready-url",
                relayed("recording-ready", "https://lms.example/ready"),
            )
            .meta("course", "a&b<c>\"d\" 'e'")
            .meta("bbb-origin", "Grüße 日本")
            .meta(
                "note",
                "mentions /bigbluebutton/callback/ but is no callback",
            );
        client.create(&api(sim), &create).await.unwrap();
        made.push(SimMeeting {
            sim,
            client_id,
            backend_id,
        });
    }
    // A callback URL that looks relayed but carries no url: shown as it is.
    let odd = backend_id(GUID, "odd-callback");
    let create = CreateMeeting::new(odd.clone(), "Odd").meta(
        "endCallbackUrl",
        "https://x.example/bigbluebutton/callback/end/abc?nourl=1",
    );
    client.create(&api(1), &create).await.unwrap();
    made.push(SimMeeting {
        sim: 1,
        client_id: "odd-callback",
        backend_id: odd,
    });

    // Attendees on the first meeting: joined with markup in names and custom data.
    let first = &made[0].backend_id;
    for (name, role) in [
        ("Ann & <Bob> \"c\" 'd'", BbbRole::Moderator),
        ("Zoë Ünal", BbbRole::Viewer),
    ] {
        let join = JoinMeeting::new(first.clone(), name)
            .role(role)
            .userdata("bbb_custom", "v&<>\"'")
            .userdata("bbb_skip_check_audio", "true");
        client.join(&api(0), &join).await.unwrap();
    }
    sims[0].add_attendees(first, 2).unwrap();

    // A breakout room of the first meeting, which now runs.
    let parent = client.get_meeting_info(&api(0), first).await.unwrap();
    let breakout_client: &'static str = r#"room & <1> "q" 'a' – breakout 1"#;
    let breakout_id = backend_id(GUID, breakout_client);
    let create = CreateMeeting::new(breakout_id.clone(), "Breakout – 1 <b>")
        .param("isBreakout", "true")
        .param("parentMeetingID", parent.internal_meeting_id)
        .param("sequence", "1")
        .param("freeJoin", "true");
    client.create(&api(0), &create).await.unwrap();
    sims[0].add_attendees(&breakout_id, 1).unwrap();
    made.push(SimMeeting {
        sim: 0,
        client_id: breakout_client,
        backend_id: breakout_id,
    });
    made
}

async fn fetch(client: &Client, sim: &SimServer, call: &str, meeting: Option<&str>) -> RawResponse {
    let api = bbb_client::Server::new(&sim.api_url(), sim.secret()).unwrap();
    let mut params = Params::new();
    if let Some(id) = meeting {
        params.set("meetingID", id);
    }
    client.call_raw(&api, call, &params, None).await.unwrap()
}

#[tokio::test]
async fn simulator_answers_stream_to_the_model_paths_bytes() {
    let sims: Vec<SimServer> = (0..3)
        .map(|n| {
            SimServer::spawn(SimConfig {
                secret: format!("rewrite-secret-{n}-0123456789abcdef"),
                ..SimConfig::default()
            })
            .unwrap()
        })
        .collect();
    let client = Client::new().unwrap();
    let made = populate(&sims, &client).await;

    for meeting in &made {
        let raw = fetch(
            &client,
            &sims[meeting.sim],
            "getMeetingInfo",
            Some(&meeting.backend_id),
        )
        .await;
        assert!(
            meeting_info(&raw.body, meeting.client_id).is_some(),
            "not streamed: {}",
            text(&raw.body)
        );
        let now = info_now(&raw, &meeting.backend_id, meeting.client_id).unwrap();
        let before = info_by_model(&raw, &meeting.backend_id, meeting.client_id).unwrap();
        assert_eq!(text(&now), text(&before));
        let read: MeetingInfo = from_xml(text(&now)).unwrap();
        assert_eq!(read.meeting_id, meeting.client_id);
    }
    // The relayed callbacks really were there and came out as the client's URLs.
    let first = info_now(
        &fetch(
            &client,
            &sims[0],
            "getMeetingInfo",
            Some(&made[0].backend_id),
        )
        .await,
        &made[0].backend_id,
        made[0].client_id,
    )
    .unwrap();
    let first: MeetingInfo = from_xml(text(&first)).unwrap();
    assert_eq!(
        first.metadata["endcallbackurl"],
        "https://lms.example/ended?course=7&x=<1>"
    );
    assert_eq!(
        first.metadata["bbb-recording-ready-url"],
        "https://lms.example/ready"
    );
    assert_eq!(first.attendees.attendee.len(), 4);
    assert!(first.breakout_rooms.is_some());

    let mut answers = Vec::new();
    for (index, sim) in sims.iter().enumerate() {
        let raw = fetch(&client, sim, "getMeetings", None).await;
        assert!(is_streamed(&raw), "not streamed: {}", text(&raw.body));
        answers.push((index as i64 + 1, raw));
    }
    let visible: Vec<&SimMeeting> = made
        .iter()
        .filter(|m| m.backend_id.starts_with(GUID))
        .collect();
    let all: ClientIds<'_> = visible
        .iter()
        .map(|m| ((m.sim as i64 + 1, m.backend_id.as_str()), m.client_id))
        .collect();
    let second_only: ClientIds<'_> = all
        .iter()
        .filter(|((server, _), _)| *server == 2)
        .map(|(key, value)| (*key, *value))
        .collect();
    // The same backend ID on the wrong server is someone else's meeting.
    let wrong_server: ClientIds<'_> = all
        .iter()
        .map(|((server, id), value)| ((server % 3 + 1, *id), *value))
        .collect();
    for client_ids in [&all, &second_only, &wrong_server, &ClientIds::new()] {
        let now = list_now(&answers, client_ids).unwrap();
        let before = list_by_model(&answers, client_ids).unwrap();
        assert_eq!(text(&now), text(&before));
    }
    let shown: MeetingsResponse = from_xml(text(&list_now(&answers, &all).unwrap())).unwrap();
    let mut ids: Vec<&str> = shown
        .meetings
        .meeting
        .iter()
        .map(|m| m.meeting_id.as_str())
        .collect();
    let mut expected: Vec<&str> = visible.iter().map(|m| m.client_id).collect();
    ids.sort_unstable();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert_eq!(
        list_now(&answers, &ClientIds::new()).unwrap(),
        Bytes::from_static(NO_MEETINGS)
    );

    for sim in sims {
        sim.shutdown().await;
    }
}

// --- Real BBB fixtures: the same meaning -----------------------------------------------------

fn fixtures_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bbb-api");
    dir.canonicalize()
        .unwrap_or_else(|e| panic!("fixtures folder {} not found: {e}", dir.display()))
}

/// (file name, body) of every fixture whose name starts with `call_`.
fn fixtures(call: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&format!("{call}_")))
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    found.sort();
    found
}

/// The fixture with its callback URLs routed through the gateway, as create would have set
/// them.
fn with_relayed_callbacks(body: &str) -> String {
    let mut out = body.to_owned();
    for name in ["endcallbackurl", "bbb-recording-ready-url"] {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let mut from = 0;
        while let Some(start) = out[from..].find(&open).map(|at| at + from + open.len()) {
            let end = out[start..].find(&close).unwrap() + start;
            let kind = if name == "endcallbackurl" {
                "end"
            } else {
                "recording-ready"
            };
            let url = relayed(kind, &out[start..end]).replace('&', "&amp;");
            out.replace_range(start..end, &url);
            from = start + url.len();
        }
    }
    out
}

const CLIENT_ID: &str = "client & <id> \"é\" 'x'";

#[test]
fn meeting_info_fixtures_mean_the_same_streamed() {
    let mut streamed = 0;
    for (name, body) in fixtures("getMeetingInfo") {
        let plain = from_xml::<MeetingInfo>(&body).unwrap_or_default();
        for body in [body.clone(), with_relayed_callbacks(&body)] {
            let raw = raw(body.clone());
            let now = info_now(&raw, "backend-id", CLIENT_ID);
            let before = info_by_model(&raw, "backend-id", CLIENT_ID);
            let (now, before) = match (now, before) {
                (Ok(now), Ok(before)) => (now, before),
                (now, before) => {
                    assert_eq!(now, before, "{name}");
                    continue;
                }
            };
            let out = meeting_info(body.as_bytes(), CLIENT_ID).expect(&name);
            assert_eq!(out.capacity(), out.len(), "{name}: sized exactly");
            streamed += 1;
            let now: MeetingInfo = from_xml(text(&now)).unwrap();
            let before: MeetingInfo = from_xml(text(&before)).unwrap();
            assert_eq!(now, before, "{name}");
            assert_eq!(now.meeting_id, CLIENT_ID, "{name}");
            // Relayed or not, the client sees the callback URLs of the fixture.
            assert_eq!(now.metadata, plain.metadata, "{name}");
        }
    }
    assert!(streamed >= 8, "only {streamed} fixtures streamed");
}

#[test]
fn meetings_fixtures_mean_the_same_streamed() {
    let mut streamed = 0;
    for (name, body) in fixtures("getMeetings") {
        for body in [body.clone(), with_relayed_callbacks(&body)] {
            let answers = [(1, raw(body.clone()))];
            let listed: MeetingsResponse = from_xml(&body).unwrap();
            // Every meeting but the second is the token's.
            let names: Vec<String> = (0..listed.meetings.meeting.len())
                .map(|n| format!("{CLIENT_ID} {n}"))
                .collect();
            let client_ids: ClientIds<'_> = listed
                .meetings
                .meeting
                .iter()
                .zip(&names)
                .enumerate()
                .filter(|(n, _)| *n != 1)
                .map(|(_, (m, client))| ((1, m.meeting_id.as_str()), client.as_str()))
                .collect();
            assert!(is_streamed(&answers[0].1), "{name}");
            streamed += 1;
            let now = list_now(&answers, &client_ids).unwrap();
            let before = list_by_model(&answers, &client_ids).unwrap();
            let now: MeetingsResponse = from_xml(text(&now)).unwrap();
            let before: MeetingsResponse = from_xml(text(&before)).unwrap();
            assert_eq!(now, before, "{name}");
            let shown: Vec<&str> = now
                .meetings
                .meeting
                .iter()
                .map(|m| m.meeting_id.as_str())
                .collect();
            let expected: Vec<&str> = names
                .iter()
                .enumerate()
                .filter(|(n, _)| *n != 1)
                .map(|(_, name)| name.as_str())
                .collect();
            assert_eq!(shown, expected, "{name}");
        }
    }
    assert!(streamed >= 6, "only {streamed} fixtures streamed");
}

// --- What the streaming path keeps and changes ------------------------------------------------

/// A getMeetingInfo document as the model path writes one, with everything in it.
fn rich_meeting(returncode: Option<ReturnCode>) -> MeetingInfo {
    MeetingInfo {
        returncode,
        meeting_name: "Zoë & <Co>".into(),
        meeting_id: backend_id(GUID, "rich & <room>"),
        internal_meeting_id: "abc-1".into(),
        create_time: 1,
        attendee_pw: Some("ap".into()),
        moderator_pw: Some("mp".into()),
        running: true,
        participant_count: 1,
        attendees: Attendees {
            attendee: vec![Attendee {
                user_id: "w_1".into(),
                full_name: "Ann \"A\" <B>".into(),
                role: "MODERATOR".into(),
                customdata: Some([("meetingID".to_owned(), "not-this".to_owned())].into()),
                ..Attendee::default()
            }],
        },
        metadata: [
            (
                "endcallbackurl".to_owned(),
                relayed("end", "https://lms.example/e?a=1&b=<2>"),
            ),
            ("course".to_owned(), "x & y".to_owned()),
        ]
        .into(),
        breakout_rooms: Some(BreakoutRooms {
            breakout: vec!["b-1".into(), "b-2".into()],
        }),
        ..MeetingInfo::default()
    }
}

fn rich_info_document() -> String {
    to_response_xml(&rich_meeting(Some(ReturnCode::Success))).unwrap()
}

fn rich_list_document() -> String {
    let mut second = rich_meeting(None);
    second.meeting_id = backend_id(GUID, "second");
    to_response_xml(&MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: Meetings {
            meeting: vec![rich_meeting(None), second],
        },
        message_key: None,
        message: None,
    })
    .unwrap()
}

#[test]
fn unknown_elements_whitespace_cdata_and_comments_survive() {
    let backend = backend_id(GUID, "room");
    let body = format!(
        "<?xml version=\"1.0\"?>\n<response>\n  <returncode>SUCCESS</returncode>\n  \
         <meetingName><![CDATA[A <b> & c]]></meetingName>\n  <meetingID>{backend}</meetingID>\n  \
         <!-- a comment -->\n  <futureField kind=\"new\">from BBB 4.0</futureField>\n  \
         <metadata>\n    <endcallbackurl>\n      {}\n    </endcallbackurl>\n  </metadata>\n\
         </response>\n",
        relayed("end", "https://lms.example/x?y=1").replace('&', "&amp;")
    );
    let now = info_now(&raw(body.clone()), &backend, "mine").unwrap();
    let expected = "<?xml version=\"1.0\"?>\n<response>\n  <returncode>SUCCESS</returncode>\n  \
         <meetingName><![CDATA[A <b> & c]]></meetingName>\n  <meetingID>mine</meetingID>\n  \
         <!-- a comment -->\n  <futureField kind=\"new\">from BBB 4.0</futureField>\n  \
         <metadata>\n    <endcallbackurl>https://lms.example/x?y=1</endcallbackurl>\n  \
         </metadata>\n</response>\n";
    assert_eq!(text(&now), expected);
    // The model path lost it.
    let before = info_by_model(&raw(body), &backend, "mine").unwrap();
    assert!(!text(&before).contains("futureField"));

    // In getMeetings too, inside each meeting.
    let list = format!(
        "<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>{backend}\
         </meetingID><futureField>kept</futureField></meeting></meetings></response>"
    );
    let client_ids: ClientIds<'_> = [((1, backend.as_str()), "mine")].into();
    let now = list_now(&[(1, raw(list))], &client_ids).unwrap();
    assert_eq!(
        text(&now),
        "<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>mine\
         </meetingID><futureField>kept</futureField></meeting></meetings></response>"
    );
}

#[test]
fn client_ids_with_markup_characters_are_escaped_and_read_back() {
    let body = rich_info_document();
    let backend = backend_id(GUID, "rich & <room>");
    for client_id in [r#"a&<>"'b"#, "]]>", "x\ry", "Grüße-日本-🙂", "&amp;"] {
        let now = info_now(&raw(body.clone()), &backend, client_id).unwrap();
        assert_eq!(
            now,
            info_by_model(&raw(body.clone()), &backend, client_id).unwrap()
        );
        let read: MeetingInfo = from_xml(text(&now)).unwrap();
        assert_eq!(read.meeting_id, client_id);
    }
    let now = info_now(&raw(body), &backend, r#"a&<>"'b"#).unwrap();
    assert!(text(&now).contains(r#"<meetingID>a&amp;&lt;&gt;"'b</meetingID>"#));
}

#[test]
fn escaping_is_the_serializers() {
    for value in [r#"a&<>"'b"#, "]]>", "x\r\ny\tz", "Grüße 🙂", "&amp;"] {
        let written = to_response_xml(&MeetingInfo {
            meeting_id: value.to_owned(),
            ..MeetingInfo::default()
        })
        .unwrap();
        let mut escaped = Vec::new();
        push_escaped(&mut escaped, value);
        let escaped = String::from_utf8(escaped).unwrap();
        assert!(
            written.contains(&format!("<meetingID>{escaped}</meetingID>")),
            "{written}"
        );
    }
}

#[test]
fn escaped_backend_ids_are_recognised() {
    for (written, id) in [
        ("a-&amp;b", "a-&b"),
        ("a-&#38;b&#x3C;", "a-&b<"),
        ("<![CDATA[a-&b]]>", "a-&b"),
        ("a-&lt;&gt;&quot;&apos;", "a-<>\"'"),
        // Not trimmed, and comments left out, as the model reads it.
        (" a-b\n <!-- c -->", " a-b\n "),
    ] {
        let body = format!(
            "<response><returncode>SUCCESS</returncode><meetings><meeting>\
             <meetingID>{written}</meetingID></meeting></meetings></response>"
        );
        let list = MeetingList::scan(Bytes::from(body.clone())).unwrap();
        let ids: Vec<&str> = list.meetings().map(|m| m.backend_id()).collect();
        assert_eq!(ids, [id]);
        let model: MeetingsResponse = from_xml(&body).unwrap();
        assert_eq!(model.meetings.meeting[0].meeting_id, id);
    }
}

#[test]
fn only_the_meetings_own_id_and_callbacks_change() {
    let body = rich_info_document();
    let backend = backend_id(GUID, "rich & <room>");
    let now = info_now(&raw(body.clone()), &backend, "mine").unwrap();
    let read: MeetingInfo = from_xml(text(&now)).unwrap();
    assert_eq!(read.meeting_id, "mine");
    assert_eq!(
        read.metadata["endcallbackurl"],
        "https://lms.example/e?a=1&b=<2>"
    );
    assert_eq!(read.metadata["course"], "x & y");
    let custom = read.attendees.attendee[0].customdata.as_ref().unwrap();
    assert_eq!(custom["meetingID"], "not-this");
    // Nothing else moved.
    let mut expected = rich_meeting(Some(ReturnCode::Success));
    expected.meeting_id = "mine".into();
    expected.metadata.insert(
        "endcallbackurl".into(),
        "https://lms.example/e?a=1&b=<2>".into(),
    );
    assert_eq!(read, expected);
    assert_eq!(text(&now), to_response_xml(&expected).unwrap());

    // A callback name in any case is one; the same URL under another name is not.
    let body = format!(
        "<response><returncode>SUCCESS</returncode><meetingID>b</meetingID><metadata>\
         <EndCallbackURL>{0}</EndCallbackURL><other>{0}</other></metadata></response>",
        relayed("end", "https://o.example/").replace('&', "&amp;")
    );
    let now = info_now(&raw(body.clone()), "b", "c").unwrap();
    let read: MeetingInfo = from_xml(text(&now)).unwrap();
    let before = info_by_model(&raw(body), "b", "c").unwrap();
    assert_eq!(read, from_xml::<MeetingInfo>(text(&before)).unwrap());
    assert_eq!(read.metadata["EndCallbackURL"], "https://o.example/");
    assert!(read.metadata["other"].contains("/bigbluebutton/callback/"));
}

#[test]
fn an_empty_meeting_id_element_gets_the_clients_id() {
    let body = "<response><returncode>SUCCESS</returncode><meetingID/><x/></response>";
    let now = info_now(&raw(body), "", "a&b").unwrap();
    assert_eq!(
        text(&now),
        "<response><returncode>SUCCESS</returncode><meetingID>a&amp;b</meetingID><x/></response>"
    );
}

#[test]
fn no_meetings_is_what_the_model_path_writes() {
    let written = to_response_xml(&MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: Meetings::default(),
        message_key: Some("noMeetings".into()),
        message: Some("no meetings were found on this server".into()),
    })
    .unwrap();
    assert_eq!(written.as_bytes(), NO_MEETINGS);
    // A server without meetings streams, and shows none.
    let answers = [(1, raw(written))];
    assert!(is_streamed(&answers[0].1));
    assert_eq!(
        list_now(&answers, &ClientIds::new()).unwrap(),
        Bytes::from_static(NO_MEETINGS)
    );
}

#[test]
fn documents_read_into_the_model_merge_as_the_model_path_writes_them() {
    // One server streamed, one (with a DTD, which the streaming reader refuses) parsed.
    let streamed = rich_list_document();
    let parsed = streamed.replacen("<response>", "<!DOCTYPE response><response>", 1);
    let answers = [(1, raw(streamed.clone())), (2, raw(parsed))];
    assert!(is_streamed(&answers[0].1));
    assert!(!is_streamed(&answers[1].1));
    let first = backend_id(GUID, "rich & <room>");
    let second = backend_id(GUID, "second");
    let client_ids: ClientIds<'_> = [
        ((1, first.as_str()), "one & <1>"),
        ((2, first.as_str()), "two"),
        ((2, second.as_str()), "three"),
    ]
    .into();
    let now = list_now(&answers, &client_ids).unwrap();
    assert_eq!(
        text(&now),
        text(&list_by_model(&answers, &client_ids).unwrap())
    );
}

// --- Documents the streaming path must not take -----------------------------------------------

fn assert_same_info(body: &[u8]) {
    let raw = raw(Bytes::copy_from_slice(body));
    let backend = backend_id(GUID, "rich & <room>");
    assert_eq!(
        info_now(&raw, &backend, "c&d"),
        info_by_model(&raw, &backend, "c&d"),
        "{}",
        String::from_utf8_lossy(body)
    );
}

fn assert_same_list(body: &[u8]) {
    let answers = [(1, raw(Bytes::copy_from_slice(body)))];
    let first = backend_id(GUID, "rich & <room>");
    let client_ids: ClientIds<'_> = [((1, first.as_str()), "c&d")].into();
    assert_eq!(
        list_now(&answers, &client_ids),
        list_by_model(&answers, &client_ids),
        "{}",
        String::from_utf8_lossy(body)
    );
}

#[test]
fn truncated_documents_fail_as_the_model_path_fails() {
    let info = rich_info_document();
    for end in 0..info.len() {
        let prefix = &info.as_bytes()[..end];
        assert!(meeting_info(prefix, "c").is_none(), "took {end} bytes");
        assert_same_info(prefix);
    }
    let list = rich_list_document();
    for end in 0..list.len() {
        let prefix = &list.as_bytes()[..end];
        assert!(MeetingList::scan(Bytes::copy_from_slice(prefix)).is_none());
        assert_same_list(prefix);
    }
}

#[test]
fn malformed_or_unsure_documents_go_the_model_path() {
    let info = rich_info_document();
    let backend = backend_id(GUID, "rich & <room>");
    let meeting_id = format!(
        "<meetingID>{}</meetingID>",
        backend
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    );
    assert!(info.contains(&meeting_id));
    let replaced = |from: &str, to: &str| info.replacen(from, to, 1);
    let bodies: Vec<String> = vec![
        String::new(),
        "   ".into(),
        "<html><body>502 Bad Gateway</body></html>".into(),
        r#"{"response":{"returncode":"FAILED","messageKey":"notFound","message":"x"}}"#.into(),
        "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>\
         <message>A meeting with that ID does not exist</message></response>"
            .into(),
        "<response><returncode>FAILED</returncode><message><![CDATA[<returncode>SUCCESS\
         </returncode>]]></message></response>"
            .into(),
        replaced("<running>", "<running><x>"),
        replaced("</attendees>", "</attendee>"),
        replaced("<meetingName>", "<meetingName>&nbsp;"),
        replaced("<meetingName>", "<meetingName>&#0;"),
        replaced("<meetingName>", "<meetingName>a & b"),
        replaced("<meetingName>", "<meetingName>]]>"),
        replaced(
            "<response>",
            "<!DOCTYPE response [<!ENTITY x \"y\">]><response>",
        ),
        replaced("<response>", "<response a=\"<\">"),
        replaced("<response>", "<response a=\"1\" a=\"2\">"),
        replaced("<response>", "<response a=1>"),
        replaced("<meetingName>", "<meetingName><!-- a -- b -->"),
        replaced(&meeting_id, &format!("{meeting_id}{meeting_id}")),
        replaced(&meeting_id, "<meetingID>a<b/>c</meetingID>"),
        replaced("<returncode>SUCCESS</returncode>", ""),
        replaced(
            "<returncode>SUCCESS",
            "<returncode>SUCCESS</returncode><returncode>SUCCESS",
        ),
        replaced("SUCCESS", " SUCCESS"),
        // Markup the tokeniser must find unfinished or misnested.
        replaced("<meetingName>", "<meetingName><![CDATA[never closed"),
        replaced("<meetingName>", "<meetingName><!-- never closed"),
        replaced("<running>", "<running><?pi never closed"),
        replaced("</meetingName>", "</ meetingName>"),
        replaced("</meetingName>", "</meetingName trailing=\"x\">"),
        replaced("<meetingName>", "<meetingName a=\"never closed>"),
        replaced("<running>", "<running><>"),
        replaced("<running>", "<running><1x/>"),
        replaced("<running>", "<running><-x>"),
        replaced("<running>", "<running>< x/>"),
        replaced("<running>", "<running>< ></>"),
        replaced("<running>", "<running><.x/>"),
        replaced("</meetingName>", "</meetingNam>"),
        replaced("</meetingName>", "</meetingNamee>"),
        replaced("</meetingName>", "</meetingName"),
        format!("{info}<response/>"),
        format!("{info}text"),
        format!("text{info}"),
        info.replace("response>", "answer>"),
        "<response/>".into(),
    ];
    for body in &bodies {
        assert!(meeting_info(body.as_bytes(), "c").is_none(), "{body}");
        assert_same_info(body.as_bytes());
    }
    for body in [
        b"\xff\xfe<response/>".as_slice(),
        b"<response>\xff</response>",
    ] {
        assert!(meeting_info(body, "c").is_none());
        assert_same_info(body);
    }

    let list = rich_list_document();
    let replaced = |from: &str, to: &str| list.replacen(from, to, 1);
    for body in [
        replaced("<meetings>", "<meetings xmlns:x=\"urn:x\">"),
        replaced("<response>", "<response xmlns=\"urn:x\">"),
        replaced("</meetings>", "</meetings><meetings/>"),
        replaced("</meeting>", "</meting>"),
        replaced(&meeting_id, &format!("{meeting_id}{meeting_id}")),
        replaced("<meetingName>", "<meetingName>&unknown;"),
    ] {
        assert!(
            MeetingList::scan(Bytes::from(body.clone())).is_none(),
            "{body}"
        );
        assert_same_list(body.as_bytes());
    }
}

#[test]
fn a_byte_order_mark_is_dropped_and_the_rest_streams() {
    let info = rich_info_document();
    let body = format!("\u{feff}{info}");
    let backend = backend_id(GUID, "rich & <room>");
    let now = info_now(&raw(body.clone()), &backend, "c").unwrap();
    let without = info_now(&raw(info), &backend, "c").unwrap();
    assert_eq!(now, without);
    let list = format!("\u{feff}{}", rich_list_document());
    assert!(is_streamed(&raw(list)));
}

#[test]
fn whitespace_inside_tags_still_streams() {
    // The tokeniser reads `<name>` and `</name>` in one pass and anything else by the general
    // rules: both must give what the model path gives.
    let info = rich_info_document();
    let body = info
        .replacen("</meetingName>", "</meetingName \n>", 1)
        .replacen("<running>", "<running\t>", 1)
        .replacen("<attendees>", "<attendees >", 1);
    let raw = raw(body.clone());
    assert!(is_streamed(&raw), "{body}");
    let backend = backend_id(GUID, "rich & <room>");
    let now = info_now(&raw, &backend, "c&d").unwrap();
    let before = info_by_model(&raw, &backend, "c&d").unwrap();
    // The copy keeps the backend's bytes, whitespace in tags included; it means the same.
    assert!(text(&now).contains("</meetingName \n><meetingID>c&amp;d</meetingID>"));
    assert_eq!(
        from_xml::<MeetingInfo>(text(&now)).unwrap(),
        from_xml::<MeetingInfo>(text(&before)).unwrap()
    );
}

/// Byte strings from `alphabet`, 200 of every length up to 40 (an LCG: the same strings on
/// every run).
fn scanned_strings(alphabet: &[u8]) -> Vec<Vec<u8>> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut strings = Vec::new();
    for len in 0..=40 {
        for _ in 0..200 {
            let string = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    alphabet[(state >> 33) as usize % alphabet.len()]
                })
                .collect();
            strings.push(string);
        }
    }
    strings
}

#[test]
fn word_scans_agree_with_byte_loops() {
    // Markup, names, digits, whitespace and UTF-8; then mostly name bytes, for long names.
    let markup = scanned_strings(b"<>&/=\"' \t\r\n!?-.:09aZ_@\xc3\xa9\x7f\x40\x3f");
    let names = scanned_strings(b"aZ_@09-.:\xc3\xa9aZbYcX>/ ");
    for bytes in markup.into_iter().chain(names) {
        let end = bytes.iter().position(|&b| b == b'<').unwrap_or(bytes.len());
        let plain = !bytes[..end].iter().any(|&b| b == b'&' || b == b'>');
        assert_eq!(text_len(&bytes), (end, plain), "{bytes:?}");
        let run = bytes
            .iter()
            .position(|&b| !is_name_byte(b))
            .unwrap_or(bytes.len());
        assert_eq!(name_run(&bytes), run, "{bytes:?}");
    }
}

/// A processing instruction must open with a target name; without one, readers disagree on
/// where it ends. The saved proptest case: a declaration damaged into `<?>xml …?>`, which
/// quick-xml (and so a client) reads as an unclosed `<?>`, while the tokeniser skipped to the
/// later `?>` as if all this were one instruction and copied the bytes through.
#[test]
fn processing_instructions_without_a_target_or_a_misplaced_declaration_go_the_model_path() {
    let backend = backend_id(GUID, "rich & <room>");
    let info = format!("<?xml version='1.0'?>{}", rich_info_document());
    let list = format!("<?xml version='1.0'?>{}", rich_list_document());
    assert!(meeting_info(info.as_bytes(), "c").is_some());
    assert!(MeetingList::scan(Bytes::from(list.clone())).is_some());
    let pi = info.replacen("<response>", "<response><?pi data?>", 1);
    assert!(meeting_info(pi.as_bytes(), "c").is_some());
    let damages = [
        ("<?xml", "<?>xml"),
        ("<?xml", "<??>xml"),
        ("<?xml", "<? xml"),
        ("<?xml", "<?\"xml"),
        ("<response>", "<response><?>pi?>"),
        ("<response>", "<response><??>"),
        // The declaration may only stand at the very start, and `xml` names no other PI.
        ("<?xml", " <?xml"),
        ("<?xml", "<!-- from BBB --><?xml"),
        ("<response>", "<response><?xml version='1.0'?>"),
        ("<response>", "<response><?XmL data?>"),
    ];
    for (from, to) in damages {
        let body = info.replacen(from, to, 1);
        assert!(meeting_info(body.as_bytes(), "c").is_none(), "{body}");
        assert_same_info(body.as_bytes());
        let body = list.replacen(from, to, 1);
        assert!(
            MeetingList::scan(Bytes::from(body.clone())).is_none(),
            "{body}"
        );
        assert_same_list(body.as_bytes());
    }
    // The client gets a clean FAILED answer for the damaged declaration, not its bytes.
    let damaged = info.replacen("<?xml", "<?>xml", 1);
    assert!(info_now(&raw(damaged), &backend, "c").is_err());
}
