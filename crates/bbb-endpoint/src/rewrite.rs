//! getMeetingInfo and getMeetings answers rewritten as they stream by, instead of being parsed
//! into the model and serialised anew.
//!
//! Why this exists: these two calls are the endpoint's busiest, and reading each backend
//! document into [`bbb_client::model::MeetingInfo`] only to write it out again cost about a
//! quarter of the gateway's CPU on them. Between the backend's answer and the client's only a
//! few texts change: the meeting's own `<meetingID>` (backend ID → the client's), callback URLs
//! in `<metadata>` that create routed through the gateway (→ the client's originals, the rule
//! of [`callbacks::original_url`]), and for getMeetings which `<meeting>`s are shown. So the
//! document is read token by token ([`Markup`]), the byte ranges of those texts are noted,
//! and everything else is copied through as the backend's bytes. That also keeps what the
//! model does not know (elements of newer BBB versions, CDATA, whitespace), which the model
//! path silently dropped.
//!
//! A document this reader cannot vouch for as well-formed and `SUCCESS` (truncated, mismatched
//! tags, a DTD, an unknown entity, markup inside a meetingID, a `FAILED` returncode…) gives
//! `None`: the caller then takes the model path, which reports failures and errors as before.

use std::borrow::Cow;
use std::ops::Range;

use bbb_client::xml::quick_xml;
use bytes::Bytes;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesCData, BytesDecl, BytesRef, BytesStart, BytesText};

use crate::callbacks;

/// The getMeetingInfo document `body` as the client sees it: its meetingID replaced by
/// `client_id` and relayed callback URLs by the client's own. `None` when the document is not
/// one this reader takes (see the module documentation).
pub fn meeting_info(body: &[u8], client_id: &str) -> Option<Vec<u8>> {
    let text = utf8_without_bom(body)?;
    let meetings = Scanner::new(text, Shape::Info).run()?;
    let meeting = meetings.first()?;
    // Without a meetingID there is nothing to put the client's ID in: the model path adds one.
    meeting.backend_id.as_ref()?;
    // Sized exactly: the answer goes out as `Bytes`, which takes over a full vector as it is
    // but needs an allocation of its own for one with room to spare.
    let mut out = Vec::with_capacity(meeting.written_len(client_id));
    meeting.write(text.as_bytes(), client_id, &mut out)?;
    Some(out)
}

/// One server's getMeetings answer, read: its bytes and where each meeting stands in them.
pub struct MeetingList {
    body: Bytes,
    meetings: Vec<MeetingSpan>,
}

impl MeetingList {
    /// Reads a getMeetings document; `None` when it is not one this reader takes.
    pub fn scan(body: Bytes) -> Option<MeetingList> {
        let text = utf8_without_bom(&body)?;
        // Spans count from after a byte order mark, so the kept bytes start there too.
        let body = body.slice(body.len() - text.len()..);
        let meetings = Scanner::new(text, Shape::List).run()?;
        Some(MeetingList { body, meetings })
    }

    /// The size of the document.
    pub fn len_bytes(&self) -> usize {
        self.body.len()
    }

    /// The meetings, in the document's order.
    pub fn meetings(&self) -> impl Iterator<Item = ListedMeeting<'_>> {
        self.meetings.iter().map(|meeting| ListedMeeting {
            body: &self.body,
            meeting,
        })
    }
}

/// One `<meeting>` of a [`MeetingList`].
pub struct ListedMeeting<'a> {
    body: &'a [u8],
    meeting: &'a MeetingSpan,
}

impl<'a> ListedMeeting<'a> {
    /// Its meetingID on the backend (empty when it has none, as the model reads it).
    pub fn backend_id(&self) -> &'a str {
        self.meeting.backend_id.as_deref().unwrap_or_default()
    }

    /// Appends the `<meeting>` element as the client sees it, under `client_id`. Returns false,
    /// having appended nothing, if its noted ranges do not fit the document (they always do).
    pub fn write_as(&self, client_id: &str, out: &mut Vec<u8>) -> bool {
        let mark = out.len();
        let written = self.meeting.write(self.body, client_id, out).is_some();
        if !written {
            out.truncate(mark);
        }
        written
    }
}

