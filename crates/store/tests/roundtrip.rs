//! Every entity written through the store and read back unchanged.

mod common;

use common::{fixture, new_server};
use sea_orm::{Iterable, ModelTrait};
use store::entity::meeting;
use store::{
    GroupPermission, MeetingColumns, MeetingFilter, MeetingPermission, MeetingSettings,
    NewApiToken, NewMeeting, NewMeetingUrl, NewPlacement, NewSite, NewUser, PageRequest,
    PlacementFilter, Secret, ServerChanges, ServerState, TestDb, TokenScope, UserChanges,
};

#[tokio::test]
async fn sites_round_trip_and_resolve_hosts() {
    let db = TestDb::new().await;
    let sites = db.store().sites();
    let default = sites.default_site().await.unwrap();
    let other = sites
        .create(NewSite {
            domain: "Meet.Example.ORG".into(),
            name: "Example".into(),
        })
        .await
        .unwrap();
    assert_eq!(other.domain, "meet.example.org");
    assert!(!other.is_default);
    assert_eq!(sites.get(other.id).await.unwrap(), other);
    assert_eq!(sites.for_host("meet.example.org:443").await.unwrap(), other);
    assert_eq!(sites.for_host("unknown.example").await.unwrap(), default);

    let now_default = sites.set_default(other.id).await.unwrap();
    assert!(now_default.is_default);
    assert_eq!(sites.default_site().await.unwrap().id, other.id);
    assert!(!sites.get(default.id).await.unwrap().is_default);
    assert_eq!(sites.list().await.unwrap().len(), 2);
}

