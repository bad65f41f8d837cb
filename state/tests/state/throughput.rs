use std::time::Instant;

use gitform_state::{SqliteStore, StateStore, VersionStatus};
use serde_json::json;

use crate::fixtures::{meta, record};

/// 5,000 single-record transactions on a real file: checks correctness and
/// prints the elapsed time (meaningful in release builds only).
#[test]
fn five_thousand_writes() {
    const N: usize = 5_000;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("state.db")).unwrap();
    let serial = store.begin_version(meta("apply")).unwrap().serial;
    let records: Vec<_> = (0..N)
        .map(|i| {
            let mut rec = record(
                &format!("module.m[{}].random_id.r[\"{i:05}\"]", i % 7),
                json!({"id": format!("{i:x}"), "byte_length": 8, "keepers": {"k": i}}),
            );
            rec.dependencies = vec![format!("random_id.dep{}", i % 13)];
            rec
        })
        .collect();

    let started = Instant::now();
    for rec in &records {
        store.put_resource(serial, rec).unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "wrote {N} resources in {elapsed:?} ({:.1} µs/write)",
        elapsed.as_secs_f64() * 1e6 / N as f64
    );

    let started = Instant::now();
    for rec in records.iter().step_by(2) {
        store.remove_resource(serial, &rec.address).unwrap();
    }
    println!("removed {} resources in {:?}", N / 2, started.elapsed());
    store
        .finish_version(serial, VersionStatus::Complete, None)
        .unwrap();

    let listed = store.list_resources().unwrap();
    let mut expected: Vec<_> = records
        .iter()
        .skip(1)
        .step_by(2)
        .map(|r| gitform_state::ResourceRecord {
            updated_serial: serial,
            ..r.clone()
        })
        .collect();
    expected.sort_by(|a, b| a.address.cmp(&b.address));
    assert_eq!(listed, expected);
    assert_eq!(store.version_changes(serial).unwrap().len(), N + N / 2);
}
