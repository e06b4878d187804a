//! The one-pass readers of `getMeetings` and `getMeetingInfo` (`Answer::read_success`) against
//! serde's, which they stand in for (property tests; `PROPTEST_CASES` sets the number of cases,
//! CI runs more). A document the one-pass reader reads must read to the same value through
//! serde, after serde's envelope check passed it as a success; one it leaves to serde (`None`)
//! is decoded by serde as before. Documents are generated from arbitrary meetings through the
//! model's own serializer (what the BBB endpoint and the simulator send), laid out as servers
//! do, then mangled with what real and hostile servers add: comments, CDATA, references,
//! unknown and repeated elements, attributes, prefixes, failures, broken nesting.

use bbb_client::model::*;
use bbb_client::response::{Answer, decode};
use bbb_client::xml::{from_xml, to_response_xml};
use proptest::prelude::*;

/// Text as meeting names, metadata and user names carry it: markup characters, quotes, white
/// space of every kind, `]]>`, non-ASCII.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _.-]{0,12}",
        "[&<>\"' \t\n\r\\]é€😀\u{85}\u{2028}a-z]{0,10}",
        Just(String::new()),
        Just(" padded ".to_owned()),
    ]
}

fn xml_map() -> impl Strategy<Value = XmlMap> {
    prop::collection::btree_map("[a-z][a-zA-Z0-9_-]{0,6}", text(), 0..3)
}

fn attendee() -> impl Strategy<Value = Attendee> {
    (
        (
            text(),
            text(),
            prop::sample::select(vec!["MODERATOR", "VIEWER", ""]),
        ),
        any::<[bool; 4]>(),
        (text(), prop::option::of(xml_map())),
    )
        .prop_map(
            |((user_id, full_name, role), flags, (client_type, customdata))| Attendee {
                user_id,
                full_name,
                role: role.to_owned(),
                is_presenter: flags[0],
                is_listening_only: flags[1],
                has_joined_voice: flags[2],
                has_video: flags[3],
                client_type,
                customdata,
            },
        )
}

fn meeting() -> impl Strategy<Value = MeetingInfo> {
    let names = (text(), text(), text(), text(), text(), text());
    let passwords = (prop::option::of(text()), prop::option::of(text()));
    let times = any::<[u64; 4]>();
    let counts = any::<[u32; 6]>();
    let flags = any::<[bool; 5]>();
    let breakout = (
        prop::option::of(text()),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(text(), 0..3)),
    );
    let rest = (prop::collection::vec(attendee(), 0..4), xml_map(), breakout);
    (names, passwords, times, counts, flags, rest).prop_map(
        |(names, passwords, times, counts, flags, rest)| {
            let (meeting_name, meeting_id, internal_meeting_id, create_date, voice_bridge, dial) =
                names;
            let (attendees, metadata, (parent, sequence, free_join, rooms)) = rest;
            MeetingInfo {
                returncode: None,
                meeting_name,
                meeting_id,
                internal_meeting_id,
                create_time: times[0],
                create_date,
                voice_bridge,
                dial_number: dial,
                attendee_pw: passwords.0,
                moderator_pw: passwords.1,
                running: flags[0],
                duration: times[1],
                has_user_joined: flags[1],
                recording: flags[2],
                has_been_forcibly_ended: flags[3],
                start_time: times[2],
                end_time: times[3],
                participant_count: counts[0],
                listener_count: counts[1],
                voice_participant_count: counts[2],
                video_count: counts[3],
                max_users: counts[4],
                moderator_count: counts[5],
                attendees: Attendees {
                    attendee: attendees,
                },
                metadata,
                is_breakout: flags[4],
                parent_meeting_id: parent,
                sequence,
                free_join,
                breakout: None, // never written; the mangling adds `<breakout>` elements
                breakout_rooms: rooms.map(|breakout| BreakoutRooms { breakout }),
            }
        },
    )
}

/// A `getMeetings` document as a server writes it: empty lists as `noMeetings`.
fn meetings_document() -> impl Strategy<Value = String> {
    prop::collection::vec(meeting(), 0..4).prop_map(|meeting| {
        let empty = meeting.is_empty();
        let response = MeetingsResponse {
            returncode: ReturnCode::Success,
            meetings: Meetings { meeting },
            message_key: empty.then(|| "noMeetings".to_owned()),
            message: empty.then(|| "no meetings were found on this server".to_owned()),
        };
        to_response_xml(&response).unwrap()
    })
}

fn meeting_info_document() -> impl Strategy<Value = String> {
    meeting().prop_map(|mut meeting| {
        meeting.returncode = Some(ReturnCode::Success);
        to_response_xml(&meeting).unwrap()
    })
}

/// The document laid out as bbb-web's templates do: a line and indentation between elements.
fn indented(xml: &str) -> String {
    xml.replace("><", ">\n    <")
}

