//! `gitform history` and `history show` over a runs journal written
//! through gitform-state (as the agent writes it: environments, triggers,
//! refused and failed runs, a run still going).

mod cli_support;

use cli_support::{gitform, open_state, scrub};
use gitform_state::{GitCommit, RunCounts, RunFinish, RunStart, StateStore};
use serde_json::json;

fn commit(sha: &str, message: &str) -> GitCommit {
    GitCommit {
        sha: sha.repeat(40 / sha.len()),
        author: "Ann Author".into(),
        email: "ann@example.com".into(),
        message: message.into(),
        time: "2026-11-22T10:00:00+01:00".into(),
    }
}

/// Five runs: an apply in prod, a drift check in prod that found drift, a
/// refused apply in staging, a failed CLI plan, and a prod apply still running.
fn journal(dir: &std::path::Path) -> Vec<i64> {
    let store = open_state(dir);
    let mut ids = Vec::new();
    let mut run = |start: RunStart, finish: Option<RunFinish>| {
        let id = store.begin_run(&start).unwrap();
        if let Some(f) = finish {
            store.complete_run(id, &f).unwrap();
        }
        ids.push(id);
    };
    run(
        RunStart {
            kind: "apply".into(),
            environment: Some("prod".into()),
            trigger: "poll".into(),
            git: Some(commit("a1", "add the web tier")),
        },
        Some(RunFinish {
            outcome: "success".into(),
            serial: Some(1),
            counts: RunCounts {
                add: 3,
                change: 0,
                destroy: 0,
            },
            ..RunFinish::default()
        }),
    );
    run(
        RunStart {
            kind: "drift-check".into(),
            environment: Some("prod".into()),
            trigger: "schedule".into(),
            git: Some(commit("a1", "add the web tier")),
        },
        Some(RunFinish {
            outcome: "success".into(),
            drift_count: 2,
            detail: Some(json!({"drift": [{"address": "local_file.a", "path": "content"}]})),
            ..RunFinish::default()
        }),
    );
    run(
        RunStart {
            kind: "apply".into(),
            environment: Some("staging".into()),
            trigger: "webhook".into(),
            git: Some(commit("b2", "unsigned change")),
        },
        Some(RunFinish {
            outcome: "refused".into(),
            error: Some("commit b2b2b2b2b2b2 refused: the commit is not signed".into()),
            ..RunFinish::default()
        }),
    );
    run(
        RunStart {
            kind: "plan".into(),
            environment: None,
            trigger: "cli".into(),
            git: None,
        },
        Some(RunFinish {
            outcome: "failed".into(),
            error: Some("Reference to undeclared input variable".into()),
            ..RunFinish::default()
        }),
    );
    run(
        RunStart {
            kind: "apply".into(),
            environment: Some("prod".into()),
            trigger: "poll".into(),
            git: Some(commit("c3", "scale out")),
        },
        None,
    );
    ids
}

fn stable(text: &str) -> String {
    let duration = regex::Regex::new(r"\b\d+\.\ds\b").unwrap();
    duration
        .replace_all(&scrub(text), "[DURATION]")
        .into_owned()
}

#[test]
fn no_state_means_no_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["history"], 0, "No runs recorded.\n"),
        (&["history", "-json"], 0, "{\n  \"runs\": []\n}\n"),
    ];
    for (args, code, stdout) in cases {
        let run = gitform(dir.path(), args, "");
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (*code, *stdout),
            "{args:?}"
        );
    }
    let show = gitform(dir.path(), &["history", "show", "1", "-no-color"], "");
    assert_eq!(show.code, 1);
    assert!(show.stderr.contains("No such run"), "{}", show.stderr);
    assert!(
        !dir.path().join(".gitform").exists(),
        "history creates no state"
    );
}

#[test]
fn history_lists_filters_and_shows_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ids = journal(dir.path());

    let table = gitform(dir.path(), &["history"], "");
    assert_eq!(table.code, 0, "{}", table.stderr);
    insta::assert_snapshot!("history_all", stable(&table.stdout));

    // Filters, as run ids newest first.
    let cases: &[(&[&str], &[usize])] = &[
        (&["-environment", "prod"], &[4, 1, 0]),
        (&["-environment", "staging"], &[2]),
        (&["-kind", "drift-check"], &[1]),
        (&["-kind", "apply", "-limit", "2"], &[4, 2]),
        (&["-limit", "0"], &[4, 3, 2, 1, 0]),
    ];
    for (flags, want) in cases {
        let mut args = vec!["history", "-json"];
        args.extend_from_slice(flags);
        let run = gitform(dir.path(), &args, "");
        assert_eq!(run.code, 0, "{}", run.stderr);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let got: Vec<i64> = doc["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let want: Vec<i64> = want.iter().map(|&i| ids[i]).collect();
        assert_eq!(got, want, "{flags:?}");
    }

    // JSON of one run carries everything the table shows, and more.
    let all = gitform(dir.path(), &["history", "-json"], "");
    let doc: serde_json::Value = serde_json::from_str(&all.stdout).unwrap();
    let refused = &doc["runs"][2];
    assert_eq!(refused["environment"], "staging");
    assert_eq!(refused["trigger"], "webhook");
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(refused["commit"]["message"], "unsigned change");
    assert_eq!(refused["has_plan"], false);
    let running = &doc["runs"][0];
    assert_eq!(running["outcome"], serde_json::Value::Null);
    assert_eq!(running["finished_at"], serde_json::Value::Null);
    assert_eq!(doc["runs"][3]["detail"]["drift"][0]["path"], "content");

    // A run without a plan says so.
    let show = gitform(dir.path(), &["history", "show", &ids[2].to_string()], "");
    assert_eq!(show.code, 0, "{}", show.stderr);
    insta::assert_snapshot!("history_show_refused", stable(&show.stdout));
}
