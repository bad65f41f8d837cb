//! The git layer against real repositories built with the `git` CLI.

mod support;

use gitform_config::SourceReader;
use gitform_git::{
    discover, open, verify_commit, Credentials, GitError, RepoOptions, SignatureFormat,
    SignatureStatus, TrustedKeys,
};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{git, ssh_keygen, write};

/// A repository with `infra/main.tf` calling `../shared`, two commits.
fn sample_repo(root: &Path) -> (PathBuf, String, String) {
    let repo = root.join("src");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    write(
        &repo,
        "infra/main.tf",
        "module \"shared\" {\n  source = \"../shared\"\n}\n",
    );
    write(&repo, "shared/main.tf", "output \"v\" {\n  value = 1\n}\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "first\n\nbody"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    write(&repo, "shared/main.tf", "output \"v\" {\n  value = 2\n}\n");
    git(&repo, &["commit", "-q", "-am", "second"]);
    let second = git(&repo, &["rev-parse", "HEAD"]);
    (repo, first, second)
}

fn options(root: &Path) -> RepoOptions {
    RepoOptions {
        cache_dir: root.join("cache"),
        credentials: Credentials::default(),
        fetch_timeout: Duration::from_secs(30),
    }
}

#[test]
fn resolves_revisions_to_commit_info() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, first, second) = sample_repo(tmp.path());
    let repo = open(src.to_str().unwrap(), &options(tmp.path())).unwrap();
    assert!(!repo.is_mirror());
    for (rev, sha) in [
        ("main", &second),
        ("HEAD~1", &first),
        (&first[..8], &first),
        (second.as_str(), &second),
    ] {
        assert_eq!(&repo.resolve(rev).unwrap().sha, sha, "{rev}");
    }
    let info = repo.resolve(&first).unwrap();
    assert_eq!(
        (
            info.author.as_str(),
            info.email.as_str(),
            info.message.as_str(),
            info.summary(),
            info.time.as_str(),
        ),
        (
            "Ann Author",
            "ann@example.com",
            "first\n\nbody",
            "first",
            "2026-11-22T10:00:00+01:00"
        )
    );
    assert_eq!(info.short_sha().len(), 12);
    assert!(matches!(
        repo.resolve("no-such-branch"),
        Err(GitError::UnknownRevision { .. })
    ));
    assert!(repo.is_ancestor(&first, &second).unwrap());
    assert!(!repo.is_ancestor(&second, &first).unwrap());
}

#[test]
fn reader_reads_the_commit_not_the_working_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, first, _) = sample_repo(tmp.path());
    // An uncommitted edit must not be seen.
    write(&src, "shared/main.tf", "output \"v\" {\n  value = 99\n}\n");
    let repo = open(src.to_str().unwrap(), &options(tmp.path())).unwrap();
    let reader = repo.reader(&first, Path::new("infra")).unwrap();
    assert_eq!(reader.list_files(Path::new(".")).unwrap(), ["main.tf"]);
    assert_eq!(
        String::from_utf8(reader.read_file(Path::new("../shared/main.tf")).unwrap()).unwrap(),
        "output \"v\" {\n  value = 1\n}\n"
    );
    // The loader resolves the local module inside the same commit.
    let (module, diags) = gitform_config::load_module_with(&reader, Path::new("."));
    assert!(!diags.has_errors(), "{diags:?}");
    let child = module.children.values().next().expect("child module");
    assert!(child.files[0].text.contains("value = 1"));
    // Mounted: an absolute directory stands for the module directory.
    let mounted = repo
        .reader(&first, Path::new("infra"))
        .unwrap()
        .mounted_at(Path::new("/srv/envs/prod"));
    assert_eq!(
        mounted.list_files(Path::new("/srv/envs/prod")).unwrap(),
        ["main.tf"]
    );
    assert!(mounted
        .read_file(Path::new("/srv/envs/shared/main.tf"))
        .is_ok());
    // Nothing outside the repository, nothing that is not there.
    for bad in ["../../etc/passwd", "nope.tf", "../shared/none.tf"] {
        let err = reader.read_file(Path::new(bad)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{bad}: {err}");
    }
    assert!(matches!(
        repo.reader(&first, Path::new("missing")),
        Err(GitError::PathNotFound { .. })
    ));
}

#[test]
fn symlinks_in_a_commit_are_followed_inside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, _, _) = sample_repo(tmp.path());
    std::os::unix::fs::symlink("../shared/main.tf", src.join("infra/linked.tf")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", src.join("infra/abs.tf")).unwrap();
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-q", "-m", "links"]);
    let repo = open(src.to_str().unwrap(), &options(tmp.path())).unwrap();
    let reader = repo.reader("HEAD", Path::new("infra")).unwrap();
    let mut names = reader.list_files(Path::new("")).unwrap();
    names.sort();
    assert_eq!(names, ["linked.tf", "main.tf"]);
    assert!(
        String::from_utf8(reader.read_file(Path::new("linked.tf")).unwrap())
            .unwrap()
            .contains("value = 2")
    );
    assert!(reader.read_file(Path::new("abs.tf")).is_err());
}

