use gitform_state::sqlite::latest_schema_version;
use gitform_state::{SqliteStore, StateError, StateStore};
use serde_json::json;

use crate::fixtures::{in_version, record};

#[test]
fn fresh_database_is_migrated_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dirs/state.db");
    let store = SqliteStore::open(&path).unwrap();
    assert!(
        path.exists(),
        "open creates parent directories and the file"
    );
    assert_eq!(store.schema_version().unwrap(), latest_schema_version());
    assert_eq!(store.current_serial().unwrap(), 0);
    assert!(store.list_resources().unwrap().is_empty());
    assert!(store.list_versions().unwrap().is_empty());
    assert!(store.outputs().unwrap().is_empty());
    assert_eq!(store.current_lock().unwrap(), None);
    assert_eq!(store.path(), Some(path.as_path()));
}

#[test]
fn reopen_keeps_schema_lineage_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let lineage = {
        let store = SqliteStore::open(&path).unwrap();
        in_version(&store, |s| {
            store
                .put_resource(s, &record("random_id.a", json!({"id": "x"})))
                .unwrap()
        });
        store.lineage().unwrap()
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_schema_version());
    assert_eq!(store.lineage().unwrap(), lineage);
    assert_eq!(store.current_serial().unwrap(), 1);
    assert_eq!(
        store
            .get_resource("random_id.a")
            .unwrap()
            .unwrap()
            .attributes,
        json!({"id": "x"})
    );
}

#[test]
fn databases_get_distinct_lineages() {
    let a = SqliteStore::open_in_memory().unwrap().lineage().unwrap();
    let b = SqliteStore::open_in_memory().unwrap().lineage().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
}

#[test]
fn wal_mode_is_used_for_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let _store = SqliteStore::open(&path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 999").unwrap();
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StateError::SchemaTooNew {
            found: 999,
            supported,
        }) => {
            assert_eq!(supported, latest_schema_version());
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn session_one_database_is_upgraded_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("fixtures/session1.sql"))
        .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_schema_version());
    assert_eq!(
        store.lineage().unwrap(),
        "11111111-2222-3333-4444-555555555555"
    );
    assert_eq!(store.current_serial().unwrap(), 1);
    let version = store.get_version(1).unwrap().unwrap();
    let git = version.git.unwrap();
    assert_eq!(
        (git.sha.as_str(), git.author.as_str(), git.email.as_str()),
        ("aaaabbbbccccdddd", "Ann", "")
    );
    assert_eq!(store.list_resources().unwrap().len(), 1);
    // Old runs keep what they had; the new columns take their defaults.
    let runs = store.list_runs(10).unwrap();
    let seen: Vec<_> = runs
        .iter()
        .map(|r| {
            (
                r.kind.as_str(),
                r.outcome.as_deref(),
                r.serial,
                r.trigger.as_str(),
                r.environment.as_deref(),
                r.counts.add,
                r.has_plan,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("apply", Some("success"), Some(1), "cli", None, 0, false),
            ("plan", Some("success"), None, "cli", None, 0, false),
        ]
    );
    // And the upgraded database takes new runs.
    let id = store
        .begin_run(&gitform_state::RunStart {
            kind: "drift-check".into(),
            environment: Some("prod".into()),
            trigger: "schedule".into(),
            git: None,
        })
        .unwrap();
    assert_eq!(store.get_run(id).unwrap().unwrap().kind, "drift-check");
}

/// Migration 3 moves the plans saved with runs (schema 2 kept them in the
/// `runs` row) to the `run_plans` table.
#[test]
fn plans_of_schema_two_runs_move_to_their_own_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = SqliteStore::open(&path).unwrap();
    let begin = |kind: &str| {
        store
            .begin_run(&gitform_state::RunStart {
                kind: kind.into(),
                environment: None,
                trigger: "cli".into(),
                git: None,
            })
            .unwrap()
    };
    let (with_plan, without) = (begin("apply"), begin("plan"));
    drop(store);
    // Back to schema 2: no run_plans table, the plan in the row.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!(
        "DROP TABLE run_plans; UPDATE runs SET plan = '{{\"v\":2}}' WHERE id = {with_plan}; \
         PRAGMA user_version = 2;"
    ))
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_schema_version());
    assert_eq!(
        store.run_plan(with_plan).unwrap().as_deref(),
        Some("{\"v\":2}")
    );
    assert_eq!(store.run_plan(without).unwrap(), None);
    let has_plan: Vec<(i64, bool)> = store
        .list_runs(10)
        .unwrap()
        .iter()
        .map(|r| (r.id, r.has_plan))
        .collect();
    assert_eq!(has_plan, [(without, false), (with_plan, true)]);
    // The rows no longer carry it.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM runs WHERE plan IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}