/// What servers, proxies and attackers put into documents.
const SNIPPETS: &[&str] = &[
    " ",
    "\n  ",
    "\r\n\t",
    "<!-- a comment -->",
    "<?processing instruction?>",
    "<unknown><deep attribute=\"1\">x<![CDATA[y]]></deep></unknown>",
    "<unknown/>",
    "<![CDATA[ c ]]>",
    "&amp;",
    "&#x41;&#66;",
    "&nbsp;",
    "&#0;",
    "text",
    "<breakout><parentMeetingID>p</parentMeetingID><sequence> 2 </sequence><freeJoin>1</freeJoin></breakout>",
    "<breakoutRooms><breakout>b1</breakout><breakout> b2 </breakout></breakoutRooms>",
    "<metadata><k> v </k><k>w</k></metadata>",
    "<customdata><k>v</k></customdata>",
    "<attendee><fullName>x</fullName></attendee>",
    "<meeting><meetingID>extra</meetingID></meeting>",
    "<meetingName>again</meetingName>",
    "<sequence>7</sequence>",
    "<running> 1 </running>",
    "<running>yes</running>",
    "<duration>x</duration>",
    "<participantCount>99999999999</participantCount>",
    "<x:meetingName>prefixed</x:meetingName>",
    "<meetingName lang=\"en\">attributed</meetingName>",
    "<returncode>FAILED</returncode>",
    "<messageKey>upload_text_track_failed</messageKey>",
    "<errors><error><key>k</key><message>m</message></error></errors>",
    "<!DOCTYPE response>",
    "<?xml version=\"1.1\"?>",
    "<?xml version=\"2.0\"?>",
    "</meeting>",
    "<meeting>",
];

/// Inserts snippets after some of the document's `>`: between elements, at the start of
/// text, inside lists, after the root.
fn mangled(document: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), 0..SNIPPETS.len()), 1..5);
    (document, edits).prop_map(|(mut xml, edits)| {
        for (position, snippet) in edits {
            let closes: Vec<usize> = xml.match_indices('>').map(|(at, _)| at + 1).collect();
            let at = closes[position.index(closes.len())];
            xml.insert_str(at, SNIPPETS[snippet]);
        }
        xml
    })
}

/// What serde makes of the document on the path `decode` took before the one-pass readers:
/// the envelope first, the document only if the envelope is a success.
fn serde_success<T: Answer>(xml: &str) -> Option<T> {
    let envelope: MessageResponse = from_xml(xml).ok()?;
    let key = envelope.message_key.as_deref().unwrap_or_default().trim();
    if envelope.returncode != ReturnCode::Success || key == "upload_text_track_failed" {
        return None;
    }
    from_xml(xml).ok()
}

/// The one-pass reader reads the document, to what serde reads.
fn read_alike<T: Answer + PartialEq + std::fmt::Debug>(xml: &str) -> Result<(), TestCaseError> {
    let read = T::read_success(xml);
    prop_assert!(read.is_some(), "left to serde: {xml}");
    prop_assert_eq!(&read, &serde_success::<T>(xml), "{}", xml);
    prop_assert_eq!(read, decode::<T>("call", xml.as_bytes()).ok());
    Ok(())
}

/// Whatever the one-pass reader reads, serde reads the same; whatever it leaves, `decode`
/// answers as serde does.
fn never_reads_otherwise<T: Answer + PartialEq + std::fmt::Debug>(
    xml: &str,
) -> Result<(), TestCaseError> {
    let serde = serde_success::<T>(xml);
    match T::read_success(xml) {
        Some(read) => prop_assert_eq!(Some(read), serde, "{}", xml),
        None => prop_assert_eq!(decode::<T>("call", xml.as_bytes()).ok(), serde, "{}", xml),
    }
    Ok(())
}

proptest! {
    #[test]
    fn meeting_lists_read_in_one_pass_as_serde_reads_them(xml in meetings_document()) {
        read_alike::<MeetingsResponse>(&xml)?;
        read_alike::<MeetingsResponse>(&indented(&xml))?;
    }

    #[test]
    fn meeting_infos_read_in_one_pass_as_serde_reads_them(xml in meeting_info_document()) {
        read_alike::<MeetingInfo>(&xml)?;
        read_alike::<MeetingInfo>(&indented(&xml))?;
    }

    #[test]
    fn mangled_meeting_lists_read_as_serde_reads_them_or_are_left_to_it(
        xml in mangled(meetings_document())
    ) {
        never_reads_otherwise::<MeetingsResponse>(&xml)?;
    }

    #[test]
    fn mangled_meeting_infos_read_as_serde_reads_them_or_are_left_to_it(
        xml in mangled(meeting_info_document())
    ) {
        never_reads_otherwise::<MeetingInfo>(&xml)?;
    }

    #[test]
    fn any_text_as_a_meeting_document_never_panics(raw in any::<String>()) {
        never_reads_otherwise::<MeetingsResponse>(&raw)?;
        never_reads_otherwise::<MeetingInfo>(&raw)?;
    }
}

