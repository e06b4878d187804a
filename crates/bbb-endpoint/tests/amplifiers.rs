//! Unauthenticated requests must not be amplifiers: whatever Host, token guid or checksum an
//! attacker sends, the endpoint's caches stay bounded and the database is read a bounded number
//! of times, not once per request. The database work is counted by the endpoint's own caches
//! (`Endpoint::cache_stats`), which count every read they make.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::{Duration, Instant};

use bbb_client::checksum::ChecksumAlgorithm;
use common::{Harness, Tok, assert_failed, element, signed};
use futures_util::StreamExt;
use futures_util::stream;
use store::{NewApiToken, NewSite, TokenScope};
use uuid::Uuid;

/// A checksum of SHA-1's length that no secret produces.
const WRONG_SHA1: &str = "0123456789abcdef0123456789abcdef01234567";

/// Sends `requests` with at most `concurrency` in flight; every answer must be `checksumError`.
async fn all_refused(requests: Vec<reqwest::RequestBuilder>, concurrency: usize) {
    let answers: Vec<(u16, String)> = stream::iter(requests)
        .map(|request| async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    for (status, body) in answers {
        assert_failed(status, &body, "checksumError");
    }
}

fn site_wide(h: &Harness, call: &str, query: &str) -> String {
    format!("{}/bigbluebutton/api/{call}?{query}", h.base)
}

#[tokio::test]
async fn arbitrary_host_headers_neither_grow_the_site_cache_nor_each_cost_a_query() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let url = site_wide(&h, "getMeetings", &format!("checksum={WRONG_SHA1}"));
    let mut requests = Vec::new();
    for n in 0..10_000 {
        let name = format!("{}.attacker.example", Uuid::new_v4().simple());
        let request = h.http.get(&url);
        requests.push(match n % 4 {
            0 => request.header("host", name),
            1 => request.header("host", format!("{}:{}", name.to_uppercase(), 1000 + n)),
            2 => request.header("x-forwarded-host", format!("{name}.")),
            // Not host names at all: refused before any lookup.
            _ => request.header("host", format!("{name}/../{n} <x>")),
        });
    }
    all_refused(requests, 16).await;
    let stats = h.endpoint.cache_stats().await;
    assert!(
        stats.host_entries <= 2,
        "the Host cache keeps known sites only: {stats:?}"
    );
    assert!(
        stats.host_loads <= 2,
        "10,000 Host values cost {} site lookups",
        stats.host_loads
    );
    // The default site's tokens are still found for any Host that names no site.
    let (_, body) = h
        .get(&site_wide(
            &h,
            "getMeetings",
            &signed("getMeetings", "", &tok.secret, ChecksumAlgorithm::Sha256),
        ))
        .await;
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    h.stop().await;
}

#[tokio::test]
async fn a_known_site_is_found_from_its_host_in_any_spelling_and_only_there() {
    let h = Harness::start(1).await;
    let store = h.store();
    let site = store
        .sites()
        .create(NewSite {
            domain: "lms.example.org".into(),
            name: "LMS".into(),
        })
        .await
        .unwrap();
    let group = store.groups().create(site.id, "lms").await.unwrap();
    let created = store
        .tokens()
        .create(NewApiToken::new("lms-site", group.id))
        .await
        .unwrap();
    let lms = Tok {
        secret: created.secret.expose().to_owned(),
        token: created.token,
    };
    let default_site = h.token("default", TokenScope::Token, None).await;
    let call = |tok: &Tok| {
        site_wide(
            &h,
            "getMeetings",
            &signed("getMeetings", "", &tok.secret, ChecksumAlgorithm::Sha1),
        )
    };
    for host in [
        "lms.example.org",
        "LMS.Example.ORG",
        "lms.example.org:8443",
        "lms.example.org.",
        "Lms.Example.Org.:443",
    ] {
        let response = h.http.get(call(&lms)).header("host", host).send().await;
        let body = response.unwrap().text().await.unwrap();
        assert_eq!(
            element(&body, "returncode"),
            Some("SUCCESS"),
            "{host}: {body}"
        );
        // Another site's token is not found under this Host.
        let response = h
            .http
            .get(call(&default_site))
            .header("host", host)
            .send()
            .await;
        let body = response.unwrap().text().await.unwrap();
        assert_failed(200, &body, "checksumError");
    }
    // Any other Host is the default site's.
    for host in ["other.example.org", "127.0.0.1:9", "lms.example.org.evil"] {
        let response = h
            .http
            .get(call(&default_site))
            .header("host", host)
            .send()
            .await;
        let body = response.unwrap().text().await.unwrap();
        assert_eq!(
            element(&body, "returncode"),
            Some("SUCCESS"),
            "{host}: {body}"
        );
    }
    // A value that is no host name names no site, not even the default one.
    for host in [
        "a b",
        "x/y",
        "lms.example.org@evil",
        "[::1",
        "lms.example.org:80x",
    ] {
        let response = h
            .http
            .get(call(&default_site))
            .header("host", host)
            .send()
            .await;
        let body = response.unwrap().text().await.unwrap();
        assert_failed(200, &body, "checksumError");
    }
    h.stop().await;
}