#[test]
fn file_urls_are_mirrored_and_fetched() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, _, second) = sample_repo(tmp.path());
    let url = format!("file://{}", src.display());
    let opts = options(tmp.path());
    let mirror = open(&url, &opts).unwrap();
    assert!(mirror.is_mirror());
    assert!(mirror.path().starts_with(tmp.path().join("cache")));
    assert_eq!(mirror.resolve("main").unwrap().sha, second);

    write(&src, "infra/extra.tf", "locals {\n  x = 1\n}\n");
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-q", "-m", "third"]);
    let third = git(&src, &["rev-parse", "HEAD"]);
    // Not seen until fetched; then seen, also by a second open of the cache.
    assert_eq!(mirror.resolve("main").unwrap().sha, second);
    assert_eq!(mirror.fetch("main").unwrap().sha, third);
    let again = open(&url, &opts).unwrap();
    assert_eq!(again.path(), mirror.path());
    assert_eq!(again.resolve("main").unwrap().sha, third);
    let reader = again.reader(&third, Path::new("infra")).unwrap();
    assert!(reader.read_file(Path::new("extra.tf")).is_ok());
    // Reopening the mirror's own path gives the same repository.
    let by_path = open(mirror.path().to_str().unwrap(), &opts).unwrap();
    assert_eq!(by_path.resolve(&third).unwrap().sha, third);

    // The remote goes away: fetch fails with an error, and what was
    // fetched stays readable.
    std::fs::rename(&src, tmp.path().join("gone")).unwrap();
    assert!(matches!(mirror.fetch("main"), Err(GitError::Fetch { .. })));
    assert_eq!(mirror.resolve("main").unwrap().sha, third);
    assert!(matches!(
        mirror.fetch("no-such-branch"),
        Err(GitError::Fetch { .. })
    ));
}

#[test]
fn unreachable_sources_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = options(tmp.path());
    let missing = format!("file://{}/nothing", tmp.path().display());
    assert!(matches!(open(&missing, &opts), Err(GitError::Fetch { .. })));
    // The half-made mirror is not mistaken for a fetched one.
    assert!(matches!(open(&missing, &opts), Err(GitError::Fetch { .. })));
    assert!(matches!(
        open(tmp.path().join("nothing").to_str().unwrap(), &opts),
        Err(GitError::Open { .. })
    ));
}

#[test]
fn discover_finds_the_path_inside_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, _, second) = sample_repo(tmp.path());
    let (repo, inside) = discover(&src.join("infra")).unwrap();
    assert_eq!(inside, PathBuf::from("infra"));
    assert_eq!(repo.resolve("HEAD").unwrap().sha, second);
    let (_, top) = discover(&src).unwrap();
    assert_eq!(top, PathBuf::new());
    assert!(matches!(
        discover(tmp.path()),
        Err(GitError::NotARepository { .. })
    ));
}

#[test]
fn ssh_signatures_are_verified_against_trusted_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, unsigned, _) = sample_repo(tmp.path());
    let (key, public) = ssh_keygen(tmp.path(), "alice");
    let (_, stranger) = ssh_keygen(tmp.path(), "mallory");
    write(&src, "infra/signed.tf", "");
    git(&src, &["add", "-A"]);
    git(
        &src,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={}", key.display()),
            "commit",
            "-q",
            "-S",
            "-m",
            "signed",
        ],
    );
    let signed = git(&src, &["rev-parse", "HEAD"]);
    let repo = open(src.to_str().unwrap(), &options(tmp.path())).unwrap();

    let trusted = TrustedKeys::parse(&format!("# team\nalice@example.com {public}")).unwrap();
    let only_stranger = TrustedKeys::parse(&stranger).unwrap();
    match verify_commit(&repo, &signed, &trusted).unwrap() {
        SignatureStatus::Verified {
            format,
            fingerprint,
            signer,
        } => {
            assert_eq!(format, SignatureFormat::Ssh);
            assert!(fingerprint.starts_with("SHA256:"), "{fingerprint}");
            assert_eq!(signer.as_deref(), Some("alice@example.com"));
        }
        other => panic!("expected a verified signature, got {other:?}"),
    }
    assert!(matches!(
        verify_commit(&repo, &signed, &only_stranger).unwrap(),
        SignatureStatus::Untrusted { .. }
    ));
    assert_eq!(
        verify_commit(&repo, &unsigned, &trusted).unwrap(),
        SignatureStatus::Unsigned
    );
    assert!(!SignatureStatus::Unsigned.is_trusted());

    // A commit whose content was changed after signing (same signature,
    // different message) is invalid, not trusted.
    let object = git(&src, &["cat-file", "commit", &signed]);
    let forged_text = object.replace("\n\nsigned", "\n\nnot what was signed") + "\n";
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
    assert!(matches!(
        verify_commit(&repo, &forged, &trusted).unwrap(),
        SignatureStatus::Invalid { .. }
    ));
}

#[test]
fn trusted_key_files_are_checked() {
    let bad = TrustedKeys::parse("alice@example.com not-a-key\n");
    assert!(matches!(bad, Err(GitError::TrustedKey { line: 1, .. })));
    let broken = TrustedKeys::parse("\n\nssh-ed25519 AAAAnotbase64\n");
    assert!(matches!(broken, Err(GitError::TrustedKey { line: 3, .. })));
    assert!(TrustedKeys::parse("# nothing\n\n").unwrap().is_empty());
}
