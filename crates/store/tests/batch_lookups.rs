//! The batch lookups GraphQL DataLoaders use to load a whole batch in one query: what they
//! return, in which order, and that rows of meetings, users and sites not asked for stay out.

mod common;

use common::{fixture, new_server};
use store::{
    GroupPermission, LiveLocation, Meeting, MeetingPermission, MeetingSettings, NewApiToken,
    NewMeeting, NewMeetingUrl, NewPlacement, NewSite, NewUser, Page, PageRequest, Store, TestDb,
};

async fn meeting(store: &Store, group_id: i64, name: &str) -> Meeting {
    store
        .meetings()
        .create(NewMeeting {
            group_id,
            owner_id: None,
            settings: MeetingSettings::new(name),
        })
        .await
        .unwrap()
}

async fn other_site(store: &Store, domain: &str) -> store::Site {
    store
        .sites()
        .create(NewSite {
            domain: domain.into(),
            name: "Other".into(),
        })
        .await
        .unwrap()
}

fn ids<T>(rows: &[T], id: impl Fn(&T) -> i64) -> Vec<i64> {
    rows.iter().map(id).collect()
}

#[tokio::test]
async fn servers_by_id_in_id_order_skipping_missing_ones() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let other_group = store.groups().create(f.site.id, "other").await.unwrap();
    let servers = store.servers();
    let first = servers.add(new_server(f.group.id, "bbb1")).await.unwrap();
    let second = servers.add(new_server(f.group.id, "bbb2")).await.unwrap();
    let third = servers
        .add(new_server(other_group.id, "bbb3"))
        .await
        .unwrap();
    let removed = servers.add(new_server(f.group.id, "bbb4")).await.unwrap();
    servers.remove(removed.id).await.unwrap();

    let found = servers
        .get_many(&[third.id, removed.id, first.id, first.id])
        .await
        .unwrap();
    assert_eq!(found, vec![first.clone(), third.clone()]);
    assert!(!found.iter().any(|s| s.id == second.id));
    assert!(servers.get_many(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn groups_by_id_in_id_order_skipping_missing_ones() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let groups = store.groups();
    let second = groups.create(f.site.id, "second").await.unwrap();
    let third = groups.create(f.site.id, "third").await.unwrap();
    let deleted = groups.create(f.site.id, "deleted").await.unwrap();
    groups.delete(deleted.id).await.unwrap();

    let found = groups
        .get_many(&[third.id, deleted.id, f.group.id])
        .await
        .unwrap();
    assert_eq!(found, vec![f.group.clone(), third.clone()]);
    assert_eq!(
        ids(&groups.get_many(&[second.id]).await.unwrap(), |g| g.id),
        [second.id]
    );
    assert!(groups.get_many(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn groups_of_a_user_are_those_of_the_site_with_any_grant() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let groups = store.groups();
    let bob = store
        .users()
        .create(NewUser::new(f.site.id, "bob"))
        .await
        .unwrap();
    let second = groups.create(f.site.id, "second").await.unwrap();
    let third = groups.create(f.site.id, "third").await.unwrap();
    let elsewhere = other_site(store, "other.example").await;
    let foreign = groups.create(elsewhere.id, "foreign").await.unwrap();
    // Two permissions on one group still list it once.
    for permission in [GroupPermission::AddMeetings, GroupPermission::AddServers] {
        groups.grant(third.id, f.user.id, permission).await.unwrap();
    }
    groups
        .grant(f.group.id, f.user.id, GroupPermission::AddApiTokens)
        .await
        .unwrap();
    groups
        .grant(second.id, bob.id, GroupPermission::AddMeetings)
        .await
        .unwrap();
    groups
        .grant(foreign.id, f.user.id, GroupPermission::AddMeetings)
        .await
        .unwrap();

    let of_alice = groups.list_for_user(f.site.id, f.user.id).await.unwrap();
    assert_eq!(of_alice, vec![f.group.clone(), third.clone()]);
    assert_eq!(
        ids(
            &groups.list_for_user(f.site.id, bob.id).await.unwrap(),
            |g| g.id
        ),
        [second.id]
    );
    // The other site's group only shows when that site is asked.
    assert_eq!(
        ids(
            &groups.list_for_user(elsewhere.id, f.user.id).await.unwrap(),
            |g| g.id
        ),
        [foreign.id]
    );

    groups
        .revoke(f.group.id, f.user.id, GroupPermission::AddApiTokens)
        .await
        .unwrap();
    assert_eq!(
        ids(
            &groups.list_for_user(f.site.id, f.user.id).await.unwrap(),
            |g| g.id
        ),
        [third.id]
    );
}

#[tokio::test]
async fn urls_of_many_meetings_by_meeting() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let first = meeting(store, f.group.id, "first").await;
    let second = meeting(store, f.group.id, "second").await;
    let without_urls = meeting(store, f.group.id, "without URLs").await;
    let not_asked = meeting(store, f.group.id, "not asked").await;
    let urls = store.meeting_urls();
    let add = |meeting_id: i64, slug: &'static str| async move {
        store
            .meeting_urls()
            .add(NewMeetingUrl {
                site_id: f.site.id,
                meeting_id,
                slug: slug.into(),
                allow_guests: false,
            })
            .await
            .unwrap()
    };
    let first_a = add(first.id, "first-a").await;
    let second_a = add(second.id, "second-a").await;
    let not_asked_a = add(not_asked.id, "not-asked").await;
    let first_b = add(first.id, "first-b").await;

    let batch = urls
        .for_meetings(&[second.id, without_urls.id, first.id])
        .await
        .unwrap();
    assert_eq!(batch.len(), 2);
    assert_eq!(batch[&first.id], vec![first_a, first_b]);
    assert_eq!(batch[&second.id], vec![second_a]);
    assert!(!batch.contains_key(&without_urls.id));
    assert!(!batch.values().flatten().any(|u| u.id == not_asked_a.id));
    assert!(urls.for_meetings(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn one_users_permissions_on_many_meetings() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let bob = store
        .users()
        .create(NewUser::new(f.site.id, "bob"))
        .await
        .unwrap();
    let first = meeting(store, f.group.id, "first").await;
    let second = meeting(store, f.group.id, "second").await;
    let only_bob = meeting(store, f.group.id, "only bob").await;
    let not_asked = meeting(store, f.group.id, "not asked").await;
    let grants = store.meeting_grants();
    for (meeting_id, user_id, permission) in [
        (first.id, f.user.id, MeetingPermission::JoinAsModerator),
        (first.id, bob.id, MeetingPermission::JoinAsAttendee),
        (second.id, f.user.id, MeetingPermission::AddUrls),
        (first.id, f.user.id, MeetingPermission::GrantAttendee),
        (only_bob.id, bob.id, MeetingPermission::JoinAsModerator),
        (not_asked.id, f.user.id, MeetingPermission::JoinAsAttendee),
    ] {
        assert!(grants.grant(meeting_id, user_id, permission).await.unwrap());
    }

    let asked = [first.id, second.id, only_bob.id];
    let of_alice = grants
        .of_user_for_meetings(f.user.id, &asked)
        .await
        .unwrap();
    assert_eq!(of_alice.len(), 2);
    // Grant order, as `permissions` gives it, and none of bob's.
    assert_eq!(
        of_alice[&first.id],
        vec![
            MeetingPermission::JoinAsModerator,
            MeetingPermission::GrantAttendee
        ]
    );
    assert_eq!(
        of_alice[&first.id],
        grants.permissions(first.id, f.user.id).await.unwrap()
    );
    assert_eq!(of_alice[&second.id], vec![MeetingPermission::AddUrls]);
    assert!(!of_alice.contains_key(&only_bob.id));
    assert!(!of_alice.contains_key(&not_asked.id));

    let of_bob = grants.of_user_for_meetings(bob.id, &asked).await.unwrap();
    assert_eq!(of_bob.len(), 2);
    assert_eq!(of_bob[&first.id], vec![MeetingPermission::JoinAsAttendee]);
    assert_eq!(
        of_bob[&only_bob.id],
        vec![MeetingPermission::JoinAsModerator]
    );
    assert!(
        grants
            .of_user_for_meetings(f.user.id, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn placements_of_many_meetings_oldest_first() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let server = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let first = meeting(store, f.group.id, "first").await;
    let second = meeting(store, f.group.id, "second").await;
    let not_asked = meeting(store, f.group.id, "not asked").await;
    let placements = store.placements();
    let place = |client_id: &'static str, meeting_id: Option<i64>| async move {
        store
            .placements()
            .create_or_get(NewPlacement {
                group_id: f.group.id,
                server_id: server.id,
                namespace: "ns".into(),
                client_meeting_id: client_id.into(),
                bbb_meeting_id: format!("bbb-{client_id}"),
                token_id: None,
                meeting_id,
            })
            .await
            .unwrap()
            .0
    };
    let first_ended = place("first-old", Some(first.id)).await;
    placements.mark_ended(first_ended.id).await.unwrap();
    let second_live = place("second", Some(second.id)).await;
    let first_live = place("first", Some(first.id)).await;
    let not_asked_live = place("not-asked", Some(not_asked.id)).await;
    let unlinked = place("unlinked", None).await;

    let asked = [second.id, first.id];
    let every = placements.for_meetings(&asked, false).await.unwrap();
    assert_eq!(
        ids(&every, |p| p.id),
        [first_ended.id, second_live.id, first_live.id]
    );
    assert!(
        !every
            .iter()
            .any(|p| p.id == not_asked_live.id || p.id == unlinked.id)
    );
    let live = placements.for_meetings(&asked, true).await.unwrap();
    assert_eq!(ids(&live, |p| p.id), [second_live.id, first_live.id]);
    assert!(live.iter().all(|p| p.ended_at.is_none()));
    assert!(
        placements
            .for_meetings(&[], false)
            .await
            .unwrap()
            .is_empty()
    );

    // Where the asked meetings run now: the live placements' server and backend meetingID.
    let locations = placements.live_locations(&asked).await.unwrap();
    let expected: Vec<LiveLocation> = live
        .iter()
        .map(|p| LiveLocation {
            meeting_id: p.meeting_id.unwrap(),
            server_id: p.server_id,
            bbb_meeting_id: p.bbb_meeting_id.clone(),
        })
        .collect();
    assert_eq!(locations, expected);
    assert_eq!(locations[1].bbb_meeting_id, "bbb-first");
    assert!(placements.live_locations(&[]).await.unwrap().is_empty());
}

fn all_pages_ids(pages: &[Page<store::ApiToken>]) -> Vec<i64> {
    pages
        .iter()
        .flat_map(|page| page.items.iter().map(|t| t.id))
        .collect()
}

#[tokio::test]
async fn token_pages_of_a_site_and_of_a_user_follow_the_cursor() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    let bob = store
        .users()
        .create(NewUser::new(f.site.id, "bob"))
        .await
        .unwrap();
    let second_group = store.groups().create(f.site.id, "second").await.unwrap();
    let elsewhere = other_site(store, "other.example").await;
    let foreign_group = store
        .groups()
        .create(elsewhere.id, "foreign")
        .await
        .unwrap();
    let tokens = store.tokens();
    let mut site_ids = Vec::new();
    let mut alice_ids = Vec::new();
    for i in 0..7 {
        let (group_id, user_id) = match i % 3 {
            0 => (f.group.id, Some(f.user.id)),
            1 => (second_group.id, Some(bob.id)),
            _ => (f.group.id, None),
        };
        let token = tokens
            .create(NewApiToken {
                user_id,
                ..NewApiToken::new(format!("token {i}"), group_id)
            })
            .await
            .unwrap()
            .token;
        site_ids.push(token.id);
        if user_id == Some(f.user.id) {
            alice_ids.push(token.id);
        }
        // Tokens of another site, interleaved, must never show.
        tokens
            .create(NewApiToken::new(format!("foreign {i}"), foreign_group.id))
            .await
            .unwrap();
    }

    let mut pages = Vec::new();
    let mut request = PageRequest::first(3);
    loop {
        let page = tokens.list_for_site_page(f.site.id, request).await.unwrap();
        let last = page.items.last().map(|t| t.id);
        let more = page.has_next_page;
        pages.push(page);
        if !more {
            break;
        }
        request = PageRequest::after(last.unwrap(), 3);
    }
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [3, 3, 1]
    );
    assert_eq!(all_pages_ids(&pages), site_ids);
    // The same tokens as the whole list, whole rows included.
    assert_eq!(
        pages.into_iter().flat_map(|p| p.items).collect::<Vec<_>>(),
        tokens.list_for_site(f.site.id).await.unwrap()
    );

    // Alice holds exactly three: a page of three has no next page, a page of two has.
    assert_eq!(alice_ids.len(), 3);
    let whole = tokens
        .list_for_user_page(f.user.id, PageRequest::first(3))
        .await
        .unwrap();
    assert_eq!(ids(&whole.items, |t| t.id), alice_ids);
    assert!(!whole.has_next_page);
    let head = tokens
        .list_for_user_page(f.user.id, PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(ids(&head.items, |t| t.id), alice_ids[..2]);
    assert!(head.has_next_page);
    let tail = tokens
        .list_for_user_page(f.user.id, PageRequest::after(alice_ids[1], 2))
        .await
        .unwrap();
    assert_eq!(ids(&tail.items, |t| t.id), alice_ids[2..]);
    assert!(!tail.has_next_page);
    assert!(
        tokens
            .list_for_user_page(f.user.id, PageRequest::after(alice_ids[2], 2))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        tokens
            .list_for_site_page(
                other_site(store, "empty.example").await.id,
                PageRequest::first(10)
            )
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// Empty batches answer without touching the database: with the pool closed they still
/// succeed, while a non-empty batch fails.
#[tokio::test]
async fn empty_batches_do_not_query() {
    let db = TestDb::new().await;
    let f = fixture(db.store()).await;
    let store = db.store();
    store.clone().close().await.unwrap();

    assert!(store.servers().get_many(&[]).await.unwrap().is_empty());
    assert!(store.groups().get_many(&[]).await.unwrap().is_empty());
    assert!(
        store
            .meeting_urls()
            .for_meetings(&[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .meeting_grants()
            .of_user_for_meetings(f.user.id, &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .placements()
            .for_meetings(&[], true)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.groups().get_many(&[f.group.id]).await.is_err());
}
