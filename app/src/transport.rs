//! How a request reached the server (server only): the client's address and whether the
//! browser used HTTPS, believed from `X-Forwarded-For` / `X-Forwarded-Proto` only when the
//! TCP peer is a trusted proxy. Over HTTPS the session cookie becomes
//! `__Host-releasedesk_session` (Secure, host-only, path /) and responses carry HSTS.
//! Every answer that may carry a user's data is marked `Cache-Control: no-store`.
//!
//! Shared: the login (throttling by address) and the session layer (the cookie) rely on it;
//! the server mounts it around the session layer.

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use releasedesk_core::auth::client::TrustedProxies;
use releasedesk_core::auth::sessions::SESSION_COOKIE;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The operator's settings: which proxies are believed, and whether every request is to be
/// treated as HTTPS (`--secure-cookies`, for a proxy that does not send `X-Forwarded-Proto`).
#[derive(Debug, Clone, Default)]
pub struct Transport {
    pub proxies: Arc<TrustedProxies>,
    pub always_https: bool,
}

/// What the server knows of a request's client; in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// `None` when the request did not come over TCP (the in-process tests).
    pub address: Option<IpAddr>,
    pub https: bool,
}

/// The session cookie's name over HTTPS: the browser sends it only to this host, only over
/// HTTPS, and no other site (not even a sibling subdomain) can set it.
pub fn secure_cookie_name() -> String {
    format!("__Host-{SESSION_COOKIE}")
}

/// One year, the usual HSTS lifetime.
const HSTS: &str = "max-age=31536000";

/// The layer: finds the client, renames the session cookie over HTTPS, and sets the
/// transport's response headers.
pub async fn guard(transport: Transport, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip());
    let forwarded_proto = headers.get("x-forwarded-proto").and_then(|value| value.to_str().ok());
    let https = transport.always_https
        || request.uri().scheme() == Some(&axum::http::uri::Scheme::HTTPS)
        || peer.is_some_and(|peer| transport.proxies.forwarded_https(peer, forwarded_proto));
    let address = peer.map(|peer| {
        let forwarded_for = headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok());
        transport.proxies.client_address(peer, forwarded_for)
    });
    request.extensions_mut().insert(Client { address, https });
    let user_data = carries_user_data(request.uri().path());
    pass_cookies(request.headers_mut(), user_data, https);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if https {
        give_secure_cookie(headers);
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if user_data {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else {
        // A static file keeps its name from one version to the next: the browser asks again
        // each time (an unchanged file answers 304), so after an upgrade no one runs the
        // previous version's code against the new server.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        // Sent brotli- or gzip-compressed to a browser that accepts it (front/precompress.mjs):
        // a cache between keeps one copy per encoding.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Everything but the static files (the app's code, styles and icons, the same for all).
fn carries_user_data(path: &str) -> bool {
    !is_static_file(path)
}

/// The site's static files: the app's code, styles and icons, the same for everyone and
/// open to anyone.
pub fn is_static_file(path: &str) -> bool {
    path.starts_with("/pkg/") || path.starts_with("/assets/") || path.starts_with("/favicon.")
}

/// The request's cookies as the session layers are to see them. A static file is the same
/// for everyone: none are passed on, so no session is read for it (a database read per file,
/// and a failed one while the database is away). Over HTTPS, see [`take_secure_cookie`].
fn pass_cookies(headers: &mut HeaderMap, user_data: bool, https: bool) {
    if !user_data {
        headers.remove(header::COOKIE);
    } else if https {
        take_secure_cookie(headers);
    }
}

/// Over HTTPS only the `__Host-` cookie is the session: a plain `releasedesk_session` sent
/// along (set over HTTP, or by a sibling subdomain) is dropped, and the `__Host-` one is
/// handed to the session layer under its plain name.
fn take_secure_cookie(headers: &mut HeaderMap) {
    let secure_name = secure_cookie_name();
    let pairs: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name).trim();
            if name == SESSION_COOKIE {
                None
            } else if name == secure_name {
                Some(format!("{SESSION_COOKIE}{}", &pair[secure_name.len()..]))
            } else {
                Some(pair.to_owned())
            }
        })
        .collect();
    headers.remove(header::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&pairs.join("; ")) {
        if !pairs.is_empty() {
            headers.insert(header::COOKIE, value);
        }
    }
}

/// The session layer's cookie, renamed `__Host-…` and marked Secure.
fn give_secure_cookie(headers: &mut HeaderMap) {
    let plain = format!("{SESSION_COOKIE}=");
    let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        let renamed = cookie.to_str().ok().and_then(|text| text.strip_prefix(&plain)).map(|rest| {
            let secure =
                if rest.split(';').any(|part| part.trim().eq_ignore_ascii_case("secure")) { "" } else { "; Secure" };
            format!("{}={rest}{secure}", secure_cookie_name())
        });
        match renamed.and_then(|text| HeaderValue::from_str(&text).ok()) {
            Some(value) => headers.append(header::SET_COOKIE, value),
            None => headers.append(header::SET_COOKIE, cookie),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_https_only_the_host_cookie_is_the_session() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static(
                "releasedesk_session=planted; __Host-releasedesk_session=real; releasedesk_lang=pt",
            ),
        );
        take_secure_cookie(&mut headers);
        assert_eq!(headers[header::COOKIE], "releasedesk_session=real; releasedesk_lang=pt");
    }

    #[test]
    fn a_static_file_is_asked_for_without_cookies_and_a_page_with_them() {
        let cookies = || {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_static("releasedesk_session=abc; releasedesk_lang=pt"));
            headers
        };
        for path in ["/pkg/releasedesk.wasm", "/pkg/releasedesk.css", "/favicon.svg", "/assets/logo.svg"] {
            for https in [false, true] {
                let mut headers = cookies();
                pass_cookies(&mut headers, carries_user_data(path), https);
                assert_eq!(headers.get(header::COOKIE), None, "{path}, https {https}");
            }
        }
        for path in ["/releases", "/api/list_releases", "/pkgs", "/"] {
            let mut headers = cookies();
            pass_cookies(&mut headers, carries_user_data(path), false);
            assert_eq!(headers[header::COOKIE], "releasedesk_session=abc; releasedesk_lang=pt", "{path}");
        }
    }

    #[test]
    fn the_session_cookie_leaves_as_a_secure_host_cookie() {
        let mut headers = HeaderMap::new();
        headers.append(header::SET_COOKIE, HeaderValue::from_static("releasedesk_session=abc; HttpOnly; Path=/"));
        headers.append(header::SET_COOKIE, HeaderValue::from_static("releasedesk_lang=pt; Path=/"));
        give_secure_cookie(&mut headers);
        let cookies: Vec<_> = headers.get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(
            cookies,
            ["__Host-releasedesk_session=abc; HttpOnly; Path=/; Secure", "releasedesk_lang=pt; Path=/"]
        );
    }
}
