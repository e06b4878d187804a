//! One BBB server as the client sees it: API base URL, shared secret and checksum algorithm,
//! and the signing of call URLs.

use std::fmt;

use crate::checksum::{ChecksumAlgorithm, append_checksum};
use crate::error::Error;
use crate::origin::{Origin, push_call};
use crate::params::Params;

/// A BBB API endpoint: `https://host/bigbluebutton/api/`, its secret and the checksum
/// algorithm to sign with (sha256 unless configured; sha1 for servers older than 2.5 that
/// are configured without sha256, sha384/sha512 where policy demands them).
#[derive(Clone, PartialEq, Eq)]
pub struct Server {
    /// Always ends with `/`, so `base + call` is the call's URL.
    base: String,
    /// The base parsed once for the transport: where its connections go.
    origin: Origin,
    /// The base's path, ending with `/` like `base` (`/bigbluebutton/api/`).
    path: String,
    secret: String,
    algorithm: ChecksumAlgorithm,
}

impl Server {
    /// `api_url` is the API base, with or without the trailing slash
    /// (`https://bbb.example.com/bigbluebutton/api`). It must be an absolute `http`/`https`
    /// URL without query or fragment.
    pub fn new(api_url: &str, secret: impl Into<String>) -> Result<Self, Error> {
        let parsed = parse_api_url(api_url)?;
        let origin = Origin::of(&parsed).ok_or_else(|| {
            Error::InvalidInput(format!("server URL {api_url:?} has no usable host"))
        })?;
        let mut base = parsed.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        let mut path = parsed.path().to_owned();
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(Server {
            base,
            origin,
            path,
            secret: secret.into(),
            algorithm: ChecksumAlgorithm::default(),
        })
    }

    /// The same server, signing with `algorithm`.
    pub fn with_algorithm(mut self, algorithm: ChecksumAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The normalised API base URL, ending with `/`.
    pub fn api_url(&self) -> &str {
        &self.base
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    pub fn algorithm(&self) -> ChecksumAlgorithm {
        self.algorithm
    }

    /// The URL of `GET /bigbluebutton/api` (the version document): the base without its slash,
    /// as bbb-web routes it.
    pub fn index_url(&self) -> &str {
        self.base.trim_end_matches('/')
    }

    /// The query string of a call with the checksum appended. The checksum covers exactly the
    /// encoded bytes that precede it.
    pub fn signed_query(&self, call: &str, params: &Params) -> String {
        let mut query = String::with_capacity(QUERY_CAPACITY);
        self.push_signed_query(&mut query, call, params);
        query
    }

    /// The full signed URL of a call, e.g. `…/api/join?meetingID=…&checksum=…`. Hooks calls
    /// use `hooks/create` etc. as `call`, which is both their path and their checksum name.
    pub fn signed_url(&self, call: &str, params: &Params) -> String {
        let mut url = String::with_capacity(self.base.len() + call.len() + 1 + QUERY_CAPACITY);
        url.push_str(&self.base);
        url.push_str(call);
        url.push('?');
        self.push_signed_query(&mut url, call, params);
        url
    }

    /// Where the transport connects for this server.
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// What a signed call requests on the connection: [`Self::signed_url`] without scheme and
    /// host (`/bigbluebutton/api/getMeetings?checksum=…`).
    pub(crate) fn signed_target<'p>(
        &self,
        call: &str,
        params: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> String {
        let mut target = String::with_capacity(self.path.len() + call.len() + 1 + QUERY_CAPACITY);
        target.push_str(&self.path);
        push_call(&mut target, call);
        target.push('?');
        self.push_signed_query(&mut target, call, params);
        target
    }

    /// Appends the encoded parameters and their checksum to `out`.
    fn push_signed_query<'p>(
        &self,
        out: &mut String,
        call: &str,
        params: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) {
        let query_start = out.len();
        form_urlencoded::Serializer::for_suffix(&mut *out, query_start)
            .extend_pairs(params)
            .finish();
        append_checksum(out, query_start, self.algorithm, call, &self.secret);
    }

    /// What `GET /bigbluebutton/api` requests: [`Self::index_url`] without scheme and host.
    pub(crate) fn index_target(&self) -> &str {
        match self.path.trim_end_matches('/') {
            "" => "/",
            path => path,
        }
    }
}

/// A BBB API base URL checked by the rule every [`Server`] is built with: an absolute `http`
/// or `https` URL with a host, a port from 1 to 65535, no user credentials, no query and no
/// fragment (surrounding whitespace is ignored). Anything that stores server URLs applies this
/// rule when they are written, so that a stored URL always makes a usable server.
pub fn parse_api_url(api_url: &str) -> Result<url::Url, Error> {
    let parsed = url::Url::parse(api_url.trim())
        .map_err(|e| Error::InvalidInput(format!("server URL {api_url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::InvalidInput(format!(
            "server URL {api_url:?} is not http or https"
        )));
    }
    // Credentials in the URL would be neither sent (the transport has no basic auth) nor
    // kept out of logs (the base URL is shown in `Debug`): refuse them outright, and do not
    // repeat the URL that holds them.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::InvalidInput(
            "a server URL must not carry user credentials".to_owned(),
        ));
    }
    // Calls append their own path and signed query; a query or fragment of the base would
    // end up inside the signed part or be dropped.
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::InvalidInput(format!(
            "server URL {api_url:?} must not carry a query or fragment"
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::InvalidInput(format!(
            "server URL {api_url:?} has no host"
        )));
    }
    // `url` refuses ports over 65535; port 0 parses but can never be connected to.
    if parsed.port() == Some(0) {
        return Err(Error::InvalidInput(format!(
            "server URL {api_url:?} has port 0"
        )));
    }
    Ok(parsed)
}

