//! 200 concurrent writers: no lost write, and no "database is locked" reaching a caller (on
//! SQLite: WAL, a busy timeout and write transactions that take the lock up front).

mod common;

use common::{fixture, new_server};
use store::{
    MeetingPermission, MeetingSettings, NewApiToken, NewMeeting, NewPlacement, NewUser, TestDb,
};
use tokio::task::JoinSet;

const WRITERS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_grants_and_tokens_all_land() {
    let db = TestDb::new().await;
    let store = db.store().clone();
    let f = fixture(&store).await;
    let meeting = store
        .meetings()
        .create(NewMeeting {
            group_id: f.group.id,
            owner_id: None,
            settings: MeetingSettings::new("busy"),
        })
        .await
        .unwrap();
    let mut users = Vec::new();
    for i in 0..WRITERS / 2 {
        users.push(
            store
                .users()
                .create(NewUser::new(f.site.id, format!("user{i}")))
                .await
                .unwrap(),
        );
    }

    let mut writers = JoinSet::new();
    for i in 0..WRITERS {
        let store = store.clone();
        let group_id = f.group.id;
        let meeting_id = meeting.id;
        let user_id = users[i % users.len()].id;
        writers.spawn(async move {
            if i % 2 == 0 {
                // Each grant written twice (another writer repeats it): one row, no error.
                let permission = if i % 4 == 0 {
                    MeetingPermission::JoinAsAttendee
                } else {
                    MeetingPermission::JoinAsModerator
                };
                store
                    .meeting_grants()
                    .grant(meeting_id, user_id, permission)
                    .await
                    .map(|_| ())
            } else {
                let created = store
                    .tokens()
                    .create(NewApiToken::new(format!("token{i}"), group_id))
                    .await?;
                // A read-modify-write transaction right after, to contend for the lock.
                store
                    .tokens()
                    .rotate(created.token.id, None)
                    .await
                    .map(|_| ())
            }
        });
    }
    while let Some(result) = writers.join_next().await {
        result
            .unwrap()
            .unwrap_or_else(|err| panic!("a writer failed: {err}"));
    }

    let grants = store.meeting_grants().list(meeting.id).await.unwrap();
    // Every distinct (user, permission) pair a writer granted is there, exactly once.
    let mut pairs: Vec<_> = grants.iter().map(|g| (g.user_id, g.permission)).collect();
    pairs.sort_by_key(|(user, permission)| (*user, *permission as u8));
    pairs.dedup();
    assert_eq!(pairs.len(), grants.len(), "no duplicate grant rows");
    let expected: std::collections::HashSet<_> = (0..WRITERS)
        .filter(|i| i % 2 == 0)
        .map(|i| {
            (
                users[i % users.len()].id,
                if i % 4 == 0 {
                    MeetingPermission::JoinAsAttendee
                } else {
                    MeetingPermission::JoinAsModerator
                },
            )
        })
        .collect();
    assert_eq!(grants.len(), expected.len());
    let tokens = store.tokens().list_for_group(f.group.id).await.unwrap();
    assert_eq!(tokens.len(), WRITERS / 2);
    for token in &tokens {
        let secrets = store.tokens().secrets(token.id).await.unwrap();
        assert!(
            secrets.previous.is_some(),
            "rotation of {} was lost",
            token.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_meeting_id_give_one_placement() {
    let db = TestDb::new().await;
    let store = db.store().clone();
    let f = fixture(&store).await;
    let server = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let mut creators = JoinSet::new();
    for _ in 0..50 {
        let store = store.clone();
        let (group_id, server_id) = (f.group.id, server.id);
        creators.spawn(async move {
            store
                .placements()
                .create_or_get(NewPlacement {
                    group_id,
                    server_id,
                    namespace: "token-a".into(),
                    client_meeting_id: "same".into(),
                    bbb_meeting_id: "backend-same".into(),
                    token_id: None,
                    meeting_id: None,
                })
                .await
        });
    }
    let mut ids = Vec::new();
    let mut created = 0;
    while let Some(result) = creators.join_next().await {
        let (placement, was_created) = result.unwrap().unwrap();
        ids.push(placement.id);
        created += usize::from(was_created);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every caller got the same placement");
    assert_eq!(created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_meeting_quota_holds_under_concurrent_creates() {
    const QUOTA: u32 = 5;
    /// The caller's refusal, or the store's own failure.
    #[derive(Debug)]
    enum Admission {
        Full { live: u64 },
        Store(store::StoreError),
    }
    impl From<store::StoreError> for Admission {
        fn from(error: store::StoreError) -> Self {
            Admission::Store(error)
        }
    }
    // The rule (service::permissions holds it): one more while fewer than QUOTA are live.
    let within_quota = |live: u64| {
        if live >= u64::from(QUOTA) {
            Err(Admission::Full { live })
        } else {
            Ok(())
        }
    };
    let db = TestDb::new().await;
    let store = db.store().clone();
    let f = fixture(&store).await;
    let server = store
        .servers()
        .add(new_server(f.group.id, "bbb1"))
        .await
        .unwrap();
    let token = store
        .tokens()
        .create(NewApiToken::new("limited", f.group.id))
        .await
        .unwrap()
        .token;
    let new = |room: &str| NewPlacement {
        group_id: f.group.id,
        server_id: server.id,
        namespace: "token-limited".into(),
        client_meeting_id: room.to_owned(),
        bbb_meeting_id: format!("backend-{room}"),
        token_id: Some(token.id),
        meeting_id: None,
    };
    let mut creators = JoinSet::new();
    for n in 0..20 {
        let (store, new) = (store.clone(), new(&format!("room-{n}")));
        creators.spawn(async move {
            store
                .placements()
                .create_or_get_counted(new, within_quota)
                .await
        });
    }
    let (mut created, mut refused) = (Vec::new(), 0);
    while let Some(result) = creators.join_next().await {
        match result.unwrap() {
            Ok((placement, true)) => created.push(placement),
            Ok((_, false)) => panic!("every room was new"),
            Err(Admission::Full { live }) => {
                assert_eq!(live, u64::from(QUOTA));
                refused += 1;
            }
            Err(Admission::Store(error)) => panic!("{error}"),
        }
    }
    assert_eq!(
        (created.len(), refused),
        (QUOTA as usize, 20 - QUOTA as usize)
    );

    // A live meeting is found again whatever the quota; an ended one frees its seat.
    let again = created[0].client_meeting_id.clone();
    let (found, was_created) = store
        .placements()
        .create_or_get_counted(new(&again), within_quota)
        .await
        .unwrap();
    assert_eq!((found.id, was_created), (created[0].id, false));
    assert!(matches!(
        store
            .placements()
            .create_or_get_counted(new("one-more"), within_quota)
            .await,
        Err(Admission::Full { .. })
    ));
    store.placements().mark_ended(created[1].id).await.unwrap();
    let (_, was_created) = store
        .placements()
        .create_or_get_counted(new("one-more"), within_quota)
        .await
        .unwrap();
    assert!(was_created);
}
