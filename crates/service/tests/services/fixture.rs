//! A site with one user of each kind, a second site with its own superuser, a server group in
//! each, and one meeting owned by `owner`.

use service::{Actor, ServiceError};
use store::{
    GroupPermission, Meeting, MeetingPermission, MeetingSettings, NewMeeting, NewSite, NewUser,
    ServerGroup, Site, Store, TestDb, User,
};

pub struct World {
    pub db: TestDb,
    pub site: Site,
    pub other_site: Site,
    pub group: ServerGroup,
    pub other_group: ServerGroup,
    pub owner: User,
    pub alice: User,
    pub bob: User,
    pub staff: User,
    pub superuser: User,
    pub other_superuser: User,
    pub other_user: User,
    pub meeting: Meeting,
    pub other_meeting: Meeting,
}

async fn user(store: &Store, site: &Site, name: &str, staff: bool, superuser: bool) -> User {
    store
        .users()
        .create(NewUser {
            is_staff: staff,
            is_superuser: superuser,
            ..NewUser::new(site.id, name)
        })
        .await
        .unwrap()
}

impl World {
    pub async fn new() -> World {
        let db = TestDb::new().await;
        let store = db.store().clone();
        let site = store.sites().default_site().await.unwrap();
        let other_site = store
            .sites()
            .create(NewSite {
                domain: "other.example".to_owned(),
                name: "Other".to_owned(),
            })
            .await
            .unwrap();
        let group = store.groups().create(site.id, "main").await.unwrap();
        let other_group = store
            .groups()
            .create(other_site.id, "theirs")
            .await
            .unwrap();
        let owner = user(&store, &site, "owner", false, false).await;
        let alice = user(&store, &site, "alice", false, false).await;
        let bob = user(&store, &site, "bob", false, false).await;
        let staff = user(&store, &site, "staff", true, false).await;
        let superuser = user(&store, &site, "root", false, true).await;
        let other_superuser = user(&store, &other_site, "root", true, true).await;
        let other_user = user(&store, &other_site, "carol", false, false).await;
        let meeting = store
            .meetings()
            .create(NewMeeting {
                group_id: group.id,
                owner_id: Some(owner.id),
                settings: MeetingSettings::new("Weekly"),
            })
            .await
            .unwrap();
        let other_meeting = store
            .meetings()
            .create(NewMeeting {
                group_id: other_group.id,
                owner_id: Some(other_user.id),
                settings: MeetingSettings::new("Theirs"),
            })
            .await
            .unwrap();
        World {
            db,
            site,
            other_site,
            group,
            other_group,
            owner,
            alice,
            bob,
            staff,
            superuser,
            other_superuser,
            other_user,
            meeting,
            other_meeting,
        }
    }

    pub fn store(&self) -> &Store {
        self.db.store()
    }

    pub fn as_user(&self, user: &User) -> Actor {
        let site = if user.site_id == self.site.id {
            self.site.clone()
        } else {
            self.other_site.clone()
        };
        Actor::user(site, user.clone())
    }

    pub fn anonymous(&self) -> Actor {
        Actor::anonymous(self.site.clone())
    }

    pub async fn grant(&self, user: &User, permission: MeetingPermission) {
        self.store()
            .meeting_grants()
            .grant(self.meeting.id, user.id, permission)
            .await
            .unwrap();
    }

    pub async fn grant_group(&self, user: &User, permission: GroupPermission) {
        self.store()
            .groups()
            .grant(self.group.id, user.id, permission)
            .await
            .unwrap();
    }

    /// The stored meeting as it is now.
    pub async fn meeting_now(&self) -> Meeting {
        self.store().meetings().get(self.meeting.id).await.unwrap()
    }
}

#[track_caller]
pub fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, ServiceError>) {
    match result {
        Err(ServiceError::Forbidden(_)) => {}
        other => panic!("expected FORBIDDEN, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, ServiceError>) {
    match result {
        Err(ServiceError::NotFound(_)) => {}
        other => panic!("expected NOT_FOUND, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_unauthenticated<T: std::fmt::Debug>(result: Result<T, ServiceError>) {
    match result {
        Err(ServiceError::Unauthenticated) => {}
        other => panic!("expected UNAUTHENTICATED, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_bad_input<T: std::fmt::Debug>(result: Result<T, ServiceError>, mentions: &str) {
    match result {
        Err(ServiceError::BadInput(message) | ServiceError::BadField { message, .. }) => assert!(
            message.contains(mentions),
            "message {message:?} does not mention {mentions:?}"
        ),
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}
