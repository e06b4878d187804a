use service::meetings::{self, MeetingChanges, MeetingListFilter};
use service::permissions::JoinRole;
use store::{
    GroupPermission, MeetingFilter, MeetingPermission, MeetingSettings, NewMeetingUrl, PageRequest,
};

use crate::fixture::*;

async fn meeting_count(world: &World) -> usize {
    world
        .store()
        .meetings()
        .list(&MeetingFilter::default(), PageRequest::first(500))
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn creating_meetings_needs_add_meetings_or_staff() {
    let world = World::new().await;
    let store = world.store();
    world
        .grant_group(&world.alice, GroupPermission::AddMeetings)
        .await;
    // Other group permissions do not help.
    world
        .grant_group(&world.bob, GroupPermission::AddServers)
        .await;
    world
        .grant_group(&world.bob, GroupPermission::AddApiTokens)
        .await;

    for creator in [&world.alice, &world.staff, &world.superuser] {
        let created = meetings::create(
            store,
            &world.as_user(creator),
            world.group.id,
            MeetingSettings::new("Standup"),
        )
        .await
        .unwrap();
        assert_eq!(created.meeting.owner_id, Some(creator.id));
        assert!(created.permissions.is_owner());
        assert_eq!(
            created.permissions.best_join_role(),
            Some(JoinRole::Moderator)
        );
    }

    let before = meeting_count(&world).await;
    let settings = || MeetingSettings::new("Nope");
    assert_forbidden(
        meetings::create(
            store,
            &world.as_user(&world.bob),
            world.group.id,
            settings(),
        )
        .await,
    );
    assert_forbidden(
        meetings::create(
            store,
            &world.as_user(&world.owner),
            world.group.id,
            settings(),
        )
        .await,
    );
    assert_unauthenticated(
        meetings::create(store, &world.anonymous(), world.group.id, settings()).await,
    );
    // A group of another site does not exist for anybody here, superusers included.
    assert_not_found(
        meetings::create(
            store,
            &world.as_user(&world.superuser),
            world.other_group.id,
            settings(),
        )
        .await,
    );
    assert_not_found(
        meetings::create(
            store,
            &world.as_user(&world.other_superuser),
            world.group.id,
            settings(),
        )
        .await,
    );
    assert_not_found(
        meetings::create(store, &world.as_user(&world.superuser), 999_999, settings()).await,
    );
    assert_eq!(meeting_count(&world).await, before, "a denied create wrote");
}

#[tokio::test]
async fn create_validates_settings() {
    let world = World::new().await;
    let actor = world.as_user(&world.staff);
    let store = world.store();
    let with_pin = |pin: &str| MeetingSettings {
        conference_pin: Some(pin.to_owned()),
        ..MeetingSettings::new("PIN")
    };
    assert_bad_input(
        meetings::create(store, &actor, world.group.id, with_pin("12ab")).await,
        "conference PIN",
    );
    assert_bad_input(
        meetings::create(store, &actor, world.group.id, with_pin("12345678901")).await,
        "conference PIN",
    );
    assert_bad_input(
        meetings::create(store, &actor, world.group.id, MeetingSettings::new("  ")).await,
        "name",
    );
    let negative = MeetingSettings {
        max_participants: Some(0),
        ..MeetingSettings::new("Zero")
    };
    assert_bad_input(
        meetings::create(store, &actor, world.group.id, negative).await,
        "max_participants",
    );
    let created = meetings::create(store, &actor, world.group.id, with_pin("0123456789"))
        .await
        .unwrap();
    assert_eq!(
        created.meeting.conference_pin.as_deref(),
        Some("0123456789")
    );
}

#[tokio::test]
async fn only_the_owner_and_superusers_update_and_delete() {
    let world = World::new().await;
    let store = world.store();
    for permission in service::permissions::MEETING_PERMISSIONS {
        world.grant(&world.alice, permission).await;
    }
    let rename = || MeetingChanges {
        name: Some("Renamed".to_owned()),
        mute_on_start: Some(true),
        max_participants: Some(Some(25)),
        ..MeetingChanges::default()
    };
    let original = world.meeting_now().await;
    for denied in [&world.alice, &world.staff, &world.bob] {
        assert_forbidden(
            meetings::update(store, &world.as_user(denied), world.meeting.id, rename()).await,
        );
        assert_forbidden(meetings::delete(store, &world.as_user(denied), world.meeting.id).await);
    }
    assert_unauthenticated(
        meetings::update(store, &world.anonymous(), world.meeting.id, rename()).await,
    );
    assert_unauthenticated(meetings::delete(store, &world.anonymous(), world.meeting.id).await);
    assert_not_found(
        meetings::update(
            store,
            &world.as_user(&world.other_superuser),
            world.meeting.id,
            rename(),
        )
        .await,
    );
    assert_not_found(
        meetings::delete(
            store,
            &world.as_user(&world.other_superuser),
            world.meeting.id,
        )
        .await,
    );
    assert_eq!(
        world.meeting_now().await,
        original,
        "a denied call changed the meeting"
    );

    let updated = meetings::update(
        store,
        &world.as_user(&world.owner),
        world.meeting.id,
        rename(),
    )
    .await
    .unwrap()
    .meeting;
    assert_eq!(updated.name, "Renamed");
    assert!(updated.mute_on_start);
    assert_eq!(updated.max_participants, Some(25));
    // Untouched settings keep their values.
    assert_eq!(updated.welcome_message, original.welcome_message);
    assert_eq!(updated.enable_cam, original.enable_cam);

    let unlimited = MeetingChanges {
        max_participants: Some(None),
        duration: Some(Some(90)),
        enable_note: Some(false),
        ..MeetingChanges::default()
    };
    let updated = meetings::update(
        store,
        &world.as_user(&world.superuser),
        world.meeting.id,
        unlimited,
    )
    .await
    .unwrap()
    .meeting;
    assert_eq!(updated.max_participants, None);
    assert_eq!(updated.duration, Some(90));
    assert!(!updated.enable_note);

    assert_bad_input(
        meetings::update(
            store,
            &world.as_user(&world.owner),
            world.meeting.id,
            MeetingChanges {
                duration: Some(Some(-5)),
                ..MeetingChanges::default()
            },
        )
        .await,
        "duration",
    );

    meetings::delete(store, &world.as_user(&world.owner), world.meeting.id)
        .await
        .unwrap();
    assert_not_found(meetings::get(store, &world.as_user(&world.owner), world.meeting.id).await);
}

#[tokio::test]
async fn meetings_are_visible_to_grantees_owner_staff_and_superusers() {
    let world = World::new().await;
    let store = world.store();
    world.grant(&world.alice, MeetingPermission::AddUrls).await;
    for viewer in [&world.owner, &world.alice, &world.staff, &world.superuser] {
        let visible = meetings::get(store, &world.as_user(viewer), world.meeting.id)
            .await
            .unwrap();
        assert_eq!(visible.meeting.id, world.meeting.id);
    }
    assert_forbidden(meetings::get(store, &world.as_user(&world.bob), world.meeting.id).await);
    assert_unauthenticated(meetings::get(store, &world.anonymous(), world.meeting.id).await);
    assert_not_found(
        meetings::get(
            store,
            &world.as_user(&world.other_superuser),
            world.meeting.id,
        )
        .await,
    );
    assert_not_found(
        meetings::get(
            store,
            &world.as_user(&world.superuser),
            world.other_meeting.id,
        )
        .await,
    );
    assert_not_found(meetings::get(store, &world.as_user(&world.owner), 999_999).await);
}

#[tokio::test]
async fn lists_hold_only_visible_meetings_and_page_by_cursor() {
    let world = World::new().await;
    let store = world.store();
    let staff = world.as_user(&world.staff);
    let mut created = vec![world.meeting.id];
    for name in ["Alpha", "Beta", "Gamma"] {
        let meeting = meetings::create(store, &staff, world.group.id, MeetingSettings::new(name))
            .await
            .unwrap();
        created.push(meeting.meeting.id);
    }
    store
        .meeting_grants()
        .grant(
            created[2],
            world.alice.id,
            MeetingPermission::JoinAsAttendee,
        )
        .await
        .unwrap();

    let ids = |page: store::Page<store::Meeting>| -> Vec<i64> {
        page.items.iter().map(|m| m.id).collect()
    };
    let all = MeetingListFilter::default();
    let first_page = PageRequest::first(100);
    assert_eq!(
        ids(meetings::list(store, &staff, all.clone(), first_page)
            .await
            .unwrap()),
        created,
        "staff see the whole site, not the other site's meeting"
    );
    assert_eq!(
        ids(
            meetings::list(store, &world.as_user(&world.alice), all.clone(), first_page)
                .await
                .unwrap()
        ),
        vec![created[2]]
    );
    assert_eq!(
        ids(
            meetings::list(store, &world.as_user(&world.owner), all.clone(), first_page)
                .await
                .unwrap()
        ),
        vec![world.meeting.id]
    );
    assert!(
        meetings::list(store, &world.as_user(&world.bob), all.clone(), first_page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        ids(meetings::list(
            store,
            &world.as_user(&world.other_superuser),
            all.clone(),
            first_page
        )
        .await
        .unwrap()),
        vec![world.other_meeting.id]
    );
    assert_unauthenticated(
        meetings::list(store, &world.anonymous(), all.clone(), first_page).await,
    );

    let page = meetings::list(store, &staff, all.clone(), PageRequest::first(2))
        .await
        .unwrap();
    assert!(page.has_next_page);
    assert_eq!(ids(page), created[..2].to_vec());
    let page = meetings::list(
        store,
        &staff,
        all.clone(),
        PageRequest::after(created[1], 2),
    )
    .await
    .unwrap();
    assert!(!page.has_next_page);
    assert_eq!(ids(page), created[2..].to_vec());

    let named = MeetingListFilter {
        name_contains: Some("AMM".to_owned()),
        ..MeetingListFilter::default()
    };
    assert_eq!(
        ids(meetings::list(store, &staff, named, first_page)
            .await
            .unwrap()),
        vec![created[3]]
    );
    let owned = MeetingListFilter {
        owned_only: true,
        ..MeetingListFilter::default()
    };
    assert_eq!(
        ids(meetings::list(store, &staff, owned, first_page)
            .await
            .unwrap()),
        created[1..].to_vec()
    );
}

#[tokio::test]
async fn urls_lead_guests_only_when_they_admit_guests() {
    let world = World::new().await;
    let store = world.store();
    for (slug, allow_guests) in [("open-room", true), ("closed-room", false)] {
        store
            .meeting_urls()
            .add(NewMeetingUrl {
                site_id: world.site.id,
                meeting_id: world.meeting.id,
                slug: slug.to_owned(),
                allow_guests,
            })
            .await
            .unwrap();
    }
    let through = meetings::get_by_url(store, &world.anonymous(), "open-room")
        .await
        .unwrap();
    assert_eq!(through.meeting.id, world.meeting.id);
    assert!(through.permissions.held().is_empty());
    assert!(
        meetings::get_by_url(store, &world.as_user(&world.bob), "open-room")
            .await
            .is_ok()
    );

    // A URL that leads the caller nowhere is as absent as a slug nobody took.
    assert_not_found(meetings::get_by_url(store, &world.anonymous(), "closed-room").await);
    assert_not_found(meetings::get_by_url(store, &world.as_user(&world.bob), "closed-room").await);
    world
        .grant(&world.bob, MeetingPermission::JoinAsAttendee)
        .await;
    let through = meetings::get_by_url(store, &world.as_user(&world.bob), "closed-room")
        .await
        .unwrap();
    assert_eq!(
        through.permissions.best_join_role(),
        Some(JoinRole::Attendee)
    );

    assert_not_found(meetings::get_by_url(store, &world.anonymous(), "no-such-room").await);
    // Slugs are per site: the other site does not see this one.
    let other_anonymous = service::Actor::anonymous(world.other_site.clone());
    assert_not_found(meetings::get_by_url(store, &other_anonymous, "open-room").await);
}

#[tokio::test]
async fn conference_pins_need_enforce_conference_pin_and_are_validated() {
    let world = World::new().await;
    let store = world.store();
    world
        .grant(&world.alice, MeetingPermission::EnforceConferencePin)
        .await;
    world
        .grant(&world.bob, MeetingPermission::JoinAsModerator)
        .await;
    world
        .grant(&world.bob, MeetingPermission::GrantModerator)
        .await;
    world.grant(&world.bob, MeetingPermission::AddUrls).await;

    for denied in [&world.bob, &world.staff] {
        assert_forbidden(
            meetings::set_conference_pin(
                store,
                &world.as_user(denied),
                world.meeting.id,
                Some("1234"),
            )
            .await,
        );
    }
    assert_unauthenticated(
        meetings::set_conference_pin(store, &world.anonymous(), world.meeting.id, Some("1234"))
            .await,
    );
    assert_not_found(
        meetings::set_conference_pin(
            store,
            &world.as_user(&world.other_superuser),
            world.meeting.id,
            Some("1234"),
        )
        .await,
    );
    assert_eq!(world.meeting_now().await.conference_pin, None);

    let alice = world.as_user(&world.alice);
    for bad in ["", "12 34", "abc", "12345678901", "+4930"] {
        assert_bad_input(
            meetings::set_conference_pin(store, &alice, world.meeting.id, Some(bad)).await,
            "conference PIN",
        );
    }
    let set = meetings::set_conference_pin(store, &alice, world.meeting.id, Some("4711"))
        .await
        .unwrap();
    assert_eq!(set.meeting.conference_pin.as_deref(), Some("4711"));

    // Unique across meetings.
    let second = meetings::create(
        store,
        &world.as_user(&world.staff),
        world.group.id,
        MeetingSettings::new("Second"),
    )
    .await
    .unwrap();
    assert_bad_input(
        meetings::set_conference_pin(
            store,
            &world.as_user(&world.staff),
            second.meeting.id,
            Some("4711"),
        )
        .await,
        "conference_pin",
    );

    let owner = world.as_user(&world.owner);
    let cleared = meetings::set_conference_pin(store, &owner, world.meeting.id, None)
        .await
        .unwrap();
    assert_eq!(cleared.meeting.conference_pin, None);
}

/// What one actor may see of the meeting: (details, attendees, conference PIN).
fn sight(permissions: &service::permissions::EffectivePermissions) -> (bool, bool, bool) {
    (
        permissions.can_see_details(),
        permissions.can_see_attendees(),
        permissions.can_see_conference_pin(),
    )
}

async fn seen_by(world: &World, user: &store::User) -> (bool, bool, bool) {
    let visible = meetings::get(world.store(), &world.as_user(user), world.meeting.id)
        .await
        .unwrap();
    sight(&visible.permissions)
}

#[tokio::test]
async fn attendees_and_the_pin_are_for_those_who_may_join() {
    let world = World::new().await;
    let store = world.store();
    store
        .meeting_urls()
        .add(NewMeetingUrl {
            site_id: world.site.id,
            meeting_id: world.meeting.id,
            slug: "open-room".to_owned(),
            allow_guests: true,
        })
        .await
        .unwrap();

    // Allowed: whoever may join, the owner, staff, superusers.
    for user in [&world.owner, &world.staff, &world.superuser] {
        assert_eq!(
            seen_by(&world, user).await,
            (true, true, true),
            "{}",
            user.username
        );
    }
    world
        .grant(&world.alice, MeetingPermission::JoinAsAttendee)
        .await;
    assert_eq!(seen_by(&world, &world.alice).await, (true, true, true));

    // Denied: permissions that show the meeting without letting one into it.
    world
        .grant(&world.bob, MeetingPermission::GrantModerator)
        .await;
    world.grant(&world.bob, MeetingPermission::AddUrls).await;
    assert_eq!(seen_by(&world, &world.bob).await, (true, false, false));
    // Whoever may set the PIN may read it, and still not watch who is in.
    world
        .grant(&world.bob, MeetingPermission::EnforceConferencePin)
        .await;
    assert_eq!(seen_by(&world, &world.bob).await, (true, false, true));

    // A guest through a guest URL, anonymous or signed in: name, welcome message and whether
    // it runs only.
    let dave = store
        .users()
        .create(store::NewUser::new(world.site.id, "dave"))
        .await
        .unwrap();
    for guest in [world.anonymous(), world.as_user(&dave)] {
        let through = meetings::get_by_url(store, &guest, "open-room")
            .await
            .unwrap();
        assert_eq!(sight(&through.permissions), (false, false, false));
    }
}
