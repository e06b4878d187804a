//! BBB orchestration against simulated BBB servers: placement, settings on create,
//! concurrency, joins, ending, failover, health polling, live state and recordings.

use std::sync::Arc;
use std::time::Duration;

use bbb_client::Params;
use bbb_sim::{SimConfig, SimServer};
use chrono::Utc;
use service::bbb::poller::{self, PollSettings};
use service::bbb::{Balancer, Orchestrator, PERSISTENT_NAMESPACE, RecordingChange, live};
use service::permissions::JoinRole;
use service::{Actor, ErrorCode, ServiceError};
use store::{
    HealthThresholds, Meeting, MeetingPermission, MeetingSettings, NewMeeting, NewMeetingUrl,
    NewServer, NewUser, PlacementFilter, PollOutcome, Secret, Server, ServerHealth, ServerState,
    Site, Store, TestDb, User,
};

struct Fixture {
    db: TestDb,
    sims: Vec<SimServer>,
    servers: Vec<Server>,
    site: Site,
    group_id: i64,
    owner: User,
    balancer: Arc<Balancer>,
    orchestrator: Orchestrator,
}

impl Fixture {
    async fn new(server_count: usize) -> Fixture {
        let db = TestDb::new().await;
        let store = db.store().clone();
        let site = store.sites().default_site().await.unwrap();
        let group = store.groups().create(site.id, "main").await.unwrap();
        let mut sims = Vec::new();
        let mut servers = Vec::new();
        for number in 1..=server_count {
            let sim = SimServer::spawn(SimConfig {
                ended_meeting_retention: Duration::from_millis(200),
                ..SimConfig::default()
            })
            .unwrap();
            servers.push(
                store
                    .servers()
                    .add(NewServer {
                        group_id: group.id,
                        name: format!("bbb{number}"),
                        api_url: sim.api_url(),
                        secret: Secret::new(sim.secret()),
                        weight: 1,
                        state: ServerState::Enabled,
                    })
                    .await
                    .unwrap(),
            );
            sims.push(sim);
        }
        let owner = user(&store, &site, "owner").await;
        let balancer = Arc::new(Balancer::default());
        let orchestrator = Orchestrator::new(store, fresh_client(), balancer.clone());
        Fixture {
            db,
            sims,
            servers,
            site,
            group_id: group.id,
            owner,
            balancer,
            orchestrator,
        }
    }

    /// Takes a simulator down (or up) and drops pooled connections: the simulator may still
    /// answer on a kept-alive connection for a moment after going down.
    async fn set_down(&mut self, index: usize, down: bool) {
        self.sims[index].set_down(down).await.unwrap();
        self.orchestrator =
            Orchestrator::new(self.store().clone(), fresh_client(), self.balancer.clone());
    }

    fn store(&self) -> &Store {
        self.db.store()
    }

    fn actor(&self, user: &User) -> Actor {
        Actor::user(self.site.clone(), user.clone())
    }

    fn owner(&self) -> Actor {
        self.actor(&self.owner)
    }

    async fn meeting(&self, settings: MeetingSettings) -> Meeting {
        self.store()
            .meetings()
            .create(NewMeeting {
                group_id: self.group_id,
                owner_id: Some(self.owner.id),
                settings,
            })
            .await
            .unwrap()
    }

    async fn user_with(
        &self,
        name: &str,
        meeting: &Meeting,
        permission: MeetingPermission,
    ) -> User {
        let user = user(self.store(), &self.site, name).await;
        self.store()
            .meeting_grants()
            .grant(meeting.id, user.id, permission)
            .await
            .unwrap();
        user
    }

    /// Records a successful poll with `attendees` on server `index`.
    async fn set_load(&self, index: usize, attendees: i32) {
        self.store()
            .servers()
            .record_poll(
                self.servers[index].id,
                PollOutcome::Reachable {
                    meeting_count: 1,
                    attendee_count: attendees,
                },
                Utc::now(),
                HealthThresholds { rise: 1, fall: 1 },
            )
            .await
            .unwrap();
    }

    /// Which sims hold a meeting (ended ones included) with this BBB meetingID.
    fn sims_holding(&self, meeting: &Meeting) -> Vec<usize> {
        let guid = meeting.guid.to_string();
        self.sims
            .iter()
            .enumerate()
            .filter(|(_, sim)| sim.meetings_snapshot().iter().any(|m| m.meeting_id == guid))
            .map(|(index, _)| index)
            .collect()
    }

    async fn placements(&self, meeting: &Meeting) -> Vec<store::Placement> {
        self.store()
            .placements()
            .list(&PlacementFilter {
                meeting_id: Some(meeting.id),
                ..PlacementFilter::default()
            })
            .await
            .unwrap()
    }

    fn poll_settings(&self, rise: u32, fall: u32) -> PollSettings {
        PollSettings {
            interval: Duration::from_millis(50),
            request_timeout: Duration::from_millis(500),
            thresholds: HealthThresholds { rise, fall },
        }
    }
}

