use gitform_state::{
    GitCommit, HistoryAction, SqliteStore, StateError, StateStore, VersionMeta, VersionStatus,
};
use serde_json::json;

use crate::fixtures::{addresses, in_version, memory_store, meta, record};

#[test]
fn versions_are_numbered_and_described() {
    let store = memory_store();
    let git = GitCommit {
        sha: "0123abcd".to_owned(),
        author: "Bob".to_owned(),
        email: "bob@example.com".to_owned(),
        message: "add subnet".to_owned(),
        time: "2025-01-02T03:04:05+00:00".to_owned(),
    };
    let first = store
        .begin_version(VersionMeta {
            author: "bob@ci".to_owned(),
            operation: "apply".to_owned(),
            git: Some(git.clone()),
        })
        .unwrap();
    assert_eq!(first.serial, 1);
    assert_eq!(store.current_serial().unwrap(), 1);
    store
        .finish_version(1, VersionStatus::Complete, Some("1 added"))
        .unwrap();
    let second = store.begin_version(meta("destroy")).unwrap();
    assert_eq!(second.serial, 2);

    let versions = store.list_versions().unwrap();
    let summary: Vec<_> = versions
        .iter()
        .map(|v| {
            (
                v.serial,
                v.author.as_str(),
                v.operation.as_str(),
                v.status,
                v.summary.as_deref(),
                v.finished_at.is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                1,
                "bob@ci",
                "apply",
                VersionStatus::Complete,
                Some("1 added"),
                true
            ),
            (
                2,
                "alice@host",
                "destroy",
                VersionStatus::InProgress,
                None,
                false
            ),
        ]
    );
    assert_eq!(versions.first().and_then(|v| v.git.clone()), Some(git));
    assert_eq!(versions.get(1).and_then(|v| v.git.clone()), None);
    assert!(versions.iter().all(|v| v.created_at > 1_600_000_000_000));
    assert_eq!(store.get_version(2).unwrap().map(|v| v.serial), Some(2));
    assert_eq!(store.get_version(3).unwrap(), None);
}

#[test]
fn check_serial_detects_moves() {
    let store = memory_store();
    store.check_serial(0).unwrap();
    in_version(&store, |_| {});
    store.check_serial(1).unwrap();
    match store.check_serial(0) {
        Err(StateError::SerialMoved {
            expected: 0,
            actual: 1,
        }) => {}
        other => panic!("expected SerialMoved, got {other:?}"),
    }
    // An unfinished (e.g. killed) version moves the serial too.
    store.begin_version(meta("apply")).unwrap();
    assert!(matches!(
        store.check_serial(1),
        Err(StateError::SerialMoved {
            expected: 1,
            actual: 2
        })
    ));
}

#[test]
fn version_changes_list_each_write() {
    let store = memory_store();
    let s1 = in_version(&store, |s| {
        store
            .put_resource(s, &record("random_id.a", json!(1)))
            .unwrap();
        store
            .put_resource(s, &record("random_id.b", json!(1)))
            .unwrap();
    });
    let s2 = in_version(&store, |s| {
        store
            .put_resource(s, &record("random_id.a", json!(2)))
            .unwrap();
        store.remove_resource(s, "random_id.b").unwrap();
        store
            .move_resource(s, "random_id.a", "random_id.c")
            .unwrap();
        store.set_tainted(s, "random_id.c", true).unwrap();
    });
    let changes = |serial| -> Vec<(String, HistoryAction, Option<serde_json::Value>)> {
        store
            .version_changes(serial)
            .unwrap()
            .into_iter()
            .map(|e| {
                assert_eq!(e.serial, serial);
                (e.address, e.action, e.record.map(|r| r.attributes))
            })
            .collect()
    };
    assert_eq!(
        changes(s1),
        [
            (
                "random_id.a".to_owned(),
                HistoryAction::Create,
                Some(json!(1))
            ),
            (
                "random_id.b".to_owned(),
                HistoryAction::Create,
                Some(json!(1))
            ),
        ]
    );
    assert_eq!(
        changes(s2),
        [
            (
                "random_id.a".to_owned(),
                HistoryAction::Update,
                Some(json!(2))
            ),
            ("random_id.b".to_owned(), HistoryAction::Remove, None),
            (
                "random_id.a".to_owned(),
                HistoryAction::MoveOut {
                    to: "random_id.c".to_owned()
                },
                None
            ),
            (
                "random_id.c".to_owned(),
                HistoryAction::MoveIn {
                    from: "random_id.a".to_owned()
                },
                Some(json!(2))
            ),
            (
                "random_id.c".to_owned(),
                HistoryAction::Update,
                Some(json!(2))
            ),
        ]
    );
    let last = store
        .version_changes(s2)
        .unwrap()
        .pop()
        .and_then(|e| e.record)
        .unwrap();
    assert!(last.tainted);
    assert!(matches!(
        store.version_changes(9),
        Err(StateError::VersionNotFound(9))
    ));

    let history: Vec<HistoryAction> = store
        .resource_history("random_id.a")
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        history,
        [
            HistoryAction::Create,
            HistoryAction::Update,
            HistoryAction::MoveOut {
                to: "random_id.c".to_owned()
            }
        ]
    );
}