/// Room for a usual query and its checksum (SHA-512's is 137 bytes with its name), so that
/// most signed URLs are written without growing their buffer.
const QUERY_CAPACITY: usize = 256;

/// Leaves the secret out: servers end up in logs and error reports.
impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("api_url", &self.base)
            .field("secret", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::{split_checksum, verify};

    const SECRET: &str = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";

    fn server() -> Server {
        Server::new("https://bbb.example.com/bigbluebutton/api", SECRET).unwrap()
    }

    #[test]
    fn base_url_is_normalised_with_one_trailing_slash() {
        for url in [
            "https://bbb.example.com/bigbluebutton/api",
            "https://bbb.example.com/bigbluebutton/api/",
            " https://bbb.example.com/bigbluebutton/api/ ",
        ] {
            let server = Server::new(url, SECRET).unwrap();
            assert_eq!(
                server.api_url(),
                "https://bbb.example.com/bigbluebutton/api/"
            );
            assert_eq!(
                server.index_url(),
                "https://bbb.example.com/bigbluebutton/api"
            );
        }
    }

    #[test]
    fn unusable_urls_are_refused() {
        for url in [
            "bbb.example.com/bigbluebutton/api",
            "ftp://bbb.example.com/api/",
            "https://bbb.example.com/api/?x=1",
            "https://bbb.example.com/api/#top",
            "https://bbb.example.com/api/?",
            "https://bbb.example.com:99999/api/",
            "https://bbb.example.com:0/api/",
            "https://u@bbb.example.com/api/",
            "http:///",
            "mailto:bbb@example.com",
            "",
        ] {
            assert!(
                matches!(Server::new(url, SECRET), Err(Error::InvalidInput(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn signs_the_spec_vector_with_each_algorithm() {
        let params: Params = [
            ("name", "Test Meeting"),
            ("meetingID", "abc123"),
            ("attendeePW", "111222"),
            ("moderatorPW", "333444"),
        ]
        .into_iter()
        .collect();
        let sha1 = server()
            .with_algorithm(ChecksumAlgorithm::Sha1)
            .signed_url("create", &params);
        assert_eq!(
            sha1,
            "https://bbb.example.com/bigbluebutton/api/create?name=Test+Meeting&meetingID=abc123\
             &attendeePW=111222&moderatorPW=333444&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
        );
        let sha256 = server().signed_query("create", &params);
        assert!(sha256.ends_with(
            "&checksum=da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e"
        ));
    }

    #[test]
    fn what_is_sent_is_what_verifies() {
        for algorithm in ChecksumAlgorithm::ALL {
            let params: Params = [("meetingID", "a b&c"), ("fullName", "Zoë")]
                .into_iter()
                .collect();
            let query = server()
                .with_algorithm(algorithm)
                .signed_query("join", &params);
            let split = split_checksum(&query).unwrap();
            assert_eq!(split.checksum.len(), algorithm.hex_len());
            assert!(verify("join", &split.signed, SECRET, split.checksum));
        }
    }

    #[test]
    fn empty_params_sign_the_empty_query() {
        let url = server()
            .with_algorithm(ChecksumAlgorithm::Sha1)
            .signed_url("getMeetings", &Params::new());
        assert_eq!(
            url,
            "https://bbb.example.com/bigbluebutton/api/getMeetings?checksum=2027baa7771026e9e93392f55031535d1444c41f"
        );
    }

    #[test]
    fn hooks_calls_sign_their_path() {
        let params: Params = [("callbackURL", "https://cb.example/x")]
            .into_iter()
            .collect();
        let url = server().signed_url("hooks/create", &params);
        let query = url
            .strip_prefix("https://bbb.example.com/bigbluebutton/api/hooks/create?")
            .unwrap();
        let split = split_checksum(query).unwrap();
        assert!(verify(
            "hooks/create",
            &split.signed,
            SECRET,
            split.checksum
        ));
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        let refused = Server::new("https://admin:pw@bbb.example.com/bigbluebutton/api", SECRET);
        match refused {
            Err(Error::InvalidInput(reason)) => assert!(!reason.contains("pw"), "{reason}"),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn targets_are_the_urls_without_scheme_and_host() {
        let server = server();
        let params: Params = [("meetingID", "a b")].into_iter().collect();
        let url = server.signed_url("getMeetingInfo", &params);
        let target = server.signed_target("getMeetingInfo", &params);
        assert_eq!(url.strip_prefix("https://bbb.example.com").unwrap(), target);
        assert_eq!(server.index_target(), "/bigbluebutton/api");
        assert_eq!(
            Server::new("http://127.0.0.1:8090", SECRET)
                .unwrap()
                .index_target(),
            "/"
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let shown = format!("{:?}", server());
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("bbb.example.com"));
    }
}
