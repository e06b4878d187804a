//! Every database constraint violated once on purpose, and the error the caller gets. Where
//! the store validates in code first, the constraint is also hit directly (raw writes that
//! bypass the repositories), so both lines of defence are tested.

mod common;

use chrono::Utc;
use common::{fixture, new_server};
use entity::{api_token, group_grant, meeting, meeting_grant, placement, site, user};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use store::{
    GroupPermission, MeetingPermission, MeetingSettings, NewApiToken, NewMeeting, NewMeetingUrl,
    NewPlacement, NewSite, NewUser, Secret, StoreError, TestDb, TokenScope,
};
use uuid::Uuid;

fn duplicate<T: std::fmt::Debug>(result: Result<T, StoreError>, expected_field: &str) {
    match result {
        Err(StoreError::Duplicate { field, .. }) if field == expected_field => {}
        other => panic!("expected Duplicate {{ field: {expected_field} }}, got {other:?}"),
    }
}

fn invalid<T: std::fmt::Debug>(result: Result<T, StoreError>, expected_field: &str) {
    match result {
        Err(StoreError::Validation { field, .. }) if field == expected_field => {}
        other => panic!("expected Validation {{ field: {expected_field} }}, got {other:?}"),
    }
}

fn raw<T>(result: Result<T, DbErr>) -> Result<T, StoreError> {
    result.map_err(StoreError::from)
}

async fn execute(db: &TestDb, sql: &str) -> Result<(), StoreError> {
    raw(db.store().connection().execute_unprepared(sql).await).map(|_| ())
}

