//! The guest door of the GraphQL API tried as an attacker would, through GraphQL over HTTP
//! against simulated BBB servers: anonymous callers must not make BBB create meetings (nor
//! start one without a moderator), must not learn which URL slugs exist, and must not watch
//! who is in a meeting; neither may holders of permissions that do not let them join it.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[allow(dead_code)] // each test binary uses its own part of the harness
mod common;

use common::{TestApp, error_code};
use serde_json::{Value, json};
use store::{GroupPermission, MeetingPermission, User};

const JOIN_BY_URL: &str =
    "mutation($s: String!, $n: String!) { joinMeetingByUrl(slug: $s, displayName: $n) { url } }";
const GUEST_SLUG: &str = "open-day";
const CLOSED_SLUG: &str = "staff-room";

/// A meeting owned by an organizer, with a guest URL and a members-only URL.
struct Scene {
    app: TestApp,
    owner: User,
    owner_token: String,
    meeting: String,
}

impl Scene {
    async fn new() -> Scene {
        Scene::with(TestApp::spawn().await).await
    }

    async fn with(app: TestApp) -> Scene {
        let owner = app.create_user("olivia", "organizer-password").await;
        app.state
            .store
            .groups()
            .grant(app.group.id, owner.id, GroupPermission::AddMeetings)
            .await
            .unwrap();
        let owner_token = app.token_for(&owner);
        let group = gateway::graphql::relay::encode_id("ServerGroup", app.group.id).0;
        let created = app
            .graphql(
                "mutation($g: ID!) { createMeeting(input: { groupId: $g, name: \"Open day\",
                     welcomeMessage: \"Welcome!\", conferencePin: \"4711\" }) { id } }",
                json!({ "g": group }),
                Some(&owner_token),
            )
            .await;
        let meeting = created["data"]["createMeeting"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{created:#}"))
            .to_owned();
        for (slug, guests) in [(GUEST_SLUG, true), (CLOSED_SLUG, false)] {
            let added = app
                .graphql(
                    "mutation($m: ID!, $s: String!, $g: Boolean!) {
                         addMeetingUrl(meetingId: $m, slug: $s, allowGuests: $g) { slug } }",
                    json!({ "m": meeting, "s": slug, "g": guests }),
                    Some(&owner_token),
                )
                .await;
            assert!(added["errors"].is_null(), "{added:#}");
        }
        Scene {
            app,
            owner,
            owner_token,
            meeting,
        }
    }

    fn meeting_database_id(&self) -> i64 {
        gateway::graphql::relay::decode_id(&async_graphql::ID(self.meeting.clone()))
            .unwrap()
            .1
    }

    /// A user holding `permission` on the meeting, and their token.
    async fn grantee(&self, name: &str, permission: MeetingPermission) -> (User, String) {
        let user = self.app.create_user(name, "grantee-password").await;
        self.app
            .state
            .store
            .meeting_grants()
            .grant(self.meeting_database_id(), user.id, permission)
            .await
            .unwrap();
        let token = self.app.token_for(&user);
        (user, token)
    }

    async fn start(&self) {
        let started = self
            .app
            .graphql(
                "mutation($id: ID!) { startMeeting(id: $id) { id } }",
                json!({ "id": self.meeting }),
                Some(&self.owner_token),
            )
            .await;
        assert!(started["errors"].is_null(), "{started:#}");
    }

    async fn join(&self, token: &str) -> String {
        let joined = self
            .app
            .graphql(
                "mutation($id: ID!) { joinMeeting(id: $id) { url } }",
                json!({ "id": self.meeting }),
                Some(token),
            )
            .await;
        joined["data"]["joinMeeting"]["url"]
            .as_str()
            .unwrap_or_else(|| panic!("{joined:#}"))
            .to_owned()
    }

    async fn guest_join(&self, slug: &str) -> Value {
        self.app
            .graphql(JOIN_BY_URL, json!({ "s": slug, "n": "Visitor" }), None)
            .await
    }

    /// BBB calls named `call` the simulators answered since the last reset.
    fn bbb_calls(&self, call: &str) -> u64 {
        self.app
            .simulators
            .iter()
            .map(|sim| sim.api_calls().get(call).copied().unwrap_or(0))
            .sum()
    }

    fn all_bbb_calls(&self) -> u64 {
        self.app
            .simulators
            .iter()
            .map(|sim| sim.api_calls().values().sum::<u64>())
            .sum()
    }

    fn reset_bbb_calls(&self) {
        for sim in &self.app.simulators {
            sim.reset_api_calls();
        }
    }

    /// Meetings the simulators hold and that were not ended.
    fn meetings_on_bbb(&self) -> usize {
        self.app
            .simulators
            .iter()
            .flat_map(|sim| sim.meetings_snapshot())
            .filter(|meeting| !meeting.forcibly_ended)
            .count()
    }
}

/// Opens a join URL as a browser would: a redirect into the simulator's client, which loads.
async fn follow_join_url(app: &TestApp, url: &str) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302, "join answered {answer:?}");
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        app.simulators
            .iter()
            .any(|sim| location.starts_with(sim.base_url())),
        "join redirected to {location}"
    );
    let page = browser.get(&location).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "{location}");
}

