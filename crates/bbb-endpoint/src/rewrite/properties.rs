//! Property tests (proptest) of the streamed rewrite against quick-xml's reader, which the
//! rewrite's own tokeniser must agree with: for generated getMeetingInfo and getMeetings
//! documents (meetingIDs with XML-special characters, references, CDATA, whitespace, nested and
//! unknown elements, attributes, comments), the rewrite's output read by quick-xml is the input
//! read by quick-xml with the meetings' own meetingIDs changed and nothing else; on damaged
//! documents it never panics, and what it does answer is well-formed and shows the client's ID
//! only. `PROPTEST_CASES` sets the number of cases (256 by default; CI runs more).

use bbb_client::xml::quick_xml;
use bytes::Bytes;
use proptest::prelude::*;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{MeetingList, meeting_info};

/// The token guid backend meetingIDs start with.
const GUID: &str = "0123456789abcdef0123456789abcdef";

/// A document as quick-xml reads it, in a form two documents compare in: adjacent text and
/// references as one decoded text, empty elements expanded, attributes decoded.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Start(String, Vec<(String, String)>),
    End(String),
    Text(String),
    CData(String),
    Comment(String),
    Decl(String),
    Pi(String),
    DocType(String),
}

/// `doc` read by quick-xml, or why it is not one well-formed document.
fn read(doc: &[u8]) -> Result<Vec<Node>, String> {
    let doc = std::str::from_utf8(doc).map_err(|error| error.to_string())?;
    let mut reader = Reader::from_str(doc);
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = true;
    let mut nodes = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0;
    loop {
        let event = reader.read_event().map_err(|error| error.to_string())?;
        match event {
            Event::Start(start) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                nodes.push(Node::Start(name_of(&start), attributes(&start)?));
            }
            Event::End(end) => {
                depth = depth.checked_sub(1).ok_or("an end tag without start")?;
                nodes.push(Node::End(end.name().as_ref().to_owned()));
            }
            Event::Empty(_) => return Err("empty elements are expanded".into()),
            Event::Text(text) => push_text(&mut nodes, &text),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(character) => character.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&reference)
                        .ok_or_else(|| format!("unknown entity {}", &*reference))?
                        .to_owned(),
                };
                push_text(&mut nodes, &resolved);
            }
            Event::CData(data) => nodes.push(Node::CData(data.to_string())),
            Event::Comment(comment) => nodes.push(Node::Comment(comment.to_string())),
            Event::Decl(decl) => nodes.push(Node::Decl(decl.to_string())),
            Event::PI(pi) => nodes.push(Node::Pi(pi.to_string())),
            Event::DocType(doctype) => nodes.push(Node::DocType(doctype.to_string())),
            Event::Eof => break,
        }
    }
    if depth != 0 {
        return Err(format!("{depth} elements left open"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(nodes)
}

fn name_of(start: &BytesStart<'_>) -> String {
    start.name().as_ref().to_owned()
}

fn attributes(start: &BytesStart<'_>) -> Result<Vec<(String, String)>, String> {
    start
        .attributes()
        .map(|attribute| {
            let attribute = attribute.map_err(|error| error.to_string())?;
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?;
            Ok((attribute.key.as_ref().to_owned(), value.into()))
        })
        .collect()
}

fn push_text(nodes: &mut Vec<Node>, text: &str) {
    if text.is_empty() {
        return;
    }
    match nodes.last_mut() {
        Some(Node::Text(before)) => before.push_str(text),
        _ => nodes.push(Node::Text(text.to_owned())),
    }
}

/// `nodes` with the text of each meetingID whose parent element is named `parent` (at the
/// depth `parent_depth`) replaced by `client_id`: what the rewrite must do, read by quick-xml.
fn with_client_id(nodes: &[Node], parent: &str, parent_depth: usize, client_id: &str) -> Vec<Node> {
    let mut out = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    let mut skipping = None;
    for node in nodes {
        if let Some(depth) = skipping {
            if let Node::End(_) = node
                && open.len() == depth
            {
                skipping = None;
                open.pop();
                out.push(node.clone());
            } else if let Node::Start(name, _) = node {
                open.push(name);
            } else if let Node::End(_) = node {
                open.pop();
            }
            continue;
        }
        match node {
            Node::Start(name, _) => {
                let own = name == "meetingID"
                    && open.len() == parent_depth
                    && open.last() == Some(&parent);
                open.push(name);
                out.push(node.clone());
                if own {
                    push_text(&mut out, client_id);
                    skipping = Some(open.len());
                }
            }
            Node::End(_) => {
                open.pop();
                out.push(node.clone());
            }
            _ => out.push(node.clone()),
        }
    }
    out
}

/// The texts of the meetingIDs whose parent is named `parent` at depth `parent_depth`.
fn own_ids(nodes: &[Node], parent: &str, parent_depth: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    let mut reading: Option<(usize, String)> = None;
    for node in nodes {
        match node {
            Node::Start(name, _) => {
                if name == "meetingID" && open.len() == parent_depth && open.last() == Some(&parent)
                {
                    reading = Some((open.len() + 1, String::new()));
                }
                open.push(name);
            }
            Node::End(_) => {
                if let Some((depth, text)) = reading.take_if(|(depth, _)| *depth == open.len()) {
                    let _ = depth;
                    ids.push(text);
                }
                open.pop();
            }
            Node::Text(text) | Node::CData(text) => {
                if let Some((_, read)) = &mut reading {
                    read.push_str(text);
                }
            }
            _ => {}
        }
    }
    ids
}

// --- Generated documents -----------------------------------------------------------------

/// Element text as a document holds it: plain characters, references, escaped specials.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 _.:/-]{1,8}",
        prop::sample::select(vec![
            "&amp;",
            "&lt;",
            "&gt;",
            "&quot;",
            "&apos;",
            "&#38;",
            "&#x3C;",
            "&#233;",
            "&#x1F600;",
            "é€😀",
            "\n  ",
            "\t",
            "]]",
            "\"",
            "'",
            "=",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

/// `raw` escaped as element text: specials by name or number, as `mode` says.
fn escape_text(raw: &str, numeric: bool) -> String {
    let mut out = String::new();
    for character in raw.chars() {
        match (character, numeric) {
            ('&', false) => out.push_str("&amp;"),
            ('<', false) => out.push_str("&lt;"),
            ('>', false) => out.push_str("&gt;"),
            ('&' | '<' | '>' | '"' | '\'', true) => {
                out.push_str(&format!("&#{};", character as u32))
            }
            _ => out.push(character),
        }
    }
    out
}

/// A backend meetingID as it stands in the document (escaped, referenced, or in CDATA), and
/// what it says.
fn backend_id() -> impl Strategy<Value = (String, String)> {
    ("[ -~éü€]{0,24}", 0..4u8).prop_map(|(suffix, mode)| {
        let raw = format!("{GUID}-{suffix}");
        let written = match mode {
            0 => escape_text(&raw, false),
            1 => escape_text(&raw, true),
            2 if !raw.contains("]]>") => format!("<![CDATA[{raw}]]>"),
            _ => {
                let half = raw
                    .char_indices()
                    .nth(raw.chars().count() / 2)
                    .map_or(0, |(at, _)| at);
                let (text, rest) = raw.split_at(half);
                if rest.contains("]]>") {
                    escape_text(&raw, false)
                } else {
                    format!("{}<![CDATA[{rest}]]>", escape_text(text, false))
                }
            }
        };
        (written, raw)
    })
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z][a-zA-Z0-9_.-]{0,10}",
        prop::sample::select(vec![
            "meetingName",
            "internalMeetingID",
            "createTime",
            "voiceBridge",
            "attendees",
            "attendee",
            "userID",
            "fullName",
            "breakoutRooms",
            "isBreakout",
            "x-new.thing",
        ])
        .prop_map(str::to_owned),
    ]
    .prop_filter("a name the rewrite gives a role", |name| {
        !matches!(
            name.as_str(),
            "returncode" | "meetingID" | "metadata" | "response" | "meetings" | "meeting"
        )
    })
}

/// ` a="…" b='…'`: distinct names, values with escaped specials.
fn attributes_text() -> impl Strategy<Value = String> {
    prop::collection::vec(("[a-z]{1,5}", text(), any::<bool>()), 0..3).prop_map(|attributes| {
        attributes
            .into_iter()
            .enumerate()
            .map(|(at, (name, value, double))| {
                let value = value.replace('<', "&lt;");
                let (quote, escaped) = if double {
                    ('"', "&quot;")
                } else {
                    ('\'', "&apos;")
                };
                let value = value.replace(quote, escaped);
                let space = if at % 2 == 0 { " " } else { "\n\t " };
                format!("{space}{name}{at}={quote}{value}{quote}")
            })
            .collect()
    })
}

fn whitespace() -> impl Strategy<Value = String> {
    "[ \n\t]{0,3}"
}

/// Anything a meeting may hold besides its own meetingID: elements (nested ones with
/// meetingIDs of their own among them), empty elements, CDATA, comments, whitespace.
fn content() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (name(), attributes_text(), text())
            .prop_map(|(name, attributes, text)| format!("<{name}{attributes}>{text}</{name}>")),
        (name(), attributes_text()).prop_map(|(name, attributes)| format!("<{name}{attributes}/>")),
        (name(), "[^\\]]{0,10}")
            .prop_map(|(name, data)| format!("<{name}><![CDATA[{data}]]></{name}>")),
        "[a-z <>&]{0,10}".prop_map(|comment| format!("<!--{}-->", comment.replace('-', "_"))),
        whitespace(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (
                name(),
                attributes_text(),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(name, attributes, children)| {
                    format!("<{name}{attributes}>{}</{name}>", children.concat())
                }),
            // Not the meeting's own meetingID: it must stay as it is.
            (name(), backend_id(), prop::collection::vec(inner, 0..2)).prop_map(
                |(name, (id, _), children)| {
                    format!(
                        "<{name}><meetingID>{id}</meetingID>{}</{name}>",
                        children.concat()
                    )
                }
            ),
        ]
    })
}

