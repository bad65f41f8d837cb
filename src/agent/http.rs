//! The agent's HTTP API:
//!
//! | method | path | answer |
//! |---|---|---|
//! | GET | `/healthz` | 200 while the process runs |
//! | GET | `/readyz` | 200 once every environment has synced once, 503 before and during shutdown |
//! | GET | `/metrics` | Prometheus text format |
//! | GET | `/api/environments` | JSON list of environment status |
//! | GET | `/api/environments/NAME` | one environment |
//! | GET | `/api/runs?environment=NAME&kind=K&limit=N` | runs journal, newest first |
//! | POST | `/api/environments/NAME/sync` | queue a sync now (202) |
//!
//! The sync endpoint is what a Git host's push webhook calls. With a
//! `sync_secret` it needs either the secret itself (`Authorization: Bearer
//! SECRET`, `X-Gitform-Token` or GitLab's `X-Gitlab-Token`) or an
//! HMAC-SHA256 of the body (`X-Hub-Signature-256: sha256=HEX` as GitHub,
//! Gitea and Forgejo send it, or `X-Gitform-Signature-256`). Both checks
//! are constant-time. Without a secret, only loopback peers may sync.
//!
//! Served with hyper 0.14's server (already built as part of the AWS SDK's
//! dependencies, so the agent adds no second HTTP stack to compile).

use crate::agent::reconcile::Wake;
use crate::agent::status::Shared;
use hyper014::body::HttpBody;
use hyper014::server::conn::AddrStream;
use hyper014::service::{make_service_fn, service_fn};
use hyper014::{Body, Method, Request, Response, StatusCode};
use serde_json::json;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;

/// Largest request body read (sync requests carry a push event).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// What the server needs.
pub struct Api {
    pub shared: Arc<Shared>,
    /// Environment name → its sync queue (capacity 1: requests that arrive
    /// while one is queued are merged into it).
    pub sync: BTreeMap<String, SyncSender<Wake>>,
    /// Environment name → its state database, for `/api/runs`.
    pub states: BTreeMap<String, PathBuf>,
    pub auth: Option<SyncAuth>,
}

/// The shared secret, kept as keys so that comparisons are constant-time.
pub struct SyncAuth {
    /// HMAC key of the secret itself, for body signatures.
    body_key: ring::hmac::Key,
    /// A random per-process key, and the secret's tag under it: a presented
    /// token is accepted if its tag verifies (ring compares in constant time,
    /// and the comparison reveals nothing about the secret's length).
    token_key: ring::hmac::Key,
    token_tag: ring::hmac::Tag,
}

impl SyncAuth {
    pub fn new(secret: &str) -> Result<SyncAuth, String> {
        let rng = ring::rand::SystemRandom::new();
        let token_key = ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &rng)
            .map_err(|_| "the system random number generator failed".to_string())?;
        let token_tag = ring::hmac::sign(&token_key, secret.as_bytes());
        Ok(SyncAuth {
            body_key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes()),
            token_key,
            token_tag,
        })
    }

    /// True if the request proves it knows the secret.
    pub fn allows(&self, headers: &hyper014::HeaderMap, body: &[u8]) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        for name in ["x-hub-signature-256", "x-gitform-signature-256"] {
            if let Some(sig) = header(name) {
                let hex_sig = sig.trim().strip_prefix("sha256=").unwrap_or(sig.trim());
                return hex::decode(hex_sig)
                    .map(|tag| ring::hmac::verify(&self.body_key, body, &tag).is_ok())
                    .unwrap_or(false);
            }
        }
        let token = header("x-gitform-token")
            .or_else(|| header("x-gitlab-token"))
            .or_else(|| {
                header("authorization").and_then(|a| {
                    a.strip_prefix("Bearer ")
                        .or_else(|| a.strip_prefix("bearer "))
                })
            });
        match token {
            Some(t) => ring::hmac::verify(
                &self.token_key,
                t.trim().as_bytes(),
                self.token_tag.as_ref(),
            )
            .is_ok(),
            None => false,
        }
    }
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: std::net::TcpListener,
    api: Arc<Api>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("listener: {e}"))?;
    let make = make_service_fn(move |conn: &AddrStream| {
        let api = api.clone();
        let peer = conn.remote_addr();
        async move {
            Ok::<_, Infallible>(service_fn(move |req| {
                let api = api.clone();
                async move { Ok::<_, Infallible>(handle(&api, peer, req).await) }
            }))
        }
    });
    hyper014::Server::from_tcp(listener)
        .map_err(|e| e.to_string())?
        .http1_only(true)
        .serve(make)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| e.to_string())
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    let text = serde_json::to_string_pretty(body).unwrap_or_else(|_| "{}".to_string());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(text + "\n"))
        .unwrap_or_default()
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, &json!({ "error": message }))
}

