use std::time::{Duration, Instant};

use gitform_state::{LockRequest, SqliteStore, StateError, StateStore};

use crate::fixtures::memory_store;

fn request(holder: &str, host: &str, pid: u32, ttl_secs: u64) -> LockRequest {
    LockRequest {
        operation: "apply".to_owned(),
        holder: holder.to_owned(),
        host: host.to_owned(),
        pid,
        ttl_secs,
    }
}

fn me(ttl_secs: u64) -> LockRequest {
    request("alice@box", "box", std::process::id(), ttl_secs)
}

/// A pid that existed and is now gone: a reaped child.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[test]
fn acquire_release_cycle() {
    let store = memory_store();
    let got = store.acquire_lock(me(600)).unwrap();
    assert_eq!(got.took_over, None);
    assert_eq!(got.info.holder, "alice@box");
    assert_eq!(got.info.acquired_at, got.info.heartbeat_at);
    assert_eq!(store.current_lock().unwrap(), Some(got.info.clone()));

    let started = Instant::now();
    match store.acquire_lock(request("bob@other", "other", 1, 600)) {
        Err(StateError::LockHeld(info)) => {
            assert_eq!(*info, got.info);
            let message = StateError::LockHeld(info).to_string();
            assert!(message.contains("alice@box"), "{message}");
            assert!(message.contains(&got.info.id), "{message}");
        }
        other => panic!("expected LockHeld, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));

    store.release_lock(&got.info.id).unwrap();
    assert_eq!(store.current_lock().unwrap(), None);
    assert!(matches!(
        store.release_lock(&got.info.id),
        Err(StateError::LockNotHeld { current: None, .. })
    ));
    let again = store
        .acquire_lock(request("bob@other", "other", 1, 600))
        .unwrap();
    assert_ne!(again.info.id, got.info.id);
    assert_eq!(again.took_over, None);
}

#[test]
fn force_unlock_needs_the_right_id() {
    let store = memory_store();
    let held = store.acquire_lock(me(600)).unwrap().info;
    match store.force_unlock("not-the-id") {
        Err(StateError::LockNotHeld { id, current }) => {
            assert_eq!(id, "not-the-id");
            assert_eq!(current.map(|c| *c), Some(held.clone()));
        }
        other => panic!("expected LockNotHeld, got {other:?}"),
    }
    assert_eq!(store.force_unlock(&held.id).unwrap(), held);
    assert_eq!(store.current_lock().unwrap(), None);
    assert!(matches!(
        store.force_unlock(&held.id),
        Err(StateError::LockNotHeld { .. })
    ));
}

#[test]
fn refresh_extends_the_heartbeat_only_for_the_holder() {
    let store = memory_store();
    let held = store.acquire_lock(me(600)).unwrap().info;
    std::thread::sleep(Duration::from_millis(5));
    let refreshed = store.refresh_lock(&held.id).unwrap();
    assert!(refreshed.heartbeat_at > held.heartbeat_at);
    assert_eq!(refreshed.acquired_at, held.acquired_at);
    assert_eq!(refreshed.expires_at(), refreshed.heartbeat_at + 600_000);
    assert!(matches!(
        store.refresh_lock("other"),
        Err(StateError::LockNotHeld { .. })
    ));
}

/// Which existing locks a new request (from host "box") takes over.
#[test]
fn stale_lock_takeover_table() {
    let alive = std::process::id();
    let dead = dead_pid();
    // (existing lock, taken over?)
    let table = [
        (request("old@box", "box", alive, 600), false), // live holder on this host
        (request("old@far", "far", dead, 600), false),  // other host: pid means nothing here
        (request("old@box", "box", dead, 600), true),   // dead pid on this host
        (request("old@far", "far", alive, 0), true),    // TTL passed
        (request("old@box", "box", alive, 0), true),    // TTL passed, even if alive
    ];
    for (existing, expect_takeover) in table {
        let store = memory_store();
        let old = store.acquire_lock(existing.clone()).unwrap().info;
        let result = store.acquire_lock(request("new@box", "box", alive, 600));
        match (result, expect_takeover) {
            (Ok(got), true) => {
                assert_eq!(got.took_over, Some(old), "{existing:?}");
                assert_eq!(store.current_lock().unwrap(), Some(got.info));
                // The old holder has lost the lock.
                assert!(matches!(
                    store.release_lock(&existing_id(&got.took_over)),
                    Err(StateError::LockNotHeld { .. })
                ));
            }
            (Err(StateError::LockHeld(info)), false) => assert_eq!(*info, old, "{existing:?}"),
            (other, _) => panic!("{existing:?}: unexpected {other:?}"),
        }
    }
}

fn existing_id(lock: &Option<gitform_state::LockInfo>) -> String {
    lock.as_ref().map(|l| l.id.clone()).unwrap_or_default()
}

/// Two handles on one file behave like two processes: exactly one wins.
#[test]
fn two_handles_contend_for_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
    assert_eq!(a.lineage().unwrap(), b.lineage().unwrap());

    let held = a
        .acquire_lock(request("alice@box", "box", std::process::id(), 600))
        .unwrap()
        .info;
    let started = Instant::now();
    match b.acquire_lock(request("bob@box", "box", std::process::id(), 600)) {
        Err(StateError::LockHeld(info)) => assert_eq!(info.holder, "alice@box"),
        other => panic!("expected LockHeld, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        b.current_lock().unwrap().map(|l| l.id),
        Some(held.id.clone())
    );
    a.release_lock(&held.id).unwrap();
    let bob = b
        .acquire_lock(request("bob@box", "box", std::process::id(), 600))
        .unwrap();
    assert_eq!(a.current_lock().unwrap(), Some(bob.info));

    // Racing threads: exactly one of N acquires succeeds.
    b.release_lock(&b.current_lock().unwrap().unwrap().id)
        .unwrap();
    let stores: Vec<SqliteStore> = (0..4).map(|_| SqliteStore::open(&path).unwrap()).collect();
    let results: Vec<Result<_, StateError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(i, store)| {
                scope.spawn(move || {
                    store.acquire_lock(request(
                        &format!("u{i}@box"),
                        "box",
                        std::process::id(),
                        600,
                    ))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(
        r,
        Ok(_) | Err(StateError::LockHeld(_)) | Err(StateError::Busy(_))
    )));
}

/// A connection that holds the database write lock makes acquire_lock fail
/// with Busy after the short busy timeout instead of blocking.
#[test]
fn busy_database_fails_fast() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStore::open(&path).unwrap();
    let mut other = rusqlite::Connection::open(&path).unwrap();
    let tx = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let started = Instant::now();
    let result = store.acquire_lock(me(600));
    let elapsed = started.elapsed();
    assert!(matches!(result, Err(StateError::Busy(_))), "{result:?}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    // Reads still work while another connection writes (WAL).
    assert_eq!(store.current_lock().unwrap(), None);
    drop(tx);
    store.acquire_lock(me(600)).unwrap();
}

/// Child half of `sigkilled_writer_loses_nothing_committed`, which runs it
/// in a separate process.
#[test]
#[ignore = "run as a child process by sigkilled_writer_loses_nothing_committed"]
fn sigkill_child_writer() {
    let Ok(path) = std::env::var("GITFORM_STATE_CHILD_DB") else {
        return;
    };
    let store = SqliteStore::open(std::path::Path::new(&path)).unwrap();
    let lock = store
        .acquire_lock(request("child@box", "box", std::process::id(), 600))
        .unwrap();
    println!("LOCKED {}", lock.info.id);
    let serial = store
        .begin_version(crate::fixtures::meta("apply"))
        .unwrap()
        .serial;
    for i in 0.. {
        let rec =
            crate::fixtures::record(&format!("random_id.r{i:06}"), serde_json::json!({"i": i}));
        store.put_resource(serial, &rec).unwrap();
        println!("WROTE {i}");
    }
}

/// A real process holds the lock and writes until it is SIGKILLed: every
/// write it reported survives, and its lock is taken over as a dead pid.
#[cfg(unix)]
#[test]
fn sigkilled_writer_loses_nothing_committed() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "locks::sigkill_child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("GITFORM_STATE_CHILD_DB", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child_pid = child.id();
    let mut last_written = None;
    let mut lock_id = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        // libtest may print "test ... " on the same line before our output.
        if let Some((_, id)) = line.split_once("LOCKED ") {
            lock_id = Some(id.trim().to_owned());
        }
        if let Some(n) = line.strip_prefix("WROTE ") {
            let n: u32 = n.parse().unwrap();
            last_written = Some(n);
            if n >= 300 {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
    }
    child.wait().unwrap();
    let last_written = last_written.expect("child wrote something");

    let store = SqliteStore::open(&path).unwrap();
    let resources = store.list_resources().unwrap();
    assert!(
        resources.len() > last_written as usize,
        "{} <= {last_written}",
        resources.len()
    );
    for (i, rec) in resources.iter().enumerate() {
        assert_eq!(rec.address, format!("random_id.r{i:06}"));
    }
    assert_eq!(store.current_serial().unwrap(), 1);
    // The history agrees with the current rows.
    assert_eq!(store.resources_at(1).unwrap(), resources);

    let stale = store.current_lock().unwrap().expect("lock left behind");
    assert_eq!(Some(stale.id.clone()), lock_id);
    assert_eq!(stale.pid, child_pid);
    let got = store
        .acquire_lock(request("me@box", "box", std::process::id(), 600))
        .unwrap();
    assert_eq!(got.took_over, Some(stale));
}
