//! The admin commands of the real binary against a test database (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): what they change, what they print, and how they refuse bad input.

use std::{
    io::{BufRead, BufReader},
    process::Stdio,
    time::Duration,
};

use bbb_client::CreateMeeting;
use bbb_sim::{SimConfig, SimServer};
use store::{ServerState, TestDb, TokenScope};

use crate::process::{BINARY, JWT_SECRET, admin, database_env, run_to_end};

/// The text after `label` on the line that starts with it.
fn value_after<'t>(text: &'t str, label: &str) -> &'t str {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .unwrap_or_else(|| panic!("no line `{label}…` in:\n{text}"))
        .trim()
}

#[tokio::test]
async fn config_show_masks_secrets_warns_of_unknown_keys_and_names_bad_ones() {
    let db = TestDb::new().await;
    let mut env = database_env(&db);
    env.push(("BBB_GATEWAY_POLLER__INTERVALL", "5s".to_owned()));
    env.push(("BBB_GATEWAY_GRAPHQL__MAX_DEPTH", "7".to_owned()));
    let shown = run_to_end(&env, &["config", "show"], None).await;
    assert!(shown.success, "{shown:#?}");
    assert!(shown.stdout.contains("secret_key = \"***\""), "{shown:#?}");
    assert!(shown.stdout.contains("max_depth = 7"), "{shown:#?}");
    for secret in [JWT_SECRET.to_owned(), db.key().to_base64()] {
        assert!(!shown.stdout.contains(&secret), "{shown:#?}");
    }
    assert!(
        shown
            .stderr
            .contains("warning: unknown configuration key `poller.intervall` is ignored"),
        "{shown:#?}"
    );

    env.push(("BBB_GATEWAY_HTTP__SHUTDOWN_TIMEOUT", "soon".to_owned()));
    let message = run_to_end(&env, &["config", "show"], None).await.failed();
    assert!(message.contains("`http.shutdown_timeout`"), "{message}");
    let message = run_to_end(&env, &["serve"], None).await.failed();
    assert!(message.contains("`http.shutdown_timeout`"), "{message}");
}

#[tokio::test]
async fn migrate_reports_applies_and_reverts_migrations() {
    let db = TestDb::empty().await;
    let status = admin(&db, &["migrate", "status"], None).await.ok();
    let total = status.lines().count();
    assert!(total >= 3, "{status}");
    assert!(
        status.lines().all(|line| line.starts_with("pending ")),
        "{status}"
    );

    let up = admin(&db, &["migrate", "up"], None).await.ok();
    assert_eq!(up.trim(), format!("{total} of {total} migrations applied"));
    let applied = store::migration_status(db.store().connection())
        .await
        .unwrap();
    assert!(applied.iter().all(|migration| migration.applied));

    admin(&db, &["migrate", "down"], None).await.ok();
    let status = admin(&db, &["migrate", "status"], None).await.ok();
    let last = status.lines().last().unwrap();
    assert!(last.starts_with("pending "), "{status}");
    assert_eq!(
        status
            .lines()
            .filter(|line| line.starts_with("applied "))
            .count(),
        total - 1
    );

    let message = admin(&db, &["migrate", "down", "--steps", "0"], None)
        .await
        .failed();
    assert!(message.contains("--steps"), "{message}");
    admin(&db, &["migrate", "up"], None).await.ok();
}

