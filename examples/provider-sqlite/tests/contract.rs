//! The sqlite provider keeps the provider contract, in-process (the same
//! contract file also runs against the plugin binary in the workspace's
//! `tests/e2e_plugins.rs`).

use gitform_provider::Provider;
use gitform_provider_contract::{load_suite, run_suite};
use gitform_provider_sqlite::SqliteProvider;
use std::path::Path;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_provider_keeps_the_contract() {
    let work = tempfile::tempdir().unwrap();
    let provider: Arc<dyn Provider> = Arc::new(SqliteProvider::default());
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("contract.hcl");
    let suite = load_suite(&file, &provider.schema(), work.path()).unwrap();
    let report = run_suite(provider, &suite).await;
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.skipped(), 0, "{}", report.render());
    // Every row the suite wrote is gone again.
    let db = rusqlite::Connection::open(work.path().join("contract.sqlite")).unwrap();
    for table in ["settings", "items"] {
        let n: i64 = db
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "rows left in {table}");
    }
}
