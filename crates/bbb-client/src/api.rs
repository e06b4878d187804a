//! The typed BBB calls (spec §2, §6): each builds its parameters, goes through
//! [`Client::call_raw`] and decodes the answer with [`crate::response`].

use crate::catalogue::Call;
use crate::client::{Client, RawBody};
use crate::create::CreateMeeting;
use crate::documents::{Document, MODULES_CONTENT_TYPE, modules_xml};
use crate::error::Error;
use crate::hooks::HookRegistration;
use crate::join::JoinMeeting;
use crate::model::{
    CreateResponse, DeleteResponse, Hook, HookCreateResponse, HookDestroyResponse,
    HookListResponse, JoinResponse, MeetingInfo, MeetingsResponse, MessageResponse,
    PublishResponse, RecordingsResponse, RunningResponse, TextTrack, TextTrackResponse,
    UpdateResponse, VersionResponse,
};
use crate::multipart::{self, FilePart};
use crate::origin::{Origin, target_of};
use crate::params::{Params, csv, flag};
use crate::recordings::{RecordingUpdate, RecordingsPage, RecordingsQuery, TextTrackUpload};
use crate::response::Answer;
use crate::server::Server;

impl Client {
    /// `GET /bigbluebutton/api`: the version document (no checksum).
    pub async fn version(&self, server: &Server) -> Result<VersionResponse, Error> {
        self.send(
            "index",
            server.origin(),
            server.index_target().to_owned(),
            None,
        )
        .await?
        .decode("index")
    }

    /// `create`: GET, or POST with a `<modules>` body when the request has pre-upload
    /// documents or a settings override (the checksum covers the URL query only). A repeat
    /// create answers `duplicateWarning` in `message_key` and is a success.
    pub async fn create(
        &self,
        server: &Server,
        meeting: &CreateMeeting,
    ) -> Result<CreateResponse, Error> {
        let body = meeting.body().map(|xml| RawBody {
            content_type: MODULES_CONTENT_TYPE.to_owned(),
            bytes: xml.into(),
        });
        self.call(server, Call::Create, meeting.params(), body)
            .await
    }

    /// The signed join URL for the user's browser; no request is made.
    pub fn join_url(&self, server: &Server, join: &JoinMeeting) -> String {
        server.signed_url(Call::Join.name(), join.params())
    }

    /// `join` with `redirect=false` (forced): the session BBB created, as XML. Errors that
    /// older servers deliver as a redirect to `…?errors=[…]` become [`Error::Failed`].
    pub async fn join(&self, server: &Server, join: &JoinMeeting) -> Result<JoinResponse, Error> {
        let mut params = join.params().clone();
        params.set("redirect", flag(false));
        let answer = self
            .call_raw(server, Call::Join.name(), &params, None)
            .await?;
        // Load balancers (Scalelite, this gateway) answer join with a 302 to the backend's
        // signed join URL, which carries redirect=false on: follow that one hop.
        let hop = answer
            .location
            .as_deref()
            .filter(|_| answer.is_redirect())
            .and_then(|location| url::Url::parse(location).ok())
            .filter(is_signed_join_url)
            .and_then(|url| Some((Origin::of(&url)?, target_of(&url))));
        let answer = match hop {
            Some((origin, target)) => self.send(Call::Join.name(), &origin, target, None).await?,
            None => answer,
        };
        answer.decode(Call::Join.name())
    }

    /// `isMeetingRunning`; an unknown meeting is not running (not an error).
    pub async fn is_meeting_running(
        &self,
        server: &Server,
        meeting_id: &str,
    ) -> Result<bool, Error> {
        let response: RunningResponse = self
            .call(server, Call::IsMeetingRunning, &meeting(meeting_id), None)
            .await?;
        Ok(response.running)
    }

    /// `end`: asks BBB to end the meeting (asynchronously); `notFound` for an unknown one.
    pub async fn end(&self, server: &Server, meeting_id: &str) -> Result<MessageResponse, Error> {
        self.call(server, Call::End, &meeting(meeting_id), None)
            .await
    }

    /// `getMeetingInfo`; `notFound` ([`Error::is_not_found`]) for an unknown meeting.
    pub async fn get_meeting_info(
        &self,
        server: &Server,
        meeting_id: &str,
    ) -> Result<MeetingInfo, Error> {
        self.call(server, Call::GetMeetingInfo, &meeting(meeting_id), None)
            .await
    }

    /// `getMeetings`: every meeting on the server, breakout rooms included; `noMeetings` is an
    /// empty list.
    pub async fn get_meetings(&self, server: &Server) -> Result<Vec<MeetingInfo>, Error> {
        let response: MeetingsResponse = self
            .call(server, Call::GetMeetings, &Params::new(), None)
            .await?;
        Ok(response.meetings.meeting)
    }

    /// `getRecordings`; `noRecordings` is an empty page.
    pub async fn get_recordings(
        &self,
        server: &Server,
        query: &RecordingsQuery,
    ) -> Result<RecordingsPage, Error> {
        let response: RecordingsResponse = self
            .call(server, Call::GetRecordings, query.params(), None)
            .await?;
        Ok(response.into())
    }

    /// `publishRecordings`: returns the `published` BBB echoes.
    pub async fn publish_recordings(
        &self,
        server: &Server,
        record_ids: &[impl AsRef<str> + Sync],
        publish: bool,
    ) -> Result<bool, Error> {
        let params: Params = [
            ("recordID", csv(record_ids)),
            ("publish", flag(publish).into()),
        ]
        .into_iter()
        .collect();
        let response: PublishResponse = self
            .call(server, Call::PublishRecordings, &params, None)
            .await?;
        Ok(response.published)
    }