/// Element text escaped exactly as quick-xml's serializer (and so the model path) escapes it.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (at, byte) in bytes.iter().enumerate() {
        let Some(escaped) = escape_of(*byte) else {
            continue;
        };
        out.extend_from_slice(bytes.get(copied..at).unwrap_or_default());
        out.extend_from_slice(escaped);
        copied = at + 1;
    }
    out.extend_from_slice(bytes.get(copied..).unwrap_or_default());
}

/// What [`push_escaped`] writes for a byte, if it does not stand as it is.
fn escape_of(byte: u8) -> Option<&'static [u8]> {
    match byte {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        // A raw CR would read back as LF (XML end-of-line handling).
        b'\r' => Some(b"&#13;"),
        _ => None,
    }
}

/// How many bytes [`push_escaped`] writes for `text`.
fn escaped_len(text: &str) -> usize {
    text.bytes()
        .map(|byte| escape_of(byte).map_or(1, <[u8]>::len))
        .sum()
}

/// The body as text, without a leading byte order mark (the model path skips it; the
/// tokeniser would take it for text before the root).
fn utf8_without_bom(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    Some(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Which document is read, which says where its meetings stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// getMeetingInfo: `<response>` itself describes the meeting.
    Info,
    /// getMeetings: each `<response><meetings><meeting>` describes one.
    List,
}

/// What an open element is, as far as the rewrite is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Response,
    ReturnCode,
    Meetings,
    Meeting,
    /// The meeting's own `<meetingID>`.
    MeetingId,
    /// The meeting's own `<metadata>`.
    Metadata,
    /// A metadata entry whose name makes it a callback URL.
    Callback,
    Other,
}

impl Role {
    /// Roles whose text is read (and which must therefore hold text only).
    fn reads_text(self) -> bool {
        matches!(self, Role::ReturnCode | Role::MeetingId | Role::Callback)
    }
}

/// One meeting of a document: its bytes, its backend meetingID and the changes inside it, in
/// document order.
#[derive(Debug)]
struct MeetingSpan {
    span: Range<usize>,
    backend_id: Option<String>,
    edits: Vec<Edit>,
}

impl MeetingSpan {
    /// The meeting's bytes with its edits applied; `None` if a range does not fit `body`.
    fn write(&self, body: &[u8], client_id: &str, out: &mut Vec<u8>) -> Option<()> {
        let mut copied = self.span.start;
        for edit in &self.edits {
            out.extend_from_slice(body.get(copied..edit.span.start)?);
            edit.with.write(client_id, out);
            copied = edit.span.end;
        }
        out.extend_from_slice(body.get(copied..self.span.end)?);
        Some(())
    }

    /// How many bytes [`Self::write`] appends (if its ranges fit the body).
    fn written_len(&self, client_id: &str) -> usize {
        let replaced: usize = self.edits.iter().map(|edit| edit.span.len()).sum();
        let written: usize = self.edits.iter().map(|edit| edit.with.len(client_id)).sum();
        (self.span.len() + written).saturating_sub(replaced)
    }
}

/// A range of the backend's bytes and what replaces it.
#[derive(Debug)]
struct Edit {
    span: Range<usize>,
    with: Replacement,
}

#[derive(Debug)]
enum Replacement {
    /// The text of `<meetingID>…</meetingID>` becomes the client's ID.
    ClientId,
    /// A whole empty `<meetingID/>` becomes `<meetingID>client's ID</meetingID>`.
    ClientIdElement,
    /// The text of a callback entry becomes the client's own URL.
    Text(String),
}

impl Replacement {
    const ELEMENT_OPEN: &[u8] = b"<meetingID>";
    const ELEMENT_CLOSE: &[u8] = b"</meetingID>";

    fn len(&self, client_id: &str) -> usize {
        match self {
            Replacement::ClientId => escaped_len(client_id),
            Replacement::ClientIdElement => {
                Self::ELEMENT_OPEN.len() + escaped_len(client_id) + Self::ELEMENT_CLOSE.len()
            }
            Replacement::Text(text) => escaped_len(text),
        }
    }

