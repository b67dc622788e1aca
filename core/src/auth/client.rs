//! Who is at the other end of a request: the client's address and whether it came over
//! HTTPS. Behind a reverse proxy the TCP peer is the proxy; its `X-Forwarded-For` and
//! `X-Forwarded-Proto` are believed only when the operator named it in `TRUSTED_PROXIES`,
//! since anyone else can send those headers.

use ipnet::IpNet;
use std::net::IpAddr;
use std::str::FromStr;

/// The proxies whose forwarding headers are believed: addresses and networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl FromStr for TrustedProxies {
    type Err = String;

    /// A list of addresses (`10.0.0.5`, `::1`) and networks (`10.0.0.0/8`), separated by
    /// commas or spaces; empty for none.
    fn from_str(text: &str) -> Result<TrustedProxies, String> {
        text.split([',', ' '])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{item}` is neither an IP address nor a network such as 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    /// Whether `address` is one of the trusted proxies.
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client's address. The peer, unless it is a trusted proxy: then the nearest
    /// address of `X-Forwarded-For` (read from the right, each proxy appends the address it
    /// heard from) that is not itself a trusted proxy. `forwarded_for` holds the values of
    /// every `X-Forwarded-For` header in order. An address the proxy could not have written
    /// (unreadable) ends the search at the last one believed.
    pub fn client_address<'a>(&self, peer: IpAddr, forwarded_for: impl IntoIterator<Item = &'a str>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.into_iter().flat_map(|value| value.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else { break };
            client = address.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }

    /// Whether a request from `peer` reached the proxy over HTTPS: a trusted proxy's
    /// `X-Forwarded-Proto` says so (its first value, the scheme the browser used).
    pub fn forwarded_https(&self, peer: IpAddr, forwarded_proto: Option<&str>) -> bool {
        self.trusts(peer)
            && forwarded_proto
                .and_then(|value| value.split(',').next())
                .is_some_and(|scheme| scheme.trim().eq_ignore_ascii_case("https"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        assert_eq!(none.client_address(ip("203.0.113.9"), ["198.51.100.1"]), ip("203.0.113.9"));
        assert!(!none.forwarded_https(ip("203.0.113.9"), Some("https")));
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let proxies: TrustedProxies = "10.0.0.0/8, ::1 192.168.1.1".parse().expect("a list");
        assert_eq!(proxies.client_address(ip("10.1.2.3"), ["198.51.100.1"]), ip("198.51.100.1"));
        assert_eq!(proxies.client_address(ip("::1"), ["198.51.100.1, 10.0.0.2"]), ip("198.51.100.1"));
        // What the client itself wrote (to the left of what the proxies heard) is not believed.
        assert_eq!(proxies.client_address(ip("10.1.2.3"), ["1.2.3.4", "203.0.113.7"]), ip("203.0.113.7"));
        // An untrusted peer's header is not believed either.
        assert_eq!(proxies.client_address(ip("203.0.113.9"), ["198.51.100.1"]), ip("203.0.113.9"));
        // Nothing forwarded: the proxy is all we know.
        assert_eq!(proxies.client_address(ip("10.1.2.3"), []), ip("10.1.2.3"));
        assert!(proxies.forwarded_https(ip("192.168.1.1"), Some("https")));
        assert!(!proxies.forwarded_https(ip("192.168.1.1"), Some("http")));
        assert!(!proxies.forwarded_https(ip("192.168.1.2"), Some("https")));
    }

    #[test]
    fn a_list_with_something_else_is_refused() {
        assert!("10.0.0.0/8, proxy.example".parse::<TrustedProxies>().is_err());
        assert_eq!("".parse::<TrustedProxies>(), Ok(TrustedProxies::default()));
    }
}