/// A meeting's children: its own meetingID among other content, in any order.
fn meeting_children() -> impl Strategy<Value = (String, String)> {
    (
        prop::collection::vec(content(), 0..5),
        backend_id(),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(mut children, (written, raw), at, empty)| {
            let own = if empty && at.index(8) == 0 {
                // `<meetingID/>`: the model reads an empty ID.
                ("<meetingID/>".to_owned(), String::new())
            } else {
                (format!("<meetingID>{written}</meetingID>"), raw)
            };
            children.insert(at.index(children.len() + 1), own.0);
            (children.concat(), own.1)
        })
}

fn prolog() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".to_owned()),
        Just("<?xml version='1.0'?><!-- from BBB -->\n".to_owned()),
    ]
}

/// A getMeetingInfo document and its meeting's backend ID.
fn info_document() -> impl Strategy<Value = (String, String)> {
    (
        prolog(),
        attributes_text(),
        meeting_children(),
        any::<prop::sample::Index>(),
        whitespace(),
    )
        .prop_map(|(prolog, attributes, (children, id), at, tail)| {
            // The returncode before or after the meeting's other elements.
            let returncode = "<returncode>SUCCESS</returncode>";
            let body = if at.index(2) == 0 {
                format!("{returncode}{children}")
            } else {
                format!("{children}\n{returncode}")
            };
            (
                format!("{prolog}<response{attributes}>{body}</response>{tail}"),
                id,
            )
        })
}

