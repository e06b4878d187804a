//! An API token's quotas, allowed and refused: `max_meetings` on create (an already live
//! meeting is found again whatever the quota; an ended one frees its place) and
//! `max_attendees` on join, counted over all of the token's meetings.

// Tests arrange their data straight in the database, beside the door they test.
#![allow(clippy::disallowed_methods)]

mod common;

use bbb_client::{CreateMeeting, JoinMeeting, Role};
use common::Harness;
use store::{NewApiToken, TokenScope};

async fn limited(
    h: &Harness,
    name: &str,
    meetings: Option<i32>,
    attendees: Option<i32>,
) -> common::Tok {
    h.token_from(NewApiToken {
        max_meetings: meetings,
        max_attendees: attendees,
        ..NewApiToken::new(name, h.group.id)
    })
    .await
}

#[tokio::test]
async fn max_meetings_refuses_the_meeting_past_the_quota() {
    let h = Harness::start(2).await;
    let tok = limited(&h, "two-rooms", Some(2), None).await;
    let api = h.api(&tok);
    for room in ["room-a", "room-b"] {
        h.client
            .create(&api, &CreateMeeting::new(room, "Room"))
            .await
            .unwrap();
    }
    let refused = h
        .client
        .create(&api, &CreateMeeting::new("room-c", "Room"))
        .await
        .unwrap_err();
    assert_eq!(
        refused.message_key(),
        Some("maxMeetingsReached"),
        "{refused}"
    );
    assert!(
        h.store()
            .placements()
            .find_live(h.group.id, &tok.token.guid.to_string(), "room-c")
            .await
            .unwrap()
            .is_none(),
        "nothing was placed"
    );
    // The site-wide path counts the same meetings.
    let refused = h
        .client
        .create(&h.site_api(&tok), &CreateMeeting::new("room-c", "Room"))
        .await
        .unwrap_err();
    assert_eq!(refused.message_key(), Some("maxMeetingsReached"));

    // Creating a live meeting again is not a new meeting.
    let again = h
        .client
        .create(&api, &CreateMeeting::new("room-a", "Room"))
        .await
        .unwrap();
    assert_eq!(again.meeting_id, "room-a");
    // Another token is not limited by this one's quota.
    let free = h.token("free", TokenScope::Token, None).await;
    for room in ["room-a", "room-b", "room-c"] {
        h.client
            .create(&h.api(&free), &CreateMeeting::new(room, "Room"))
            .await
            .unwrap();
    }
    // Ending a meeting frees its place.
    h.client.end(&api, "room-b").await.unwrap();
    h.client
        .create(&api, &CreateMeeting::new("room-c", "Room"))
        .await
        .unwrap();
    h.stop().await;
}

#[tokio::test]
async fn max_attendees_refuses_joins_once_the_tokens_meetings_are_full() {
    let h = Harness::start(2).await;
    let tok = limited(&h, "three-seats", None, Some(3)).await;
    let free = h.token("free", TokenScope::Token, None).await;
    let api = h.api(&tok);
    for (token_api, room) in [(&api, "one"), (&api, "two"), (&h.api(&free), "one")] {
        h.client
            .create(token_api, &CreateMeeting::new(room, "Room"))
            .await
            .unwrap();
    }
    let one = h.placement(&tok, "one").await;
    let two = h.placement(&tok, "two").await;
    h.sim_of(&one)
        .add_attendees(&one.bbb_meeting_id, 1)
        .unwrap();
    h.sim_of(&two)
        .add_attendees(&two.bbb_meeting_id, 1)
        .unwrap();
    // Two of three seats taken, over two meetings: a join is allowed.
    let joined = h
        .client
        .join(&api, &JoinMeeting::new("one", "Ann").role(Role::Viewer))
        .await
        .unwrap();
    assert_eq!(joined.message_key, "successfullyJoined");
    // Attendees of another token's meeting with the same ID do not count.
    let other = h.placement(&free, "one").await;
    h.sim_of(&other)
        .add_attendees(&other.bbb_meeting_id, 10)
        .unwrap();
    // The simulator counts Ann from her join on: three seats taken, the quota.
    let mut held = 0;
    for room in ["one", "two"] {
        held += h
            .client
            .get_meeting_info(&api, room)
            .await
            .unwrap()
            .participant_count;
    }
    assert_eq!(held, 3);
    for room in ["one", "two"] {
        let refused = h
            .client
            .join(&api, &JoinMeeting::new(room, "Bob").role(Role::Viewer))
            .await
            .unwrap_err();
        assert_eq!(
            refused.message_key(),
            Some("maxParticipantsReached"),
            "{room}: {refused}"
        );
    }
    // The other token's full meeting of the same name still takes joins.
    h.client
        .join(
            &h.api(&free),
            &JoinMeeting::new("one", "Eve").role(Role::Viewer),
        )
        .await
        .unwrap();
    h.stop().await;
}
