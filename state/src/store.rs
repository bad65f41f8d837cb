//! The [`StateStore`] trait: everything the engine and CLI may ask of a state backend.

use crate::error::StateError;
use crate::records::{
    HistoryEntry, LockAcquired, LockInfo, LockRequest, OutputRecord, ResourceMode, ResourceRecord,
    ResourceWrite, RunFilter, RunFinish, RunRecord, RunStart, VersionHandle, VersionMeta,
    VersionRecord, VersionStatus,
};

/// A state backend. Every method is synchronous and is one short transaction;
/// implementations are shared between threads (`&self`).
///
/// Writes (`put_resource`, `remove_resource`, `move_resource`, `set_tainted`,
/// `set_outputs`) name the serial of a version begun with
/// [`StateStore::begin_version`] and still `InProgress`; otherwise they fail
/// with [`StateError::VersionNotWritable`] or [`StateError::VersionNotFound`].
/// Each write is committed on return, together with its history entry.
pub trait StateStore: Send + Sync {
    /// Highest version serial ever begun; `0` for an empty state.
    fn current_serial(&self) -> Result<u64, StateError>;

    /// Random id fixed when the state was created; identifies "this state"
    /// across copies.
    fn lineage(&self) -> Result<String, StateError>;

    /// Fails with [`StateError::SerialMoved`] unless the current serial is
    /// `expected` (optimistic check for saved plans).
    fn check_serial(&self, expected: u64) -> Result<(), StateError>;

    /// Starts a new `InProgress` version with serial `current_serial() + 1`.
    fn begin_version(&self, meta: VersionMeta) -> Result<VersionHandle, StateError>;

    /// Marks an `InProgress` version finished (`status` is normally
    /// `Complete` or `Failed`).
    fn finish_version(
        &self,
        serial: u64,
        status: VersionStatus,
        summary: Option<&str>,
    ) -> Result<(), StateError>;

    /// Inserts or replaces the record at `record.address`. Its
    /// `updated_serial` is set to `serial`.
    fn put_resource(&self, serial: u64, record: &ResourceRecord) -> Result<(), StateError>;

    /// Removes the record at `address`; [`StateError::ResourceNotFound`] if absent.
    fn remove_resource(&self, serial: u64, address: &str) -> Result<(), StateError>;

    /// Several writes of version `serial`, in order, committed together
    /// (group commit: one transaction for results that land at the same
    /// time). Each write succeeds or fails on its own, as the single-write
    /// methods would, and a failed one leaves no trace; returns one result
    /// per write. Every `Ok` is committed on return.
    fn write_resources(
        &self,
        serial: u64,
        writes: &[ResourceWrite],
    ) -> Vec<Result<(), StateError>> {
        writes
            .iter()
            .map(|w| match w {
                ResourceWrite::Put(record) => self.put_resource(serial, record),
                ResourceWrite::Remove(address) => self.remove_resource(serial, address),
            })
            .collect()
    }

    /// Renames a record (`state mv`). [`StateError::ResourceNotFound`] if
    /// `from` is absent, [`StateError::ResourceExists`] if `to` is present.
    fn move_resource(&self, serial: u64, from: &str, to: &str) -> Result<(), StateError>;

    /// Sets or clears the tainted flag; [`StateError::ResourceNotFound`] if absent.
    fn set_tainted(&self, serial: u64, address: &str, tainted: bool) -> Result<(), StateError>;

    fn get_resource(&self, address: &str) -> Result<Option<ResourceRecord>, StateError>;

    /// All current records, sorted by address (byte order).
    fn list_resources(&self) -> Result<Vec<ResourceRecord>, StateError>;

    /// Addresses of the current records of one mode, sorted (byte order):
    /// [`StateStore::list_resources`] without reading the records.
    fn addresses(&self, mode: ResourceMode) -> Result<Vec<String>, StateError> {
        Ok(self
            .list_resources()?
            .into_iter()
            .filter(|r| r.mode == mode)
            .map(|r| r.address)
            .collect())
    }