#[tokio::test]
async fn user_create_stores_an_argon2_hash_and_shows_a_generated_password_once() {
    let db = TestDb::new().await;
    let out = admin(
        &db,
        &["user", "create", "alice", "--staff", "--password-stdin"],
        Some("correct horse battery\n"),
    )
    .await
    .ok();
    assert!(out.contains("created user alice"), "{out}");
    assert!(!out.contains("correct horse"), "{out}");
    let site = db.store().sites().default_site().await.unwrap();
    let alice = db
        .store()
        .users()
        .find_by_username(site.id, "alice")
        .await
        .unwrap()
        .unwrap();
    assert!(alice.is_staff && !alice.is_superuser);
    let hash = alice.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(gateway::auth::verify_password(
        "correct horse battery",
        &hash
    ));

    let out = admin(&db, &["user", "create", "root", "--superuser"], None)
        .await
        .ok();
    let password = value_after(&out, "password (shown only now):");
    let root = db
        .store()
        .users()
        .find_by_username(site.id, "root")
        .await
        .unwrap()
        .unwrap();
    assert!(root.is_superuser);
    assert!(gateway::auth::verify_password(
        password,
        root.password_hash.as_deref().unwrap()
    ));

    let message = admin(&db, &["user", "create", "alice"], None)
        .await
        .failed();
    assert!(message.contains("username already exists"), "{message}");
    let message = admin(
        &db,
        &["user", "create", "carol", "--password-stdin"],
        Some("\n"),
    )
    .await
    .failed();
    assert!(
        message.contains("password on standard input is empty"),
        "{message}"
    );
    let message = admin(
        &db,
        &["user", "create", "dave", "--site", "nowhere.example"],
        None,
    )
    .await
    .failed();
    assert!(
        message.contains("no site has the domain `nowhere.example`"),
        "{message}"
    );
}

/// The CLI is the operator: it may create a token of any scope for any user of the site, no
/// permission check, but a `user` token must name a user, and one of the token's own site.
#[tokio::test]
async fn the_operator_creates_tokens_of_any_scope_for_users_of_the_site_only() {
    let db = TestDb::new().await;
    let store = db.store();
    admin(&db, &["group", "create", "main"], None).await.ok();
    admin(&db, &["user", "create", "teacher"], None).await.ok();
    let other_site = store
        .sites()
        .create(store::NewSite {
            domain: "other.example".to_owned(),
            name: "Other".to_owned(),
        })
        .await
        .unwrap();
    store
        .users()
        .create(store::NewUser::new(other_site.id, "stranger"))
        .await
        .unwrap();

    for scope in ["user", "global", "token"] {
        let message = admin(
            &db,
            &[
                "token", "create", "t", "--group", "main", "--scope", scope, "--user", "stranger",
            ],
            None,
        )
        .await
        .failed();
        assert!(
            message.contains("no user `stranger` in site"),
            "{scope}: {message}"
        );
    }
    let message = admin(
        &db,
        &["token", "create", "t", "--group", "main", "--scope", "user"],
        None,
    )
    .await
    .failed();
    assert!(
        message.contains("--scope user needs --user USERNAME"),
        "{message}"
    );
    assert!(store.tokens().find_by_name("t").await.unwrap().is_none());

    let teacher = store
        .users()
        .find_by_username(store.sites().default_site().await.unwrap().id, "teacher")
        .await
        .unwrap()
        .unwrap();
    for (name, scope, expected) in [
        ("as-teacher", "user", TokenScope::User),
        ("everything", "global", TokenScope::Global),
    ] {
        admin(
            &db,
            &[
                "token", "create", name, "--group", "main", "--scope", scope, "--user", "teacher",
            ],
            None,
        )
        .await
        .ok();
        let token = store.tokens().find_by_name(name).await.unwrap().unwrap();
        assert_eq!((token.scope, token.user_id), (expected, Some(teacher.id)));
        // The operator rotates any token, whoever owns it.
        let out = admin(&db, &["token", "rotate", name], None).await.ok();
        assert!(out.contains("new secret (shown only now):"), "{out}");
    }
}

