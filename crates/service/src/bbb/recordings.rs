//! Recordings of persistent meetings. BBB keeps them on the server that hosted the session,
//! so they are asked for on every server that ever held one of the meeting's placements: one
//! `getRecordings` per server, with the meetingIDs of a whole batch of meetings.
//!
//! Who sees what: whoever may see a meeting sees its published recordings; holders of
//! `join_as_moderator` (owners and superusers included) also see unpublished and processing
//! ones, and may publish, unpublish and delete them — the same people who control the live
//! meeting control what it left behind.

use std::collections::HashMap;

use bbb_client::RecordingState;
use bbb_client::RecordingsQuery;
use bbb_client::model::Recording;
use futures_util::future::join_all;
use store::{Meeting, MeetingPermission};

use super::Orchestrator;
use super::live::{Unavailable, placements_of_meetings, servers_by_id};
use crate::permissions::{self, EffectivePermissions};
use crate::{Actor, ServiceError};

/// Recordings per meeting id; a meeting whose servers could not all be asked gets the error.
pub type RecordingsByMeeting = HashMap<i64, Result<Vec<Recording>, Unavailable>>;

/// What to do with some recordings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingChange {
    Publish,
    Unpublish,
    Delete,
}

/// Every state but `deleted`: what a moderator may see.
const LISTED_STATES: [RecordingState; 4] = [
    RecordingState::Published,
    RecordingState::Unpublished,
    RecordingState::Processing,
    RecordingState::Processed,
];

/// The recordings of a meeting the actor may see, filtered by their permissions.
pub fn visible_to(
    permissions: &EffectivePermissions,
    recordings: Vec<Recording>,
) -> Vec<Recording> {
    if can_manage(permissions) {
        return recordings;
    }
    if !permissions.can_view() {
        return Vec::new();
    }
    recordings
        .into_iter()
        .filter(|recording| recording.published)
        .collect()
}

fn can_manage(permissions: &EffectivePermissions) -> bool {
    permissions.can(MeetingPermission::JoinAsModerator)
}

impl Orchestrator {
    /// Recordings of each meeting (not filtered by anyone's permissions), newest first.
    pub async fn recordings_of(
        &self,
        meetings: &[Meeting],
    ) -> Result<RecordingsByMeeting, ServiceError> {
        let found = self.recordings_with_servers(meetings).await?;
        Ok(found
            .into_iter()
            .map(|(meeting_id, found)| {
                let recordings = found.map(|list| list.into_iter().map(|(_, r)| r).collect());
                (meeting_id, recordings)
            })
            .collect())
    }

    /// [`Self::recordings_of`] the meetings with these ids (one query for the meetings, then
    /// one `getRecordings` per server), for a DataLoader of meetings the caller was allowed to
    /// see; ids of deleted meetings are left out.
    pub async fn recordings_of_meetings(
        &self,
        meeting_ids: &[i64],
    ) -> Result<RecordingsByMeeting, ServiceError> {
        let meetings = self.store.meetings().get_many(meeting_ids).await?;
        self.recordings_of(&meetings).await
    }

    /// The recordings of one meeting the actor may see.
    pub async fn recordings(
        &self,
        actor: &Actor,
        meeting_id: i64,
    ) -> Result<Vec<Recording>, ServiceError> {
        let meeting = self.store.meetings().get(meeting_id).await?;
        let allowed = permissions::load_meeting_permissions(&self.store, actor, &meeting).await?;
        permissions::require(allowed.can_view(), "seeing this meeting")?;
        let mut found = self.recordings_of(std::slice::from_ref(&meeting)).await?;
        let recordings = found.remove(&meeting.id).unwrap_or(Ok(Vec::new()))?;
        Ok(visible_to(&allowed, recordings))
    }