    /// Replaces the whole set of current outputs.
    fn set_outputs(&self, serial: u64, outputs: Vec<OutputRecord>) -> Result<(), StateError>;

    /// Current outputs, sorted by name.
    fn outputs(&self) -> Result<Vec<OutputRecord>, StateError>;

    /// The outputs as of version `serial`: those of the latest `set_outputs`
    /// at or before it (empty if none).
    fn outputs_at(&self, serial: u64) -> Result<Vec<OutputRecord>, StateError>;

    /// All versions, oldest first.
    fn list_versions(&self) -> Result<Vec<VersionRecord>, StateError>;

    fn get_version(&self, serial: u64) -> Result<Option<VersionRecord>, StateError>;

    /// History entries written by version `serial`, in write order.
    fn version_changes(&self, serial: u64) -> Result<Vec<HistoryEntry>, StateError>;

    /// History entries of one address (and of the addresses it was moved
    /// from/to, as recorded under this address), in write order.
    fn resource_history(&self, address: &str) -> Result<Vec<HistoryEntry>, StateError>;

    /// The resource set as it was after every write of versions up to and
    /// including `serial` (replay of the history), sorted by address.
    fn resources_at(&self, serial: u64) -> Result<Vec<ResourceRecord>, StateError>;

    /// Takes the state lock, or fails at once with [`StateError::LockHeld`].
    /// A stale lock (TTL passed since its last heartbeat, or same host and its
    /// process is gone) is taken over and returned in `took_over`.
    fn acquire_lock(&self, req: LockRequest) -> Result<LockAcquired, StateError>;

    /// Releases the lock with this id; [`StateError::LockNotHeld`] if it is
    /// not the current lock.
    fn release_lock(&self, id: &str) -> Result<(), StateError>;

    /// Removes the lock with this id whoever holds it (`force-unlock`) and
    /// returns it; [`StateError::LockNotHeld`] if the id does not match.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;

    /// Heartbeat: restarts the TTL of the lock with this id and returns it;
    /// [`StateError::LockNotHeld`] if it is no longer ours.
    fn refresh_lock(&self, id: &str) -> Result<LockInfo, StateError>;

    fn current_lock(&self) -> Result<Option<LockInfo>, StateError>;

    /// Records the start of a run and returns its id.
    fn start_run(&self, kind: &str) -> Result<i64, StateError>;

    fn finish_run(
        &self,
        id: i64,
        outcome: &str,
        summary: Option<&str>,
        serial: Option<u64>,
    ) -> Result<(), StateError>;

    /// The `limit` most recent runs, newest first.
    fn list_runs(&self, limit: usize) -> Result<Vec<RunRecord>, StateError>;

    /// Records the start of a run with its environment, trigger and commit;
    /// returns its id.
    fn begin_run(&self, start: &RunStart) -> Result<i64, StateError>;

    /// Records how a run ended (outcome, counts, error, the plan that ran).
    /// A `plan` of `None` keeps what [`StateStore::save_run_plan`] saved.
    /// [`StateError::RunNotFound`] if there is no such run.
    fn complete_run(&self, id: i64, finish: &RunFinish) -> Result<(), StateError>;

    /// Saves the plan of a run that has not ended yet (an apply saves its
    /// plan while it applies, so that a large plan costs nothing at the end).
    /// [`StateError::RunNotFound`] if there is no such run.
    fn save_run_plan(&self, id: i64, plan: &str) -> Result<(), StateError>;

    fn get_run(&self, id: i64) -> Result<Option<RunRecord>, StateError>;

    /// The plan saved with a run (plan-file encoding), if any.
    fn run_plan(&self, id: i64) -> Result<Option<String>, StateError>;

    /// Runs matching `filter`, newest first.
    fn find_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StateError>;
}
