//! getMeetingInfo and getMeetings through the endpoint, which rewrites the backend's answers as
//! they stream by: against simulated servers the answers are byte for byte what reading them
//! into the model and writing them anew gives (computed here from the backends' own answers);
//! against a backend sending what the model does not know, that survives; a broken answer is
//! a FAILED document (getMeetingInfo) or a skipped server (getMeetings).

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bbb_client::model::{MeetingInfo, Meetings, MeetingsResponse, ReturnCode};
use bbb_client::xml::{from_xml, to_response_xml};
use bbb_client::{CreateMeeting, JoinMeeting, Params, RawResponse, Role, Server};
use bbb_endpoint::backend_meeting_id;
use common::{Harness, Tok, assert_failed};
use store::{NewPlacement, NewServer, Secret, ServerState, TokenScope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const END_URL: &str = "https://lms.example/ended?course=7&x=<1>";
const READY_URL: &str = "https://lms.example/ready?a='b'";

async fn call(h: &Harness, api: &Server, call: &str, meeting: Option<&str>) -> RawResponse {
    let mut params = Params::new();
    if let Some(id) = meeting {
        params.set("meetingID", id);
    }
    let raw = h.client.call_raw(api, call, &params, None).await.unwrap();
    assert_eq!(raw.status, 200);
    raw
}

fn text(raw: &RawResponse) -> &str {
    std::str::from_utf8(&raw.body).unwrap()
}

/// A meeting as the model path showed it to the client: read from the backend's answer, under
/// the client's ID, with the callback URLs the client set.
fn as_client_saw_it(mut meeting: MeetingInfo, client_id: &str) -> MeetingInfo {
    meeting.meeting_id = client_id.to_owned();
    for (name, original) in [
        ("endcallbackurl", END_URL),
        ("bbb-recording-ready-url", READY_URL),
    ] {
        if let Some(value) = meeting.metadata.get_mut(name) {
            assert!(value.contains("/bigbluebutton/callback/"), "{value}");
            *value = original.to_owned();
        }
    }
    meeting
}

#[tokio::test]
async fn answers_are_the_model_paths_bytes() {
    let h = Harness::start(2).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let other = h.token("other", TokenScope::Token, None).await;
    let api = h.api(&tok);
    let clients = [
        r#"room & <1> "q" 'a'"#,
        "Grüße-日本-🙂",
        "plain-room",
        "fourth",
    ];
    for (n, client_id) in clients.iter().enumerate() {
        let create = CreateMeeting::new(*client_id, format!("Zoë & <Co> \"{n}\" 'ü'"))
            .record(true)
            .meta("endCallbackUrl", END_URL)
            .meta("bbb-recording-ready-url", READY_URL)
            .meta("course", "a&b<c>\"d\" 'e' 日本");
        h.client.create(&api, &create).await.unwrap();
    }
    for name in ["Ann & <Bob> \"c\" 'd'", "Zoë Ünal"] {
        let join = JoinMeeting::new(clients[0], name)
            .role(Role::Moderator)
            .userdata("bbb_custom", "v&<>\"'");
        h.client.join(&api, &join).await.unwrap();
    }
    let first = h.placement(&tok, clients[0]).await;
    h.sim_of(&first)
        .add_attendees(&first.bbb_meeting_id, 2)
        .unwrap();
    // Another token's meeting on the same servers, which the token does not see.
    h.client
        .create(&h.api(&other), &CreateMeeting::new("hidden", "Hidden"))
        .await
        .unwrap();

    let mut backend_ids = BTreeMap::new();
    for client_id in clients {
        let placement = h.placement(&tok, client_id).await;
        let sim = h.sim_of(&placement);
        let backend = Server::new(&sim.api_url(), sim.secret()).unwrap();
        let from_backend = call(
            &h,
            &backend,
            "getMeetingInfo",
            Some(&placement.bbb_meeting_id),
        )
        .await;
        let expected = as_client_saw_it(from_xml(text(&from_backend)).unwrap(), client_id);
        let answer = call(&h, &api, "getMeetingInfo", Some(client_id)).await;
        assert_eq!(text(&answer), to_response_xml(&expected).unwrap());
        backend_ids.insert(placement.bbb_meeting_id.clone(), client_id);
    }
    let info: MeetingInfo = from_xml(text(
        &call(&h, &api, "getMeetingInfo", Some(clients[0])).await,
    ))
    .unwrap();
    assert_eq!(info.attendees.attendee.len(), 4);
    assert_eq!(info.metadata["endcallbackurl"], END_URL);

    // getMeetings: the servers in id order, each one's meetings in its order, the token's only.
    let mut shown = Vec::new();
    for sim in &h.sims {
        let backend = Server::new(&sim.api_url(), sim.secret()).unwrap();
        let listed: MeetingsResponse =
            from_xml(text(&call(&h, &backend, "getMeetings", None).await)).unwrap();
        for meeting in listed.meetings.meeting {
            if let Some(client_id) = backend_ids.get(&meeting.meeting_id) {
                shown.push(as_client_saw_it(meeting, client_id));
            }
        }
    }
    assert_eq!(shown.len(), clients.len());
    let expected = MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: Meetings { meeting: shown },
        message_key: None,
        message: None,
    };
    let answer = call(&h, &api, "getMeetings", None).await;
    assert_eq!(text(&answer), to_response_xml(&expected).unwrap());

    // A token without meetings gets bbb-web's noMeetings answer.
    let third = h.token("third", TokenScope::Token, None).await;
    let answer = call(&h, &h.api(&third), "getMeetings", None).await;
    assert_eq!(
        text(&answer),
        "<response><returncode>SUCCESS</returncode><meetings/><messageKey>noMeetings\
         </messageKey><message>no meetings were found on this server</message></response>"
    );
    h.stop().await;
}

