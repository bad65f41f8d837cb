//! Webhook deliveries: a JSON body POSTed to each subscribed URL, signed
//! with HMAC-SHA256 when the webhook has a secret.
//!
//! Headers: `Content-Type: application/json`, `X-Gitform-Event` (the event
//! name), `X-Gitform-Delivery` (a unique id, the same on retries) and, with a
//! secret, `X-Gitform-Signature-256: sha256=HEX` over the exact body bytes.
//!
//! Deliveries go through one queue worked by one task, so a slow receiver
//! never holds up a sync, and events reach each receiver in the order they
//! happened. A failed delivery (connection error, timeout, 5xx, 408, 429) is
//! tried three times with a growing pause; every outcome is counted in
//! `gitform_agent_webhook_deliveries_total`.

use crate::agent::config::{Secret, WebhookConfig};
use crate::agent::status::Shared;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Attempts per delivery.
const ATTEMPTS: u32 = 3;

/// One POST to make.
#[derive(Debug)]
struct Delivery {
    environment: String,
    url: String,
    secret: Option<Secret>,
    timeout: Duration,
    event: String,
    id: String,
    body: Bytes,
}

/// The sending side of the delivery queue. Cloned into every environment
/// task; the worker stops once every clone is dropped and the queue is empty.
#[derive(Clone, Debug)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Delivery>,
}

impl Outbox {
    /// Queues `body` for every webhook of `hooks` subscribed to `event`.
    pub fn send(
        &self,
        environment: &str,
        hooks: &[WebhookConfig],
        event: &str,
        body: &serde_json::Value,
    ) {
        let subscribed: Vec<&WebhookConfig> = hooks
            .iter()
            .filter(|h| h.events.is_empty() || h.events.iter().any(|e| e == event))
            .collect();
        if subscribed.is_empty() {
            return;
        }
        let bytes = Bytes::from(serde_json::to_vec(body).unwrap_or_default());
        for h in subscribed {
            let delivery = Delivery {
                environment: environment.to_string(),
                url: h.url.clone(),
                secret: h.secret.clone(),
                timeout: h.timeout,
                event: event.to_string(),
                id: uuid::Uuid::new_v4().to_string(),
                body: bytes.clone(),
            };
            if self.tx.send(delivery).is_err() {
                tracing::warn!(environment, event, "webhook queue closed; event dropped");
            }
        }
    }
}

/// Starts the delivery worker. Await the handle after dropping every
/// [`Outbox`] to let queued deliveries finish.
pub fn start(shared: Arc<Shared>) -> (Outbox, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
    let handle = tokio::spawn(async move {
        let client = client();
        while let Some(d) = rx.recv().await {
            let outcome = match &client {
                Ok(c) => deliver(c, &d).await,
                Err(e) => {
                    tracing::warn!(environment = %d.environment, event = %d.event, error = %e, "webhook not sent");
                    "failed"
                }
            };
            shared.count(|c| {
                *c.webhooks
                    .entry((d.environment.clone(), outcome.to_string()))
                    .or_default() += 1;
            });
        }
    });
    (Outbox { tx }, handle)
}

/// An HTTP client for `http://` and `https://` URLs, trusting the system's
/// root certificates.
fn client() -> Result<HttpsClient, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = match hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider.clone())
    {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "no system root certificates: https webhooks cannot verify their servers");
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS setup failed: {e}"))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config)
        }
    };
    let connector = builder.https_or_http().enable_http1().build();
    Ok(Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
}

/// `sha256=HEX`: HMAC-SHA256 of `body` with `secret`.
pub fn signature(secret: &Secret, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.0.as_bytes());
    format!(
        "sha256={}",
        hex::encode(ring::hmac::sign(&key, body).as_ref())
    )
}

/// Posts one delivery, retrying transient failures. Returns `delivered`
/// or `failed`.
async fn deliver(client: &HttpsClient, d: &Delivery) -> &'static str {
    let url = redact(&d.url);
    for attempt in 1..=ATTEMPTS {
        match post(client, d).await {
            Ok(status) if status.is_success() => {
                tracing::debug!(environment = %d.environment, event = %d.event, url = %url, "webhook delivered");
                return "delivered";
            }
            Ok(status) => {
                let retry = status.is_server_error()
                    || status == hyper::StatusCode::REQUEST_TIMEOUT
                    || status == hyper::StatusCode::TOO_MANY_REQUESTS;
                tracing::warn!(environment = %d.environment, event = %d.event, url = %url, status = status.as_u16(), attempt, "webhook refused");
                if !retry {
                    return "failed";
                }
            }
            Err(e) => {
                tracing::warn!(environment = %d.environment, event = %d.event, url = %url, error = %e, attempt, "webhook delivery failed");
            }
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
        }
    }
    "failed"
}

async fn post(client: &HttpsClient, d: &Delivery) -> Result<hyper::StatusCode, String> {
    let mut req = hyper::Request::post(d.url.as_str())
        .header("content-type", "application/json")
        .header(
            "user-agent",
            format!("gitform-agent/{}", crate::VERSION).as_str(),
        )
        .header("x-gitform-event", d.event.as_str())
        .header("x-gitform-delivery", d.id.as_str());
    if let Some(secret) = &d.secret {
        req = req.header("x-gitform-signature-256", signature(secret, &d.body));
    }
    let req = req
        .body(Full::new(d.body.clone()))
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(d.timeout, client.request(req)).await {
        Ok(Ok(resp)) => Ok(resp.status()),
        Ok(Err(e)) => Err(error_chain(&e)),
        Err(_) => Err(format!("no answer within {:?}", d.timeout)),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A webhook URL as logs show it: scheme, host and port, and a short hash
/// of the whole URL; never its user-info, path or query (which hold tokens).
pub fn redact(url: &str) -> String {
    // The path (and query) of a Slack, Discord or Teams webhook URL is its
    // secret: only the scheme, host and port are shown, with a short hash
    // of the whole URL to tell webhooks to the same host apart.
    let digest = ring::digest::digest(&ring::digest::SHA256, url.as_bytes());
    let tag = hex::encode(digest.as_ref().get(..4).unwrap_or_default());
    match url.parse::<hyper::Uri>() {
        Ok(u) if u.host().is_some() => format!(
            "{}://{}{} (url #{tag})",
            u.scheme_str().unwrap_or("http"),
            u.host().unwrap_or_default(),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        _ => format!("<invalid url #{tag}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc4231_test_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let s = signature(&Secret("Jefe".to_string()), b"what do ya want for nothing?");
        assert_eq!(
            s,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn redaction_keeps_only_scheme_host_port_and_a_hash() {
        // The hashes: the first 8 hex digits of `printf %s URL | sha256sum`.
        let cases = [
            (
                "https://user:pw@hooks.example.com/x?token=1",
                "https://hooks.example.com (url #debe99c0)",
            ),
            (
                "http://127.0.0.1:9000/hook",
                "http://127.0.0.1:9000 (url #e26ff300)",
            ),
            (
                "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
                "https://hooks.slack.com (url #509712b9)",
            ),
        ];
        for (url, want) in cases {
            assert_eq!(redact(url), want);
        }
    }
}
