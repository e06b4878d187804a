//! The permission matrix through GraphQL: every kind of caller against every operation on
//! meetings, grants, URLs, PINs, server groups, servers and API tokens. Each case asserts the
//! data of an allowed call or the `extensions.code` of a denied one, and that a denied
//! mutation left the database exactly as it was.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

#[path = "common/mod.rs"]
#[allow(dead_code)] // each test binary uses its own part of the harness
mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use common::{TestApp, error_code};
use gateway::graphql::relay::encode_id;
use serde_json::{Value, json};
use store::{
    ApiToken, GroupPermission, Meeting, MeetingFilter, MeetingPermission, MeetingSettings,
    NewApiToken, NewMeeting, NewMeetingUrl, NewServer, NewSite, NewUser, PageRequest, Secret,
    Server, ServerGroup, ServerState, Site, Store, TokenScope, User,
};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Anonymous,
    Plain,
    Grantee(MeetingPermission),
    GroupGrantee(GroupPermission),
    Owner,
    Staff,
    Superuser,
    /// A superuser of another site, calling through that site's host name.
    OtherSiteSuperuser,
}

use Kind::*;
use MeetingPermission::*;

const MEETING_PERMISSIONS: [MeetingPermission; 6] = [
    JoinAsAttendee,
    JoinAsModerator,
    GrantAttendee,
    GrantModerator,
    EnforceConferencePin,
    AddUrls,
];

const GROUP_PERMISSIONS: [GroupPermission; 3] = [
    GroupPermission::AddMeetings,
    GroupPermission::AddServers,
    GroupPermission::AddApiTokens,
];

fn all_kinds() -> Vec<Kind> {
    let mut kinds = vec![Anonymous, Plain];
    kinds.extend(MEETING_PERMISSIONS.map(Grantee));
    kinds.extend(GROUP_PERMISSIONS.map(GroupGrantee));
    kinds.extend([Owner, Staff, Superuser, OtherSiteSuperuser]);
    kinds
}

const OTHER_HOST: &str = "other.example";

struct Scene {
    app: TestApp,
    other_site: Site,
    other_group: ServerGroup,
    plain: User,
    owner: User,
    staff: User,
    superuser: User,
    other_superuser: User,
    grantees: Vec<(MeetingPermission, User)>,
    group_grantees: Vec<(GroupPermission, User)>,
}

/// The objects one case acts on, fresh for every case so that allowed mutations of earlier
/// cases cannot change what later cases see.
struct Target {
    meeting: Meeting,
    closed_slug: String,
    guest_slug: String,
    closed_url_id: i64,
    token: ApiToken,
    /// A `user` scope token of the same owner: its secret acts as that user.
    user_token: ApiToken,
    server: Server,
    /// A user without any permission, to grant things to.
    grantee: User,
    /// Unique per case, for names, slugs and PINs.
    tag: String,
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

impl Scene {
    async fn new() -> Scene {
        let app = TestApp::spawn().await;
        let store = app.state.store.clone();
        let site = app.site.clone();
        let other_site = store
            .sites()
            .create(NewSite {
                domain: OTHER_HOST.to_owned(),
                name: "Other".to_owned(),
            })
            .await
            .unwrap();
        let other_group = store
            .groups()
            .create(other_site.id, "theirs")
            .await
            .unwrap();
        let mut grantees = Vec::new();
        for (i, permission) in MEETING_PERMISSIONS.into_iter().enumerate() {
            grantees.push((
                permission,
                user(&store, &site, &format!("grantee{i}"), false, false).await,
            ));
        }
        let mut group_grantees = Vec::new();
        for (i, permission) in GROUP_PERMISSIONS.into_iter().enumerate() {
            let grantee = user(&store, &site, &format!("group-grantee{i}"), false, false).await;
            store
                .groups()
                .grant(app.group.id, grantee.id, permission)
                .await
                .unwrap();
            group_grantees.push((permission, grantee));
        }
        Scene {
            plain: user(&store, &site, "plain", false, false).await,
            owner: user(&store, &site, "owner", false, false).await,
            staff: user(&store, &site, "staff", true, false).await,
            superuser: user(&store, &site, "root", false, true).await,
            other_superuser: user(&store, &other_site, "root", true, true).await,
            other_site,
            other_group,
            grantees,
            group_grantees,
            app,
        }
    }

    fn store(&self) -> &Store {
        &self.app.state.store
    }

    fn user_of(&self, kind: Kind) -> Option<&User> {
        match kind {
            Anonymous => None,
            Plain => Some(&self.plain),
            Grantee(p) => self.grantees.iter().find(|(q, _)| *q == p).map(|(_, u)| u),
            GroupGrantee(p) => self
                .group_grantees
                .iter()
                .find(|(q, _)| *q == p)
                .map(|(_, u)| u),
            Owner => Some(&self.owner),
            Staff => Some(&self.staff),
            Superuser => Some(&self.superuser),
            OtherSiteSuperuser => Some(&self.other_superuser),
        }
    }

