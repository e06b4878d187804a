//! One authenticated request and what every call does with it: finding the placement behind a
//! client's meetingID, reaching the server that holds it, forwarding re-signed parameters, and
//! reading the answer with backend IDs turned back into the client's.

use std::sync::Arc;

use bbb_client::response::{Answer, RawResponse};
use bbb_client::{Params, RawBody};
use service::bbb::placements;
use service::model::{ApiToken, Placement};
use service::tokens::TokenView;

use crate::auth::TokenEntry;
use crate::error::EndpointError;
use crate::fleet::{Backend, GroupServers};
use crate::ids;
use crate::{Shared, deferred};

/// An authenticated request: the token, its parameters (checksum removed, form body merged)
/// and the body to forward, if any.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub entry: &'a TokenEntry,
    pub token: &'a ApiToken,
    pub params: Params,
    pub body: Option<RawBody>,
}

impl<'a> Ctx<'a> {
    /// What the token sees (the service's scope rules), worked out as this request needs it.
    pub fn access(&self) -> TokenView<'a> {
        TokenView::borrowing(&self.shared.store, &self.entry.actor)
    }

    pub fn namespace(&self) -> String {
        ids::namespace(self.token.guid)
    }

    pub async fn servers(&self) -> Result<Arc<GroupServers>, EndpointError> {
        self.shared
            .fleet
            .group(&self.shared.store, &self.entry.actor)
            .await
    }

    /// The client's meetingID parameter, validated as bbb-web validates it.
    pub fn client_meeting_id(&self) -> Result<String, EndpointError> {
        ids::client_meeting_id(self.params.get("meetingID"))
    }

    /// The live placement a client's meetingID names for this token: the token's own meeting
    /// first, else (scopes `user` and `global`) the newest visible one of that ID.
    pub async fn resolve_live(
        &self,
        client_id: &str,
    ) -> Result<Option<Arc<Placement>>, EndpointError> {
        let cache = &self.shared.placements;
        if let Some(placement) = cache.resolved(self.token.id, client_id) {
            return Ok(Some(placement));
        }
        // Deferred: the database's answer is the exception (once per TTL), and its future,
        // inlined, would make every call's future that much larger.
        let namespace = self.namespace();
        let found = deferred(|| {
            placements::resolve_live(&self.shared.store, &self.entry.actor, &namespace, client_id)
        })
        .await?
        .map(Arc::new);
        if let Some(placement) = &found {
            cache.remember_resolved(self.token.id, client_id, placement);
        }
        Ok(found)
    }

    /// Every placement, live or ended, behind the backend meetingIDs, newest first; the
    /// database is asked only for those not remembered.
    pub async fn placements_by_backend_ids(
        &self,
        backend_ids: &[String],
    ) -> Result<Vec<Placement>, EndpointError> {
        let cache = &self.shared.placements;
        let group_id = self.token.group_id;
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for id in backend_ids {
            match cache.by_backend(group_id, id) {
                Some(placements) => found.extend(placements),
                None => missing.push(id.clone()),
            }
        }
        if !missing.is_empty() {
            let loaded = deferred(|| {
                placements::by_backend_ids(&self.shared.store, &self.entry.actor, &missing)
            })
            .await?;
            let mut by_id: std::collections::HashMap<&str, Vec<Placement>> =
                std::collections::HashMap::new();
            for placement in &loaded {
                by_id
                    .entry(placement.bbb_meeting_id.as_str())
                    .or_default()
                    .push(placement.clone());
            }
            for (id, placements) in by_id {
                cache.remember_by_backend(group_id, id, placements);
            }
            found.extend(loaded);
        }
        found.sort_by_key(|p| std::cmp::Reverse(p.id));
        Ok(found)
    }

    /// Tells the cache that this instance changed a placement.
    pub fn forget(&self, placement: &Placement) {
        self.shared.placements.forget(placement);
    }

    /// The server holding a placement, if it still serves its meetings.
    pub async fn holder(&self, placement: &Placement) -> Result<Arc<Backend>, EndpointError> {
        let servers = self.servers().await?;
        match servers.get(placement.server_id) {
            Some(server) if server.keeps_meetings() => Ok(server.clone()),
            Some(server) => Err(EndpointError::ServerUnavailable(format!(
                "server {} is {:?} and {:?}",
                server.row.name, server.row.state, server.row.health
            ))),
            None => Err(EndpointError::ServerUnavailable(format!(
                "server {} was removed",
                placement.server_id
            ))),
        }
    }

    /// The request's parameters with the meetingID replaced by the backend's.
    pub fn backend_params(&self, placement: &Placement) -> Params {
        self.backend_pairs(placement).collect()
    }

    /// [`Self::backend_params`] without copying them.
    pub fn backend_pairs<'p>(
        &'p self,
        placement: &'p Placement,
    ) -> impl Iterator<Item = (&'p str, &'p str)> {
        self.params
            .iter_set("meetingID", placement.bbb_meeting_id.as_str())
    }

    /// Signs and sends a call to `server`; transport failures make the server unavailable.
    pub async fn send<'p>(
        &self,
        server: &Backend,
        call: &str,
        params: impl IntoIterator<Item = (&'p str, &'p str)>,
        body: Option<RawBody>,
    ) -> Result<RawResponse, EndpointError> {
        self.try_send(server, call, params, body)
            .await
            .map_err(|error| unavailable(server, call, error))
    }

    /// [`Self::send`] with the client's error, for callers that tell its kinds apart.
    pub async fn try_send<'p>(
        &self,
        server: &Backend,
        call: &str,
        params: impl IntoIterator<Item = (&'p str, &'p str)>,
        body: Option<RawBody>,
    ) -> Result<RawResponse, bbb_client::Error> {
        self.shared
            .bbb
            .call_raw(&server.api, call, params, body)
            .await
    }
}

