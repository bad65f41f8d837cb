//! [`SqliteStore`]: the SQLite implementation of [`StateStore`].
//!
//! Connection settings: WAL journal (readers never block the writer and a
//! killed process loses nothing it committed), `synchronous = NORMAL` (no
//! fsync per commit; durable against process crashes, a power loss may drop
//! the last commits but never corrupts), `busy_timeout` of
//! [`BUSY_TIMEOUT`] so a contended write fails fast with
//! [`StateError::Busy`] instead of hanging.
//!
//! Every write method is one `BEGIN IMMEDIATE` transaction that takes the
//! database write lock up front, so read-check-write sequences (lock
//! acquisition, serial allocation, create-vs-update) are atomic across
//! processes. Statements are cached (`prepare_cached`).

mod rows;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::error::StateError;
use crate::ids::{now_millis, random_id};
use crate::process::process_is_alive;
use crate::records::{
    HistoryEntry, LockAcquired, LockInfo, LockRequest, OutputRecord, ResourceMode, ResourceRecord,
    ResourceWrite, RunFilter, RunFinish, RunRecord, RunStart, VersionHandle, VersionMeta,
    VersionRecord, VersionStatus,
};
use crate::store::StateStore;
use rows::{
    into_output, lock_from_row, output_from_row, to_i64, EncodedResource, RawHistory, RawResource,
    RawRun, RawVersion, HISTORY_COLUMNS, LOCK_COLUMNS, RESOURCE_COLUMNS, RUN_COLUMNS,
    VERSION_COLUMNS,
};

pub use schema::latest_version as latest_schema_version;

/// How long a statement waits for another connection's write lock before
/// failing with [`StateError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(200);