#[tokio::test]
async fn an_unknown_token_guid_is_looked_up_once() {
    let h = Harness::start(1).await;
    let guid = Uuid::new_v4();
    let url = format!(
        "{}/t/{guid}/bigbluebutton/api/getMeetings?checksum={WRONG_SHA1}",
        h.base
    );
    let before = h.endpoint.cache_stats().await.token_loads;
    // Concurrent first (single flight), then one after another (a negative entry).
    all_refused((0..100).map(|_| h.http.get(&url)).collect(), 50).await;
    all_refused((0..100).map(|_| h.http.get(&url)).collect(), 1).await;
    let loads = h.endpoint.cache_stats().await.token_loads - before;
    assert_eq!(
        loads, 1,
        "200 requests for an unknown guid read it {loads} times"
    );
    // A token created now has a guid never asked for: it works at once.
    let tok = h.token("new", TokenScope::Token, None).await;
    let (_, body) = h
        .get(&h.url(&tok, "getMeetings", "", ChecksumAlgorithm::Sha1))
        .await;
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    h.stop().await;
}

#[tokio::test]
async fn wrong_checksums_for_a_known_token_reread_it_at_most_once_a_second() {
    let h = Harness::start(1).await;
    let tok = h.token("lms", TokenScope::Token, None).await;
    let (_, body) = h
        .get(&h.url(&tok, "getMeetings", "", ChecksumAlgorithm::Sha1))
        .await;
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    // Past the re-read interval, so that the first wrong checksum may re-read the token.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let url = format!("{}getMeetings?checksum={WRONG_SHA1}", h.token_base(&tok));
    let before = h.endpoint.cache_stats().await.token_loads;
    let started = Instant::now();
    all_refused((0..100).map(|_| h.http.get(&url)).collect(), 50).await;
    all_refused((0..100).map(|_| h.http.get(&url)).collect(), 1).await;
    let elapsed = started.elapsed();
    let loads = h.endpoint.cache_stats().await.token_loads - before;
    assert!(
        loads <= 1 + elapsed.as_secs(),
        "200 wrong checksums in {elapsed:?} re-read the token {loads} times"
    );
    // The right secret still works, from the cache.
    let (_, body) = h
        .get(&h.url(&tok, "getMeetings", "", ChecksumAlgorithm::Sha1))
        .await;
    assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    h.stop().await;
}

#[tokio::test]
async fn wrong_checksums_on_the_site_wide_path_reload_the_site_at_most_once_a_second() {
    let h = Harness::start(1).await;
    let mut tokens = Vec::new();
    for n in 0..200 {
        tokens.push(h.token(&format!("t{n}"), TokenScope::Token, None).await);
    }
    // A hundred connections opened (and the site's tokens cached), so that the attack's
    // requests below are in flight together.
    let valid = site_wide(
        &h,
        "getMeetings",
        &signed(
            "getMeetings",
            "",
            &tokens[3].secret,
            ChecksumAlgorithm::Sha1,
        ),
    );
    let answers: Vec<String> = stream::iter(0..100)
        .map(|_| async { h.get(&valid).await.1 })
        .buffer_unordered(100)
        .collect()
        .await;
    for body in answers {
        assert_eq!(element(&body, "returncode"), Some("SUCCESS"), "{body}");
    }
    // Past the reload interval, so that the first miss may reload the site's tokens.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let url = site_wide(&h, "getMeetings", &format!("checksum={WRONG_SHA1}"));
    let before = h.endpoint.cache_stats().await.site_token_loads;
    let started = Instant::now();
    all_refused((0..100).map(|_| h.http.get(&url)).collect(), 100).await;
    all_refused((0..100).map(|_| h.http.get(&url)).collect(), 1).await;
    let elapsed = started.elapsed();
    let loads = h.endpoint.cache_stats().await.site_token_loads - before;
    assert!(
        loads <= 1 + elapsed.as_secs(),
        "200 wrong checksums in {elapsed:?} reloaded the site's tokens {loads} times"
    );
    h.stop().await;
}
