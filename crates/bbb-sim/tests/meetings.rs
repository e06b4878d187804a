//! Meeting calls over HTTP: create, join, isMeetingRunning, end, getMeetingInfo,
//! getMeetings, insertDocument, sendChatMessage and the version index.

mod common;

use std::time::Duration;

use bbb_client::checksum::{ChecksumAlgorithm, checksum};
use common::*;

#[tokio::test]
async fn index_answers_without_checksum_on_both_routes() {
    let sim = spawn();
    for path in ["/bigbluebutton/api", "/bigbluebutton/api/"] {
        let a = get(&format!("{}{path}", sim.base_url())).await;
        a.assert_success();
        assert_eq!(a.text("response/version").as_deref(), Some("2.0"));
        assert_eq!(a.text("response/apiVersion").as_deref(), Some("2.0"));
        assert!(
            a.text("response/graphqlApiUrl")
                .unwrap()
                .starts_with(sim.base_url())
        );
    }
}

#[tokio::test]
async fn create_generates_ids_passwords_and_voice_bridge() {
    let sim = spawn();
    let a = call(&sim, "create", "name=Maths&meetingID=room-1").await;
    a.assert_success();
    let create_time: u64 = a.text("response/createTime").unwrap().parse().unwrap();
    let expected_internal = format!(
        "{}-{create_time}",
        ChecksumAlgorithm::Sha1.hex_digest(&[b"room-1"])
    );
    assert_eq!(
        a.text("response/internalMeetingID"),
        Some(expected_internal)
    );
    assert_eq!(
        a.text("response/parentMeetingID").as_deref(),
        Some("bbb-none")
    );
    for pw in ["response/attendeePW", "response/moderatorPW"] {
        let pw = a.text(pw).unwrap();
        assert_eq!(pw.len(), 8);
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()));
    }
    let bridge = a.text("response/voiceBridge").unwrap();
    assert!(bridge.len() == 5 && bridge.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        a.text("response/dialNumber").as_deref(),
        Some("613-555-1234")
    );
    let date = a.text("response/createDate").unwrap();
    assert!(date.contains(" UTC "), "{date}");
    assert_eq!(a.text("response/messageKey").as_deref(), Some(""));
    assert_eq!(a.text("response/message").as_deref(), Some(""));
    assert_eq!(a.text("response/hasUserJoined").as_deref(), Some("false"));
}

#[tokio::test]
async fn create_is_idempotent_with_duplicate_warning_or_id_not_unique() {
    let sim = spawn();
    let first = create(&sim, "same", "").await;

    // Same passwords: the existing meeting, with a warning; other params are ignored.
    let again = call(
        &sim,
        "create",
        "name=Other+name&meetingID=same&attendeePW=ap&moderatorPW=mp&record=true",
    )
    .await;
    again.assert_success();
    assert_eq!(again.key().as_deref(), Some("duplicateWarning"));
    assert_eq!(
        again.text("response/message").as_deref(),
        Some("This conference was already in existence and may currently be in progress.")
    );
    assert_eq!(
        again.text("response/createTime"),
        first.text("response/createTime")
    );
    assert_eq!(
        again.text("response/internalMeetingID"),
        first.text("response/internalMeetingID")
    );

    // No passwords at all: also the existing meeting.
    let bare = call(&sim, "create", "name=x1&meetingID=same").await;
    assert_eq!(bare.key().as_deref(), Some("duplicateWarning"));
    assert_eq!(bare.text("response/attendeePW").as_deref(), Some("ap"));

    // Different passwords: refused.
    let clash = call(
        &sim,
        "create",
        "name=x1&meetingID=same&attendeePW=zz&moderatorPW=mp",
    )
    .await;
    clash.assert_failed("idNotUnique");
    assert_eq!(
        clash.text("response/message").as_deref(),
        Some("A meeting already exists with that meeting ID.  Please use a different meeting ID.")
    );
    let info = call(&sim, "getMeetingInfo", "meetingID=same").await;
    assert_eq!(
        info.text("response/meetingName").as_deref(),
        Some("Room same")
    );
    assert_eq!(info.text("response/recording").as_deref(), Some("false"));
}