    async fn target(&self, case: usize) -> Target {
        let store = self.store();
        let tag = format!("case{case}");
        let meeting = store
            .meetings()
            .create(NewMeeting {
                group_id: self.app.group.id,
                owner_id: Some(self.owner.id),
                settings: MeetingSettings::new(format!("Meeting {tag}")),
            })
            .await
            .unwrap();
        for (permission, grantee) in &self.grantees {
            store
                .meeting_grants()
                .grant(meeting.id, grantee.id, *permission)
                .await
                .unwrap();
        }
        let url = |slug: String, allow_guests| NewMeetingUrl {
            site_id: self.app.site.id,
            meeting_id: meeting.id,
            slug,
            allow_guests,
        };
        let closed = store
            .meeting_urls()
            .add(url(format!("closed-{tag}"), false))
            .await
            .unwrap();
        let guest = store
            .meeting_urls()
            .add(url(format!("guest-{tag}"), true))
            .await
            .unwrap();
        let token_owner = self
            .user_of(GroupGrantee(GroupPermission::AddApiTokens))
            .unwrap();
        let token = store
            .tokens()
            .create(NewApiToken {
                user_id: Some(token_owner.id),
                ..NewApiToken::new(format!("token-{tag}"), self.app.group.id)
            })
            .await
            .unwrap()
            .token;
        // Mid-rotation, so that finishing the rotation has something to finish.
        let token = store.tokens().rotate(token.id, None).await.unwrap().token;
        let user_token = store
            .tokens()
            .create(NewApiToken {
                user_id: Some(token_owner.id),
                scope: TokenScope::User,
                ..NewApiToken::new(format!("user-token-{tag}"), self.app.group.id)
            })
            .await
            .unwrap()
            .token;
        let server = store
            .servers()
            .add(NewServer {
                group_id: self.app.group.id,
                name: format!("server-{tag}"),
                api_url: format!("https://{tag}.example.org/bigbluebutton/api/"),
                secret: Secret::new("shared-secret-0123456789"),
                weight: 1,
                state: ServerState::Enabled,
            })
            .await
            .unwrap();
        let grantee = user(
            store,
            &self.app.site,
            &format!("target-{tag}"),
            false,
            false,
        )
        .await;
        store
            .groups()
            .grant(self.app.group.id, grantee.id, GroupPermission::AddServers)
            .await
            .unwrap();
        Target {
            meeting,
            closed_slug: closed.slug,
            guest_slug: guest.slug,
            closed_url_id: closed.id,
            token,
            user_token,
            server,
            grantee,
            tag,
        }
    }

    /// Runs an operation as `kind`, through the host name of the caller's site.
    async fn call(&self, kind: Kind, query: &str, variables: Value) -> Value {
        let token = self.user_of(kind).map(|user| self.app.token_for(user));
        if kind != OtherSiteSuperuser {
            return self.app.graphql(query, variables, token.as_deref()).await;
        }
        let body = json!({ "query": query, "variables": variables }).to_string();
        let request = self
            .app
            .http
            .post(self.app.url("/graphql"))
            .header("host", OTHER_HOST)
            .header("content-type", "application/json")
            .bearer_auth(token.unwrap())
            .body(body);
        self.app.send(request).await.1
    }

    /// Everything a mutation could change, as text: equal snapshots mean nothing changed.
    async fn snapshot(&self) -> String {
        let store = self.store();
        let mut text = String::new();
        let meetings = store
            .meetings()
            .list(&MeetingFilter::default(), PageRequest::first(500))
            .await
            .unwrap()
            .items;
        let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
        let grants: BTreeMap<_, _> = store
            .meeting_grants()
            .for_meetings(&ids)
            .await
            .unwrap()
            .into_iter()
            .collect();
        let urls: BTreeMap<_, _> = service::batch::urls_by_meeting(store, &ids)
            .await
            .unwrap()
            .into_iter()
            .collect();
        writeln!(text, "{meetings:?}\n{grants:?}\n{urls:?}").unwrap();
        for site in [&self.app.site, &self.other_site] {
            for group in store.groups().list(site.id).await.unwrap() {
                writeln!(text, "{group:?}").unwrap();
                writeln!(text, "{:?}", store.groups().grants(group.id).await.unwrap()).unwrap();
                writeln!(text, "{:?}", store.servers().list(group.id).await.unwrap()).unwrap();
            }
            // Rows include the secret hashes, so a rotation shows.
            writeln!(
                text,
                "{:?}",
                store.tokens().list_for_site(site.id).await.unwrap()
            )
            .unwrap();
        }
        text
    }
}

fn id(type_name: &str, database_id: i64) -> String {
    encode_id(type_name, database_id).0
}

/// One operation of the matrix: the request for a target and who may do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Meeting,
    Node,
    MeetingByClosedUrl,
    MeetingByGuestUrl,
    UpdateMeeting,
    DeleteMeeting,
    SetConferencePin,
    GrantAttendee,
    GrantModerator,
    GrantOwnerOnly,
    RevokeAttendee,
    RevokeModerator,
    AddMeetingUrl,
    RemoveMeetingUrl,
    CreateMeeting,
    CreateServerGroup,
    ServerGroup,
    GrantGroupPermission,
    RevokeGroupPermission,
    Servers,
    AddServer,
    UpdateServer,
    RemoveServer,
    CreateApiToken,
    CreateGlobalApiToken,
    RotateApiToken,
    RotateUserApiToken,
    FinishApiTokenRotation,
    DeleteApiToken,
}

