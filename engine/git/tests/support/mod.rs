//! What the git tests share: `git` with a fixed identity, files, and
//! throwaway SSH and OpenPGP keys. The git layer's test binaries include
//! it with `mod support;`, the binary's end-to-end git tests (tests/e2e_git*.rs)
//! with `#[path = "../engine/git/tests/support/mod.rs"] mod git_support;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`; fails the test with its stderr unless it succeeds. Returns
/// its trimmed stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `git` in `dir` with a fixed identity and dates, and no user or system
/// configuration.
pub fn git(dir: &Path, args: &[&str]) -> String {
    run(&mut git_command(dir, args))
}

/// As [`git`], with `gnupg` as GNUPGHOME (for `commit -S` with a GPG key).
pub fn git_gpg(dir: &Path, gnupg: &Gnupg, args: &[&str]) -> String {
    run(git_command(dir, args).env("GNUPGHOME", &gnupg.home))
}

fn git_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Ann Author")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann Author")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-22T10:00:00+01:00")
        .env("GIT_COMMITTER_DATE", "2026-11-22T10:00:00+01:00");
    cmd
}

/// Writes `text` to `dir/name`, making the directories on the way.
pub fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Copies the directory `from` into `to` (made if needed), recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A new ed25519 SSH key `dir/name` (no passphrase): its path and public line.
pub fn ssh_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public)
}

/// A temporary GNUPGHOME whose gpg-agent is stopped on drop.
pub struct Gnupg {
    _tmp: tempfile::TempDir,
    pub home: PathBuf,
}

impl Gnupg {
    pub fn new() -> Gnupg {
        // Short: gpg-agent's socket path must fit in a sockaddr.
        let tmp = tempfile::Builder::new().prefix("gpg").tempdir().unwrap();
        let home = tmp.path().join("h");
        std::fs::create_dir(&home).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        Gnupg { _tmp: tmp, home }
    }

    pub fn gpg(&self, args: &[&str]) -> String {
        run(Command::new("gpg")
            .env("GNUPGHOME", &self.home)
            .args(["--batch", "--no-tty"])
            .args(args))
    }

    /// A new signing key for `uid`: its fingerprint and armoured public key.
    pub fn key(&self, uid: &str) -> (String, String) {
        self.gpg(&[
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "never",
        ]);
        let listing = self.gpg(&["--with-colons", "--list-keys", uid]);
        let fpr = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|l| l.trim_matches(':').to_string())
            .expect("a fingerprint");
        let public = self.gpg(&["--armor", "--export", &fpr]);
        (fpr, public)
    }
}

impl Drop for Gnupg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "gpg-agent"])
            .output();
    }
}
