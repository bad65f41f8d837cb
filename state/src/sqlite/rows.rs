//! Mapping between SQLite rows and the record types.
//!
//! Row closures only copy raw column values out (`Raw*` structs); the
//! conversion that can fail on bad data (JSON, enum spellings, integer
//! ranges) happens afterwards and reports a [`StateError`].

use rusqlite::Row;

use crate::error::StateError;
use crate::records::{
    GitCommit, HistoryAction, HistoryEntry, LockInfo, OutputRecord, ResourceMode, ResourceRecord,
    RunCounts, RunRecord, VersionRecord, VersionStatus,
};

/// Column list matching [`RawResource::from_row`].
pub const RESOURCE_COLUMNS: &str = "address, mode, resource_type, provider, schema_version, \
     attributes, sensitive_paths, dependencies, tainted, create_before_destroy, updated_serial";

/// Column list matching [`RawHistory::from_row`].
pub const HISTORY_COLUMNS: &str = "seq, serial, address, action, related_address, mode, \
     resource_type, provider, schema_version, attributes, sensitive_paths, dependencies, \
     tainted, create_before_destroy";

/// Column list matching [`RawVersion::from_row`].
pub const VERSION_COLUMNS: &str = "serial, created_at, finished_at, author, operation, \
     git_sha, git_author, git_message, git_time, status, summary, git_email";

/// Column list matching [`lock_from_row`].
pub const LOCK_COLUMNS: &str =
    "id, operation, holder, host, pid, acquired_at, heartbeat_at, ttl_secs";

/// Column list matching [`RawRun::from_row`].
pub const RUN_COLUMNS: &str = "id, kind, started_at, finished_at, outcome, summary, serial, \
     environment, trigger, git_sha, git_author, git_email, git_message, git_time, added, \
     changed, destroyed, drift_count, error, \
     EXISTS (SELECT 1 FROM run_plans WHERE run_plans.run_id = runs.id), detail";

pub fn to_i64(value: u64, what: &str) -> Result<i64, StateError> {
    i64::try_from(value).map_err(|_| StateError::Corrupt(format!("{what} {value} is out of range")))
}

pub fn to_u64(value: i64, what: &str) -> Result<u64, StateError> {
    u64::try_from(value).map_err(|_| StateError::Corrupt(format!("{what} {value} is negative")))
}

fn parse_mode(text: &str) -> Result<ResourceMode, StateError> {
    ResourceMode::parse(text)
        .ok_or_else(|| StateError::Corrupt(format!("unknown resource mode {text:?}")))
}

/// The JSON-encoded columns of a resource, ready to bind.
pub struct EncodedResource {
    pub attributes: String,
    pub sensitive_paths: String,
    pub dependencies: String,
}

impl EncodedResource {
    pub fn new(record: &ResourceRecord) -> Result<Self, StateError> {
        Ok(EncodedResource {
            attributes: serde_json::to_string(&record.attributes)?,
            sensitive_paths: serde_json::to_string(&record.sensitive_paths)?,
            dependencies: serde_json::to_string(&record.dependencies)?,
        })
    }
}

pub struct RawResource {
    address: String,
    mode: String,
    resource_type: String,
    provider: String,
    schema_version: i64,
    attributes: String,
    sensitive_paths: String,
    dependencies: String,
    tainted: bool,
    create_before_destroy: bool,
    updated_serial: i64,
}

impl RawResource {
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RawResource {
            address: row.get(0)?,
            mode: row.get(1)?,
            resource_type: row.get(2)?,
            provider: row.get(3)?,
            schema_version: row.get(4)?,
            attributes: row.get(5)?,
            sensitive_paths: row.get(6)?,
            dependencies: row.get(7)?,
            tainted: row.get(8)?,
            create_before_destroy: row.get(9)?,
            updated_serial: row.get(10)?,
        })
    }

    pub fn into_record(self) -> Result<ResourceRecord, StateError> {
        Ok(ResourceRecord {
            mode: parse_mode(&self.mode)?,
            resource_type: self.resource_type,
            provider: self.provider,
            schema_version: to_u64(self.schema_version, "schema version")?,
            attributes: serde_json::from_str(&self.attributes)?,
            sensitive_paths: serde_json::from_str(&self.sensitive_paths)?,
            dependencies: serde_json::from_str(&self.dependencies)?,
            tainted: self.tainted,
            create_before_destroy: self.create_before_destroy,
            updated_serial: to_u64(self.updated_serial, "serial")?,
            address: self.address,
        })
    }
}

