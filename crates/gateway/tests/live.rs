//! Meetings on BBB through GraphQL, as a frontend uses them: start, join (following the signed
//! URL into the simulator), live state, end, guests, recordings; plus how many BBB calls a
//! page of meetings costs and what a failing server does to a query.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[allow(dead_code)] // each test binary uses its own part of the harness
mod common;

use common::{TestApp, error_code};
use serde_json::{Value, json};
use store::{GroupPermission, User};

/// Logs in through the `login` mutation, as a frontend does; returns the bearer token.
async fn log_in(app: &TestApp, username: &str, password: &str) -> String {
    let answer = app
        .graphql(
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            json!({ "u": username, "p": password }),
            None,
        )
        .await;
    answer["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {answer:#}"))
        .to_owned()
}

/// A user who may create meetings in the test group.
async fn organizer(app: &TestApp, username: &str) -> User {
    let user = app.create_user(username, "organizer-password").await;
    app.state
        .store
        .groups()
        .grant(app.group.id, user.id, GroupPermission::AddMeetings)
        .await
        .unwrap();
    user
}

fn group_id(app: &TestApp) -> String {
    gateway::graphql::relay::encode_id("ServerGroup", app.group.id).0
}

/// Creates a meeting through GraphQL; returns its global ID.
async fn create_meeting(app: &TestApp, token: &str, input: Value) -> String {
    let mut input = input;
    input["groupId"] = json!(group_id(app));
    let answer = app
        .graphql(
            "mutation($input: CreateMeetingInput!) { createMeeting(input: $input) { id } }",
            json!({ "input": input }),
            Some(token),
        )
        .await;
    answer["data"]["createMeeting"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createMeeting failed: {answer:#}"))
        .to_owned()
}

async fn start_meeting(app: &TestApp, token: &str, id: &str) {
    let answer = app
        .graphql(
            "mutation($id: ID!) { startMeeting(id: $id) { id } }",
            json!({ "id": id }),
            Some(token),
        )
        .await;
    assert_eq!(answer["data"]["startMeeting"]["id"], id, "{answer:#}");
}

/// An HTTP client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Opens a join URL as the user's browser would: it must redirect into the simulator's
/// client page, which must load.
async fn follow_join_url(app: &TestApp, url: &str) {
    let browser = browser();
    let answer = browser.get(url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302, "join answered {answer:?}");
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let into_client = app.simulators.iter().any(|sim| {
        location.starts_with(&format!(
            "{}/html5client/join?sessionToken=",
            sim.base_url()
        ))
    });
    assert!(into_client, "join redirected to {location}");
    let page = browser.get(&location).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let text = page.text().await.unwrap();
    assert!(!text.contains("Session not found"), "{text}");
}

#[tokio::test]
async fn a_frontend_creates_shares_joins_watches_and_ends_a_meeting() {
    let app = TestApp::spawn().await;
    organizer(&app, "olivia").await;
    let bob = app.create_user("bob", "bob-password").await;
    let olivia_token = log_in(&app, "olivia", "organizer-password").await;
    let bob_token = log_in(&app, "bob", "bob-password").await;

    let meeting = create_meeting(
        &app,
        &olivia_token,
        json!({ "name": "Design review", "muteOnStart": true }),
    )
    .await;
    let granted = app
        .graphql(
            "mutation($m: ID!) { grantMeetingPermission(meetingId: $m, user: { username: \"bob\" },
                 permission: JOIN_AS_ATTENDEE) { __typename } }",
            json!({ "m": meeting }),
            Some(&olivia_token),
        )
        .await;
    assert!(granted["errors"].is_null(), "{granted:#}");

    // Not running yet: no live state, and that is no error.
    let query = "query($id: ID!) { meeting(id: $id) { name live { running participantCount
                   moderatorCount attendees { userId fullName role } server { id name } } } }";
    let before = app
        .graphql(query, json!({ "id": meeting }), Some(&bob_token))
        .await;
    assert!(before["errors"].is_null(), "{before:#}");
    assert!(before["data"]["meeting"]["live"].is_null());

    let joined = app
        .graphql(
            "mutation($id: ID!) { joinMeeting(id: $id) { url role } }",
            json!({ "id": meeting }),
            Some(&bob_token),
        )
        .await;
    assert_eq!(
        joined["data"]["joinMeeting"]["role"], "ATTENDEE",
        "{joined:#}"
    );
    let url = joined["data"]["joinMeeting"]["url"].as_str().unwrap();
    follow_join_url(&app, url).await;

    // An attendee cannot ask for more than they were granted.
    let refused = app
        .graphql(
            "mutation($id: ID!) { joinMeeting(id: $id, role: MODERATOR) { url } }",
            json!({ "id": meeting }),
            Some(&bob_token),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let live = app
        .graphql(query, json!({ "id": meeting }), Some(&bob_token))
        .await;
    assert!(live["errors"].is_null(), "{live:#}");
    let state = &live["data"]["meeting"]["live"];
    assert_eq!(state["running"], true, "{live:#}");
    assert_eq!(state["participantCount"], 1);
    assert_eq!(state["moderatorCount"], 0);
    assert_eq!(
        state["attendees"],
        json!([{ "userId": bob.id.to_string(), "fullName": "bob (test)", "role": "ATTENDEE" }])
    );
    assert!(
        state["server"]["name"]
            .as_str()
            .unwrap()
            .starts_with("test-")
    );
    assert!(state["server"]["id"].is_null(), "server IDs are for staff");

    let refused = app
        .graphql(
            "mutation($id: ID!) { endMeeting(id: $id) { wasRunning } }",
            json!({ "id": meeting }),
            Some(&bob_token),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let ended = app
        .graphql(
            "mutation($id: ID!) { endMeeting(id: $id) { wasRunning meeting { name live { running } } } }",
            json!({ "id": meeting }),
            Some(&olivia_token),
        )
        .await;
    assert!(ended["errors"].is_null(), "{ended:#}");
    assert_eq!(ended["data"]["endMeeting"]["wasRunning"], true);
    assert!(ended["data"]["endMeeting"]["meeting"]["live"].is_null());
    let after = app
        .graphql(query, json!({ "id": meeting }), Some(&bob_token))
        .await;
    assert!(after["data"]["meeting"]["live"].is_null(), "{after:#}");
}

#[tokio::test]
async fn guests_join_through_a_url_that_admits_them() {
    let app = TestApp::spawn().await;
    organizer(&app, "olivia").await;
    let token = log_in(&app, "olivia", "organizer-password").await;
    let meeting = create_meeting(&app, &token, json!({ "name": "Open day" })).await;
    for (slug, guests) in [("open-day", true), ("staff-only", false)] {
        let added = app
            .graphql(
                "mutation($m: ID!, $s: String!, $g: Boolean!) {
                     addMeetingUrl(meetingId: $m, slug: $s, allowGuests: $g) { slug } }",
                json!({ "m": meeting, "s": slug, "g": guests }),
                Some(&token),
            )
            .await;
        assert!(added["errors"].is_null(), "{added:#}");
    }
    let join = "mutation($s: String!, $n: String!) { joinMeetingByUrl(slug: $s, displayName: $n) { url } }";

    // Guests wait for someone who may start the meeting.
    let early = app
        .graphql(join, json!({ "s": "open-day", "n": "Visitor" }), None)
        .await;
    assert_eq!(error_code(&early), "MEETING_NOT_STARTED", "{early:#}");
    start_meeting(&app, &token, &meeting).await;

    let joined = app
        .graphql(join, json!({ "s": "open-day", "n": "Visitor" }), None)
        .await;
    let url = joined["data"]["joinMeetingByUrl"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{joined:#}"));
    follow_join_url(&app, url).await;
    let live = app
        .graphql(
            "query($id: ID!) { meeting(id: $id) { live { attendees { fullName role } } } }",
            json!({ "id": meeting }),
            Some(&token),
        )
        .await;
    assert_eq!(
        live["data"]["meeting"]["live"]["attendees"],
        json!([{ "fullName": "Visitor", "role": "ATTENDEE" }]),
        "{live:#}"
    );

    // A URL that is not for guests does not exist for them.
    let refused = app
        .graphql(join, json!({ "s": "staff-only", "n": "Visitor" }), None)
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND");
    let nameless = app
        .graphql(join, json!({ "s": "open-day", "n": "  " }), None)
        .await;
    assert_eq!(error_code(&nameless), "BAD_USER_INPUT");
}

/// How often a simulator answered the BBB API call `call`.
fn calls(sim: &bbb_sim::SimServer, call: &str) -> u64 {
    sim.api_calls().get(call).copied().unwrap_or(0)
}

#[tokio::test]
async fn a_page_of_meetings_asks_each_server_once() {
    let app = TestApp::spawn().await;
    organizer(&app, "olivia").await;
    let token = log_in(&app, "olivia", "organizer-password").await;
    for number in 0..10 {
        let id = create_meeting(&app, &token, json!({ "name": format!("Room {number}") })).await;
        start_meeting(&app, &token, &id).await;
    }
    for sim in &app.simulators {
        assert!(
            calls(sim, "create") > 0,
            "meetings spread over both servers"
        );
        sim.reset_api_calls();
    }

    let page = app
        .graphql(
            "{ meetings(first: 20) { edges { node { name
                 live { running participantCount attendees { fullName } server { name } }
                 recordings { recordId } } } } }",
            json!({}),
            Some(&token),
        )
        .await;

    assert!(page["errors"].is_null(), "{page:#}");
    let edges = page["data"]["meetings"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 10);
    assert!(edges.iter().all(|edge| edge["node"]["live"].is_object()));
    for sim in &app.simulators {
        let server = sim.base_url();
        assert_eq!(calls(sim, "getMeetings"), 1, "getMeetings on {server}");
        assert_eq!(calls(sim, "getRecordings"), 1, "getRecordings on {server}");
        let total: u64 = sim.api_calls().values().sum();
        assert_eq!(total, 2, "no other BBB call on {server}");
    }
}