const OPS: [Op; 29] = [
    Op::Meeting,
    Op::Node,
    Op::MeetingByClosedUrl,
    Op::MeetingByGuestUrl,
    Op::UpdateMeeting,
    Op::DeleteMeeting,
    Op::SetConferencePin,
    Op::GrantAttendee,
    Op::GrantModerator,
    Op::GrantOwnerOnly,
    Op::RevokeAttendee,
    Op::RevokeModerator,
    Op::AddMeetingUrl,
    Op::RemoveMeetingUrl,
    Op::CreateMeeting,
    Op::CreateServerGroup,
    Op::ServerGroup,
    Op::GrantGroupPermission,
    Op::RevokeGroupPermission,
    Op::Servers,
    Op::AddServer,
    Op::UpdateServer,
    Op::RemoveServer,
    Op::CreateApiToken,
    Op::CreateGlobalApiToken,
    Op::RotateApiToken,
    Op::RotateUserApiToken,
    Op::FinishApiTokenRotation,
    Op::DeleteApiToken,
];

const MEETING_VIEWERS: [Kind; 9] = [
    Grantee(JoinAsAttendee),
    Grantee(JoinAsModerator),
    Grantee(GrantAttendee),
    Grantee(GrantModerator),
    Grantee(EnforceConferencePin),
    Grantee(AddUrls),
    Owner,
    Staff,
    Superuser,
];

impl Op {
    fn is_mutation(self) -> bool {
        !matches!(
            self,
            Op::Meeting
                | Op::Node
                | Op::MeetingByClosedUrl
                | Op::MeetingByGuestUrl
                | Op::ServerGroup
                | Op::Servers
        )
    }

    /// Who may do it. Everybody else is denied: anonymous callers with UNAUTHENTICATED,
    /// callers of another site with NOT_FOUND, the rest with FORBIDDEN.
    fn allowed(self) -> Vec<Kind> {
        let group_staff = |p| vec![GroupGrantee(p), Staff, Superuser];
        match self {
            Op::Meeting | Op::Node | Op::MeetingByClosedUrl => MEETING_VIEWERS.to_vec(),
            Op::MeetingByGuestUrl => all_kinds()
                .into_iter()
                .filter(|kind| *kind != OtherSiteSuperuser)
                .collect(),
            Op::UpdateMeeting | Op::DeleteMeeting | Op::GrantOwnerOnly => {
                vec![Owner, Superuser]
            }
            Op::SetConferencePin => vec![Grantee(EnforceConferencePin), Owner, Superuser],
            Op::GrantAttendee | Op::RevokeAttendee => vec![
                Grantee(GrantAttendee),
                Grantee(GrantModerator),
                Owner,
                Superuser,
            ],
            Op::GrantModerator | Op::RevokeModerator => {
                vec![Grantee(GrantModerator), Owner, Superuser]
            }
            Op::AddMeetingUrl | Op::RemoveMeetingUrl => vec![Grantee(AddUrls), Owner, Superuser],
            Op::CreateMeeting => group_staff(GroupPermission::AddMeetings),
            // Staff of any site create groups in their own site.
            Op::CreateServerGroup => vec![Staff, Superuser, OtherSiteSuperuser],
            Op::ServerGroup => {
                let mut kinds = GROUP_PERMISSIONS.map(GroupGrantee).to_vec();
                kinds.extend([Staff, Superuser]);
                kinds
            }
            Op::GrantGroupPermission | Op::RevokeGroupPermission => vec![Superuser],
            Op::Servers | Op::AddServer | Op::UpdateServer | Op::RemoveServer => {
                group_staff(GroupPermission::AddServers)
            }
            Op::CreateApiToken | Op::FinishApiTokenRotation | Op::DeleteApiToken => {
                group_staff(GroupPermission::AddApiTokens)
            }
            // A global token joins and ends every meeting of the group: what only a superuser
            // can do through GraphQL.
            Op::CreateGlobalApiToken => vec![Superuser],
            // Rotating hands out the token's secret: its owner (who holds `add_apitokens`) or
            // a superuser, not staff.
            Op::RotateApiToken | Op::RotateUserApiToken => {
                vec![GroupGrantee(GroupPermission::AddApiTokens), Superuser]
            }
        }
    }