pub struct RawHistory {
    seq: i64,
    serial: i64,
    address: String,
    action: String,
    related_address: Option<String>,
    mode: Option<String>,
    resource_type: Option<String>,
    provider: Option<String>,
    schema_version: Option<i64>,
    attributes: Option<String>,
    sensitive_paths: Option<String>,
    dependencies: Option<String>,
    tainted: Option<bool>,
    create_before_destroy: Option<bool>,
}

impl RawHistory {
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RawHistory {
            seq: row.get(0)?,
            serial: row.get(1)?,
            address: row.get(2)?,
            action: row.get(3)?,
            related_address: row.get(4)?,
            mode: row.get(5)?,
            resource_type: row.get(6)?,
            provider: row.get(7)?,
            schema_version: row.get(8)?,
            attributes: row.get(9)?,
            sensitive_paths: row.get(10)?,
            dependencies: row.get(11)?,
            tainted: row.get(12)?,
            create_before_destroy: row.get(13)?,
        })
    }

    pub fn into_entry(self) -> Result<HistoryEntry, StateError> {
        let related = || {
            self.related_address.clone().ok_or_else(|| {
                StateError::Corrupt(format!(
                    "history entry {} lacks its related address",
                    self.seq
                ))
            })
        };
        let action = match self.action.as_str() {
            "create" => HistoryAction::Create,
            "update" => HistoryAction::Update,
            "remove" => HistoryAction::Remove,
            "move_out" => HistoryAction::MoveOut { to: related()? },
            "move_in" => HistoryAction::MoveIn { from: related()? },
            other => {
                return Err(StateError::Corrupt(format!(
                    "unknown history action {other:?}"
                )));
            }
        };
        let serial = to_u64(self.serial, "serial")?;
        let record = match self.mode {
            None => None,
            Some(mode) => Some(ResourceRecord {
                address: self.address.clone(),
                mode: parse_mode(&mode)?,
                resource_type: self.resource_type.unwrap_or_default(),
                provider: self.provider.unwrap_or_default(),
                schema_version: to_u64(self.schema_version.unwrap_or(0), "schema version")?,
                attributes: json_or_null(self.attributes.as_deref())?,
                sensitive_paths: json_or_null(self.sensitive_paths.as_deref())?,
                dependencies: match self.dependencies.as_deref() {
                    Some(text) => serde_json::from_str(text)?,
                    None => Vec::new(),
                },
                tainted: self.tainted.unwrap_or(false),
                create_before_destroy: self.create_before_destroy.unwrap_or(false),
                updated_serial: serial,
            }),
        };
        Ok(HistoryEntry {
            seq: self.seq,
            serial,
            address: self.address,
            action,
            record,
        })
    }
}

fn json_or_null(text: Option<&str>) -> Result<serde_json::Value, StateError> {
    match text {
        Some(text) => Ok(serde_json::from_str(text)?),
        None => Ok(serde_json::Value::Null),
    }
}

pub struct RawVersion {
    serial: i64,
    created_at: i64,
    finished_at: Option<i64>,
    author: String,
    operation: String,
    git_sha: Option<String>,
    git_author: Option<String>,
    git_message: Option<String>,
    git_time: Option<String>,
    status: String,
    summary: Option<String>,
    git_email: Option<String>,
}

