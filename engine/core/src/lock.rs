//! The state lock, held for the length of an operation and kept alive by
//! a heartbeat, so that a crashed holder's lock expires.

use gitform_state::{LockAcquired, LockInfo, LockRequest, StateError, StateStore};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a lock lives without a heartbeat.
pub const LOCK_TTL_SECS: u64 = 120;

/// A held lock. Dropping it releases the lock.
pub struct LockGuard {
    state: Arc<dyn StateStore>,
    pub info: LockInfo,
    /// The previous holder, when a stale lock was taken over.
    pub took_over: Option<LockInfo>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    /// Set when the heartbeat finds the lock is no longer ours.
    lost: Arc<AtomicBool>,
    heartbeat: Option<std::thread::JoinHandle<()>>,
}

/// This machine's name.
pub fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// `user@host`, as the lock holder and the state version author.
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("{user}@{}", hostname())
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else holds it (after retrying for the timeout).
    #[error("the state is locked by another process")]
    Held(Box<LockInfo>),
    #[error(transparent)]
    State(#[from] StateError),
}

/// How long to wait between attempts while a lock is held.
pub const LOCK_RETRY_INTERVAL: Duration = Duration::from_millis(250);

/// A lock request for this process.
pub fn request(operation: &str) -> LockRequest {
    LockRequest {
        operation: operation.to_string(),
        holder: who(),
        host: hostname(),
        pid: std::process::id(),
        ttl_secs: LOCK_TTL_SECS,
    }
}

/// Takes the lock, retrying while it is held (or the database is busy)
/// until `timeout` has passed. With a zero timeout, a held lock fails at once.
pub fn acquire_with(
    state: &dyn StateStore,
    req: LockRequest,
    timeout: Duration,
) -> Result<LockAcquired, LockError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match state.acquire_lock(req.clone()) {
            Ok(a) => return Ok(a),
            Err(StateError::LockHeld(info)) => {
                if std::time::Instant::now() >= deadline {
                    return Err(LockError::Held(info));
                }
            }
            Err(StateError::Busy(_)) if std::time::Instant::now() < deadline => {}
            Err(e) => return Err(LockError::State(e)),
        }
        std::thread::sleep(LOCK_RETRY_INTERVAL);
    }
}

/// Takes the state lock for `operation` and keeps it alive with a
/// heartbeat until the guard is dropped.
pub fn acquire(
    state: Arc<dyn StateStore>,
    operation: &str,
    timeout: Duration,
) -> Result<LockGuard, LockError> {
    let acquired = acquire_with(state.as_ref(), request(operation), timeout)?;
    // The heartbeat waits on a channel: dropping the guard closes it and
    // wakes the thread at once.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let state = state.clone();
        let id = acquired.info.id.clone();
        let lost = lost.clone();
        std::thread::Builder::new()
            .name("gitform-lock-heartbeat".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(Duration::from_secs(LOCK_TTL_SECS / 4))
                {
                    // Someone force-unlocked or took the lock over: whoever
                    // runs under this guard must stop writing.
                    if let Err(StateError::LockNotHeld { .. }) = state.refresh_lock(&id) {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                }
            })
            .map_err(|e| {
                LockError::State(StateError::Corrupt(format!(
                    "cannot start the lock heartbeat: {e}"
                )))
            })?
    };
    Ok(LockGuard {
        state,
        info: acquired.info,
        took_over: acquired.took_over,
        stop: Some(stop),
        heartbeat: Some(heartbeat),
        lost,
    })
}

impl LockGuard {
    /// A flag that turns true if the lock is lost (force-unlocked or taken
    /// over) while held: the operation should stop writing.
    pub fn lost_flag(&self) -> Arc<AtomicBool> {
        self.lost.clone()
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(h) = self.heartbeat.take() {
            let _ = h.join();
        }
        let _ = self.state.release_lock(&self.info.id);
    }
}