#[tokio::test]
async fn create_stores_parameters_and_lower_cases_metadata() {
    let sim = spawn();
    create(
        &sim,
        "meta",
        "&meta_BBB-Origin=Moodle&meta_bad_name=x&meta_endCallbackUrl=http%3A%2F%2Fh%2Fcb&maxParticipants=7&duration=30&record=TRUE&dialNumber=555&muteOnStart=true",
    )
    .await;
    let info = call(&sim, "getMeetingInfo", "meetingID=meta").await;
    info.assert_success();
    assert_eq!(
        info.text("response/metadata/bbb-origin").as_deref(),
        Some("Moodle")
    );
    assert_eq!(
        info.text("response/metadata/endcallbackurl").as_deref(),
        Some("http://h/cb")
    );
    assert_eq!(count(&info.body, "response/metadata/bad_name"), 0);
    assert_eq!(info.text("response/maxUsers").as_deref(), Some("7"));
    assert_eq!(info.text("response/duration").as_deref(), Some("30"));
    assert_eq!(info.text("response/recording").as_deref(), Some("true"));
    assert_eq!(info.text("response/dialNumber").as_deref(), Some("555"));
    assert_eq!(info.text("response/running").as_deref(), Some("false"));

    let snapshot = sim.meetings_snapshot();
    let params = &snapshot[0].create_params;
    assert!(params.contains(&("muteOnStart".into(), "true".into())));
    assert!(!params.iter().any(|(n, _)| n == "checksum"));
}

#[tokio::test]
async fn create_validates_like_bbb_web() {
    let sim = spawn();
    let cases = [
        ("name=Room", "missingParamMeetingID"),
        ("meetingID=abc", "validationError"),
        ("name=R&meetingID=abc", "validationError"),
        ("name=Room&meetingID=a", "validationError"),
        ("name=Room&meetingID=a%2Cb", "validationError"),
        ("name=Room&meetingID=abc&attendeePW=x", "invalidPassword"),
        ("name=Room&meetingID=abc&voiceBridge=12a", "validationError"),
        ("name=Room&meetingID=abc&record=yes", "validationError"),
        (
            "name=Room&meetingID=abc&isBreakout=true&parentMeetingID=nope",
            "parentMeetingIdMissing",
        ),
    ];
    for (query, key) in cases {
        call(&sim, "create", query).await.assert_failed(key);
    }
    assert!(sim.meetings_snapshot().is_empty());
}

#[tokio::test]
async fn voice_bridges_are_unique_among_running_meetings() {
    let sim = spawn();
    create(&sim, "vb1", "&voiceBridge=71234").await;
    let clash = call(&sim, "create", "name=Room&meetingID=vb2&voiceBridge=71234").await;
    assert_eq!(clash.returncode().as_deref(), Some("FAILED"));
    assert_eq!(
        clash.text("response/errors/error/key").as_deref(),
        Some("nonUniqueVoiceBridge")
    );
    assert_eq!(
        element_paths(&clash.body),
        [
            "response",
            "response/returncode",
            "response/errors",
            "response/errors/error",
            "response/errors/error/key",
            "response/errors/error/message"
        ]
    );
}

#[tokio::test]
async fn create_accepts_form_and_xml_post_bodies() {
    let sim = spawn();
    let http = http();
    // Form body merged into the parameters; the checksum covers the URL query only.
    let query = sign(
        &sim,
        "create",
        "meetingID=posted",
        ChecksumAlgorithm::Sha256,
    );
    let a = answer(
        http.post(raw_url(&sim, "create", &query))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=Posted+Room&attendeePW=ap&moderatorPW=mp")
            .send()
            .await
            .unwrap(),
    )
    .await;
    a.assert_success();
    assert_eq!(a.text("response/attendeePW").as_deref(), Some("ap"));

    // XML pre-upload body: unsigned, all parameters in the URL.
    let query = sign(
        &sim,
        "create",
        "name=Slides&meetingID=slides",
        ChecksumAlgorithm::Sha1,
    );
    let xml = r#"<modules><module name="presentation"><document url="https://example.org/a.pdf" filename="a.pdf" current="true"/></module></modules>"#;
    let a = answer(
        http.post(raw_url(&sim, "create", &query))
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await
            .unwrap(),
    )
    .await;
    a.assert_success();
    let slides = sim
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == "slides")
        .unwrap();
    assert_eq!(slides.documents.len(), 1);
    assert_eq!(
        slides.documents[0].url.as_deref(),
        Some("https://example.org/a.pdf")
    );
    assert!(slides.documents[0].current);
}

