use gitform_state::{ResourceMode, StateError, StateStore, VersionStatus};
use serde_json::{json, Value};

use crate::fixtures::{addresses, in_version, memory_store, meta, record};

#[derive(Debug)]
enum Op {
    Put(&'static str, Value),
    Remove(&'static str),
    Move(&'static str, &'static str),
    Taint(&'static str, bool),
}

/// How a step must end.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    NotFound,
    Exists,
}

fn run(store: &dyn StateStore, serial: u64, op: &Op) -> Outcome {
    let result = match op {
        Op::Put(address, attrs) => store.put_resource(serial, &record(address, attrs.clone())),
        Op::Remove(address) => store.remove_resource(serial, address),
        Op::Move(from, to) => store.move_resource(serial, from, to),
        Op::Taint(address, tainted) => store.set_tainted(serial, address, *tainted),
    };
    match result {
        Ok(()) => Outcome::Ok,
        Err(StateError::ResourceNotFound(_)) => Outcome::NotFound,
        Err(StateError::ResourceExists(_)) => Outcome::Exists,
        Err(other) => panic!("{op:?}: unexpected error {other}"),
    }
}

struct Case {
    name: &'static str,
    steps: Vec<(Op, Outcome)>,
    /// (address, attributes, tainted) of the final state, sorted by address.
    expected: Vec<(&'static str, Value, bool)>,
}

fn cases() -> Vec<Case> {
    use Op::*;
    vec![
        Case {
            name: "put then overwrite",
            steps: vec![
                (Put("random_id.a", json!({"v": 1})), Outcome::Ok),
                (Put("random_id.a", json!({"v": 2})), Outcome::Ok),
            ],
            expected: vec![("random_id.a", json!({"v": 2}), false)],
        },
        Case {
            name: "list is sorted by address",
            steps: vec![
                (Put("random_id.b", json!(2)), Outcome::Ok),
                (
                    Put(
                        "module.net.aws_subnet.this[\"a\"]",
                        json!({"cidr": "10.0.0.0/24"}),
                    ),
                    Outcome::Ok,
                ),
                (
                    Put("data.local_file.x", json!({"content": "hi"})),
                    Outcome::Ok,
                ),
                (Put("random_id.a", json!(1)), Outcome::Ok),
            ],
            expected: vec![
                ("data.local_file.x", json!({"content": "hi"}), false),
                (
                    "module.net.aws_subnet.this[\"a\"]",
                    json!({"cidr": "10.0.0.0/24"}),
                    false,
                ),
                ("random_id.a", json!(1), false),
                ("random_id.b", json!(2), false),
            ],
        },
        Case {
            name: "remove present and absent",
            steps: vec![
                (Put("random_id.a", json!(1)), Outcome::Ok),
                (Remove("random_id.a"), Outcome::Ok),
                (Remove("random_id.a"), Outcome::NotFound),
            ],
            expected: vec![],
        },
        Case {
            name: "move, move onto existing, move absent",
            steps: vec![
                (Put("random_id.a", json!(1)), Outcome::Ok),
                (Put("random_id.b", json!(2)), Outcome::Ok),
                (Move("random_id.a", "random_id.c"), Outcome::Ok),
                (Move("random_id.b", "random_id.c"), Outcome::Exists),
                (Move("random_id.a", "random_id.d"), Outcome::NotFound),
            ],
            expected: vec![
                ("random_id.b", json!(2), false),
                ("random_id.c", json!(1), false),
            ],
        },
        Case {
            name: "taint and untaint",
            steps: vec![
                (Put("random_id.a", json!(1)), Outcome::Ok),
                (Put("random_id.b", json!(2)), Outcome::Ok),
                (Taint("random_id.a", true), Outcome::Ok),
                (Taint("random_id.b", true), Outcome::Ok),
                (Taint("random_id.b", false), Outcome::Ok),
                (Taint("random_id.zz", true), Outcome::NotFound),
            ],
            expected: vec![
                ("random_id.a", json!(1), true),
                ("random_id.b", json!(2), false),
            ],
        },
        Case {
            name: "json values survive exactly",
            steps: vec![(
                Put(
                    "terraform_data.x",
                    json!({"n": 12345678901234567890u64, "f": 1.5, "s": "ü", "l": [null, true]}),
                ),
                Outcome::Ok,
            )],
            expected: vec![(
                "terraform_data.x",
                json!({"n": 12345678901234567890u64, "f": 1.5, "s": "ü", "l": [null, true]}),
                false,
            )],
        },
    ]
}

#[test]
fn resource_operation_scripts() {
    for case in cases() {
        let store = memory_store();
        in_version(&store, |serial| {
            for (op, expected) in &case.steps {
                assert_eq!(&run(&store, serial, op), expected, "{}: {op:?}", case.name);
            }
        });
        let actual: Vec<(String, Value, bool)> = store
            .list_resources()
            .unwrap()
            .into_iter()
            .map(|r| (r.address, r.attributes, r.tainted))
            .collect();
        let expected: Vec<(String, Value, bool)> = case
            .expected
            .into_iter()
            .map(|(a, v, t)| (a.to_owned(), v, t))
            .collect();
        assert_eq!(actual, expected, "{}", case.name);
    }
}

#[test]
fn get_returns_the_full_record() {
    let store = memory_store();
    let mut rec = record("data.local_file.x", json!({"filename": "a.txt"}));
    rec.schema_version = 3;
    rec.sensitive_paths = json!([["content"]]);
    rec.dependencies = vec!["random_id.a".to_owned(), "module.m.random_id.b".to_owned()];
    rec.create_before_destroy = true;
    rec.updated_serial = 999; // ignored: the store sets it
    let serial = in_version(&store, |s| store.put_resource(s, &rec).unwrap());
    let got = store.get_resource("data.local_file.x").unwrap().unwrap();
    assert_eq!(got.mode, ResourceMode::Data);
    assert_eq!(got.updated_serial, serial);
    assert_eq!(
        got,
        gitform_state::ResourceRecord {
            updated_serial: serial,
            ..rec
        }
    );
    assert_eq!(store.get_resource("data.local_file.y").unwrap(), None);
}

#[test]
fn updated_serial_follows_the_last_write() {
    let store = memory_store();
    let first = in_version(&store, |s| {
        store
            .put_resource(s, &record("random_id.a", json!(1)))
            .unwrap();
        store
            .put_resource(s, &record("random_id.b", json!(1)))
            .unwrap();
    });
    let second = in_version(&store, |s| {
        store.set_tainted(s, "random_id.b", true).unwrap()
    });
    let third = in_version(&store, |s| {
        store
            .move_resource(s, "random_id.a", "random_id.c")
            .unwrap()
    });
    let serials: Vec<(String, u64)> = store
        .list_resources()
        .unwrap()
        .into_iter()
        .map(|r| (r.address, r.updated_serial))
        .collect();
    assert_eq!(
        serials,
        [
            ("random_id.b".to_owned(), second),
            ("random_id.c".to_owned(), third)
        ]
    );
    assert_eq!((first, second, third), (1, 2, 3));
}

#[test]
fn writes_need_an_in_progress_version() {
    let store = memory_store();
    let rec = record("random_id.a", json!(1));
    assert!(matches!(
        store.put_resource(1, &rec),
        Err(StateError::VersionNotFound(1))
    ));
    let done = in_version(&store, |_| {});
    let failed = store.begin_version(meta("apply")).unwrap().serial;
    store
        .finish_version(failed, VersionStatus::Failed, Some("boom"))
        .unwrap();
    for (serial, status) in [
        (done, VersionStatus::Complete),
        (failed, VersionStatus::Failed),
    ] {
        match store.put_resource(serial, &rec) {
            Err(StateError::VersionNotWritable {
                serial: s,
                status: st,
            }) => {
                assert_eq!((s, st), (serial, status));
            }
            other => panic!("expected VersionNotWritable, got {other:?}"),
        }
        assert!(matches!(
            store.finish_version(serial, VersionStatus::Complete, None),
            Err(StateError::VersionNotWritable { .. })
        ));
    }
    assert!(store.list_resources().unwrap().is_empty());
    assert_eq!(
        addresses(&store.list_resources().unwrap()),
        Vec::<&str>::new()
    );
}

/// `addresses` lists the records of one mode, sorted, like a filtered
/// `list_resources`.
#[test]
fn addresses_of_one_mode() {
    let store = memory_store();
    in_version(&store, |serial| {
        for address in [
            "random_id.b",
            "data.local_file.x",
            "module.m.data.http.y",
            "random_id.a",
        ] {
            store
                .put_resource(serial, &record(address, json!({})))
                .expect("put");
        }
    });
    let all = store.list_resources().expect("list");
    for mode in [ResourceMode::Managed, ResourceMode::Data] {
        let expected: Vec<&str> = all
            .iter()
            .filter(|r| r.mode == mode)
            .map(|r| r.address.as_str())
            .collect();
        assert_eq!(
            store.addresses(mode).expect("addresses"),
            expected,
            "{mode:?}"
        );
    }
    assert_eq!(
        store.addresses(ResourceMode::Data).expect("addresses"),
        ["data.local_file.x"]
    );
}
