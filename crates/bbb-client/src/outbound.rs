//! Which addresses outbound requests may reach. A multi-tenant service calls URLs that its
//! tenants chose (a BBB server URL a group admin added, a callback URL a tenant set): without a
//! rule, such a URL points the service at its own loopback, the private network it sits in, or
//! a cloud metadata address (server-side request forgery). [`OutboundPolicy::public_only`]
//! refuses every address that is not globally reachable — loopback, private, link-local,
//! unspecified, broadcast, multicast, documentation and other special-use ranges, IPv4-mapped
//! and embedded forms of them — unless the operator's allow-list admits it, by network (CIDR)
//! or by host name.
//!
//! The rule is applied to the addresses a connection actually goes to, after DNS resolution
//! ([`OutboundPolicy::resolve`]): checking a name once and connecting later would let a name
//! that answers differently the second time (DNS rebinding) slip through.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock};

use ipnet::{IpNet, Ipv6Net};

use crate::error::{Cause, Error};

/// The ranges that are not globally reachable, with what they are (for the refusal's reason).
/// IPv6 forms that embed an IPv4 address are unwrapped first (see [`embedded_ipv4`]).
static SPECIAL_RANGES: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    [
        // IPv4 (RFC 6890 and its updates)
        ("0.0.0.0/8", "an unspecified (\"this network\") address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        // 240.0.0.0/4 holds the limited broadcast address 255.255.255.255.
        ("240.0.0.0/4", "a reserved or broadcast address"),
        // IPv6 (RFC 6890, 4291, 4193)
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        // IPv4-compatible (deprecated); the mapped range is unwrapped instead.
        ("::/96", "an IPv4-compatible address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("100::/64", "a discard-only address"),
        ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a unique local (private) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    ]
    .into_iter()
    .map(|(net, what)| (net.parse().expect("the table holds valid networks"), what))
    .collect()
});

/// The IPv4 address an IPv6 address stands for, where it embeds one that a packet may end up
/// at: IPv4-mapped (`::ffff:a.b.c.d`), well-known NAT64 (`64:ff9b::a.b.c.d`) and 6to4
/// (`2002:aabb:ccdd::/48`).
fn embedded_ipv4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = address.to_ipv4_mapped() {
        return Some(v4);
    }
    let octets = address.octets();
    let segments = address.segments();
    if Ipv6Net::new(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)
        .is_ok_and(|nat64| nat64.contains(&address))
    {
        return Some(Ipv4Addr::new(
            octets[12], octets[13], octets[14], octets[15],
        ));
    }
    if segments[0] == 0x2002 {
        return Some(Ipv4Addr::new(octets[2], octets[3], octets[4], octets[5]));
    }
    None
}

/// What kind of special-use address `address` is, or `None` for a globally reachable one.
pub fn special_use(address: IpAddr) -> Option<&'static str> {
    let unwrapped = match address {
        IpAddr::V6(v6) => embedded_ipv4(v6).map_or(address, IpAddr::V4),
        v4 => v4,
    };
    SPECIAL_RANGES
        .iter()
        .find(|(net, _)| net.contains(&unwrapped) || net.contains(&address))
        .map(|(_, what)| *what)
}

/// Which addresses outbound connections may go to. Cheap to clone.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundPolicy(Arc<Rules>);

#[derive(PartialEq, Eq)]
struct Rules {
    /// `false`: every address is admitted (the library's default, for callers that reach
    /// only servers they configured themselves).
    public_only: bool,
    allowed_networks: Vec<IpNet>,
    /// Lower case, without a trailing dot.
    allowed_hosts: Vec<String>,
}

/// A connection the policy does not admit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host}: {address} is {what}, which the outbound allow-list does not admit")]
pub struct Refused {
    pub host: String,
    pub address: IpAddr,
    pub what: &'static str,
}

impl OutboundPolicy {
    /// Admits every address.
    pub fn unrestricted() -> Self {
        OutboundPolicy(Arc::new(Rules {
            public_only: false,
            allowed_networks: Vec::new(),
            allowed_hosts: Vec::new(),
        }))
    }

    /// Admits globally reachable addresses only; [`Self::allow`] adds exceptions.
    pub fn public_only() -> Self {
        OutboundPolicy(Arc::new(Rules {
            public_only: true,
            allowed_networks: Vec::new(),
            allowed_hosts: Vec::new(),
        }))
    }

    /// The same policy, also admitting `entry`: a network in CIDR notation (`10.0.0.0/8`,
    /// `fd00::/8`), one IP address, or a host name (`bbb.internal`, matched exactly and
    /// whatever it resolves to). [`Error::InvalidInput`] for anything else.
    pub fn allow(self, entry: &str) -> Result<Self, Error> {
        let entry = entry.trim();
        let mut rules = Rules {
            public_only: self.0.public_only,
            allowed_networks: self.0.allowed_networks.clone(),
            allowed_hosts: self.0.allowed_hosts.clone(),
        };
        if let Ok(network) = entry.parse::<IpNet>() {
            rules.allowed_networks.push(network.trunc());
        } else if let Ok(address) = entry.parse::<IpAddr>() {
            rules.allowed_networks.push(IpNet::from(address));
        } else if let Some(host) = host_name(entry) {
            rules.allowed_hosts.push(host);
        } else {
            return Err(Error::InvalidInput(format!(
                "{entry:?} is neither a network in CIDR notation, an IP address nor a host name"
            )));
        }
        Ok(OutboundPolicy(Arc::new(rules)))
    }

