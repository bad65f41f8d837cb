//! The plain data types exchanged with a [`crate::StateStore`].
//!
//! Attribute data (`attributes`, `sensitive_paths`, output values) is opaque
//! JSON to this crate: the engine gives it meaning.

use serde::{Deserialize, Serialize};

/// Whether a resource instance is managed (`resource` block) or read (`data` block).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceMode {
    Managed,
    Data,
}

impl ResourceMode {
    /// The spelling stored in the database and used in JSON (`managed` / `data`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceMode::Managed => "managed",
            ResourceMode::Data => "data",
        }
    }

    /// Parses [`ResourceMode::as_str`]'s spelling.
    pub fn parse(text: &str) -> Option<ResourceMode> {
        match text {
            "managed" => Some(ResourceMode::Managed),
            "data" => Some(ResourceMode::Data),
            _ => None,
        }
    }
}

/// The current state of one resource instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRecord {
    /// Full instance address, e.g. `module.net.aws_subnet.this["a"]` or
    /// `data.local_file.x`. Primary key.
    pub address: String,
    pub mode: ResourceMode,
    pub resource_type: String,
    /// Provider reference, opaque to the store (e.g. `provider["registry/random"]`).
    pub provider: String,
    pub schema_version: u64,
    pub attributes: serde_json::Value,
    /// Opaque JSON list of sensitive attribute paths.
    pub sensitive_paths: serde_json::Value,
    /// Addresses this instance depends on.
    pub dependencies: Vec<String>,
    pub tainted: bool,
    pub create_before_destroy: bool,
    /// Serial of the version that last wrote this record. Set by the store on
    /// every write; the value passed to `put_resource` is ignored.
    pub updated_serial: u64,
}

/// One write of [`crate::StateStore::write_resources`].
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceWrite {
    /// Insert or replace the record at its address, as
    /// [`crate::StateStore::put_resource`].
    Put(ResourceRecord),
    /// Remove the record at this address, as
    /// [`crate::StateStore::remove_resource`].
    Remove(String),
}

/// Commit information recorded with a state version (GitOps runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitCommit {
    pub sha: String,
    pub author: String,
    /// Author e-mail (empty in versions written before it was recorded).
    #[serde(default)]
    pub email: String,
    pub message: String,
    /// Commit time as given by the caller (e.g. `git log --format=%cI`).
    pub time: String,
}

/// What the caller says about a version it is about to write.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VersionMeta {
    /// Who runs the operation, e.g. `user@host`.
    pub author: String,
    /// What writes the version: `apply`, `destroy`, `state mv`, `import`, ...
    pub operation: String,
    pub git: Option<GitCommit>,
}

/// A version that has been begun and may be written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VersionHandle {
    pub serial: u64,
}

/// Lifecycle of a state version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Begun and not finished. A version that stays `InProgress` after its
    /// writer is gone was interrupted (e.g. the process was killed); every
    /// write it made before that is kept.
    InProgress,
    Complete,
    Failed,
}

impl VersionStatus {
    /// The spelling stored in the database (`in_progress`, `complete`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::InProgress => "in_progress",
            VersionStatus::Complete => "complete",
            VersionStatus::Failed => "failed",
        }
    }

    /// Parses [`VersionStatus::as_str`]'s spelling.
    pub fn parse(text: &str) -> Option<VersionStatus> {
        match text {
            "in_progress" => Some(VersionStatus::InProgress),
            "complete" => Some(VersionStatus::Complete),
            "failed" => Some(VersionStatus::Failed),
            _ => None,
        }
    }
}

/// One row of the version list (`state history`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub serial: u64,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds; `None` while in progress.
    pub finished_at: Option<i64>,
    pub author: String,
    pub operation: String,
    pub git: Option<GitCommit>,
    pub status: VersionStatus,
    pub summary: Option<String>,
}

/// What one history entry did to its address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HistoryAction {
    /// The address did not exist before this write.
    Create,
    /// The address existed and was overwritten (including taint changes).
    Update,
    /// The address was removed.
    Remove,
    /// The object at this address moved to `to` (this address is now empty).
    MoveOut { to: String },
    /// The object now at this address came from `from`.
    MoveIn { from: String },
}

