//! Bad input: every malformed request gets a BBB `FAILED` document with the right
//! messageKey, never a panic, an HTML page or an empty body.

mod common;

use bbb_client::checksum::{ChecksumAlgorithm, checksum};
use common::*;

const CALLS: [&str; 8] = [
    "create",
    "isMeetingRunning",
    "end",
    "getMeetingInfo",
    "getMeetings",
    "getRecordings",
    "publishRecordings",
    "hooks/list",
];

#[tokio::test]
async fn missing_wrong_and_malformed_checksums() {
    let sim = spawn();
    let sha1_of_nothing = "0".repeat(40);
    for call_name in CALLS {
        let query = "meetingID=abc&name=Room";
        let good = checksum(ChecksumAlgorithm::Sha1, call_name, query, sim.secret());
        let bad_queries = [
            query.to_owned(),
            format!("{query}&checksum="),
            format!("{query}&checksum={sha1_of_nothing}"),
            format!("{query}&checksum={}", &good[..39]),
            format!("{query}&checksum={good}0"),
            format!("{query}&checksum={}", "a".repeat(50)),
            format!("{query}&checksum={good}&checksum={good}"),
            format!("{query}&checksum=zz{}", &good[2..]),
            // Signed for another call.
            format!(
                "{query}&checksum={}",
                checksum(ChecksumAlgorithm::Sha1, "join", query, sim.secret())
            ),
            // A parameter changed after signing.
            format!("meetingID=abd&name=Room&checksum={good}"),
        ];
        for raw in bad_queries {
            get(&raw_url(&sim, call_name, &raw))
                .await
                .assert_failed("checksumError");
        }
        get(&raw_url(
            &sim,
            call_name,
            &format!("{query}&checksum={good}"),
        ))
        .await
        .assert_success_or_expected_failure();
    }
}

trait SuccessOrExpected {
    fn assert_success_or_expected_failure(&self);
}

impl SuccessOrExpected for Answer {
    /// A valid checksum gets past the checksum check: whatever comes back is not a
    /// checksum error.
    #[track_caller]
    fn assert_success_or_expected_failure(&self) {
        assert_eq!(self.status, 200, "{}", self.body);
        assert_ne!(
            self.key().as_deref(),
            Some("checksumError"),
            "{}",
            self.body
        );
    }
}

#[tokio::test]
async fn upper_case_hex_and_every_length_are_accepted() {
    let sim = spawn();
    for algorithm in ChecksumAlgorithm::ALL {
        let sum = checksum(algorithm, "getMeetings", "", sim.secret()).to_uppercase();
        get(&raw_url(&sim, "getMeetings", &format!("checksum={sum}")))
            .await
            .assert_success();
    }
}

#[tokio::test]
async fn unsupported_algorithms_are_refused() {
    let sim = spawn_with(bbb_sim::SimConfig {
        supported_algorithms: vec![ChecksumAlgorithm::Sha256],
        ..Default::default()
    });
    let sha1 = checksum(ChecksumAlgorithm::Sha1, "getMeetings", "", sim.secret());
    get(&raw_url(&sim, "getMeetings", &format!("checksum={sha1}")))
        .await
        .assert_failed("checksumError");
    let sha256 = checksum(ChecksumAlgorithm::Sha256, "getMeetings", "", sim.secret());
    get(&raw_url(&sim, "getMeetings", &format!("checksum={sha256}")))
        .await
        .assert_success();
}

#[tokio::test]
async fn garbage_query_strings_are_checksum_errors() {
    let sim = spawn();
    for raw in [
        "&&&=",
        "%",
        "checksum",
        "=",
        "checksum=%",
        "%%%&&==",
        "a=%E0%A4%A",
        "checksum=%FF",
    ] {
        for call_name in ["getMeetings", "create", "join"] {
            let url = format!("{}{call_name}?{raw}", sim.api_url());
            let a = get(&url).await;
            if call_name == "join" {
                // join reports through its redirect by default.
                assert_eq!(a.status, 302, "{raw}");
                assert!(a.location.unwrap().contains("checksumError"), "{raw}");
                let a = get(&format!("{url}&redirect=false")).await;
                a.assert_failed("checksumError");
            } else {
                a.assert_failed("checksumError");
            }
        }
    }
}

#[tokio::test]
async fn missing_and_invalid_meeting_ids() {
    let sim = spawn();
    for call_name in [
        "isMeetingRunning",
        "end",
        "getMeetingInfo",
        "sendChatMessage",
    ] {
        call(&sim, call_name, "")
            .await
            .assert_failed("missingParamMeetingID");
        call(&sim, call_name, "meetingID=")
            .await
            .assert_failed("missingParamMeetingID");
        // Not UTF-8: the parameter does not decode, so it is missing.
        call(&sim, call_name, "meetingID=%FF%FE")
            .await
            .assert_failed("missingParamMeetingID");
        call(&sim, call_name, "meetingID=%")
            .await
            .assert_failed("missingParamMeetingID");
        let long = "x".repeat(300);
        call(&sim, call_name, &format!("meetingID={long}"))
            .await
            .assert_failed("validationError");
        call(&sim, call_name, "meetingID=a%2Cb")
            .await
            .assert_failed("validationError");
    }
    call(&sim, "join", "fullName=X&role=VIEWER&redirect=false")
        .await
        .assert_failed("missingParamMeetingID");
}