    /// Whether a connection to `address`, found for `host` (a name or an IP literal), is
    /// admitted; the reason when not.
    pub fn check(&self, host: &str, address: IpAddr) -> Result<(), Refused> {
        let rules = &self.0;
        if !rules.public_only {
            return Ok(());
        }
        let Some(what) = special_use(address) else {
            return Ok(());
        };
        let canonical = address.to_canonical();
        let admitted = rules
            .allowed_networks
            .iter()
            .any(|network| network.contains(&address) || network.contains(&canonical))
            || host_name(host).is_some_and(|host| rules.allowed_hosts.contains(&host));
        if admitted {
            Ok(())
        } else {
            Err(Refused {
                host: host.to_owned(),
                address,
                what,
            })
        }
    }

    /// The addresses of `host` (a name or an IP literal, without IPv6 brackets) a connection
    /// may go to, in resolver order. Connect to these, not to the name again. An
    /// [`Error::Connect`] when the name does not resolve or none of its addresses is admitted.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
        let found = tokio::net::lookup_host((host, port))
            .await
            .map_err(|error| Error::Connect(Cause::within(host, error)))?;
        let mut admitted = Vec::new();
        let mut refused = None;
        for address in found {
            match self.check(host, address.ip()) {
                Ok(()) => admitted.push(address),
                Err(reason) => refused = Some(reason),
            }
        }
        match (admitted.is_empty(), refused) {
            (false, _) => Ok(admitted),
            (true, Some(refused)) => Err(Error::Connect(Cause::new(refused))),
            (true, None) => Err(Error::Connect(Cause::message(format!(
                "{host}: no address found"
            )))),
        }
    }

    /// Whether this policy refuses anything at all.
    pub fn is_public_only(&self) -> bool {
        self.0.public_only
    }
}

/// A DNS name as the allow-list compares it (lower case, no trailing dot); `None` for IP
/// literals and for what is no host name.
fn host_name(text: &str) -> Option<String> {
    match url::Host::parse(text.trim().trim_end_matches('.')) {
        Ok(url::Host::Domain(name)) if !name.is_empty() => Some(name.to_ascii_lowercase()),
        _ => None,
    }
}

/// Shows the rules, e.g. in a configuration dump.
impl fmt::Debug for OutboundPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundPolicy")
            .field("public_only", &self.0.public_only)
            .field("allowed_networks", &self.0.allowed_networks)
            .field("allowed_hosts", &self.0.allowed_hosts)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn special_use_addresses_are_refused_by_default() {
        let policy = OutboundPolicy::public_only();
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::",
            "::1",
            "fe80::1",
            "fd00::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "2002:7f00:1::1",
            "::127.0.0.1",
        ] {
            assert!(
                policy.check("h", ip(refused)).is_err(),
                "{refused} admitted"
            );
        }
        for admitted in [
            "8.8.8.8",
            "172.32.0.1",
            "192.169.0.1",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(
                policy.check("h", ip(admitted)).is_ok(),
                "{admitted} refused"
            );
        }
    }

    #[test]
    fn the_unrestricted_policy_admits_everything() {
        let policy = OutboundPolicy::unrestricted();
        assert!(policy.check("h", ip("127.0.0.1")).is_ok());
        assert!(!policy.is_public_only());
    }

    #[test]
    fn the_allow_list_admits_networks_addresses_and_host_names() {
        let policy = OutboundPolicy::public_only()
            .allow("127.0.0.0/8")
            .and_then(|policy| policy.allow("10.1.2.3"))
            .and_then(|policy| policy.allow("fd00::/8"))
            .and_then(|policy| policy.allow("BBB.Internal."))
            .unwrap();
        assert!(policy.check("h", ip("127.0.0.1")).is_ok());
        assert!(policy.check("h", ip("::ffff:127.0.0.1")).is_ok());
        assert!(policy.check("h", ip("10.1.2.3")).is_ok());
        assert!(policy.check("h", ip("10.1.2.4")).is_err());
        assert!(policy.check("h", ip("fd12::1")).is_ok());
        assert!(policy.check("bbb.internal", ip("192.168.0.7")).is_ok());
        assert!(policy.check("other.internal", ip("192.168.0.7")).is_err());
        let refused = policy
            .check("x.example", ip("169.254.169.254"))
            .unwrap_err();
        assert_eq!(refused.what, "a link-local address");
        assert!(refused.to_string().contains("169.254.169.254"), "{refused}");
    }

    #[test]
    fn bad_allow_list_entries_are_refused() {
        for bad in ["10.0.0.0/33", "", "a b", "http://x/", "1.2.3.4/8/1"] {
            assert!(
                matches!(
                    OutboundPolicy::public_only().allow(bad),
                    Err(Error::InvalidInput(_))
                ),
                "{bad:?} accepted"
            );
        }
    }

    #[tokio::test]
    async fn names_are_checked_by_the_addresses_they_resolve_to() {
        let strict = OutboundPolicy::public_only();
        let error = strict.resolve("localhost", 80).await.unwrap_err();
        assert!(
            matches!(&error, Error::Connect(reason) if reason.as_str().contains("loopback")),
            "{error:?}"
        );
        let loopback = strict
            .clone()
            .allow("127.0.0.0/8")
            .unwrap()
            .allow("::1")
            .unwrap();
        let found = loopback.resolve("localhost", 80).await.unwrap();
        assert!(found.iter().all(|address| address.ip().is_loopback()));
        assert!(strict.resolve("127.0.0.1", 80).await.is_err());
    }
}