fn fresh_client() -> bbb_client::Client {
    bbb_client::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

async fn user(store: &Store, site: &Site, name: &str) -> User {
    let mut new = NewUser::new(site.id, name);
    new.display_name = format!("{name} (display)");
    store.users().create(new).await.unwrap()
}

fn query_of(url: &str) -> Params {
    Params::from_query(url.split_once('?').unwrap().1)
}

#[tokio::test]
async fn start_places_on_the_least_loaded_server_with_every_setting() {
    let fx = Fixture::new(3).await;
    fx.set_load(0, 30).await;
    fx.set_load(1, 4).await;
    fx.set_load(2, 12).await;
    let mut settings = MeetingSettings::new("Board meeting");
    settings.welcome_message = "Hello %%CONFNAME%%".to_owned();
    settings.moderator_message = "Moderators only".to_owned();
    settings.conference_pin = Some("73519".to_owned());
    settings.record = true;
    settings.auto_start_recording = true;
    settings.allow_start_stop_recording = false;
    settings.webcams_only_for_moderator = true;
    settings.mute_on_start = true;
    settings.allow_mods_to_unmute_users = true;
    settings.enable_cam = false;
    settings.enable_mic = false;
    settings.enable_private_chat = false;
    settings.enable_public_chat = true;
    settings.enable_note = false;
    settings.max_participants = Some(25);
    settings.duration = Some(45);
    let meeting = fx.meeting(settings).await;

    let (_, running) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();

    assert_eq!(running.server.id, fx.servers[1].id);
    assert_eq!(fx.sims_holding(&meeting), [1]);
    let on_bbb = fx.sims[1]
        .meetings_snapshot()
        .into_iter()
        .find(|m| m.meeting_id == meeting.guid.to_string())
        .unwrap();
    let sent: std::collections::HashMap<_, _> = on_bbb.create_params.iter().cloned().collect();
    for (name, value) in [
        ("name", "Board meeting"),
        ("meetingID", meeting.guid.to_string().as_str()),
        ("welcome", "Hello %%CONFNAME%%"),
        ("moderatorOnlyMessage", "Moderators only"),
        ("voiceBridge", "73519"),
        ("record", "true"),
        ("autoStartRecording", "true"),
        ("allowStartStopRecording", "false"),
        ("webcamsOnlyForModerator", "true"),
        ("muteOnStart", "true"),
        ("allowModsToUnmuteUsers", "true"),
        ("lockSettingsDisableCam", "true"),
        ("lockSettingsDisableMic", "true"),
        ("lockSettingsDisablePrivateChat", "true"),
        ("lockSettingsDisablePublicChat", "false"),
        ("lockSettingsDisableNotes", "true"),
        ("maxParticipants", "25"),
        ("duration", "45"),
    ] {
        assert_eq!(sent.get(name).map(String::as_str), Some(value), "{name}");
    }
    assert_eq!(on_bbb.voice_bridge, "73519");
    assert_eq!(
        (on_bbb.max_participants, on_bbb.duration, on_bbb.record),
        (25, 45, true)
    );

    let placements = fx.placements(&meeting).await;
    assert_eq!(placements.len(), 1);
    let placement = &placements[0];
    assert_eq!(placement.server_id, fx.servers[1].id);
    assert_eq!(placement.namespace, PERSISTENT_NAMESPACE);
    assert_eq!(placement.bbb_meeting_id, meeting.guid.to_string());
    assert_eq!(
        placement.internal_meeting_id.as_deref(),
        Some(on_bbb.internal_meeting_id.as_str())
    );
    assert_eq!(placement.create_time, Some(on_bbb.create_time as i64));

    // Starting again finds it running: same placement, same BBB meeting.
    let (_, again) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    assert_eq!(again.placement.id, placement.id);
    assert_eq!(again.create_time, on_bbb.create_time);
    assert_eq!(fx.sims[1].meetings_snapshot().len(), 1);
}

#[tokio::test]
async fn new_meetings_spread_over_equally_loaded_servers() {
    let fx = Fixture::new(3).await;
    for number in 0..6 {
        let meeting = fx
            .meeting(MeetingSettings::new(format!("Room {number}")))
            .await;
        fx.orchestrator
            .start(&fx.owner(), meeting.id)
            .await
            .unwrap();
    }
    let counts: Vec<usize> = fx
        .sims
        .iter()
        .map(|s| s.meetings_snapshot().len())
        .collect();
    assert_eq!(counts, [2, 2, 2]);
}

#[tokio::test]
async fn concurrent_joins_create_one_meeting_on_one_server() {
    let fx = Fixture::new(3).await;
    let meeting = fx.meeting(MeetingSettings::new("Rush hour")).await;
    let mut attendees = Vec::new();
    for number in 0..12 {
        attendees.push(
            fx.user_with(
                &format!("a{number}"),
                &meeting,
                MeetingPermission::JoinAsAttendee,
            )
            .await,
        );
    }
    let joins = attendees.iter().map(|attendee| {
        let orchestrator = fx.orchestrator.clone();
        let actor = fx.actor(attendee);
        tokio::spawn(async move { orchestrator.join_url(&actor, meeting.id, None).await })
    });
    let links: Vec<_> = futures_util::future::join_all(joins)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();

    let holders = fx.sims_holding(&meeting);
    assert_eq!(holders.len(), 1, "BBB meetings on sims {holders:?}");
    let sim = &fx.sims[holders[0]];
    assert_eq!(sim.meetings_snapshot().len(), 1);
    assert!(
        links
            .iter()
            .all(|link| link.url.starts_with(&sim.api_url()))
    );
    let create_times: std::collections::HashSet<_> = links
        .iter()
        .map(|link| query_of(&link.url).get("createTime").unwrap().to_owned())
        .collect();
    assert_eq!(create_times.len(), 1);
    let placements = fx.placements(&meeting).await;
    assert_eq!(placements.len(), 1);
    assert!(placements[0].ended_at.is_none());
}

#[tokio::test]
async fn join_urls_carry_the_allowed_role_and_the_user() {
    let fx = Fixture::new(1).await;
    let meeting = fx.meeting(MeetingSettings::new("Seminar")).await;
    let attendee = fx
        .user_with("ann", &meeting, MeetingPermission::JoinAsAttendee)
        .await;
    let moderator = fx
        .user_with("mod", &meeting, MeetingPermission::JoinAsModerator)
        .await;
    let stranger = user(fx.store(), &fx.site, "stranger").await;

    let link = fx
        .orchestrator
        .join_url(&fx.owner(), meeting.id, None)
        .await
        .unwrap();
    assert_eq!(link.role, JoinRole::Moderator);
    let params = query_of(&link.url);
    assert_eq!(params.get("role"), Some("MODERATOR"));
    assert_eq!(params.get("fullName"), Some("owner (display)"));
    assert_eq!(params.get("userID"), Some(fx.owner.id.to_string().as_str()));
    assert_eq!(
        params.get("meetingID"),
        Some(meeting.guid.to_string().as_str())
    );
    assert!(params.get("checksum").is_some());

    let link = fx
        .orchestrator
        .join_url(&fx.actor(&attendee), meeting.id, None)
        .await
        .unwrap();
    assert_eq!(link.role, JoinRole::Attendee);
    assert_eq!(query_of(&link.url).get("role"), Some("VIEWER"));

    // A moderator may ask for the lesser role; an attendee may not ask for the greater one.
    let link = fx
        .orchestrator
        .join_url(&fx.actor(&moderator), meeting.id, Some(JoinRole::Attendee))
        .await
        .unwrap();
    assert_eq!(link.role, JoinRole::Attendee);
    let denied = fx
        .orchestrator
        .join_url(&fx.actor(&attendee), meeting.id, Some(JoinRole::Moderator))
        .await
        .unwrap_err();
    assert!(matches!(denied, ServiceError::Forbidden(_)), "{denied:?}");
    let denied = fx
        .orchestrator
        .join_url(&fx.actor(&stranger), meeting.id, None)
        .await
        .unwrap_err();
    assert!(matches!(denied, ServiceError::Forbidden(_)), "{denied:?}");
    let anonymous = Actor::anonymous(fx.site.clone());
    let denied = fx
        .orchestrator
        .join_url(&anonymous, meeting.id, None)
        .await
        .unwrap_err();
    assert!(
        matches!(denied, ServiceError::Unauthenticated),
        "{denied:?}"
    );

    // What the URL asks for works: BBB admits the user under their id and role.
    let endpoint = bbb_client::Server::new(&fx.sims[0].api_url(), fx.sims[0].secret()).unwrap();
    let link = fx
        .orchestrator
        .join_url(&fx.actor(&attendee), meeting.id, None)
        .await
        .unwrap();
    let mut params = query_of(&link.url);
    params.remove("checksum");
    let answer = fx
        .orchestrator
        .client()
        .call_raw(&endpoint, "join", &params, None)
        .await
        .unwrap();
    assert_eq!(answer.status, 302);
    let on_bbb = &fx.sims[0].meetings_snapshot()[0];
    let joined = on_bbb
        .attendees
        .iter()
        .find(|a| a.user_id == attendee.id.to_string())
        .unwrap();
    assert_eq!(joined.full_name, "ann (display)");
    assert_eq!(joined.role, bbb_sim::Role::Viewer);
}

#[tokio::test]
async fn denied_joins_start_nothing() {
    let fx = Fixture::new(1).await;
    let meeting = fx.meeting(MeetingSettings::new("Private")).await;
    let stranger = user(fx.store(), &fx.site, "stranger").await;
    let error = fx
        .orchestrator
        .start(&fx.actor(&stranger), meeting.id)
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Forbidden(_)), "{error:?}");
    let attendee = fx
        .user_with("ann", &meeting, MeetingPermission::JoinAsAttendee)
        .await;
    let error = fx
        .orchestrator
        .start(&fx.actor(&attendee), meeting.id)
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Forbidden(_)), "{error:?}");
    assert!(fx.sims[0].meetings_snapshot().is_empty());
    assert!(fx.placements(&meeting).await.is_empty());
}

