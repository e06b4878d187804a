//! Recordings over HTTP: a recorded meeting that ends yields a recording; getRecordings
//! filters and pages; publish, delete, update; text tracks; the recording-ready callback.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bbb_client::checksum::ChecksumAlgorithm;
use common::*;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Creates, joins and ends a recorded meeting; returns its record id.
async fn recorded(sim: &bbb_sim::SimServer, id: &str, extra: &str) -> String {
    let created = create(sim, id, &format!("&record=true{extra}")).await;
    join(sim, id, "").await.assert_success();
    call(sim, "end", &format!("meetingID={id}"))
        .await
        .assert_success();
    created.text("response/internalMeetingID").unwrap()
}

#[tokio::test]
async fn a_recorded_meeting_that_ends_yields_a_published_recording() {
    let sim = spawn();
    let record_id = recorded(&sim, "rec1", "&meta_Course=Maths").await;
    // Not recorded, or nobody joined: no recording.
    create(&sim, "norec", "").await;
    join(&sim, "norec", "").await.assert_success();
    call(&sim, "end", "meetingID=norec").await.assert_success();
    create(&sim, "empty", "&record=true").await;
    call(&sim, "end", "meetingID=empty").await.assert_success();

    let a = call(&sim, "getRecordings", "").await;
    a.assert_success();
    assert_eq!(count(&a.body, "response/recordings/recording"), 1);
    let r = "response/recordings/recording";
    assert_eq!(a.text(&format!("{r}/recordID")), Some(record_id.clone()));
    assert_eq!(a.text(&format!("{r}/meetingID")).as_deref(), Some("rec1"));
    assert_eq!(
        a.text(&format!("{r}/internalMeetingID")),
        Some(record_id.clone())
    );
    assert_eq!(a.text(&format!("{r}/name")).as_deref(), Some("Room rec1"));
    assert_eq!(a.text(&format!("{r}/state")).as_deref(), Some("published"));
    assert_eq!(a.text(&format!("{r}/published")).as_deref(), Some("true"));
    assert_eq!(a.text(&format!("{r}/participants")).as_deref(), Some("1"));
    assert_eq!(
        a.text(&format!("{r}/metadata/course")).as_deref(),
        Some("Maths")
    );
    assert_eq!(
        a.text(&format!("{r}/metadata/meetingId")).as_deref(),
        Some("rec1")
    );
    assert_eq!(
        a.text(&format!("{r}/playback/format/type")).as_deref(),
        Some("presentation")
    );
    let playback = a.text(&format!("{r}/playback/format/url")).unwrap();
    assert_eq!(
        playback,
        format!("{}/playback/presentation/2.3/{record_id}", sim.base_url())
    );
    assert_eq!(get(&playback).await.status, 200);
    assert_eq!(
        count(
            &a.body,
            &format!("{r}/playback/format/preview/images/image")
        ),
        3
    );
}

#[tokio::test]
async fn get_recordings_filters_by_ids_state_and_metadata() {
    let sim = spawn();
    let a = recorded(&sim, "f-a", "&meta_tag=x").await;
    let b = recorded(&sim, "f-b", "&meta_tag=y").await;
    let ids = |answer: &Answer| -> Vec<String> {
        let all = text_all(&answer.body, "response/recordings/recording/recordID");
        all.into_iter().collect()
    };
    let get_ids = |query: &'static str| {
        let sim = &sim;
        async move { ids(&call(sim, "getRecordings", query).await) }
    };
    assert_eq!(get_ids("").await, [a.as_str(), b.as_str()]);
    assert_eq!(get_ids("meetingID=f-b").await, [b.as_str()]);
    assert_eq!(get_ids("meetingID=f-a,f-b").await, [a.as_str(), b.as_str()]);
    // A bare sha1 prefix matches every session of the meeting.
    let sha = &a[..40];
    let prefix_query = format!("recordID={sha}");
    assert_eq!(
        ids(&call(&sim, "getRecordings", &prefix_query).await),
        [a.as_str()]
    );
    assert_eq!(get_ids("meta_tag=y").await, [b.as_str()]);
    assert_eq!(get_ids("state=processing").await, Vec::<String>::new());

    let none = call(&sim, "getRecordings", "meetingID=nothing").await;
    none.assert_success();
    assert_eq!(none.key().as_deref(), Some("noRecordings"));
    assert_eq!(
        none.text("response/message").as_deref(),
        Some("There are no recordings for the meeting(s).")
    );
}

