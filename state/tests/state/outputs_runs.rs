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