fn text(status: StatusCode, content_type: &str, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap_or_default()
}

fn method_not_allowed(allow: &str) -> Response<Body> {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("use {allow} on this path"),
    );
    if let Ok(v) = allow.parse() {
        r.headers_mut().insert("allow", v);
    }
    r
}

async fn handle(api: &Api, peer: SocketAddr, req: Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or_default().to_string();
    let method = req.method().clone();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let response = match (segments.as_slice(), &method) {
        (["healthz"], &Method::GET) => text(StatusCode::OK, "text/plain", "ok\n".to_string()),
        (["readyz"], &Method::GET) => readyz(api),
        (["metrics"], &Method::GET) => text(
            StatusCode::OK,
            crate::agent::metrics::CONTENT_TYPE,
            api.shared.with(|s| crate::agent::metrics::render(s)),
        ),
        (["api", "environments"], &Method::GET) => {
            let list: Vec<serde_json::Value> = api.shared.with(|s| {
                s.envs
                    .values()
                    .map(|e| serde_json::to_value(e).unwrap_or_default())
                    .collect()
            });
            json_response(StatusCode::OK, &json!({ "environments": list }))
        }
        (["api", "environments", name], &Method::GET) => {
            match api.shared.with(|s| {
                s.envs
                    .get(*name)
                    .map(|e| serde_json::to_value(e).unwrap_or_default())
            }) {
                Some(v) => json_response(StatusCode::OK, &v),
                None => unknown_environment(api, name),
            }
        }
        (["api", "environments", name, "sync"], &Method::POST) => {
            let name = name.to_string();
            sync(api, peer, &name, req).await
        }
        (["api", "environments", _, "sync"], _) => method_not_allowed("POST"),
        (["api", "runs"], &Method::GET) => runs(api, &query).await,
        (["healthz"] | ["readyz"] | ["metrics"] | ["api", "environments"] | ["api", "runs"], _)
        | (["api", "environments", _], _) => method_not_allowed("GET"),
        _ => error(StatusCode::NOT_FOUND, &format!("no such path: {path}")),
    };
    tracing::debug!(%method, %path, status = response.status().as_u16(), "http");
    response
}

fn unknown_environment(api: &Api, name: &str) -> Response<Body> {
    let names: Vec<&str> = api.sync.keys().map(String::as_str).collect();
    error(
        StatusCode::NOT_FOUND,
        &format!(
            "no environment named {name:?}; the environments are: {}",
            names.join(", ")
        ),
    )
}

fn readyz(api: &Api) -> Response<Body> {
    let (ready, shutting_down, waiting) = api.shared.with(|s| {
        let waiting: Vec<String> = s
            .envs
            .values()
            .filter(|e| !e.ready)
            .map(|e| e.name.clone())
            .collect();
        (
            waiting.is_empty() && !s.shutting_down,
            s.shutting_down,
            waiting,
        )
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(
        status,
        &json!({ "ready": ready, "shutting_down": shutting_down, "waiting_for": waiting }),
    )
}

/// Reads a body of at most [`MAX_BODY`] bytes.
async fn read_body(body: &mut Body) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        if out.len() + chunk.len() > MAX_BODY {
            return Err(format!("the body is larger than {MAX_BODY} bytes"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

async fn sync(api: &Api, peer: SocketAddr, name: &str, req: Request<Body>) -> Response<Body> {
    let Some(queue) = api.sync.get(name) else {
        return unknown_environment(api, name);
    };
    let (parts, mut body) = req.into_parts();
    let bytes = match read_body(&mut body).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::PAYLOAD_TOO_LARGE, &e),
    };
    match &api.auth {
        Some(auth) if !auth.allows(&parts.headers, &bytes) => {
            tracing::warn!(environment = name, %peer, "sync request refused: missing or wrong secret");
            return error(
                StatusCode::UNAUTHORIZED,
                "missing or wrong sync secret: send it as `Authorization: Bearer SECRET`, or sign the body (X-Hub-Signature-256)",
            );
        }
        Some(_) => {}
        None if !peer.ip().is_loopback() => {
            return error(
                StatusCode::FORBIDDEN,
                "this agent has no sync_secret, so only loopback clients may trigger a sync",
            );
        }
        None => {}
    }
    api.shared.count(|c| {
        *c.sync_requests.entry(name.to_string()).or_default() += 1;
    });
    let queued = match queue.try_send(Wake::Sync {
        trigger: crate::runs::Trigger::Webhook,
    }) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => false,
        Err(TrySendError::Disconnected(_)) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the environment is shutting down",
            )
        }
    };
    tracing::info!(environment = name, %peer, "sync requested over HTTP");
    json_response(
        StatusCode::ACCEPTED,
        &json!({
            "environment": name,
            "queued": queued,
            "message": if queued { "sync queued" } else { "a sync was already queued; this request is merged into it" },
        }),
    )
}