/// One mutation joining through `slug` `aliases` times.
fn aliased_guest_joins(aliases: usize) -> String {
    let fields: String = (0..aliases)
        .map(|i| format!(" j{i}: joinMeetingByUrl(slug: $s, displayName: $n) {{ url }}"))
        .collect();
    format!("mutation($s: String!, $n: String!) {{{fields} }}")
}

#[tokio::test]
async fn guests_never_start_a_meeting_and_wait_for_a_moderator() {
    let scene = Scene::new().await;

    let early = scene.guest_join(GUEST_SLUG).await;
    assert_eq!(error_code(&early), "MEETING_NOT_STARTED", "{early:#}");
    assert!(early["data"].is_null(), "{early:#}");
    assert_eq!(scene.bbb_calls("create"), 0, "a guest made BBB create");
    assert_eq!(scene.meetings_on_bbb(), 0);

    scene.start().await;
    let joined = scene.guest_join(GUEST_SLUG).await;
    let url = joined["data"]["joinMeetingByUrl"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{joined:#}"));
    follow_join_url(&scene.app, url).await;

    // Once its moderator has ended it, it stays ended for guests.
    let ended = scene
        .app
        .graphql(
            "mutation($id: ID!) { endMeeting(id: $id) { wasRunning } }",
            json!({ "id": scene.meeting }),
            Some(&scene.owner_token),
        )
        .await;
    assert_eq!(ended["data"]["endMeeting"]["wasRunning"], true, "{ended:#}");
    scene.reset_bbb_calls();
    let late = scene.guest_join(GUEST_SLUG).await;
    assert_eq!(error_code(&late), "MEETING_NOT_STARTED", "{late:#}");
    assert_eq!(
        scene.bbb_calls("create"),
        0,
        "a guest re-created an ended meeting"
    );
    assert_eq!(scene.meetings_on_bbb(), 0);
}

#[tokio::test]
async fn joining_a_running_meeting_does_not_create_it_again() {
    let scene = Scene::new().await;
    let (_, attendee_token) = scene
        .grantee("ann", MeetingPermission::JoinAsAttendee)
        .await;
    scene.start().await;
    scene.reset_bbb_calls();

    for token in [&scene.owner_token, &attendee_token, &scene.owner_token] {
        let url = scene.join(token).await;
        follow_join_url(&scene.app, &url).await;
    }
    for _ in 0..3 {
        let joined = scene.guest_join(GUEST_SLUG).await;
        assert!(joined["errors"].is_null(), "{joined:#}");
    }

    assert_eq!(
        scene.bbb_calls("create"),
        0,
        "joins of a running meeting asked BBB to create it: {:?}",
        scene.app.simulators[0].api_calls()
    );
    assert_eq!(scene.meetings_on_bbb(), 1);
}

#[tokio::test]
async fn aliases_and_batches_cannot_multiply_mutations() {
    let scene = Scene::new().await;
    scene.start().await;
    scene.reset_bbb_calls();

    // One over the default bound of 10: refused whole, before any BBB call.
    let flood = scene
        .app
        .graphql(
            &aliased_guest_joins(11),
            json!({ "s": GUEST_SLUG, "n": "Visitor" }),
            None,
        )
        .await;
    assert_eq!(error_code(&flood), "BAD_USER_INPUT", "{flood:#}");
    assert!(flood["data"].is_null(), "{flood:#}");
    assert_eq!(scene.all_bbb_calls(), 0, "a refused request reached BBB");

    // Fragments count every field they bring.
    let spread = "mutation($s: String!, $n: String!) { ...J ...J }
                  fragment J on Mutation {
                      a: joinMeetingByUrl(slug: $s, displayName: $n) { url }
                      b: joinMeetingByUrl(slug: $s, displayName: $n) { url }
                      c: joinMeetingByUrl(slug: $s, displayName: $n) { url }
                      d: joinMeetingByUrl(slug: $s, displayName: $n) { url }
                      e: joinMeetingByUrl(slug: $s, displayName: $n) { url }
                      f: joinMeetingByUrl(slug: $s, displayName: $n) { url } }";
    let spread = scene
        .app
        .graphql(spread, json!({ "s": GUEST_SLUG, "n": "Visitor" }), None)
        .await;
    assert_eq!(error_code(&spread), "BAD_USER_INPUT", "{spread:#}");

    // A batch is held to the same bound as a whole: 6 operations of 2 fields.
    let operation = json!({ "query": aliased_guest_joins(2), "variables": { "s": GUEST_SLUG, "n": "Visitor" } });
    let batch = Value::Array(vec![operation; 6]);
    let (status, answer) = scene
        .app
        .post_json("/graphql", &batch.to_string(), None)
        .await;
    assert_eq!(status, 400, "{answer:#}");
    assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{answer:#}");
    assert_eq!(scene.all_bbb_calls(), 0, "a refused batch reached BBB");

    // Up to the bound works.
    let ten = scene
        .app
        .graphql(
            &aliased_guest_joins(10),
            json!({ "s": GUEST_SLUG, "n": "Visitor" }),
            None,
        )
        .await;
    assert!(ten["errors"].is_null(), "{ten:#}");
    assert!(ten["data"]["j9"]["url"].is_string(), "{ten:#}");
}

#[tokio::test]
async fn the_mutation_field_bound_is_configurable() {
    let app = TestApp::spawn_with(|config| config.graphql.max_mutation_fields = 2).await;
    let scene = Scene::with(app).await;
    scene.start().await;
    let three = scene
        .app
        .graphql(
            &aliased_guest_joins(3),
            json!({ "s": GUEST_SLUG, "n": "Visitor" }),
            None,
        )
        .await;
    assert_eq!(error_code(&three), "BAD_USER_INPUT", "{three:#}");
    let two = scene
        .app
        .graphql(
            &aliased_guest_joins(2),
            json!({ "s": GUEST_SLUG, "n": "Visitor" }),
            None,
        )
        .await;
    assert!(two["errors"].is_null(), "{two:#}");
}

#[tokio::test]
async fn guest_urls_do_not_tell_which_slugs_exist() {
    let scene = Scene::new().await;
    scene.start().await;
    let stranger = scene.app.create_user("mallory", "mallory-password").await;
    let stranger_token = scene.app.token_for(&stranger);
    let lookup = "query($s: String!) { meetingByUrl(slug: $s) { name } }";

    for token in [None, Some(stranger_token.as_str())] {
        let absent = scene
            .app
            .graphql(lookup, json!({ "s": "no-such-room" }), token)
            .await;
        let closed = scene
            .app
            .graphql(lookup, json!({ "s": CLOSED_SLUG }), token)
            .await;
        assert_eq!(error_code(&absent), "NOT_FOUND", "{absent:#}");
        assert_eq!(
            absent, closed,
            "as {token:?}: an existing slug answers differently"
        );

        let absent = scene
            .app
            .graphql(
                JOIN_BY_URL,
                json!({ "s": "no-such-room", "n": "Visitor" }),
                token,
            )
            .await;
        let closed = scene
            .app
            .graphql(
                JOIN_BY_URL,
                json!({ "s": CLOSED_SLUG, "n": "Visitor" }),
                token,
            )
            .await;
        assert_eq!(error_code(&absent), "NOT_FOUND", "{absent:#}");
        assert_eq!(
            absent, closed,
            "as {token:?}: an existing slug answers differently"
        );
    }
}

/// The fields a guest page would like to show, and the ones it must not get.
const GUEST_VIEW: &str = "query($s: String!) { meetingByUrl(slug: $s) { name welcomeMessage
    conferencePin moderatorMessage owner { username isSuperuser } group { name } urls { slug }
    grants { id }
    live { running attendees { fullName userId } } } }";

#[tokio::test]
async fn guests_see_only_the_name_the_welcome_and_whether_it_runs() {
    let scene = Scene::new().await;
    let (_, attendee_token) = scene
        .grantee("ann", MeetingPermission::JoinAsAttendee)
        .await;
    scene.start().await;
    let url = scene.join(&attendee_token).await;
    follow_join_url(&scene.app, &url).await;

    let guest = scene
        .app
        .graphql(GUEST_VIEW, json!({ "s": GUEST_SLUG }), None)
        .await;
    assert!(guest["errors"].is_null(), "{guest:#}");
    assert_eq!(
        guest["data"]["meetingByUrl"],
        json!({
            "name": "Open day",
            "welcomeMessage": "Welcome!",
            "conferencePin": null,
            "moderatorMessage": null,
            "owner": null,
            "group": null,
            "urls": null,
            "grants": null,
            "live": { "running": true, "attendees": null },
        }),
        "{guest:#}"
    );

    // Settings and live figures are refused outright.
    for field in [
        "guid",
        "record",
        "muteOnStart",
        "maxParticipants",
        "createdAt",
        "live { participantCount }",
        "live { server { name } }",
    ] {
        let query = format!("query($s: String!) {{ meetingByUrl(slug: $s) {{ {field} }} }}");
        let answer = scene
            .app
            .graphql(&query, json!({ "s": GUEST_SLUG }), None)
            .await;
        assert_eq!(error_code(&answer), "FORBIDDEN", "{field}: {answer:#}");
    }

    // The same meeting seen by its owner: everything.
    let owner = scene
        .app
        .graphql(
            "query($id: ID!) { meeting(id: $id) { conferencePin owner { username }
                 live { attendees { fullName } } } }",
            json!({ "id": scene.meeting }),
            Some(&scene.owner_token),
        )
        .await;
    assert_eq!(
        owner["data"]["meeting"],
        json!({
            "conferencePin": "4711",
            "owner": { "username": scene.owner.username },
            "live": { "attendees": [{ "fullName": "ann (test)" }] },
        }),
        "{owner:#}"
    );
}

