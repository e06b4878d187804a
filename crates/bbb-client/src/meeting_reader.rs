//! One-pass readers for the two documents that describe meetings, `getMeetings` and
//! `getMeetingInfo`: the largest answers BBB gives (a busy server's `getMeetings` runs to
//! hundreds of kilobytes) and the ones read most often (every page with live data, every
//! health poll, every listing through the BBB endpoint).
//!
//! Through serde, such a document is parsed twice — once for its envelope (is it a
//! failure?), once for its content — and serde's XML deserializer costs about three times a
//! plain pass over quick-xml's events. These readers take that one pass and build the
//! [`crate::model`] types directly.
//!
//! They read exactly what the serde path reads, for the documents BBB sends: a plain success
//! envelope, elements without attributes or namespace prefixes, each field at most once, text
//! of `Text`, `CDATA`, the predefined entities and character references. Anything else (a
//! failure, an unknown entity, a DOCTYPE, mixed content, a duplicated field, a number that
//! does not parse, a malformed document…) is not theirs to judge: they answer `None`, and
//! [`crate::response::decode`] hands the document to serde, which reads it or says what is
//! wrong with it. So a document reads to the same value, or fails with the same error, by
//! either path; `tests/meeting_documents.rs` checks that on generated and mangled documents.

use std::borrow::Cow;
use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::model::{
    Attendee, Attendees, BreakoutInfo, BreakoutRooms, MeetingInfo, Meetings, MeetingsResponse,
    ReturnCode, XmlMap,
};
use crate::response::is_failure_key;

/// The reader met something it leaves to serde (see the module's documentation).
struct LeftToSerde;

type Read<T> = Result<T, LeftToSerde>;

/// A `getMeetings` document, when it is a plain success these readers cover.
pub fn meetings_response(xml: &str) -> Option<MeetingsResponse> {
    read_meetings_response(xml).ok()
}

/// A `getMeetingInfo` document (the meeting's fields straight under the root), when it is a
/// plain success these readers cover.
pub fn meeting_info_response(xml: &str) -> Option<MeetingInfo> {
    read_meeting_info_response(xml).ok()
}

fn read_meetings_response(xml: &str) -> Read<MeetingsResponse> {
    let mut document = Document::new(xml)?;
    document.root()?;
    let mut seen = Seen::default();
    let (mut returncode, mut meetings, mut message_key, mut message) = (None, None, None, None);
    while let Some(child) = document.next_child()? {
        match child.name() {
            "returncode" => returncode = Some(seen.once(0, document.text())?),
            "meetings" => meetings = Some(seen.once(1, document.meetings())?),
            "messageKey" => message_key = Some(seen.once(2, document.text())?),
            "message" => message = Some(seen.once(3, document.text())?),
            // The envelope's multi-error list: only failures carry it.
            "errors" => return Err(LeftToSerde),
            _ => document.skip(&child)?,
        }
    }
    plain_success(returncode.as_deref(), message_key.as_deref())?;
    Ok(MeetingsResponse {
        returncode: ReturnCode::Success,
        meetings: meetings.unwrap_or_default(),
        message_key: message_key.map(Cow::into_owned),
        message: message.map(Cow::into_owned),
    })
}

fn read_meeting_info_response(xml: &str) -> Read<MeetingInfo> {
    let mut document = Document::new(xml)?;
    document.root()?;
    let mut meeting = MeetingInfo::default();
    let (mut envelope, mut fields) = (Seen::default(), Seen::default());
    let (mut returncode, mut message_key) = (None, None);
    while let Some(child) = document.next_child()? {
        match child.name() {
            "returncode" => returncode = Some(envelope.once(0, document.text())?),
            // Read by the envelope only: the meeting has no such fields.
            "messageKey" => message_key = Some(envelope.once(1, document.text())?),
            "message" => envelope.once(2, document.text()).map(drop)?,
            "errors" => return Err(LeftToSerde),
            _ => document.meeting_field(&child, &mut meeting, &mut fields)?,
        }
    }
    plain_success(returncode.as_deref(), message_key.as_deref())?;
    meeting.returncode = Some(ReturnCode::Success);
    Ok(meeting)
}