impl RawVersion {
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RawVersion {
            serial: row.get(0)?,
            created_at: row.get(1)?,
            finished_at: row.get(2)?,
            author: row.get(3)?,
            operation: row.get(4)?,
            git_sha: row.get(5)?,
            git_author: row.get(6)?,
            git_message: row.get(7)?,
            git_time: row.get(8)?,
            status: row.get(9)?,
            summary: row.get(10)?,
            git_email: row.get(11)?,
        })
    }

    pub fn into_record(self) -> Result<VersionRecord, StateError> {
        let status = VersionStatus::parse(&self.status).ok_or_else(|| {
            StateError::Corrupt(format!("unknown version status {:?}", self.status))
        })?;
        let git = self.git_sha.map(|sha| GitCommit {
            sha,
            author: self.git_author.unwrap_or_default(),
            email: self.git_email.unwrap_or_default(),
            message: self.git_message.unwrap_or_default(),
            time: self.git_time.unwrap_or_default(),
        });
        Ok(VersionRecord {
            serial: to_u64(self.serial, "serial")?,
            created_at: self.created_at,
            finished_at: self.finished_at,
            author: self.author,
            operation: self.operation,
            git,
            status,
            summary: self.summary,
        })
    }
}

pub fn lock_from_row(row: &Row<'_>) -> rusqlite::Result<LockInfo> {
    let pid: i64 = row.get(4)?;
    let ttl_secs: i64 = row.get(7)?;
    Ok(LockInfo {
        id: row.get(0)?,
        operation: row.get(1)?,
        holder: row.get(2)?,
        host: row.get(3)?,
        // Written from u32/u64 by this crate; clamp rather than fail on hand edits.
        pid: u32::try_from(pid).unwrap_or(0),
        acquired_at: row.get(5)?,
        heartbeat_at: row.get(6)?,
        ttl_secs: u64::try_from(ttl_secs).unwrap_or(0),
    })
}

pub struct RawRun {
    id: i64,
    kind: String,
    started_at: i64,
    finished_at: Option<i64>,
    outcome: Option<String>,
    summary: Option<String>,
    serial: Option<i64>,
    environment: Option<String>,
    trigger: String,
    git_sha: Option<String>,
    git_author: Option<String>,
    git_email: Option<String>,
    git_message: Option<String>,
    git_time: Option<String>,
    added: i64,
    changed: i64,
    destroyed: i64,
    drift_count: i64,
    error: Option<String>,
    has_plan: bool,
    detail: Option<String>,
}

impl RawRun {
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(RawRun {
            id: row.get(0)?,
            kind: row.get(1)?,
            started_at: row.get(2)?,
            finished_at: row.get(3)?,
            outcome: row.get(4)?,
            summary: row.get(5)?,
            serial: row.get(6)?,
            environment: row.get(7)?,
            trigger: row.get(8)?,
            git_sha: row.get(9)?,
            git_author: row.get(10)?,
            git_email: row.get(11)?,
            git_message: row.get(12)?,
            git_time: row.get(13)?,
            added: row.get(14)?,
            changed: row.get(15)?,
            destroyed: row.get(16)?,
            drift_count: row.get(17)?,
            error: row.get(18)?,
            has_plan: row.get(19)?,
            detail: row.get(20)?,
        })
    }

    pub fn into_record(self) -> Result<RunRecord, StateError> {
        let git = self.git_sha.map(|sha| GitCommit {
            sha,
            author: self.git_author.unwrap_or_default(),
            email: self.git_email.unwrap_or_default(),
            message: self.git_message.unwrap_or_default(),
            time: self.git_time.unwrap_or_default(),
        });
        Ok(RunRecord {
            id: self.id,
            kind: self.kind,
            environment: self.environment,
            trigger: self.trigger,
            git,
            started_at: self.started_at,
            finished_at: self.finished_at,
            outcome: self.outcome,
            summary: self.summary,
            serial: self.serial.map(|s| to_u64(s, "serial")).transpose()?,
            counts: RunCounts {
                add: to_u64(self.added, "added count")?,
                change: to_u64(self.changed, "changed count")?,
                destroy: to_u64(self.destroyed, "destroyed count")?,
            },
            drift_count: to_u64(self.drift_count, "drift count")?,
            error: self.error,
            has_plan: self.has_plan,
            detail: self.detail.map(|d| serde_json::from_str(&d)).transpose()?,
        })
    }
}

pub fn output_from_row(row: &Row<'_>) -> rusqlite::Result<(String, String, bool)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

pub fn into_output(raw: (String, String, bool)) -> Result<OutputRecord, StateError> {
    let (name, value, sensitive) = raw;
    Ok(OutputRecord {
        name,
        value: serde_json::from_str(&value)?,
        sensitive,
    })
}