/// A getMeetings document and its meetings' backend IDs.
fn list_document() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        prolog(),
        prop::collection::vec((meeting_children(), attributes_text(), whitespace()), 0..4),
        content(),
    )
        .prop_map(|(prolog, meetings, other)| {
            let mut ids = Vec::new();
            let mut listed = String::new();
            for ((children, id), attributes, space) in meetings {
                listed.push_str(&format!("{space}<meeting{attributes}>{children}</meeting>"));
                ids.push(id);
            }
            let doc = format!(
                "{prolog}<response>\n<returncode>SUCCESS</returncode>{other}<meetings>{listed}\n</meetings></response>"
            );
            (doc, ids)
        })
}

/// A client's meetingID: anything, XML specials and line ends included.
fn client_id() -> impl Strategy<Value = String> {
    "[ -~é€😀\r\n\t]{1,30}"
}

/// `doc` damaged: cut, a byte dropped, or a markup character put in.
fn damaged(doc: String) -> impl Strategy<Value = Vec<u8>> {
    let len = doc.len();
    (
        0..4u8,
        0..=len,
        prop::sample::select(b"<>&;/!?[]\"'= \r\n\0x".to_vec()),
    )
        .prop_map(move |(change, at, byte)| {
            let mut bytes = doc.clone().into_bytes();
            match change {
                0 => bytes.truncate(at),
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, byte),
                _ => {
                    let end = (at + 12).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
            }
            bytes
        })
}