/// `?a=b&c=d`, percent-decoding values.
fn query_params(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex_pair = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex_pair) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (other, _) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn runs(api: &Api, query: &str) -> Response<Body> {
    let params = query_params(query);
    let limit = match params.get("limit").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if n > 0 => n.min(10_000),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "limit must be a whole number above 0",
            )
        }
    };
    let environment = params.get("environment").cloned();
    if let Some(name) = &environment {
        if !api.states.contains_key(name) {
            return unknown_environment(api, name);
        }
    }
    let kind = params.get("kind").cloned();
    let states: Vec<(String, PathBuf)> = api
        .states
        .iter()
        .filter(|(name, _)| environment.as_ref().is_none_or(|e| e == *name))
        .map(|(n, p)| (n.clone(), p.clone()))
        .collect();
    let result = tokio::task::spawn_blocking(move || {
        crate::agent::journal::runs_json(&states, kind.as_deref(), limit)
    })
    .await;
    match result {
        Ok(Ok(list)) => json_response(StatusCode::OK, &json!({ "runs": list })),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, String)]) -> hyper014::HeaderMap {
        let mut h = hyper014::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn sync_auth_accepts_the_secret_or_a_body_signature() {
        let auth = SyncAuth::new("s3cret").unwrap();
        let body = br#"{"ref":"refs/heads/main"}"#;
        let good_sig = crate::agent::webhook::signature(
            &crate::agent::config::Secret("s3cret".to_string()),
            body,
        );
        type Case = (&'static str, Vec<(&'static str, String)>, bool);
        let cases: Vec<Case> = vec![
            (
                "bearer",
                vec![("authorization", "Bearer s3cret".into())],
                true,
            ),
            (
                "token header",
                vec![("x-gitform-token", "s3cret".into())],
                true,
            ),
            (
                "gitlab token",
                vec![("x-gitlab-token", "s3cret".into())],
                true,
            ),
            (
                "github signature",
                vec![("x-hub-signature-256", good_sig.clone())],
                true,
            ),
            (
                "gitea signature (no prefix)",
                vec![(
                    "x-hub-signature-256",
                    good_sig.trim_start_matches("sha256=").to_string(),
                )],
                true,
            ),
            (
                "wrong token",
                vec![("x-gitform-token", "s3cret!".into())],
                false,
            ),
            (
                "prefix of the token",
                vec![("x-gitform-token", "s3c".into())],
                false,
            ),
            (
                "wrong signature",
                vec![("x-hub-signature-256", format!("sha256={}", "0".repeat(64)))],
                false,
            ),
            (
                "garbage signature",
                vec![("x-hub-signature-256", "sha256=zz".into())],
                false,
            ),
            ("nothing", vec![], false),
            (
                "basic auth",
                vec![("authorization", "Basic czNjcmV0".into())],
                false,
            ),
        ];
        for (name, h, want) in cases {
            assert_eq!(auth.allows(&headers(&h), body), want, "{name}");
        }
        // A signature of another body does not pass.
        assert!(!auth.allows(&headers(&[("x-hub-signature-256", good_sig)]), b"{}"));
    }

    #[test]
    fn query_strings() {
        let p = query_params("environment=prod%2Deu&limit=5&flag&x=a+b");
        assert_eq!(p["environment"], "prod-eu");
        assert_eq!(p["limit"], "5");
        assert_eq!(p["flag"], "");
        assert_eq!(p["x"], "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
