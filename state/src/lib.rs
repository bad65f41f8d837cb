//! gitform's state store: the only crate that knows SQL.
//!
//! The engine talks to a [`StateStore`] (a trait, so a PostgreSQL backend can
//! follow); [`SqliteStore`] implements it on one SQLite file. Attribute data
//! is opaque JSON here; the engine gives it meaning.
//!
//! # What is stored
//!
//! - `resources`: the current object of every resource instance, keyed by
//!   full instance address.
//! - `versions`: one row per state version (serial, author, operation,
//!   optional git commit, status, summary). Every apply begins a version up
//!   front ([`StateStore::begin_version`]) and writes into it.
//! - `resource_history`: append-only; every resource write, removal, move and
//!   taint change also appends an entry tagged with the writing serial.
//! - `outputs` (current) and `output_history` (one snapshot per `set_outputs`).
//! - `state_lock`: at most one row, the state lock.
//! - `runs`: the audit journal of engine runs (plan, apply, drift check,
//!   rollback, ...): environment, trigger, commit, times, outcome, change
//!   and drift counts, error, and the plan that ran (plan-file encoding).
//! - `meta`: the lineage, a random id fixed when the database is created.
//!
//! # Invariants
//!
//! 1. Serials are allocated by `begin_version` as `max + 1` inside a
//!    `BEGIN IMMEDIATE` transaction: strictly increasing, never reused, even
//!    across processes. `current_serial` is the highest serial ever begun
//!    (finished or not), so a version interrupted by SIGKILL still moves it
//!    and invalidates saved plans ([`StateStore::check_serial`]).
//! 2. Writes go only into an `InProgress` version. Each write (resource row +
//!    its history entry) is one transaction, committed when the call returns;
//!    the cost of a write does not depend on the size of the state.
//!    [`StateStore::write_resources`] commits several writes in one
//!    transaction, each in its own savepoint (all or nothing per write).
//!    With WAL and `synchronous = NORMAL` a killed process loses no
//!    committed write; an interrupted version simply stays `InProgress`.
//! 3. `resources` always equals the replay of `resource_history` in `seq`
//!    order, so [`StateStore::resources_at`] reconstructs any older version
//!    and [`StateStore::version_changes`] shows what a version changed.
//!    History is never rewritten.
//! 4. The lock is a single row changed only inside `BEGIN IMMEDIATE`
//!    transactions: acquiring is an atomic check-and-insert that fails at once
//!    with [`StateError::LockHeld`] (or, if another process holds the
//!    database write lock for longer than [`sqlite::BUSY_TIMEOUT`], with
//!    [`StateError::Busy`]). A lock is stale, and taken over with the old
//!    holder reported in [`LockAcquired::took_over`], when `ttl_secs` have
//!    passed since its last heartbeat or when it was taken on the requester's
//!    host by a process that no longer exists. The store does not enforce the
//!    lock on writes: callers that write hold it.
//! 5. Schema changes are append-only migrations keyed by `PRAGMA
//!    user_version`, applied in one transaction at open; a database from a
//!    newer gitform is refused ([`StateError::SchemaTooNew`]).

mod error;
mod ids;
mod process;
mod records;
pub mod sqlite;
mod store;

pub use error::StateError;
pub use records::{
    GitCommit, HistoryAction, HistoryEntry, LockAcquired, LockInfo, LockRequest, OutputRecord,
    ResourceMode, ResourceRecord, ResourceWrite, RunCounts, RunFilter, RunFinish, RunRecord,
    RunStart, VersionHandle, VersionMeta, VersionRecord, VersionStatus,
};
pub use sqlite::SqliteStore;
pub use store::StateStore;