#[tokio::test]
async fn join_redirects_to_the_client_and_the_user_appears() {
    let sim = spawn();
    create(&sim, "j1", "").await;
    let a = call(
        &sim,
        "join",
        "meetingID=j1&fullName=Bob+B&role=viewer&userID=ext-7&userdata-bbb_skip_check_audio=true",
    )
    .await;
    assert_eq!(a.status, 302, "{}", a.body);
    let location = a.location.unwrap();
    let prefix = format!("{}/html5client/join?sessionToken=", sim.base_url());
    let token = location.strip_prefix(&prefix).expect("client URL");
    assert_eq!(token.len(), 16);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );

    // Following the redirect gets a page, not a 404.
    let page = get(&location).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Bob B"));

    let info = call(&sim, "getMeetingInfo", "meetingID=j1").await;
    assert_eq!(info.text("response/running").as_deref(), Some("true"));
    assert_eq!(info.text("response/hasUserJoined").as_deref(), Some("true"));
    assert_eq!(info.text("response/participantCount").as_deref(), Some("1"));
    assert_eq!(info.text("response/moderatorCount").as_deref(), Some("0"));
    assert_eq!(
        info.text("response/attendees/attendee/userID").as_deref(),
        Some("ext-7")
    );
    assert_eq!(
        info.text("response/attendees/attendee/fullName").as_deref(),
        Some("Bob B")
    );
    assert_eq!(
        info.text("response/attendees/attendee/role").as_deref(),
        Some("VIEWER")
    );
    assert_eq!(
        info.text("response/attendees/attendee/customdata/bbb_skip_check_audio")
            .as_deref(),
        Some("true")
    );
    let running = call(&sim, "isMeetingRunning", "meetingID=j1").await;
    assert_eq!(running.text("response/running").as_deref(), Some("true"));
}

#[tokio::test]
async fn join_with_redirect_false_answers_xml() {
    let sim = spawn();
    let created = create(&sim, "j2", "").await;
    let a = join(&sim, "j2", "").await;
    a.assert_success();
    assert_eq!(a.key().as_deref(), Some("successfullyJoined"));
    assert_eq!(
        a.text("response/message").as_deref(),
        Some("You have joined successfully.")
    );
    assert_eq!(
        a.text("response/meeting_id"),
        created.text("response/internalMeetingID")
    );
    let user_id = a.text("response/user_id").unwrap();
    assert!(
        user_id.starts_with("w_") && user_id.len() == 14,
        "{user_id}"
    );
    assert_eq!(a.text("response/auth_token").unwrap().len(), 12);
    let token = a.text("response/session_token").unwrap();
    assert_eq!(a.text("response/guestStatus").as_deref(), Some("ALLOW"));
    assert_eq!(
        a.text("response/url"),
        Some(format!(
            "{}/html5client/join?sessionToken={token}",
            sim.base_url()
        ))
    );
    // Without userID the attendee is listed under the internal user id.
    let info = call(&sim, "getMeetingInfo", "meetingID=j2").await;
    assert_eq!(
        info.text("response/attendees/attendee/userID"),
        Some(user_id)
    );
    assert_eq!(
        info.text("response/attendees/attendee/isPresenter")
            .as_deref(),
        Some("true")
    );
}

#[tokio::test]
async fn join_role_resolution_follows_2_6() {
    let sim = spawn();
    create(&sim, "roles", "").await;
    let role_of = |a: &Answer| a.text("response/user_id");
    // A valid role wins over a wrong password.
    join(&sim, "roles", "&password=wrong")
        .await
        .assert_success();
    // Password fallback.
    let by_pw = call(
        &sim,
        "join",
        "meetingID=roles&fullName=P&password=ap&redirect=false",
    )
    .await;
    by_pw.assert_success();
    assert!(role_of(&by_pw).is_some());
    let moderators = sim.meetings_snapshot()[0].moderator_count();
    assert_eq!(moderators, 1);
    let mod_pw = call(
        &sim,
        "join",
        "meetingID=roles&fullName=M&password=mp&redirect=false",
    )
    .await;
    mod_pw.assert_success();
    assert_eq!(sim.meetings_snapshot()[0].moderator_count(), 2);

    // Wrong password, no valid role: "Params required" as XML, even with redirect=true.
    for query in [
        "meetingID=roles&fullName=X&password=nope",
        "meetingID=roles&fullName=X&password=nope&redirect=false",
        "meetingID=roles&fullName=X&role=admin&password=nope",
    ] {
        let a = call(&sim, "join", query).await;
        assert_eq!(a.status, 200);
        a.assert_failed("Params required");
        assert_eq!(
            a.text("response/message").as_deref(),
            Some("You must enter a valid password")
        );
    }
    let neither = call(&sim, "join", "meetingID=roles&fullName=X").await;
    neither.assert_failed("Params required");
}

