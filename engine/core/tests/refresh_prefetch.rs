//! The refresh batches start as soon as their provider configuration is
//! configured, not when the first node of their type runs: two types whose
//! nodes are ordered one after the other in the graph are read at the same
//! time.
//!
//! The provider here is the builtin `test` provider, with one more
//! resource type, `test_second`, that is `test_resource` under another
//! name; it records when each `read_batch` call starts and ends. Reads take
//! the `read_delay_ms` of the objects. Whether the reads overlap is decided
//! from the recorded instants, never from the wall time of the plan.

use async_trait::async_trait;
use gitform_engine::changes::{Action, PlanMode};
use gitform_engine::{apply, load, plan, PlanOptions, ProviderRegistry, Silent};
use gitform_provider::{
    ApplyChangeRequest, ApplyChangeResponse, ConfigureRequest, ConfigureResponse, ImportRequest,
    ImportResponse, PlanChangeRequest, PlanChangeResponse, Provider, ProviderSchema,
    ReadBatchRequest, ReadBatchResponse, ReadDataRequest, ReadDataResponse, ReadRequest,
    ReadResponse, ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_state::{SqliteStore, StateStore, VersionMeta};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const SECOND: &str = "test_second";

/// One `read_batch` call: type, objects, start, end.
type Call = (String, usize, Instant, Instant);

static CALLS: Mutex<Vec<Call>> = Mutex::new(Vec::new());

/// The builtin test provider, with `test_second` as a second resource type.
struct Recording(Arc<dyn Provider>);

/// The inner provider's name for `type_name`.
fn inner(type_name: &str) -> String {
    if type_name == SECOND {
        "test_resource".to_string()
    } else {
        type_name.to_string()
    }
}

#[async_trait]
impl Provider for Recording {
    fn schema(&self) -> ProviderSchema {
        let mut s = self.0.schema();
        if let Some(r) = s.resources.get("test_resource").cloned() {
            s.resources.insert(SECOND.to_string(), r);
        }
        s
    }
    async fn validate_config(&self, mut req: ValidateConfigRequest) -> ValidateConfigResponse {
        req.type_name = inner(&req.type_name);
        self.0.validate_config(req).await
    }
    async fn configure(&self, req: ConfigureRequest) -> ConfigureResponse {
        self.0.configure(req).await
    }
    async fn plan_change(&self, mut req: PlanChangeRequest) -> PlanChangeResponse {
        req.type_name = inner(&req.type_name);
        self.0.plan_change(req).await
    }
    async fn apply_change(&self, mut req: ApplyChangeRequest) -> ApplyChangeResponse {
        req.type_name = inner(&req.type_name);
        self.0.apply_change(req).await
    }
    async fn read(&self, mut req: ReadRequest) -> ReadResponse {
        req.type_name = inner(&req.type_name);
        self.0.read(req).await
    }
    async fn read_batch(&self, mut req: ReadBatchRequest) -> ReadBatchResponse {
        let type_name = std::mem::take(&mut req.type_name);
        req.type_name = inner(&type_name);
        let n = req.items.len();
        let start = Instant::now();
        let resp = self.0.read_batch(req).await;
        CALLS
            .lock()
            .unwrap()
            .push((type_name, n, start, Instant::now()));
        resp
    }
    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        self.0.read_data(req).await
    }
    async fn import(&self, mut req: ImportRequest) -> ImportResponse {
        req.type_name = inner(&req.type_name);
        self.0.import(req).await
    }
}

fn registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        if name == "test" {
            r.register(name, move || Arc::new(Recording(f())) as Arc<dyn Provider>);
        } else {
            r.register(name, f);
        }
    }
    r
}

/// Three `test_resource` objects, then three `test_second` objects that
/// depend on them (and on a data source read in between), all read in
/// 300 ms. The data source is planned too (a no-op).
const CONFIG: &str = r#"
resource "test_resource" "a" {
  count         = 3
  value         = "a${count.index}"
  read_delay_ms = 300
}

data "test_data" "between" {
  input = test_resource.a[0].value
}

