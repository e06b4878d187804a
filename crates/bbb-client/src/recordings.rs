//! Requests of the recording calls (spec §2.7–§2.12): the getRecordings filter, the result page,
//! metadata updates and text-track uploads.

use crate::model::{Recording, RecordingsResponse};
use crate::params::{Params, csv};
use crate::vocab::{RecordingState, TrackKind};

/// getRecordings filters. Without any, BBB returns every published and unpublished recording
/// (when `allowFetchAllRecordings` is on).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingsQuery {
    params: Params,
}

impl RecordingsQuery {
    pub fn new() -> Self {
        Self::default()
    }

    /// External meeting ids; ignored by BBB when record ids are given.
    pub fn meeting_ids<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.params.set("meetingID", csv(ids));
        self
    }

    /// Record ids; each is a prefix (a bare sha1 matches every session of that meeting).
    pub fn record_ids<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.params.set("recordID", csv(ids));
        self
    }

    /// States to include (BBB's default: published and unpublished).
    pub fn states(mut self, states: impl IntoIterator<Item = RecordingState>) -> Self {
        self.params.set(
            "state",
            csv(states.into_iter().map(|s| s.as_str().to_owned())),
        );
        self
    }

    /// Filters on recording metadata `meta_<name>`.
    pub fn meta(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.set(format!("meta_{name}"), value);
        self
    }

    /// 2.6+; with `offset` or `limit` the answer is paginated and carries a total.
    pub fn offset(mut self, offset: u64) -> Self {
        self.params.set("offset", offset.to_string());
        self
    }

    /// 2.6+; 1..=100.
    pub fn limit(mut self, limit: u64) -> Self {
        self.params.set("limit", limit.to_string());
        self
    }

    /// Sets any parameter, typed or not.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.set(name, value);
        self
    }

    pub fn params(&self) -> &Params {
        &self.params
    }
}

/// The recordings of one getRecordings answer. `total` is the count over all pages when the
/// query was paginated (from `<totalElements>` or the older `<pagination>` wrapper).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordingsPage {
    pub recordings: Vec<Recording>,
    pub total: Option<u64>,
}

impl From<RecordingsResponse> for RecordingsPage {
    fn from(response: RecordingsResponse) -> Self {
        RecordingsPage {
            total: response.total(),
            recordings: response.recordings.recording,
        }
    }
}

/// An updateRecordings call: metadata to set or delete on some recordings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingUpdate {
    params: Params,
}

impl RecordingUpdate {
    pub fn new<S: AsRef<str>>(record_ids: impl IntoIterator<Item = S>) -> Self {
        let mut params = Params::new();
        params.push("recordID", csv(record_ids));
        RecordingUpdate { params }
    }

    /// Adds or changes `meta_<name>`.
    pub fn set_meta(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.set(format!("meta_{name}"), value);
        self
    }

    /// Removes `meta_<name>` (sent with an empty value).
    pub fn delete_meta(mut self, name: &str) -> Self {
        self.params.set(format!("meta_{name}"), "");
        self
    }

    /// Sets any parameter, typed or not (Scalelite's `protect`, …).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.set(name, value);
        self
    }

    pub fn params(&self) -> &Params {
        &self.params
    }
}

/// A putRecordingTextTrack upload: the signed URL parameters and the multipart `file` part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTrackUpload {
    params: Params,
    pub(crate) file_name: String,
    pub(crate) content_type: String,
    pub(crate) content: Vec<u8>,
}

impl TextTrackUpload {
    /// `lang` is a BCP-47 tag (`en-US`); `content` is SRT, SSA/ASS or WebVTT, named
    /// `file_name` and sent as `content_type` (e.g. `text/vtt`).
    pub fn new(
        record_id: impl Into<String>,
        kind: TrackKind,
        lang: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        content: impl Into<Vec<u8>>,
    ) -> Self {
        let mut params = Params::new();
        params
            .push("recordID", record_id)
            .push("kind", kind.as_str())
            .push("lang", lang);
        TextTrackUpload {
            params,
            file_name: file_name.into(),
            content_type: content_type.into(),
            content: content.into(),
        }
    }

    /// The label shown in the player (default: the language's name).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.params.set("label", label);
        self
    }

    pub fn params(&self) -> &Params {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Pagination, Recordings};

    #[test]
    fn query_with_every_filter() {
        let query = RecordingsQuery::new()
            .meeting_ids(["m1", "m 2"])
            .record_ids(vec!["r1".to_string()])
            .states([RecordingState::Published, RecordingState::Deleted])
            .meta("bbb-origin", "Moodle")
            .offset(10)
            .limit(5);
        assert_eq!(
            query.params().to_query(),
            "meetingID=m1%2Cm+2&recordID=r1&state=published%2Cdeleted&meta_bbb-origin=Moodle&offset=10&limit=5"
        );
        assert!(RecordingsQuery::new().params().is_empty());
    }

    #[test]
    fn page_takes_the_total_from_either_shape() {
        let top = RecordingsResponse {
            total_elements: Some(7),
            recordings: Recordings {
                recording: vec![Recording::default()],
            },
            ..Default::default()
        };
        let page = RecordingsPage::from(top);
        assert_eq!((page.recordings.len(), page.total), (1, Some(7)));
        let wrapped = RecordingsResponse {
            pagination: Some(Pagination {
                total_elements: Some(3),
            }),
            ..Default::default()
        };
        assert_eq!(RecordingsPage::from(wrapped).total, Some(3));
        assert_eq!(
            RecordingsPage::from(RecordingsResponse::default()).total,
            None
        );
    }

    #[test]
    fn update_sets_and_deletes_meta() {
        let update = RecordingUpdate::new(["r1", "r2"])
            .set_meta("name", "New name")
            .delete_meta("gl-listed");
        assert_eq!(
            update.params().to_query(),
            "recordID=r1%2Cr2&meta_name=New+name&meta_gl-listed="
        );
    }

    #[test]
    fn text_track_params() {
        let upload = TextTrackUpload::new(
            "r1",
            TrackKind::Subtitles,
            "pt-BR",
            "pt.vtt",
            "text/vtt",
            b"WEBVTT".to_vec(),
        )
        .label("Português");
        assert_eq!(
            upload.params().to_query(),
            "recordID=r1&kind=subtitles&lang=pt-BR&label=Portugu%C3%AAs"
        );
    }
}
