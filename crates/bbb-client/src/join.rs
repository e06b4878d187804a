//! The `join` request (spec §2.2). A join URL is a bearer credential for the end user's
//! browser: it is built and signed here, never logged.

use crate::params::{Params, param_setters};
use crate::vocab::{MeetingLayout, Role};

/// A `join` call. Parameters appear in the order they were first set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinMeeting {
    params: Params,
}

impl JoinMeeting {
    pub fn new(meeting_id: impl Into<String>, full_name: impl Into<String>) -> Self {
        let mut params = Params::new();
        params
            .push("fullName", full_name)
            .push("meetingID", meeting_id);
        JoinMeeting { params }
    }

    param_setters! {
        /// Deprecated since 2.6; used only when no valid `role` is given.
        text password => "password";
        /// External user id, shown as `<userID>` in attendee lists.
        text user_id => "userID";
        /// Must equal the meeting's createTime, so a link for an earlier session stops working.
        number create_time => "createTime";
        /// `false` answers with XML instead of a 302 (see [`crate::Client::join`]).
        flag redirect => "redirect";
        /// 2.7+: where errors redirect instead of the logout URL.
        text error_redirect_url => "errorRedirectUrl";
        /// Marks a guest: the guest policy applies.
        flag guest => "guest";
        /// Marks an authenticated guest.
        flag auth => "auth";
        text avatar_url => "avatarURL";
        text webcam_background_url => "webcamBackgroundURL";
        flag exclude_from_dashboard => "excludeFromDashboard";
        text web_voice_conf => "webVoiceConf";
        /// ≤2.7; 3.0 removed it in favour of `userdata("bbb_default_layout", …)`.
        text default_layout => "defaultLayout";
    }

    /// Sets `role` (2.4+); wins over `password`.
    pub fn role(mut self, role: Role) -> Self {
        self.params.set("role", role.as_str());
        self
    }

    /// Sets `enforceLayout` (3.0): a layout the user cannot change.
    pub fn enforce_layout(mut self, layout: MeetingLayout) -> Self {
        self.params.set("enforceLayout", layout.as_str());
        self
    }

    /// Sets `userdata-<key>`; `key` must not contain `-` (bbb-web splits on it).
    pub fn userdata(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.set(format!("userdata-{key}"), value);
        self
    }

    /// Sets any parameter, typed or not.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.set(name, value);
        self
    }

    /// The URL parameters, in order.
    pub fn params(&self) -> &Params {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_exact_query() {
        let join = JoinMeeting::new("room 1", "Zoë Ö")
            .role(Role::Moderator)
            .user_id("u-42")
            .create_time(1_531_155_809_613)
            .redirect(false)
            .error_redirect_url("https://lms.example/err")
            .guest(true)
            .auth(false)
            .avatar_url("https://img.example/a.png")
            .exclude_from_dashboard(true)
            .web_voice_conf("7000")
            .enforce_layout(MeetingLayout::PresentationOnly)
            .userdata("bbb_auto_join_audio", "true")
            .param("bot", "false");
        assert_eq!(
            join.params().to_query(),
            "fullName=Zo%C3%AB+%C3%96&meetingID=room+1&role=MODERATOR&userID=u-42\
             &createTime=1531155809613&redirect=false&errorRedirectUrl=https%3A%2F%2Flms.example%2Ferr\
             &guest=true&auth=false&avatarURL=https%3A%2F%2Fimg.example%2Fa.png\
             &excludeFromDashboard=true&webVoiceConf=7000&enforceLayout=PRESENTATION_ONLY\
             &userdata-bbb_auto_join_audio=true&bot=false"
        );
    }

    #[test]
    fn password_join_and_repeated_setters() {
        let join = JoinMeeting::new("m", "Ann")
            .password("ap")
            .redirect(true)
            .redirect(false);
        assert_eq!(
            join.params().to_query(),
            "fullName=Ann&meetingID=m&password=ap&redirect=false"
        );
    }
}