#[tokio::test]
async fn tokens_are_created_listed_rotated_and_revoked_showing_secrets_once() {
    let db = TestDb::new().await;
    let tokens = db.store().tokens();
    admin(&db, &["group", "create", "main"], None).await.ok();
    admin(&db, &["user", "create", "lms"], None).await.ok();

    let message = admin(&db, &["token", "create", "moodle", "--group", "nope"], None)
        .await
        .failed();
    assert!(message.contains("no server group `nope`"), "{message}");
    let message = admin(
        &db,
        &[
            "token", "create", "moodle", "--group", "main", "--scope", "user",
        ],
        None,
    )
    .await
    .failed();
    assert!(
        message.contains("--scope user needs --user USERNAME"),
        "{message}"
    );

    let out = admin(
        &db,
        &[
            "token",
            "create",
            "moodle",
            "--group",
            "main",
            "--scope",
            "user",
            "--user",
            "lms",
            "--max-meetings",
            "5",
        ],
        None,
    )
    .await
    .ok();
    let secret = value_after(&out, "secret (shown only now):").to_owned();
    let token = tokens.find_by_name("moodle").await.unwrap().unwrap();
    assert_eq!(token.scope, TokenScope::User);
    assert_eq!(token.max_meetings, Some(5));
    assert_eq!(
        tokens.secrets(token.id).await.unwrap().current.expose(),
        secret
    );
    assert!(
        out.contains(&format!("/t/{}/bigbluebutton/api/", token.guid)),
        "{out}"
    );
    assert!(out.contains("/bigbluebutton/api/\n"), "{out}");

    let list = admin(&db, &["token", "list"], None).await.ok();
    assert!(list.contains("moodle") && list.contains("lms"), "{list}");
    assert!(!list.contains(&secret), "{list}");

    let out = admin(&db, &["token", "rotate", "moodle", "--grace", "10m"], None)
        .await
        .ok();
    let rotated = value_after(&out, "new secret (shown only now):").to_owned();
    assert_ne!(rotated, secret);
    assert!(out.contains("previous secret stays valid until"), "{out}");
    let secrets = tokens.secrets(token.id).await.unwrap();
    assert_eq!(secrets.current.expose(), rotated);
    assert_eq!(secrets.previous.unwrap().expose(), secret);

    let out = admin(&db, &["token", "rotate", "moodle", "--grace", "0s"], None)
        .await
        .ok();
    assert!(out.contains("previous secret no longer works"), "{out}");
    assert!(tokens.secrets(token.id).await.unwrap().previous.is_none());

    let adopted = "an-adopted-secret-of-an-old-integration";
    admin(
        &db,
        &[
            "token",
            "create",
            "nextcloud",
            "--group",
            "main",
            "--secret-stdin",
        ],
        Some(adopted),
    )
    .await
    .ok();
    let nextcloud = tokens.find_by_name("nextcloud").await.unwrap().unwrap();
    assert_eq!(
        tokens.secrets(nextcloud.id).await.unwrap().current.expose(),
        adopted
    );

    let out = admin(&db, &["token", "revoke", "moodle"], None).await.ok();
    assert!(out.contains("revoked API token moodle"), "{out}");
    assert!(tokens.find_by_name("moodle").await.unwrap().is_none());
    let message = admin(&db, &["token", "revoke", "moodle"], None)
        .await
        .failed();
    assert!(
        message.contains("no API token is named `moodle`"),
        "{message}"
    );
    let message = admin(
        &db,
        &["token", "rotate", "nextcloud", "--grace", "soon"],
        None,
    )
    .await;
    assert_eq!(message.code, Some(2), "clap refuses it: {message:#?}");
    assert!(message.stderr.contains("--grace"), "{message:#?}");
}

