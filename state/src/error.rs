//! [`StateError`], the one error type of the state store.

use std::path::PathBuf;

use crate::records::{LockInfo, VersionStatus};

/// Everything that can go wrong in the state store.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Any other SQLite error.
    #[error("state database error: {0}")]
    Sqlite(#[source] rusqlite::Error),

    /// Another connection held the database's write lock for longer than the
    /// busy timeout. Retrying is safe.
    #[error("state database is busy (another process is writing): {0}")]
    Busy(#[source] rusqlite::Error),

    /// JSON stored in or given to the store could not be (de)serialized.
    #[error("state JSON error: {0}")]
    Serde(#[from] serde_json::Error),

    #[error("cannot prepare state directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The state database was written by a newer gitform.
    #[error(
        "state database schema version {found} is newer than this gitform supports ({supported})"
    )]
    SchemaTooNew { found: i64, supported: i64 },

    /// The database holds something this crate never writes.
    #[error("state database is corrupt: {0}")]
    Corrupt(String),

    /// The state lock is held by someone else and is not stale.
    #[error(
        "state is locked by {} (pid {}, operation {:?}, lock id {})",
        .0.holder, .0.pid, .0.operation, .0.id
    )]
    LockHeld(Box<LockInfo>),

    /// The lock id given does not match the lock currently held (it was
    /// released, or taken over by someone else).
    #[error("lock {id} is not held{}", match current {
        Some(info) => format!(" (current lock {} is held by {})", info.id, info.holder),
        None => " (state is unlocked)".to_owned(),
    })]
    LockNotHeld {
        id: String,
        current: Option<Box<LockInfo>>,
    },

    #[error("no resource {0} in state")]
    ResourceNotFound(String),

    #[error("resource {0} already exists in state")]
    ResourceExists(String),

    #[error("no state version with serial {0}")]
    VersionNotFound(u64),

    /// Writes need an `InProgress` version.
    #[error("state version {serial} is {} and cannot be written", status.as_str())]
    VersionNotWritable { serial: u64, status: VersionStatus },

    #[error("no run with id {0}")]
    RunNotFound(i64),

    /// The state changed since a saved plan was made.
    #[error("state serial moved: the plan was made at serial {expected}, the state is now at serial {actual}")]
    SerialMoved { expected: u64, actual: u64 },

    /// A write queued to a writer thread got no answer: the thread stopped
    /// (a bug). Whether the write was committed is unknown.
    #[error("the state writer stopped before answering a write: {0}")]
    WriterStopped(String),
}

impl From<rusqlite::Error> for StateError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StateError::Busy(err)
            }
            _ => StateError::Sqlite(err),
        }
    }
}
