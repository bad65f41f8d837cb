//! A fetch from a server that accepts the connection and then says nothing
//! ends with `FetchTimeout` instead of hanging. (Its own test binary: the
//! network timeout is a process-wide libgit2 setting.)

use gitform_git::{open, Credentials, GitError, RepoOptions};
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn a_silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().unwrap().port();
    // Accept connections and read what the client sends, never answering;
    // the thread ends with the test process.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(4).flatten() {
            let mut s = stream;
            let mut buf = [0u8; 4096];
            let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
            let _ = s.read(&mut buf);
            held.push(s);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let cache = tempfile::tempdir().unwrap();
    let opts = RepoOptions {
        cache_dir: cache.path().to_path_buf(),
        credentials: Credentials::default(),
        fetch_timeout: Duration::from_secs(2),
    };
    let url = format!("http://127.0.0.1:{port}/infra.git");
    match open(&url, &opts) {
        Err(GitError::FetchTimeout { url: shown, .. }) => assert_eq!(shown, url),
        other => panic!("expected a fetch timeout, got {other:?}"),
    }
}