    fn write(&self, client_id: &str, out: &mut Vec<u8>) {
        match self {
            Replacement::ClientId => push_escaped(out, client_id),
            Replacement::ClientIdElement => {
                out.extend_from_slice(Self::ELEMENT_OPEN);
                push_escaped(out, client_id);
                out.extend_from_slice(Self::ELEMENT_CLOSE);
            }
            Replacement::Text(text) => push_escaped(out, text),
        }
    }
}

/// The text of an element whose text is read, as the model would read it.
struct TextElement<'a> {
    role: Role,
    /// Where its content starts: right after its start tag.
    content_start: usize,
    /// Borrowed from the document while it is one piece of text that reads as it stands, as
    /// nearly every such text is.
    text: Cow<'a, str>,
}

/// Reads one document, noting its meetings; see [`Scanner::run`].
struct Scanner<'a> {
    body: &'a str,
    shape: Shape,
    /// For end-of-line handling of texts, as the model path does it.
    version: XmlVersion,
    /// The roles of the open elements, outermost first.
    open: Vec<Role>,
    root_closed: bool,
    returncode: Option<Cow<'a, str>>,
    seen_meetings: bool,
    reading: Option<TextElement<'a>>,
    meetings: Vec<MeetingSpan>,
}

impl<'a> Scanner<'a> {
    fn new(body: &'a str, shape: Shape) -> Self {
        let meetings = match shape {
            // The whole document is the meeting.
            Shape::Info => vec![MeetingSpan {
                span: 0..body.len(),
                backend_id: None,
                edits: Vec::new(),
            }],
            Shape::List => Vec::new(),
        };
        Scanner {
            body,
            shape,
            version: XmlVersion::Implicit1_0,
            open: Vec::with_capacity(8),
            root_closed: false,
            returncode: None,
            seen_meetings: false,
            reading: None,
            meetings,
        }
    }

    /// The document's meetings, if it is a well-formed `SUCCESS` document this reader takes.
    fn run(mut self) -> Option<Vec<MeetingSpan>> {
        let mut markup = Markup::new(self.body);
        while let Some((token, start, end)) = markup.next()? {
            match token {
                Token::Start(element) => self.start(&element, start, end)?,
                Token::Empty(element) => self.empty(&element, start, end)?,
                Token::End => self.end(start, end)?,
                Token::Text { text, plain } => self.text(text, plain)?,
                Token::CData(content) => {
                    if self.reading.is_some() {
                        let content = BytesCData::new(content).xml_content(self.version);
                        self.read(content)?;
                    } else {
                        self.read(Cow::Borrowed(""))?;
                    }
                }
                // [`Markup`] gives one only at the document's start.
                Token::Decl(declaration) => self.version = declaration.xml_version().ok()?,
            }
        }
        if !markup.open.is_empty() {
            return None;
        }
        let success = self.returncode.as_deref() == Some("SUCCESS");
        (self.root_closed && success).then_some(self.meetings)
    }

    fn start(&mut self, element: &BytesStart<'_>, start: usize, end: usize) -> Option<()> {
        let role = self.role_of(element)?;
        match role {
            Role::Meetings => self.claim_meetings()?,
            Role::Meeting => self.meetings.push(MeetingSpan {
                span: start..start,
                backend_id: None,
                edits: Vec::new(),
            }),
            _ => {}
        }
        if role.reads_text() {
            self.claim_text(role)?;
            self.reading = Some(TextElement {
                role,
                content_start: end,
                text: Cow::Borrowed(""),
            });
        }
        self.open.push(role);
        Some(())
    }

    fn empty(&mut self, element: &BytesStart<'_>, start: usize, end: usize) -> Option<()> {
        let role = self.role_of(element)?;
        match role {
            // A root without content has no returncode.
            Role::Response => return None,
            Role::Meetings => self.claim_meetings()?,
            Role::Meeting => self.meetings.push(MeetingSpan {
                span: start..end,
                backend_id: None,
                edits: Vec::new(),
            }),
            Role::MeetingId => {
                self.claim_text(role)?;
                let meeting = self.meetings.last_mut()?;
                meeting.backend_id = Some(String::new());
                meeting.edits.push(Edit {
                    span: start..end,
                    with: Replacement::ClientIdElement,
                });
            }
            Role::ReturnCode | Role::Callback => {
                self.claim_text(role)?;
                let element = TextElement {
                    role,
                    content_start: end,
                    text: Cow::Borrowed(""),
                };
                self.finish(element, end)?;
            }
            Role::Metadata | Role::Other => {}
        }
        Some(())
    }