/// A BBB server that answers every request with the body of the moment.
struct FakeBackend {
    api_url: String,
    body: Arc<Mutex<String>>,
}

impl FakeBackend {
    async fn start() -> FakeBackend {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api_url = format!(
            "http://{}/bigbluebutton/api/",
            listener.local_addr().unwrap()
        );
        let body = Arc::new(Mutex::new(String::new()));
        let answer = body.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let answer = answer.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\
                         connection: close\r\n\r\n",
                        answer.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        FakeBackend { api_url, body }
    }

    fn answer(&self, body: &str) {
        *self.body.lock().unwrap() = body.to_owned();
    }
}

/// A live placement of `client_id` for `tok` on `server_id`; its backend meetingID.
async fn place(h: &Harness, tok: &Tok, server_id: i64, client_id: &str) -> String {
    let bbb_meeting_id = backend_meeting_id(tok.token.guid, client_id);
    h.store()
        .placements()
        .create_or_get(NewPlacement {
            group_id: h.group.id,
            server_id,
            namespace: tok.token.guid.to_string(),
            client_meeting_id: client_id.to_owned(),
            bbb_meeting_id: bbb_meeting_id.clone(),
            token_id: Some(tok.token.id),
            meeting_id: None,
        })
        .await
        .unwrap();
    bbb_meeting_id
}

#[tokio::test]
async fn what_the_model_does_not_know_survives_and_broken_answers_fail() {
    let h = Harness::start(0).await;
    let fake = FakeBackend::start().await;
    let server = h
        .store()
        .servers()
        .add(NewServer {
            group_id: h.group.id,
            name: "fake".into(),
            api_url: fake.api_url.clone(),
            secret: Secret::new("fake-secret-0123456789abcdef"),
            weight: 1,
            state: ServerState::Enabled,
        })
        .await
        .unwrap();
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    let client_id = "a&b <c>";
    let backend_id = place(&h, &tok, server.id, client_id).await;
    let escaped_backend = backend_id
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");

    let info = format!(
        "<response>\n  <returncode>SUCCESS</returncode>\n  <meetingID>{escaped_backend}</meetingID>\n  \
         <meetingName><![CDATA[Room <1>]]></meetingName>\n  <futureField>BBB 4.0</futureField>\n\
         </response>"
    );
    fake.answer(&info);
    let answer = call(&h, &api, "getMeetingInfo", Some(client_id)).await;
    assert_eq!(
        text(&answer),
        "<response>\n  <returncode>SUCCESS</returncode>\n  <meetingID>a&amp;b &lt;c&gt;</meetingID>\n  \
         <meetingName><![CDATA[Room <1>]]></meetingName>\n  <futureField>BBB 4.0</futureField>\n\
         </response>"
    );

    let list = format!(
        "<response><returncode>SUCCESS</returncode><meetings>\n<meeting><meetingID>{escaped_backend}\
         </meetingID><futureField>kept</futureField></meeting>\n<meeting><meetingID>not-placed\
         </meetingID></meeting>\n</meetings></response>"
    );
    fake.answer(&list);
    let answer = call(&h, &api, "getMeetings", None).await;
    assert_eq!(
        text(&answer),
        "<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>a&amp;b &lt;c&gt;\
         </meetingID><futureField>kept</futureField></meeting></meetings></response>"
    );

    // Truncated: FAILED for getMeetingInfo, the server skipped for getMeetings.
    fake.answer(&info[..info.len() - 12]);
    let answer = call(&h, &api, "getMeetingInfo", Some(client_id)).await;
    assert_failed(200, text(&answer), "serverUnavailable");
    fake.answer(&list[..list.len() - 12]);
    let answer = call(&h, &api, "getMeetings", None).await;
    assert!(
        text(&answer).contains("<messageKey>noMeetings</messageKey>"),
        "{}",
        text(&answer)
    );

    // A FAILED answer is passed on with the client's ID in its message.
    fake.answer(&format!(
        "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>\
         <message>No meeting {escaped_backend}</message></response>"
    ));
    let answer = call(&h, &api, "getMeetingInfo", Some(client_id)).await;
    assert_failed(200, text(&answer), "notFound");
    assert!(
        text(&answer).contains("No meeting a&amp;b &lt;c&gt;</message>"),
        "{}",
        text(&answer)
    );
    h.stop().await;
}
