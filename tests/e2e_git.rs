//! End-to-end: Git as the source. Real repositories built by the test with
//! the `git` CLI, the real binary, builtin providers only: `-rev` applies
//! what a commit holds (local modules and tfvars included), state versions
//! record the commit, `drift` finds an out-of-band edit, `rollback -to`
//! returns to an earlier commit, `history` lists the runs and shows a plan.

mod cli_support;
#[path = "../engine/git/tests/support/mod.rs"]
mod git_support;

use cli_support::{fixture, gitform, open_state, scrub, Run};
use git_support::{copy_tree, git, ssh_keygen};
use gitform_state::{RunFilter, StateStore};
use std::path::{Path, PathBuf};

/// Replaces the tracked content of `repo` with fixture `git/<version>` and
/// commits it; returns the SHA.
fn commit_version(repo: &Path, version: &str, message: &str) -> String {
    for dir in ["infra", "modules"] {
        let _ = std::fs::remove_dir_all(repo.join(dir));
    }
    copy_tree(&fixture("git").join(version), repo);
    git(repo, &["add", "-A", "infra", "modules"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

struct Repo {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    v1: String,
    v2: String,
}

impl Repo {
    /// A repository with commits v1 and v2 on `main`, ignoring what gitform
    /// writes, and a working tree edited after the last commit.
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        git(&root, &["init", "-q", "-b", "main"]);
        std::fs::write(root.join(".gitignore"), ".gitform/\nout/\n").unwrap();
        git(&root, &["add", ".gitignore"]);
        let v1 = commit_version(&root, "v1", "v1: greet");
        let v2 = commit_version(&root, "v2", "v2: shout, and a suffix");
        // Uncommitted edits that -rev must not see.
        std::fs::write(
            root.join("infra/terraform.tfvars"),
            "owner = \"the working tree\"\n",
        )
        .unwrap();
        Repo {
            _tmp: tmp,
            root,
            v1,
            v2,
        }
    }

    fn infra(&self) -> PathBuf {
        self.root.join("infra")
    }

    fn run(&self, args: &[&str]) -> Run {
        gitform(&self.infra(), args, "")
    }

    fn greeting(&self) -> String {
        std::fs::read_to_string(self.infra().join("out/greeting.txt")).unwrap_or_default()
    }
}

fn ok(run: Run) -> Run {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run
}

/// Scrubs times, SHAs, ids, durations and random values for snapshots.
fn stable(text: &str, repo: &Repo) -> String {
    let ids = regex::Regex::new(r"\[id=[^\]]+\]").unwrap();
    let text = ids.replace_all(text, "[id=ID]");
    // The values of the random_id block, to the end of that block.
    let random = regex::Regex::new(r#"(?s)(resource "random_id" "suffix" \{.*?\n\s*\})"#).unwrap();
    let quoted = regex::Regex::new(r#"= "[^"]*""#).unwrap();
    let text = random.replace_all(&text, |c: &regex::Captures| {
        quoted.replace_all(&c[1], "= \"[RANDOM]\"").into_owned()
    });
    let text = scrub(&text)
        .replace(&repo.v1, "[V1_SHA]")
        .replace(&repo.v2, "[V2_SHA]")
        .replace(&repo.v1[..12], "[V1]")
        .replace(&repo.v2[..12], "[V2]");
    let duration = regex::Regex::new(r"\b\d+\.\ds\b").unwrap();
    duration.replace_all(&text, "[DURATION]").into_owned()
}

#[test]
fn rev_drift_rollback_and_history() {
    let repo = Repo::new();

    // -rev applies the commit (module and tfvars from v1), not the working tree.
    let v1_apply = ok(repo.run(&["apply", "-auto-approve", "-rev", &repo.v1[..10]]));
    assert!(v1_apply
        .stdout
        .contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."));
    assert_eq!(repo.greeting(), "hello from ann\n");
    let store = open_state(&repo.infra());
    let first = store.get_version(1).unwrap().expect("version 1");
    let git1 = first.git.expect("version 1 records its commit");
    assert_eq!(
        (
            git1.sha.as_str(),
            git1.author.as_str(),
            git1.email.as_str(),
            git1.message.as_str(),
            git1.time.as_str()
        ),
        (
            repo.v1.as_str(),
            "Ann Author",
            "ann@example.com",
            "v1: greet",
            "2026-11-22T10:00:00+01:00"
        )
    );

    // A branch name works too; v2 changes the file and adds a random_id.
    ok(repo.run(&["apply", "-auto-approve", "-rev", "main"]));
    assert_eq!(repo.greeting(), "HELLO FROM ANN\n");
    let versions = store.list_versions().unwrap();
    let last = versions.last().unwrap();
    assert_eq!(
        last.git.as_ref().map(|g| g.sha.as_str()),
        Some(repo.v2.as_str())
    );

    // No drift yet: exit 0 even with -detailed-exitcode.
    let clean = ok(repo.run(&["drift", "-detailed-exitcode"]));
    assert!(clean.stdout.contains("No drift."), "{}", clean.stdout);

    // An out-of-band edit of a managed file is drift: exit 2, and it says
    // which resource changed.
    std::fs::write(repo.infra().join("out/greeting.txt"), "tampered\n").unwrap();
    let drift = repo.run(&["drift", "-detailed-exitcode", "-rev", "main"]);
    assert_eq!(drift.code, 2, "{}\n{}", drift.stdout, drift.stderr);
    // Refreshes run concurrently: their lines come in any order.
    let refreshed = drift
        .stdout
        .lines()
        .filter(|l| l.contains("Refreshing state..."))
        .count();
    assert_eq!(refreshed, 3, "{}", drift.stdout);
    let report: String = drift
        .stdout
        .lines()
        .filter(|l| !l.contains("Refreshing state..."))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("drift_found", stable(&report, &repo));
    let json = repo.run(&["drift", "-json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["drift_detected"], true);
    let addresses: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["address"].as_str())
        .collect();
    assert_eq!(addresses, ["module.files.local_file.greeting"]);
    // Ignored drift is no drift.
    ok(repo.run(&[
        "drift",
        "-detailed-exitcode",
        "-ignore",
        "module.files.local_file.*",
    ]));
    // A rule whose attribute path cannot match anything is refused before
    // a run starts (and so is not journaled).
    let bad = repo.run(&[
        "drift",
        "-no-color",
        "-ignore",
        "module.files.local_file.*:tags[Owner]",
    ]);
    assert_eq!(bad.code, 1, "{}\n{}", bad.stdout, bad.stderr);
    assert!(
        bad.stderr.contains("Error: Invalid ignore_drift attribute")
            && bad
                .stderr
                .contains("\"tags[Owner]\" is not an attribute path"),
        "{}",
        bad.stderr
    );

    // Rollback to v1: the plan is shown, applied, and the infrastructure is
    // v1's again (the random_id goes away).
    let rollback = ok(repo.run(&["rollback", "-to", &repo.v1, "-auto-approve"]));
    assert!(
        rollback
            .stdout
            .contains("random_id.suffix will be destroyed"),
        "{}",
        rollback.stdout
    );
    assert_eq!(repo.greeting(), "hello from ann\n");
    let resources: Vec<String> = store
        .list_resources()
        .unwrap()
        .into_iter()
        .map(|r| r.address)
        .collect();
    assert_eq!(
        resources,
        [
            "module.files.local_file.greeting",
            "module.files.terraform_data.marker"
        ]
    );
    let last = store.list_versions().unwrap().pop().unwrap();
    assert_eq!(last.git.map(|g| g.sha), Some(repo.v1.clone()));

    // The journal: every run with kind, commit, trigger, outcome and counts.
    let runs = store.find_runs(&RunFilter::default()).unwrap();
    type Row = (String, Option<String>, Option<String>, u64, u64, u64);
    let summary: Vec<Row> = runs
        .iter()
        .map(|r| {
            (
                r.kind.clone(),
                r.git.as_ref().map(|g| g.sha[..12].to_string()),
                r.outcome.clone(),
                r.counts.add,
                r.counts.destroy,
                r.drift_count,
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        summary,
        [
            // local_file's read drops a file whose content changed, so the
            // rollback creates it again (and destroys v2's random_id).
            ("rollback".into(), s(&repo.v1[..12]), s("success"), 1, 1, 1),
            ("drift-check".into(), None, s("success"), 0, 0, 0),
            ("drift-check".into(), None, s("success"), 0, 0, 1),
            (
                "drift-check".into(),
                s(&repo.v2[..12]),
                s("success"),
                0,
                0,
                1
            ),
            ("drift-check".into(), None, s("success"), 0, 0, 0),
            // A new content replaces the file; random_id is new.
            ("apply".into(), s(&repo.v2[..12]), s("success"), 2, 1, 0),
            ("apply".into(), s(&repo.v1[..12]), s("success"), 2, 0, 0),
        ]
    );
    let table = ok(repo.run(&["history"]));
    insta::assert_snapshot!("history_table", stable(&table.stdout, &repo));
    let limited = ok(repo.run(&["history", "-limit", "2", "-json"]));
    let doc: serde_json::Value = serde_json::from_str(&limited.stdout).unwrap();
    let listed = doc["runs"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["kind"], "rollback");
    assert_eq!(listed[0]["commit"]["sha"], repo.v1.as_str());
    assert_eq!(listed[0]["trigger"], "cli");
    assert_eq!(listed[0]["changes"]["destroy"], 1);

    // `history show` prints the plan that ran, as plan prints it.
    let rollback_id = runs[0].id.to_string();
    let show = ok(repo.run(&["history", "show", &rollback_id]));
    insta::assert_snapshot!("history_show_rollback", stable(&show.stdout, &repo));
    let show_json = ok(repo.run(&["history", "show", &rollback_id, "-json"]));
    let doc: serde_json::Value = serde_json::from_str(&show_json.stdout).unwrap();
    let actions: Vec<(String, String)> = doc["plan"]["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["change"]["actions"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("module.files.random_id.suffix".into(), "delete".into())),
        "{actions:?}"
    );
    let missing = repo.run(&["history", "show", "999"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("No such run"), "{}", missing.stderr);
}

#[test]
fn plan_rev_reads_the_commit_and_reports_its_errors() {
    let repo = Repo::new();
    // The working tree's tfvars say "the working tree"; the commit's say "ann".
    let plan = ok(repo.run(&["plan", "-rev", &repo.v1]));
    assert!(plan.stdout.contains("hello from ann"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("the working tree"));
    let worktree = ok(repo.run(&["plan"]));
    assert!(
        worktree.stdout.contains("THE WORKING TREE"),
        "{}",
        worktree.stdout
    );

    // A broken commit gives a diagnostic pointing into the committed file.
    let broken = commit_version(&repo.root, "broken", "broken");
    let failed = repo.run(&["plan", "-rev", &broken, "-no-color"]);
    assert_eq!(failed.code, 1);
    insta::assert_snapshot!("broken_commit", stable(&failed.stderr, &repo));

    // Unknown revisions and directories outside a repository are clear errors.
    let unknown = repo.run(&["plan", "-rev", "no-such-branch", "-no-color"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("Failed to read the configuration from Git")
            && unknown.stderr.contains("no-such-branch"),
        "{}",
        unknown.stderr
    );
    let outside = tempfile::tempdir().unwrap();
    let norepo = gitform(outside.path(), &["plan", "-rev", "main", "-no-color"], "");
    assert_eq!(norepo.code, 1);
    assert!(
        norepo.stderr.contains("No Git repository for -rev"),
        "{}",
        norepo.stderr
    );
    // Failed runs are journaled with their error.
    let store = open_state(&repo.infra());
    let failed_runs = store
        .find_runs(&RunFilter {
            outcome: Some("failed".into()),
            ..RunFilter::default()
        })
        .unwrap();
    assert_eq!(failed_runs.len(), 2);
    assert!(failed_runs
        .iter()
        .all(|r| r.error.as_deref().is_some_and(|e| !e.is_empty())));
}

#[test]
fn rollback_with_trusted_keys_refuses_unsigned_commits() {
    let repo = Repo::new();
    let keys = tempfile::tempdir().unwrap();
    let (key, public) = ssh_keygen(keys.path(), "release");
    let trusted = keys.path().join("allowed_signers");
    std::fs::write(&trusted, format!("release@example.com {public}")).unwrap();
    // A signed commit of v1's content on top of v2.
    copy_tree(&fixture("git/v1"), &repo.root);
    git(&repo.root, &["add", "-A", "infra", "modules"]);
    let signing_key = format!("user.signingkey={}", key.display());
    git(
        &repo.root,
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing_key,
            "commit",
            "-q",
            "-S",
            "-m",
            "signed v1",
        ],
    );
    let signed = git(&repo.root, &["rev-parse", "HEAD"]);
    let trusted_arg = trusted.to_str().unwrap();

    // The unsigned v2 is refused and recorded as refused; nothing applied.
    let refused = repo.run(&[
        "rollback",
        "-to",
        &repo.v2,
        "-auto-approve",
        "-trusted-keys",
        trusted_arg,
        "-no-color",
    ]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("Commit signature not trusted")
            && refused.stderr.contains("not signed"),
        "{}",
        refused.stderr
    );
    assert!(!repo.infra().join("out/greeting.txt").exists());

    // The signed commit verifies and is applied.
    ok(repo.run(&[
        "rollback",
        "-to",
        &signed,
        "-auto-approve",
        "-trusted-keys",
        trusted_arg,
    ]));
    assert_eq!(repo.greeting(), "hello from ann\n");
    let store = open_state(&repo.infra());
    let outcomes: Vec<(String, Option<String>)> = store
        .find_runs(&RunFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| (r.outcome.unwrap_or_default(), r.error))
        .collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0].0, "success");
    assert_eq!(outcomes[1].0, "refused");
    assert!(
        outcomes[1]
            .1
            .as_deref()
            .is_some_and(|e| e.contains("not signed")),
        "{outcomes:?}"
    );
}