#[tokio::test]
async fn attendee_lists_and_the_pin_are_for_those_who_may_join() {
    let scene = Scene::new().await;
    let (_, attendee_token) = scene
        .grantee("ann", MeetingPermission::JoinAsAttendee)
        .await;
    scene.start().await;
    let url = scene.join(&attendee_token).await;
    follow_join_url(&scene.app, &url).await;
    let staff = scene
        .app
        .create_user_with(store::NewUser {
            is_staff: true,
            ..store::NewUser::new(scene.app.site.id, "stan")
        })
        .await;
    let query = "query($id: ID!) { meeting(id: $id) { name conferencePin
                   live { running attendees { fullName } } } }";
    let sees = |answer: &Value, pin: bool, attendees: bool| {
        let meeting = &answer["data"]["meeting"];
        assert!(answer["errors"].is_null(), "{answer:#}");
        assert_eq!(meeting["name"], "Open day", "{answer:#}");
        assert_eq!(meeting["live"]["running"], true, "{answer:#}");
        assert_eq!(meeting["conferencePin"].is_string(), pin, "PIN: {answer:#}");
        assert_eq!(
            meeting["live"]["attendees"].is_array(),
            attendees,
            "attendees: {answer:#}"
        );
    };

    // Permissions that let their holder see the meeting but not join it.
    for (name, permission) in [
        ("grace", MeetingPermission::GrantAttendee),
        ("gus", MeetingPermission::GrantModerator),
        ("uma", MeetingPermission::AddUrls),
    ] {
        let (_, token) = scene.grantee(name, permission).await;
        let answer = scene
            .app
            .graphql(query, json!({ "id": scene.meeting }), Some(&token))
            .await;
        sees(&answer, false, false);
    }
    // Setting the PIN lets one read it, not watch the meeting.
    let (_, pin_setter) = scene
        .grantee("pia", MeetingPermission::EnforceConferencePin)
        .await;
    let answer = scene
        .app
        .graphql(query, json!({ "id": scene.meeting }), Some(&pin_setter))
        .await;
    sees(&answer, true, false);

    for token in [attendee_token, scene.app.token_for(&staff)] {
        let answer = scene
            .app
            .graphql(query, json!({ "id": scene.meeting }), Some(&token))
            .await;
        sees(&answer, true, true);
    }
}