/// Documents the one-pass reader must leave to serde, each for its reason, with what serde
/// makes of them through `decode`.
#[test]
fn unusual_documents_are_left_to_serde() {
    let success =
        |inner: &str| format!("<response><returncode>SUCCESS</returncode>{inner}</response>");
    let left = [
        success("<meetings><meeting><meetingName>a</meetingName><meetingName>b</meetingName></meeting></meetings>"),
        success("<meetings><meeting><meetingName><b>bold</b></meetingName></meeting></meetings>"),
        success("<meetings><meeting><duration/></meeting></meetings>"),
        success("<meetings><meeting><running>yes</running></meeting></meetings>"),
        success("<meetings><meeting><meetingName>&nbsp;</meetingName></meeting></meetings>"),
        success("<meetings><meeting/><other/><meeting/></meetings>"),
        success("<meetings><meeting><metadata>loose text</metadata></meeting></meetings>"),
        success("<meetings><meeting><x:meetingName>a</x:meetingName></meeting></meetings>"),
        success("<meetings><meeting><meetingName lang=\"en\">a</meetingName></meeting></meetings>"),
        success("<errors/>"),
        "<!DOCTYPE r><response><returncode>SUCCESS</returncode></response>".to_owned(),
        "<response><returncode> SUCCESS </returncode><meetings/></response>".to_owned(),
        "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey></response>".to_owned(),
        "<response><meetings/></response>".to_owned(),
        "<response><returncode>SUCCESS</returncode><meetings>".to_owned(),
        // A declaration past the start changes how serde reads text (it reads one event
        // ahead, and inside skipped elements too), or fails it.
        success("<meetings><meeting><meetingName>a\u{85}<?xml version=\"1.1\"?></meetingName></meeting></meetings>"),
        success("<x><?xml version=\"1.1\"?></x><meetings><meeting><meetingName>a\u{85}b</meetingName></meeting></meetings>"),
        success("<x><?xml version=\"2.0\"?></x>"),
    ];
    for xml in left {
        assert_eq!(MeetingsResponse::read_success(&xml), None, "{xml}");
        assert_eq!(
            decode::<MeetingsResponse>("getMeetings", xml.as_bytes()).ok(),
            serde_success::<MeetingsResponse>(&xml),
            "{xml}"
        );
    }
    // A declaration at the start is the reader's: XML 1.1 reads U+0085 as a line end.
    let declared = format!(
        "<?xml version=\"1.1\"?>\n{}",
        success("<meetings><meeting><meetingName>a\u{85}b</meetingName></meeting></meetings>")
    );
    let read = MeetingsResponse::read_success(&declared).expect("read in one pass");
    assert_eq!(read.meetings.meeting[0].meeting_name, "a\nb");
    assert_eq!(Some(read), serde_success(&declared));
    // And a document the one-pass reader takes, with what it reads.
    let taken = success(
        "<!-- bbb-web --><meetings>\n  <meeting><meetingName> A &amp; <![CDATA[<B>]]> </meetingName>\
         <participantCount> 3 </participantCount><running>1</running>\
         <metadata><k> v </k><k> w </k></metadata><unknown><x/></unknown></meeting>\n</meetings>",
    );
    let read = MeetingsResponse::read_success(&taken).expect("read in one pass");
    let meeting = &read.meetings.meeting[0];
    assert_eq!(meeting.meeting_name, " A & <B> ");
    assert_eq!(meeting.participant_count, 3);
    assert!(meeting.running);
    assert_eq!(meeting.metadata.get("k").map(String::as_str), Some("w"));
    assert_eq!(Some(read), serde_success(&taken));
}

/// A hostile server's answer costs time in proportion to its size, never the stack: layout and
/// comments before the root, deep unknown nesting, many references.
#[test]
fn hostile_layouts_are_read_without_recursion() {
    let body = "<returncode>SUCCESS</returncode><meetings><meeting><meetingName>";
    let xml = format!(
        "{}<response>{body}{}</meetingName>{}{}</meeting></meetings></response>",
        " <!-- -->".repeat(200_000),
        "&amp;".repeat(100_000),
        "<unknown>".repeat(50_000),
        "</unknown>".repeat(50_000),
    );
    let read = MeetingsResponse::read_success(&xml).expect("read in one pass");
    assert_eq!(read.meetings.meeting[0].meeting_name.len(), 100_000);
    assert_eq!(Some(read), serde_success(&xml));
}