/// State stored in one SQLite database file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the state
    /// database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore, StateError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StateError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        Self::setup(conn, Some(path.to_path_buf()))
    }

    /// A private, empty in-memory state (tests).
    pub fn open_in_memory() -> Result<SqliteStore, StateError> {
        Self::setup(Connection::open_in_memory()?, None)
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> Result<SqliteStore, StateError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if path.is_some() {
            // Returns the resulting mode; filesystems without shared memory
            // support keep the rollback journal, which is still correct.
            let _mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// The database file, `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version (`PRAGMA user_version`) of the open database.
    pub fn schema_version(&self) -> Result<i64, StateError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the guard leaves at most an uncommitted
        // transaction, which rusqlite rolls back on drop: the connection is fine.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction, committing on `Ok`.
    fn write<T>(
        &self,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = body(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`StateStore::write_resources`] in one `BEGIN IMMEDIATE`
    /// transaction, each write in a savepoint of its own so that a failing
    /// one leaves no trace and the others are kept. `Err` when the batch
    /// as a whole failed (nothing of it is committed).
    fn write_batch(
        &self,
        serial: u64,
        writes: &[ResourceWrite],
    ) -> Result<Vec<Result<(), StateError>>, StateError> {
        let serial = to_i64(serial, "serial")?;
        // Encode before taking the write lock.
        let prepared: Vec<Result<Prepared<'_>, StateError>> = writes
            .iter()
            .map(|w| match w {
                ResourceWrite::Put(record) => PreparedPut::new(record).map(Prepared::Put),
                ResourceWrite::Remove(address) => Ok(Prepared::Remove(address)),
            })
            .collect();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_writable(&tx, serial)?;
        let mut results = Vec::with_capacity(writes.len());
        for write in prepared {
            let result = match write {
                Err(e) => Err(e),
                Ok(Prepared::Put(put)) => in_savepoint(&tx, |c| put_in(c, serial, &put))?,
                Ok(Prepared::Remove(address)) => {
                    in_savepoint(&tx, |c| remove_in(c, serial, address))?
                }
            };
            results.push(result);
        }
        tx.commit()?;
        Ok(results)
    }
}

/// Runs `body` in a savepoint of the open transaction: released on `Ok`,
/// rolled back on `Err`. The outer `Err` is a failure of the savepoint
/// itself. The savepoint statements are cached: a batch runs them per write.
fn in_savepoint(
    conn: &Connection,
    body: impl FnOnce(&Connection) -> Result<(), StateError>,
) -> Result<Result<(), StateError>, StateError> {
    conn.prepare_cached("SAVEPOINT batch_write")?.execute([])?;
    let result = body(conn);
    if result.is_err() {
        conn.prepare_cached("ROLLBACK TO batch_write")?
            .execute([])?;
    }
    conn.prepare_cached("RELEASE batch_write")?.execute([])?;
    Ok(result)
}

/// Fails unless version `serial` exists and is `InProgress`.
fn check_writable(tx: &Connection, serial: i64) -> Result<(), StateError> {
    let status: Option<String> = tx
        .prepare_cached("SELECT status FROM versions WHERE serial = ?1")?
        .query_row([serial], |row| row.get(0))
        .optional()?;
    let serial_u = u64::try_from(serial).unwrap_or(0);
    match status.as_deref().map(VersionStatus::parse) {
        None => Err(StateError::VersionNotFound(serial_u)),
        Some(Some(VersionStatus::InProgress)) => Ok(()),
        Some(Some(status)) => Err(StateError::VersionNotWritable {
            serial: serial_u,
            status,
        }),
        Some(None) => Err(StateError::Corrupt(format!(
            "version {serial} has an unknown status"
        ))),
    }
}

/// Appends a history entry holding a copy of the current row at `address`.
fn history_snapshot(
    tx: &Connection,
    serial: i64,
    address: &str,
    action: &str,
    related: Option<&str>,
) -> Result<(), StateError> {
    tx.prepare_cached(
        "INSERT INTO resource_history (serial, address, action, related_address, mode, \
             resource_type, provider, schema_version, attributes, sensitive_paths, dependencies, \
             tainted, create_before_destroy) \
         SELECT ?1, address, ?2, ?3, mode, resource_type, provider, schema_version, attributes, \
             sensitive_paths, dependencies, tainted, create_before_destroy \
         FROM resources WHERE address = ?4",
    )?
    .execute(params![serial, action, related, address])?;
    Ok(())
}

/// Appends a history entry that leaves `address` empty.
fn history_vacate(
    tx: &Connection,
    serial: i64,
    address: &str,
    action: &str,
    related: Option<&str>,
) -> Result<(), StateError> {
    tx.prepare_cached(
        "INSERT INTO resource_history (serial, address, action, related_address) \
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![serial, address, action, related])?;
    Ok(())
}

/// A resource record with its JSON columns encoded, ready to be written.
struct PreparedPut<'a> {
    record: &'a ResourceRecord,
    schema_version: i64,
    encoded: EncodedResource,
}

impl<'a> PreparedPut<'a> {
    fn new(record: &'a ResourceRecord) -> Result<Self, StateError> {
        Ok(PreparedPut {
            record,
            schema_version: to_i64(record.schema_version, "schema version")?,
            encoded: EncodedResource::new(record)?,
        })
    }
}

/// One write of a batch, encoded.
enum Prepared<'a> {
    Put(PreparedPut<'a>),
    Remove(&'a str),
}

/// Inserts or replaces a resource row and appends its history entry.
fn put_in(conn: &Connection, serial: i64, put: &PreparedPut<'_>) -> Result<(), StateError> {
    let record = put.record;
    let values = params![
        record.address,
        record.mode.as_str(),
        record.resource_type,
        record.provider,
        put.schema_version,
        put.encoded.attributes,
        put.encoded.sensitive_paths,
        put.encoded.dependencies,
        record.tainted,
        record.create_before_destroy,
        serial,
    ];
    // Insert first: an apply mostly creates. A row already there is updated.
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO resources ({RESOURCE_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (address) DO NOTHING"
        ))?
        .execute(values)?;
    let action = if inserted == 0 {
        conn.prepare_cached(
            "UPDATE resources SET mode = ?2, resource_type = ?3, provider = ?4, \
                 schema_version = ?5, attributes = ?6, sensitive_paths = ?7, \
                 dependencies = ?8, tainted = ?9, create_before_destroy = ?10, \
                 updated_serial = ?11 \
             WHERE address = ?1",
        )?
        .execute(values)?;
        "update"
    } else {
        "create"
    };
    history_snapshot(conn, serial, &record.address, action, None)
}

/// Deletes a resource row and appends the history entry that vacates it.
fn remove_in(conn: &Connection, serial: i64, address: &str) -> Result<(), StateError> {
    let removed = conn
        .prepare_cached("DELETE FROM resources WHERE address = ?1")?
        .execute([address])?;
    if removed == 0 {
        return Err(StateError::ResourceNotFound(address.to_owned()));
    }
    history_vacate(conn, serial, address, "remove", None)
}

fn read_lock(conn: &Connection) -> Result<Option<LockInfo>, StateError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {LOCK_COLUMNS} FROM state_lock WHERE singleton = 1"
        ))?
        .query_row([], lock_from_row)
        .optional()?)
}