    fn end(&mut self, start: usize, end: usize) -> Option<()> {
        let role = self.open.pop()?;
        if let Some(element) = self.reading.take() {
            self.finish(element, start)?;
        }
        if role == Role::Meeting {
            self.meetings.last_mut()?.span.end = end;
        }
        self.root_closed = self.open.is_empty();
        Some(())
    }

    /// Character data between tags, references included (each must be one the model reads).
    fn text(&mut self, text: &'a str, plain: bool) -> Option<()> {
        // `]]>` may not stand in text: the model path escaped it, a copy would not.
        if !plain && memchr::memmem::find(text.as_bytes(), b"]]>").is_some() {
            return None;
        }
        if self.open.is_empty() {
            // Outside the root only whitespace may stand.
            return text
                .bytes()
                .all(|byte| byte.is_ascii_whitespace())
                .then_some(());
        }
        let mut rest = text;
        while !plain && let Some(at) = rest.find('&') {
            let (before, reference) = rest.split_at(at);
            let (name, after) = reference[1..].split_once(';')?;
            if name.contains('&') {
                return None;
            }
            let resolved = referenced(&BytesRef::new(name))?;
            if self.reading.is_some() {
                self.read(BytesText::from_escaped(before).xml_content(self.version))?;
                self.read(resolved)?;
            }
            rest = after;
        }
        if self.reading.is_some() {
            self.read(BytesText::from_escaped(rest).xml_content(self.version))?;
        }
        Some(())
    }

    /// Adds decoded text to the element being read; text outside the root is refused.
    fn read(&mut self, text: Cow<'a, str>) -> Option<()> {
        if self.open.is_empty() {
            return None;
        }
        if let Some(element) = &mut self.reading {
            if element.text.is_empty() {
                element.text = text;
            } else {
                element.text.to_mut().push_str(&text);
            }
        }
        Some(())
    }

    /// Notes what a text-only element said; its content ends where its end tag starts.
    fn finish(&mut self, element: TextElement<'a>, content_end: usize) -> Option<()> {
        let span = element.content_start..content_end;
        match element.role {
            Role::ReturnCode => self.returncode = Some(element.text),
            Role::MeetingId => {
                let meeting = self.meetings.last_mut()?;
                meeting.backend_id = Some(element.text.into_owned());
                meeting.edits.push(Edit {
                    span,
                    with: Replacement::ClientId,
                });
            }
            // The model trims metadata values before un-masking them; so does this.
            Role::Callback => {
                if let Some(url) = callbacks::original_url(element.text.trim()) {
                    self.meetings.last_mut()?.edits.push(Edit {
                        span,
                        with: Replacement::Text(url),
                    });
                }
            }
            _ => {}
        }
        Some(())
    }

    /// The role of an element about to open; `None` where no element may stand or for
    /// markup the copy could not carry.
    fn role_of(&self, element: &BytesStart<'_>) -> Option<Role> {
        // Markup inside a meetingID, returncode or callback URL is no text the model reads.
        if self.reading.is_some() || self.root_closed || !attributes_are_sound(element) {
            return None;
        }
        let name = element.name();
        let role = match (self.open.last(), name.as_ref()) {
            (None, "response") => Role::Response,
            (None, _) => return None,
            (Some(Role::Response), "returncode") => Role::ReturnCode,
            (Some(Role::Response), "meetings") if self.shape == Shape::List => Role::Meetings,
            (Some(Role::Meetings), "meeting") => Role::Meeting,
            (Some(&parent), "meetingID") if self.holds_meeting(parent) => Role::MeetingId,
            (Some(&parent), "metadata") if self.holds_meeting(parent) => Role::Metadata,
            (Some(Role::Metadata), name) if callbacks::is_callback_metadata(name) => Role::Callback,
            _ => Role::Other,
        };
        // getMeetings' envelope is the gateway's own: what these tags declare would be lost.
        let envelope = matches!(role, Role::Response | Role::Meetings);
        if self.shape == Shape::List && envelope && !element.attributes_raw().trim().is_empty() {
            return None;
        }
        Some(role)
    }