    fn request(self, scene: &Scene, target: &Target) -> (String, Value) {
        let meeting = id("Meeting", target.meeting.id);
        let group = id("ServerGroup", scene.app.group.id);
        let grantee = id("User", target.grantee.id);
        let tag = &target.tag;
        let (query, variables) = match self {
            Op::Meeting => (
                "query($id: ID!) { meeting(id: $id) { id name } }",
                json!({ "id": meeting }),
            ),
            Op::Node => (
                "query($id: ID!) { node(id: $id) { id ... on Meeting { name } } }",
                json!({ "id": meeting }),
            ),
            Op::MeetingByClosedUrl => (
                "query($slug: String!) { meetingByUrl(slug: $slug) { id } }",
                json!({ "slug": target.closed_slug }),
            ),
            Op::MeetingByGuestUrl => (
                "query($slug: String!) { meetingByUrl(slug: $slug) { id } }",
                json!({ "slug": target.guest_slug }),
            ),
            Op::UpdateMeeting => (
                "mutation($id: ID!) { updateMeeting(id: $id, input: { name: \"Renamed\", muteOnStart: true }) { name muteOnStart } }",
                json!({ "id": meeting }),
            ),
            Op::DeleteMeeting => (
                "mutation($id: ID!) { deleteMeeting(id: $id) }",
                json!({ "id": meeting }),
            ),
            Op::SetConferencePin => (
                "mutation($id: ID!, $pin: String) { setConferencePin(meetingId: $id, pin: $pin) { conferencePin } }",
                json!({ "id": meeting, "pin": format!("{}", 1000 + target.meeting.id) }),
            ),
            Op::GrantAttendee | Op::GrantModerator | Op::GrantOwnerOnly => (
                "mutation($m: ID!, $u: ID!, $p: MeetingPermission!) { grantMeetingPermission(meetingId: $m, user: { id: $u }, permission: $p) { changed } }",
                json!({ "m": meeting, "u": grantee, "p": match self {
                    Op::GrantAttendee => "JOIN_AS_ATTENDEE",
                    Op::GrantModerator => "JOIN_AS_MODERATOR",
                    _ => "ADD_URLS",
                } }),
            ),
            Op::RevokeAttendee | Op::RevokeModerator => (
                // The target grantee of a revoke is the existing grantee of that permission.
                "mutation($m: ID!, $u: String!, $p: MeetingPermission!) { revokeMeetingPermission(meetingId: $m, user: { username: $u }, permission: $p) { changed } }",
                {
                    let (permission, name) = match self {
                        Op::RevokeAttendee => (JoinAsAttendee, "JOIN_AS_ATTENDEE"),
                        _ => (JoinAsModerator, "JOIN_AS_MODERATOR"),
                    };
                    let holder = scene.user_of(Grantee(permission)).unwrap();
                    json!({ "m": meeting, "u": holder.username, "p": name })
                },
            ),
            Op::AddMeetingUrl => (
                "mutation($m: ID!, $slug: String!) { addMeetingUrl(meetingId: $m, slug: $slug, allowGuests: true) { slug allowGuests } }",
                json!({ "m": meeting, "slug": format!("added-{tag}") }),
            ),
            Op::RemoveMeetingUrl => (
                "mutation($id: ID!) { removeMeetingUrl(id: $id) }",
                json!({ "id": id("MeetingUrl", target.closed_url_id) }),
            ),
            Op::CreateMeeting => (
                "mutation($g: ID!, $name: String!) { createMeeting(input: { groupId: $g, name: $name, record: true }) { name record owner { id } } }",
                json!({ "g": group, "name": format!("Created {tag}") }),
            ),
            Op::CreateServerGroup => (
                "mutation($name: String!) { createServerGroup(name: $name) { name } }",
                json!({ "name": format!("group-{tag}") }),
            ),
            Op::ServerGroup => (
                "query($id: ID!) { serverGroup(id: $id) { name viewerPermissions } }",
                json!({ "id": group }),
            ),
            Op::GrantGroupPermission => (
                "mutation($g: ID!, $u: ID!) { grantGroupPermission(groupId: $g, user: { id: $u }, permission: ADD_MEETINGS) { changed } }",
                json!({ "g": group, "u": grantee }),
            ),
            Op::RevokeGroupPermission => (
                "mutation($g: ID!, $u: ID!) { revokeGroupPermission(groupId: $g, user: { id: $u }, permission: ADD_SERVERS) { changed } }",
                json!({ "g": group, "u": grantee }),
            ),
            Op::Servers => (
                "query($g: ID!) { servers(groupId: $g) { id name } }",
                json!({ "g": group }),
            ),
            Op::AddServer => (
                "mutation($g: ID!, $name: String!) { addServer(input: { groupId: $g, name: $name, apiUrl: \"https://new.example.org/bigbluebutton/api/\", secret: \"s3cret-0123456789\" }) { name weight state } }",
                json!({ "g": group, "name": format!("added-{tag}") }),
            ),
            Op::UpdateServer => (
                "mutation($id: ID!) { updateServer(id: $id, input: { weight: 5, state: CORDONED }) { weight state } }",
                json!({ "id": id("Server", target.server.id) }),
            ),
            Op::RemoveServer => (
                "mutation($id: ID!) { removeServer(id: $id) }",
                json!({ "id": id("Server", target.server.id) }),
            ),
            Op::CreateApiToken => (
                "mutation($g: ID!, $name: String!) { createApiToken(input: { groupId: $g, name: $name, scope: USER }) { secret apiToken { name scope } } }",
                json!({ "g": group, "name": format!("created-{tag}") }),
            ),
            Op::CreateGlobalApiToken => (
                "mutation($g: ID!, $name: String!) { createApiToken(input: { groupId: $g, name: $name, scope: GLOBAL }) { secret apiToken { name scope } } }",
                json!({ "g": group, "name": format!("global-{tag}") }),
            ),
            Op::RotateApiToken => (
                "mutation($id: ID!) { rotateApiToken(id: $id) { secret apiToken { rotationInProgress } } }",
                json!({ "id": id("ApiToken", target.token.id) }),
            ),
            Op::RotateUserApiToken => (
                "mutation($id: ID!) { rotateApiToken(id: $id) { secret apiToken { rotationInProgress } } }",
                json!({ "id": id("ApiToken", target.user_token.id) }),
            ),
            Op::FinishApiTokenRotation => (
                "mutation($id: ID!) { finishApiTokenRotation(id: $id) { rotationInProgress } }",
                json!({ "id": id("ApiToken", target.token.id) }),
            ),
            Op::DeleteApiToken => (
                "mutation($id: ID!) { deleteApiToken(id: $id) }",
                json!({ "id": id("ApiToken", target.token.id) }),
            ),
        };
        (query.to_owned(), variables)
    }
}