/// Pages load their live state at once, but through the request's loaders: two lists, a
/// fragment-spread list and a single meeting in one request still make one getMeetings per
/// server; a page whose query does not ask for `live` (or skips it) makes none.
#[tokio::test]
async fn the_lists_and_meetings_of_a_request_share_one_call_per_server() {
    let app = TestApp::spawn().await;
    organizer(&app, "olivia").await;
    let token = log_in(&app, "olivia", "organizer-password").await;
    let mut ids = Vec::new();
    for number in 0..6 {
        let id = create_meeting(&app, &token, json!({ "name": format!("Room {number}") })).await;
        start_meeting(&app, &token, &id).await;
        ids.push(id);
    }
    let idle = create_meeting(&app, &token, json!({ "name": "Idle" })).await;
    for sim in &app.simulators {
        assert!(
            calls(sim, "create") > 0,
            "meetings spread over both servers"
        );
        sim.reset_api_calls();
    }

    let request = app
        .graphql(
            "query($id: ID!, $idle: ID!) {
               first: meetings(first: 3) { nodes { id live { running } } }
               all: meetings(first: 10) { edges { node { ...Live } } }
               one: meeting(id: $id) { live { running server { name } } }
               idle: meeting(id: $idle) { live { running } }
             }
             fragment Live on Meeting { id live { participantCount } }",
            json!({ "id": ids[5], "idle": idle }),
            Some(&token),
        )
        .await;

    assert!(request["errors"].is_null(), "{request:#}");
    let data = &request["data"];
    assert_eq!(data["first"]["nodes"].as_array().unwrap().len(), 3);
    let all = data["all"]["edges"].as_array().unwrap();
    assert_eq!(all.len(), 7);
    let running: Vec<&str> = all
        .iter()
        .filter(|edge| edge["node"]["live"].is_object())
        .map(|edge| edge["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(running, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        data["first"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|node| node["live"]["running"].is_boolean())
    );
    assert!(
        data["one"]["live"]["server"]["name"].is_string(),
        "{data:#}"
    );
    assert!(data["idle"]["live"].is_null(), "{data:#}");
    for sim in &app.simulators {
        let server = sim.base_url();
        assert_eq!(calls(sim, "getMeetings"), 1, "getMeetings on {server}");
        sim.reset_api_calls();
    }

    for query in [
        "{ meetings(first: 10) { nodes { id name } } }",
        "query($no: Boolean = false) { meetings(first: 10) { nodes { id live @include(if: $no) { running } } } }",
        "{ meetings(first: 10) { nodes { id ... on Meeting @skip(if: true) { live { running } } } } }",
    ] {
        let page = app.graphql(query, json!({}), Some(&token)).await;
        assert!(page["errors"].is_null(), "{page:#}");
        assert_eq!(
            page["data"]["meetings"]["nodes"].as_array().unwrap().len(),
            7
        );
        for sim in &app.simulators {
            let total: u64 = sim.api_calls().values().sum();
            assert_eq!(total, 0, "{query} called {} on {}", total, sim.base_url());
        }
    }
}