    /// `deleteRecordings`: returns BBB's `deleted`.
    pub async fn delete_recordings(
        &self,
        server: &Server,
        record_ids: &[impl AsRef<str> + Sync],
    ) -> Result<bool, Error> {
        let params: Params = [("recordID", csv(record_ids))].into_iter().collect();
        let response: DeleteResponse = self
            .call(server, Call::DeleteRecordings, &params, None)
            .await?;
        Ok(response.deleted)
    }

    /// `updateRecordings`: returns BBB's `updated`.
    pub async fn update_recordings(
        &self,
        server: &Server,
        update: &RecordingUpdate,
    ) -> Result<bool, Error> {
        let response: UpdateResponse = self
            .call(server, Call::UpdateRecordings, update.params(), None)
            .await?;
        Ok(response.updated)
    }

    /// `getRecordingTextTracks` (JSON).
    pub async fn get_recording_text_tracks(
        &self,
        server: &Server,
        record_id: &str,
    ) -> Result<Vec<TextTrack>, Error> {
        let params: Params = [("recordID", record_id)].into_iter().collect();
        let response: TextTrackResponse = self
            .call(server, Call::GetRecordingTextTracks, &params, None)
            .await?;
        Ok(response.tracks.unwrap_or_default())
    }

    /// `putRecordingTextTrack` (multipart `file`, JSON answer): BBB processes the track
    /// asynchronously; the answer says it was accepted.
    pub async fn put_recording_text_track(
        &self,
        server: &Server,
        upload: &TextTrackUpload,
    ) -> Result<TextTrackResponse, Error> {
        const CALL: &str = Call::PutRecordingTextTrack.name();
        let form = multipart::encode(&[FilePart {
            name: "file",
            file_name: &upload.file_name,
            content_type: &upload.content_type,
            content: &upload.content,
        }])?;
        self.call_raw(server, CALL, upload.params(), Some(form))
            .await?
            .decode(CALL)
    }

    /// `insertDocument` (2.5+): adds presentations to a running meeting.
    pub async fn insert_document(
        &self,
        server: &Server,
        meeting_id: &str,
        documents: &[Document],
    ) -> Result<MessageResponse, Error> {
        let body = RawBody {
            content_type: MODULES_CONTENT_TYPE.to_owned(),
            bytes: modules_xml(documents, None).into(),
        };
        self.call(
            server,
            Call::InsertDocument,
            &meeting(meeting_id),
            Some(body),
        )
        .await
    }

    /// `sendChatMessage` (3.0+): a public chat message from `user_name` (BBB's default:
    /// `System`).
    pub async fn send_chat_message(
        &self,
        server: &Server,
        meeting_id: &str,
        message: &str,
        user_name: Option<&str>,
    ) -> Result<MessageResponse, Error> {
        let mut params = meeting(meeting_id);
        params.push("message", message);
        if let Some(user_name) = user_name {
            params.push("userName", user_name);
        }
        self.call(server, Call::SendChatMessage, &params, None)
            .await
    }

    /// `hooks/create`; a repeat registration answers `duplicateWarning` and is a success.
    pub async fn hooks_create(
        &self,
        server: &Server,
        hook: &HookRegistration,
    ) -> Result<HookCreateResponse, Error> {
        self.call(server, Call::HooksCreate, hook.params(), None)
            .await
    }

    /// `hooks/destroy`: returns BBB's `removed`.
    pub async fn hooks_destroy(&self, server: &Server, hook_id: u64) -> Result<bool, Error> {
        let params: Params = [("hookID", hook_id.to_string())].into_iter().collect();
        let response: HookDestroyResponse =
            self.call(server, Call::HooksDestroy, &params, None).await?;
        Ok(response.removed)
    }

    /// `hooks/list`: global hooks, plus those of `meeting_id` when given.
    pub async fn hooks_list(
        &self,
        server: &Server,
        meeting_id: Option<&str>,
    ) -> Result<Vec<Hook>, Error> {
        let params = meeting_id.map(meeting).unwrap_or_default();
        let response: HookListResponse = self.call(server, Call::HooksList, &params, None).await?;
        Ok(response.hooks.hook)
    }

    async fn call<T: Answer>(
        &self,
        server: &Server,
        call: Call,
        params: &Params,
        body: Option<RawBody>,
    ) -> Result<T, Error> {
        self.call_raw(server, call.name(), params, body)
            .await?
            .decode(call.name())
    }
}

fn meeting(meeting_id: &str) -> Params {
    [("meetingID", meeting_id)].into_iter().collect()
}

/// Whether a redirect goes to another server's signed `…/api/join` (a load balancer handing
/// the join on) rather than into the BBB client or to an error page.
fn is_signed_join_url(url: &url::Url) -> bool {
    url.path().ends_with("/api/join") && url.query_pairs().any(|(name, _)| name == "checksum")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_join(location: &str) -> bool {
        url::Url::parse(location).is_ok_and(|url| is_signed_join_url(&url))
    }

    #[test]
    fn only_signed_api_join_redirects_are_followed() {
        assert!(signed_join(
            "https://bbb2.example.com/bigbluebutton/api/join?meetingID=m&redirect=false&checksum=ab"
        ));
        assert!(!signed_join(
            "https://bbb.example.com/html5client/join?sessionToken=abc"
        ));
        assert!(!signed_join(
            "https://bbb.example.com/bigbluebutton/api/join?meetingID=m"
        ));
        assert!(!signed_join("/bigbluebutton/api/join?checksum=x"));
    }
}
