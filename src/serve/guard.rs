//! Who may talk to the workbench: the Host check, the one-time login token, the session
//! cookie, the CSRF token of every POST, and the headers of every response.

use super::App;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Name of the session cookie.
pub const COOKIE: &str = "sortes_session";
/// Form field and header that carry the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest request body (a quota file, a form): 1 MiB.
const MAX_BODY: usize = 1 << 20;

/// One browser session.
#[derive(Clone)]
pub struct Session {
    pub csrf: String,
    pub lang: super::texts::Lang,
}

pub struct Guard {
    hosts: Vec<String>,
    token: Mutex<Option<String>>,
    sessions: Mutex<BTreeMap<String, Session>>,
}

/// `127.0.0.1:port` or `[::1]:port`.
pub fn host_of(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// Equality in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

impl Guard {
    pub fn new(addr: SocketAddr, token: String) -> Guard {
        let port = addr.port();
        Guard {
            hosts: vec![
                host_of(addr),
                format!("localhost:{port}"),
                format!("127.0.0.1:{port}"),
                format!("[::1]:{port}"),
            ],
            token: Mutex::new(Some(token)),
            sessions: Mutex::new(BTreeMap::new()),
        }
    }

    fn host_ok(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|h| self.hosts.iter().any(|a| a.eq_ignore_ascii_case(h)))
    }

    /// Spends the one-time token; the new session's id.
    fn login(&self, token: &str) -> Option<String> {
        let mut t = self.token.lock().ok()?;
        let ok = t.as_deref().is_some_and(|x| same(x, token));
        if !ok {
            return None;
        }
        *t = None;
        let id = super::random_token().ok()?;
        let csrf = super::random_token().ok()?;
        self.sessions.lock().ok()?.insert(
            id.clone(),
            Session {
                csrf,
                lang: super::texts::Lang::De,
            },
        );
        Some(id)
    }

    pub fn session(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers, COOKIE)?;
        let sessions = self.sessions.lock().ok()?;
        sessions
            .iter()
            .find(|(k, _)| same(k, &id))
            .map(|(k, s)| (k.clone(), s.clone()))
    }

    pub fn set_lang(&self, id: &str, lang: super::texts::Lang) {
        if let Ok(mut s) = self.sessions.lock()
            && let Some(s) = s.get_mut(id)
        {
            s.lang = lang;
        }
    }
}

/// The value of cookie `name`.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn refuse(status: StatusCode, text: &str) -> Response {
    let mut r = (status, text.to_string()).into_response();
    secure_headers(r.headers_mut());
    r
}

/// Headers of every response: never cached, never framed, no referrer, no foreign
/// scripts.
fn secure_headers(h: &mut HeaderMap) {
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    );
}

/// The CSRF token of a form body (`application/x-www-form-urlencoded`).
fn form_csrf(body: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    pairs
        .into_iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v)
}

/// The middleware in front of every route.
pub async fn check(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let g = &app.guard;
    if !g.host_ok(req.headers()) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "This address is not the workbench's own; open the URL that `sortes serve` printed.",
        );
    }
    if req.uri().path() == "/login" {
        let token = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|q| q.into_iter().find(|(k, _)| k == "token").map(|(_, v)| v));
        return match token.and_then(|t| g.login(&t)) {
            Some(id) => {
                let mut r = (StatusCode::SEE_OTHER, "").into_response();
                let h = r.headers_mut();
                h.insert(header::LOCATION, HeaderValue::from_static("/"));
                if let Ok(v) = HeaderValue::from_str(&format!(
                    "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/"
                )) {
                    h.insert(header::SET_COOKIE, v);
                }
                secure_headers(h);
                r
            }
            None => refuse(
                StatusCode::UNAUTHORIZED,
                "This link was used already or is wrong. Stop the workbench (Ctrl-C) and start it again with `sortes serve` for a new link.",
            ),
        };
    }
    let Some((_, session)) = g.session(req.headers()) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "Not signed in: open the URL that `sortes serve` printed.",
        );
    };
    let req = if req.method() == Method::POST {
        let (parts, body) = req.into_parts();
        let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(b) => b,
            Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "The request is too large."),
        };
        let given = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| form_csrf(&bytes));
        if !given.is_some_and(|t| same(&t, &session.csrf)) {
            return refuse(
                StatusCode::FORBIDDEN,
                "This form is out of date or did not come from the workbench; reload the page and try again.",
            );
        }
        Request::from_parts(parts, Body::from(bytes))
    } else if req.method() == Method::GET || req.method() == Method::HEAD {
        req
    } else {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed.");
    };
    let mut r = next.run(req).await;
    secure_headers(r.headers_mut());
    r
}
