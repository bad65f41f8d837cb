//! Opening repositories (in place, or as bare mirrors of remotes), fetching
//! with a timeout, and resolving revisions to commits.
//!
//! Fetch timeouts: each fetch has its own deadline (`RepoOptions::fetch_timeout`,
//! the agent's per-environment `fetch_timeout`), enforced by waiting for
//! the fetching thread no longer than that. libgit2's socket timeouts are
//! process-wide; while fetches run they are set to the largest timeout
//! among them, so they never cut a fetch short (see `NetworkTimeouts`).

use crate::credentials::{credential, Attempts, Credentials};
use crate::error::GitError;
use crate::location::{mirror_dir_name, parse_location, redact_url, Location};
use crate::reader::CommitReader;
use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How to open a repository.
#[derive(Debug, Clone)]
pub struct RepoOptions {
    /// Where mirrors of remote repositories are kept (one bare repository per URL).
    pub cache_dir: PathBuf,
    pub credentials: Credentials,
    /// Longest a fetch may take, connection included.
    pub fetch_timeout: Duration,
}

impl Default for RepoOptions {
    fn default() -> Self {
        RepoOptions {
            cache_dir: PathBuf::from(".gitform/git-cache"),
            credentials: Credentials::from_env(),
            fetch_timeout: Duration::from_secs(60),
        }
    }
}

/// One commit, as recorded with state versions and runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hex SHA.
    pub sha: String,
    pub author: String,
    pub email: String,
    /// The whole commit message.
    pub message: String,
    /// Author time, RFC 3339 with the author's offset (`2026-11-22T16:15:00+01:00`).
    pub time: String,
    /// Author time, unix seconds.
    pub timestamp: i64,
}

impl CommitInfo {
    /// The first 12 hex digits of the SHA.
    pub fn short_sha(&self) -> &str {
        self.sha.get(..12).unwrap_or(&self.sha)
    }

    /// The first line of the message.
    pub fn summary(&self) -> &str {
        self.message.lines().next().unwrap_or_default()
    }
}

/// An open repository: a local one in place, or the bare mirror of a remote.
pub struct Repo {
    git: git2::Repository,
    /// The location as given, with credentials removed (for messages).
    location: String,
    /// The remote URL of a mirror; `None` for a local repository.
    url: Option<String>,
    credentials: Credentials,
    fetch_timeout: Duration,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("location", &self.location)
            .field("path", &self.git.path())
            .finish()
    }
}

/// Opens the repository at `location`: a local path is opened in place
/// (working copy or bare); a `file://`, `https://`, `ssh://` or scp-like URL
/// is mirrored into `opts.cache_dir` (cloned the first time, reused after;
/// call [`Repo::fetch`] to update it).
pub fn open(location: &str, opts: &RepoOptions) -> Result<Repo, GitError> {
    match parse_location(location) {
        Location::Local(path) => {
            let git = git2::Repository::open(&path).map_err(|e| GitError::Open {
                location: path.display().to_string(),
                message: e.message().to_string(),
            })?;
            Ok(Repo {
                git,
                location: path.display().to_string(),
                url: None,
                credentials: opts.credentials.clone(),
                fetch_timeout: opts.fetch_timeout,
            })
        }
        Location::Remote(url) => open_mirror(&url, opts),
    }
}

fn open_mirror(url: &str, opts: &RepoOptions) -> Result<Repo, GitError> {
    let dir = opts.cache_dir.join(mirror_dir_name(url));
    let shown = redact_url(url);
    let guard = mirror_lock(&mirror_key(&dir));
    let _held = guard.lock().unwrap_or_else(|e| e.into_inner());
    let exists = dir.join("HEAD").exists();
    let git = if exists {
        git2::Repository::open_bare(&dir)
    } else {
        std::fs::create_dir_all(&opts.cache_dir).map_err(|source| GitError::Cache {
            path: opts.cache_dir.clone(),
            source,
        })?;
        git2::Repository::init_bare(&dir)
    }
    .map_err(|e| GitError::Open {
        location: dir.display().to_string(),
        message: e.message().to_string(),
    })?;
    // A mirror whose first fetch failed has no branches yet: fetch again.
    let fresh = git
        .references_glob("refs/heads/*")
        .map(|mut refs| refs.next().is_none())
        .unwrap_or(true);
    drop(_held);
    let repo = Repo {
        git,
        location: shown,
        url: Some(url.to_string()),
        credentials: opts.credentials.clone(),
        fetch_timeout: opts.fetch_timeout,
    };
    if fresh {
        repo.fetch_all()?;
    }
    Ok(repo)
}

