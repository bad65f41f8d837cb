use gitform_state::{OutputRecord, StateError, StateStore};
use serde_json::json;

use crate::fixtures::{in_version, memory_store};

fn output(name: &str, value: serde_json::Value, sensitive: bool) -> OutputRecord {
    OutputRecord {
        name: name.to_owned(),
        value,
        sensitive,
    }
}

#[test]
fn outputs_are_replaced_wholesale_and_kept_per_version() {
    let store = memory_store();
    let first = vec![
        output("b", json!({"x": [1, 2]}), false),
        output("a", json!("secret"), true),
    ];
    let s1 = in_version(&store, |s| store.set_outputs(s, first.clone()).unwrap());
    let mut sorted = first.clone();
    sorted.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(store.outputs().unwrap(), sorted);

    let s2 = in_version(&store, |_| {}); // no outputs written
    let second = vec![output("c", json!(3), false)];
    let s3 = in_version(&store, |s| {
        store
            .set_outputs(s, vec![output("tmp", json!(0), false)])
            .unwrap();
        store.set_outputs(s, second.clone()).unwrap(); // last call wins
    });
    let s4 = in_version(&store, |s| store.set_outputs(s, Vec::new()).unwrap());

    let table = [
        (0, vec![]),
        (s1, sorted.clone()),
        (s2, sorted),
        (s3, second),
        (s4, vec![]),
    ];
    for (serial, expected) in table {
        assert_eq!(
            store.outputs_at(serial).unwrap(),
            expected,
            "serial {serial}"
        );
    }
    assert!(store.outputs().unwrap().is_empty());
    assert!(matches!(
        store.set_outputs(s4, vec![]),
        Err(StateError::VersionNotWritable { .. })
    ));
}