#[tokio::test]
async fn servers_are_added_listed_and_their_state_changed() {
    let db = TestDb::new().await;
    admin(&db, &["group", "create", "main"], None).await.ok();
    admin(&db, &["group", "create", "other"], None).await.ok();
    let add = |name: &'static str, group: &'static str| {
        [
            "server",
            "add",
            name,
            "--group",
            group,
            "--url",
            "https://bbb1.example.org/bigbluebutton/api/",
            "--weight",
            "3",
            "--secret-stdin",
        ]
    };
    let out = admin(&db, &add("bbb-1", "main"), Some("the-shared-secret\n"))
        .await
        .ok();
    assert!(out.contains("added server bbb-1"), "{out}");
    assert!(!out.contains("the-shared-secret"), "{out}");
    let servers = db.store().servers().list_all().await.unwrap();
    let bbb1 = &servers[0];
    assert_eq!(bbb1.weight, 3);
    assert_eq!(
        db.store().servers().secret(bbb1).unwrap().expose(),
        "the-shared-secret"
    );

    let list = admin(&db, &["server", "list"], None).await.ok();
    let row = list.lines().find(|line| line.contains("bbb-1")).unwrap();
    for cell in ["main", "3", "enabled", "unknown", "never"] {
        assert!(row.split_whitespace().any(|c| c == cell), "{cell} in {row}");
    }
    assert!(!list.contains("the-shared-secret"), "{list}");

    for (command, state) in [
        ("cordon", ServerState::Cordoned),
        ("disable", ServerState::Disabled),
        ("enable", ServerState::Enabled),
    ] {
        let out = admin(&db, &["server", command, "bbb-1"], None).await.ok();
        assert!(out.contains("server bbb-1 is now"), "{out}");
        assert_eq!(
            db.store().servers().get(bbb1.id).await.unwrap().state,
            state
        );
    }

    // The same name in another group: the name alone no longer says which.
    admin(&db, &add("bbb-1", "other"), Some("another-secret"))
        .await
        .ok();
    let message = admin(&db, &["server", "cordon", "bbb-1"], None)
        .await
        .failed();
    assert!(message.contains("pick one with --group"), "{message}");
    admin(
        &db,
        &["server", "cordon", "bbb-1", "--group", "other"],
        None,
    )
    .await
    .ok();
    assert_eq!(
        db.store().servers().get(bbb1.id).await.unwrap().state,
        ServerState::Enabled
    );

    let refusals = [
        (
            vec![
                "server", "add", "bbb-2", "--group", "main", "--url", "ftp://x", "--secret", "s",
            ],
            "is not http or https",
        ),
        (
            vec![
                "server",
                "add",
                "bbb-2",
                "--group",
                "main",
                "--url",
                "https://b/",
                "--secret",
                "s",
                "--weight",
                "0",
            ],
            "weight",
        ),
        (
            vec![
                "server",
                "add",
                "bbb-1",
                "--group",
                "main",
                "--url",
                "https://b/",
                "--secret",
                "s",
            ],
            "already exists",
        ),
        (
            vec!["server", "enable", "bbb-9"],
            "no server is named `bbb-9`",
        ),
    ];
    for (args, expected) in refusals {
        let message = admin(&db, &args, None).await.failed();
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let missing_secret = admin(
        &db,
        &[
            "server",
            "add",
            "bbb-2",
            "--group",
            "main",
            "--url",
            "https://b/",
        ],
        None,
    )
    .await;
    assert_eq!(missing_secret.code, Some(2), "{missing_secret:#?}");
}

#[tokio::test]
async fn server_add_refuses_urls_no_bbb_call_can_be_made_with() {
    let db = TestDb::new().await;
    admin(&db, &["group", "create", "main"], None).await.ok();
    for (url, expected) in [
        ("https://bbb.example.org/bigbluebutton/api/?x=1", "query"),
        ("https://bbb.example.org/bigbluebutton/api/#x", "fragment"),
        (
            "https://admin:hunter2@bbb.example.org/bigbluebutton/api/",
            "credentials",
        ),
        ("https://bbb.example.org:99999/bigbluebutton/api/", "port"),
        ("https://bbb.example.org:0/bigbluebutton/api/", "port 0"),
    ] {
        let message = admin(
            &db,
            &[
                "server",
                "add",
                "bad",
                "--group",
                "main",
                "--url",
                url,
                "--secret-stdin",
            ],
            Some("s3cret\n"),
        )
        .await
        .failed();
        assert!(message.contains("invalid API URL"), "{url}: {message}");
        assert!(message.contains(expected), "{url}: {message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
    assert!(db.store().servers().list_all().await.unwrap().is_empty());
}

#[tokio::test]
async fn server_add_warns_the_operator_of_a_url_the_outbound_rule_refuses() {
    let db = TestDb::new().await;
    admin(&db, &["group", "create", "main"], None).await.ok();
    let add = |name: &'static str| {
        [
            "server",
            "add",
            name,
            "--group",
            "main",
            "--url",
            "http://127.0.0.1:8090/bigbluebutton/api/",
            "--secret",
            "s3cret",
        ]
    };
    // Without `outbound.allow`: added (the operator decides), with a warning saying why the
    // gateway will not connect and how to admit it.
    let strict: Vec<_> = database_env(&db)
        .into_iter()
        .filter(|(key, _)| *key != "BBB_GATEWAY_OUTBOUND__ALLOW")
        .collect();
    let warned = run_to_end(&strict, &add("local"), None).await;
    assert!(warned.success, "{warned:#?}");
    assert!(warned.stdout.contains("added server local"), "{warned:#?}");
    assert!(warned.stderr.contains("warning"), "{warned:#?}");
    assert!(warned.stderr.contains("loopback"), "{warned:#?}");
    assert!(warned.stderr.contains("outbound.allow"), "{warned:#?}");
    // Admitted by the allow-list: no warning.
    let admitted = run_to_end(&database_env(&db), &add("admitted"), None).await;
    assert!(admitted.success, "{admitted:#?}");
    assert!(!admitted.stderr.contains("warning"), "{admitted:#?}");
}

/// A simulated BBB server with one running meeting of `attendees`, registered as `bbb-1`.
async fn server_with_a_meeting(db: &TestDb, attendees: usize) -> SimServer {
    let sim = SimServer::spawn(SimConfig::default()).unwrap();
    let endpoint = bbb_client::Server::new(&sim.api_url(), sim.secret()).unwrap();
    bbb_client::Client::new()
        .unwrap()
        .create(&endpoint, &CreateMeeting::new("room-1", "Room 1"))
        .await
        .unwrap();
    sim.add_attendees("room-1", attendees).unwrap();
    admin(db, &["group", "create", "main"], None).await.ok();
    let url = sim.api_url();
    admin(
        db,
        &[
            "server",
            "add",
            "bbb-1",
            "--group",
            "main",
            "--url",
            &url,
            "--secret-stdin",
        ],
        Some(sim.secret()),
    )
    .await
    .ok();
    sim
}

#[tokio::test(flavor = "multi_thread")]
async fn drain_cordons_and_waits_until_the_meetings_have_ended() {
    let db = TestDb::new().await;
    let sim = server_with_a_meeting(&db, 3).await;
    let mut command = std::process::Command::new(BINARY);
    command
        .args([
            "server",
            "drain",
            "bbb-1",
            "--interval",
            "200ms",
            "--timeout",
            "60s",
        ])
        .envs(database_env(&db))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    let next_line = async |lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>| {
        tokio::time::timeout(Duration::from_secs(20), lines.recv())
            .await
            .expect("drain prints within 20 s")
            .expect("drain is still running")
    };

    assert_eq!(
        next_line(&mut lines).await,
        "cordoned bbb-1: it gets no new meetings"
    );
    assert_eq!(
        next_line(&mut lines).await,
        "draining bbb-1: 1 meetings, 3 attendees left"
    );
    let server = &db.store().servers().list_all().await.unwrap()[0];
    assert_eq!(server.state, ServerState::Cordoned);

    // Attendees leave; then the meeting ends.
    sim.remove_attendees("room-1", 2).unwrap();
    loop {
        let line = next_line(&mut lines).await;
        if line == "draining bbb-1: 1 meetings, 1 attendees left" {
            break;
        }
        assert_eq!(line, "draining bbb-1: 1 meetings, 3 attendees left");
    }
    let endpoint = bbb_client::Server::new(&sim.api_url(), sim.secret()).unwrap();
    bbb_client::Client::new()
        .unwrap()
        .end(&endpoint, "room-1")
        .await
        .unwrap();
    loop {
        let line = next_line(&mut lines).await;
        if line == "drained bbb-1: no meetings left" {
            break;
        }
        assert!(line.starts_with("draining bbb-1: 1 meetings"), "{line}");
    }
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn drain_gives_up_after_its_timeout_and_leaves_the_server_cordoned() {
    let db = TestDb::new().await;
    let sim = server_with_a_meeting(&db, 1).await;
    let finished = admin(
        &db,
        &[
            "server",
            "drain",
            "bbb-1",
            "--interval",
            "100ms",
            "--timeout",
            "500ms",
        ],
        None,
    )
    .await;
    assert!(
        finished
            .stdout
            .contains("draining bbb-1: 1 meetings, 1 attendees left"),
        "{finished:#?}"
    );
    let message = finished.failed();
    assert!(
        message.contains("bbb-1 was not drained within 500ms; it stays cordoned"),
        "{message}"
    );
    let server = &db.store().servers().list_all().await.unwrap()[0];
    assert_eq!(server.state, ServerState::Cordoned);
    sim.shutdown().await;
}

/// The list commands show the operator's site (`--site`, or the default site), and a token is
/// found by its name in whichever site it is: `token rotate|revoke` take no `--site`.
#[tokio::test]
async fn list_commands_show_one_site_and_tokens_are_found_by_name_in_any_site() {
    let db = TestDb::new().await;
    let store = db.store();
    store
        .sites()
        .create(store::NewSite {
            domain: "other.example".to_owned(),
            name: "Other".to_owned(),
        })
        .await
        .unwrap();
    let other = ["--site", "other.example"];
    for args in [
        vec!["group", "create", "main"],
        vec!["group", "create", "lectures"],
        [&["group", "create", "theirs"][..], &other].concat(),
        vec![
            "user",
            "create",
            "teacher",
            "--staff",
            "--email",
            "t@example.org",
        ],
        [&["user", "create", "stranger"][..], &other].concat(),
        vec![
            "server",
            "add",
            "bbb-1",
            "--group",
            "main",
            "--url",
            "https://b/",
            "--secret",
            "s",
        ],
        vec![
            "token", "create", "lms", "--group", "main", "--scope", "user", "--user", "teacher",
        ],
        vec!["token", "create", "recordings", "--group", "lectures"],
        [&["token", "create", "far", "--group", "theirs"][..], &other].concat(),
    ] {
        admin(&db, &args, None).await.ok();
    }
    let row = |table: &str, name: &str| -> Vec<String> {
        table
            .lines()
            .map(|line| {
                line.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells.iter().any(|cell| cell == name))
            .unwrap_or_else(|| panic!("no row {name} in:\n{table}"))
    };

    let groups = admin(&db, &["group", "list"], None).await.ok();
    assert!(groups.starts_with("ID"), "{groups}");
    assert_eq!(row(&groups, "main")[1..], ["main", "1"]);
    assert_eq!(row(&groups, "lectures")[1..], ["lectures", "0"]);
    assert!(!groups.contains("theirs"), "{groups}");
    let theirs = admin(&db, &[&["group", "list"][..], &other].concat(), None)
        .await
        .ok();
    assert!(
        theirs.contains("theirs") && !theirs.contains("main"),
        "{theirs}"
    );

    let users = admin(&db, &["user", "list"], None).await.ok();
    assert_eq!(
        row(&users, "teacher")[1..],
        ["teacher", "teacher", "t@example.org", "yes", "no"]
    );
    assert!(!users.contains("stranger"), "{users}");

    let in_main = admin(&db, &["token", "list", "--group", "main"], None)
        .await
        .ok();
    let lms = row(&in_main, "lms");
    assert_eq!(lms[1..5], ["lms", "main", "user", "teacher"]);
    assert!(!in_main.contains("recordings"), "{in_main}");
    let all = admin(&db, &["token", "list"], None).await.ok();
    assert!(all.contains("lms") && all.contains("recordings"), "{all}");
    assert!(!all.contains("far"), "{all}");
    let far = admin(&db, &[&["token", "list"][..], &other].concat(), None)
        .await
        .ok();
    assert_eq!(row(&far, "far")[1..5], ["far", "theirs", "token", "-"]);

    let rotated = admin(&db, &["token", "rotate", "far"], None).await.ok();
    assert!(
        rotated.contains("new secret (shown only now):"),
        "{rotated}"
    );
    admin(&db, &["token", "revoke", "far"], None).await.ok();
    assert!(store.tokens().find_by_name("far").await.unwrap().is_none());

    let servers = admin(&db, &["server", "list", "--group", "lectures"], None)
        .await
        .ok();
    assert_eq!(servers.lines().count(), 1, "only the header: {servers}");
}