/// Whether the envelope is a success that [`crate::response::decode`] passes on: a
/// `returncode` of exactly `SUCCESS` (serde reads anything else as `FAILED`) and no key that
/// means failure.
fn plain_success(returncode: Option<&str>, message_key: Option<&str>) -> Read<()> {
    if returncode != Some("SUCCESS") || message_key.is_some_and(is_failure_key) {
        return Err(LeftToSerde);
    }
    Ok(())
}

/// Which fields of one element were read, to leave a duplicated one to serde (which refuses
/// it: "duplicate field").
#[derive(Default)]
struct Seen(u64);

impl Seen {
    fn once<T>(&mut self, field: u32, value: Read<T>) -> Read<T> {
        let bit = 1 << field;
        if self.0 & bit != 0 {
            return Err(LeftToSerde);
        }
        self.0 |= bit;
        value
    }
}

/// How an XML declaration starts.
const DECLARATION: &str = "<?xml";

/// An element just opened.
struct Element<'a> {
    start: BytesStart<'a>,
}

impl Element<'_> {
    fn name(&self) -> &str {
        self.start.name().0
    }
}

/// The document's events, as serde's deserializer sees them: empty elements expanded into a
/// start and an end, comments and processing instructions left out, the XML version taken
/// from the declaration.
struct Document<'a> {
    reader: Reader<&'a [u8]>,
    version: XmlVersion,
}

impl<'a> Document<'a> {
    /// The document, unless it declares its XML version anywhere but at its start: serde reads
    /// such a declaration one event ahead (and also inside the elements it skips), so where it
    /// changes how text is read is serde's to say.
    fn new(xml: &'a str) -> Read<Self> {
        let body = xml.trim_start_matches([' ', '\t', '\r', '\n']);
        let after_first_declaration = body.strip_prefix(DECLARATION).unwrap_or(body);
        if after_first_declaration.contains(DECLARATION) {
            return Err(LeftToSerde);
        }
        let mut reader = Reader::from_str(xml);
        reader.config_mut().expand_empty_elements = true;
        Ok(Document {
            reader,
            version: XmlVersion::Implicit1_0,
        })
    }

    /// The next event serde would see.
    fn event(&mut self) -> Read<Event<'a>> {
        loop {
            match self.reader.read_event().map_err(|_| LeftToSerde)? {
                Event::Decl(declaration) => {
                    self.version = declaration.xml_version().map_err(|_| LeftToSerde)?;
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::DocType(_) => return Err(LeftToSerde),
                event => return Ok(event),
            }
        }
    }

    /// Opens the root element, whatever its name (serde does not look at it).
    fn root(&mut self) -> Read<()> {
        loop {
            return match self.event()? {
                Event::Start(start) => element(start).map(drop),
                Event::Text(text) if is_blank(&text) => continue,
                _ => Err(LeftToSerde),
            };
        }
    }

