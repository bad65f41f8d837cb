//! The state lock, held for the length of an operation and kept alive by
//! a heartbeat, so that a crashed holder's lock expires.

use gitform_state::{LockInfo, LockRequest, StateError, StateStore};
use gitform_value::{Diagnostic, Diagnostics};
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
    stop: Arc<AtomicBool>,
    heartbeat: Option<std::thread::JoinHandle<()>>,
}

/// This machine's name.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// `user@host`, as the lock holder and the state version author.
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("{user}@{}", hostname())
}

/// Takes the state lock for `operation`, or fails at once naming the holder.
pub fn acquire(state: Arc<dyn StateStore>, operation: &str) -> Result<LockGuard, Diagnostics> {
    let req = LockRequest {
        operation: operation.to_string(),
        holder: who(),
        host: hostname(),
        pid: std::process::id(),
        ttl_secs: LOCK_TTL_SECS,
    };
    let acquired = match state.acquire_lock(req) {
        Ok(a) => a,
        Err(StateError::LockHeld(info)) => return Err(lock_held(&info).into()),
        Err(e) => {
            return Err(Diagnostic::error("Error acquiring the state lock", e.to_string()).into())
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let stop = stop.clone();
        let state = state.clone();
        let id = acquired.info.id.clone();
        std::thread::Builder::new()
            .name("gitform-lock-heartbeat".into())
            .spawn(move || {
                let step = Duration::from_millis(200);
                let mut waited = Duration::ZERO;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(step);
                    waited += step;
                    if waited >= Duration::from_secs(LOCK_TTL_SECS / 4) {
                        waited = Duration::ZERO;
                        let _ = state.refresh_lock(&id);
                    }
                }
            })
            .ok()
    };
    Ok(LockGuard {
        state,
        info: acquired.info,
        took_over: acquired.took_over,
        stop,
        heartbeat,
    })
}

/// Terraform's "Error acquiring the state lock" diagnostic.
pub fn lock_held(info: &LockInfo) -> Diagnostic {
    Diagnostic::error(
        "Error acquiring the state lock",
        format!(
            "The state is locked by another operation.\nLock Info:\n  ID:        {}\n  Operation: {}\n  Who:       {}\n  Host/PID:  {}/{}\n  Created:   {}\n\ngitform acquires a state lock to protect the state from being written\nby multiple users at the same time. Please resolve the issue above and try\nagain. If the holder is gone, `gitform force-unlock {}` removes the lock.",
            info.id,
            info.operation,
            info.holder,
            info.host,
            info.pid,
            format_millis(info.acquired_at),
            info.id
        ),
    )
}

/// Unix milliseconds as an RFC 3339 UTC time.
pub fn format_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.heartbeat.take() {
            let _ = h.join();
        }
        let _ = self.state.release_lock(&self.info.id);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_times() {
        assert_eq!(super::format_millis(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            super::format_millis(1_795_000_000_000),
            "2026-11-18T11:06:40Z"
        );
    }
}
