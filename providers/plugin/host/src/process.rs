//! One running plugin process and the JSON-RPC connection to it.
//!
//! Three threads per process, independent of any async runtime: a writer
//! (requests from a channel to the plugin's stdin, so a plugin that stops
//! reading never blocks a caller), a reader (responses from stdout, routed
//! to their waiting caller by id) and a stderr reader (log lines into
//! `tracing`, and the last few kept for error messages). Callers wait on a
//! oneshot channel with a timeout. When the process exits, breaks the
//! protocol or is shut down, every waiting call fails at once with the
//! reason, and the process is reaped.

use crate::error::{human, Broken, PluginError, PluginIdentity};
use crate::wire::{
    parse_response, request_line, throttle_events, HandshakeRequest, HandshakeResponse, Method,
    RpcError, Wire, NAME_ENV, PROTOCOL_ENV, PROTOCOL_VERSION,
};
use serde_json::Value as Json;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Timeouts of plugin calls (a config struct; see
/// [`PluginSettings::from_env`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PluginSettings {
    /// Per call, every method but the handshake and `apply` (which has no
    /// host-side timeout).
    pub call_timeout: Duration,
    /// From start to the end of the handshake.
    pub start_timeout: Duration,
    /// From `shutdown` to SIGKILL.
    pub shutdown_grace: Duration,
}