proptest! {
    #[test]
    fn meeting_info_changes_the_own_meeting_id_and_nothing_else(
        (doc, backend) in info_document(),
        client in client_id(),
    ) {
        let input = read(doc.as_bytes());
        prop_assert!(input.is_ok(), "the generator writes well-formed XML: {:?}\n{}", input, doc);
        let input = input.unwrap();
        prop_assert_eq!(own_ids(&input, "response", 1), vec![backend]);
        let out = meeting_info(doc.as_bytes(), &client);
        prop_assert!(out.is_some(), "the rewrite takes this document:\n{}", doc);
        let out = out.unwrap();
        let output = read(&out);
        prop_assert!(output.is_ok(), "{:?}\n{}", output, String::from_utf8_lossy(&out));
        prop_assert_eq!(
            output.unwrap(),
            with_client_id(&input, "response", 1, &client),
            "\n{}\n{}", doc, String::from_utf8_lossy(&out)
        );
    }

    #[test]
    fn each_listed_meeting_changes_its_own_meeting_id_and_nothing_else(
        (doc, backends) in list_document(),
        client in client_id(),
    ) {
        let input = read(doc.as_bytes());
        prop_assert!(input.is_ok(), "the generator writes well-formed XML: {:?}\n{}", input, doc);
        let input = input.unwrap();
        let list = MeetingList::scan(Bytes::from(doc.clone()));
        prop_assert!(list.is_some(), "the rewrite takes this document:\n{}", doc);
        let list = list.unwrap();
        let listed: Vec<_> = list.meetings().collect();
        prop_assert_eq!(listed.len(), backends.len());
        let expected = meetings_of(&input);
        for ((meeting, backend), expected) in listed.iter().zip(&backends).zip(&expected) {
            prop_assert_eq!(meeting.backend_id(), backend.as_str());
            let mut out = Vec::new();
            prop_assert!(meeting.write_as(&client, &mut out));
            let output = read(&out);
            prop_assert!(output.is_ok(), "{:?}\n{}", output, String::from_utf8_lossy(&out));
            prop_assert_eq!(
                output.unwrap(),
                with_client_id(expected, "meeting", 1, &client),
                "\n{}\n{}", doc, String::from_utf8_lossy(&out)
            );
        }
    }

    #[test]
    fn damaged_meeting_info_is_refused_or_answered_well_formed_with_the_clients_id(
        doc in info_document().prop_flat_map(|(doc, _)| damaged(doc)),
        client in client_id(),
    ) {
        if let Some(out) = meeting_info(&doc, &client) {
            let output = read(&out);
            prop_assert!(
                output.is_ok(),
                "{:?}\n{}\n{}", output, String::from_utf8_lossy(&doc), String::from_utf8_lossy(&out)
            );
            prop_assert_eq!(own_ids(&output.unwrap(), "response", 1), vec![client]);
        }
    }

    #[test]
    fn damaged_meeting_lists_are_refused_or_answered_well_formed_with_the_clients_id(
        doc in list_document().prop_flat_map(|(doc, _)| damaged(doc)),
        client in client_id(),
    ) {
        if let Some(list) = MeetingList::scan(Bytes::from(doc.clone())) {
            for meeting in list.meetings() {
                let mut out = Vec::new();
                if !meeting.write_as(&client, &mut out) {
                    continue;
                }
                let output = read(&out);
                prop_assert!(
                    output.is_ok(),
                    "{:?}\n{}\n{}", output, String::from_utf8_lossy(&doc), String::from_utf8_lossy(&out)
                );
                // A meeting without a meetingID of its own keeps having none: its backend ID
                // reads empty, which no placement has, so the listing never shows it.
                let ids = own_ids(&output.unwrap(), "meeting", 1);
                prop_assert!(
                    ids == [client.clone()] || (ids.is_empty() && meeting.backend_id().is_empty()),
                    "{:?}\n{}\n{}", ids, String::from_utf8_lossy(&doc), String::from_utf8_lossy(&out)
                );
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_rewrite(
        doc in prop::collection::vec(any::<u8>(), 0..256),
        client in client_id(),
    ) {
        let _ = meeting_info(&doc, &client);
        if let Some(list) = MeetingList::scan(Bytes::from(doc)) {
            for meeting in list.meetings() {
                let _ = meeting.write_as(&client, &mut Vec::new());
            }
        }
    }
}

/// The `<meeting>` elements of a getMeetings document, each from its start tag to its end tag.
fn meetings_of(nodes: &[Node]) -> Vec<Vec<Node>> {
    let mut meetings = Vec::new();
    let mut open: Vec<&str> = Vec::new();
    let mut current: Option<Vec<Node>> = None;
    for node in nodes {
        if let Node::Start(name, _) = node {
            if name == "meeting" && open == ["response", "meetings"] {
                current = Some(Vec::new());
            }
            open.push(name);
        }
        if let Some(meeting) = &mut current {
            meeting.push(node.clone());
        }
        if let Node::End(_) = node {
            open.pop();
            if open == ["response", "meetings"]
                && let Some(meeting) = current.take()
            {
                meetings.push(meeting);
            }
        }
    }
    meetings
}
