//! End-to-end: what `-rev` reads comes from the commit, all of it. The
//! file functions (`file`, `templatefile`, `fileset`, `fileexists`,
//! `filemd5`, in the root and in a child module) see the committed files
//! while the working tree holds others; a committed `terraform.tfvars` is
//! named by its own path in diagnostics; and `rollback -trusted-keys`
//! accepts OpenPGP (GPG) keys: a commit signed by a trusted GPG key is
//! applied, one signed by another key is refused. Real repositories made
//! with the `git` CLI, real GPG keys made with `gpg`, the real binary.

mod cli_support;
#[path = "../engine/git/tests/support/mod.rs"]
mod git_support;

use cli_support::{fixture, gitform, open_state, Run};
use git_support::{copy_tree, git, git_gpg, Gnupg};
use gitform_state::{RunFilter, StateStore};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A repository holding fixture `git/<version>` in one commit.
fn repo_with(version: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join(".gitignore"), ".gitform/\nout/\n").unwrap();
    copy_tree(&fixture("git").join(version), &root);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", version]);
    (tmp, root)
}

fn ok(run: Run) -> Run {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run
}

fn outputs(infra: &Path) -> serde_json::Value {
    let out = ok(gitform(infra, &["output", "-json"], ""));
    let all: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut values = serde_json::Map::new();
    for (k, v) in all.as_object().unwrap() {
        values.insert(k.clone(), v["value"].clone());
    }
    serde_json::Value::Object(values)
}

#[test]
fn file_functions_under_rev_read_the_commit() {
    let (_tmp, root) = repo_with("files");
    let infra = root.join("infra");
    // The working tree now differs from the commit in every file read.
    std::fs::write(infra.join("motd.txt"), "working tree motd\n").unwrap();
    std::fs::write(infra.join("greeting.tpl"), "Changed ${name}\n").unwrap();
    std::fs::write(infra.join("extra.txt"), "only on disk\n").unwrap();
    std::fs::write(infra.join("conf/c.json"), "{}\n").unwrap();
    std::fs::write(root.join("modules/notes/note.txt"), "working tree note\n").unwrap();

    ok(gitform(
        &infra,
        &["apply", "-rev", "HEAD", "-auto-approve"],
        "",
    ));
    let committed = serde_json::json!({
        "motd": "committed motd\n",
        "greeting": "Hello ann! conf/a.json conf/b.json\n",
        "has_extra": false,
        // printf 'committed motd\n' | md5sum
        "motd_md5": md5_hex(b"committed motd\n"),
        "note": "committed note",
    });
    assert_eq!(outputs(&infra), committed);

    // The same configuration from the working tree reads the working tree.
    ok(gitform(&infra, &["apply", "-auto-approve"], ""));
    let on_disk = outputs(&infra);
    assert_eq!(on_disk["motd"], "working tree motd\n");
    assert_eq!(on_disk["greeting"], "Changed ann\n");
    assert_eq!(on_disk["has_extra"], true);
    assert_eq!(on_disk["note"], "working tree note");

    // And a plan of the commit shows the way back, from the commit's files.
    let plan = ok(gitform(&infra, &["plan", "-rev", "HEAD", "-no-color"], ""));
    assert!(
        plan.stdout.contains("committed motd")
            && !plan
                .stdout
                .contains("Hello ann! conf/a.json conf/b.json conf/c.json"),
        "{}",
        plan.stdout
    );
}

/// The MD5 of `bytes` in hex, by the system's `md5sum`, so the expected
/// value is not computed by the code under test.
fn md5_hex(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("md5sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("md5sum runs");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_committed_tfvars_error_names_the_committed_file() {
    let (_tmp, root) = repo_with("badvars");
    let infra = root.join("infra");
    // The working tree's copy is fine: only the commit's is broken.
    std::fs::write(infra.join("terraform.tfvars"), "owner = \"disk\"\n").unwrap();
    ok(gitform(&infra, &["plan", "-no-color"], ""));

    let failed = gitform(&infra, &["plan", "-rev", "HEAD", "-no-color"], "");
    assert_eq!(failed.code, 1, "{}", failed.stdout);
    assert!(
        failed.stderr.contains("terraform.tfvars line 3") && failed.stderr.contains("size = = 3"),
        "{}",
        failed.stderr
    );
    assert!(
        !failed.stderr.contains("gitform-vars") && !failed.stderr.contains("/tmp/"),
        "a temporary path leaked: {}",
        failed.stderr
    );

    // A -var-file kept out of Git is read from the disk beside the commit.
    std::fs::write(infra.join("secret.tfvars"), "owner = \"from disk\"\n").unwrap();
    let (_tmp2, fixed) = repo_with("files");
    let fixed_infra = fixed.join("infra");
    std::fs::write(fixed_infra.join("secret.tfvars"), "owner = \"from disk\"\n").unwrap();
    ok(gitform(
        &fixed_infra,
        &[
            "apply",
            "-rev",
            "HEAD",
            "-auto-approve",
            "-var-file",
            "secret.tfvars",
        ],
        "",
    ));
    assert_eq!(
        outputs(&fixed_infra)["greeting"],
        "Hello from disk! conf/a.json conf/b.json\n"
    );
    let missing = gitform(
        &fixed_infra,
        &[
            "plan",
            "-rev",
            "HEAD",
            "-var-file",
            "nope.tfvars",
            "-no-color",
        ],
        "",
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("Given variables file nope.tfvars does not exist."),
        "{}",
        missing.stderr
    );
}

#[test]
fn rollback_accepts_commits_signed_by_a_trusted_gpg_key() {
    let (_tmp, root) = repo_with("files");
    let infra = root.join("infra");
    let gnupg = Gnupg::new();
    let (release_fpr, release_pub) = gnupg.key("Release <release@example.com>");
    let (other_fpr, _) = gnupg.key("Other <other@example.com>");
    let keys = tempfile::tempdir().unwrap();
    let trusted = keys.path().join("trusted-keys");
    std::fs::write(&trusted, format!("# release key\n{release_pub}\n")).unwrap();
    let trusted_arg = trusted.to_str().unwrap();

    let sign = |fpr: &str, motd: &str, message: &str| -> String {
        std::fs::write(infra.join("motd.txt"), motd).unwrap();
        git(&root, &["add", "-A", "infra"]);
        git_gpg(
            &root,
            &gnupg,
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
        git(&root, &["rev-parse", "HEAD"])
    };
    let by_release = sign(&release_fpr, "release motd\n", "signed by the release key");
    let by_other = sign(&other_fpr, "other motd\n", "signed by another key");

    let refused = gitform(
        &infra,
        &[
            "rollback",
            "-to",
            &by_other,
            "-auto-approve",
            "-trusted-keys",
            trusted_arg,
            "-no-color",
        ],
        "",
    );
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("Commit signature not trusted")
            && refused.stderr.contains("openpgp")
            && refused.stderr.contains("not trusted"),
        "{}",
        refused.stderr
    );

    ok(gitform(
        &infra,
        &[
            "rollback",
            "-to",
            &by_release,
            "-auto-approve",
            "-trusted-keys",
            trusted_arg,
        ],
        "",
    ));
    assert_eq!(outputs(&infra)["motd"], "release motd\n");

    let store = open_state(&infra);
    let runs: Vec<(String, Option<String>)> = store
        .find_runs(&RunFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| (r.outcome.unwrap_or_default(), r.error))
        .collect();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0].0, "success");
    assert_eq!(runs[1].0, "refused");
}
