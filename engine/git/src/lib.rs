//! Git as the source of gitform configurations.
//!
//! - [`open`] a repository from a local path (in place) or a `file://`,
//!   `https://`, `ssh://` or scp-like URL (mirrored, bare, into a cache
//!   directory); [`discover`] the one around a working directory.
//! - [`Repo::fetch`] a branch with a timeout, [`Repo::resolve`] any revision
//!   to a [`CommitInfo`].
//! - [`Repo::reader`] gives a [`CommitReader`], the configuration loader's
//!   `SourceReader` over one commit's tree: no checkout, and local modules
//!   resolve inside the same commit.
//! - [`verify_commit`] checks a commit's signature against [`TrustedKeys`].
//!
//! Credentials ([`Credentials`]) come from the environment, an ssh-agent or
//! a key file, and never appear in errors or `Debug` output.

mod credentials;
mod error;
mod location;
mod openpgp;
mod reader;
mod repo;
mod signature;

pub use credentials::Credentials;
pub use error::GitError;
pub use location::{parse_location, redact_url, Location};
pub use reader::{CommitFiles, CommitReader};
pub use repo::{discover, open, CommitInfo, Repo, RepoOptions};
pub use signature::{verify_commit, verify_payload, SignatureFormat, SignatureStatus, TrustedKeys};