    /// Whether an element of this role is a meeting, whose own meetingID and metadata change.
    fn holds_meeting(&self, role: Role) -> bool {
        match self.shape {
            Shape::Info => role == Role::Response,
            Shape::List => role == Role::Meeting,
        }
    }

    /// A second `<meetings>` would make the model refuse the document.
    fn claim_meetings(&mut self) -> Option<()> {
        if self.seen_meetings {
            return None;
        }
        self.seen_meetings = true;
        Some(())
    }

    /// A second returncode or meetingID would make the model refuse the document.
    fn claim_text(&self, role: Role) -> Option<()> {
        let taken = match role {
            Role::ReturnCode => self.returncode.is_some(),
            Role::MeetingId => self.meetings.last()?.backend_id.is_some(),
            _ => false,
        };
        (!taken).then_some(())
    }
}

/// One piece of markup as [`Markup`] finds it.
enum Token<'a> {
    Start(BytesStart<'a>),
    Empty(BytesStart<'a>),
    /// An end tag, already matched against its start tag.
    End,
    /// Character data, with its references still in it; `plain` when it holds neither a
    /// reference nor `>`, as most texts do.
    Text {
        text: &'a str,
        plain: bool,
    },
    CData(&'a str),
    Decl(BytesDecl<'a>),
}

/// A strict, minimal XML tokeniser for the documents above: it finds tags by scanning for `<`
/// and `>` and checks what copying the bytes relies on (tags close and nest, comments and
/// CDATA end, processing instructions open with a target, the declaration stands first, no
/// DTD), leaving texts and references to [`Scanner`]. quick-xml's reader did the same at about
/// four times the cost, which on these calls was a fifth of the gateway's CPU.
/// Comments and processing instructions are skipped, as the model path skips them.
struct Markup<'a> {
    body: &'a str,
    at: usize,
    /// Names of the open elements, innermost last, to match end tags with.
    open: Vec<&'a str>,
}

impl<'a> Markup<'a> {
    fn new(body: &'a str) -> Self {
        Markup {
            body,
            at: 0,
            // Deep enough for BBB's documents without growing.
            open: Vec::with_capacity(8),
        }
    }

    /// The next token and its byte range: `Some(None)` at the end, `None` for anything not
    /// well-formed. This runs a few hundred times per answer: texts and the usual tags
    /// (`<name>`, `<name/>`, `</name>`) are read in one byte pass each, other markup is told
    /// apart by the byte after `<` and its end found with `memchr`.
    fn next(&mut self) -> Option<Option<(Token<'a>, usize, usize)>> {
        let bytes = self.body.as_bytes();
        loop {
            let start = self.at;
            let rest = bytes.get(start..)?;
            let Some(&first) = rest.first() else {
                return Some(None);
            };
            if first != b'<' {
                let (len, plain) = text_len(rest);
                let end = start + len;
                self.at = end;
                let text = self.body.get(start..end)?;
                return Some(Some((Token::Text { text, plain }, start, end)));
            }
            let token = match rest.get(1) {
                Some(b'!') if rest.starts_with(b"<!--") => {
                    let after = rest.get(4..)?;
                    let close = memchr::memmem::find(after, b"-->")?;
                    let comment = after.get(..close)?;
                    // As quick-xml's `check_comments`: the copy must stay a valid comment.
                    if memchr::memmem::find(comment, b"--").is_some() || comment.ends_with(b"-") {
                        return None;
                    }
                    self.at = start + 4 + close + 3;
                    continue;
                }
                Some(b'!') if rest.starts_with(b"<![CDATA[") => {
                    let close = memchr::memmem::find(rest.get(9..)?, b"]]>")?;
                    self.at = start + 9 + close + 3;
                    Token::CData(self.body.get(start + 9..start + 9 + close)?)
                }
                // A DTD may declare entities that the copied bytes would then lack.
                Some(b'!') => return None,
                Some(b'?') => {
                    let close = memchr::memmem::find(rest.get(2..)?, b"?>")?;
                    self.at = start + 2 + close + 2;
                    let content = self.body.get(start + 2..start + 2 + close)?;
                    // XML's PITarget: a name right after `<?`. Without one, readers disagree
                    // on where the instruction ends (quick-xml ends `<?>` at once and fails on
                    // it, this scan went on to the next `?>`), so the copy would not read back.
                    let target = content.get(..name_len(content)?)?;
                    if !target.eq_ignore_ascii_case("xml") {
                        continue;
                    }
                    // A target spelled `xml` is only the declaration, which may only stand at
                    // the very start (after a byte order mark, which `body` no longer has).
                    if start != 0 || target != "xml" {
                        return None;
                    }
                    Token::Decl(BytesDecl::from_start(BytesStart::from_content(content, 3)))
                }
                Some(b'/') => {
                    let expected = *self.open.last()?;
                    let name_end = 2 + expected.len();
                    // The usual end tag, `</name>` right after its start tag's name.
                    if rest.get(2..name_end) == Some(expected.as_bytes())
                        && rest.get(name_end) == Some(&b'>')
                    {
                        self.at = start + name_end + 1;
                    } else {
                        let close = memchr::memchr(b'>', rest.get(2..)?)?;
                        self.at = start + 2 + close + 1;
                        let name = self
                            .body
                            .get(start + 2..start + 2 + close)?
                            .trim_end_matches(|c: char| c.is_ascii_whitespace());
                        if expected != name {
                            return None;
                        }
                    }
                    self.open.pop();
                    Token::End
                }
                _ => {
                    // The usual start tag, `<name>` or `<name/>`, is read in one pass; a tag
                    // with attributes (or anything else) by the general rules below.
                    let name_end = 1 + name_run(rest.get(1..)?);
                    // Where the bare tag's `>` stands, and whether it is empty.
                    let bare = match rest.get(name_end..) {
                        Some([b'>', ..]) => Some((name_end, false)),
                        Some([b'/', b'>', ..]) => Some((name_end + 1, true)),
                        _ => None,
                    };
                    let (close, empty, content, name_len) = match bare {
                        Some((close, empty)) => {
                            let name = self.body.get(start + 1..start + name_end)?;
                            if !starts_as_name(name) {
                                return None;
                            }
                            (close, empty, name, name.len())
                        }
                        None => {
                            let close = tag_end(rest)?;
                            let inner = self.body.get(start + 1..start + close)?;
                            let (content, empty) = match inner.strip_suffix('/') {
                                Some(content) => (content, true),
                                None => (inner, false),
                            };
                            (close, empty, content, name_len(content)?)
                        }
                    };
                    self.at = start + close + 1;
                    let element = BytesStart::from_content(content, name_len);
                    if empty {
                        Token::Empty(element)
                    } else {
                        self.open.push(content.get(..name_len)?);
                        Token::Start(element)
                    }
                }
            };
            return Some(Some((token, start, self.at)));
        }
    }
}

/// Where the tag opening `tag` ends (its `>`), quoted attribute values skipped.
fn tag_end(tag: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (at, &byte) in tag.iter().enumerate().skip(1) {
        match (quote, byte) {
            (None, b'>') => return Some(at),
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'<') => return None,
            (Some(open), _) if open == byte => quote = None,
            _ => {}
        }
    }
    None
}

/// Bytes that may stand in an element name as the model reads it: anything but whitespace,
/// markup and quote characters.
fn is_name_byte(byte: u8) -> bool {
    NAME_BYTES[usize::from(byte)]
}

/// [`is_name_byte`] as a table.
static NAME_BYTES: [bool; 256] = {
    let mut table = [true; 256];
    let excluded = b" \t\n\r\x0c<>&\"'/=!?";
    let mut at = 0;
    while at < excluded.len() {
        table[excluded[at] as usize] = false;
        at += 1;
    }
    table
};

/// Whether `name` starts as an element name may: not empty, and not with a digit, `-` or `.`.
fn starts_as_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|byte| !matches!(byte, b'0'..=b'9' | b'-' | b'.'))
}