    /// Publishes, unpublishes or deletes recordings of one meeting, on the servers that hold
    /// them. Needs `join_as_moderator`. Every id must be a recording of this meeting, so that
    /// nobody reaches another tenant's recordings on a shared server. Returns the recordings
    /// as BBB shows them afterwards (deleted ones are gone).
    pub async fn change_recordings(
        &self,
        actor: &Actor,
        meeting_id: i64,
        record_ids: &[String],
        change: RecordingChange,
    ) -> Result<Vec<Recording>, ServiceError> {
        if record_ids.is_empty() {
            return Err(ServiceError::BadInput(
                "name at least one recording".to_owned(),
            ));
        }
        let meeting = self.store.meetings().get(meeting_id).await?;
        let allowed = permissions::load_meeting_permissions(&self.store, actor, &meeting).await?;
        permissions::require(can_manage(&allowed), "managing this meeting's recordings")?;
        let meetings = std::slice::from_ref(&meeting);
        let mut found = self.recordings_with_servers(meetings).await?;
        let held = found.remove(&meeting.id).unwrap_or(Ok(Vec::new()))?;
        let mut by_server: HashMap<i64, Vec<&str>> = HashMap::new();
        for record_id in record_ids {
            let (server_id, _) = held
                .iter()
                .find(|(_, recording)| recording.record_id == *record_id)
                .ok_or(ServiceError::NotFound("recording"))?;
            by_server.entry(*server_id).or_default().push(record_id);
        }
        let servers =
            servers_by_id(&self.store, &by_server.keys().copied().collect::<Vec<_>>()).await?;
        for (server_id, ids) in &by_server {
            let server = servers
                .get(server_id)
                .ok_or(ServiceError::NotFound("server"))?;
            let endpoint = super::endpoint(&self.store, server)?;
            match change {
                RecordingChange::Publish | RecordingChange::Unpublish => {
                    self.client
                        .publish_recordings(&endpoint, ids, change == RecordingChange::Publish)
                        .await?;
                }
                RecordingChange::Delete => {
                    self.client.delete_recordings(&endpoint, ids).await?;
                }
            }
        }
        let mut after = self.recordings_of(meetings).await?;
        let recordings = after.remove(&meeting.id).unwrap_or(Ok(Vec::new()))?;
        Ok(recordings
            .into_iter()
            .filter(|recording| record_ids.contains(&recording.record_id))
            .collect())
    }

    /// Recordings of each meeting with the server that holds each one, newest first.
    async fn recordings_with_servers(
        &self,
        meetings: &[Meeting],
    ) -> Result<HashMap<i64, Result<Vec<(i64, Recording)>, Unavailable>>, ServiceError> {
        let meeting_ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
        let placements = placements_of_meetings(&self.store, &meeting_ids).await?;
        let by_guid: HashMap<String, i64> = meetings
            .iter()
            .map(|meeting| (meeting.guid.to_string(), meeting.id))
            .collect();
        // Which BBB meetingIDs to ask each server for, and which meetings depend on it.
        let mut asked: HashMap<i64, Vec<String>> = HashMap::new();
        for placement in &placements {
            let ids = asked.entry(placement.server_id).or_default();
            if !ids.contains(&placement.bbb_meeting_id) {
                ids.push(placement.bbb_meeting_id.clone());
            }
        }
        let server_ids: Vec<i64> = asked.keys().copied().collect();
        let servers = servers_by_id(&self.store, &server_ids).await?;
        let answers = join_all(asked.iter().filter_map(|(server_id, bbb_ids)| {
            let server = servers.get(server_id)?;
            Some(async move {
                let unavailable = Unavailable::failed(server.id);
                let endpoint = super::endpoint(&self.store, server).map_err(&unavailable)?;
                let query = RecordingsQuery::new()
                    .meeting_ids(bbb_ids)
                    .states(LISTED_STATES);
                let page = self
                    .client
                    .get_recordings(&endpoint, &query)
                    .await
                    .map_err(|error| unavailable(error.into()))?;
                Ok::<_, Unavailable>((server.id, page.recordings))
            })
        }))
        .await;

        let mut result: HashMap<i64, Result<Vec<(i64, Recording)>, Unavailable>> =
            meeting_ids.iter().map(|&id| (id, Ok(Vec::new()))).collect();
        for answer in answers {
            match answer {
                Ok((server_id, recordings)) => {
                    for recording in recordings {
                        let Some(meeting_id) = by_guid.get(&recording.meeting_id) else {
                            continue;
                        };
                        if let Some(Ok(list)) = result.get_mut(meeting_id) {
                            list.push((server_id, recording));
                        }
                    }
                }
                Err(unavailable) => {
                    for placement in placements
                        .iter()
                        .filter(|p| p.server_id == unavailable.server_id)
                    {
                        if let Some(meeting_id) = placement.meeting_id {
                            result.insert(meeting_id, Err(unavailable.clone()));
                        }
                    }
                }
            }
        }
        for found in result.values_mut().flatten() {
            found.sort_by_key(|(_, recording)| std::cmp::Reverse(recording.start_time));
        }
        Ok(result)
    }
}