/// A call to `server` that failed without an answer.
pub fn unavailable(server: &Backend, call: &str, error: bbb_client::Error) -> EndpointError {
    EndpointError::BackendFailed {
        server: server.row.name.clone(),
        call: call.to_owned(),
        source: error,
    }
}

/// Reads a backend answer as `T`. A `FAILED` answer is passed on with `rewrite` applied to its
/// texts (so no backend ID leaks); anything unreadable makes the server unavailable.
pub fn decode<T: Answer>(
    raw: &RawResponse,
    call: &str,
    server: &Backend,
    rewrite: impl Fn(&str) -> String,
) -> Result<T, EndpointError> {
    // The common case, a 200 SUCCESS document, is read in one pass; everything else takes
    // bbb-client's full path (envelope first, JSON, error redirects).
    if raw.status == 200
        && let Ok(text) = std::str::from_utf8(&raw.body)
        && says_success(text)
        && let Ok(document) = bbb_client::xml::from_xml::<T>(text)
    {
        return Ok(document);
    }
    match raw.decode::<T>(call) {
        Ok(document) => Ok(document),
        // Our own signature was refused: the server's secret in the database is wrong.
        Err(error) if error.message_key() == Some("checksumError") => {
            Err(EndpointError::SecretRefused {
                server: server.row.name.clone(),
                source: error,
            })
        }
        Err(bbb_client::Error::Failed {
            message_key,
            message,
            errors,
        }) => Err(EndpointError::Backend {
            message_key,
            message: rewrite(&message),
            errors: errors
                .into_iter()
                .map(|mut item| {
                    item.message = rewrite(&item.message);
                    item
                })
                .collect(),
        }),
        Err(error) => Err(unavailable(server, call, error)),
    }
}

const SUCCESS_MARK: &str = "<returncode>SUCCESS</returncode>";

/// Whether the document's first returncode is SUCCESS. bbb-web writes the returncode before
/// anything else, so a later one (say, quoted inside a FAILED document's message) cannot
/// make a failure look like a success.
fn says_success(text: &str) -> bool {
    text.find("<returncode>")
        .is_some_and(|at| text[at..].starts_with(SUCCESS_MARK))
}

/// Replaces a backend meetingID with the client's wherever it stands in a text.
pub fn unmask(backend_id: &str, client_id: &str) -> impl Fn(&str) -> String + use<> {
    let (backend_id, client_id) = (backend_id.to_owned(), client_id.to_owned());
    move |text: &str| text.replace(&backend_id, &client_id)
}

#[cfg(test)]
mod tests {
    use super::says_success;

    #[test]
    fn only_the_first_returncode_counts() {
        assert!(says_success(
            "<response>\n<returncode>SUCCESS</returncode><running>true</running></response>"
        ));
        assert!(!says_success(
            "<response><returncode>FAILED</returncode><messageKey>x</messageKey>\
             <message><![CDATA[<returncode>SUCCESS</returncode>]]></message></response>"
        ));
        assert!(!says_success("<html>502 Bad Gateway</html>"));
    }
}