fn text_all(xml: &str, path: &str) -> Vec<String> {
    // Element texts at `path`, in order: split the document at each occurrence.
    let leaf = path.rsplit('/').next().unwrap();
    let open = format!("<{leaf}>");
    let close = format!("</{leaf}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split(&close).next().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn get_recordings_pages_with_total_elements() {
    let sim = spawn();
    let mut all = Vec::new();
    for i in 0..5 {
        all.push(recorded(&sim, &format!("page-{i}"), "").await);
    }
    let page = call(&sim, "getRecordings", "offset=1&limit=2").await;
    page.assert_success();
    assert_eq!(
        text_all(&page.body, "response/recordings/recording/recordID"),
        all[1..3]
    );
    assert_eq!(page.text("response/totalElements").as_deref(), Some("5"));
    let unpaged = call(&sim, "getRecordings", "").await;
    assert_eq!(unpaged.text("response/totalElements"), None);
    let past_end = call(&sim, "getRecordings", "offset=10&limit=2").await;
    assert_eq!(past_end.key().as_deref(), Some("noRecordings"));
    assert_eq!(
        past_end.text("response/totalElements").as_deref(),
        Some("5")
    );
}

#[tokio::test]
async fn publish_delete_and_update_change_recordings() {
    let sim = spawn();
    let id = recorded(&sim, "life", "&meta_keep=1&meta_drop=2").await;

    let a = call(
        &sim,
        "publishRecordings",
        &format!("recordID={id}&publish=false"),
    )
    .await;
    a.assert_success();
    assert_eq!(a.text("response/published").as_deref(), Some("false"));
    let listed = call(&sim, "getRecordings", &format!("recordID={id}")).await;
    assert_eq!(
        listed
            .text("response/recordings/recording/state")
            .as_deref(),
        Some("unpublished")
    );
    assert_eq!(
        listed
            .text("response/recordings/recording/published")
            .as_deref(),
        Some("false")
    );
    call(
        &sim,
        "publishRecordings",
        &format!("recordID={id}&publish=true"),
    )
    .await
    .assert_success();

    let a = call(
        &sim,
        "updateRecordings",
        &format!("recordID={id}&meta_drop=&meta_New=3"),
    )
    .await;
    a.assert_success();
    assert_eq!(a.text("response/updated").as_deref(), Some("true"));
    let listed = call(&sim, "getRecordings", &format!("recordID={id}")).await;
    assert_eq!(
        listed
            .text("response/recordings/recording/metadata/new")
            .as_deref(),
        Some("3")
    );
    assert_eq!(
        listed
            .text("response/recordings/recording/metadata/keep")
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        count(&listed.body, "response/recordings/recording/metadata/drop"),
        0
    );

    let a = call(&sim, "deleteRecordings", &format!("recordID={id}")).await;
    a.assert_success();
    assert_eq!(a.text("response/deleted").as_deref(), Some("true"));
    let hidden = call(&sim, "getRecordings", &format!("recordID={id}")).await;
    assert_eq!(hidden.key().as_deref(), Some("noRecordings"));
    let shown = call(
        &sim,
        "getRecordings",
        &format!("recordID={id}&state=deleted"),
    )
    .await;
    assert_eq!(
        shown.text("response/recordings/recording/state").as_deref(),
        Some("deleted")
    );

    for call_name in ["publishRecordings", "deleteRecordings", "updateRecordings"] {
        call(&sim, call_name, "publish=true")
            .await
            .assert_failed("missingParamRecordID");
        call(&sim, call_name, "recordID=nope&publish=true")
            .await
            .assert_failed("notFound");
    }
    call(&sim, "publishRecordings", &format!("recordID={id}"))
        .await
        .assert_failed("missingParamPublish");
    let nf = call(&sim, "deleteRecordings", "recordID=nope").await;
    assert_eq!(
        nf.text("response/message").as_deref(),
        Some("We could not find recordings")
    );
}

#[tokio::test]
async fn recording_calls_use_the_legacy_checksum_message() {
    let sim = spawn();
    for call_name in [
        "getRecordings",
        "publishRecordings",
        "deleteRecordings",
        "updateRecordings",
        "getRecordingTextTracks",
    ] {
        let a = get(&raw_url(
            &sim,
            call_name,
            "recordID=x&checksum=0123456789012345678901234567890123456789",
        ))
        .await;
        a.assert_failed("checksumError");
        assert_eq!(
            a.text("response/message").as_deref(),
            Some("You did not pass the checksum security check"),
            "{call_name}"
        );
    }
}

fn multipart(file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sim-boundary-42";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.vtt\"\r\nContent-Type: text/vtt\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn put_track(sim: &bbb_sim::SimServer, query: &str, file: &[u8]) -> Answer {
    let (content_type, body) = multipart(file);
    let signed = sign(sim, "putRecordingTextTrack", query, ChecksumAlgorithm::Sha1);
    answer(
        http()
            .post(raw_url(sim, "putRecordingTextTrack", &signed))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn text_tracks_upload_list_and_download() {
    let sim = spawn();
    let id = recorded(&sim, "tracks", "").await;

    let empty = call(&sim, "getRecordingTextTracks", &format!("recordID={id}")).await;
    assert_eq!(empty.content_type, "application/json");
    assert_eq!(empty.json()["response"]["returncode"], "SUCCESS");
    assert_eq!(empty.json()["response"]["tracks"], serde_json::json!([]));

    let vtt = b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n";
    let a = put_track(
        &sim,
        &format!("recordID={id}&kind=subtitles&lang=en-US&label=English"),
        vtt,
    )
    .await;
    assert_eq!(a.content_type, "application/json");
    let json = a.json();
    assert_eq!(json["response"]["returncode"], "SUCCESS");
    assert_eq!(json["response"]["messageKey"], "upload_text_track_success");
    assert_eq!(json["response"]["recordId"], id.as_str());

    let listed = call(&sim, "getRecordingTextTracks", &format!("recordID={id}"))
        .await
        .json();
    let track = &listed["response"]["tracks"][0];
    assert_eq!(track["kind"], "subtitles");
    assert_eq!(track["lang"], "en-US");
    assert_eq!(track["label"], "English");
    assert_eq!(track["source"], "upload");
    let href = track["href"].as_str().unwrap();
    assert!(href.starts_with(sim.base_url()), "{href}");
    let download = get(href).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.body.as_bytes(), vtt);
}

#[tokio::test]
async fn text_track_errors_are_json_except_checksums() {
    let sim = spawn();
    let id = recorded(&sim, "tt-err", "").await;
    let key = |a: &Answer| {
        a.json()["response"]["messageKey"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let cases = [
        ("kind=subtitles&lang=en".to_owned(), "paramError"),
        (format!("recordID={id}&lang=en"), "paramError"),
        (format!("recordID={id}&kind=subtitles"), "paramError"),
        (
            format!("recordID={id}&kind=chapters&lang=en"),
            "invalidKind",
        ),
        (
            format!("recordID={id}&kind=captions&lang=en_US!"),
            "invalidLang",
        ),
        (
            "recordID=nope&kind=captions&lang=en".to_owned(),
            "noRecordings",
        ),
    ];
    for (query, expected) in cases {
        let a = put_track(&sim, &query, b"WEBVTT").await;
        assert_eq!(a.content_type, "application/json", "{query}");
        assert_eq!(key(&a), expected, "{query}");
        assert_eq!(a.json()["response"]["returncode"], "FAILED");
    }
    let empty = put_track(&sim, &format!("recordID={id}&kind=captions&lang=en"), b"").await;
    assert_eq!(key(&empty), "empty_uploaded_text_track");

    // Missing checksum: JSON paramError. Wrong checksum: the XML envelope.
    let (content_type, body) = multipart(b"WEBVTT");
    let post = |url: String| {
        let (ct, body) = (content_type.clone(), body.clone());
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
    let missing = post(raw_url(
        &sim,
        "putRecordingTextTrack",
        &format!("recordID={id}"),
    ))
    .await;
    assert_eq!(
        missing.json()["response"]["message"],
        "Missing param checksum."
    );
    let wrong = post(raw_url(
        &sim,
        "putRecordingTextTrack",
        &format!("recordID={id}&checksum={}", "0".repeat(40)),
    ))
    .await;
    wrong.assert_failed("checksumError");
    // GET is not routed for the upload.
    let get_upload = call(&sim, "putRecordingTextTrack", &format!("recordID={id}")).await;
    assert_eq!(get_upload.status, 405);

    let no_id = call(&sim, "getRecordingTextTracks", "").await;
    no_id.assert_failed("missingParamRecordID");
    let unknown = call(&sim, "getRecordingTextTracks", "recordID=nope").await;
    assert_eq!(unknown.json()["response"]["messageKey"], "noRecordings");
}

#[tokio::test]
async fn recording_ready_callback_carries_a_jwt_signed_with_the_secret() {
    let sim = spawn();
    let mut ready = Receiver::start().await;
    let mut ended = Receiver::start().await;
    let extra = format!(
        "&meta_bbb-recording-ready-url={}&meta_endCallbackUrl={}",
        encode(&format!("{}/ready", ready.url)),
        encode(&format!("{}/ended", ended.url))
    );
    let id = recorded(&sim, "jwt", &extra).await;

    assert_eq!(ended.next().await.target, "/ended?recordingmarks=true");
    let request = ready.next().await;
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/ready");
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let token = field(&request.body, "signed_parameters").expect("signed_parameters");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["meeting_id"], "jwt");
    assert_eq!(claims["record_id"], id.as_str());
    let mut mac = Hmac::<Sha256>::new_from_slice(sim.secret().as_bytes()).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
        .expect("valid signature");
}