async fn meeting_in(db: &TestDb, group_id: i64, settings: MeetingSettings) -> store::Meeting {
    db.store()
        .meetings()
        .create(NewMeeting {
            group_id,
            owner_id: None,
            settings,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn unique_site_domain_and_single_default() {
    let db = TestDb::new().await;
    let sites = db.store().sites();
    let new = || NewSite {
        domain: "example.org".into(),
        name: "Example".into(),
    };
    let second = sites.create(new()).await.unwrap();
    duplicate(sites.create(new()).await, "domain");
    // Only one default site, even for a writer that bypasses `set_default`.
    let mut active: site::ActiveModel = second.into();
    active.is_default = Set(true);
    duplicate(
        raw(active.update(db.store().connection()).await),
        "is_default",
    );
}

#[tokio::test]
async fn unique_username_per_site_and_external_identity() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let users = db.store().users();
    duplicate(
        users.create(NewUser::new(f.site.id, "alice")).await,
        "username",
    );
    // The same name in another site is fine.
    let other = db
        .store()
        .sites()
        .create(NewSite {
            domain: "other.example".into(),
            name: "Other".into(),
        })
        .await
        .unwrap();
    users.create(NewUser::new(other.id, "alice")).await.unwrap();

    let external = |username: &str| user::ActiveModel {
        site_id: Set(f.site.id),
        username: Set(username.into()),
        display_name: Set(String::new()),
        email: Set(String::new()),
        password_hash: Set(None),
        external_issuer: Set(Some("https://idp".into())),
        external_subject: Set(Some("42".into())),
        is_staff: Set(false),
        is_superuser: Set(false),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    external("first")
        .insert(db.store().connection())
        .await
        .unwrap();
    duplicate(
        raw(external("second").insert(db.store().connection()).await),
        "external_identity",
    );
    // Half an identity is refused by a CHECK.
    let mut half = external("third");
    half.external_subject = Set(None);
    invalid(
        raw(half.insert(db.store().connection()).await),
        "external_identity",
    );
    invalid(
        users.create(NewUser::new(f.site.id, "   ")).await,
        "username",
    );
}

#[tokio::test]
async fn unique_group_name_per_site_and_group_grant_triple() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    duplicate(db.store().groups().create(f.site.id, "main").await, "name");
    invalid(db.store().groups().create(f.site.id, "").await, "name");
    let grant = || group_grant::ActiveModel {
        group_id: Set(f.group.id),
        user_id: Set(f.user.id),
        permission: Set(GroupPermission::AddApiTokens),
        ..Default::default()
    };
    grant().insert(db.store().connection()).await.unwrap();
    duplicate(
        raw(grant().insert(db.store().connection()).await),
        "permission",
    );
    invalid(
        execute(
            &db,
            &format!(
                "INSERT INTO group_grant (group_id, user_id, permission) VALUES ({}, {}, 'rule_all')",
                f.group.id, f.user.id
            ),
        )
        .await,
        "permission",
    );
}

#[tokio::test]
async fn server_name_weight_state_and_url() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let servers = db.store().servers();
    let server = servers.add(new_server(f.group.id, "bbb1")).await.unwrap();
    duplicate(servers.add(new_server(f.group.id, "bbb1")).await, "name");
    invalid(
        servers
            .add(store::NewServer {
                weight: 0,
                ..new_server(f.group.id, "bbb2")
            })
            .await,
        "weight",
    );
    invalid(
        servers
            .add(store::NewServer {
                api_url: "bbb2.example.org".into(),
                ..new_server(f.group.id, "bbb2")
            })
            .await,
        "api_url",
    );
    let id = server.id;
    invalid(
        execute(
            &db,
            &format!("UPDATE server SET weight = 0 WHERE id = {id}"),
        )
        .await,
        "weight",
    );
    invalid(
        execute(
            &db,
            &format!("UPDATE server SET state = 'gone' WHERE id = {id}"),
        )
        .await,
        "state",
    );
    invalid(
        execute(
            &db,
            &format!("UPDATE server SET health = 'meh' WHERE id = {id}"),
        )
        .await,
        "health",
    );
    invalid(
        execute(&db, &format!("UPDATE server SET name = '' WHERE id = {id}")).await,
        "name",
    );
}

#[tokio::test]
async fn conference_pin_is_unique_and_digits_only() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let with_pin = |pin: &str| MeetingSettings {
        conference_pin: Some(pin.into()),
        ..MeetingSettings::new("PIN")
    };
    let first = meeting_in(&db, f.group.id, with_pin("12345")).await;
    let meetings = db.store().meetings();
    duplicate(
        meetings
            .create(NewMeeting {
                group_id: f.group.id,
                owner_id: None,
                settings: with_pin("12345"),
            })
            .await,
        "conference_pin",
    );
    for bad in ["12a45", "12345678901", ""] {
        invalid(
            meetings.set_conference_pin(first.id, Some(bad)).await,
            "conference_pin",
        );
        invalid(
            execute(
                &db,
                &format!(
                    "UPDATE meeting SET conference_pin = '{bad}' WHERE id = {}",
                    first.id
                ),
            )
            .await,
            "conference_pin",
        );
    }
    // Ten digits are the most, and accepted.
    execute(
        &db,
        &format!(
            "UPDATE meeting SET conference_pin = '0123456789' WHERE id = {}",
            first.id
        ),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn meeting_guid_checks_and_grant_triple() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let first = meeting_in(&db, f.group.id, MeetingSettings::new("one")).await;
    let mut copy: meeting::ActiveModel = meeting_in(&db, f.group.id, MeetingSettings::new("two"))
        .await
        .into();
    copy.guid = Set(first.guid);
    duplicate(raw(copy.update(db.store().connection()).await), "guid");

    for (column, value) in [
        ("max_participants", "0"),
        ("duration", "-5"),
        ("name", "''"),
    ] {
        invalid(
            execute(
                &db,
                &format!(
                    "UPDATE meeting SET {column} = {value} WHERE id = {}",
                    first.id
                ),
            )
            .await,
            column,
        );
    }
    let meetings = db.store().meetings();
    let settings = |change: fn(&mut MeetingSettings)| {
        let mut settings = MeetingSettings::new("valid");
        change(&mut settings);
        settings
    };
    invalid(
        meetings
            .update(first.id, settings(|s| s.max_participants = Some(0)))
            .await,
        "max_participants",
    );
    invalid(
        meetings
            .update(first.id, settings(|s| s.name = "x".repeat(61)))
            .await,
        "name",
    );

    let grant = || meeting_grant::ActiveModel {
        meeting_id: Set(first.id),
        user_id: Set(f.user.id),
        permission: Set(MeetingPermission::GrantModerator),
        ..Default::default()
    };
    grant().insert(db.store().connection()).await.unwrap();
    duplicate(
        raw(grant().insert(db.store().connection()).await),
        "permission",
    );
    invalid(
        execute(
            &db,
            &format!(
                "UPDATE meeting_grant SET permission = 'own' WHERE meeting_id = {}",
                first.id
            ),
        )
        .await,
        "permission",
    );
}

#[tokio::test]
async fn url_slug_is_unique_per_site() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let meeting = meeting_in(&db, f.group.id, MeetingSettings::new("m")).await;
    let urls = db.store().meeting_urls();
    let new = |site_id: i64, slug: &str| NewMeetingUrl {
        site_id,
        meeting_id: meeting.id,
        slug: slug.into(),
        allow_guests: false,
    };
    urls.add(new(f.site.id, "room")).await.unwrap();
    duplicate(urls.add(new(f.site.id, "room")).await, "slug");
    invalid(urls.add(new(f.site.id, "a room")).await, "slug");
    let other = db
        .store()
        .sites()
        .create(NewSite {
            domain: "other.example".into(),
            name: "Other".into(),
        })
        .await
        .unwrap();
    urls.add(new(other.id, "room")).await.unwrap();
}