fn denial_code(kind: Kind) -> &'static str {
    match kind {
        Anonymous => "UNAUTHENTICATED",
        OtherSiteSuperuser => "NOT_FOUND",
        _ => "FORBIDDEN",
    }
}

async fn run_matrix(ops: &[Op]) {
    let scene = Scene::new().await;
    let mut case = 0;
    let mut failures = Vec::new();
    for op in ops {
        let allowed = op.allowed();
        for kind in all_kinds() {
            case += 1;
            let target = scene.target(case).await;
            let (query, variables) = op.request(&scene, &target);
            let before = scene.snapshot().await;
            let answer = scene.call(kind, &query, variables).await;
            let after = scene.snapshot().await;
            let expect_allowed = allowed.contains(&kind);
            let outcome = check(*op, kind, expect_allowed, &answer, &before, &after);
            if let Err(problem) = outcome {
                failures.push(format!("{op:?} as {kind:?}: {problem}\n  answer: {answer}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check(
    op: Op,
    kind: Kind,
    expect_allowed: bool,
    answer: &Value,
    before: &str,
    after: &str,
) -> Result<(), String> {
    let has_errors = answer.get("errors").is_some();
    if let Op::Node = op {
        // node(id:) answers null, without an error, for what the caller may not see.
        if has_errors {
            return Err("node(id:) must not fail".to_owned());
        }
        let found = !answer["data"]["node"].is_null();
        return if found == expect_allowed {
            Ok(())
        } else {
            Err(format!("expected node visible = {expect_allowed}"))
        };
    }
    if expect_allowed {
        if has_errors || answer["data"].is_null() {
            return Err("expected data".to_owned());
        }
        if op.is_mutation() && before == after {
            return Err("an allowed mutation changed nothing".to_owned());
        }
        return Ok(());
    }
    // A members-only URL does not exist for those it does not lead anywhere: slugs are
    // guessable, so any other answer would tell which exist.
    let expected = if op == Op::MeetingByClosedUrl {
        "NOT_FOUND"
    } else {
        denial_code(kind)
    };
    if !has_errors {
        return Err(format!("expected {expected}, got data"));
    }
    let code = error_code(answer);
    if code != expected {
        return Err(format!("expected {expected}, got {code}"));
    }
    if before != after {
        return Err("a denied call changed the database".to_owned());
    }
    Ok(())
}

/// The operations, in the groups the tests below run them in.
const MATRICES: [&[Op]; 5] = [
    &[
        Op::Meeting,
        Op::Node,
        Op::MeetingByClosedUrl,
        Op::MeetingByGuestUrl,
    ],
    &[
        Op::UpdateMeeting,
        Op::DeleteMeeting,
        Op::SetConferencePin,
        Op::CreateMeeting,
    ],
    &[
        Op::GrantAttendee,
        Op::GrantModerator,
        Op::GrantOwnerOnly,
        Op::RevokeAttendee,
        Op::RevokeModerator,
        Op::AddMeetingUrl,
        Op::RemoveMeetingUrl,
    ],
    &[
        Op::CreateServerGroup,
        Op::ServerGroup,
        Op::GrantGroupPermission,
        Op::RevokeGroupPermission,
        Op::Servers,
        Op::AddServer,
        Op::UpdateServer,
        Op::RemoveServer,
    ],
    &[
        Op::CreateApiToken,
        Op::CreateGlobalApiToken,
        Op::RotateApiToken,
        Op::RotateUserApiToken,
        Op::FinishApiTokenRotation,
        Op::DeleteApiToken,
    ],
];

#[tokio::test]
async fn meeting_queries_matrix() {
    run_matrix(MATRICES[0]).await;
}

#[tokio::test]
async fn meeting_mutations_matrix() {
    run_matrix(MATRICES[1]).await;
}

#[tokio::test]
async fn grants_and_urls_matrix() {
    run_matrix(MATRICES[2]).await;
}

#[tokio::test]
async fn groups_and_servers_matrix() {
    run_matrix(MATRICES[3]).await;
}

#[tokio::test]
async fn api_tokens_matrix() {
    run_matrix(MATRICES[4]).await;
}

#[test]
fn every_operation_is_in_exactly_one_matrix() {
    for op in OPS {
        let runs = MATRICES
            .iter()
            .flat_map(|ops| ops.iter())
            .filter(|o| **o == op)
            .count();
        assert_eq!(runs, 1, "{op:?} runs in {runs} matrices");
    }
    let total: usize = MATRICES.iter().map(|ops| ops.len()).sum();
    assert_eq!(total, OPS.len());
}

#[tokio::test]
async fn lists_hold_what_the_caller_may_see() {
    let scene = Scene::new().await;
    let target = scene.target(1).await;
    let other_meeting = scene
        .store()
        .meetings()
        .create(NewMeeting {
            group_id: scene.other_group.id,
            owner_id: Some(scene.other_superuser.id),
            settings: MeetingSettings::new("Theirs"),
        })
        .await
        .unwrap();
    let meetings = "{ meetings(first: 50) { edges { node { id viewerPermissions { permissions bestJoinRole } } } } }";
    let meeting_id = id("Meeting", target.meeting.id);
    for kind in all_kinds() {
        let answer = scene.call(kind, meetings, json!({})).await;
        if kind == Anonymous {
            assert_eq!(error_code(&answer), "UNAUTHENTICATED");
            continue;
        }
        let ids: Vec<&str> = answer["data"]["meetings"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{kind:?}: {answer}"))
            .iter()
            .map(|edge| edge["node"]["id"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = if kind == OtherSiteSuperuser {
            vec![id("Meeting", other_meeting.id)]
        } else if MEETING_VIEWERS.contains(&kind) {
            vec![meeting_id.clone()]
        } else {
            vec![]
        };
        assert_eq!(ids, expected, "{kind:?}");
    }
    let moderator = scene
        .call(Grantee(JoinAsModerator), meetings, json!({}))
        .await;
    assert_eq!(
        moderator["data"]["meetings"]["edges"][0]["node"]["viewerPermissions"],
        json!({ "permissions": ["JOIN_AS_ATTENDEE", "JOIN_AS_MODERATOR"], "bestJoinRole": "MODERATOR" })
    );

    let groups = "{ serverGroups { id } }";
    for kind in all_kinds() {
        let answer = scene.call(kind, groups, json!({})).await;
        if kind == Anonymous {
            assert_eq!(error_code(&answer), "UNAUTHENTICATED");
            continue;
        }
        let count = answer["data"]["serverGroups"].as_array().unwrap().len();
        let expected = match kind {
            GroupGrantee(_) | Staff | Superuser | OtherSiteSuperuser => 1,
            _ => 0,
        };
        assert_eq!(count, expected, "{kind:?}: {answer}");
    }

    let tokens = "{ apiTokens { edges { node { id name } } } }";
    for kind in all_kinds() {
        let answer = scene.call(kind, tokens, json!({})).await;
        if kind == Anonymous {
            assert_eq!(error_code(&answer), "UNAUTHENTICATED");
            continue;
        }
        let count = answer["data"]["apiTokens"]["edges"]
            .as_array()
            .unwrap()
            .len();
        // The target's two tokens, both of the `add_apitokens` grantee.
        let expected = match kind {
            GroupGrantee(GroupPermission::AddApiTokens) | Staff | Superuser => 2,
            _ => 0,
        };
        assert_eq!(count, expected, "{kind:?}: {answer}");
    }
}

/// A list reads only the columns its query asks for (`MeetingColumns`). Every field of
/// `Meeting`, asked alone or with all the others, under `nodes`, through a named fragment under
/// `edges { node }`, through inline fragments on `Node` and with a directive, or in the second
/// of two lists under one response key, must answer in a list exactly what `meeting(id:)`
/// answers, for callers who see all, some and almost nothing of the meeting. The fields come
/// from introspection, so a field added later is covered too.
#[tokio::test]
async fn a_list_answers_every_meeting_field_as_the_meeting_query_does() {
    let scene = Scene::new().await;
    let store = scene.store();
    // No setting at a value a column left unread could be mistaken for (empty, false, none).
    let meeting = store
        .meetings()
        .create(NewMeeting {
            group_id: scene.app.group.id,
            owner_id: Some(scene.owner.id),
            settings: MeetingSettings {
                welcome_message: "Welcome".to_owned(),
                moderator_message: "For moderators".to_owned(),
                conference_pin: Some("4711".to_owned()),
                record: true,
                auto_start_recording: true,
                webcams_only_for_moderator: true,
                mute_on_start: true,
                allow_mods_to_unmute_users: true,
                max_participants: Some(12),
                duration: Some(90),
                ..MeetingSettings::new("Every field")
            },
        })
        .await
        .unwrap();
    for (permission, grantee) in &scene.grantees {
        if *permission == JoinAsAttendee {
            store
                .meeting_grants()
                .grant(meeting.id, grantee.id, *permission)
                .await
                .unwrap();
        }
    }
    let introspection = scene
        .call(
            Owner,
            r#"{ __type(name: "Meeting") { fields { name type { kind ofType { kind ofType { kind ofType { kind } } } } } } }"#,
            json!({}),
        )
        .await;
    let selections: Vec<String> = introspection["data"]["__type"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{introspection}"))
        .iter()
        .map(|field| {
            let name = field["name"].as_str().unwrap();
            let mut kind = &field["type"];
            while matches!(kind["kind"].as_str(), Some("NON_NULL" | "LIST")) {
                kind = &kind["ofType"];
            }
            match kind["kind"].as_str() {
                Some("OBJECT" | "INTERFACE" | "UNION") => format!("{name} {{ __typename }}"),
                _ => name.to_owned(),
            }
        })
        .collect();
    assert!(selections.len() > 20, "{introspection}");
    let mut cases: Vec<String> = selections.clone();
    cases.push(selections.join(" "));
    let meeting_id = id("Meeting", meeting.id);
    // What an answer says of the meeting: its data, and the code of each error.
    let outcome = |data: &Value, answer: &Value| {
        let mut codes: Vec<String> = answer["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|error| error["extensions"]["code"].to_string())
                    .collect()
            })
            .unwrap_or_default();
        codes.sort();
        (data.clone(), codes)
    };
    for kind in [Owner, Grantee(JoinAsAttendee), Staff] {
        for fields in &cases {
            let single = scene
                .call(
                    kind,
                    &format!("query($id: ID!) {{ meeting(id: $id) {{ id {fields} }} }}"),
                    json!({ "id": meeting_id }),
                )
                .await;
            let expected = outcome(&single["data"]["meeting"], &single);
            assert!(
                expected.0["id"] == meeting_id.as_str(),
                "{kind:?} {fields}: {single}"
            );
            for list in [
                format!("{{ meetings(first: 50) {{ nodes {{ id {fields} }} }} }}"),
                format!(
                    "{{ meetings(first: 50) {{ edges {{ node {{ ...Listed }} }} }} }} \
                     fragment Listed on Meeting {{ id {fields} }}"
                ),
                format!(
                    "{{ meetings(first: 50) {{ nodes {{ ... on Node {{ id ... on Meeting \
                     {{ ... @include(if: true) {{ {fields} }} }} }} }} }} }}"
                ),
                // The same response key twice: each list reads what its own selection asks.
                format!(
                    "{{ meetings: meetings(first: 50) {{ nodes {{ id }} }} \
                     meetings: meetings(first: 50) {{ nodes {{ id {fields} }} }} }}"
                ),
            ] {
                let answer = scene.call(kind, &list, json!({})).await;
                let connection = &answer["data"]["meetings"];
                let nodes: Vec<&Value> = match connection["nodes"].as_array() {
                    Some(nodes) => nodes.iter().collect(),
                    None => connection["edges"]
                        .as_array()
                        .unwrap_or_else(|| panic!("{kind:?} {list}: {answer}"))
                        .iter()
                        .map(|edge| &edge["node"])
                        .collect(),
                };
                let node = nodes
                    .into_iter()
                    .find(|node| node["id"] == meeting_id.as_str())
                    .unwrap_or_else(|| panic!("{kind:?} {list}: {answer}"));
                assert_eq!(
                    outcome(node, &answer),
                    expected,
                    "{kind:?} {list}: {answer}"
                );
            }
        }
    }
}

#[tokio::test]
async fn meeting_details_follow_the_viewers_permissions() {
    let scene = Scene::new().await;
    let target = scene.target(1).await;
    let query = "query($id: ID!) { meeting(id: $id) { moderatorMessage owner { username } group { name } urls { slug } grants { permission user { username } } } }";
    let variables = json!({ "id": id("Meeting", target.meeting.id) });

    let owner = scene.call(Owner, query, variables.clone()).await;
    let meeting = &owner["data"]["meeting"];
    assert_eq!(meeting["owner"]["username"], "owner", "{owner}");
    assert_eq!(meeting["group"]["name"], scene.app.group.name);
    assert_eq!(meeting["urls"].as_array().unwrap().len(), 2);
    assert_eq!(meeting["grants"].as_array().unwrap().len(), 6);
    assert_eq!(meeting["moderatorMessage"], "");

    let attendee = scene
        .call(Grantee(JoinAsAttendee), query, variables.clone())
        .await;
    let meeting = &attendee["data"]["meeting"];
    assert!(meeting["grants"].is_null(), "{attendee}");
    assert!(meeting["moderatorMessage"].is_null());
    assert_eq!(meeting["urls"].as_array().unwrap().len(), 2);

    let granting = scene.call(Grantee(GrantAttendee), query, variables).await;
    assert_eq!(
        granting["data"]["meeting"]["grants"]
            .as_array()
            .unwrap()
            .len(),
        6
    );

    // A guest through a guest URL sees the meeting but not its URLs or grants.
    let guest = scene
        .call(
            Anonymous,
            "query($slug: String!) { meetingByUrl(slug: $slug) { name urls { slug } grants { id } viewerPermissions { bestJoinRole } } }",
            json!({ "slug": target.guest_slug }),
        )
        .await;
    let meeting = &guest["data"]["meetingByUrl"];
    assert_eq!(meeting["name"], target.meeting.name, "{guest}");
    assert!(meeting["urls"].is_null() && meeting["grants"].is_null());
    assert!(meeting["viewerPermissions"]["bestJoinRole"].is_null());
}

#[tokio::test]
async fn secrets_are_shown_once_and_never_listed() {
    let scene = Scene::new().await;
    let created = scene
        .call(
            GroupGrantee(GroupPermission::AddApiTokens),
            "mutation($g: ID!) { createApiToken(input: { groupId: $g, name: \"lms\" }) { secret apiToken { id scope user { username } } } }",
            json!({ "g": id("ServerGroup", scene.app.group.id) }),
        )
        .await;
    let payload = &created["data"]["createApiToken"];
    let secret = payload["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"));
    assert_eq!(payload["apiToken"]["scope"], "TOKEN");
    assert_eq!(payload["apiToken"]["user"]["username"], "group-grantee2");
    let token_id = payload["apiToken"]["id"].as_str().unwrap();
    let database_id = gateway::graphql::relay::decode_id(&async_graphql::ID(token_id.to_owned()))
        .unwrap()
        .1;
    let stored = scene.store().tokens().secrets(database_id).await.unwrap();
    assert_eq!(stored.current.expose(), secret);

    // Neither ApiToken nor Server has a field that could leak a secret.
    for (type_query, field) in [
        ("{ apiTokens { edges { node { secret } } } }", "secret"),
        (
            "query($g: ID!) { servers(groupId: $g) { secret } }",
            "secret",
        ),
    ] {
        let answer = scene
            .call(
                Staff,
                type_query,
                json!({ "g": id("ServerGroup", scene.app.group.id) }),
            )
            .await;
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{field}: {answer}");
    }
}

#[tokio::test]
async fn bad_input_gets_clear_codes_and_changes_nothing() {
    let scene = Scene::new().await;
    let target = scene.target(1).await;
    let other_meeting = scene
        .store()
        .meetings()
        .create(NewMeeting {
            group_id: scene.other_group.id,
            owner_id: Some(scene.other_superuser.id),
            settings: MeetingSettings::new("Theirs"),
        })
        .await
        .unwrap();
    let meeting = id("Meeting", target.meeting.id);
    let meeting_query = "query($id: ID!) { meeting(id: $id) { id } }";
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "unknown meeting",
            meeting_query,
            json!({ "id": id("Meeting", 999_999) }),
            "NOT_FOUND",
        ),
        (
            "meeting of another site",
            meeting_query,
            json!({ "id": id("Meeting", other_meeting.id) }),
            "NOT_FOUND",
        ),
        (
            "garbage ID",
            meeting_query,
            json!({ "id": "not-an-id" }),
            "BAD_USER_INPUT",
        ),
        (
            "ID of another type",
            meeting_query,
            json!({ "id": id("User", scene.owner.id) }),
            "BAD_USER_INPUT",
        ),
        (
            "group of another site",
            "mutation($g: ID!) { createMeeting(input: { groupId: $g, name: \"x\" }) { id } }",
            json!({ "g": id("ServerGroup", scene.other_group.id) }),
            "NOT_FOUND",
        ),
        (
            "slug with upper case",
            "mutation($m: ID!) { addMeetingUrl(meetingId: $m, slug: \"Team\") { id } }",
            json!({ "m": meeting }),
            "BAD_USER_INPUT",
        ),
        (
            "slug too short",
            "mutation($m: ID!) { addMeetingUrl(meetingId: $m, slug: \"ab\") { id } }",
            json!({ "m": meeting }),
            "BAD_USER_INPUT",
        ),
        (
            "slug taken",
            "mutation($m: ID!, $s: String!) { addMeetingUrl(meetingId: $m, slug: $s) { id } }",
            json!({ "m": meeting, "s": target.closed_slug }),
            "BAD_USER_INPUT",
        ),
        (
            "PIN with letters",
            "mutation($m: ID!) { setConferencePin(meetingId: $m, pin: \"12ab\") { id } }",
            json!({ "m": meeting }),
            "BAD_USER_INPUT",
        ),
        (
            "PIN too long",
            "mutation($m: ID!) { setConferencePin(meetingId: $m, pin: \"12345678901\") { id } }",
            json!({ "m": meeting }),
            "BAD_USER_INPUT",
        ),
        (
            "grantee of another site",
            "mutation($m: ID!, $u: ID!) { grantMeetingPermission(meetingId: $m, user: { id: $u }, permission: JOIN_AS_ATTENDEE) { changed } }",
            json!({ "m": meeting, "u": id("User", scene.other_superuser.id) }),
            "NOT_FOUND",
        ),
        (
            "unknown grantee",
            "mutation($m: ID!) { grantMeetingPermission(meetingId: $m, user: { username: \"nobody\" }, permission: JOIN_AS_ATTENDEE) { changed } }",
            json!({ "m": meeting }),
            "NOT_FOUND",
        ),
        (
            "server URL not http",
            "mutation($g: ID!) { addServer(input: { groupId: $g, name: \"x\", apiUrl: \"ftp://x.example\", secret: \"s\" }) { id } }",
            json!({ "g": id("ServerGroup", scene.app.group.id) }),
            "BAD_USER_INPUT",
        ),
        (
            "zero weight",
            "mutation($s: ID!) { updateServer(id: $s, input: { weight: 0 }) { id } }",
            json!({ "s": id("Server", target.server.id) }),
            "BAD_USER_INPUT",
        ),
        (
            "negative quota",
            "mutation($g: ID!) { createApiToken(input: { groupId: $g, name: \"q\", maxMeetings: -1 }) { secret } }",
            json!({ "g": id("ServerGroup", scene.app.group.id) }),
            "BAD_USER_INPUT",
        ),
        (
            "negative duration",
            "mutation($m: ID!) { updateMeeting(id: $m, input: { duration: -5 }) { id } }",
            json!({ "m": meeting }),
            "BAD_USER_INPUT",
        ),
    ];
    for (what, query, variables, expected) in cases {
        let before = scene.snapshot().await;
        let answer = scene.call(Superuser, query, variables).await;
        assert!(answer.get("errors").is_some(), "{what}: {answer}");
        assert_eq!(error_code(&answer), expected, "{what}: {answer}");
        assert_eq!(
            scene.snapshot().await,
            before,
            "{what} changed the database"
        );
    }
}