#[tokio::test]
async fn join_errors_redirect_with_errors_unless_redirect_false() {
    let sim = spawn();
    let a = call(&sim, "join", "meetingID=ghost&fullName=X&role=VIEWER").await;
    assert_eq!(a.status, 302);
    let location = a.location.unwrap();
    let (target, errors) = location.split_once("?errors=").unwrap();
    assert_eq!(target, format!("{}/", sim.base_url()));
    let errors: serde_json::Value =
        serde_json::from_str(&field(&format!("e={errors}"), "e").unwrap()).unwrap();
    assert_eq!(errors[0]["key"], "invalidMeetingIdentifier");

    let a = call(
        &sim,
        "join",
        "meetingID=ghost&fullName=X&role=VIEWER&errorRedirectUrl=https%3A%2F%2Flms.example%2Fback",
    )
    .await;
    assert!(
        a.location
            .unwrap()
            .starts_with("https://lms.example/back?errors=")
    );

    let a = call(
        &sim,
        "join",
        "meetingID=ghost&fullName=X&role=VIEWER&redirect=false",
    )
    .await;
    a.assert_failed("invalidMeetingIdentifier");

    create(&sim, "jerr", "").await;
    call(&sim, "join", "meetingID=jerr&role=VIEWER&redirect=false")
        .await
        .assert_failed("missingParamFullName");
    call(
        &sim,
        "join",
        "meetingID=jerr&fullName=X&role=VIEWER&createTime=1&redirect=false",
    )
    .await
    .assert_failed("mismatchCreateTimeParam");
    call(
        &sim,
        "join",
        "meetingID=jerr&fullName=X&role=VIEWER&guest=maybe&redirect=false",
    )
    .await
    .assert_failed("validationError");
    let create_time = sim.meetings_snapshot()[0].create_time;
    join(&sim, "jerr", &format!("&createTime={create_time}"))
        .await
        .assert_success();
}

#[tokio::test]
async fn guest_policies_deny_or_hold_guests() {
    let sim = spawn();
    create(&sim, "deny", "&guestPolicy=ALWAYS_DENY").await;
    call(
        &sim,
        "join",
        "meetingID=deny&fullName=G&role=VIEWER&guest=true&redirect=false",
    )
    .await
    .assert_failed("guestDeniedAccess");
    // Non-guests are not subject to the policy.
    join(&sim, "deny", "").await.assert_success();

    create(&sim, "ask", "&guestPolicy=ASK_MODERATOR").await;
    let wait = call(
        &sim,
        "join",
        "meetingID=ask&fullName=G&role=VIEWER&guest=true&redirect=false",
    )
    .await;
    wait.assert_success();
    assert_eq!(wait.key().as_deref(), Some("guestWait"));
    assert_eq!(wait.text("response/guestStatus").as_deref(), Some("WAIT"));
    assert!(
        wait.text("response/url")
            .unwrap()
            .contains("/html5client/guestWait?sessionToken=")
    );
    let info = call(&sim, "getMeetingInfo", "meetingID=ask").await;
    assert_eq!(info.text("response/participantCount").as_deref(), Some("0"));
    assert_eq!(info.text("response/running").as_deref(), Some("false"));
    // The waiting page answers too.
    let redirect = call(
        &sim,
        "join",
        "meetingID=ask&fullName=G&role=VIEWER&guest=true",
    )
    .await;
    assert_eq!(get(&redirect.location.unwrap()).await.status, 200);
}

#[tokio::test]
async fn max_participants_is_enforced_but_rejoins_are_exempt() {
    let sim = spawn();
    create(&sim, "small", "&maxParticipants=2").await;
    join(&sim, "small", "&userID=u1").await.assert_success();
    join(&sim, "small", "&userID=u2").await.assert_success();
    let full = join(&sim, "small", "&userID=u3").await;
    full.assert_failed("maxParticipantsReached");
    // u1 again: the same person, not a third participant.
    join(&sim, "small", "&userID=u1").await.assert_success();
    let info = call(&sim, "getMeetingInfo", "meetingID=small").await;
    assert_eq!(info.text("response/participantCount").as_deref(), Some("2"));
}

