//! A call-counting, fault-injecting HTTP/1.1 proxy in front of moto.
//!
//! A client (the gitform binary, Terraform, an SDK) uses the proxy's URL as
//! its EC2 endpoint. For each request the proxy reads the EC2 `Action`
//! (form body or query string), counts it, optionally answers with an
//! injected fault instead of forwarding, and otherwise forwards it to moto
//! with the proxy's account id in the `x-moto-account-id` header. One proxy
//! per test is one moto account per test.

use crate::wire::{self, form_value, Request, Response};
use crate::{Error, ACCOUNT_HEADER};
use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the proxy answers instead of moto's response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// EC2's throttling error: HTTP 503 with the `RequestLimitExceeded`
    /// XML error body. The request never reaches moto.
    RequestLimitExceeded,
    /// A plain `503 Service Unavailable` with a text body. The request never
    /// reaches moto.
    ServiceUnavailable,
    /// The request reaches moto and takes effect, but its answer is
    /// replaced by a plain 503: a lost response, the case that needs
    /// idempotent retries (client tokens).
    LostResponse,
}

/// Which calls fail, and how. The choice is deterministic: the `n`-th call
/// of an action fails when a hash of (`seed`, action, `n`) falls under
/// `rate`, whatever the interleaving of concurrent calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    /// Fraction of calls to fail, 0.0 to 1.0.
    pub rate: f64,
    /// The kinds to choose from (by the same hash); empty means no faults.
    pub kinds: Vec<FaultKind>,
    pub seed: u64,
    /// Only these actions fail (all actions when empty).
    pub actions: Vec<String>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Faults {
        Faults {
            rate: 0.0,
            kinds: Vec::new(),
            seed: 0,
            actions: Vec::new(),
        }
    }

    /// `rate` of calls answered with `RequestLimitExceeded` or a plain 503
    /// (half each), before they reach moto.
    pub fn throttle(rate: f64, seed: u64) -> Faults {
        Faults {
            rate,
            kinds: vec![
                FaultKind::RequestLimitExceeded,
                FaultKind::ServiceUnavailable,
            ],
            seed,
            actions: Vec::new(),
        }
    }

    /// The fault for the `n`-th call (from 0) of `action`, if any.
    pub fn decide(&self, action: &str, n: u64) -> Option<FaultKind> {
        if self.kinds.is_empty() || self.rate <= 0.0 {
            return None;
        }
        if !self.actions.is_empty() && !self.actions.iter().any(|a| a == action) {
            return None;
        }
        let h = splitmix64(self.seed ^ fnv1a(action.as_bytes()) ^ splitmix64(n));
        let unit = (h >> 11) as f64 / (1u64 << 53) as f64;
        if unit >= self.rate {
            return None;
        }
        let pick = splitmix64(h) as usize % self.kinds.len();
        self.kinds.get(pick).copied()
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How a proxy is set up.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Where requests go (moto).
    pub upstream: SocketAddr,
    /// Sent as `x-moto-account-id` on every forwarded request (replacing
    /// the client's); `None` forwards the client's header, if any.
    pub account_id: Option<String>,
    pub faults: Faults,
}

/// The counts of one action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActionCount {
    /// Requests received from the client.
    pub calls: u64,
    /// Requests answered with an injected fault.
    pub faulted: u64,
    /// Requests that reached moto (including lost responses).
    pub forwarded: u64,
    /// Time spent waiting for moto's answers, summed over the calls
    /// (concurrent calls overlap, so this can exceed the wall time).
    pub upstream: Duration,
}

/// Counts per EC2 action. Requests without an `Action` are counted under
/// `"METHOD /path"`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub actions: BTreeMap<String, ActionCount>,
}

impl CallCounts {
    /// All requests received.
    pub fn calls(&self) -> u64 {
        self.actions.values().map(|c| c.calls).sum()
    }

    /// All injected faults.
    pub fn faulted(&self) -> u64 {
        self.actions.values().map(|c| c.faulted).sum()
    }

