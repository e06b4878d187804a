//! The bbb-webhooks registration request (spec §6).

use crate::params::{Params, csv};

/// A hooks/create call: `callbackURL` receives the events of one meeting, or of all meetings
/// when no meeting is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRegistration {
    params: Params,
}

impl HookRegistration {
    pub fn new(callback_url: impl Into<String>) -> Self {
        let mut params = Params::new();
        params.push("callbackURL", callback_url);
        HookRegistration { params }
    }

    /// Only events of this external meeting id.
    pub fn meeting_id(mut self, meeting_id: impl Into<String>) -> Self {
        self.params.set("meetingID", meeting_id);
        self
    }

    /// Only these event ids (default: all).
    pub fn event_ids<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.params.set("eventID", csv(ids));
        self
    }

    /// Also deliver the raw events.
    pub fn get_raw(mut self, raw: bool) -> Self {
        self.params.set("getRaw", crate::params::flag(raw));
        self
    }

    pub fn params(&self) -> &Params {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_exact_query() {
        let hook = HookRegistration::new("https://cb.example/hook?x=1")
            .meeting_id("m1")
            .event_ids(["meeting-created", "user-joined"])
            .get_raw(true);
        assert_eq!(
            hook.params().to_query(),
            "callbackURL=https%3A%2F%2Fcb.example%2Fhook%3Fx%3D1&meetingID=m1\
             &eventID=meeting-created%2Cuser-joined&getRaw=true"
        );
        assert_eq!(
            HookRegistration::new("https://cb").params().to_query(),
            "callbackURL=https%3A%2F%2Fcb"
        );
    }
}