#[test]
fn runs_are_journaled_newest_first() {
    let store = memory_store();
    let plan = store.start_run("plan").unwrap();
    let apply = store.start_run("apply").unwrap();
    let drift = store.start_run("drift-check").unwrap();
    store
        .finish_run(plan, "success", Some("2 to add"), None)
        .unwrap();
    store.finish_run(apply, "failed", None, Some(7)).unwrap();
    let runs = store.list_runs(10).unwrap();
    let summary: Vec<_> = runs
        .iter()
        .map(|r| {
            (
                r.id,
                r.kind.as_str(),
                r.outcome.as_deref(),
                r.summary.as_deref(),
                r.serial,
                r.finished_at.is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (drift, "drift-check", None, None, None, false),
            (apply, "apply", Some("failed"), None, Some(7), true),
            (plan, "plan", Some("success"), Some("2 to add"), None, true),
        ]
    );
    assert_eq!(store.list_runs(1).unwrap().len(), 1);
    assert!(matches!(
        store.finish_run(999, "success", None, None),
        Err(StateError::RunNotFound(999))
    ));
}

fn commit(sha: &str) -> gitform_state::GitCommit {
    gitform_state::GitCommit {
        sha: sha.to_owned(),
        author: "Ann".to_owned(),
        email: "ann@example.com".to_owned(),
        message: format!("commit {sha}"),
        time: "2026-11-22T16:00:00+00:00".to_owned(),
    }
}

#[test]
fn run_journal_keeps_environment_commit_counts_and_plan() {
    use gitform_state::{RunCounts, RunFilter, RunFinish, RunStart};
    let store = memory_store();
    let start = |kind: &str, env: Option<&str>, trigger: &str, sha: Option<&str>| {
        store
            .begin_run(&RunStart {
                kind: kind.into(),
                environment: env.map(Into::into),
                trigger: trigger.into(),
                git: sha.map(commit),
            })
            .unwrap()
    };
    let apply = start("apply", Some("prod"), "poll", Some("aaa"));
    let drift = start("drift-check", Some("prod"), "schedule", None);
    let cli = start("plan", None, "cli", Some("bbb"));
    let staging = start("apply", Some("staging"), "webhook", Some("aaa"));
    store
        .complete_run(
            apply,
            &RunFinish {
                outcome: "success".into(),
                serial: Some(3),
                counts: RunCounts {
                    add: 2,
                    change: 1,
                    destroy: 0,
                },
                plan: Some("{\"plan\":1}".into()),
                ..RunFinish::default()
            },
        )
        .unwrap();
    store
        .complete_run(
            drift,
            &RunFinish {
                outcome: "success".into(),
                drift_count: 4,
                detail: Some(json!({"findings": [{"address": "local_file.a"}]})),
                git: Some(commit("aaa")),
                ..RunFinish::default()
            },
        )
        .unwrap();
    store
        .complete_run(
            staging,
            &RunFinish {
                outcome: "refused".into(),
                error: Some("the commit is not signed".into()),
                ..RunFinish::default()
            },
        )
        .unwrap();

    let got = store.get_run(apply).unwrap().unwrap();
    assert_eq!(got.environment.as_deref(), Some("prod"));
    assert_eq!(got.trigger, "poll");
    assert_eq!(got.git, Some(commit("aaa")));
    assert_eq!(
        got.counts,
        RunCounts {
            add: 2,
            change: 1,
            destroy: 0
        }
    );
    assert!(got.has_plan && got.finished_at.is_some());
    assert_eq!(
        store.run_plan(apply).unwrap().as_deref(),
        Some("{\"plan\":1}")
    );
    assert_eq!(store.run_plan(cli).unwrap(), None);
    assert!(matches!(
        store.run_plan(999),
        Err(StateError::RunNotFound(999))
    ));
    // The commit found during the drift check is recorded at the end.
    let d = store.get_run(drift).unwrap().unwrap();
    assert_eq!(
        (d.drift_count, d.git.map(|g| g.sha)),
        (4, Some("aaa".into()))
    );
    assert_eq!(d.detail.unwrap()["findings"][0]["address"], "local_file.a");

    let ids = |filter: RunFilter| -> Vec<i64> {
        store
            .find_runs(&filter)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    let table = [
        (RunFilter::default(), vec![staging, cli, drift, apply]),
        (
            RunFilter {
                environment: Some("prod".into()),
                ..RunFilter::default()
            },
            vec![drift, apply],
        ),
        (
            RunFilter {
                git_sha: Some("aaa".into()),
                kind: Some("apply".into()),
                ..RunFilter::default()
            },
            vec![staging, apply],
        ),
        (
            RunFilter {
                outcome: Some("refused".into()),
                ..RunFilter::default()
            },
            vec![staging],
        ),
        (
            RunFilter {
                limit: 1,
                ..RunFilter::default()
            },
            vec![staging],
        ),
    ];
    for (filter, want) in table {
        assert_eq!(ids(filter.clone()), want, "{filter:?}");
    }
    assert!(matches!(
        store.complete_run(999, &RunFinish::default()),
        Err(StateError::RunNotFound(999))
    ));
}

/// An apply saves its plan while it applies; the end of the run keeps it.
#[test]
fn a_plan_saved_before_the_end_is_kept_by_complete_run() {
    use gitform_state::{RunFinish, RunStart};
    let store = memory_store();
    let run = store
        .begin_run(&RunStart {
            kind: "apply".into(),
            environment: None,
            trigger: "cli".into(),
            git: None,
        })
        .unwrap();
    store.save_run_plan(run, "{\"plan\":2}").unwrap();
    store
        .complete_run(
            run,
            &RunFinish {
                outcome: "success".into(),
                plan: None,
                ..RunFinish::default()
            },
        )
        .unwrap();
    assert_eq!(
        store.run_plan(run).unwrap().as_deref(),
        Some("{\"plan\":2}")
    );
    assert!(store.get_run(run).unwrap().unwrap().has_plan);
    assert!(matches!(
        store.save_run_plan(999, "{}"),
        Err(StateError::RunNotFound(999))
    ));
}
