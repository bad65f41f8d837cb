//! A fetch from a server that accepts the connection and then says nothing
//! ends with `FetchTimeout` after ITS OWN timeout, whatever other fetches
//! of the process use: libgit2's socket timeouts are process-wide, and
//! used to be set once by the first fetch. (Its own test binary, so that
//! no other test's fetch shares those settings.)

use gitform_git::{open, Credentials, GitError, RepoOptions};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

/// A loopback server that accepts connections and reads what the client
/// sends, never answering; its thread ends with the test process.
fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(32).flatten() {
            let mut s = stream;
            let mut buf = [0u8; 4096];
            let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
            let _ = s.read(&mut buf);
            held.push(s);
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    format!("http://127.0.0.1:{port}/infra.git")
}

/// Opens (first fetch) a mirror of `url` in a cache of its own, with
/// `timeout`; returns the timeout the error reports and how long it took.
fn open_with(url: &str, cache: &Path, timeout: Duration) -> (Duration, Duration) {
    let opts = RepoOptions {
        cache_dir: cache.to_path_buf(),
        credentials: Credentials::default(),
        fetch_timeout: timeout,
    };
    let started = Instant::now();
    match open(url, &opts) {
        Err(GitError::FetchTimeout {
            url: shown,
            timeout,
            ..
        }) => {
            assert_eq!(shown, url);
            (timeout, started.elapsed())
        }
        other => panic!("expected a fetch timeout, got {other:?}"),
    }
}

#[test]
fn each_fetch_times_out_after_its_own_timeout() {
    let url = silent_server();
    let tmp = tempfile::tempdir().unwrap();
    let short = Duration::from_secs(1);
    let long = Duration::from_secs(3);

    // One after the other: the second fetch, with the longer timeout, is
    // not cut at the first one's.
    let (reported, _) = open_with(&url, &tmp.path().join("a"), short);
    assert_eq!(reported, short);
    let (reported, took) = open_with(&url, &tmp.path().join("b"), long);
    assert_eq!(reported, long);
    assert!(took >= long, "gave up after {took:?}, before its {long:?}");

    // At the same time: each ends at its own deadline, the short one first.
    let (a, b) = (tmp.path().join("c"), tmp.path().join("d"));
    let (short_end, long_end) = std::thread::scope(|s| {
        let long_fetch = s.spawn(|| {
            let r = open_with(&url, &b, long);
            (r, Instant::now())
        });
        let short_fetch = s.spawn(|| {
            let r = open_with(&url, &a, short);
            (r, Instant::now())
        });
        (short_fetch.join().unwrap(), long_fetch.join().unwrap())
    });
    assert_eq!(short_end.0 .0, short);
    assert_eq!(long_end.0 .0, long);
    assert!(
        long_end.0 .1 >= long,
        "the long fetch gave up after {:?}",
        long_end.0 .1
    );
    assert!(short_end.1 < long_end.1, "the short fetch ended last");
}