#[tokio::test]
async fn slug_guessing_is_throttled_per_client_and_guests_with_the_link_are_not() {
    let app = TestApp::spawn_with(|config| config.graphql.max_slug_misses_per_client = 3).await;
    let scene = Scene::with(app).await;
    scene.start().await;
    let lookup = "query($s: String!) { meetingByUrl(slug: $s) { name } }";

    // Lookups that lead somewhere cost nothing, however many.
    for _ in 0..5 {
        let found = scene
            .app
            .graphql(lookup, json!({ "s": GUEST_SLUG }), None)
            .await;
        assert_eq!(
            found["data"]["meetingByUrl"]["name"], "Open day",
            "{found:#}"
        );
        let joined = scene.guest_join(GUEST_SLUG).await;
        assert!(joined["errors"].is_null(), "{joined:#}");
    }

    // Guesses do, unknown and members-only slugs alike, by query and by mutation.
    for (i, slug) in ["abc", CLOSED_SLUG, "xyz"].into_iter().enumerate() {
        let missed = if i == 1 {
            scene.guest_join(slug).await
        } else {
            scene.app.graphql(lookup, json!({ "s": slug }), None).await
        };
        assert_eq!(error_code(&missed), "NOT_FOUND", "{slug}: {missed:#}");
    }
    let limited = scene.app.graphql(lookup, json!({ "s": "pqr" }), None).await;
    assert_eq!(error_code(&limited), "RATE_LIMITED", "{limited:#}");
    assert!(
        limited["errors"][0]["extensions"]["retryAfter"].as_u64() > Some(0),
        "{limited:#}"
    );
    // From then on, until the window ends, this client looks nothing up, not even the
    // right slug, and aliases do not help.
    let right = scene
        .app
        .graphql(lookup, json!({ "s": GUEST_SLUG }), None)
        .await;
    assert_eq!(error_code(&right), "RATE_LIMITED", "{right:#}");
    let join = scene.guest_join(GUEST_SLUG).await;
    assert_eq!(error_code(&join), "RATE_LIMITED", "{join:#}");
    let aliased = scene
        .app
        .graphql(
            "{ a: meetingByUrl(slug: \"aaa\") { name } b: meetingByUrl(slug: \"bbb\") { name } }",
            json!({}),
            None,
        )
        .await;
    let codes: Vec<&str> = aliased["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{aliased:#}"))
        .iter()
        .map(|error| error["extensions"]["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.iter().all(|code| *code == "RATE_LIMITED"),
        "{aliased:#}"
    );
}