    /// All requests that reached moto.
    pub fn forwarded(&self) -> u64 {
        self.actions.values().map(|c| c.forwarded).sum()
    }

    /// Time spent waiting for moto, summed over all calls.
    pub fn upstream(&self) -> Duration {
        self.actions.values().map(|c| c.upstream).sum()
    }

    /// The calls of one action.
    pub fn of(&self, action: &str) -> ActionCount {
        self.actions.get(action).copied().unwrap_or_default()
    }

    /// `Action=calls` pairs, one per line, for reports.
    pub fn summary(&self) -> String {
        self.actions
            .iter()
            .map(|(a, c)| format!("{a}={} ({} faulted)", c.calls, c.faulted))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

struct Shared {
    config: ProxyConfig,
    counts: Mutex<CallCounts>,
    stop: AtomicBool,
    request_ids: AtomicU64,
}

/// A running proxy. Dropping it stops accepting connections.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listens on a free loopback port.
    pub fn start(config: ProxyConfig) -> Result<Proxy, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| Error::io("bind proxy", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("proxy address", e))?;
        let shared = Arc::new(Shared {
            config,
            counts: Mutex::new(CallCounts::default()),
            stop: AtomicBool::new(false),
            request_ids: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = std::thread::Builder::new()
            .name(format!("moto-proxy-{}", addr.port()))
            .spawn(move || accept_loop(listener, accept_shared))
            .map_err(|e| Error::io("spawn proxy thread", e))?;
        Ok(Proxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the EC2 endpoint for clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The account id this proxy sends to moto, if it sets one.
    pub fn account_id(&self) -> Option<&str> {
        self.shared.config.account_id.as_deref()
    }

    /// The counts so far.
    pub fn counts(&self) -> CallCounts {
        lock(&self.shared.counts).clone()
    }

    /// The counts so far, and zero them (for measuring one step).
    pub fn take_counts(&self) -> CallCounts {
        std::mem::take(&mut *lock(&self.shared.counts))
    }

    /// Environment for a client process (the gitform CLI, Terraform) to use
    /// this proxy as its EC2 endpoint with static test credentials and no
    /// instance-metadata lookups.
    pub fn client_env(&self) -> Vec<(&'static str, String)> {
        client_env(&self.url())
    }
}

/// Environment for a client process to reach `endpoint` as EC2 with static
/// test credentials in `us-east-1`.
pub fn client_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL_EC2", endpoint.to_string()),
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ]
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor up so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        let _ = std::thread::Builder::new()
            .name("moto-proxy-conn".into())
            .spawn(move || serve_connection(stream, &shared));
    }
}

/// Serves one client connection, request after request (keep-alive).
fn serve_connection(stream: TcpStream, shared: &Shared) {
    // An idle keep-alive connection ends after a while, so threads of a
    // dropped proxy do not live forever.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let request = wire::read_request(&mut reader, || {
            use std::io::Write;
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            writer.flush()
        });
        let request = match request {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    let resp = Response::new(
                        400,
                        "Bad Request",
                        "text/plain",
                        format!("moto proxy: {e}\n").into_bytes(),
                    );
                    let _ = wire::write_response(&mut writer, &resp, true);
                }
                return;
            }
        };
        let close = request.wants_close();
        let response = handle(shared, request);
        if wire::write_response(&mut writer, &response, close).is_err() || close {
            return;
        }
    }
}

/// The EC2 action of a request: from the form body, else from the query
/// string; `METHOD /path` when there is none.
pub fn action_of(req: &Request) -> String {
    let body = String::from_utf8_lossy(&req.body);
    if let Some(action) = form_value(&body, "Action") {
        return action;
    }
    if let Some((_, query)) = req.target.split_once('?') {
        if let Some(action) = form_value(query, "Action") {
            return action;
        }
    }
    let path = req.target.split('?').next().unwrap_or("");
    format!("{} {path}", req.method)
}