    /// The next child element of `parent`, or `None` at its end. Blank text between elements
    /// is layout; other text there would be content serde reads as `$text`.
    fn next_child(&mut self) -> Read<Option<Element<'a>>> {
        loop {
            return match self.event()? {
                Event::Start(start) => element(start).map(Some),
                Event::End(_) => Ok(None),
                Event::Text(text) if is_blank(&text) => continue,
                _ => Err(LeftToSerde),
            };
        }
    }

    /// Skips the element just opened, with everything inside it.
    fn skip(&mut self, opened: &Element<'a>) -> Read<()> {
        self.reader
            .read_to_end(opened.start.name())
            .map(drop)
            .map_err(|_| LeftToSerde)
    }

    /// The text of the element just opened, up to its end: its text, CDATA sections and
    /// references, joined as they come (nothing trimmed, like serde's strings).
    fn text(&mut self) -> Read<Cow<'a, str>> {
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            let piece = match self.event()? {
                Event::End(_) => return Ok(text),
                Event::Text(piece) => piece.xml_content(self.version),
                Event::CData(piece) => piece.xml_content(self.version),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(character)) => character,
                        Ok(None) => predefined_entity(&reference).ok_or(LeftToSerde)?,
                        Err(_) => return Err(LeftToSerde),
                    };
                    text.to_mut().push(resolved);
                    continue;
                }
                _ => return Err(LeftToSerde), // an element inside: mixed content
            };
            if text.is_empty() {
                text = piece;
            } else {
                text.to_mut().push_str(&piece);
            }
        }
    }

    fn string(&mut self) -> Read<String> {
        self.text().map(Cow::into_owned)
    }

    /// A number as serde reads one: the text without XML white space, parsed by `FromStr`.
    fn number<N: std::str::FromStr>(&mut self) -> Read<N> {
        trim_xml_spaces(&self.text()?)
            .parse()
            .map_err(|_| LeftToSerde)
    }

    /// A boolean as serde reads one: `true`/`1` or `false`/`0`, XML white space around.
    fn boolean(&mut self) -> Read<bool> {
        match trim_xml_spaces(&self.text()?) {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(LeftToSerde),
        }
    }

    /// `<metadata>` and `<customdata>`: element name → text, trimmed as the model trims them;
    /// a repeated name keeps its last value, as serde's map does.
    fn map(&mut self) -> Read<XmlMap> {
        let mut map = BTreeMap::new();
        while let Some(child) = self.next_child()? {
            let name = child.name().to_owned();
            let value = self.text()?;
            map.insert(name, value.trim().to_owned());
        }
        Ok(map)
    }

    /// The children named `item` of the element just opened, each read by `read_item`; other
    /// children are skipped. The items must come in one run: serde refuses a list split by
    /// other elements.
    fn list<T>(
        &mut self,
        item: &str,
        mut read_item: impl FnMut(&mut Self) -> Read<T>,
    ) -> Read<Vec<T>> {
        let mut items = Vec::new();
        let mut run_ended = false;
        while let Some(child) = self.next_child()? {
            if child.name() == item {
                if run_ended {
                    return Err(LeftToSerde);
                }
                items.push(read_item(self)?);
            } else {
                run_ended = !items.is_empty();
                self.skip(&child)?;
            }
        }
        Ok(items)
    }

    /// One field of a meeting, for `getMeetingInfo`'s root and each `<meeting>`; `seen`
    /// holds the meeting's fields read so far.
    fn meeting_field(
        &mut self,
        child: &Element<'a>,
        meeting: &mut MeetingInfo,
        seen: &mut Seen,
    ) -> Read<()> {
        match child.name() {
            "meetingName" => meeting.meeting_name = seen.once(0, self.string())?,
            "meetingID" => meeting.meeting_id = seen.once(1, self.string())?,
            "internalMeetingID" => {
                meeting.internal_meeting_id = seen.once(2, self.string())?;
            }
            "createTime" => meeting.create_time = seen.once(3, self.number())?,
            "createDate" => meeting.create_date = seen.once(4, self.string())?,
            "voiceBridge" => meeting.voice_bridge = seen.once(5, self.string())?,
            "dialNumber" => meeting.dial_number = seen.once(6, self.string())?,
            "attendeePW" => meeting.attendee_pw = Some(seen.once(7, self.string())?),
            "moderatorPW" => meeting.moderator_pw = Some(seen.once(8, self.string())?),
            "running" => meeting.running = seen.once(9, self.boolean())?,
            "duration" => meeting.duration = seen.once(10, self.number())?,
            "hasUserJoined" => meeting.has_user_joined = seen.once(11, self.boolean())?,
            "recording" => meeting.recording = seen.once(12, self.boolean())?,
            "hasBeenForciblyEnded" => {
                meeting.has_been_forcibly_ended = seen.once(13, self.boolean())?;
            }
            "startTime" => meeting.start_time = seen.once(14, self.number())?,
            "endTime" => meeting.end_time = seen.once(15, self.number())?,
            "participantCount" => {
                meeting.participant_count = seen.once(16, self.number())?;
            }
            "listenerCount" => meeting.listener_count = seen.once(17, self.number())?,
            "voiceParticipantCount" => {
                meeting.voice_participant_count = seen.once(18, self.number())?;
            }
            "videoCount" => meeting.video_count = seen.once(19, self.number())?,
            "maxUsers" => meeting.max_users = seen.once(20, self.number())?,
            "moderatorCount" => meeting.moderator_count = seen.once(21, self.number())?,
            "attendees" => meeting.attendees = seen.once(22, self.attendees())?,
            "metadata" => meeting.metadata = seen.once(23, self.map())?,
            "isBreakout" => meeting.is_breakout = seen.once(24, self.boolean())?,
            "parentMeetingID" => {
                meeting.parent_meeting_id = Some(seen.once(25, self.string())?);
            }
            "sequence" => meeting.sequence = Some(seen.once(26, self.number())?),
            "freeJoin" => meeting.free_join = Some(seen.once(27, self.boolean())?),
            "breakout" => meeting.breakout = Some(seen.once(28, self.breakout())?),
            "breakoutRooms" => {
                meeting.breakout_rooms = Some(seen.once(29, self.breakout_rooms())?);
            }
            // Only getMeetingInfo's root has one, and it is read there as the envelope's.
            "returncode" => return Err(LeftToSerde),
            _ => self.skip(child)?,
        }
        Ok(())
    }

    fn meetings(&mut self) -> Read<Meetings> {
        let meeting = self.list("meeting", |document| {
            let (mut meeting, mut seen) = (MeetingInfo::default(), Seen::default());
            while let Some(field) = document.next_child()? {
                document.meeting_field(&field, &mut meeting, &mut seen)?;
            }
            Ok(meeting)
        })?;
        Ok(Meetings { meeting })
    }

    fn attendees(&mut self) -> Read<Attendees> {
        let attendee = self.list("attendee", Self::attendee)?;
        Ok(Attendees { attendee })
    }

    fn attendee(&mut self) -> Read<Attendee> {
        let mut attendee = Attendee::default();
        let mut seen = Seen::default();
        while let Some(child) = self.next_child()? {
            match child.name() {
                "userID" => attendee.user_id = seen.once(0, self.string())?,
                "fullName" => attendee.full_name = seen.once(1, self.string())?,
                "role" => attendee.role = seen.once(2, self.string())?,
                "isPresenter" => attendee.is_presenter = seen.once(3, self.boolean())?,
                "isListeningOnly" => {
                    attendee.is_listening_only = seen.once(4, self.boolean())?;
                }
                "hasJoinedVoice" => {
                    attendee.has_joined_voice = seen.once(5, self.boolean())?;
                }
                "hasVideo" => attendee.has_video = seen.once(6, self.boolean())?,
                "clientType" => attendee.client_type = seen.once(7, self.string())?,
                "customdata" => attendee.customdata = Some(seen.once(8, self.map())?),
                _ => self.skip(&child)?,
            }
        }
        Ok(attendee)
    }

    fn breakout(&mut self) -> Read<BreakoutInfo> {
        let mut breakout = BreakoutInfo::default();
        let mut seen = Seen::default();
        while let Some(child) = self.next_child()? {
            match child.name() {
                "parentMeetingID" => {
                    breakout.parent_meeting_id = seen.once(0, self.string())?;
                }
                "sequence" => breakout.sequence = seen.once(1, self.number())?,
                "freeJoin" => breakout.free_join = seen.once(2, self.boolean())?,
                _ => self.skip(&child)?,
            }
        }
        Ok(breakout)
    }

    fn breakout_rooms(&mut self) -> Read<BreakoutRooms> {
        let breakout = self.list("breakout", Self::string)?;
        Ok(BreakoutRooms { breakout })
    }
}

/// An element these readers can name as serde does: no attributes (serde reads them as
/// `@name` fields or map entries) and no namespace prefix (serde resolves those).
fn element(start: BytesStart<'_>) -> Read<Element<'_>> {
    if !trim_xml_spaces(start.attributes_raw()).is_empty() || start.name().0.contains(':') {
        return Err(LeftToSerde);
    }
    Ok(Element { start })
}

fn is_blank(text: &quick_xml::events::BytesText<'_>) -> bool {
    trim_xml_spaces(text).is_empty()
}

/// XML's white space: space, tab, carriage return, line feed.
fn trim_xml_spaces(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

/// The five entities every XML document has.
fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}