#[tokio::test]
async fn token_name_secret_guid_and_user_scope() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let tokens = db.store().tokens();
    let first = tokens
        .create(NewApiToken {
            secret: Some(Secret::new("shared-secret-0123456789")),
            ..NewApiToken::new("first", f.group.id)
        })
        .await
        .unwrap();
    duplicate(
        tokens.create(NewApiToken::new("first", f.group.id)).await,
        "name",
    );
    duplicate(
        tokens
            .create(NewApiToken {
                secret: Some(Secret::new("shared-secret-0123456789")),
                ..NewApiToken::new("second", f.group.id)
            })
            .await,
        "secret",
    );
    invalid(
        tokens
            .create(NewApiToken {
                secret: Some(Secret::new("short")),
                ..NewApiToken::new("third", f.group.id)
            })
            .await,
        "secret",
    );

    // Scope `user` without a user: refused in code, and by the CHECK for raw writes.
    invalid(
        tokens
            .create(NewApiToken {
                scope: TokenScope::User,
                ..NewApiToken::new("orphan", f.group.id)
            })
            .await,
        "user",
    );
    let mut orphan: api_token::ActiveModel = first.token.clone().into();
    orphan.scope = Set(TokenScope::User);
    invalid(raw(orphan.update(db.store().connection()).await), "user");
    invalid(
        tokens
            .update(
                first.token.id,
                store::TokenChanges {
                    scope: Some(TokenScope::User),
                    ..store::TokenChanges::default()
                },
            )
            .await,
        "user",
    );

    let second = tokens
        .create(NewApiToken::new("second", f.group.id))
        .await
        .unwrap()
        .token;
    let mut same_guid: api_token::ActiveModel = second.clone().into();
    same_guid.guid = Set(first.token.guid);
    duplicate(raw(same_guid.update(db.store().connection()).await), "guid");
    // A previous secret is unique too, and comes with its hash.
    let rotated = tokens.rotate(first.token.id, None).await.unwrap().token;
    let mut reused: api_token::ActiveModel = second.clone().into();
    reused.previous_secret_ciphertext = Set(rotated.previous_secret_ciphertext.clone());
    reused.previous_secret_hash = Set(rotated.previous_secret_hash.clone());
    duplicate(raw(reused.update(db.store().connection()).await), "secret");
    let mut half: api_token::ActiveModel = second.into();
    half.previous_secret_hash = Set(Some("00".repeat(32)));
    invalid(
        raw(half.update(db.store().connection()).await),
        "previous_secret",
    );
    invalid(
        tokens
            .create(NewApiToken {
                max_meetings: Some(0),
                ..NewApiToken::new("quota", f.group.id)
            })
            .await,
        "max_meetings",
    );
}

#[tokio::test]
async fn one_live_placement_per_client_and_backend_meeting_id() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let server = db
        .store()
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let row = |client: &str, backend: &str| placement::ActiveModel {
        group_id: Set(f.group.id),
        server_id: Set(server.id),
        namespace: Set("ns".into()),
        client_meeting_id: Set(client.into()),
        bbb_meeting_id: Set(backend.into()),
        token_id: Set(None),
        meeting_id: Set(None),
        internal_meeting_id: Set(None),
        create_time: Set(None),
        created_at: Set(Utc::now()),
        ended_at: Set(None),
        ..Default::default()
    };
    let connection = db.store().connection();
    row("m1", "b1").insert(connection).await.unwrap();
    duplicate(
        raw(row("m1", "b2").insert(connection).await),
        "client_meeting_id",
    );
    duplicate(
        raw(row("m2", "b1").insert(connection).await),
        "bbb_meeting_id",
    );
    invalid(
        raw(row("", "b3").insert(connection).await),
        "client_meeting_id",
    );
    invalid(
        db.store()
            .placements()
            .create_or_get(NewPlacement {
                group_id: f.group.id,
                server_id: server.id,
                namespace: "ns".into(),
                client_meeting_id: " ".into(),
                bbb_meeting_id: "b4".into(),
                token_id: None,
                meeting_id: None,
            })
            .await,
        "client_meeting_id",
    );
}

#[tokio::test]
async fn dangling_references_and_missing_rows() {
    let db = TestDb::new().await;
    let store = db.store();
    let result = store
        .meetings()
        .create(NewMeeting {
            group_id: 999_999,
            owner_id: None,
            settings: MeetingSettings::new("nowhere"),
        })
        .await;
    assert!(
        matches!(result, Err(StoreError::InvalidReference { .. })),
        "{result:?}"
    );
    if db.is_postgres() {
        // PostgreSQL names the key; SQLite cannot.
        assert!(matches!(
            result,
            Err(StoreError::InvalidReference {
                field: Some("group_id")
            })
        ));
    }
    let grant = store
        .meeting_grants()
        .grant(999_999, 999_999, MeetingPermission::JoinAsAttendee)
        .await;
    assert!(matches!(grant, Err(StoreError::InvalidReference { .. })));

    assert!(matches!(
        store.meetings().get(1).await,
        Err(StoreError::NotFound { entity: "meeting" })
    ));
    assert!(matches!(
        store.users().get(1).await,
        Err(StoreError::NotFound { entity: "user" })
    ));
    assert!(matches!(
        store.servers().remove(1).await,
        Err(StoreError::NotFound { entity: "server" })
    ));
    assert!(matches!(
        store.tokens().secrets(1).await,
        Err(StoreError::NotFound {
            entity: "API token"
        })
    ));
    assert!(matches!(
        store.placements().mark_ended(1).await,
        Err(StoreError::NotFound {
            entity: "placement"
        })
    ));
    assert_eq!(
        store.meetings().find_by_guid(Uuid::new_v4()).await.unwrap(),
        None
    );
}