#[tokio::test]
async fn end_fires_the_callback_and_the_meeting_goes_away() {
    let sim = spawn();
    let mut receiver = Receiver::start().await;
    let callback = encode(&format!("{}/ended?meeting=e1", receiver.url));
    create(&sim, "e1", &format!("&meta_endCallbackUrl={callback}")).await;
    join(&sim, "e1", "").await.assert_success();

    call(&sim, "end", "meetingID=e1&password=wrong")
        .await
        .assert_failed("invalidPassword");
    let a = call(&sim, "end", "meetingID=e1").await;
    a.assert_success();
    assert_eq!(a.key().as_deref(), Some("sentEndMeetingRequest"));

    let request = receiver.next().await;
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/ended?meeting=e1&recordingmarks=false");

    let info = call(&sim, "getMeetingInfo", "meetingID=e1").await;
    assert_eq!(
        info.text("response/hasBeenForciblyEnded").as_deref(),
        Some("true")
    );
    assert_eq!(info.text("response/running").as_deref(), Some("false"));
    assert_eq!(info.text("response/participantCount").as_deref(), Some("0"));
    join(&sim, "e1", "")
        .await
        .assert_failed("meetingForciblyEnded");
    let running = call(&sim, "isMeetingRunning", "meetingID=e1").await;
    assert_eq!(running.text("response/running").as_deref(), Some("false"));

    tokio::time::sleep(Duration::from_millis(600)).await;
    call(&sim, "getMeetingInfo", "meetingID=e1")
        .await
        .assert_failed("notFound");
    call(&sim, "end", "meetingID=e1")
        .await
        .assert_failed("notFound");
    // A new create starts a new meeting.
    let again = create(&sim, "e1", "").await;
    assert_eq!(again.key().as_deref(), Some(""));
}

#[tokio::test]
async fn a_repeated_create_right_after_end_starts_a_new_meeting() {
    let sim = spawn();
    let first = create(&sim, "re", "").await;
    call(&sim, "end", "meetingID=re").await.assert_success();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = create(&sim, "re", "").await;
    assert_eq!(second.key().as_deref(), Some(""));
    assert_ne!(
        second.text("response/internalMeetingID"),
        first.text("response/internalMeetingID")
    );
}

#[tokio::test]
async fn get_meetings_lists_meetings_or_says_there_are_none() {
    let sim = spawn();
    let empty = call(&sim, "getMeetings", "").await;
    empty.assert_success();
    assert_eq!(empty.key().as_deref(), Some("noMeetings"));
    assert_eq!(
        element_paths(&empty.body),
        [
            "response",
            "response/returncode",
            "response/meetings",
            "response/messageKey",
            "response/message"
        ]
    );

    create(&sim, "gm1", "").await;
    create(&sim, "gm2", "&meta_x=1").await;
    sim.add_attendees("gm2", 3).unwrap();
    let list = call(&sim, "getMeetings", "").await;
    list.assert_success();
    assert_eq!(count(&list.body, "response/meetings/meeting"), 2);
    assert_eq!(
        count(&list.body, "response/meetings/meeting/attendees/attendee"),
        3
    );
    assert_eq!(count(&list.body, "response/meetings/meeting/returncode"), 0);
    assert_eq!(list.key(), None);
}

#[tokio::test]
async fn is_meeting_running_is_false_for_unknown_meetings() {
    let sim = spawn();
    let a = call(&sim, "isMeetingRunning", "meetingID=nobody").await;
    a.assert_success();
    assert_eq!(a.text("response/running").as_deref(), Some("false"));
    call(&sim, "isMeetingRunning", "")
        .await
        .assert_failed("missingParamMeetingID");
}