#[tokio::test]
async fn guests_join_through_urls_that_admit_them() {
    let fx = Fixture::new(1).await;
    let meeting = fx.meeting(MeetingSettings::new("Open house")).await;
    for (slug, allow_guests) in [("open", true), ("closed", false)] {
        fx.store()
            .meeting_urls()
            .add(NewMeetingUrl {
                site_id: fx.site.id,
                meeting_id: meeting.id,
                slug: slug.to_owned(),
                allow_guests,
            })
            .await
            .unwrap();
    }
    let guest = Actor::anonymous(fx.site.clone());

    // A guest never starts the meeting: that is for its moderators.
    let error = fx
        .orchestrator
        .join_by_url(&guest, "open", "Visitor")
        .await
        .unwrap_err();
    assert!(
        matches!(error, ServiceError::MeetingNotStarted),
        "{error:?}"
    );
    assert!(fx.sims[0].meetings_snapshot().is_empty());
    fx.orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();

    let link = fx
        .orchestrator
        .join_by_url(&guest, "open", "  Visitor  ")
        .await
        .unwrap();
    assert_eq!(link.role, JoinRole::Attendee);
    let params = query_of(&link.url);
    assert_eq!(params.get("role"), Some("VIEWER"));
    assert_eq!(params.get("fullName"), Some("Visitor"));
    assert_eq!(params.get("guest"), Some("true"));
    assert_eq!(params.get("userID"), None);
    assert_eq!(fx.sims_holding(&meeting), [0]);

    let error = fx
        .orchestrator
        .join_by_url(&guest, "closed", "Visitor")
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::NotFound(_)), "{error:?}");
    let error = fx
        .orchestrator
        .join_by_url(&guest, "nowhere", "Visitor")
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::NotFound(_)), "{error:?}");
    let error = fx
        .orchestrator
        .join_by_url(&guest, "open", "   ")
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::BadInput(_)), "{error:?}");
}