fn lock_not_held(conn: &Connection, id: &str) -> Result<StateError, StateError> {
    Ok(StateError::LockNotHeld {
        id: id.to_owned(),
        current: read_lock(conn)?.map(Box::new),
    })
}

/// A lock may be taken over once its TTL has passed since the last
/// heartbeat, or when it was taken on the requesting host by a process that
/// no longer exists.
fn lock_is_stale(lock: &LockInfo, req: &LockRequest, now: i64) -> bool {
    now >= lock.expires_at() || (lock.host == req.host && !process_is_alive(lock.pid))
}

fn current_serial_of(conn: &Connection) -> Result<u64, StateError> {
    let serial: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(serial), 0) FROM versions")?
        .query_row([], |row| row.get(0))?;
    rows::to_u64(serial, "serial")
}

fn version_exists(conn: &Connection, serial: i64) -> Result<bool, StateError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM versions WHERE serial = ?1")?
        .query_row([serial], |_| Ok(()))
        .optional()?
        .is_some())
}

fn collect_history(
    conn: &Connection,
    sql: &str,
    param: impl rusqlite::ToSql,
) -> Result<Vec<HistoryEntry>, StateError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let raws = stmt
        .query_map([param], RawHistory::from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    raws.into_iter().map(RawHistory::into_entry).collect()
}

fn collect_outputs(
    conn: &Connection,
    sql: &str,
    param: Option<i64>,
) -> Result<Vec<OutputRecord>, StateError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let raws = match param {
        Some(p) => stmt
            .query_map([p], output_from_row)?
            .collect::<Result<Vec<_>, _>>()?,
        None => stmt
            .query_map([], output_from_row)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    raws.into_iter().map(into_output).collect()
}

impl StateStore for SqliteStore {
    fn current_serial(&self) -> Result<u64, StateError> {
        current_serial_of(&self.conn())
    }

    fn lineage(&self) -> Result<String, StateError> {
        let lineage: Option<String> = self
            .conn()
            .prepare_cached("SELECT value FROM meta WHERE key = 'lineage'")?
            .query_row([], |row| row.get(0))
            .optional()?;
        lineage.ok_or_else(|| StateError::Corrupt("the state has no lineage".to_owned()))
    }

    fn check_serial(&self, expected: u64) -> Result<(), StateError> {
        let actual = self.current_serial()?;
        if actual == expected {
            Ok(())
        } else {
            Err(StateError::SerialMoved { expected, actual })
        }
    }

    fn begin_version(&self, meta: VersionMeta) -> Result<VersionHandle, StateError> {
        self.write(|tx| {
            let serial = current_serial_of(tx)?.saturating_add(1);
            let git = meta.git.as_ref();
            tx.prepare_cached(
                "INSERT INTO versions (serial, created_at, author, operation, git_sha, \
                     git_author, git_message, git_time, status, git_email) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'in_progress', ?9)",
            )?
            .execute(params![
                to_i64(serial, "serial")?,
                now_millis(),
                meta.author,
                meta.operation,
                git.map(|g| &g.sha),
                git.map(|g| &g.author),
                git.map(|g| &g.message),
                git.map(|g| &g.time),
                git.map(|g| &g.email),
            ])?;
            Ok(VersionHandle { serial })
        })
    }