#[tokio::test]
async fn breakout_rooms_show_in_parent_and_child() {
    let sim = spawn();
    let parent = create(&sim, "parent", "").await;
    join(&sim, "parent", "").await.assert_success();
    let parent_internal = parent.text("response/internalMeetingID").unwrap();
    let child = call(
        &sim,
        "create",
        &format!("name=Breakout&meetingID=child&isBreakout=true&parentMeetingID={parent_internal}&sequence=1&freeJoin=false"),
    )
    .await;
    child.assert_success();
    assert_eq!(
        child.text("response/parentMeetingID"),
        Some(parent_internal.clone())
    );
    let info = call(&sim, "getMeetingInfo", "meetingID=child").await;
    assert_eq!(info.text("response/isBreakout").as_deref(), Some("true"));
    assert_eq!(info.text("response/parentMeetingID"), Some(parent_internal));
    assert_eq!(info.text("response/sequence").as_deref(), Some("1"));
    let parent_info = call(&sim, "getMeetingInfo", "meetingID=parent").await;
    assert_eq!(
        parent_info.text("response/breakoutRooms/breakout"),
        child.text("response/internalMeetingID")
    );
}

#[tokio::test]
async fn insert_document_takes_xml_bodies_only() {
    let sim = spawn();
    create(&sim, "docs", "").await;
    let query = sign(
        &sim,
        "insertDocument",
        "meetingID=docs",
        ChecksumAlgorithm::Sha1,
    );
    let xml = r#"<modules><module name="presentation"><document url="https://example.org/b.pdf" filename="b.pdf"/><document name="c.pdf">QUJD</document></module></modules>"#;
    let post = |ct: &'static str, body: &'static str| {
        let url = raw_url(&sim, "insertDocument", &query);
        async move {
            answer(
                http()
                    .post(url)
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let a = post("text/xml", xml).await;
    a.assert_success();
    assert_eq!(
        a.text("response/message").as_deref(),
        Some("Presentation is being uploaded")
    );
    assert_eq!(sim.meetings_snapshot()[0].documents.len(), 2);
    post("application/json", "{}")
        .await
        .assert_failed("unsupportedContentType");
    post("application/xml", "<modules><module>")
        .await
        .assert_failed("validationError");

    let query = sign(
        &sim,
        "insertDocument",
        "meetingID=nodocs",
        ChecksumAlgorithm::Sha1,
    );
    let a = answer(
        http()
            .post(raw_url(&sim, "insertDocument", &query))
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await
            .unwrap(),
    )
    .await;
    a.assert_failed("notFound");
}

#[tokio::test]
async fn send_chat_message_stores_and_validates() {
    let sim = spawn();
    create(&sim, "chat", "").await;
    let a = call(
        &sim,
        "sendChatMessage",
        "meetingID=chat&message=Hello+all&userName=Bot",
    )
    .await;
    a.assert_success();
    assert_eq!(
        element_paths(&a.body),
        [
            "response",
            "response/returncode",
            "response/messageKey",
            "response/message"
        ]
    );
    let stored = &sim.meetings_snapshot()[0].chat_messages;
    assert_eq!(
        (stored[0].user_name.as_str(), stored[0].message.as_str()),
        ("Bot", "Hello all")
    );
    call(&sim, "sendChatMessage", "meetingID=chat")
        .await
        .assert_failed("validationError");
    call(&sim, "sendChatMessage", "meetingID=chat&message=")
        .await
        .assert_failed("validationError");
    let long = "m".repeat(501);
    call(
        &sim,
        "sendChatMessage",
        &format!("meetingID=chat&message={long}"),
    )
    .await
    .assert_failed("validationError");
    let long_name = "n".repeat(256);
    call(
        &sim,
        "sendChatMessage",
        &format!("meetingID=chat&message=x&userName={long_name}"),
    )
    .await
    .assert_failed("validationError");
    call(&sim, "sendChatMessage", "meetingID=nochat&message=x")
        .await
        .assert_failed("notFound");
}

#[tokio::test]
async fn every_algorithm_signs_every_call() {
    let sim = spawn();
    create(&sim, "algo", "").await;
    for algorithm in ChecksumAlgorithm::ALL {
        let query = "meetingID=algo";
        let sum = checksum(algorithm, "getMeetingInfo", query, sim.secret());
        get(&raw_url(
            &sim,
            "getMeetingInfo",
            &format!("{query}&checksum={sum}"),
        ))
        .await
        .assert_success();
        // The checksum may stand anywhere in the query.
        get(&raw_url(
            &sim,
            "getMeetingInfo",
            &format!("checksum={sum}&{query}"),
        ))
        .await
        .assert_success();
    }
}
