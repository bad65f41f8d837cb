//! [`GitError`], the one error type of the git layer.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while opening, fetching or reading a
/// repository. Messages never contain credentials: URLs are shown with any
/// `user:password@` part removed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot open the Git repository at {location}: {message}")]
    Open { location: String, message: String },

    #[error("{path} is not inside a Git repository ({message})")]
    NotARepository { path: PathBuf, message: String },

    #[error("the Git repository at {0} has no working directory (it is bare), so a path inside it cannot be found; give the repository and the path separately")]
    BareRepository(PathBuf),

    #[error("cannot prepare the repository cache {path}: {source}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("fetching {what} from {url} failed: {message}")]
    Fetch {
        url: String,
        what: String,
        message: String,
    },

    #[error("fetching {what} from {url} did not finish within {}s", .timeout.as_secs_f64())]
    FetchTimeout {
        url: String,
        what: String,
        timeout: Duration,
    },

    #[error("revision {rev:?} was not found in {location}: {message}")]
    UnknownRevision {
        rev: String,
        location: String,
        message: String,
    },

    #[error("path {path:?} escapes the repository root")]
    PathOutsideRepository { path: PathBuf },

    #[error("path {path:?} does not exist in commit {sha}")]
    PathNotFound { sha: String, path: PathBuf },

    #[error("invalid trusted key on line {line}: {message}")]
    TrustedKey { line: usize, message: String },

    #[error("cannot read trusted keys from {path}: {source}")]
    TrustedKeysFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Git error: {0}")]
    Git(String),
}

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> Self {
        GitError::Git(e.message().to_string())
    }
}
