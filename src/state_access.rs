//! Finding, opening and locking the state database.

use crate::args::LockArgs;
use crate::diag_error::DiagnosticsError;
use crate::ui::Ui;
use gitform_state::{LockInfo, SqliteStore, StateError, StateStore};
use std::path::{Path, PathBuf};

/// The state database of a working directory, relative to it.
pub const DEFAULT_STATE_PATH: &str = ".gitform/state.db";

/// The state path: the `-state` flag, or [`DEFAULT_STATE_PATH`] (relative to
/// the working directory, i.e. after `-chdir`).
pub fn state_path(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_PATH))
}

/// Opens (and creates if needed) the state database at `path`.
pub fn open_state(path: &Path) -> Result<SqliteStore, DiagnosticsError> {
    SqliteStore::open(path).map_err(|e| state_error("Failed to load state", &e))
}

/// Opens the state database at `path` if it exists; `None` when there is no
/// state yet (nothing is created).
pub fn open_existing_state(path: &Path) -> Result<Option<SqliteStore>, DiagnosticsError> {
    if !path.exists() {
        return Ok(None);
    }
    open_state(path).map(Some)
}

/// A diagnostic for a state store error.
pub fn state_error(summary: &str, err: &StateError) -> DiagnosticsError {
    DiagnosticsError::error(summary, err.to_string())
}

/// `user@host`, as Terraform records a lock's holder.
pub fn lock_holder() -> String {
    gitform_engine::lock::who()
}

/// A held state lock, released when dropped.
pub struct StateLock<'a> {
    store: &'a dyn StateStore,
    /// `None` with `-lock=false`.
    pub info: Option<LockInfo>,
}

impl StateLock<'_> {
    /// The lock id, for `StateStore::refresh_lock` heartbeats.
    #[allow(dead_code)] // for the engine commands
    pub fn id(&self) -> Option<&str> {
        self.info.as_ref().map(|i| i.id.as_str())
    }
}

impl Drop for StateLock<'_> {
    fn drop(&mut self) {
        if let Some(info) = &self.info {
            if let Err(e) = self.store.release_lock(&info.id) {
                tracing::warn!("releasing state lock {}: {e}", info.id);
            }
        }
    }
}

/// Takes the state lock for `operation` (`apply`, `state mv`, ...), retrying
/// for `-lock-timeout`. With `-lock=false` nothing is locked. A held lock is
/// Terraform's "Error acquiring the state lock"; a stale lock that was taken
/// over is reported as a warning.
pub fn lock_state<'a>(
    store: &'a dyn StateStore,
    path: &Path,
    operation: &str,
    args: &LockArgs,
    ui: &Ui,
) -> Result<StateLock<'a>, DiagnosticsError> {
    if !args.lock {
        return Ok(StateLock { store, info: None });
    }
    match gitform_engine::lock::acquire_with(
        store,
        gitform_engine::lock::request(operation),
        args.lock_timeout,
    ) {
        Ok(acquired) => {
            if let Some(old) = &acquired.took_over {
                ui.warning(
                    "Took over a stale state lock",
                    format!(
                        "The state lock {} held by {} (pid {}, operation {:?}) had expired or its process had exited, so it was taken over.",
                        old.id, old.holder, old.pid, old.operation
                    ),
                );
            }
            Ok(StateLock {
                store,
                info: Some(acquired.info),
            })
        }
        Err(gitform_engine::lock::LockError::Held(info)) => Err(lock_held_error(
            path,
            "the state is locked by another process",
            &info,
        )),
        Err(e) => Err(DiagnosticsError::error(
            "Error acquiring the state lock",
            format!("Error message: {e}\n\n{LOCK_ADVICE}"),
        )),
    }
}

const LOCK_ADVICE: &str = "gitform acquires a state lock to protect the state from being written
by multiple users at the same time. Please resolve the issue above and try
again. For most commands, you can disable locking with the \"-lock=false\"
flag, but this is not recommended.";

/// Terraform's "Error acquiring the state lock" with the holder's lock info.
pub fn lock_held_error(path: &Path, message: &str, info: &LockInfo) -> DiagnosticsError {
    DiagnosticsError::error(
        "Error acquiring the state lock",
        format!(
            "Error message: {message}\nLock Info:\n  ID:        {}\n  Path:      {}\n  Operation: {}\n  Who:       {}\n  Created:   {}\n  Info:      pid {} on {}\n\n\n{LOCK_ADVICE}",
            info.id,
            path.display(),
            info.operation,
            info.holder,
            format_go_time(info.acquired_at),
            info.pid,
            info.host,
        ),
    )
}

/// Unix milliseconds as Go prints a UTC `time.Time`:
/// `2026-11-22 13:46:17.694 +0000 UTC` (trailing zeros of the fraction dropped).
pub fn format_go_time(millis: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(millis) else {
        return millis.to_string();
    };
    let base = ts.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let frac = millis.rem_euclid(1000);
    let frac = if frac == 0 {
        String::new()
    } else {
        format!(".{frac:03}").trim_end_matches('0').to_string()
    };
    format!("{base}{frac} +0000 UTC")
}

/// Unix milliseconds as a short UTC time: `2026-11-22 13:46:17`.
pub fn format_short_time(millis: i64) -> String {
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(ts) => ts.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => millis.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_times() {
        for (millis, want) in [
            (0, "1970-01-01 00:00:00 +0000 UTC"),
            (1_700_000_000_690, "2023-11-14 22:13:20.69 +0000 UTC"),
            (1_700_000_000_001, "2023-11-14 22:13:20.001 +0000 UTC"),
        ] {
            assert_eq!(format_go_time(millis), want);
        }
    }
}
