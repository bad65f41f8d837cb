//! Schema migrations, keyed by SQLite's `user_version`.
//!
//! `MIGRATIONS[i]` moves a database from `user_version = i` to `i + 1`.
//! Migrations only ever get appended; a released script is never edited.
//! All pending scripts run in one `BEGIN IMMEDIATE` transaction at open, so
//! two processes opening a fresh file at once cannot both migrate it.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::StateError;
use crate::ids::{now_millis, random_id};

pub const MIGRATIONS: &[&str] = &[
    // 1: initial schema.
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE versions (
    serial          INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    author          TEXT NOT NULL,
    operation       TEXT NOT NULL,
    git_sha         TEXT,
    git_author      TEXT,
    git_message     TEXT,
    git_time        TEXT,
    status          TEXT NOT NULL CHECK (status IN ('in_progress', 'complete', 'failed')),
    summary         TEXT,
    outputs_written INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE resources (
    address               TEXT PRIMARY KEY,
    mode                  TEXT NOT NULL CHECK (mode IN ('managed', 'data')),
    resource_type         TEXT NOT NULL,
    provider              TEXT NOT NULL,
    schema_version        INTEGER NOT NULL,
    attributes            TEXT NOT NULL,
    sensitive_paths       TEXT NOT NULL,
    dependencies          TEXT NOT NULL,
    tainted               INTEGER NOT NULL,
    create_before_destroy INTEGER NOT NULL,
    updated_serial        INTEGER NOT NULL
) WITHOUT ROWID;

-- Append-only. Record columns hold the object at `address` after the change,
-- and are NULL for 'remove' and 'move_out'.
CREATE TABLE resource_history (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    serial                INTEGER NOT NULL,
    address               TEXT NOT NULL,
    action                TEXT NOT NULL
        CHECK (action IN ('create', 'update', 'remove', 'move_out', 'move_in')),
    related_address       TEXT,
    mode                  TEXT,
    resource_type         TEXT,
    provider              TEXT,
    schema_version        INTEGER,
    attributes            TEXT,
    sensitive_paths       TEXT,
    dependencies          TEXT,
    tainted               INTEGER,
    create_before_destroy INTEGER
);
CREATE INDEX resource_history_by_serial ON resource_history (serial, seq);
CREATE INDEX resource_history_by_address ON resource_history (address, seq);

CREATE TABLE outputs (
    name      TEXT PRIMARY KEY,
    value     TEXT NOT NULL,
    sensitive INTEGER NOT NULL
) WITHOUT ROWID;

-- One full snapshot per set_outputs call; versions.outputs_written marks them.
CREATE TABLE output_history (
    serial    INTEGER NOT NULL,
    name      TEXT NOT NULL,
    value     TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    PRIMARY KEY (serial, name)
) WITHOUT ROWID;

-- At most one row: the state lock.
CREATE TABLE state_lock (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    id           TEXT NOT NULL,
    operation    TEXT NOT NULL,
    holder       TEXT NOT NULL,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    acquired_at  INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    ttl_secs     INTEGER NOT NULL
);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT,
    summary     TEXT,
    serial      INTEGER
);
"#,
    // 2: the runs journal for GitOps (environment, trigger, commit, counts,
    // drift, error, the plan that ran); author e-mail of version commits.
    r#"
ALTER TABLE versions ADD COLUMN git_email TEXT;

ALTER TABLE runs ADD COLUMN environment TEXT;
ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'cli';
ALTER TABLE runs ADD COLUMN git_sha TEXT;
ALTER TABLE runs ADD COLUMN git_author TEXT;
ALTER TABLE runs ADD COLUMN git_email TEXT;
ALTER TABLE runs ADD COLUMN git_message TEXT;
ALTER TABLE runs ADD COLUMN git_time TEXT;
ALTER TABLE runs ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN destroyed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN drift_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN error TEXT;
ALTER TABLE runs ADD COLUMN plan TEXT;
ALTER TABLE runs ADD COLUMN detail TEXT;
CREATE INDEX runs_by_environment ON runs (environment, id);
CREATE INDEX runs_by_commit ON runs (git_sha, id);
"#,
    // 3: a run's plan in a table of its own. SQLite rewrites a whole row on
    // any update, so a megabyte plan in `runs` made every later update of
    // the run (its end) rewrite the megabyte.
    r#"
CREATE TABLE run_plans (
    run_id INTEGER PRIMARY KEY REFERENCES runs (id),
    plan   TEXT NOT NULL
);
INSERT INTO run_plans (run_id, plan) SELECT id, plan FROM runs WHERE plan IS NOT NULL;
UPDATE runs SET plan = NULL WHERE plan IS NOT NULL;
"#,
];

/// Schema version this build writes.
pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the database up to [`latest_version`] and makes sure it has a lineage.
pub fn migrate(conn: &mut Connection) -> Result<(), StateError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let supported = latest_version();
    if found > supported {
        return Err(StateError::SchemaTooNew { found, supported });
    }
    let start = usize::try_from(found).unwrap_or(0);
    for script in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(script)?;
    }
    if found != supported {
        // PRAGMA takes no bound parameters; `supported` is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {supported}"))?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('lineage', ?1), ('created_at', ?2)",
        (random_id(), now_millis().to_string()),
    )?;
    tx.commit()?;
    Ok(())
}
