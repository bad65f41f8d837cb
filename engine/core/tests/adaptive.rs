//! Adaptive concurrency: against a provider that throttles above a set
//! rate, the engine slows down for that provider and meets far fewer
//! throttling responses than with a fixed concurrency; a provider's own
//! concurrency limit is never exceeded.

use gitform_engine::changes::Plan;
use gitform_engine::run::Observer;
use gitform_engine::{apply, load, plan, PlanOptions, ProviderRegistry};
use gitform_state::{SqliteStore, StateStore, VersionMeta};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn registry(adaptive: bool) -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        r.register(name, f);
    }
    r.set_adaptive(adaptive);
    r
}

async fn apply_dir(
    dir: &Path,
    registry: ProviderRegistry,
    observer: Arc<dyn Observer>,
    parallelism: usize,
) {
    let state: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open(&dir.join(".gitform/state.db")).unwrap());
    let (ws, diags) = load(dir, registry);
    assert!(!diags.has_errors(), "{diags}");
    let opts = PlanOptions {
        parallelism,
        ..Default::default()
    };
    let (p, diags) = plan(&ws, state.clone(), BTreeMap::new(), opts, observer.clone()).await;
    assert!(!diags.has_errors(), "{diags}");
    let p: Plan = p.unwrap();
    let out = apply(&ws, state, p, parallelism, observer, VersionMeta::default()).await;
    assert!(!out.diagnostics.has_errors(), "{}", out.diagnostics);
    assert_eq!(out.counts.add, N);
}

/// Resources per run: more than the parallelism, so that later calls can
/// benefit from what earlier ones learned.
const N: usize = 200;

fn write_config(dir: &Path, provider: &str) {
    let mut text = format!("provider \"test\" {{\n{provider}\n}}\n");
    for i in 0..N {
        text.push_str(&format!(
            "resource \"test_resource\" \"r{i}\" {{\n  value = \"v{i}\"\n}}\n"
        ));
    }
    std::fs::write(dir.join("main.tf"), text).unwrap();
}

// One test, so that the process-wide throttle counter is read without
// other tests running beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapts_to_throttling_and_honours_the_provider_limit() {
    let throttled = "  delay_ms = 10\n  throttle_per_second = 100\n  throttle_backoff_ms = 50";

    let fixed = tempfile::tempdir().unwrap();
    write_config(fixed.path(), throttled);
    let before = gitform_builtin::throttle_events_total();
    apply_dir(
        fixed.path(),
        registry(false),
        Arc::new(gitform_engine::Silent),
        50,
    )
    .await;
    let fixed_events = gitform_builtin::throttle_events_total() - before;

    let adaptive = tempfile::tempdir().unwrap();
    write_config(adaptive.path(), throttled);
    let before = gitform_builtin::throttle_events_total();
    apply_dir(
        adaptive.path(),
        registry(true),
        Arc::new(gitform_engine::Silent),
        50,
    )
    .await;
    let adaptive_events = gitform_builtin::throttle_events_total() - before;

    println!("throttle events: fixed concurrency {fixed_events}, adaptive {adaptive_events}");
    assert!(fixed_events > 0, "the fixed run is throttled");
    assert!(
        adaptive_events * 2 <= fixed_events,
        "adaptive concurrency meets at most half the throttling: {adaptive_events} vs {fixed_events}"
    );

    // A provider that declares a limit of 3 never has more than 3 changes in flight.
    let limited = tempfile::tempdir().unwrap();
    write_config(limited.path(), "  delay_ms = 5\n  max_concurrency = 3");
    gitform_builtin::reset_peak_in_flight();
    apply_dir(
        limited.path(),
        registry(true),
        Arc::new(gitform_engine::Silent),
        50,
    )
    .await;
    assert_eq!(gitform_builtin::peak_in_flight(), 3);
}