impl Default for PluginSettings {
    fn default() -> Self {
        PluginSettings {
            call_timeout: Duration::from_secs(600),
            start_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// An environment variable with a value that is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{var}={value:?} is not a duration: write a number of seconds or a value like 30s, 500ms, 10m, 1h")]
pub struct SettingsError {
    pub var: String,
    pub value: String,
}

impl PluginSettings {
    /// How long gitform waits for the answer to a call of `method`: no
    /// limit for `apply` (see [`Connection::call`]), the start timeout for
    /// the handshake, the call timeout otherwise.
    pub fn timeout_of(&self, method: Method) -> Option<Duration> {
        match method {
            Method::Apply => None,
            Method::Handshake => Some(self.start_timeout),
            _ => Some(self.call_timeout),
        }
    }

    /// `GITFORM_PLUGIN_TIMEOUT`, `GITFORM_PLUGIN_START_TIMEOUT`,
    /// `GITFORM_PLUGIN_SHUTDOWN_GRACE`, over the defaults.
    pub fn from_env() -> Result<PluginSettings, SettingsError> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `get`.
    pub fn from_vars(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<PluginSettings, SettingsError> {
        let mut s = PluginSettings::default();
        for (var, slot) in [
            ("GITFORM_PLUGIN_TIMEOUT", &mut s.call_timeout),
            ("GITFORM_PLUGIN_START_TIMEOUT", &mut s.start_timeout),
            ("GITFORM_PLUGIN_SHUTDOWN_GRACE", &mut s.shutdown_grace),
        ] {
            if let Some(value) = get(var).filter(|v| !v.trim().is_empty()) {
                *slot = parse_duration(&value).ok_or_else(|| SettingsError {
                    var: var.to_string(),
                    value,
                })?;
            }
        }
        Ok(s)
    }
}

/// `30`, `30s`, `500ms`, `10m`, `1h`, `1.5s`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}

/// How many stderr lines a connection keeps for error messages.
const STDERR_TAIL: usize = 20;
/// The longest response line (one JSON-RPC message) gitform reads from a
/// plugin's stdout; a longer one breaks the protocol.
pub const MAX_RESPONSE_LINE: usize = 64 << 20;
/// The longest stderr or garbage line quoted in a message.
const QUOTE_MAX: usize = 400;

type Outcome = Result<Json, Failure>;

/// Why a call got no result.
#[derive(Clone, Debug)]
enum Failure {
    Rpc(RpcError),
    Broken(Broken),
}

enum Waiter {
    Async(oneshot::Sender<Outcome>),
    Blocking(mpsc::SyncSender<Outcome>),
}

impl Waiter {
    fn send(self, outcome: Outcome) {
        // The caller may have given up (timeout, cancelled): nothing to do.
        match self {
            Waiter::Async(tx) => {
                let _ = tx.send(outcome);
            }
            Waiter::Blocking(tx) => {
                let _ = tx.try_send(outcome);
            }
        }
    }
}

#[derive(Default)]
struct Inflight {
    waiters: HashMap<u64, Waiter>,
    /// Calls whose caller stopped waiting: a late answer is not an error.
    abandoned: HashSet<u64>,
    broken: Option<Broken>,
}

/// What the connection's threads share with callers.
struct Shared {
    plugin: Arc<PluginIdentity>,
    inflight: Mutex<Inflight>,
    next_id: AtomicU64,
    throttle: AtomicU64,
    stderr_tail: Mutex<VecDeque<String>>,
    child: Arc<ChildSlot>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn stderr(&self) -> Vec<String> {
        lock(&self.stderr_tail).iter().cloned().collect()
    }

    fn broken_error(&self, reason: Broken) -> PluginError {
        PluginError::Broken {
            plugin: self.plugin.clone(),
            reason,
            stderr: self.stderr(),
        }
    }

    /// Marks the connection broken (keeping the first reason) and fails
    /// every waiting call.
    fn break_with(&self, reason: Broken) {
        let (waiters, reason) = {
            let mut inflight = lock(&self.inflight);
            let reason = inflight.broken.get_or_insert(reason).clone();
            (std::mem::take(&mut inflight.waiters), reason)
        };
        for (_, w) in waiters {
            w.send(Err(Failure::Broken(reason.clone())));
        }
    }

    fn register(&self, waiter: Waiter) -> Result<u64, PluginError> {
        let mut inflight = lock(&self.inflight);
        if let Some(reason) = &inflight.broken {
            let reason = reason.clone();
            drop(inflight);
            return Err(self.broken_error(reason));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        inflight.waiters.insert(id, waiter);
        Ok(id)
    }

    fn abandon(&self, id: u64) {
        let mut inflight = lock(&self.inflight);
        if inflight.waiters.remove(&id).is_some() {
            inflight.abandoned.insert(id);
        }
    }
}

/// The child process, shared by the connection and its reader thread,
/// reaped exactly once.
struct ChildSlot {
    child: Mutex<Child>,
    pid: u32,
    exited: AtomicBool,
}

impl ChildSlot {
    /// The exit status if the process has ended (reaping it).
    fn try_status(&self) -> Option<ExitStatus> {
        let status = lock(&self.child).try_wait().ok().flatten();
        if status.is_some() && !self.exited.swap(true, Ordering::SeqCst) {
            forget_live(self.pid);
        }
        status
    }

    /// Waits up to `limit` for the process to end.
    fn wait_for(&self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(s) = self.try_status() {
                return Some(s);
            }
            if start.elapsed() >= limit {
                return None;
            }
            std::thread::sleep(pause.min(limit.saturating_sub(start.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// SIGKILL, then reap.
    fn kill(&self) -> Option<ExitStatus> {
        if self.try_status().is_none() {
            let _ = lock(&self.child).kill();
        }
        self.wait_for(Duration::from_secs(5))
    }
}

fn describe_status(s: ExitStatus) -> String {
    match (s.code(), s.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}{}", signal_name(sig)),
        _ => "exited".to_string(),
    }
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        1 => " (SIGHUP)",
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        13 => " (SIGPIPE)",
        15 => " (SIGTERM)",
        _ => "",
    }
}

// ---------------------------------------------------------------------------
// Every live plugin process of this gitform, for `kill_all`.

fn live() -> &'static Mutex<HashMap<u32, Weak<ChildSlot>>> {
    static LIVE: OnceLock<Mutex<HashMap<u32, Weak<ChildSlot>>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

fn forget_live(pid: u32) {
    lock(live()).remove(&pid);
}

/// Kills and reaps every plugin process this gitform started that is still
/// running. For signal handlers and `exit` paths that skip destructors
/// (SIGTERM, a second Ctrl-C); a normal run stops its plugins cleanly when
/// their providers are dropped.
pub fn kill_all() {
    let slots: Vec<Arc<ChildSlot>> = lock(live()).values().filter_map(Weak::upgrade).collect();
    for slot in slots {
        slot.kill();
    }
}

/// The pids of the plugin processes still running (for tests and logs).
pub fn live_pids() -> Vec<u32> {
    let mut pids: Vec<u32> = lock(live())
        .iter()
        .filter(|(_, w)| w.strong_count() > 0)
        .map(|(p, _)| *p)
        .collect();
    pids.sort_unstable();
    pids
}

// ---------------------------------------------------------------------------
// The connection.

/// A running plugin and the channel to it. Dropping it shuts the plugin
/// down: `shutdown`, then SIGKILL after the grace period, then reap.
pub struct Connection {
    shared: Arc<Shared>,
    writer: Mutex<Option<mpsc::Sender<String>>>,
    settings: PluginSettings,
    closed: AtomicBool,
    /// A call timed out: the plugin gets no more waiting (no grace at
    /// shutdown, no `stop`).
    unresponsive: AtomicBool,
}

impl Connection {
    /// Starts the plugin executable (without the handshake).
    pub fn spawn(
        plugin: Arc<PluginIdentity>,
        settings: PluginSettings,
    ) -> Result<Connection, PluginError> {
        let spawn_err = |message: String| PluginError::Spawn {
            plugin: plugin.clone(),
            message,
        };
        let mut child = Command::new(&plugin.path)
            .env(PROTOCOL_ENV, PROTOCOL_VERSION.to_string())
            .env(NAME_ENV, &plugin.name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: a Ctrl-C in the terminal reaches
            // gitform only, which then stops its plugins in order.
            .process_group(0)
            .spawn()
            .map_err(|e| spawn_err(e.to_string()))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(spawn_err("its standard streams could not be opened".into()));
        };
        let pid = child.id();
        let slot = Arc::new(ChildSlot {
            child: Mutex::new(child),
            pid,
            exited: AtomicBool::new(false),
        });
        lock(live()).insert(pid, Arc::downgrade(&slot));
        let shared = Arc::new(Shared {
            plugin: plugin.clone(),
            inflight: Mutex::new(Inflight::default()),
            next_id: AtomicU64::new(0),
            throttle: AtomicU64::new(0),
            stderr_tail: Mutex::new(VecDeque::new()),
            child: slot.clone(),
        });
        let (tx, rx) = mpsc::channel::<String>();
        let thread =
            |what: &str| std::thread::Builder::new().name(format!("plugin-{}-{what}", plugin.name));
        let started = thread("in")
            .spawn(move || write_requests(stdin, rx))
            .and_then(|_| {
                let s = shared.clone();
                thread("out").spawn(move || read_responses(stdout, &s))
            })
            .and_then(|_| {
                let s = shared.clone();
                thread("err").spawn(move || read_stderr(stderr, &s))
            });
        let conn = Connection {
            shared,
            writer: Mutex::new(Some(tx)),
            settings,
            closed: AtomicBool::new(false),
            unresponsive: AtomicBool::new(false),
        };
        if let Err(e) = started {
            conn.shared.child.kill();
            return Err(spawn_err(format!("could not start a thread: {e}")));
        }
        tracing::debug!(target: "gitform::plugin", plugin = %plugin.name, pid, path = %plugin.path.display(), "started plugin");
        Ok(conn)
    }

    pub fn plugin(&self) -> &Arc<PluginIdentity> {
        &self.shared.plugin
    }

    pub fn pid(&self) -> u32 {
        self.shared.child.pid
    }

    pub fn settings(&self) -> PluginSettings {
        self.settings
    }

    /// True once a call timed out: gitform stops waiting for this plugin.
    pub fn is_unresponsive(&self) -> bool {
        self.unresponsive.load(Ordering::SeqCst)
    }

    /// The plugin's `throttle_events` counter as last reported.
    pub fn throttle_events(&self) -> u64 {
        self.shared.throttle.load(Ordering::Relaxed)
    }

    fn send(&self, line: String) -> Result<(), ()> {
        match lock(&self.writer).as_ref() {
            Some(tx) => tx.send(line).map_err(|_| ()),
            None => Err(()),
        }
    }

    /// Sends a request and waits for its result: up to the call timeout,
    /// except `apply`, which has no host-side timeout (as in Terraform): an
    /// object the plugin creates late must still reach the state. An apply
    /// ends when the plugin answers, exits or breaks the protocol, or is
    /// stopped (`stop`, Ctrl-C, SIGTERM).
    pub async fn call<Req: Wire, Resp: Wire>(
        &self,
        method: Method,
        req: &Req,
    ) -> Result<Resp, PluginError> {
        let json = self
            .call_json(method, req.to_wire(), self.settings.timeout_of(method))
            .await?;
        Resp::from_wire(&json, "result").map_err(|error| PluginError::Decode {
            plugin: self.shared.plugin.clone(),
            method,
            error,
        })
    }

    async fn call_json(
        &self,
        method: Method,
        params: Json,
        timeout: Option<Duration>,
    ) -> Result<Json, PluginError> {
        let (tx, rx) = oneshot::channel();
        let id = self.shared.register(Waiter::Async(tx))?;
        // Abandons the call if this future is dropped before the answer.
        let guard = AbandonOnDrop {
            shared: &self.shared,
            id,
            armed: true,
        };
        if self.send(request_line(id, method, params)).is_err() {
            drop(guard);
            return Err(self.current_broken());
        }
        let outcome = match timeout {
            Some(limit) => tokio::time::timeout(limit, rx).await.map_err(|_| limit),
            None => Ok(rx.await),
        };
        let mut guard = guard;
        match outcome {
            Err(timeout) => {
                self.unresponsive.store(true, Ordering::SeqCst);
                Err(PluginError::Timeout {
                    plugin: self.shared.plugin.clone(),
                    method,
                    after: timeout,
                })
            }
            Ok(Err(_)) => {
                guard.armed = false;
                Err(self.current_broken())
            }
            Ok(Ok(outcome)) => {
                guard.armed = false;
                self.finish(method, outcome)
            }
        }
    }

    /// The same, blocking the thread (for the handshake, which runs where
    /// the engine asks for a provider by name, outside async code).
    fn call_blocking(
        &self,
        method: Method,
        params: Json,
        timeout: Duration,
    ) -> Result<Option<Json>, PluginError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let id = self.shared.register(Waiter::Blocking(tx))?;
        if self.send(request_line(id, method, params)).is_err() {
            self.shared.abandon(id);
            return Err(self.current_broken());
        }
        let wait = || rx.recv_timeout(timeout);
        let got = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(wait)
            }
            _ => wait(),
        };
        match got {
            Ok(outcome) => self.finish(method, outcome).map(Some),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.shared.abandon(id);
                Ok(None)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.current_broken()),
        }
    }

    fn finish(&self, method: Method, outcome: Outcome) -> Result<Json, PluginError> {
        match outcome {
            Ok(json) => Ok(json),
            Err(Failure::Rpc(e)) => Err(PluginError::Rpc {
                plugin: self.shared.plugin.clone(),
                method,
                code: e.code,
                message: e.message,
            }),
            Err(Failure::Broken(reason)) => Err(self.shared.broken_error(reason)),
        }
    }

    fn current_broken(&self) -> PluginError {
        // The writer is gone only once the connection broke or closed; the
        // reader may not have recorded why yet: give it a moment.
        for _ in 0..50 {
            if let Some(reason) = lock(&self.shared.inflight).broken.clone() {
                return self.shared.broken_error(reason);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.shared
            .broken_error(Broken::Exited("stopped reading its input".into()))
    }

    /// The handshake, blocking: checks the protocol version.
    pub fn handshake_blocking(&self) -> Result<HandshakeResponse, PluginError> {
        let params = HandshakeRequest {
            protocol_version: PROTOCOL_VERSION,
            gitform_version: env!("CARGO_PKG_VERSION").to_string(),
        }
        .to_wire();
        let timeout = self.settings.start_timeout;
        match self.call_blocking(Method::Handshake, params, timeout) {
            Ok(Some(json)) => self.check_handshake(&json),
            Ok(None) => {
                self.kill();
                Err(PluginError::StartTimeout {
                    plugin: self.shared.plugin.clone(),
                    after: timeout,
                })
            }
            Err(e) => {
                self.kill();
                Err(e)
            }
        }
    }

    /// The handshake, async.
    pub async fn handshake(&self) -> Result<HandshakeResponse, PluginError> {
        let params = HandshakeRequest {
            protocol_version: PROTOCOL_VERSION,
            gitform_version: env!("CARGO_PKG_VERSION").to_string(),
        }
        .to_wire();
        let timeout = self.settings.start_timeout;
        match self
            .call_json(Method::Handshake, params, Some(timeout))
            .await
        {
            Ok(json) => self.check_handshake(&json),
            Err(PluginError::Timeout { .. }) => {
                self.kill();
                Err(PluginError::StartTimeout {
                    plugin: self.shared.plugin.clone(),
                    after: timeout,
                })
            }
            Err(e) => {
                self.kill();
                Err(e)
            }
        }
    }

    fn check_handshake(&self, json: &Json) -> Result<HandshakeResponse, PluginError> {
        let plugin = self.shared.plugin.clone();
        let decoded = HandshakeResponse::from_wire(json, "result");
        let resp = match decoded {
            Ok(r) => r,
            Err(error) => {
                self.kill();
                return Err(PluginError::Decode {
                    plugin,
                    method: Method::Handshake,
                    error,
                });
            }
        };
        if resp.protocol_version != PROTOCOL_VERSION {
            self.kill();
            return Err(PluginError::ProtocolMismatch {
                plugin,
                plugin_version: resp.protocol_version,
            });
        }
        tracing::debug!(target: "gitform::plugin", plugin = %plugin.name, version = %resp.version, "handshake done");
        Ok(resp)
    }

    /// Kills the process at once (protocol violations, failed handshakes,
    /// signals).
    pub fn kill(&self) {
        self.closed.store(true, Ordering::SeqCst);
        lock(&self.writer).take();
        self.shared.child.kill();
        self.shared.break_with(Broken::ShutDown);
    }

    /// Stops the plugin cleanly: `shutdown`, close its stdin, wait for it to
    /// exit for the grace period, then SIGKILL. Always reaps it.
    pub fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let healthy = lock(&self.shared.inflight).broken.is_none() && !self.is_unresponsive();
        if healthy {
            // The answer does not matter: only the exit does.
            let (tx, _rx) = mpsc::sync_channel(1);
            if let Ok(id) = self.shared.register(Waiter::Blocking(tx)) {
                self.shared.abandon(id);
                let _ = self.send(request_line(
                    id,
                    Method::Shutdown,
                    Json::Object(Default::default()),
                ));
            }
        }
        lock(&self.writer).take();
        let grace = if healthy {
            self.settings.shutdown_grace
        } else {
            Duration::ZERO
        };
        let status = match self.shared.child.wait_for(grace) {
            Some(s) => Some(s),
            None => {
                tracing::warn!(target: "gitform::plugin", plugin = %self.shared.plugin.name, "plugin did not exit within {} of shutdown; killing it", human(grace));
                self.shared.child.kill()
            }
        };
        self.shared.break_with(Broken::ShutDown);
        tracing::debug!(target: "gitform::plugin", plugin = %self.shared.plugin.name, status = ?status, "plugin stopped");
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

struct AbandonOnDrop<'a> {
    shared: &'a Shared,
    id: u64,
    armed: bool,
}

impl Drop for AbandonOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.abandon(self.id);
        }
    }
}

fn write_requests(stdin: ChildStdin, rx: mpsc::Receiver<String>) {
    let mut out = BufWriter::new(stdin);
    while let Ok(line) = rx.recv() {
        let mut ok = out
            .write_all(line.as_bytes())
            .and_then(|_| out.write_all(b"\n"));
        // Whatever else is queued goes out in the same flush.
        while ok.is_ok() {
            match rx.try_recv() {
                Ok(more) => {
                    ok = out
                        .write_all(more.as_bytes())
                        .and_then(|_| out.write_all(b"\n"));
                }
                Err(_) => break,
            }
        }
        if ok.and_then(|_| out.flush()).is_err() {
            return;
        }
    }
    // The sender is gone: dropping `out` closes the plugin's stdin.
}

fn quote(line: &str) -> String {
    let line = line.trim_end();
    if line.chars().count() <= QUOTE_MAX {
        line.to_string()
    } else {
        let cut: String = line.chars().take(QUOTE_MAX).collect();
        format!("{cut}... ({} bytes in all)", line.len())
    }
}

fn read_responses(stdout: std::process::ChildStdout, shared: &Shared) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut buf = Vec::new();
    let reason = loop {
        buf.clear();
        // One byte more than a line may hold, to tell a full line from an
        // over-long one.
        match reader
            .by_ref()
            .take(MAX_RESPONSE_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(0) | Err(_) => break None,
            Ok(_) => {}
        }
        if buf.len() > MAX_RESPONSE_LINE {
            let start = String::from_utf8_lossy(&buf[..QUOTE_MAX.min(buf.len())]).into_owned();
            break Some(Broken::Garbage {
                line: format!("{start}..."),
                reason: format!(
                    "it sent a response line longer than {} MiB, the most gitform reads",
                    MAX_RESPONSE_LINE >> 20
                ),
            });
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        let resp = match parse_response(line) {
            Ok(r) => r,
            Err(reason) => {
                break Some(Broken::Garbage {
                    line: quote(line),
                    reason,
                })
            }
        };
        let waiter = {
            let mut inflight = lock(&shared.inflight);
            match inflight.waiters.remove(&resp.id) {
                Some(w) => Some(w),
                None if inflight.abandoned.remove(&resp.id) => None,
                None => {
                    drop(inflight);
                    break Some(Broken::Garbage {
                        line: quote(line),
                        reason: format!("it answers id {}, which gitform did not ask", resp.id),
                    });
                }
            }
        };
        if let Ok(result) = &resp.outcome {
            if let Some(n) = throttle_events(result) {
                shared.throttle.fetch_max(n, Ordering::Relaxed);
            }
        }
        if let Some(w) = waiter {
            w.send(resp.outcome.map_err(Failure::Rpc));
        }
    };
    let reason = match reason {
        Some(garbage) => {
            tracing::error!(target: "gitform::plugin", plugin = %shared.plugin.name, "plugin broke the protocol; killing it");
            shared.child.kill();
            garbage
        }
        None => {
            // Its stdout closed: it is exiting (or closed it on purpose).
            let status = shared
                .child
                .wait_for(Duration::from_secs(2))
                .or_else(|| shared.child.kill());
            // Let the stderr thread take in the last lines.
            std::thread::sleep(Duration::from_millis(20));
            Broken::Exited(status.map_or_else(|| "closed its output".to_string(), describe_status))
        }
    };
    shared.break_with(reason);
}

fn read_stderr(stderr: std::process::ChildStderr, shared: &Shared) {
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.by_ref().take(1 << 20).read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim_end();
        if line.is_empty() {
            continue;
        }
        log_line(&shared.plugin.name, line);
        let mut tail = lock(&shared.stderr_tail);
        if tail.len() == STDERR_TAIL {
            tail.pop_front();
        }
        tail.push_back(quote(line));
    }
}

/// Logs one stderr line at the level it starts with (`ERROR`, `[WARN]`,
/// ...), else at info.
fn log_line(name: &str, line: &str) {
    match line_level(line) {
        tracing::Level::ERROR => {
            tracing::error!(target: "gitform::plugin", plugin = name, "{name}: {line}")
        }
        tracing::Level::WARN => {
            tracing::warn!(target: "gitform::plugin", plugin = name, "{name}: {line}")
        }
        tracing::Level::DEBUG => {
            tracing::debug!(target: "gitform::plugin", plugin = name, "{name}: {line}")
        }
        tracing::Level::TRACE => {
            tracing::trace!(target: "gitform::plugin", plugin = name, "{name}: {line}")
        }
        _ => tracing::info!(target: "gitform::plugin", plugin = name, "{name}: {line}"),
    }
}

/// The level a log line announces with its first word.
pub fn line_level(line: &str) -> tracing::Level {
    let word = line
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == ':')
        .next()
        .unwrap_or("")
        .trim_matches(|c| c == '[' || c == ']');
    match word.to_ascii_uppercase().as_str() {
        "ERROR" => tracing::Level::ERROR,
        "WARN" | "WARNING" => tracing::Level::WARN,
        "DEBUG" => tracing::Level::DEBUG,
        "TRACE" => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    }
}