/// Writes a sequence of versions, snapshotting `list_resources` after each,
/// then checks that `resources_at` reproduces every snapshot.
#[test]
fn resources_at_replays_every_version() {
    let store = memory_store();
    let mut snapshots = vec![(0, Vec::new())];
    let script: Vec<Vec<(&str, &str, serde_json::Value)>> = vec![
        vec![
            ("put", "random_id.a", json!(1)),
            ("put", "random_id.b", json!(1)),
            ("put", "data.x.y", json!("d")),
        ],
        vec![
            ("put", "random_id.a", json!(2)),
            ("rm", "random_id.b", json!(null)),
        ],
        vec![
            ("mv", "random_id.a", json!("random_id.z")),
            ("put", "random_id.b", json!(3)),
        ],
        vec![
            ("taint", "random_id.z", json!(true)),
            ("put", "random_id.a", json!(4)),
        ],
        vec![],
        vec![
            ("rm", "random_id.z", json!(null)),
            ("rm", "random_id.a", json!(null)),
            ("rm", "data.x.y", json!(null)),
        ],
    ];
    for ops in &script {
        let serial = in_version(&store, |s| {
            for (op, address, arg) in ops {
                match *op {
                    "put" => store
                        .put_resource(s, &record(address, arg.clone()))
                        .unwrap(),
                    "rm" => store.remove_resource(s, address).unwrap(),
                    "mv" => store
                        .move_resource(s, address, arg.as_str().unwrap())
                        .unwrap(),
                    "taint" => store
                        .set_tainted(s, address, arg.as_bool().unwrap())
                        .unwrap(),
                    other => panic!("unknown op {other}"),
                }
            }
        });
        snapshots.push((serial, store.list_resources().unwrap()));
    }
    for (serial, expected) in &snapshots {
        assert_eq!(
            &store.resources_at(*serial).unwrap(),
            expected,
            "serial {serial}"
        );
    }
    assert_eq!(
        addresses(&snapshots[3].1),
        ["data.x.y", "random_id.b", "random_id.z"]
    );
    assert!(matches!(
        store.resources_at(99),
        Err(StateError::VersionNotFound(99))
    ));
}

#[test]
fn killed_apply_keeps_committed_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        let serial = store.begin_version(meta("apply")).unwrap().serial;
        store
            .put_resource(serial, &record("random_id.a", json!(1)))
            .unwrap();
        store
            .put_resource(serial, &record("random_id.b", json!(2)))
            .unwrap();
        // Leak the store: no finish_version, no orderly close (like SIGKILL
        // between writes; WAL keeps what was committed).
        std::mem::forget(store);
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.current_serial().unwrap(), 1);
    assert_eq!(
        addresses(&store.list_resources().unwrap()),
        ["random_id.a", "random_id.b"]
    );
    assert_eq!(
        store.get_version(1).unwrap().map(|v| v.status),
        Some(VersionStatus::InProgress)
    );
    let next = store.begin_version(meta("apply")).unwrap();
    assert_eq!(next.serial, 2);
}