#[tokio::test]
async fn overlong_and_binary_values() {
    let sim = spawn();
    let long_name = "n".repeat(5_000);
    call(&sim, "create", &format!("meetingID=long&name={long_name}"))
        .await
        .assert_failed("validationError");
    // Longer than nginx's 8 KiB request-line buffer: refused before bbb-web, as on a real server.
    let too_long = call(
        &sim,
        "create",
        &format!("meetingID=long&name={}", "n".repeat(9_000)),
    )
    .await;
    assert_eq!(too_long.status, 414);
    assert!(too_long.body.contains("414 Request-URI Too Large"));
    let long_pw = "p".repeat(65);
    call(
        &sim,
        "create",
        &format!("meetingID=long&name=Room&moderatorPW={long_pw}"),
    )
    .await
    .assert_failed("invalidPassword");
    // A non-UTF-8 name is dropped like any undecodable parameter.
    call(&sim, "create", "meetingID=bin&name=%C3%28")
        .await
        .assert_failed("validationError");
    // Control characters in names are stripped, in IDs refused.
    create(&sim, "ctl", "&meta_note=a%01b").await;
    let info = call(&sim, "getMeetingInfo", "meetingID=ctl").await;
    assert_eq!(info.text("response/metadata/note").as_deref(), Some("ab"));
    call(&sim, "create", "meetingID=a%07b&name=Room")
        .await
        .assert_failed("validationError");
    // Long but valid values and unusual characters round-trip.
    let id = "é&<>\"'".repeat(20);
    let encoded = encode(&id);
    call(&sim, "create", &format!("meetingID={encoded}&name=Room"))
        .await
        .assert_success();
    let info = call(&sim, "getMeetingInfo", &format!("meetingID={encoded}")).await;
    assert_eq!(info.text("response/meetingID"), Some(id));
}

#[tokio::test]
async fn duplicate_parameters_take_the_first_value() {
    let sim = spawn();
    call(&sim, "create", "meetingID=first&meetingID=second&name=Room")
        .await
        .assert_success();
    assert_eq!(sim.meetings_snapshot()[0].meeting_id, "first");
    // A second checksum is refused even when the first one is valid.
    let good = checksum(ChecksumAlgorithm::Sha1, "getMeetings", "", sim.secret());
    get(&raw_url(
        &sim,
        "getMeetings",
        &format!("checksum={good}&checksum=abc"),
    ))
    .await
    .assert_failed("checksumError");
}

#[tokio::test]
async fn wrong_methods_and_unknown_calls_get_bbb_documents() {
    let sim = spawn();
    let client = http();
    let query = sign(
        &sim,
        "join",
        "meetingID=m&fullName=X&role=VIEWER",
        ChecksumAlgorithm::Sha1,
    );
    let a = answer(
        client
            .post(raw_url(&sim, "join", &query))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 405);
    a.assert_failed("unsupportedRequest");
    for call_name in ["insertDocument", "putRecordingTextTrack"] {
        let a = call(&sim, call_name, "meetingID=m").await;
        assert_eq!(a.status, 405);
        a.assert_failed("unsupportedRequest");
    }
    let a = answer(
        client
            .delete(url(&sim, "getMeetings", ""))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 405);
    a.assert_failed("unsupportedRequest");
    for unknown in ["enter", "Create", "getmeetings", "hooks/other", "a/b/c"] {
        let a = call(&sim, unknown, "").await;
        assert_eq!(a.status, 404, "{unknown}");
        a.assert_failed("unsupportedRequest");
    }
}

#[tokio::test]
async fn bad_content_types_and_bodies() {
    let sim = spawn();
    let client = http();
    let query = sign(
        &sim,
        "create",
        "meetingID=ct&name=Room",
        ChecksumAlgorithm::Sha1,
    );
    for content_type in ["application/json", "text/plain", ""] {
        let mut request = client
            .post(raw_url(&sim, "create", &query))
            .body("{\"x\":1}");
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        answer(request.send().await.unwrap())
            .await
            .assert_failed("unsupportedContentType");
    }
    // The same parameter in the URL and a form body breaks the checksum.
    let a = answer(
        client
            .post(raw_url(&sim, "create", &query))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=Other")
            .send()
            .await
            .unwrap(),
    )
    .await;
    a.assert_failed("checksumError");
    // Broken multipart and binary form bodies do not upset the server.
    for (ct, body) in [
        ("multipart/form-data; boundary=zz", &b"--zz\r\nbroken"[..]),
        (
            "application/x-www-form-urlencoded",
            &b"\xff\xfe=%%%&\x00"[..],
        ),
        ("application/xml", &b"<modules><module"[..]),
    ] {
        let a = answer(
            client
                .post(raw_url(&sim, "create", &query))
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, 200);
        assert!(a.returncode().is_some(), "{ct}: {}", a.body);
    }
    // The server still works.
    call(&sim, "getMeetings", "").await.assert_success();
}

#[tokio::test]
async fn join_bad_input_is_delivered_per_redirect() {
    let sim = spawn();
    create(&sim, "jb", "").await;
    for (query, key) in [
        (
            "meetingID=jb&fullName=%FF&role=VIEWER",
            "missingParamFullName",
        ),
        (
            "meetingID=jb&fullName=+++&role=VIEWER",
            "missingParamFullName",
        ),
        (
            "meetingID=jb&fullName=X&role=VIEWER&createTime=abc",
            "validationError",
        ),
        ("meetingID=jb&fullName=X&password=p", "invalidPassword"),
    ] {
        call(&sim, "join", &format!("{query}&redirect=false"))
            .await
            .assert_failed(key);
        let redirected = call(&sim, "join", query).await;
        assert_eq!(redirected.status, 302);
        assert!(redirected.location.unwrap().contains(key), "{query}");
    }
}