#[tokio::test]
async fn a_failing_server_fails_only_the_live_field() {
    let app = TestApp::spawn().await;
    organizer(&app, "olivia").await;
    let token = log_in(&app, "olivia", "organizer-password").await;
    let meeting = create_meeting(&app, &token, json!({ "name": "Fragile", "record": true })).await;
    start_meeting(&app, &token, &meeting).await;
    // Like a BBB server whose bbb-web is down: nginx answers 502 to every API call.
    for sim in &app.simulators {
        sim.set_error_rate(1.0);
    }

    let answer = app
        .graphql(
            "query($id: ID!) { meeting(id: $id) { name record live { running } } }",
            json!({ "id": meeting }),
            Some(&token),
        )
        .await;

    assert_eq!(answer["data"]["meeting"]["name"], "Fragile", "{answer:#}");
    assert_eq!(answer["data"]["meeting"]["record"], true);
    assert!(answer["data"]["meeting"]["live"].is_null());
    assert_eq!(error_code(&answer), "BBB_UNAVAILABLE");
    assert_eq!(answer["errors"][0]["path"], json!(["meeting", "live"]));
    assert_eq!(answer["errors"].as_array().unwrap().len(), 1);

    let join = app
        .graphql(
            "mutation($id: ID!) { joinMeeting(id: $id) { url } }",
            json!({ "id": meeting }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&join), "BBB_UNAVAILABLE");
    assert!(join["data"].is_null() || join["data"]["joinMeeting"].is_null());
}

