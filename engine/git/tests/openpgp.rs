//! OpenPGP (GPG) commit signatures against a real repository: commits
//! signed by `git commit -S` with throwaway keys made by `gpg` in a
//! temporary GNUPGHOME.

mod support;

use gitform_git::{
    open, verify_commit, RepoOptions, SignatureFormat, SignatureStatus, TrustedKeys,
};
use std::path::Path;
use support::{git, git_gpg, Gnupg};

fn signed_commit(repo: &Path, home: &Gnupg, fpr: &str, file: &str, message: &str) -> String {
    std::fs::write(repo.join(file), "# signed\n").unwrap();
    git(repo, &["add", "-A"]);
    git_gpg(
        repo,
        home,
        &[
            "-c",
            "gpg.program=gpg",
            "-c",
            &format!("user.signingkey={fpr}"),
            "commit",
            "-q",
            "-S",
            "-m",
            message,
        ],
    );
    git(repo, &["rev-parse", "HEAD"])
}

#[test]
fn gpg_signatures_are_verified_against_trusted_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let home = Gnupg::new();
    let (alice_fpr, alice_pub) = home.key("Alice <alice@example.com>");
    let (mallory_fpr, mallory_pub) = home.key("Mallory <mallory@example.com>");

    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    git(&src, &["init", "-q", "-b", "main"]);
    let by_alice = signed_commit(&src, &home, &alice_fpr, "a.tf", "by alice");
    let by_mallory = signed_commit(&src, &home, &mallory_fpr, "b.tf", "by mallory");

    let opts = RepoOptions {
        cache_dir: tmp.path().join("cache"),
        ..RepoOptions::default()
    };
    let repo = open(src.to_str().unwrap(), &opts).unwrap();
    // The trusted list mixes comments, an SSH line and the armoured key,
    // as a trusted-keys file would.
    let trusted = TrustedKeys::parse(&format!(
        "# team keys\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMl0bmjMhFdTEXSCwDgOjXmnR4rcRkpY4v3i5jWqjD4b bob\n{alice_pub}\n"
    ))
    .unwrap();
    assert_eq!(trusted.len(), 2);

    match verify_commit(&repo, &by_alice, &trusted).unwrap() {
        SignatureStatus::Verified {
            format,
            fingerprint,
            signer,
        } => {
            assert_eq!(format, SignatureFormat::OpenPgp);
            assert_eq!(fingerprint, alice_fpr);
            assert_eq!(signer.as_deref(), Some("Alice <alice@example.com>"));
        }
        other => panic!("expected a verified signature, got {other:?}"),
    }

    // Signed by a key that is not in the list: untrusted, naming the key.
    match verify_commit(&repo, &by_mallory, &trusted).unwrap() {
        SignatureStatus::Untrusted {
            format,
            fingerprint,
        } => {
            assert_eq!(format, SignatureFormat::OpenPgp);
            let id = fingerprint.expect("the signing key is named");
            assert!(mallory_fpr.ends_with(&id), "{id} vs {mallory_fpr}");
        }
        other => panic!("expected an untrusted signature, got {other:?}"),
    }
    // Trusting Mallory too makes it verified.
    let mut both = trusted.clone();
    both.extend(TrustedKeys::parse(&mallory_pub).unwrap());
    assert!(verify_commit(&repo, &by_mallory, &both)
        .unwrap()
        .is_trusted());

    // The same signature on a commit whose message was changed afterwards.
    let object = git(&src, &["cat-file", "commit", &by_alice]);
    let forged_text = object.replace("\n\nby alice", "\n\nby alice, and more") + "\n";
    assert_ne!(forged_text.trim(), object);
    let forged_file = tmp.path().join("forged");
    std::fs::write(&forged_file, forged_text).unwrap();
    let forged = git(
        &src,
        &[
            "hash-object",
            "-t",
            "commit",
            "-w",
            forged_file.to_str().unwrap(),
        ],
    );
    match verify_commit(&repo, &forged, &trusted).unwrap() {
        SignatureStatus::Invalid { reason } => {
            assert!(reason.contains("bad OpenPGP signature"), "{reason}")
        }
        other => panic!("expected an invalid signature, got {other:?}"),
    }

    // Without GnuPG the commit is refused with the reason, never trusted.
    // (The only other test in this file runs no gpg, so changing the
    // environment here cannot disturb it.)
    std::env::set_var("GITFORM_GPGV", tmp.path().join("no-gpgv"));
    std::env::set_var("GITFORM_GPG", tmp.path().join("no-gpg"));
    let status = verify_commit(&repo, &by_alice, &trusted).unwrap();
    std::env::remove_var("GITFORM_GPGV");
    std::env::remove_var("GITFORM_GPG");
    assert!(!status.is_trusted());
    assert!(
        status
            .describe()
            .starts_with("cannot verify OpenPGP signatures: gpg not found"),
        "{}",
        status.describe()
    );
}

#[test]
fn armoured_keys_are_checked_when_parsed() {
    // A damaged key block (base64 changed) fails its checksum, on the
    // line where the block starts.
    let block = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ0AAABYJKwYBBAHaRw8BAQdA\n=AAAA\n-----END PGP PUBLIC KEY BLOCK-----\n";
    let err = TrustedKeys::parse(&format!("# a comment\n{block}")).unwrap_err();
    assert!(
        matches!(err, gitform_git::GitError::TrustedKey { line: 2, .. }),
        "{err}"
    );
    let unterminated = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ0AAABYJKwYBBAHaRw8BAQdA\n";
    assert!(TrustedKeys::parse(unterminated).is_err());
    // A signature block is not a key.
    let sig = "-----BEGIN PGP SIGNATURE-----\n\niHUEABYKAB0WIQ\n-----END PGP SIGNATURE-----\n";
    assert!(TrustedKeys::parse(sig).is_err());
}