/// The length of the element name opening a tag's `content` (up to the first whitespace), if
/// it is a name the model could read: it [`starts_as_name`] and is made of [`is_name_byte`]s.
fn name_len(content: &str) -> Option<usize> {
    if !starts_as_name(content) {
        return None;
    }
    let bytes = content.as_bytes();
    let len = bytes
        .iter()
        .position(|byte| byte.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    // A tag opening with whitespace has no name.
    (len > 0 && bytes[..len].iter().all(|&byte| is_name_byte(byte))).then_some(len)
}

// Texts and names are scanned eight bytes at a time, a word read from them (SWAR): a byte
// loop ends on a hard-to-predict branch at every one of the few hundred texts and names of
// an answer, and that was most of the tokeniser's time.

/// A word's worth of bytes.
const WORD: usize = 8;
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `bytes` from `at`, as a little-endian word: byte `i` in bits `8i..8i+8`.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; WORD] = bytes.get(at..at + WORD)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// The bytes of `word` equal to `byte`, each as its high bit. The lowest one is exact; above
/// a true match a byte may show falsely (the borrow of the subtraction runs on), never below.
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let differences = word ^ (LOW_BITS * u64::from(byte));
    differences.wrapping_sub(LOW_BITS) & !differences & HIGH_BITS
}