#[tokio::test]
async fn end_needs_a_moderator_ends_on_bbb_and_closes_the_placement() {
    let fx = Fixture::new(2).await;
    let meeting = fx.meeting(MeetingSettings::new("Standup")).await;
    let attendee = fx
        .user_with("ann", &meeting, MeetingPermission::JoinAsAttendee)
        .await;
    let (_, running) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();

    let error = fx
        .orchestrator
        .end(&fx.actor(&attendee), meeting.id)
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Forbidden(_)), "{error:?}");
    assert!(fx.placements(&meeting).await[0].ended_at.is_none());

    let (_, was_running) = fx.orchestrator.end(&fx.owner(), meeting.id).await.unwrap();
    assert!(was_running);
    let index = fx
        .servers
        .iter()
        .position(|s| s.id == running.server.id)
        .unwrap();
    let on_bbb = &fx.sims[index].meetings_snapshot()[0];
    assert!(on_bbb.forcibly_ended);
    assert!(fx.placements(&meeting).await[0].ended_at.is_some());

    let (_, was_running) = fx.orchestrator.end(&fx.owner(), meeting.id).await.unwrap();
    assert!(!was_running);

    // The next start is a new session with a new placement.
    let (_, next) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    assert_ne!(next.placement.id, running.placement.id);
    assert_ne!(next.internal_meeting_id, running.internal_meeting_id);
}

