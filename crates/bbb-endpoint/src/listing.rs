//! getMeetings: every server of the token's group is asked at once; the answer merges the
//! meetings of those that answered in time and shows only placed meetings inside the token's
//! scope, each under its client's ID. A dead server costs its meetings, never the call.
//!
//! Each server's document is usually read as it streams by ([`rewrite::MeetingList`]) and its
//! visible `<meeting>` elements are copied into the merged answer with only their meetingID and
//! callback URLs changed; a document the streaming reader does not take goes the model path.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::HttpResponse;
use bbb_client::Params;
use bbb_client::model::{MeetingInfo, MeetingsResponse};
use bbb_client::response::RawResponse;
use bbb_client::xml::quick_xml;
use bytes::Bytes;
use futures_util::future::join_all;

use crate::error::EndpointError;
use crate::fleet::Backend;
use crate::forward::{Ctx, decode};
use crate::meetings::as_client_sees_it;
use crate::reply;
use crate::rewrite;

pub async fn get_meetings(ctx: &Ctx<'_>) -> Result<HttpResponse, EndpointError> {
    let servers = ctx.servers().await?;
    let asked: Vec<Arc<Backend>> = servers
        .servers
        .iter()
        .filter(|server| server.keeps_meetings())
        .cloned()
        .collect();
    let answers = match asked.as_slice() {
        // A group of one server, the common small set-up, needs no fan-out.
        [server] => vec![meetings_of(ctx, server).await],
        // Each server's call is boxed: join_all moves the futures it is given, kilobytes each.
        servers => {
            join_all(
                servers
                    .iter()
                    .map(|server| Box::pin(meetings_of(ctx, server))),
            )
            .await
        }
    };
    let found: Vec<(i64, Listing)> = asked
        .iter()
        .zip(answers)
        .filter_map(|(server, answer)| match answer {
            Ok(listing) => Some((server.row.id, listing)),
            Err(error) => {
                tracing::warn!(
                    server = %server.row.name,
                    error = %service::ErrorChain(&error),
                    "getMeetings: server skipped"
                );
                None
            }
        })
        .collect();

    let backend_ids: Vec<String> = found
        .iter()
        .flat_map(|(_, listing)| listing.backend_ids())
        .map(str::to_owned)
        .collect();
    let placements = ctx.placements_by_backend_ids(&backend_ids).await?;
    let visible = ctx.access().visible(placements).await?;
    // Newest first, so the first placement seen for a backend ID is its current one, and only
    // its server shows the meeting: a server still listing an older session of it (one that
    // came back after its meetings were placed anew elsewhere, whose placements stay as
    // history) does not show the meeting the client has.
    let mut client_ids: HashMap<(i64, &str), &str> = HashMap::new();
    let mut current: HashSet<&str> = HashSet::new();
    for placement in &visible {
        if current.insert(placement.bbb_meeting_id.as_str()) {
            client_ids.insert(
                (placement.server_id, placement.bbb_meeting_id.as_str()),
                placement.client_meeting_id.as_str(),
            );
        }
    }
    Ok(reply::xml_bytes(merged(&found, &client_ids)?))
}

/// One server's getMeetings answer.
pub(crate) enum Listing {
    /// Read as it streamed by: the usual case.
    Streamed(rewrite::MeetingList),
    /// A document the streaming reader did not take, read into the model.
    Parsed(Vec<MeetingInfo>),
}

impl Listing {
    /// The backend meetingIDs of its meetings, in the document's order.
    fn backend_ids(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Listing::Streamed(list) => Box::new(list.meetings().map(|m| m.backend_id())),
            Listing::Parsed(meetings) => Box::new(meetings.iter().map(|m| m.meeting_id.as_str())),
        }
    }

    /// Roughly how many bytes its meetings take.
    fn size_hint(&self) -> usize {
        match self {
            Listing::Streamed(list) => list.len_bytes(),
            Listing::Parsed(meetings) => meetings.len() * 2048,
        }
    }
}