    fn finish_version(
        &self,
        serial: u64,
        status: VersionStatus,
        summary: Option<&str>,
    ) -> Result<(), StateError> {
        let serial = to_i64(serial, "serial")?;
        self.write(|tx| {
            check_writable(tx, serial)?;
            tx.prepare_cached(
                "UPDATE versions SET status = ?2, summary = ?3, finished_at = ?4 \
                 WHERE serial = ?1",
            )?
            .execute(params![serial, status.as_str(), summary, now_millis()])?;
            Ok(())
        })
    }

    fn put_resource(&self, serial: u64, record: &ResourceRecord) -> Result<(), StateError> {
        let serial = to_i64(serial, "serial")?;
        // Encode outside the transaction to keep it short.
        let put = PreparedPut::new(record)?;
        self.write(|tx| {
            check_writable(tx, serial)?;
            put_in(tx, serial, &put)
        })
    }

    fn remove_resource(&self, serial: u64, address: &str) -> Result<(), StateError> {
        let serial = to_i64(serial, "serial")?;
        self.write(|tx| {
            check_writable(tx, serial)?;
            remove_in(tx, serial, address)
        })
    }

    fn write_resources(
        &self,
        serial: u64,
        writes: &[ResourceWrite],
    ) -> Vec<Result<(), StateError>> {
        match self.write_batch(serial, writes) {
            Ok(results) => results,
            // The batch as a whole could not be written (the version is not
            // writable, the database is busy, the commit failed): each write
            // on its own, so that each gets its own answer.
            Err(_) => writes
                .iter()
                .map(|w| match w {
                    ResourceWrite::Put(record) => self.put_resource(serial, record),
                    ResourceWrite::Remove(address) => self.remove_resource(serial, address),
                })
                .collect(),
        }
    }

    fn move_resource(&self, serial: u64, from: &str, to: &str) -> Result<(), StateError> {
        let serial = to_i64(serial, "serial")?;
        self.write(|tx| {
            check_writable(tx, serial)?;
            let target_taken = tx
                .prepare_cached("SELECT 1 FROM resources WHERE address = ?1")?
                .query_row([to], |_| Ok(()))
                .optional()?
                .is_some();
            if target_taken {
                return Err(StateError::ResourceExists(to.to_owned()));
            }
            let moved = tx
                .prepare_cached(
                    "UPDATE resources SET address = ?2, updated_serial = ?3 WHERE address = ?1",
                )?
                .execute(params![from, to, serial])?;
            if moved == 0 {
                return Err(StateError::ResourceNotFound(from.to_owned()));
            }
            history_vacate(tx, serial, from, "move_out", Some(to))?;
            history_snapshot(tx, serial, to, "move_in", Some(from))
        })
    }

    fn set_tainted(&self, serial: u64, address: &str, tainted: bool) -> Result<(), StateError> {
        let serial = to_i64(serial, "serial")?;
        self.write(|tx| {
            check_writable(tx, serial)?;
            let changed = tx
                .prepare_cached(
                    "UPDATE resources SET tainted = ?2, updated_serial = ?3 WHERE address = ?1",
                )?
                .execute(params![address, tainted, serial])?;
            if changed == 0 {
                return Err(StateError::ResourceNotFound(address.to_owned()));
            }
            history_snapshot(tx, serial, address, "update", None)
        })
    }