/// The key of a mirror directory in [`mirror_lock`]: its canonical path
/// when it exists (so `cache/x.git` and `./cache/x.git/` agree).
fn mirror_key(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| gitform_config::source::normalize(dir))
}

/// One mutex per mirror directory, so two environments tracking the same
/// URL in one process do not fetch into it at once.
fn mirror_lock(dir: &Path) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let locks = LOCKS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = locks.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(dir.to_path_buf()).or_default().clone()
}

/// Finds the repository around `dir` (a working copy) and returns it with
/// `dir`'s path inside it (empty for the top level).
pub fn discover(dir: &Path) -> Result<(Repo, PathBuf), GitError> {
    let git = git2::Repository::discover(dir).map_err(|e| GitError::NotARepository {
        path: dir.to_path_buf(),
        message: e.message().to_string(),
    })?;
    let Some(workdir) = git.workdir() else {
        return Err(GitError::BareRepository(git.path().to_path_buf()));
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let workdir = canon(workdir);
    let inside = canon(dir)
        .strip_prefix(&workdir)
        .map(Path::to_path_buf)
        .map_err(|_| GitError::NotARepository {
            path: dir.to_path_buf(),
            message: format!("it is outside the working copy {}", workdir.display()),
        })?;
    let repo = Repo {
        git,
        location: workdir.display().to_string(),
        url: None,
        credentials: Credentials::default(),
        fetch_timeout: RepoOptions::default().fetch_timeout,
    };
    Ok((repo, inside))
}

/// The timeouts of the fetches running in this process, for libgit2's
/// socket timeouts (see [`NetworkTimeouts`]).
static IN_FLIGHT: Mutex<Vec<Duration>> = Mutex::new(Vec::new());

/// libgit2's connect and read timeouts are process-wide options, read when
/// a connection is made. They are not what bounds a fetch: each fetch's
/// own deadline is enforced by [`Repo::fetch_refspecs`], which stops
/// waiting for the fetching thread at that deadline. The socket timeouts
/// only make sure such a thread ends after a silent server gave up on it.
/// While fetches run, this registration keeps them at the LARGEST timeout
/// among the fetches in flight, so that no fetch has its connection cut
/// before its own deadline by a neighbour's shorter timeout (the old
/// behaviour, first caller wins for the whole process, cut a 60 s fetch
/// after the 5 s of an environment that fetched first).
struct NetworkTimeouts {
    timeout: Duration,
}

impl NetworkTimeouts {
    fn register(timeout: Duration) -> NetworkTimeouts {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        in_flight.push(timeout);
        apply_network_timeout(&in_flight);
        NetworkTimeouts { timeout }
    }
}

impl Drop for NetworkTimeouts {
    fn drop(&mut self) {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = in_flight.iter().position(|t| *t == self.timeout) {
            in_flight.swap_remove(i);
        }
        apply_network_timeout(&in_flight);
    }
}

/// Sets libgit2's options to the largest of `in_flight` (called with the
/// [`IN_FLIGHT`] lock held, so two fetches never set them at once).
fn apply_network_timeout(in_flight: &[Duration]) {
    let Some(largest) = in_flight.iter().max() else {
        return;
    };
    let ms = i32::try_from(largest.as_millis())
        .unwrap_or(i32::MAX)
        .max(1);
    #[allow(unsafe_code)]
    // SAFETY: these store an integer in libgit2's global options; every
    // caller holds the IN_FLIGHT lock, so they are never set concurrently,
    // and libgit2 only reads them when it opens a connection.
    unsafe {
        let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
        let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
    }
}

/// How a fetch on the fetching thread ended.
enum Fetched {
    Done,
    TimedOut,
    Failed(String),
}

/// Fetches `specs` from `url` into the repository at `path`, on the
/// calling thread, holding the mirror's lock. Stops at `deadline`, or when
/// `abandoned` is set, as soon as libgit2 calls back.
fn fetch_into(
    path: &Path,
    url: &str,
    specs: &[String],
    credentials: &Credentials,
    timeout: Duration,
    deadline: Instant,
    abandoned: &AtomicBool,
) -> Fetched {
    let lock = mirror_lock(&mirror_key(path));
    let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
    if Instant::now() >= deadline || abandoned.load(Ordering::SeqCst) {
        return Fetched::TimedOut;
    }
    let git = match git2::Repository::open_bare(path) {
        Ok(g) => g,
        Err(e) => return Fetched::Failed(e.message().to_string()),
    };
    let _timeouts = NetworkTimeouts::register(timeout);
    let timed_out = Cell::new(false);
    let attempts = std::cell::RefCell::new(Attempts::default());
    let mut callbacks = git2::RemoteCallbacks::new();
    let check = || {
        if Instant::now() >= deadline || abandoned.load(Ordering::SeqCst) {
            timed_out.set(true);
            false
        } else {
            true
        }
    };
    callbacks.credentials(|_url, user, allowed| {
        credential(credentials, &mut attempts.borrow_mut(), user, allowed)
    });
    callbacks.transfer_progress(|_| check());
    callbacks.sideband_progress(|_| check());
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(callbacks);
    fetch.download_tags(git2::AutotagOption::None);
    let result = git
        .remote_anonymous(url)
        .and_then(|mut remote| remote.fetch(specs, Some(&mut fetch), None));
    drop(fetch);
    match result {
        Ok(()) => Fetched::Done,
        Err(_) if timed_out.get() || Instant::now() >= deadline => Fetched::TimedOut,
        Err(e) => Fetched::Failed(e.message().to_string()),
    }
}

impl Repo {
    /// The repository's git directory (`.git` of a working copy, or the
    /// bare mirror). [`open`] on this path reopens the same repository.
    pub fn path(&self) -> &Path {
        self.git.path()
    }

    /// The location as given, without credentials.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Whether this is the cached mirror of a remote.
    pub fn is_mirror(&self) -> bool {
        self.url.is_some()
    }

    /// Updates `branch` from the remote (a no-op for a local repository)
    /// and returns the commit it points to. Fails with
    /// [`GitError::FetchTimeout`] after the fetch timeout.
    pub fn fetch(&self, branch: &str) -> Result<CommitInfo, GitError> {
        if self.url.is_some() {
            let spec = format!("+refs/heads/{branch}:refs/heads/{branch}");
            self.fetch_refspecs(&[spec.as_str()], &format!("branch {branch:?}"))?;
        }
        self.resolve(&format!("refs/heads/{branch}"))
            .or_else(|_| self.resolve(branch))
    }

    /// Updates every branch and tag from the remote (a no-op for a local repository).
    pub fn fetch_all(&self) -> Result<(), GitError> {
        if self.url.is_none() {
            return Ok(());
        }
        self.fetch_refspecs(
            &["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
            "all branches",
        )
    }

    /// Fetches `specs` into the mirror within the fetch timeout. The fetch
    /// runs on a thread of its own, so the deadline holds even while
    /// libgit2 waits on a silent server: at the deadline this returns
    /// [`GitError::FetchTimeout`], and the thread stops at libgit2's next
    /// callback or socket timeout, holding the mirror's lock until then (so
    /// a later fetch of the same mirror waits for it, within its own
    /// deadline).
    fn fetch_refspecs(&self, specs: &[&str], what: &str) -> Result<(), GitError> {
        let Some(url) = &self.url else {
            return Ok(());
        };
        let shown = redact_url(url);
        let timeout = self.fetch_timeout;
        let deadline = Instant::now() + timeout;
        let abandoned = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = {
            let path = self.git.path().to_path_buf();
            let url = url.clone();
            let specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
            let credentials = self.credentials.clone();
            let abandoned = abandoned.clone();
            std::thread::Builder::new()
                .name("git-fetch".into())
                .spawn(move || {
                    let fetched = fetch_into(
                        &path,
                        &url,
                        &specs,
                        &credentials,
                        timeout,
                        deadline,
                        &abandoned,
                    );
                    let _ = tx.send(fetched);
                })
        };
        let failed = |message: String| GitError::Fetch {
            url: shown.clone(),
            what: what.to_string(),
            message,
        };
        let timed_out = || GitError::FetchTimeout {
            url: shown.clone(),
            what: what.to_string(),
            timeout,
        };
        if let Err(e) = spawned {
            return Err(failed(format!("could not start a thread: {e}")));
        }
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Fetched::Done) => Ok(()),
            Ok(Fetched::TimedOut) => Err(timed_out()),
            Ok(Fetched::Failed(message)) => Err(failed(message)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                abandoned.store(true, Ordering::SeqCst);
                Err(timed_out())
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(failed("the fetching thread stopped".into()))
            }
        }
    }

    /// The commit a revision names: a full or short SHA, a branch, a tag,
    /// or any `git rev-parse` expression (`main~1`, `v1.2^{commit}`).
    pub fn resolve(&self, rev: &str) -> Result<CommitInfo, GitError> {
        let commit = self
            .git
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| GitError::UnknownRevision {
                rev: rev.to_string(),
                location: self.location.clone(),
                message: e.message().to_string(),
            })?;
        Ok(commit_info(&commit))
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        let a = self.oid(ancestor)?;
        let d = self.oid(descendant)?;
        Ok(a == d || self.git.graph_descendant_of(d, a)?)
    }

    fn oid(&self, rev: &str) -> Result<git2::Oid, GitError> {
        self.git
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| GitError::UnknownRevision {
                rev: rev.to_string(),
                location: self.location.clone(),
                message: e.message().to_string(),
            })
    }

    /// A reader of the files of commit `rev`, rooted at `path` inside the
    /// repository (the module directory): the loader's `.` is `path`, and a
    /// local module `../shared` resolves inside the same commit.
    pub fn reader(&self, rev: &str, path: &Path) -> Result<CommitReader, GitError> {
        let commit = self
            .git
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| GitError::UnknownRevision {
                rev: rev.to_string(),
                location: self.location.clone(),
                message: e.message().to_string(),
            })?;
        let git = git2::Repository::open(self.git.path())?;
        CommitReader::new(git, commit.id(), commit.tree_id(), path)
    }

    /// The raw `git2` repository, for callers that need more.
    pub fn git(&self) -> &git2::Repository {
        &self.git
    }
}

pub(crate) fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    let when = author.when();
    CommitInfo {
        sha: commit.id().to_string(),
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        message: String::from_utf8_lossy(commit.message_bytes())
            .trim_end()
            .to_string(),
        time: rfc3339(when.seconds(), when.offset_minutes()),
        timestamp: when.seconds(),
    }
}

/// `seconds` since the epoch in a fixed offset, as RFC 3339.
fn rfc3339(seconds: i64, offset_minutes: i32) -> String {
    let offset = jiff::tz::Offset::from_seconds(offset_minutes.saturating_mul(60))
        .unwrap_or(jiff::tz::Offset::UTC);
    match jiff::Timestamp::from_second(seconds) {
        Ok(ts) => ts
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => seconds.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn commit_times() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(rfc3339(1_800_000_000, 60), "2027-01-15T09:00:00+01:00");
        assert_eq!(rfc3339(1_800_000_000, -330), "2027-01-15T02:30:00-05:30");
    }
}