#[tokio::test]
async fn unreachable_servers_are_bbb_unavailable() {
    let mut fx = Fixture::new(1).await;
    let running_meeting = fx.meeting(MeetingSettings::new("Running")).await;
    fx.orchestrator
        .start(&fx.owner(), running_meeting.id)
        .await
        .unwrap();
    fx.set_down(0, true).await;

    let error = fx
        .orchestrator
        .start(&fx.owner(), running_meeting.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");
    let error = fx
        .orchestrator
        .end(&fx.owner(), running_meeting.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");
    let fresh = fx.meeting(MeetingSettings::new("Fresh")).await;
    let error = fx
        .orchestrator
        .join_url(&fx.owner(), fresh.id, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");

    // Once the poller has given up on it, nothing is placed there, and the error says so.
    poller::poll_once(
        fx.store(),
        fx.orchestrator.client(),
        &fx.poll_settings(1, 1),
    )
    .await
    .unwrap();
    let error = fx
        .orchestrator
        .start(&fx.owner(), fresh.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ServiceError::BbbUnavailable(m) if m.contains("1 unhealthy")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_meeting_whose_server_died_is_placed_anew() {
    let mut fx = Fixture::new(2).await;
    let meeting = fx.meeting(MeetingSettings::new("Survivor")).await;
    let (_, first) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    let dead = fx
        .servers
        .iter()
        .position(|s| s.id == first.server.id)
        .unwrap();
    let alive = 1 - dead;
    fx.set_down(dead, true).await;
    poller::poll_once(
        fx.store(),
        fx.orchestrator.client(),
        &fx.poll_settings(1, 1),
    )
    .await
    .unwrap();

    let (_, second) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();

    assert_eq!(second.server.id, fx.servers[alive].id);
    assert_eq!(fx.sims[alive].meetings_snapshot().len(), 1);
    let placements = fx.placements(&meeting).await;
    assert_eq!(placements.len(), 2);
    assert!(
        placements[0].ended_at.is_some(),
        "the dead server's placement is closed"
    );
    assert_eq!(placements[0].server_id, first.server.id);
    assert!(placements[1].ended_at.is_none());
}

#[tokio::test]
async fn a_meeting_whose_server_stops_answering_stays_where_it_runs() {
    let mut fx = Fixture::new(2).await;
    let meeting = fx.meeting(MeetingSettings::new("Survivor")).await;
    let (_, first) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    let silent = fx
        .servers
        .iter()
        .position(|s| s.id == first.server.id)
        .unwrap();
    let other = 1 - silent;
    fx.set_down(silent, true).await;

    // No poll has given up on the server: a getMeetingInfo without an answer is a hiccup as
    // far as anyone knows, and the meeting may still run there. Joining and starting fail,
    // and nothing is split: no second BBB meeting, the placement as it was.
    let error = fx
        .orchestrator
        .join_url(&fx.owner(), meeting.id, None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");
    let error = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");
    assert!(
        fx.sims[other].meetings_snapshot().is_empty(),
        "no second BBB meeting"
    );
    let placements = fx.placements(&meeting).await;
    assert_eq!(placements.len(), 1, "{placements:?}");
    assert_eq!(placements[0].id, first.placement.id);
    assert_eq!(placements[0].server_id, first.server.id);
    assert!(placements[0].ended_at.is_none(), "the placement stays live");

    // Back from its hiccup, the server still runs the meeting: joins go there again.
    fx.set_down(silent, false).await;
    let link = fx
        .orchestrator
        .join_url(&fx.owner(), meeting.id, None)
        .await
        .unwrap();
    assert!(
        link.url.starts_with(&fx.sims[silent].api_url()),
        "{}",
        link.url
    );
    assert!(fx.sims[other].meetings_snapshot().is_empty());
    assert_eq!(fx.placements(&meeting).await.len(), 1);

    // A server that answers, even with errors only, keeps its meeting.
    fx.sims[silent].set_error_rate(1.0);
    let error = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");
    let placements = fx.placements(&meeting).await;
    assert_eq!(placements.len(), 1);
    assert!(placements[0].ended_at.is_none(), "not moved for an answer");
}

#[tokio::test]
async fn a_create_the_server_refuses_leaves_no_live_placement() {
    let fx = Fixture::new(1).await;
    let meeting = fx.meeting(MeetingSettings::new("Refused")).await;
    // bbb-web down behind its nginx: every call answered 502.
    fx.sims[0].set_error_rate(1.0);
    let error = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");
    let placements = fx.placements(&meeting).await;
    assert_eq!(placements.len(), 1);
    assert!(
        placements[0].ended_at.is_some(),
        "a meeting that does not run is not live"
    );

    fx.sims[0].set_error_rate(0.0);
    let (_, running) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    assert!(running.placement.ended_at.is_none());
    assert_eq!(fx.sims[0].meetings_snapshot().len(), 1);
}

#[tokio::test]
async fn cordoned_servers_keep_running_meetings_but_get_no_new_ones() {
    let fx = Fixture::new(2).await;
    let meeting = fx.meeting(MeetingSettings::new("Draining")).await;
    let (_, first) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    let cordoned = fx
        .servers
        .iter()
        .position(|s| s.id == first.server.id)
        .unwrap();
    fx.store()
        .servers()
        .set_state(first.server.id, ServerState::Cordoned)
        .await
        .unwrap();

    let (_, again) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    assert_eq!(
        again.placement.id, first.placement.id,
        "still running there"
    );
    let other = fx.meeting(MeetingSettings::new("New")).await;
    let (_, placed) = fx.orchestrator.start(&fx.owner(), other.id).await.unwrap();
    assert_ne!(placed.server.id, first.server.id);

    // Ended on BBB behind the gateway's back: the next start goes elsewhere.
    let endpoint =
        bbb_client::Server::new(&fx.sims[cordoned].api_url(), fx.sims[cordoned].secret()).unwrap();
    fx.orchestrator
        .client()
        .end(&endpoint, &meeting.guid.to_string())
        .await
        .unwrap();
    let (_, moved) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    assert_ne!(moved.server.id, first.server.id);
    assert_ne!(moved.placement.id, first.placement.id);
}

#[tokio::test]
async fn poller_flips_health_after_the_thresholds_and_records_load() {
    let mut fx = Fixture::new(2).await;
    let settings = fx.poll_settings(2, 2);
    let meeting = fx.meeting(MeetingSettings::new("Busy")).await;
    let (_, running) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    let busy = fx
        .servers
        .iter()
        .position(|s| s.id == running.server.id)
        .unwrap();
    fx.sims[busy]
        .add_attendees(&meeting.guid.to_string(), 7)
        .unwrap();
    let server_ids: Vec<i64> = fx.servers.iter().map(|s| s.id).collect();
    let health = |polls: &[poller::ServerPoll], index: usize| {
        polls
            .iter()
            .find(|p| p.server.id == server_ids[index])
            .unwrap()
            .server
            .health
    };

    let polls = poller::poll_once(fx.store(), fx.orchestrator.client(), &settings)
        .await
        .unwrap();
    assert_eq!(polls.len(), 2);
    assert_eq!(
        health(&polls, 0),
        ServerHealth::Unknown,
        "one success is not enough"
    );
    let polls = poller::poll_once(fx.store(), fx.orchestrator.client(), &settings)
        .await
        .unwrap();
    assert_eq!(health(&polls, 0), ServerHealth::Healthy);
    assert_eq!(health(&polls, 1), ServerHealth::Healthy);
    let busy_row = fx.store().servers().get(fx.servers[busy].id).await.unwrap();
    assert_eq!((busy_row.meeting_count, busy_row.attendee_count), (1, 7));
    let busy_poll = polls.iter().find(|p| p.server.id == busy_row.id).unwrap();
    assert_eq!(
        busy_poll.outcome.as_ref().unwrap(),
        &vec![(meeting.guid.to_string(), 7)]
    );

    fx.set_down(0, true).await;
    let polls = poller::poll_once(fx.store(), fx.orchestrator.client(), &settings)
        .await
        .unwrap();
    assert_eq!(
        health(&polls, 0),
        ServerHealth::Healthy,
        "one failure is not enough"
    );
    let polls = poller::poll_once(fx.store(), fx.orchestrator.client(), &settings)
        .await
        .unwrap();
    assert_eq!(health(&polls, 0), ServerHealth::Unhealthy);
    assert_eq!(health(&polls, 1), ServerHealth::Healthy);
    let row = fx.store().servers().get(fx.servers[0].id).await.unwrap();
    assert!(row.last_poll_error.is_some());

    fx.set_down(0, false).await;
    let polls = poller::poll_once(fx.store(), fx.orchestrator.client(), &settings)
        .await
        .unwrap();
    assert_eq!(health(&polls, 0), ServerHealth::Unhealthy);
    let polls = poller::poll_once(fx.store(), fx.orchestrator.client(), &settings)
        .await
        .unwrap();
    assert_eq!(health(&polls, 0), ServerHealth::Healthy);

    // A server slower than the poll timeout fails like a dead one.
    fx.sims[1].set_latency(Duration::from_millis(1500));
    let started = std::time::Instant::now();
    let polls = poller::poll_once(
        fx.store(),
        fx.orchestrator.client(),
        &fx.poll_settings(1, 1),
    )
    .await
    .unwrap();
    assert!(started.elapsed() < Duration::from_millis(1200));
    assert_eq!(health(&polls, 1), ServerHealth::Unhealthy);
    let slow = polls
        .iter()
        .find(|p| p.server.id == fx.servers[1].id)
        .unwrap();
    assert!(slow.outcome.as_ref().unwrap_err().contains("no answer"));
}

#[tokio::test]
async fn the_poller_loop_polls_until_shut_down() {
    let fx = Fixture::new(1).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let balancer = Arc::new(Balancer::default());
    let task = tokio::spawn(poller::run(
        fx.store().clone(),
        fx.orchestrator.client().clone(),
        balancer,
        fx.poll_settings(2, 2),
        async move {
            let _ = stopped.await;
        },
        |_| async {},
    ));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let row = fx.store().servers().get(fx.servers[0].id).await.unwrap();
        if row.health == ServerHealth::Healthy {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never became healthy");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the loop stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn live_state_comes_from_one_get_meetings_per_server() {
    let mut fx = Fixture::new(2).await;
    let mut meetings = Vec::new();
    for number in 0..4 {
        let meeting = fx
            .meeting(MeetingSettings::new(format!("Live {number}")))
            .await;
        fx.orchestrator
            .start(&fx.owner(), meeting.id)
            .await
            .unwrap();
        meetings.push(meeting);
    }
    let idle = fx.meeting(MeetingSettings::new("Idle")).await;
    let ids: Vec<i64> = meetings.iter().chain([&idle]).map(|m| m.id).collect();

    let placements = live::live_locations(fx.store(), &ids).await.unwrap();
    assert_eq!(placements.len(), 4);
    assert!(!placements.contains_key(&idle.id));
    let server_ids: Vec<i64> = fx.servers.iter().map(|s| s.id).collect();
    fx.set_down(1, true).await;
    let answers = live::meetings_on_servers(fx.store(), fx.orchestrator.client(), &server_ids)
        .await
        .unwrap();
    let up = answers[&fx.servers[0].id].as_ref().unwrap();
    let down = answers[&fx.servers[1].id].as_ref().unwrap_err();
    assert_eq!(down.server_id, fx.servers[1].id);
    for meeting in &meetings {
        let placement = &placements[&meeting.id];
        if placement.server_id == fx.servers[0].id {
            let info = up.live(&placement.bbb_meeting_id).unwrap();
            assert_eq!(info.meeting_name, meeting.name);
        }
    }
    assert!(up.live(&idle.guid.to_string()).is_none());
}

#[tokio::test]
async fn recordings_of_an_ended_recorded_meeting() {
    let fx = Fixture::new(2).await;
    let mut settings = MeetingSettings::new("Lecture");
    settings.record = true;
    let meeting = fx.meeting(settings).await;
    let attendee = fx
        .user_with("ann", &meeting, MeetingPermission::JoinAsAttendee)
        .await;
    let stranger = user(fx.store(), &fx.site, "stranger").await;
    let (_, running) = fx
        .orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    let index = fx
        .servers
        .iter()
        .position(|s| s.id == running.server.id)
        .unwrap();
    fx.sims[index]
        .add_attendees(&meeting.guid.to_string(), 3)
        .unwrap();
    fx.orchestrator.end(&fx.owner(), meeting.id).await.unwrap();

    let recordings = fx
        .orchestrator
        .recordings(&fx.owner(), meeting.id)
        .await
        .unwrap();
    assert_eq!(recordings.len(), 1);
    let record_id = recordings[0].record_id.clone();
    assert_eq!(record_id, running.internal_meeting_id);
    assert!(recordings[0].published);
    assert_eq!(
        fx.orchestrator
            .recordings(&fx.actor(&attendee), meeting.id)
            .await
            .unwrap()
            .len(),
        1
    );
    let error = fx
        .orchestrator
        .recordings(&fx.actor(&stranger), meeting.id)
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Forbidden(_)), "{error:?}");

    // Unpublishing hides it from attendees, not from the owner.
    let ids = vec![record_id.clone()];
    let error = fx
        .orchestrator
        .change_recordings(
            &fx.actor(&attendee),
            meeting.id,
            &ids,
            RecordingChange::Unpublish,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Forbidden(_)), "{error:?}");
    let changed = fx
        .orchestrator
        .change_recordings(&fx.owner(), meeting.id, &ids, RecordingChange::Unpublish)
        .await
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert!(!changed[0].published);
    assert!(
        fx.orchestrator
            .recordings(&fx.actor(&attendee), meeting.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        fx.orchestrator
            .recordings(&fx.owner(), meeting.id)
            .await
            .unwrap()
            .len(),
        1
    );

    // Another meeting's recording cannot be reached through this meeting.
    let other = fx.meeting(MeetingSettings::new("Other")).await;
    let error = fx
        .orchestrator
        .change_recordings(&fx.owner(), other.id, &ids, RecordingChange::Delete)
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::NotFound(_)), "{error:?}");

    let deleted = fx
        .orchestrator
        .change_recordings(&fx.owner(), meeting.id, &ids, RecordingChange::Delete)
        .await
        .unwrap();
    assert!(deleted.is_empty());
    assert!(
        fx.orchestrator
            .recordings(&fx.owner(), meeting.id)
            .await
            .unwrap()
            .is_empty()
    );
    let on_bbb = fx.sims[index].recordings_snapshot();
    assert_eq!(on_bbb[0].state, bbb_sim::RecordingState::Deleted);
}

#[tokio::test]
async fn recordings_of_a_meeting_on_a_down_server_are_bbb_unavailable() {
    let mut fx = Fixture::new(1).await;
    let meeting = fx.meeting(MeetingSettings::new("Gone")).await;
    fx.orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    fx.set_down(0, true).await;
    let error = fx
        .orchestrator
        .recordings(&fx.owner(), meeting.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BbbUnavailable, "{error:?}");
    let never_started = fx.meeting(MeetingSettings::new("Never")).await;
    assert!(
        fx.orchestrator
            .recordings(&fx.owner(), never_started.id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// How often `sim` answered `getMeetings`.
fn get_meetings_calls(sim: &SimServer) -> u64 {
    sim.api_calls().get("getMeetings").copied().unwrap_or(0)
}

/// Waits until `sim` has received `calls` getMeetings calls (it counts them on arrival).
async fn until_get_meetings_reached(sim: &SimServer, calls: u64) {
    while get_meetings_calls(sim) < calls {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_shared_get_meetings_call_outlives_the_request_that_started_it_and_is_not_kept() {
    let fx = Fixture::new(1).await;
    let meeting = fx.meeting(MeetingSettings::new("Shared")).await;
    fx.orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    let bbb_meeting_id = fx.placements(&meeting).await[0].bbb_meeting_id.clone();
    let (store, client, sim) = (fx.store(), fx.orchestrator.client(), &fx.sims[0]);
    let server_ids = [fx.servers[0].id];
    let calls = live::MeetingCalls::default();
    let participants = |answers: &std::collections::HashMap<i64, live::ServerAnswer>| {
        let on_server = answers[&server_ids[0]].as_ref().unwrap();
        on_server.live(&bbb_meeting_id).unwrap().participant_count
    };
    sim.set_latency(Duration::from_millis(1000));
    sim.reset_api_calls();

    // The request that started the call gives up while it is in flight; one that came
    // meanwhile still gets its answer.
    let (first_gave_up, second) = tokio::join!(
        async {
            tokio::select! {
                _ = calls.meetings_on_servers(store, client, &server_ids) => false,
                () = async {
                    until_get_meetings_reached(sim, 1).await;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                } => true,
            }
        },
        async {
            until_get_meetings_reached(sim, 1).await;
            calls.meetings_on_servers(store, client, &server_ids).await
        },
    );
    assert!(
        first_gave_up,
        "the first request gave up while its call was in flight"
    );
    assert_eq!(participants(&second.unwrap()), 0);
    assert_eq!(
        get_meetings_calls(sim),
        1,
        "the second request waited for the first call"
    );

    // Every request gives up: the call still ends, and leaves no answer behind for the next.
    tokio::select! {
        _ = calls.meetings_on_servers(store, client, &server_ids) => {
            panic!("answered before BBB did")
        }
        () = until_get_meetings_reached(sim, 2) => {} // given up once its call reached BBB
    }
    tokio::time::sleep(Duration::from_millis(1200)).await; // the call ends meanwhile
    assert_eq!(sim.add_attendees(&bbb_meeting_id, 1).unwrap(), 1);
    sim.set_latency(Duration::ZERO);
    let next = calls
        .meetings_on_servers(store, client, &server_ids)
        .await
        .unwrap();
    assert_eq!(participants(&next), 1, "a fresh answer");
    assert_eq!(get_meetings_calls(sim), 3);
}

#[tokio::test]
async fn a_request_after_a_server_moved_does_not_take_the_old_addresss_answer() {
    let fx = Fixture::new(2).await;
    let meeting = fx.meeting(MeetingSettings::new("Moving")).await;
    fx.orchestrator
        .start(&fx.owner(), meeting.id)
        .await
        .unwrap();
    let placement = &fx.placements(&meeting).await[0];
    let (old, new) = if placement.server_id == fx.servers[0].id {
        (0, 1)
    } else {
        (1, 0)
    };
    let server_ids = [fx.servers[old].id];
    let (store, client) = (fx.store(), fx.orchestrator.client());
    let calls = live::MeetingCalls::default();
    fx.sims[old].set_latency(Duration::from_millis(400));
    for sim in &fx.sims {
        sim.reset_api_calls();
    }

    let (before_the_move, after_the_move) = tokio::join!(
        calls.meetings_on_servers(store, client, &server_ids),
        async {
            until_get_meetings_reached(&fx.sims[old], 1).await;
            // The server is given the other simulator's URL (and secret) while the call to
            // its old address is in flight.
            store
                .servers()
                .update(
                    server_ids[0],
                    store::ServerChanges {
                        api_url: Some(fx.sims[new].api_url()),
                        secret: Some(Secret::new(fx.sims[new].secret())),
                        ..store::ServerChanges::default()
                    },
                )
                .await
                .unwrap();
            calls.meetings_on_servers(store, client, &server_ids).await
        },
    );

    let before_the_move = before_the_move.unwrap();
    let old_answer = before_the_move[&server_ids[0]].as_ref().unwrap();
    assert!(old_answer.live(&placement.bbb_meeting_id).is_some());
    let after_the_move = after_the_move.unwrap();
    let new_answer = after_the_move[&server_ids[0]].as_ref().unwrap();
    assert!(
        new_answer.live(&placement.bbb_meeting_id).is_none(),
        "the answer of the new address, which does not hold the meeting"
    );
    assert_eq!(new_answer.server.api_url, fx.sims[new].api_url());
    assert_eq!(get_meetings_calls(&fx.sims[old]), 1);
    assert_eq!(get_meetings_calls(&fx.sims[new]), 1);
}