/// One entry of the append-only resource history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Position in the history: strictly increasing in write order.
    pub seq: i64,
    /// Serial of the version that made the change.
    pub serial: u64,
    pub address: String,
    pub action: HistoryAction,
    /// The object at `address` after the change; `None` for `Remove` and `MoveOut`.
    pub record: Option<ResourceRecord>,
}

/// A root module output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputRecord {
    pub name: String,
    pub value: serde_json::Value,
    pub sensitive: bool,
}

/// A request to take the state lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockRequest {
    /// What the holder is doing: `apply`, `plan`, `state mv`, ...
    pub operation: String,
    /// Who holds it, e.g. `user@host`.
    pub holder: String,
    /// Host name of the holder; a lock whose host equals this and whose pid is
    /// dead is taken over.
    pub host: String,
    pub pid: u32,
    /// The lock expires `ttl_secs` after its last heartbeat (acquire or
    /// [`crate::StateStore::refresh_lock`]). `0` means it is stale at once.
    pub ttl_secs: u64,
}

/// A held lock, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Random id; needed to release, refresh or force-unlock.
    pub id: String,
    pub operation: String,
    pub holder: String,
    pub host: String,
    pub pid: u32,
    /// Unix milliseconds.
    pub acquired_at: i64,
    /// Unix milliseconds of the last heartbeat (equals `acquired_at` until refreshed).
    pub heartbeat_at: i64,
    pub ttl_secs: u64,
}

impl LockInfo {
    /// Unix milliseconds after which the lock is stale.
    pub fn expires_at(&self) -> i64 {
        let ttl_ms = i64::try_from(self.ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.heartbeat_at.saturating_add(ttl_ms)
    }
}

/// The result of a successful [`crate::StateStore::acquire_lock`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockAcquired {
    pub info: LockInfo,
    /// The stale lock that was replaced (expired TTL or dead process); the
    /// engine should warn about it.
    pub took_over: Option<LockInfo>,
}

/// One recorded run of the engine (plan, apply, drift check, rollback, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: i64,
    /// `plan`, `apply`, `destroy`, `drift-check`, `rollback`, `refresh`, ...
    pub kind: String,
    /// The agent environment, `None` for a run from the command line.
    pub environment: Option<String>,
    /// What started it: `cli`, `poll`, `schedule`, `webhook`, ...
    pub trigger: String,
    /// The commit the configuration came from, if it came from Git.
    pub git: Option<GitCommit>,
    /// Unix milliseconds.
    pub started_at: i64,
    /// Unix milliseconds; `None` while running (or if the run was killed).
    pub finished_at: Option<i64>,
    /// `success`, `failed`, `refused`, `cancelled`; `None` while running.
    pub outcome: Option<String>,
    pub summary: Option<String>,
    /// The state version the run wrote, if any.
    pub serial: Option<u64>,
    /// Changes applied (for a plan-only run: planned).
    pub counts: RunCounts,
    /// Resource instances found changed outside gitform.
    pub drift_count: u64,
    /// Why the run failed or was refused.
    pub error: Option<String>,
    /// Whether a plan was saved with the run ([`crate::StateStore::run_plan`]).
    pub has_plan: bool,
    /// Free-form JSON the caller attached (drift findings, signature check, ...).
    pub detail: Option<serde_json::Value>,
}

/// Resource instances added, changed and destroyed by a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    pub add: u64,
    pub change: u64,
    pub destroy: u64,
}

/// What is known when a run starts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunStart {
    pub kind: String,
    pub environment: Option<String>,
    pub trigger: String,
    pub git: Option<GitCommit>,
}

/// What is known when a run ends.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunFinish {
    pub outcome: String,
    pub summary: Option<String>,
    pub serial: Option<u64>,
    pub counts: RunCounts,
    pub drift_count: u64,
    pub error: Option<String>,
    /// The plan that ran, in the engine's lossless plan-file encoding.
    pub plan: Option<String>,
    pub detail: Option<serde_json::Value>,
    /// Set when the commit became known only during the run.
    pub git: Option<GitCommit>,
}

/// Which runs [`crate::StateStore::find_runs`] returns (all conditions
/// must hold; `None` matches anything), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunFilter {
    pub environment: Option<String>,
    pub kind: Option<String>,
    pub outcome: Option<String>,
    /// Full SHA of the commit.
    pub git_sha: Option<String>,
    /// At most this many (0 = no limit).
    pub limit: usize,
}
