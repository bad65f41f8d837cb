//! Whether a process on this host is still alive (for stale-lock takeover).

/// `false` only when we are sure `pid` is gone: on Linux, `/proc/<pid>` is
/// missing or the process is a zombie. Where `/proc` is unavailable the
/// answer is `true` (never take over a lock we cannot prove dead).
pub fn process_is_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_root = std::path::Path::new("/proc");
    if !proc_root.join("self").exists() {
        return true;
    }
    let dir = proc_root.join(pid.to_string());
    if !dir.exists() {
        return false;
    }
    // A zombie has exited and only waits to be reaped: its /proc/<pid>/stat
    // reads `pid (comm) Z ...`. comm may hold spaces or ')', so look after the last ')'.
    match std::fs::read_to_string(dir.join("stat")) {
        Ok(stat) => match stat.rfind(')') {
            Some(end) => {
                !matches!(stat.get(end + 1..).map(str::trim_start), Some(rest) if rest.starts_with('Z') || rest.starts_with('X'))
            }
            None => true,
        },
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive() {
        assert!(process_is_alive(std::process::id()));
    }

    #[test]
    fn reaped_child_is_dead() {
        let mut child = match std::process::Command::new("true").spawn() {
            Ok(child) => child,
            Err(_) => return, // no `true` binary: nothing to check on this platform
        };
        let pid = child.id();
        let _ = child.wait();
        if std::path::Path::new("/proc/self").exists() {
            assert!(!process_is_alive(pid));
        }
    }
}