    fn get_resource(&self, address: &str) -> Result<Option<ResourceRecord>, StateError> {
        let raw = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE address = ?1"
            ))?
            .query_row([address], RawResource::from_row)
            .optional()?;
        raw.map(RawResource::into_record).transpose()
    }

    fn list_resources(&self) -> Result<Vec<ResourceRecord>, StateError> {
        let raws = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources ORDER BY address"
            ))?;
            let raws = stmt
                .query_map([], RawResource::from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            raws
        };
        raws.into_iter().map(RawResource::into_record).collect()
    }

    fn addresses(&self, mode: ResourceMode) -> Result<Vec<String>, StateError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT address FROM resources WHERE mode = ?1 ORDER BY address")?;
        let addresses = stmt
            .query_map([mode.as_str()], |row| row.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(addresses)
    }

    fn set_outputs(&self, serial: u64, outputs: Vec<OutputRecord>) -> Result<(), StateError> {
        let serial = to_i64(serial, "serial")?;
        let encoded = outputs
            .iter()
            .map(|o| {
                Ok((
                    o.name.as_str(),
                    serde_json::to_string(&o.value)?,
                    o.sensitive,
                ))
            })
            .collect::<Result<Vec<_>, StateError>>()?;
        self.write(|tx| {
            check_writable(tx, serial)?;
            tx.prepare_cached("DELETE FROM outputs")?.execute([])?;
            tx.prepare_cached("DELETE FROM output_history WHERE serial = ?1")?
                .execute([serial])?;
            let mut current = tx.prepare_cached(
                "INSERT INTO outputs (name, value, sensitive) VALUES (?1, ?2, ?3)",
            )?;
            let mut history = tx.prepare_cached(
                "INSERT INTO output_history (serial, name, value, sensitive) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (name, value, sensitive) in &encoded {
                current.execute(params![name, value, sensitive])?;
                history.execute(params![serial, name, value, sensitive])?;
            }
            tx.prepare_cached("UPDATE versions SET outputs_written = 1 WHERE serial = ?1")?
                .execute([serial])?;
            Ok(())
        })
    }

    fn outputs(&self) -> Result<Vec<OutputRecord>, StateError> {
        collect_outputs(
            &self.conn(),
            "SELECT name, value, sensitive FROM outputs ORDER BY name",
            None,
        )
    }

    fn outputs_at(&self, serial: u64) -> Result<Vec<OutputRecord>, StateError> {
        let serial = to_i64(serial, "serial")?;
        collect_outputs(
            &self.conn(),
            "SELECT name, value, sensitive FROM output_history \
             WHERE serial = (SELECT MAX(serial) FROM versions \
                             WHERE outputs_written = 1 AND serial <= ?1) \
             ORDER BY name",
            Some(serial),
        )
    }

    fn list_versions(&self) -> Result<Vec<VersionRecord>, StateError> {
        let raws = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM versions ORDER BY serial"
            ))?;
            let raws = stmt
                .query_map([], RawVersion::from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            raws
        };
        raws.into_iter().map(RawVersion::into_record).collect()
    }

    fn get_version(&self, serial: u64) -> Result<Option<VersionRecord>, StateError> {
        let serial = to_i64(serial, "serial")?;
        let raw = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM versions WHERE serial = ?1"
            ))?
            .query_row([serial], RawVersion::from_row)
            .optional()?;
        raw.map(RawVersion::into_record).transpose()
    }

    fn version_changes(&self, serial: u64) -> Result<Vec<HistoryEntry>, StateError> {
        let serial_i = to_i64(serial, "serial")?;
        let conn = self.conn();
        if !version_exists(&conn, serial_i)? {
            return Err(StateError::VersionNotFound(serial));
        }
        collect_history(
            &conn,
            &format!(
                "SELECT {HISTORY_COLUMNS} FROM resource_history WHERE serial = ?1 ORDER BY seq"
            ),
            serial_i,
        )
    }

    fn resource_history(&self, address: &str) -> Result<Vec<HistoryEntry>, StateError> {
        collect_history(
            &self.conn(),
            &format!(
                "SELECT {HISTORY_COLUMNS} FROM resource_history WHERE address = ?1 ORDER BY seq"
            ),
            address,
        )
    }

    fn resources_at(&self, serial: u64) -> Result<Vec<ResourceRecord>, StateError> {
        let serial_i = to_i64(serial, "serial")?;
        let conn = self.conn();
        if serial != 0 && !version_exists(&conn, serial_i)? {
            return Err(StateError::VersionNotFound(serial));
        }
        // Replaying the history in write order up to `serial` leaves, for
        // each address, the effect of its last entry: present iff that entry
        // carries a record.
        let entries = collect_history(
            &conn,
            &format!(
                "SELECT {HISTORY_COLUMNS} FROM resource_history \
                 WHERE seq IN (SELECT MAX(seq) FROM resource_history \
                               WHERE serial <= ?1 GROUP BY address) \
                   AND mode IS NOT NULL \
                 ORDER BY address"
            ),
            serial_i,
        )?;
        Ok(entries
            .into_iter()
            .filter_map(|entry| entry.record)
            .collect())
    }

    fn acquire_lock(&self, req: LockRequest) -> Result<LockAcquired, StateError> {
        let ttl_secs = to_i64(req.ttl_secs, "lock TTL")?;
        self.write(|tx| {
            let now = now_millis();
            let existing = read_lock(tx)?;
            if let Some(lock) = &existing {
                if !lock_is_stale(lock, &req, now) {
                    return Err(StateError::LockHeld(Box::new(lock.clone())));
                }
            }
            let info = LockInfo {
                id: random_id(),
                operation: req.operation.clone(),
                holder: req.holder.clone(),
                host: req.host.clone(),
                pid: req.pid,
                acquired_at: now,
                heartbeat_at: now,
                ttl_secs: req.ttl_secs,
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO state_lock (singleton, id, operation, holder, host, pid, \
                     acquired_at, heartbeat_at, ttl_secs) \
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            )?
            .execute(params![
                info.id,
                info.operation,
                info.holder,
                info.host,
                i64::from(info.pid),
                now,
                ttl_secs
            ])?;
            Ok(LockAcquired {
                info,
                took_over: existing,
            })
        })
    }

    fn release_lock(&self, id: &str) -> Result<(), StateError> {
        self.write(|tx| {
            let removed = tx
                .prepare_cached("DELETE FROM state_lock WHERE id = ?1")?
                .execute([id])?;
            if removed == 0 {
                return Err(lock_not_held(tx, id)?);
            }
            Ok(())
        })
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.write(|tx| match read_lock(tx)? {
            Some(lock) if lock.id == id => {
                tx.prepare_cached("DELETE FROM state_lock WHERE id = ?1")?
                    .execute([id])?;
                Ok(lock)
            }
            current => Err(StateError::LockNotHeld {
                id: id.to_owned(),
                current: current.map(Box::new),
            }),
        })
    }

    fn refresh_lock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.write(|tx| {
            let changed = tx
                .prepare_cached("UPDATE state_lock SET heartbeat_at = ?2 WHERE id = ?1")?
                .execute(params![id, now_millis()])?;
            match read_lock(tx)? {
                Some(lock) if changed == 1 => Ok(lock),
                current => Err(StateError::LockNotHeld {
                    id: id.to_owned(),
                    current: current.map(Box::new),
                }),
            }
        })
    }

    fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        read_lock(&self.conn())
    }

    fn start_run(&self, kind: &str) -> Result<i64, StateError> {
        self.write(|tx| {
            tx.prepare_cached("INSERT INTO runs (kind, started_at) VALUES (?1, ?2)")?
                .execute(params![kind, now_millis()])?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn finish_run(
        &self,
        id: i64,
        outcome: &str,
        summary: Option<&str>,
        serial: Option<u64>,
    ) -> Result<(), StateError> {
        let serial = serial.map(|s| to_i64(s, "serial")).transpose()?;
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE runs SET finished_at = ?2, outcome = ?3, summary = ?4, serial = ?5 \
                     WHERE id = ?1",
                )?
                .execute(params![id, now_millis(), outcome, summary, serial])?;
            if changed == 0 {
                return Err(StateError::RunNotFound(id));
            }
            Ok(())
        })
    }

    fn list_runs(&self, limit: usize) -> Result<Vec<RunRecord>, StateError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let raws = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?1"
            ))?;
            let raws = stmt
                .query_map([limit], RawRun::from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            raws
        };
        raws.into_iter().map(RawRun::into_record).collect()
    }

    fn begin_run(&self, start: &RunStart) -> Result<i64, StateError> {
        let git = start.git.as_ref();
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO runs (kind, started_at, environment, trigger, git_sha, git_author, \
                     git_email, git_message, git_time) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                start.kind,
                now_millis(),
                start.environment,
                start.trigger,
                git.map(|g| &g.sha),
                git.map(|g| &g.author),
                git.map(|g| &g.email),
                git.map(|g| &g.message),
                git.map(|g| &g.time),
            ])?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn complete_run(&self, id: i64, finish: &RunFinish) -> Result<(), StateError> {
        let serial = finish.serial.map(|s| to_i64(s, "serial")).transpose()?;
        let detail = finish
            .detail
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        let counts = [
            to_i64(finish.counts.add, "added count")?,
            to_i64(finish.counts.change, "changed count")?,
            to_i64(finish.counts.destroy, "destroyed count")?,
            to_i64(finish.drift_count, "drift count")?,
        ];
        let git = finish.git.as_ref();
        self.write(|tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE runs SET finished_at = ?2, outcome = ?3, summary = ?4, serial = ?5, \
                         added = ?6, changed = ?7, destroyed = ?8, drift_count = ?9, error = ?10, \
                         detail = ?12, \
                         git_sha = coalesce(?13, git_sha), git_author = coalesce(?14, git_author), \
                         git_email = coalesce(?15, git_email), \
                         git_message = coalesce(?16, git_message), \
                         git_time = coalesce(?17, git_time) \
                     WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    now_millis(),
                    finish.outcome,
                    finish.summary,
                    serial,
                    counts[0],
                    counts[1],
                    counts[2],
                    counts[3],
                    finish.error,
                    finish.plan,
                    detail,
                    git.map(|g| &g.sha),
                    git.map(|g| &g.author),
                    git.map(|g| &g.email),
                    git.map(|g| &g.message),
                    git.map(|g| &g.time),
                ])?;
            if changed == 0 {
                return Err(StateError::RunNotFound(id));
            }
            if let Some(plan) = &finish.plan {
                save_plan_in(tx, id, plan)?;
            }
            Ok(())
        })
    }

    fn save_run_plan(&self, id: i64, plan: &str) -> Result<(), StateError> {
        self.write(|tx| {
            let known = tx
                .prepare_cached("SELECT 1 FROM runs WHERE id = ?1")?
                .exists([id])?;
            if !known {
                return Err(StateError::RunNotFound(id));
            }
            save_plan_in(tx, id, plan)
        })
    }

    fn get_run(&self, id: i64) -> Result<Option<RunRecord>, StateError> {
        let raw = self
            .conn()
            .prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"))?
            .query_row([id], RawRun::from_row)
            .optional()?;
        raw.map(RawRun::into_record).transpose()
    }

    fn run_plan(&self, id: i64) -> Result<Option<String>, StateError> {
        let plan: Option<Option<String>> = self
            .conn()
            .prepare_cached(
                "SELECT (SELECT plan FROM run_plans WHERE run_id = runs.id) FROM runs WHERE id = ?1",
            )?
            .query_row([id], |row| row.get(0))
            .optional()?;
        match plan {
            None => Err(StateError::RunNotFound(id)),
            Some(p) => Ok(p),
        }
    }

    fn find_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StateError> {
        let limit = match filter.limit {
            0 => i64::MAX,
            n => i64::try_from(n).unwrap_or(i64::MAX),
        };
        let raws = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM runs \
                 WHERE (?1 IS NULL OR environment = ?1) AND (?2 IS NULL OR kind = ?2) \
                   AND (?3 IS NULL OR outcome = ?3) AND (?4 IS NULL OR git_sha = ?4) \
                 ORDER BY id DESC LIMIT ?5"
            ))?;
            let raws = stmt
                .query_map(
                    params![
                        filter.environment,
                        filter.kind,
                        filter.outcome,
                        filter.git_sha,
                        limit
                    ],
                    RawRun::from_row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            raws
        };
        raws.into_iter().map(RawRun::into_record).collect()
    }
}

/// Saves (or replaces) the plan of run `id`.
fn save_plan_in(tx: &rusqlite::Transaction<'_>, id: i64, plan: &str) -> Result<(), StateError> {
    tx.prepare_cached("INSERT OR REPLACE INTO run_plans (run_id, plan) VALUES (?1, ?2)")?
        .execute(params![id, plan])?;
    Ok(())
}
