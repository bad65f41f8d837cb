//! `write_resources`: several writes committed together give the same
//! state and history as the same writes made one by one, and a failing
//! write fails alone.

use gitform_state::{ResourceWrite, StateError, StateStore, VersionStatus};
use serde_json::json;

use crate::fixtures::{addresses, in_version, memory_store, meta, record};

/// How one write must end.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    NotFound,
}

fn outcome(result: &Result<(), StateError>) -> Outcome {
    match result {
        Ok(()) => Outcome::Ok,
        Err(StateError::ResourceNotFound(_)) => Outcome::NotFound,
        Err(other) => panic!("unexpected error {other}"),
    }
}

fn put(address: &str, v: i64) -> ResourceWrite {
    ResourceWrite::Put(record(address, json!({ "v": v })))
}

fn remove(address: &str) -> ResourceWrite {
    ResourceWrite::Remove(address.to_owned())
}

struct Case {
    name: &'static str,
    /// Recorded before the batch, in a version of its own.
    before: Vec<&'static str>,
    batch: Vec<ResourceWrite>,
    outcomes: Vec<Outcome>,
    /// Addresses recorded after the batch.
    after: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "creates",
            before: vec![],
            batch: vec![put("test.a", 1), put("test.b", 2), put("test.c", 3)],
            outcomes: vec![Outcome::Ok, Outcome::Ok, Outcome::Ok],
            after: vec!["test.a", "test.b", "test.c"],
        },
        Case {
            name: "updates, removes and a create, in order",
            before: vec!["test.a", "test.b"],
            batch: vec![
                put("test.a", 10),
                remove("test.b"),
                put("test.b", 20),
                put("test.a", 11),
            ],
            outcomes: vec![Outcome::Ok, Outcome::Ok, Outcome::Ok, Outcome::Ok],
            after: vec!["test.a", "test.b"],
        },
        Case {
            name: "a failing remove fails alone",
            before: vec!["test.a"],
            batch: vec![put("test.x", 1), remove("test.missing"), remove("test.a")],
            outcomes: vec![Outcome::Ok, Outcome::NotFound, Outcome::Ok],
            after: vec!["test.x"],
        },
        Case {
            name: "empty batch",
            before: vec!["test.a"],
            batch: vec![],
            outcomes: vec![],
            after: vec!["test.a"],
        },
    ]
}

#[test]
fn batch_equals_the_writes_one_by_one() {
    for case in cases() {
        let batched = memory_store();
        let single = memory_store();
        for store in [&batched as &dyn StateStore, &single] {
            in_version(store, |serial| {
                for address in &case.before {
                    store
                        .put_resource(serial, &record(address, json!({ "v": 0 })))
                        .expect("put");
                }
            });
        }
        let serial = batched.begin_version(meta("apply")).expect("begin").serial;
        let got: Vec<Outcome> = batched
            .write_resources(serial, &case.batch)
            .iter()
            .map(outcome)
            .collect();
        assert_eq!(got, case.outcomes, "{}: outcomes", case.name);

        let serial_single = single.begin_version(meta("apply")).expect("begin").serial;
        assert_eq!(serial, serial_single);
        for w in &case.batch {
            let _ = match w {
                ResourceWrite::Put(r) => single.put_resource(serial, r),
                ResourceWrite::Remove(a) => single.remove_resource(serial, a),
            };
        }

        let records = batched.list_resources().expect("list");
        assert_eq!(addresses(&records), case.after, "{}: addresses", case.name);
        assert_eq!(
            records,
            single.list_resources().expect("list"),
            "{}: records",
            case.name
        );
        assert_eq!(
            batched.version_changes(serial).expect("history"),
            single.version_changes(serial).expect("history"),
            "{}: history",
            case.name
        );
    }
}

/// Outside an in-progress version every write fails as it would alone,
/// and nothing is written.
#[test]
fn batch_into_a_finished_version_fails_every_write() {
    let store = memory_store();
    let serial = in_version(&store, |_| {});
    let results = store.write_resources(serial, &[put("test.a", 1), remove("test.b")]);
    assert_eq!(results.len(), 2);
    for r in &results {
        assert!(
            matches!(
                r,
                Err(StateError::VersionNotWritable {
                    status: VersionStatus::Complete,
                    ..
                })
            ),
            "{r:?}"
        );
    }
    assert!(store.list_resources().expect("list").is_empty());
}
