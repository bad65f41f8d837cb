//! What the agent knows about itself right now: each environment's phase,
//! commits, failures and schedule, and the counters behind `/metrics`.
//! Held in memory behind one mutex, locked only for short updates and reads;
//! the durable record of every run is the runs journal in each
//! environment's state database.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A commit as the API and the webhooks show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitView {
    pub sha: String,
    pub author: String,
    /// The first line of the message.
    pub summary: String,
    pub time: String,
}

impl CommitView {
    pub fn from_info(c: &gitform_git::CommitInfo) -> CommitView {
        CommitView {
            sha: c.sha.clone(),
            author: c.author.clone(),
            summary: c.summary().to_string(),
            time: c.time.clone(),
        }
    }
}

/// What an environment is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Starting,
    Idle,
    Fetching,
    Planning,
    Applying,
    CheckingDrift,
    BackingOff,
    Stopped,
}

/// One environment's live status (`/api/environments`).
#[derive(Debug, Clone, Serialize)]
pub struct EnvStatus {
    pub name: String,
    /// The repository location, credentials removed.
    pub repository: String,
    pub branch: String,
    pub path: String,
    pub state: String,
    pub on_commit: &'static str,
    pub on_drift: &'static str,
    pub signatures_required: bool,
    pub phase: Phase,
    /// The branch head at the last successful fetch.
    pub head: Option<CommitView>,
    /// The last commit applied (or, under plan-only, planned).
    pub current: Option<CommitView>,
    /// The last commit refused for its signature, if any.
    pub refused: Option<CommitView>,
    #[serde(serialize_with = "rfc3339")]
    pub last_sync_at: Option<Timestamp>,
    #[serde(serialize_with = "rfc3339")]
    pub last_success_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    #[serde(serialize_with = "rfc3339")]
    pub next_retry_at: Option<Timestamp>,
    #[serde(serialize_with = "rfc3339")]
    pub last_drift_check_at: Option<Timestamp>,
    #[serde(serialize_with = "rfc3339")]
    pub next_drift_check_at: Option<Timestamp>,
    /// Resources found drifted by the last drift check.
    pub drifted_resources: usize,
    /// True after the first successful sync.
    pub ready: bool,
}

/// Timestamps as RFC 3339 text (`2026-11-22T16:15:00Z`).
fn rfc3339<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&t.to_string()),
        None => s.serialize_none(),
    }
}

/// A Prometheus histogram of durations in seconds.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    /// Count per bucket of [`BUCKETS`], not cumulative.
    pub counts: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

/// Upper bounds of the run-duration histogram, in seconds.
pub const BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        if self.counts.len() != BUCKETS.len() {
            self.counts = vec![0; BUCKETS.len()];
        }
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            if let Some(c) = self.counts.get_mut(i) {
                *c += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }
}

/// Counters since the agent started.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// (environment, kind, outcome) → runs.
    pub runs: BTreeMap<(String, String, String), u64>,
    /// (environment, kind) → durations.
    pub durations: BTreeMap<(String, String), Histogram>,
    /// environment → drift checks that found drift.
    pub drift_detected: BTreeMap<String, u64>,
    /// environment → drifted resources found, summed over checks.
    pub drifted_resources: BTreeMap<String, u64>,
    /// environment → failed fetches.
    pub fetch_failures: BTreeMap<String, u64>,
    /// (environment, outcome) → webhook deliveries.
    pub webhooks: BTreeMap<(String, String), u64>,
    /// environment → sync requests received over HTTP.
    pub sync_requests: BTreeMap<String, u64>,
}

/// Everything behind the HTTP API.
#[derive(Debug, Default)]
pub struct Status {
    pub envs: BTreeMap<String, EnvStatus>,
    pub counters: Counters,
    pub started_at: Option<Timestamp>,
    /// Set when shutdown begins: `/readyz` answers 503.
    pub shutting_down: bool,
}

/// The agent's status, shared by the environment tasks and the server.
#[derive(Debug, Default)]
pub struct Shared {
    inner: Mutex<Status>,
}

impl Shared {
    pub fn new(status: Status) -> Shared {
        Shared {
            inner: Mutex::new(status),
        }
    }

    /// Runs `f` with the status locked.
    pub fn with<R>(&self, f: impl FnOnce(&mut Status) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Runs `f` on one environment's status (nothing if it is unknown).
    pub fn env(&self, name: &str, f: impl FnOnce(&mut EnvStatus)) {
        self.with(|s| {
            if let Some(e) = s.envs.get_mut(name) {
                f(e);
            }
        });
    }

    /// Counts a finished run.
    pub fn record_run(&self, env: &str, kind: &str, outcome: &str, seconds: f64) {
        self.with(|s| {
            *s.counters
                .runs
                .entry((env.to_string(), kind.to_string(), outcome.to_string()))
                .or_default() += 1;
            s.counters
                .durations
                .entry((env.to_string(), kind.to_string()))
                .or_default()
                .observe(seconds);
        });
    }

    pub fn count(&self, f: impl FnOnce(&mut Counters)) {
        self.with(|s| f(&mut s.counters));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets() {
        let mut h = Histogram::default();
        for s in [0.05, 0.1, 0.7, 42.0, 5000.0] {
            h.observe(s);
        }
        assert_eq!(h.count, 5);
        assert!((h.sum - 5042.85).abs() < 1e-9);
        // 0.05 and 0.1 in the first bucket, 0.7 in the 1 s bucket, 42 in
        // the 60 s bucket; 5000 only in +Inf.
        assert_eq!(h.counts, [2, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    }
}
