//! A GnuPG that never answers does not hold the signature check forever:
//! it is killed after the timeout and the commit is refused with a reason
//! that says so. (Its own test binary: it sets process-wide environment
//! variables, `GITFORM_GPGV` and `GITFORM_GPG_TIMEOUT`.)

mod support;

use gitform_git::{open, verify_commit, RepoOptions, SignatureStatus, TrustedKeys};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use support::{git, Gnupg};

/// A commit object carrying an OpenPGP signature header (its content
/// does not matter: the fake gpgv never reads it).
fn commit_with_pgp_signature(repo: &Path) -> String {
    std::fs::write(repo.join("main.tf"), "# signed\n").unwrap();
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "unsigned"]);
    let object = git(repo, &["cat-file", "commit", "HEAD"]);
    let (headers, message) = object.split_once("\n\n").unwrap();
    let signed = format!(
        "{headers}\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iHUEABYKAB0WIQQAAAAAAAAAAAAAAAAAAAAAAAAAAAUCAAAAAAAKCRAAAAAAAAAAAA==\n =AAAA\n -----END PGP SIGNATURE-----\n\n{message}\n"
    );
    let file = repo.join("signed-object");
    std::fs::write(&file, signed).unwrap();
    git(
        repo,
        &["hash-object", "-t", "commit", "-w", file.to_str().unwrap()],
    )
}

fn alive(pid: &str) -> bool {
    Command::new("kill")
        .args(["-0", pid])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_gpgv_that_never_answers_is_killed_and_the_commit_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let gnupg = Gnupg::new();
    let (_, public) = gnupg.key("Release <release@example.com>");
    let trusted = TrustedKeys::parse(&public).unwrap();

    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    git(&src, &["init", "-q", "-b", "main"]);
    let sha = commit_with_pgp_signature(&src);

    // A gpgv that records its pid and sleeps far longer than the timeout.
    let pid_file = tmp.path().join("gpgv.pid");
    let fake = tmp.path().join("gpgv");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 120\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var("GITFORM_GPGV", &fake);
    std::env::set_var("GITFORM_GPG_TIMEOUT", "0.5");

    let opts = RepoOptions {
        cache_dir: tmp.path().join("cache"),
        ..RepoOptions::default()
    };
    let repo = open(src.to_str().unwrap(), &opts).unwrap();
    let status = verify_commit(&repo, &sha, &trusted).unwrap();
    assert!(!status.is_trusted());
    match &status {
        SignatureStatus::Unsupported { reason, .. } => assert!(
            reason.starts_with(&format!(
                "{} did not finish within 0.5s and was stopped",
                fake.display()
            )),
            "{reason}"
        ),
        other => panic!("expected the check to give up, got {other:?}"),
    }
    assert!(
        status
            .describe()
            .starts_with("cannot verify OpenPGP signatures: "),
        "{}",
        status.describe()
    );
    // The fake gpgv started, and is gone: killed, not left sleeping.
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(!alive(pid.trim()), "gpgv {pid} is still running");
}