/// The bytes of `word` below 0x40, each as its high bit (exact: bit 6 of each byte is
/// shifted onto its own bit 7, nothing crosses into a neighbour).
fn bytes_below_0x40(word: u64) -> u64 {
    !(word | (word << 1)) & HIGH_BITS
}

/// The byte index of a mask bit from the functions above.
fn lane(mask: u64) -> usize {
    mask.trailing_zeros() as usize / WORD
}

/// How long the text at the start of `rest` runs (up to the next `<`), and whether it is
/// plain: free of `&` and `>`.
fn text_len(rest: &[u8]) -> (usize, bool) {
    let mut plain = true;
    let mut at = 0;
    while let Some(word) = word_at(rest, at) {
        let ends = bytes_equal(word, b'<');
        let marks = bytes_equal(word, b'&') | bytes_equal(word, b'>');
        if ends != 0 {
            let end = lane(ends);
            // Marks below the first `<` are true ones, or stand above a true one.
            let before = marks & ((1 << (end * 8)) - 1);
            return (at + end, plain && before == 0);
        }
        plain &= marks == 0;
        at += WORD;
    }
    for (offset, &byte) in rest[at..].iter().enumerate() {
        match byte {
            b'<' => return (at + offset, plain),
            b'&' | b'>' => plain = false,
            _ => {}
        }
    }
    (rest.len(), plain)
}

/// How many name bytes ([`is_name_byte`]) `bytes` starts with. Every byte from 0x40 up is
/// one, so only the bytes below (digits, `-`, `.`, `:` and the markup that ends a name) are
/// looked at one by one.
fn name_run(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(word) = word_at(bytes, at) {
        let mut low = bytes_below_0x40(word);
        while low != 0 {
            let offset = at + lane(low);
            if !is_name_byte(bytes[offset]) {
                return offset;
            }
            low &= low - 1;
        }
        at += WORD;
    }
    at + bytes[at..]
        .iter()
        .position(|&byte| !is_name_byte(byte))
        .unwrap_or(bytes.len() - at)
}

/// Whether a tag's attributes are well-formed, so that copying them keeps the document so.
/// (BBB sends none; the tokeniser only finds where a tag ends.)
fn attributes_are_sound(element: &BytesStart<'_>) -> bool {
    // The common case, a tag with none, needs no attribute reader.
    if element.attributes_raw().is_empty() {
        return true;
    }
    element.attributes().all(|attribute| {
        attribute.is_ok_and(|attribute| {
            !attribute.value.contains('<')
                && attribute.normalized_value(XmlVersion::Implicit1_0).is_ok()
        })
    })
}

/// The text a reference stands for: a character reference or one of XML's five entities.
/// Anything else would need a DTD, which the copied bytes would not carry.
fn referenced(reference: &BytesRef<'_>) -> Option<Cow<'static, str>> {
    if let Some(character) = reference.resolve_char_ref().ok()? {
        return Some(Cow::Owned(character.to_string()));
    }
    quick_xml::escape::resolve_predefined_entity(reference).map(Cow::Borrowed)
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
