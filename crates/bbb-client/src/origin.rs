//! Where a request goes: the scheme, host and port a connection is opened to (and pooled by)
//! and the `Host` header it carries. A [`crate::Server`] parses its URL into an origin once,
//! so a call only appends its path and signed query instead of parsing a whole URL again.

use hyper::header::HeaderValue;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// `http` or `https`, the only schemes a BBB API URL may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Http,
    Https,
}

/// One server's address as the transport needs it. Equal origins share pooled connections.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub(crate) scheme: Scheme,
    /// A DNS name or an IP literal without IPv6 brackets: what is resolved, connected to and,
    /// for `https`, named in SNI and checked against the certificate.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The URL's host, with the port when it is not the scheme's default, as HTTP/1.1 wants
    /// it in `Host`. Kept ready-made since every request sends it.
    pub(crate) host_header: HeaderValue,
}

/// The bytes that cannot stand as they are in a URL path, as the `url` crate's path set
/// (which encoded call names when every request still went through a URL parser).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

impl Origin {
    /// The origin of an absolute `http`/`https` URL; `None` for any other scheme. The reason
    /// for refusing is for the caller to say: it knows which URL it was, and whether that URL
    /// may be shown (a join URL is a credential).
    pub(crate) fn of(url: &url::Url) -> Option<Origin> {
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return None,
        };
        let host = match url.host()? {
            url::Host::Domain(name) => name.to_owned(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        // `url` leaves the port out when it is the scheme's default, as `Host` should.
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str()?),
            None => url.host_str()?.to_owned(),
        };
        Some(Origin {
            scheme,
            host,
            port: url.port_or_known_default()?,
            host_header: HeaderValue::from_str(&authority).ok()?,
        })
    }
}

/// The request target (`/path?query`) of an absolute URL, for requests to URLs that came
/// whole (a load balancer's join redirect).
pub(crate) fn target_of(url: &url::Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Appends a call name (`getMeetings`, `hooks/create`) to a request path, encoding what a
/// path cannot hold so that a forwarded call name always makes a valid request line.
pub(crate) fn push_call(target: &mut String, call: &str) {
    target.extend(utf8_percent_encode(call, PATH));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Origin {
        Origin::of(&url::Url::parse(url).unwrap()).unwrap()
    }

    #[test]
    fn default_ports_stay_out_of_host() {
        let https = origin("https://bbb.example.com/bigbluebutton/api/");
        assert_eq!(
            (https.scheme, https.host.as_str(), https.port),
            (Scheme::Https, "bbb.example.com", 443)
        );
        assert_eq!(https.host_header, "bbb.example.com");
        let http = origin("http://bbb.example.com:80/api/");
        assert_eq!(
            (http.port, http.host_header.to_str().unwrap()),
            (80, "bbb.example.com")
        );
    }

    #[test]
    fn other_ports_and_ip_literals() {
        let v4 = origin("http://127.0.0.1:8090/bigbluebutton/api/");
        assert_eq!((v4.host.as_str(), v4.port), ("127.0.0.1", 8090));
        assert_eq!(v4.host_header, "127.0.0.1:8090");
        let v6 = origin("https://[::1]:8443/api/");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 8443));
        assert_eq!(v6.host_header, "[::1]:8443");
    }

    #[test]
    fn only_http_and_https() {
        assert_eq!(Origin::of(&url::Url::parse("ftp://h/api/").unwrap()), None);
    }

    #[test]
    fn targets_keep_path_and_query() {
        let url = url::Url::parse("https://h/bigbluebutton/api/join?a=1&checksum=x").unwrap();
        assert_eq!(target_of(&url), "/bigbluebutton/api/join?a=1&checksum=x");
        assert_eq!(target_of(&url::Url::parse("http://h").unwrap()), "/");
    }

    #[test]
    fn call_names_are_encoded_like_a_url_parser_would() {
        let mut target = String::from("/api/");
        push_call(&mut target, "hooks/create");
        assert_eq!(target, "/api/hooks/create");
        push_call(&mut target, " a?b#c%ü");
        assert_eq!(target, "/api/hooks/create%20a%3Fb%23c%%C3%BC");
    }
}
