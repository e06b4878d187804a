//! Reading a busy server's `getMeetings` answer: the one-pass reader `decode` uses against the
//! serde path it replaced (the envelope, then the document), in the same run, on the same
//! document, rounds alternating.
//!
//! ```text
//! cargo bench -p bbb-client --bench meeting_documents
//! MEETINGS=200 ATTENDEES=10 cargo bench -p bbb-client --bench meeting_documents
//! ```
//!
//! The document is what the simulator and bbb-web send for MEETINGS meetings (50 by default)
//! with ATTENDEES attendees each (3), written by the model's own serializer and indented as
//! bbb-web's templates indent it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bbb_client::model::*;
use bbb_client::response::decode;
use bbb_client::xml::{from_xml, to_response_xml};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn document(meetings: usize, attendees: usize) -> String {
    let meeting = (0..meetings)
        .map(|number| MeetingInfo {
            meeting_name: format!("Bench room {number}"),
            meeting_id: format!("4f1c6e52-0c1d-4b55-9a3e-{number:012}"),
            internal_meeting_id: format!(
                "f691f419d38557439809a7efaee1ac26f0d8d802-17966606{number:05}"
            ),
            create_time: 1_796_660_617_602,
            create_date: "Mon Dec 07 16:23:37 UTC 2026".to_owned(),
            voice_bridge: format!("{}", 70_000 + number),
            dial_number: "613-555-1234".to_owned(),
            attendee_pw: Some("DzSvNCsB".to_owned()),
            moderator_pw: Some("PUeFAc8e".to_owned()),
            running: true,
            has_user_joined: true,
            start_time: 1_796_660_617_602,
            participant_count: attendees as u32,
            listener_count: attendees as u32,
            attendees: Attendees {
                attendee: (0..attendees)
                    .map(|user| Attendee {
                        user_id: format!("w_h5ga09vf{user:04}"),
                        full_name: format!("Simulated User {user}"),
                        role: "VIEWER".to_owned(),
                        is_listening_only: true,
                        client_type: "HTML5".to_owned(),
                        customdata: Some(XmlMap::new()),
                        ..Attendee::default()
                    })
                    .collect(),
            },
            metadata: [("bbb-origin".to_owned(), "Greenlight".to_owned())].into(),
            ..MeetingInfo::default()
        })
        .collect();
    let response = MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: Meetings { meeting },
        message_key: None,
        message: None,
    };
    to_response_xml(&response).unwrap().replace("><", ">\n  <")
}

/// What `decode` did before the one-pass reader: the envelope, then the document, by serde.
fn serde_path(xml: &str) -> MeetingsResponse {
    let envelope: MessageResponse = from_xml(xml).unwrap();
    assert_eq!(envelope.returncode, ReturnCode::Success);
    from_xml(xml).unwrap()
}

/// The median time of one read, over `reads` reads.
fn time(reads: u32, read: impl Fn() -> MeetingsResponse) -> Duration {
    let started = Instant::now();
    for _ in 0..reads {
        black_box(read());
    }
    started.elapsed() / reads
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let (meetings, attendees) = (env_number("MEETINGS", 50), env_number("ATTENDEES", 3));
    let xml = document(meetings, attendees);
    let one_pass = || decode::<MeetingsResponse>("getMeetings", xml.as_bytes()).unwrap();
    assert_eq!(one_pass(), serde_path(&xml), "both paths read the same");
    let reads = 200;
    let (mut serde_times, mut one_pass_times) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        serde_times.push(time(reads, || serde_path(&xml)));
        one_pass_times.push(time(reads, one_pass));
    }
    let (serde_time, one_pass_time) = (median(serde_times), median(one_pass_times));
    println!(
        "getMeetings of {meetings} meetings × {attendees} attendees ({} KiB), median of 9 rounds of {reads} reads:",
        xml.len() / 1024
    );
    println!("  serde (envelope, then document): {serde_time:>10.1?} per read");
    println!("  one pass (decode):               {one_pass_time:>10.1?} per read");
    println!(
        "  one pass / serde:                {:>10.2}×",
        serde_time.as_secs_f64() / one_pass_time.as_secs_f64()
    );
}