fn handle(shared: &Shared, mut req: Request) -> Response {
    let action = action_of(&req);
    let n = {
        let mut counts = lock(&shared.counts);
        let c = counts.actions.entry(action.clone()).or_default();
        c.calls += 1;
        c.calls - 1
    };
    let fault = if action.contains(' ') {
        None
    } else {
        shared.config.faults.decide(&action, n)
    };
    let record = |faulted: bool, forwarded: bool, upstream: Duration| {
        let mut counts = lock(&shared.counts);
        let c = counts.actions.entry(action.clone()).or_default();
        c.faulted += u64::from(faulted);
        c.forwarded += u64::from(forwarded);
        c.upstream += upstream;
    };
    match fault {
        Some(FaultKind::RequestLimitExceeded) => {
            record(true, false, Duration::ZERO);
            let id = shared.request_ids.fetch_add(1, Ordering::Relaxed);
            return request_limit_exceeded(id);
        }
        Some(FaultKind::ServiceUnavailable) => {
            record(true, false, Duration::ZERO);
            return service_unavailable();
        }
        Some(FaultKind::LostResponse) | None => {}
    }
    if let Some(account) = &shared.config.account_id {
        req.set_header(ACCOUNT_HEADER, account);
    }
    let start = std::time::Instant::now();
    let upstream = wire::send(shared.config.upstream, &req, Duration::from_secs(300));
    record(fault.is_some(), true, start.elapsed());
    match (upstream, fault) {
        (Ok(_), Some(FaultKind::LostResponse)) => service_unavailable(),
        (Ok(resp), _) => resp,
        (Err(e), _) => Response::new(
            502,
            "Bad Gateway",
            "text/plain",
            format!("moto proxy: upstream {}: {e}\n", shared.config.upstream).into_bytes(),
        ),
    }
}

/// EC2's throttling answer.
fn request_limit_exceeded(id: u64) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>\
         <Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>\
         </Error></Errors><RequestID>gitform-moto-fault-{id}</RequestID></Response>"
    );
    Response::new(
        503,
        "Service Unavailable",
        "text/xml;charset=UTF-8",
        body.into_bytes(),
    )
}

fn service_unavailable() -> Response {
    Response::new(
        503,
        "Service Unavailable",
        "text/plain",
        b"Service Unavailable\n".to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_deterministic_and_near_the_rate() {
        let f = Faults::throttle(0.2, 7);
        let run = |f: &Faults| {
            (0..5000)
                .map(|n| f.decide("DescribeVpcs", n))
                .collect::<Vec<_>>()
        };
        let a = run(&f);
        assert_eq!(a, run(&f), "same seed, same choices");
        let failed = a.iter().filter(|x| x.is_some()).count();
        assert!((900..1100).contains(&failed), "{failed} of 5000 at 20%");
        let limit = a
            .iter()
            .filter(|x| **x == Some(FaultKind::RequestLimitExceeded))
            .count();
        assert!((350..650).contains(&limit), "{limit} throttles of {failed}");
        assert_ne!(a, run(&Faults::throttle(0.2, 8)), "another seed differs");
        assert!(run(&Faults::none()).iter().all(Option::is_none));
        assert!(run(&Faults::throttle(1.0, 1)).iter().all(Option::is_some));
        let only = Faults {
            actions: vec!["RunInstances".into()],
            ..Faults::throttle(1.0, 1)
        };
        assert_eq!(only.decide("DescribeVpcs", 0), None);
        assert!(only.decide("RunInstances", 0).is_some());
    }

    #[test]
    fn actions_from_body_query_or_path() {
        let cases = [
            (
                Request::new("POST", "/", b"Action=CreateVpc&Version=2016-11-15".to_vec()),
                "CreateVpc",
            ),
            (
                Request::new("GET", "/?Version=1&Action=DescribeVpcs", Vec::new()),
                "DescribeVpcs",
            ),
            (
                Request::new("GET", "/moto-api/data.json?x=1", Vec::new()),
                "GET /moto-api/data.json",
            ),
        ];
        for (req, want) in cases {
            assert_eq!(action_of(&req), want);
        }
    }
}