#[tokio::test]
async fn moderators_manage_recordings_attendees_see_published_ones() {
    let app = TestApp::spawn().await;
    organizer(&app, "olivia").await;
    app.create_user("bob", "bob-password").await;
    let token = log_in(&app, "olivia", "organizer-password").await;
    let bob_token = log_in(&app, "bob", "bob-password").await;
    let meeting = create_meeting(&app, &token, json!({ "name": "Lecture", "record": true })).await;
    let granted = app
        .graphql(
            "mutation($m: ID!) { grantMeetingPermission(meetingId: $m, user: { username: \"bob\" },
                 permission: JOIN_AS_ATTENDEE) { __typename } }",
            json!({ "m": meeting }),
            Some(&token),
        )
        .await;
    assert!(granted["errors"].is_null(), "{granted:#}");
    let joined = app
        .graphql(
            "mutation($id: ID!) { joinMeeting(id: $id) { url } }",
            json!({ "id": meeting }),
            Some(&token),
        )
        .await;
    follow_join_url(&app, joined["data"]["joinMeeting"]["url"].as_str().unwrap()).await;
    let ended = app
        .graphql(
            "mutation($id: ID!) { endMeeting(id: $id) { wasRunning } }",
            json!({ "id": meeting }),
            Some(&token),
        )
        .await;
    assert_eq!(ended["data"]["endMeeting"]["wasRunning"], true, "{ended:#}");

    let recordings =
        "query($id: ID!) { meeting(id: $id) { recordings { recordId name state published
                        participants playback { format url } } } }";
    let listed = app
        .graphql(recordings, json!({ "id": meeting }), Some(&token))
        .await;
    let list = listed["data"]["meeting"]["recordings"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{listed:#}");
    assert_eq!(list[0]["name"], "Lecture");
    assert_eq!(list[0]["state"], "PUBLISHED");
    assert_eq!(list[0]["participants"], 1);
    assert_eq!(list[0]["playback"][0]["format"], "presentation");
    let record_id = list[0]["recordId"].as_str().unwrap().to_owned();
    let seen_by_bob = app
        .graphql(recordings, json!({ "id": meeting }), Some(&bob_token))
        .await;
    assert_eq!(
        seen_by_bob["data"]["meeting"]["recordings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let publish = "mutation($m: ID!, $r: [String!]!, $p: Boolean!) {
                     publishRecordings(meetingId: $m, recordIds: $r, publish: $p) { recordId state } }";
    let refused = app
        .graphql(
            publish,
            json!({ "m": meeting, "r": [record_id], "p": false }),
            Some(&bob_token),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let unpublished = app
        .graphql(
            publish,
            json!({ "m": meeting, "r": [record_id], "p": false }),
            Some(&token),
        )
        .await;
    assert_eq!(
        unpublished["data"]["publishRecordings"],
        json!([{ "recordId": record_id, "state": "UNPUBLISHED" }]),
        "{unpublished:#}"
    );
    let seen_by_bob = app
        .graphql(recordings, json!({ "id": meeting }), Some(&bob_token))
        .await;
    assert_eq!(seen_by_bob["data"]["meeting"]["recordings"], json!([]));

    let unknown = app
        .graphql(
            publish,
            json!({ "m": meeting, "r": ["not-a-recording"], "p": true }),
            Some(&token),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");

    let deleted = app
        .graphql(
            "mutation($m: ID!, $r: [String!]!) {
                 deleteRecordings(meetingId: $m, recordIds: $r) { deletedRecordIds } }",
            json!({ "m": meeting, "r": [record_id] }),
            Some(&token),
        )
        .await;
    assert_eq!(
        deleted["data"]["deleteRecordings"]["deletedRecordIds"],
        json!([record_id])
    );
    let listed = app
        .graphql(recordings, json!({ "id": meeting }), Some(&token))
        .await;
    assert_eq!(
        listed["data"]["meeting"]["recordings"],
        json!([]),
        "{listed:#}"
    );
}

/// The page of live meetings a busy frontend asks for over and over.
const LIVE_PAGE: &str = "{ meetings(first: 50) { nodes { id name welcomeMessage record
    live { running participantCount moderatorCount attendees { fullName role }
           server { name } } } } }";

/// `count` started meetings, spread over both servers, with 3 simulated attendees each;
/// returns the organizer's token.
async fn running_meetings_with_attendees(app: &TestApp, count: usize) -> String {
    organizer(app, "olivia").await;
    let token = log_in(app, "olivia", "organizer-password").await;
    for number in 0..count {
        let id = create_meeting(app, &token, json!({ "name": format!("Room {number}") })).await;
        start_meeting(app, &token, &id).await;
    }
    for sim in &app.simulators {
        let meetings = sim.meetings_snapshot();
        assert!(!meetings.is_empty(), "meetings spread over both servers");
        for meeting in meetings {
            assert_eq!(sim.add_attendees(&meeting.meeting_id, 3).unwrap(), 3);
        }
    }
    token
}

/// Every meeting of the page with its live figures, as `running_meetings_with_attendees` made
/// them: no error, each meeting running with 3 attendees.
fn assert_full_live_page(page: &Value, meetings: usize) {
    assert!(page["errors"].is_null(), "{page:#}");
    let nodes = page["data"]["meetings"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), meetings, "{page:#}");
    for node in nodes {
        let live = &node["live"];
        assert_eq!(live["running"], true, "{node:#}");
        assert_eq!(live["participantCount"], 3, "{node:#}");
        assert_eq!(live["attendees"].as_array().unwrap().len(), 3, "{node:#}");
        assert!(live["server"]["name"].is_string(), "{node:#}");
    }
}