async fn meetings_of(ctx: &Ctx<'_>, server: &Backend) -> Result<Listing, EndpointError> {
    let timeout = ctx.shared.settings.tunables.fan_out_timeout;
    let raw = tokio::time::timeout(
        timeout,
        ctx.send(server, "getMeetings", &Params::new(), None),
    )
    .await
    .map_err(|_| EndpointError::ServerUnavailable(format!("{}: timed out", server.row.name)))??;
    listing_of(raw, server)
}

/// Reads one server's answer: a plain 200 SUCCESS document as it streams by, anything else
/// (FAILED, JSON, an error status, a document the streaming reader does not take) through the
/// model path, which also reports failures.
pub(crate) fn listing_of(raw: RawResponse, server: &Backend) -> Result<Listing, EndpointError> {
    if raw.status == 200
        && let Some(list) = rewrite::MeetingList::scan(raw.body.clone())
    {
        return Ok(Listing::Streamed(list));
    }
    let answer: MeetingsResponse = decode(&raw, "getMeetings", server, str::to_owned)?;
    Ok(Listing::Parsed(answer.meetings.meeting))
}

/// The start and end of a merged answer with meetings, as the model path writes them.
const LIST_OPEN: &[u8] = b"<response><returncode>SUCCESS</returncode><meetings>";
const LIST_CLOSE: &[u8] = b"</meetings></response>";
/// The merged answer without meetings, as the model path writes it.
pub(crate) const NO_MEETINGS: &[u8] = b"<response><returncode>SUCCESS</returncode><meetings/>\
<messageKey>noMeetings</messageKey><message>no meetings were found on this server</message>\
</response>";

/// The merged answer: every meeting whose (server, backend ID) has a client ID in
/// `client_ids`, under that ID, in the servers' order and each server's.
pub(crate) fn merged(
    found: &[(i64, Listing)],
    client_ids: &HashMap<(i64, &str), &str>,
) -> Result<Bytes, EndpointError> {
    let capacity: usize = found.iter().map(|(_, listing)| listing.size_hint()).sum();
    let mut out = Vec::with_capacity(LIST_OPEN.len() + capacity + LIST_CLOSE.len());
    out.extend_from_slice(LIST_OPEN);
    let mut shown = 0;
    for (server_id, listing) in found {
        let client_id_of = |backend_id: &str| client_ids.get(&(*server_id, backend_id)).copied();
        shown += match listing {
            Listing::Streamed(list) => write_streamed(list, client_id_of, &mut out),
            Listing::Parsed(meetings) => write_parsed(meetings, client_id_of, &mut out)?,
        };
    }
    if shown == 0 {
        return Ok(Bytes::from_static(NO_MEETINGS));
    }
    out.extend_from_slice(LIST_CLOSE);
    Ok(out.into())
}

/// Appends the visible meetings of a streamed document; returns how many.
fn write_streamed<'a>(
    list: &rewrite::MeetingList,
    client_id_of: impl Fn(&str) -> Option<&'a str>,
    out: &mut Vec<u8>,
) -> usize {
    let mut shown = 0;
    for meeting in list.meetings() {
        let Some(client_id) = client_id_of(meeting.backend_id()) else {
            continue;
        };
        if meeting.write_as(client_id, out) {
            shown += 1;
        } else {
            tracing::error!("getMeetings: a streamed meeting did not fit its document");
        }
    }
    shown
}

/// Appends the visible meetings of a document read into the model, written as the model path
/// writes each `<meeting>`; returns how many.
fn write_parsed<'a>(
    meetings: &[MeetingInfo],
    client_id_of: impl Fn(&str) -> Option<&'a str>,
    out: &mut Vec<u8>,
) -> Result<usize, EndpointError> {
    let mut shown = 0;
    for meeting in meetings {
        let Some(client_id) = client_id_of(&meeting.meeting_id) else {
            continue;
        };
        let meeting = as_client_sees_it(meeting.clone(), client_id);
        let written = quick_xml::se::to_string_with_root("meeting", &meeting)
            .map_err(EndpointError::Serialize)?;
        out.extend_from_slice(written.as_bytes());
        shown += 1;
    }
    Ok(shown)
}
