//! Authentication exactly as bbb-web (spec §1), with API-token secrets: every algorithm, both
//! paths, and every way a checksum can be wrong — tampered, extended after signing, wrong
//! length, missing, duplicated, another token's — answered with `checksumError`, never HTML.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use bbb_client::checksum::{ChecksumAlgorithm, checksum};
use bbb_client::{CreateMeeting, JoinMeeting, Role};
use common::{Harness, assert_failed, element, signed};
use store::TokenScope;

#[tokio::test]
async fn every_algorithm_verifies_on_both_paths_in_any_hex_case() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let _other = h.token("other", TokenScope::Token, None).await;
    let query = "meetingID=room-1";
    for algorithm in ChecksumAlgorithm::ALL {
        let sum = checksum(algorithm, "isMeetingRunning", query, &tok.secret);
        for base in [h.token_base(&tok), format!("{}/bigbluebutton/api/", h.base)] {
            for sum in [sum.clone(), sum.to_uppercase()] {
                let (status, body) = h
                    .get(&format!("{base}isMeetingRunning?{query}&checksum={sum}"))
                    .await;
                assert_eq!(status, 200);
                assert_eq!(
                    element(&body, "returncode"),
                    Some("SUCCESS"),
                    "{algorithm:?} {body}"
                );
            }
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn bad_checksums_are_refused_with_checksum_error() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let other = h.token("other", TokenScope::Token, None).await;
    let call = "getMeetings";
    let good = checksum(ChecksumAlgorithm::Sha256, call, "", &tok.secret);
    let mut tampered = good.clone().into_bytes();
    tampered[10] = if tampered[10] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(tampered).unwrap();
    let cases = [
        ("tampered", format!("checksum={tampered}")),
        ("wrong length", format!("checksum={}", &good[..63])),
        ("too long", format!("checksum={good}0")),
        ("other hash length", format!("checksum={}", "a".repeat(50))),
        ("missing", String::new()),
        ("empty", "checksum=".to_owned()),
        ("duplicate", format!("checksum={good}&checksum={good}")),
        (
            "another token's secret",
            signed(call, "", &other.secret, ChecksumAlgorithm::Sha256).replace("&", ""),
        ),
        (
            "signed for another call",
            signed(
                "isMeetingRunning",
                "",
                &tok.secret,
                ChecksumAlgorithm::Sha256,
            ),
        ),
    ];
    for (what, query) in &cases {
        for base in [h.token_base(&tok), format!("{}/bigbluebutton/api/", h.base)] {
            let (status, body) = h.get(&format!("{base}{call}?{query}")).await;
            if *what == "another token's secret"
                && base.contains("/bigbluebutton/api/")
                && !base.contains("/t/")
            {
                // On the site-wide path another token's valid checksum is that token's call.
                assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
                continue;
            }
            assert_failed(status, &body, "checksumError");
            assert_eq!(
                element(&body, "message"),
                Some("Checksums do not match"),
                "{what}"
            );
        }
    }
    // An unknown or malformed token in the path looks exactly like a wrong checksum.
    for token in [uuid::Uuid::new_v4().to_string(), "not-a-guid".to_owned()] {
        let (status, body) = h
            .get(&format!(
                "{}/t/{token}/bigbluebutton/api/{call}?checksum={good}",
                h.base
            ))
            .await;
        assert_failed(status, &body, "checksumError");
    }
    // Recording calls answer with bbb-web's legacy text.
    let (status, body) = h
        .get(&format!(
            "{}getRecordings?checksum={tampered}",
            h.token_base(&tok)
        ))
        .await;
    assert_failed(status, &body, "checksumError");
    assert_eq!(
        element(&body, "message"),
        Some("You did not pass the checksum security check")
    );
    h.stop().await;
}

#[tokio::test]
async fn parameters_appended_after_signing_invalidate_the_url() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let api = h.api(&tok);
    h.client
        .create(&api, &CreateMeeting::new("room", "Room"))
        .await
        .unwrap();
    let viewer = h.client.join_url(
        &api,
        &JoinMeeting::new("room", "Mallory")
            .role(Role::Viewer)
            .param("redirect", "false"),
    );
    // The original defect 4: `&role=MODERATOR` after the checksum made a moderator.
    for extra in ["&role=MODERATOR", "&redirect=true", "&userID=admin"] {
        let (status, body) = h.get(&format!("{viewer}{extra}")).await;
        assert_failed(status, &body, "checksumError");
    }
    // Before the checksum too.
    let replayed = viewer.replacen("fullName=Mallory", "fullName=Mallory&role=MODERATOR", 1);
    let (status, body) = h.get(&replayed).await;
    assert_failed(status, &body, "checksumError");
    // The untouched URL works, as a viewer.
    let (_, body) = h.get(&viewer).await;
    assert_eq!(
        element(&body, "messageKey"),
        Some("successfullyJoined"),
        "{body}"
    );
    let info = h.client.get_meeting_info(&api, "room").await.unwrap();
    assert_eq!(info.attendees.attendee[0].role, "VIEWER");
    h.stop().await;
}