/// getMeetings calls all simulators answered.
fn get_meetings_calls(app: &TestApp) -> Vec<u64> {
    app.simulators
        .iter()
        .map(|sim| calls(sim, "getMeetings"))
        .collect()
}

#[tokio::test]
async fn concurrent_pages_share_each_servers_get_meetings_call() {
    const PAGES: usize = 8;
    let app = TestApp::spawn().await;
    let token = running_meetings_with_attendees(&app, 6).await;
    // What one request alone answers, for the concurrent ones to match.
    let alone = app.graphql(LIVE_PAGE, json!({}), Some(&token)).await;
    assert_full_live_page(&alone, 6);
    for sim in &app.simulators {
        // Slow servers: the pages overlap while their calls are in flight.
        sim.set_latency(std::time::Duration::from_millis(500));
        sim.reset_api_calls();
    }

    let pages = futures_util::future::join_all(
        (0..PAGES).map(|_| app.graphql(LIVE_PAGE, json!({}), Some(&token))),
    )
    .await;

    for page in &pages {
        assert_eq!(
            page, &alone,
            "a page waiting for another's call gets the same answer"
        );
    }
    for (sim, get_meetings) in app.simulators.iter().zip(get_meetings_calls(&app)) {
        assert!(
            (1..PAGES as u64).contains(&get_meetings),
            "{PAGES} concurrent pages made {get_meetings} getMeetings calls to {}",
            sim.base_url()
        );
        let total: u64 = sim.api_calls().values().sum();
        assert_eq!(
            total,
            get_meetings,
            "no other BBB call on {}",
            sim.base_url()
        );
    }
}