#[tokio::test]
async fn users_round_trip() {
    let db = TestDb::new().await;
    let users = db.store().users();
    let site = db.store().sites().default_site().await.unwrap();
    let created = users
        .create(NewUser {
            site_id: site.id,
            username: "  bob ".into(),
            display_name: "Bob B.".into(),
            email: "bob@example.org".into(),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            is_staff: true,
            is_superuser: false,
        })
        .await
        .unwrap();
    assert_eq!(created.username, "bob");
    assert_eq!(users.get(created.id).await.unwrap(), created);
    assert_eq!(
        users.find_by_username(site.id, "bob").await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(
        users.find_by_username(site.id, "nobody").await.unwrap(),
        None
    );

    let updated = users
        .update(
            created.id,
            UserChanges {
                display_name: Some("Robert".into()),
                password_hash: Some(None),
                is_superuser: Some(true),
                ..UserChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.display_name, "Robert");
    assert_eq!(updated.password_hash, None);
    assert!(updated.is_superuser && updated.is_staff);
    assert_eq!(users.get(created.id).await.unwrap(), updated);

    let (external, created_now) = users
        .find_or_create_external(
            site.id,
            "https://idp.example.org",
            "sub-1",
            store::ExternalProfile {
                username: "carol".into(),
                display_name: "Carol".into(),
                email: "carol@example.org".into(),
            },
        )
        .await
        .unwrap();
    assert!(created_now);
    assert_eq!(external.external_subject.as_deref(), Some("sub-1"));
    let (again, created_again) = users
        .find_or_create_external(
            site.id,
            "https://idp.example.org",
            "sub-1",
            store::ExternalProfile {
                username: "ignored".into(),
                display_name: String::new(),
                email: String::new(),
            },
        )
        .await
        .unwrap();
    assert!(!created_again);
    assert_eq!(again, external);
    assert_eq!(
        users
            .find_by_external("https://idp.example.org", "sub-1")
            .await
            .unwrap(),
        Some(external.clone())
    );

    let many = users
        .get_many(&[external.id, created.id, 999_999])
        .await
        .unwrap();
    assert_eq!(
        many.iter().map(|user| user.id).collect::<Vec<_>>(),
        vec![created.id, external.id]
    );
    assert!(users.get_many(&[]).await.unwrap().is_empty());
    assert_eq!(users.list(site.id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn groups_and_group_grants_round_trip() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let groups = db.store().groups();
    assert_eq!(groups.get(f.group.id).await.unwrap(), f.group);
    assert_eq!(
        groups.find_by_name(f.site.id, "main").await.unwrap(),
        Some(f.group.clone())
    );
    assert_eq!(groups.list(f.site.id).await.unwrap(), vec![f.group.clone()]);
    assert_eq!(
        groups.rename(f.group.id, "primary").await.unwrap().name,
        "primary"
    );

    let add_servers = GroupPermission::AddServers;
    assert!(
        !groups
            .has(f.group.id, f.user.id, add_servers)
            .await
            .unwrap()
    );
    assert!(
        groups
            .grant(f.group.id, f.user.id, add_servers)
            .await
            .unwrap()
    );
    assert!(
        !groups
            .grant(f.group.id, f.user.id, add_servers)
            .await
            .unwrap()
    );
    assert!(
        groups
            .grant(f.group.id, f.user.id, GroupPermission::AddMeetings)
            .await
            .unwrap()
    );
    assert!(
        groups
            .has(f.group.id, f.user.id, add_servers)
            .await
            .unwrap()
    );
    let grants = groups.grants(f.group.id).await.unwrap();
    assert_eq!(
        grants.iter().map(|g| g.permission).collect::<Vec<_>>(),
        vec![add_servers, GroupPermission::AddMeetings]
    );
    assert_eq!(groups.grants_of_user(f.user.id).await.unwrap(), grants);
    assert!(
        groups
            .revoke(f.group.id, f.user.id, add_servers)
            .await
            .unwrap()
    );
    assert!(
        !groups
            .revoke(f.group.id, f.user.id, add_servers)
            .await
            .unwrap()
    );
    assert!(
        !groups
            .has(f.group.id, f.user.id, add_servers)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn servers_round_trip_with_their_secret() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let servers = db.store().servers();
    let server = servers.add(new_server(f.group.id, "bbb1")).await.unwrap();
    assert_eq!(server.health, store::ServerHealth::Unknown);
    assert_eq!(servers.get(server.id).await.unwrap(), server);
    assert_eq!(
        servers.secret(&server).unwrap().expose(),
        "server-secret-of-bbb1-0123456789"
    );
    assert_eq!(
        servers.list(f.group.id).await.unwrap(),
        vec![server.clone()]
    );
    assert_eq!(servers.list_all().await.unwrap(), vec![server.clone()]);

    let updated = servers
        .update(
            server.id,
            ServerChanges {
                weight: Some(3),
                secret: Some(Secret::new("a new secret")),
                ..ServerChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.weight, 3);
    assert_eq!(servers.secret(&updated).unwrap().expose(), "a new secret");
    let cordoned = servers
        .set_state(server.id, ServerState::Cordoned)
        .await
        .unwrap();
    assert_eq!(cordoned.state, ServerState::Cordoned);
    assert_eq!(servers.get(server.id).await.unwrap(), cordoned);
}

#[tokio::test]
async fn health_polls_count_and_flip_health_at_the_thresholds() {
    use store::{HealthThresholds, PollOutcome, ServerHealth};
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let servers = db.store().servers();
    let server = servers.add(new_server(f.group.id, "bbb1")).await.unwrap();
    let thresholds = HealthThresholds { rise: 2, fall: 3 };
    let ok = || PollOutcome::Reachable {
        meeting_count: 4,
        attendee_count: 17,
    };
    let failed = || PollOutcome::Failed {
        error: "connection refused".into(),
    };
    let at = chrono::Utc::now();

    let after_one = servers
        .record_poll(server.id, ok(), at, thresholds)
        .await
        .unwrap();
    assert_eq!(after_one.health, ServerHealth::Unknown);
    assert_eq!(after_one.consecutive_successes, 1);
    assert_eq!((after_one.meeting_count, after_one.attendee_count), (4, 17));
    assert!(after_one.last_polled_at.is_some());
    let after_two = servers
        .record_poll(server.id, ok(), at, thresholds)
        .await
        .unwrap();
    assert_eq!(after_two.health, ServerHealth::Healthy);

    for expected_failures in 1..=2 {
        let polled = servers
            .record_poll(server.id, failed(), at, thresholds)
            .await
            .unwrap();
        assert_eq!(polled.consecutive_failures, expected_failures);
        assert_eq!(polled.consecutive_successes, 0);
        assert_eq!(polled.health, ServerHealth::Healthy);
        assert_eq!(
            polled.last_poll_error.as_deref(),
            Some("connection refused")
        );
    }
    let down = servers
        .record_poll(server.id, failed(), at, thresholds)
        .await
        .unwrap();
    assert_eq!(down.health, ServerHealth::Unhealthy);
    let recovering = servers
        .record_poll(server.id, ok(), at, thresholds)
        .await
        .unwrap();
    assert_eq!(recovering.health, ServerHealth::Unhealthy);
    assert_eq!(recovering.consecutive_failures, 0);
    assert_eq!(recovering.last_poll_error, None);
    assert!(matches!(
        servers.record_poll(999_999, ok(), at, thresholds).await,
        Err(store::StoreError::NotFound { .. })
    ));
}

fn full_settings() -> MeetingSettings {
    MeetingSettings {
        name: "Weekly sync".into(),
        welcome_message: "Welcome!".into(),
        moderator_message: "You moderate.".into(),
        conference_pin: Some("0123456789".into()),
        record: true,
        auto_start_recording: true,
        allow_start_stop_recording: false,
        webcams_only_for_moderator: true,
        mute_on_start: true,
        allow_mods_to_unmute_users: true,
        enable_cam: false,
        enable_mic: false,
        enable_private_chat: false,
        enable_public_chat: false,
        enable_note: false,
        max_participants: Some(25),
        duration: Some(90),
    }
}

#[tokio::test]
async fn meetings_round_trip_every_field() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let meetings = db.store().meetings();
    let meeting = meetings
        .create(NewMeeting {
            group_id: f.group.id,
            owner_id: Some(f.user.id),
            settings: full_settings(),
        })
        .await
        .unwrap();
    assert_eq!(MeetingSettings::from(&meeting), full_settings());
    assert_eq!(meeting.owner_id, Some(f.user.id));
    assert_eq!(meetings.get(meeting.id).await.unwrap(), meeting);
    assert_eq!(
        meetings.find_by_guid(meeting.guid).await.unwrap(),
        Some(meeting.clone())
    );
    assert_eq!(
        meetings.find_by_conference_pin("0123456789").await.unwrap(),
        Some(meeting.clone())
    );

    // Defaults are the original's.
    let plain = meetings
        .create(NewMeeting {
            group_id: f.group.id,
            owner_id: None,
            settings: MeetingSettings::new("Plain"),
        })
        .await
        .unwrap();
    assert!(plain.allow_start_stop_recording && plain.enable_cam && plain.enable_note);
    assert!(!plain.record && !plain.mute_on_start);
    assert_ne!(plain.guid, meeting.guid);

    let mut settings = MeetingSettings::from(&plain);
    settings.name = "Renamed".into();
    settings.duration = Some(30);
    let updated = meetings.update(plain.id, settings).await.unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.duration),
        ("Renamed", Some(30))
    );
    assert!(updated.updated_at >= plain.updated_at);
    assert_eq!(
        meetings
            .set_conference_pin(plain.id, Some("42"))
            .await
            .unwrap()
            .conference_pin
            .as_deref(),
        Some("42")
    );
    assert_eq!(
        meetings
            .set_conference_pin(plain.id, None)
            .await
            .unwrap()
            .conference_pin,
        None
    );
    assert_eq!(
        meetings
            .get_many(&[plain.id, meeting.id])
            .await
            .unwrap()
            .len(),
        2
    );
}

/// A list of some columns reads each of them as the whole row has it, with the keys (id,
/// group, owner) always, and pages as the whole list does.
#[tokio::test]
async fn meeting_lists_of_some_columns_read_them_as_stored() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let meetings = db.store().meetings();
    for settings in [full_settings(), MeetingSettings::new("Plain")] {
        meetings
            .create(NewMeeting {
                group_id: f.group.id,
                owner_id: Some(f.user.id),
                settings,
            })
            .await
            .unwrap();
    }
    let filter = MeetingFilter::default();
    let whole = meetings
        .list(&filter, PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(whole.len(), 2);
    for column in meeting::Column::iter() {
        let columns = MeetingColumns::KEYS.with(column);
        let listed = meetings
            .list_columns(&filter, PageRequest::first(10), columns)
            .await
            .unwrap()
            .items;
        assert_eq!(listed.len(), whole.len(), "{column:?}");
        for (listed, whole) in listed.iter().zip(&whole) {
            for read in columns.iter() {
                assert_eq!(listed.get(read), whole.get(read), "{read:?} of {column:?}");
            }
        }
    }
    let first = meetings
        .list_columns(
            &filter,
            PageRequest::first(1),
            MeetingColumns::KEYS.with(meeting::Column::Name),
        )
        .await
        .unwrap();
    assert!(first.has_next_page);
    assert_eq!(
        (first.items[0].id, first.items[0].name.as_str()),
        (whole[0].id, whole[0].name.as_str())
    );
    let all = meetings
        .list_columns(&filter, PageRequest::first(10), MeetingColumns::ALL)
        .await
        .unwrap();
    assert_eq!(all.items, whole);
}

#[tokio::test]
async fn meeting_lists_filter_and_paginate() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let other_group = store.groups().create(f.site.id, "other").await.unwrap();
    let bob = store
        .users()
        .create(NewUser::new(f.site.id, "bob"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..7 {
        let meeting = store
            .meetings()
            .create(NewMeeting {
                group_id: if i < 5 { f.group.id } else { other_group.id },
                owner_id: Some(if i % 2 == 0 { f.user.id } else { bob.id }),
                settings: MeetingSettings::new(if i == 3 {
                    "Big 100%_Party".to_owned()
                } else {
                    format!("Meeting {i}")
                }),
            })
            .await
            .unwrap();
        ids.push(meeting.id);
    }

    // Pages of 3 over the whole site, following the cursor.
    let site_filter = MeetingFilter {
        site_id: Some(f.site.id),
        ..MeetingFilter::default()
    };
    let mut seen = Vec::new();
    let mut request = PageRequest::first(3);
    loop {
        let page = store.meetings().list(&site_filter, request).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|m| m.id));
        if !page.has_next_page {
            break;
        }
        request = PageRequest::after(page.items.last().unwrap().id, 3);
    }
    assert_eq!(seen, ids);

    let list = |filter: MeetingFilter| async move {
        store
            .meetings()
            .list(&filter, PageRequest::first(100))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(MeetingFilter {
            group_id: Some(other_group.id),
            ..MeetingFilter::default()
        })
        .await,
        ids[5..]
    );
    assert_eq!(
        list(MeetingFilter {
            owner_id: Some(bob.id),
            ..MeetingFilter::default()
        })
        .await,
        vec![ids[1], ids[3], ids[5]]
    );
    // Case-insensitive, and the needle's `%` and `_` are literal.
    assert_eq!(
        list(MeetingFilter {
            name_contains: Some("100%_p".into()),
            ..MeetingFilter::default()
        })
        .await,
        vec![ids[3]]
    );
    assert_eq!(
        list(MeetingFilter {
            name_contains: Some("%".into()),
            ..MeetingFilter::default()
        })
        .await,
        vec![ids[3]]
    );
    // Accessible: owned, or any grant.
    store
        .meeting_grants()
        .grant(ids[0], bob.id, MeetingPermission::JoinAsAttendee)
        .await
        .unwrap();
    assert_eq!(
        list(MeetingFilter {
            accessible_by: Some(bob.id),
            group_id: Some(f.group.id),
            ..MeetingFilter::default()
        })
        .await,
        vec![ids[0], ids[1], ids[3]]
    );
    let other_site = store
        .sites()
        .create(NewSite {
            domain: "other.example".into(),
            name: "Other".into(),
        })
        .await
        .unwrap();
    assert!(
        list(MeetingFilter {
            site_id: Some(other_site.id),
            ..MeetingFilter::default()
        })
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn meeting_grants_round_trip_and_batch_load() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let group_id = f.group.id;
    let create = |name: &'static str| async move {
        store
            .meetings()
            .create(NewMeeting {
                group_id,
                owner_id: None,
                settings: MeetingSettings::new(name),
            })
            .await
    };
    let first = create("first").await.unwrap();
    let second = create("second").await.unwrap();
    let third = create("third").await.unwrap();
    let grants = store.meeting_grants();
    for permission in [
        MeetingPermission::JoinAsAttendee,
        MeetingPermission::JoinAsModerator,
        MeetingPermission::GrantAttendee,
        MeetingPermission::GrantModerator,
        MeetingPermission::EnforceConferencePin,
        MeetingPermission::AddUrls,
    ] {
        assert!(grants.grant(first.id, f.user.id, permission).await.unwrap());
    }
    assert!(
        !grants
            .grant(first.id, f.user.id, MeetingPermission::AddUrls)
            .await
            .unwrap()
    );
    assert!(
        grants
            .grant(second.id, f.user.id, MeetingPermission::JoinAsAttendee)
            .await
            .unwrap()
    );
    assert_eq!(grants.list(first.id).await.unwrap().len(), 6);
    assert_eq!(
        grants.permissions(second.id, f.user.id).await.unwrap(),
        vec![MeetingPermission::JoinAsAttendee]
    );
    assert_eq!(grants.of_user(f.user.id).await.unwrap().len(), 7);

    let batch = grants
        .for_meetings(&[first.id, second.id, third.id])
        .await
        .unwrap();
    assert_eq!(batch[&first.id].len(), 6);
    assert_eq!(batch[&second.id].len(), 1);
    assert!(!batch.contains_key(&third.id));

    assert!(
        grants
            .revoke(first.id, f.user.id, MeetingPermission::AddUrls)
            .await
            .unwrap()
    );
    assert!(
        !grants
            .revoke(first.id, f.user.id, MeetingPermission::AddUrls)
            .await
            .unwrap()
    );
    assert_eq!(grants.list(first.id).await.unwrap().len(), 5);
}

#[tokio::test]
async fn meeting_urls_round_trip() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let meeting = store
        .meetings()
        .create(NewMeeting {
            group_id: f.group.id,
            owner_id: None,
            settings: MeetingSettings::new("With URL"),
        })
        .await
        .unwrap();
    let urls = store.meeting_urls();
    let url = urls
        .add(NewMeetingUrl {
            site_id: f.site.id,
            meeting_id: meeting.id,
            slug: "team-sync".into(),
            allow_guests: true,
        })
        .await
        .unwrap();
    assert!(url.allow_guests);
    assert_eq!(urls.get(url.id).await.unwrap(), url);
    assert_eq!(
        urls.find_by_slug(f.site.id, "team-sync").await.unwrap(),
        Some(url.clone())
    );
    assert_eq!(urls.list(meeting.id).await.unwrap(), vec![url.clone()]);
    assert!(
        !urls
            .set_allow_guests(url.id, false)
            .await
            .unwrap()
            .allow_guests
    );
    urls.remove(url.id).await.unwrap();
    assert_eq!(
        urls.find_by_slug(f.site.id, "team-sync").await.unwrap(),
        None
    );
    assert!(matches!(
        urls.remove(url.id).await,
        Err(store::StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn api_tokens_round_trip_rotate_and_expose_secrets_once() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let tokens = db.store().tokens();
    let created = tokens
        .create(NewApiToken {
            scope: TokenScope::User,
            user_id: Some(f.user.id),
            max_meetings: Some(5),
            max_attendees: Some(100),
            ..NewApiToken::new("moodle", f.group.id)
        })
        .await
        .unwrap();
    let token = created.token.clone();
    assert!(created.secret.expose().len() >= 40);
    assert!(
        created
            .secret
            .expose()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
    );
    assert_eq!(tokens.get(token.id).await.unwrap(), token);
    assert_eq!(
        tokens.find_by_guid(token.guid).await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        tokens.find_by_name("moodle").await.unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        tokens.list_for_user(f.user.id).await.unwrap(),
        vec![token.clone()]
    );
    assert_eq!(
        tokens.list_for_group(f.group.id).await.unwrap(),
        vec![token.clone()]
    );
    assert_eq!(
        tokens.list_for_site(f.site.id).await.unwrap(),
        vec![token.clone()]
    );

    let secrets = tokens.secrets(token.id).await.unwrap();
    assert_eq!(secrets.current, created.secret);
    assert!(secrets.previous.is_none());

    // Rotation: the new secret is primary, the old one still accepted until finished.
    let rotated = tokens.rotate(token.id, None).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    let secrets = tokens.secrets(token.id).await.unwrap();
    assert_eq!(secrets.current, rotated.secret);
    assert_eq!(secrets.previous.as_ref(), Some(&created.secret));
    assert_eq!(secrets.all().count(), 2);
    let site_tokens = tokens.with_secrets_for_site(f.site.id).await.unwrap();
    assert_eq!(site_tokens.len(), 1);
    assert_eq!(site_tokens[0].1.current, rotated.secret);
    let finished = tokens.finish_rotation(token.id).await.unwrap();
    assert!(finished.previous_secret_ciphertext.is_none());
    assert!(tokens.secrets(token.id).await.unwrap().previous.is_none());

    // A rotation with a grace period that is already over accepts only the new secret.
    let expired = tokens
        .rotate(token.id, Some(chrono::Duration::seconds(-1)))
        .await
        .unwrap();
    let secrets = tokens.secrets(token.id).await.unwrap();
    assert_eq!(secrets.current, expired.secret);
    assert!(secrets.previous.is_none());

    assert!(tokens.get(token.id).await.unwrap().last_used_at.is_none());
    tokens.touch(token.id).await.unwrap();
    assert!(tokens.get(token.id).await.unwrap().last_used_at.is_some());

    let changed = tokens
        .update(
            token.id,
            store::TokenChanges {
                scope: Some(TokenScope::Global),
                user_id: Some(None),
                max_meetings: Some(None),
                ..store::TokenChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.scope, TokenScope::Global);
    assert_eq!((changed.user_id, changed.max_meetings), (None, None));

    // An adopted secret (from an existing integration) is kept as given.
    let adopted = tokens
        .create(NewApiToken {
            secret: Some(Secret::new("existing-integration-secret")),
            ..NewApiToken::new("legacy", f.group.id)
        })
        .await
        .unwrap();
    assert_eq!(
        tokens
            .secrets(adopted.token.id)
            .await
            .unwrap()
            .current
            .expose(),
        "existing-integration-secret"
    );

    tokens.delete(token.id).await.unwrap();
    assert!(matches!(
        tokens.get(token.id).await,
        Err(store::StoreError::NotFound {
            entity: "API token"
        })
    ));
}

#[tokio::test]
async fn placements_round_trip() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let bbb1 = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let token = store
        .tokens()
        .create(NewApiToken {
            scope: TokenScope::User,
            user_id: Some(f.user.id),
            ..NewApiToken::new("lms", f.group.id)
        })
        .await
        .unwrap()
        .token;
    let namespace = token.guid.to_string();
    let new = || NewPlacement {
        group_id: f.group.id,
        server_id: bbb1.id,
        namespace: namespace.clone(),
        client_meeting_id: "course-101".into(),
        bbb_meeting_id: "b-course-101".into(),
        token_id: Some(token.id),
        meeting_id: None,
    };
    let placements = store.placements();
    let (placement, created) = placements.create_or_get(new()).await.unwrap();
    assert!(created);
    let (again, created_again) = placements.create_or_get(new()).await.unwrap();
    assert!(!created_again);
    assert_eq!(again, placement);
    assert_eq!(placements.get(placement.id).await.unwrap(), placement);
    assert_eq!(
        placements
            .find_live(f.group.id, &namespace, "course-101")
            .await
            .unwrap(),
        Some(placement.clone())
    );
    // Another namespace does not see it.
    assert_eq!(
        placements
            .find_live(f.group.id, "other-token", "course-101")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        placements
            .find_live_by_backend_id(bbb1.id, "b-course-101")
            .await
            .unwrap(),
        Some(placement.clone())
    );

    let with_info = placements
        .set_backend_info(placement.id, "internal-abc-123", 1_700_000_000_000)
        .await
        .unwrap();
    assert_eq!(with_info.create_time, Some(1_700_000_000_000));
    assert_eq!(
        placements
            .find_by_internal_id("internal-abc-123")
            .await
            .unwrap(),
        Some(with_info.clone())
    );

    for filter in [
        PlacementFilter {
            token_id: Some(token.id),
            ..PlacementFilter::default()
        },
        PlacementFilter {
            user_id: Some(f.user.id),
            ..PlacementFilter::default()
        },
        PlacementFilter {
            group_id: Some(f.group.id),
            live_only: true,
            ..PlacementFilter::default()
        },
    ] {
        assert_eq!(
            placements.list(&filter).await.unwrap(),
            vec![with_info.clone()]
        );
        assert_eq!(placements.count(&filter).await.unwrap(), 1);
    }

    assert!(placements.mark_ended(placement.id).await.unwrap());
    assert!(!placements.mark_ended(placement.id).await.unwrap());
    let live = PlacementFilter {
        live_only: true,
        ..PlacementFilter::default()
    };
    assert!(placements.list(&live).await.unwrap().is_empty());
    assert_eq!(
        placements
            .find_latest(f.group.id, &namespace, "course-101")
            .await
            .unwrap()
            .map(|p| p.id),
        Some(placement.id)
    );

    // Once ended, the same client meetingID may be created again.
    let (fresh, created) = placements.create_or_get(new()).await.unwrap();
    assert!(created);
    assert_ne!(fresh.id, placement.id);
    assert_eq!(
        placements
            .list(&PlacementFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
}