#[tokio::test]
async fn checksum_placement_follows_bbb_web_for_posts() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let base = h.token_base(&tok);
    // Checksum in the body: the signed string is the (empty) URL query.
    let sum = checksum(ChecksumAlgorithm::Sha1, "getMeetings", "", &tok.secret);
    let response = h
        .http
        .post(format!("{base}getMeetings"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("checksum={sum}"))
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    // The same parameter in the URL and the body is refused.
    let url = format!(
        "{base}isMeetingRunning?{}",
        signed(
            "isMeetingRunning",
            "meetingID=a1",
            &tok.secret,
            ChecksumAlgorithm::Sha1
        )
    );
    let response = h
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("meetingID=b2")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_failed(status, &response.text().await.unwrap(), "checksumError");
    h.stop().await;
}

#[tokio::test]
async fn rotation_accepts_both_secrets_until_finished() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let query = |secret: &str| {
        format!(
            "{}getMeetings?{}",
            h.token_base(&tok),
            signed("getMeetings", "", secret, ChecksumAlgorithm::Sha512)
        )
    };
    // Cache the old secret first.
    let (_, body) = h.get(&query(&tok.secret)).await;
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"));
    let rotated = h.store().tokens().rotate(tok.token.id, None).await.unwrap();
    let new_secret = rotated.secret.expose().to_owned();
    // A checksum no cached secret verifies re-reads the token at most once a second (so that
    // wrong checksums are no way to make the gateway read the database): a rotation is seen
    // within that second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for secret in [&tok.secret, &new_secret] {
        let (_, body) = h.get(&query(secret)).await;
        assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    }
    h.store()
        .tokens()
        .finish_rotation(tok.token.id)
        .await
        .unwrap();
    // The cache still holds the two-secret entry for a while; the new secret keeps working.
    let (_, body) = h.get(&query(&new_secret)).await;
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"));
    h.stop().await;
}

#[tokio::test]
async fn site_wide_path_finds_the_token_among_many_and_deleted_tokens_stop_working() {
    let h = Harness::start(1).await;
    let mut tokens = Vec::new();
    for n in 0..20 {
        tokens.push(h.token(&format!("t{n}"), TokenScope::Token, None).await);
    }
    // Each token's create lands in its own namespace: same ID, twenty meetings.
    for tok in &tokens {
        let created = h
            .client
            .create(&h.site_api(tok), &CreateMeeting::new("shared-id", "Shared"))
            .await
            .unwrap();
        assert_eq!(created.message_key, "", "a fresh meeting per token");
        assert_eq!(
            h.placement(tok, "shared-id").await.token_id,
            Some(tok.token.id)
        );
    }
    // A token created after the site's tokens were cached is found (the cache is re-read).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let late = h.token("late", TokenScope::Token, None).await;
    assert!(
        h.client
            .get_meetings(&h.site_api(&late))
            .await
            .unwrap()
            .is_empty()
    );
    // A deleted token is refused on a path that has not cached it (cached entries expire
    // after the secret cache's TTL).
    h.store().tokens().delete(late.token.id).await.unwrap();
    let error = h
        .client
        .get_meeting_info(&h.api(&late), "shared-id")
        .await
        .unwrap_err();
    assert_eq!(error.message_key(), Some("checksumError"));
    h.stop().await;
}