#[tokio::test]
async fn a_page_after_a_change_on_bbb_shows_it() {
    let app = TestApp::spawn().await;
    let token = running_meetings_with_attendees(&app, 4).await;
    let page = app.graphql(LIVE_PAGE, json!({}), Some(&token)).await;
    assert_full_live_page(&page, 4);
    let sim = app
        .simulators
        .iter()
        .find(|sim| !sim.meetings_snapshot().is_empty())
        .unwrap();
    let meeting = sim.meetings_snapshot()[0].clone();
    let node_of = |page: &Value| {
        page["data"]["meetings"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|node| node["name"] == meeting.name.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{} not in {page:#}", meeting.name))
    };

    // Each page right after the one before, without a pause: a kept answer would show
    // the attendees of the page before.
    for attendees in 4..7 {
        assert_eq!(sim.add_attendees(&meeting.meeting_id, 1).unwrap(), 1);
        let before = get_meetings_calls(&app);
        let page = app.graphql(LIVE_PAGE, json!({}), Some(&token)).await;
        assert!(page["errors"].is_null(), "{page:#}");
        let live = &node_of(&page)["live"];
        assert_eq!(live["participantCount"], attendees, "{live:#}");
        assert_eq!(live["attendees"].as_array().unwrap().len(), attendees);
        let after = get_meetings_calls(&app);
        for (before, after) in before.iter().zip(&after) {
            assert_eq!(
                after - before,
                1,
                "one fresh getMeetings per server per page"
            );
        }
    }
}

#[tokio::test]
async fn a_failing_server_fails_the_live_field_of_every_waiting_request() {
    const REQUESTS: usize = 6;
    let app = TestApp::spawn().await;
    organizer(&app, "olivia").await;
    let token = log_in(&app, "olivia", "organizer-password").await;
    let meeting = create_meeting(&app, &token, json!({ "name": "Fragile", "record": true })).await;
    start_meeting(&app, &token, &meeting).await;
    for sim in &app.simulators {
        sim.set_error_rate(1.0);
        sim.set_latency(std::time::Duration::from_millis(500));
        sim.reset_api_calls();
    }

    let answers = futures_util::future::join_all((0..REQUESTS).map(|_| {
        app.graphql(
            "query($id: ID!) { meeting(id: $id) { name record live { running } } }",
            json!({ "id": meeting }),
            Some(&token),
        )
    }))
    .await;

    for answer in &answers {
        assert_eq!(answer["data"]["meeting"]["name"], "Fragile", "{answer:#}");
        assert_eq!(answer["data"]["meeting"]["record"], true);
        assert!(answer["data"]["meeting"]["live"].is_null());
        assert_eq!(error_code(answer), "BBB_UNAVAILABLE");
        assert_eq!(answer["errors"][0]["path"], json!(["meeting", "live"]));
        assert_eq!(answer["errors"].as_array().unwrap().len(), 1);
    }
    let get_meetings: u64 = get_meetings_calls(&app).iter().sum();
    assert!(
        (1..REQUESTS as u64).contains(&get_meetings),
        "{REQUESTS} concurrent requests made {get_meetings} getMeetings calls"
    );
}