/// Starts a plugin and does the handshake, blocking; the connection is
/// ready for calls.
pub fn start_blocking(
    plugin: Arc<PluginIdentity>,
    settings: PluginSettings,
) -> Result<(Connection, HandshakeResponse), PluginError> {
    let conn = Connection::spawn(plugin, settings)?;
    let hs = conn.handshake_blocking()?;
    Ok((conn, hs))
}

/// Starts a plugin and does the handshake.
pub async fn start(
    plugin: Arc<PluginIdentity>,
    settings: PluginSettings,
) -> Result<(Connection, HandshakeResponse), PluginError> {
    let conn = Connection::spawn(plugin, settings)?;
    let hs = conn.handshake().await?;
    Ok((conn, hs))
}

/// True when `path` is a file this user may execute.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, want) in [
            ("30", Some(Duration::from_secs(30))),
            ("30s", Some(Duration::from_secs(30))),
            ("500ms", Some(Duration::from_millis(500))),
            ("10m", Some(Duration::from_secs(600))),
            ("1h", Some(Duration::from_secs(3600))),
            ("1.5s", Some(Duration::from_millis(1500))),
            ("soon", None),
            ("5 days", None),
            ("-1s", None),
        ] {
            assert_eq!(parse_duration(text), want, "{text}");
        }
    }

    #[test]
    fn settings_from_vars() {
        let s = PluginSettings::from_vars(|k| match k {
            "GITFORM_PLUGIN_TIMEOUT" => Some("2s".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.call_timeout, Duration::from_secs(2));
        assert_eq!(s.start_timeout, PluginSettings::default().start_timeout);
        let err = PluginSettings::from_vars(|k| {
            (k == "GITFORM_PLUGIN_SHUTDOWN_GRACE").then(|| "later".to_string())
        })
        .unwrap_err();
        assert_eq!(err.var, "GITFORM_PLUGIN_SHUTDOWN_GRACE");
    }

    #[test]
    fn stderr_levels() {
        for (line, want) in [
            ("ERROR boom", tracing::Level::ERROR),
            ("[WARN] careful", tracing::Level::WARN),
            ("  DEBUG gitform_provider_x: detail", tracing::Level::DEBUG),
            ("trace: x", tracing::Level::TRACE),
            ("Traceback (most recent call last):", tracing::Level::INFO),
            ("", tracing::Level::INFO),
        ] {
            assert_eq!(line_level(line), want, "{line:?}");
        }
    }
}