resource "test_second" "b" {
  count         = 3
  value         = "${test_resource.a[count.index].value}-${data.test_data.between.input}"
  read_delay_ms = 300
}
"#;

struct Case {
    name: &'static str,
    refresh: bool,
    mode: PlanMode,
    parallelism: usize,
    /// Whether two reads overlap in time.
    overlap: bool,
    /// The reads expected: (type, objects), sorted.
    reads: &'static [(&'static str, usize)],
    /// The changes expected, by action.
    actions: &'static [(Action, usize)],
}

const CASES: &[Case] = &[
    Case {
        name: "refresh",
        refresh: true,
        mode: PlanMode::Normal,
        parallelism: 10,
        overlap: true,
        reads: &[("test_resource", 3), ("test_second", 3)],
        actions: &[(Action::NoOp, 7)],
    },
    Case {
        // A prefetch is a provider call: with one parallelism slot, the
        // batches are read one after the other.
        name: "-parallelism=1",
        refresh: true,
        mode: PlanMode::Normal,
        parallelism: 1,
        overlap: false,
        reads: &[("test_resource", 3), ("test_second", 3)],
        actions: &[(Action::NoOp, 7)],
    },
    Case {
        name: "-refresh=false",
        refresh: false,
        mode: PlanMode::Normal,
        parallelism: 10,
        overlap: false,
        reads: &[],
        actions: &[(Action::NoOp, 7)],
    },
    Case {
        name: "destroy",
        refresh: true,
        mode: PlanMode::Destroy,
        parallelism: 10,
        overlap: false,
        reads: &[],
        actions: &[(Action::Delete, 6)],
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_of_dependent_types_are_read_at_the_same_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("main.tf"), CONFIG).unwrap();
    let state: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open(&dir.join(".gitform/state.db")).unwrap());
    let (ws, diags) = load(dir, registry());
    assert!(!diags.has_errors(), "{diags}");
    let (p, diags) = plan(
        &ws,
        state.clone(),
        BTreeMap::new(),
        PlanOptions::default(),
        Arc::new(Silent),
    )
    .await;
    assert!(!diags.has_errors(), "{diags}");
    let out = apply(
        &ws,
        state.clone(),
        p.unwrap(),
        10,
        Arc::new(Silent),
        VersionMeta::default(),
    )
    .await;
    assert!(!out.diagnostics.has_errors(), "{}", out.diagnostics);

    for case in CASES {
        CALLS.lock().unwrap().clear();
        let opts = PlanOptions {
            refresh: case.refresh,
            mode: case.mode,
            parallelism: case.parallelism,
            ..PlanOptions::default()
        };
        let (p, diags) = plan(&ws, state.clone(), BTreeMap::new(), opts, Arc::new(Silent)).await;
        assert!(!diags.has_errors(), "{}: {diags}", case.name);
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for c in &p.unwrap().changes {
            *counts.entry(format!("{:?}", c.action)).or_default() += 1;
        }
        let expected: BTreeMap<String, usize> = case
            .actions
            .iter()
            .map(|(a, n)| (format!("{a:?}"), *n))
            .collect();
        assert_eq!(counts, expected, "{}: planned actions", case.name);

        let calls = CALLS.lock().unwrap().clone();
        let mut reads: Vec<(&str, usize)> =
            calls.iter().map(|(t, n, _, _)| (t.as_str(), *n)).collect();
        reads.sort();
        assert_eq!(reads, case.reads, "{}: read_batch calls", case.name);
        if let [(_, _, s1, e1), (_, _, s2, e2)] = calls.as_slice() {
            // Each read lasts 300 ms; read one after the other, the second
            // starts after the first ended.
            let t0 = *s1.min(s2);
            assert_eq!(
                s1 < e2 && s2 < e1,
                case.overlap,
                "{}: whether the two batches overlap in time: {:?}..{:?} and {:?}..{:?} after the first start",
                case.name,
                s1.duration_since(t0),
                e1.duration_since(t0),
                s2.duration_since(t0),
                e2.duration_since(t0),
            );
        }
    }
}
