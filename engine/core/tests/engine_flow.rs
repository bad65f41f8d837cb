//! End-to-end engine flows on the builtin providers: plan, apply, no-op
//! plan, in-place update, replace, drift, destroy.

use gitform_engine::changes::{Action, Plan, PlanMode};
use gitform_engine::{apply, load, plan, PlanOptions, ProviderRegistry, Silent};
use gitform_state::{SqliteStore, StateStore, VersionMeta};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        r.register(name, f);
    }
    r
}

async fn plan_dir(dir: &Path, state: &Arc<dyn StateStore>, opts: PlanOptions) -> Plan {
    let (ws, diags) = load(dir, registry());
    assert!(!diags.has_errors(), "{diags}");
    let (p, diags) = plan(&ws, state.clone(), BTreeMap::new(), opts, Arc::new(Silent)).await;
    assert!(!diags.has_errors(), "{diags}");
    p.expect("plan")
}

async fn apply_dir(dir: &Path, state: &Arc<dyn StateStore>, p: Plan) {
    let (ws, _) = load(dir, registry());
    let out = apply(
        &ws,
        state.clone(),
        p,
        10,
        Arc::new(Silent),
        VersionMeta::default(),
    )
    .await;
    assert!(!out.diagnostics.has_errors(), "{}", out.diagnostics);
}

fn actions(p: &Plan) -> Vec<(String, Action)> {
    p.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.addr.to_string(), c.action))
        .collect()
}

#[tokio::test]
async fn create_noop_update_replace_drift_destroy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let file = dir.join("out.txt");
    let config = |input: &str, trigger: &str| {
        format!(
            r#"
resource "terraform_data" "a" {{
  input            = "{input}"
  triggers_replace = "{trigger}"
}}
resource "terraform_data" "b" {{
  input = terraform_data.a.output
}}
resource "local_file" "f" {{
  filename = "{file}"
  content  = "hello ${{terraform_data.b.output}}"
}}
output "content" {{
  value = local_file.f.content
}}
"#,
            file = file.display()
        )
    };
    std::fs::write(dir.join("main.tf"), config("one", "t1")).unwrap();
    let state: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open(&dir.join(".gitform/state.db")).unwrap());

    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert_eq!(
        actions(&p),
        vec![
            ("local_file.f".to_string(), Action::Create),
            ("terraform_data.a".to_string(), Action::Create),
            ("terraform_data.b".to_string(), Action::Create)
        ]
    );
    apply_dir(dir, &state, p).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello one");
    assert_eq!(state.list_resources().unwrap().len(), 3);

    // A second plan has nothing to do.
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert!(!p.has_changes(), "{:?}", actions(&p));

    // Changing an input updates a in place; b follows; the file's content changes, which replaces it.
    std::fs::write(dir.join("main.tf"), config("two", "t1")).unwrap();
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert_eq!(
        actions(&p),
        vec![
            ("local_file.f".to_string(), Action::DeleteThenCreate),
            ("terraform_data.a".to_string(), Action::Update),
            ("terraform_data.b".to_string(), Action::Update)
        ]
    );
    apply_dir(dir, &state, p).await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello two");

    // triggers_replace forces a replacement.
    std::fs::write(dir.join("main.tf"), config("two", "t2")).unwrap();
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert!(actions(&p).contains(&("terraform_data.a".to_string(), Action::DeleteThenCreate)));
    apply_dir(dir, &state, p).await;
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert!(!p.has_changes(), "{:?}\n{:#?}", actions(&p), p.changes);

    // Deleting the file by hand is drift, and apply recreates it.
    std::fs::remove_file(&file).unwrap();
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert_eq!(p.drift.len(), 1);
    assert_eq!(
        actions(&p),
        vec![("local_file.f".to_string(), Action::Create)]
    );
    apply_dir(dir, &state, p).await;
    assert!(file.exists());

    // Destroy removes everything, dependents first.
    let p = plan_dir(
        dir,
        &state,
        PlanOptions {
            mode: PlanMode::Destroy,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(actions(&p).len(), 3);
    assert!(actions(&p).iter().all(|(_, a)| *a == Action::Delete));
    apply_dir(dir, &state, p).await;
    assert!(state.list_resources().unwrap().is_empty());
    assert!(!file.exists());
}

/// A create-before-destroy replacement whose destroy fails keeps the old
/// object in the state, deposed, and the next plan deletes it.
#[tokio::test]
async fn failed_create_before_destroy_keeps_the_old_object() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = |v: &str| {
        format!(
            r#"
resource "test_resource" "x" {{
  value          = "{v}"
  triggers       = {{ v = "{v}" }}
  fail_on_delete = true
  lifecycle {{
    create_before_destroy = true
  }}
}}
"#
        )
    };
    std::fs::write(dir.join("main.tf"), config("one")).unwrap();
    let state: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open(&dir.join(".gitform/state.db")).unwrap());
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    apply_dir(dir, &state, p).await;
    let old_id = state.list_resources().unwrap()[0].attributes.clone();

    std::fs::write(dir.join("main.tf"), config("two")).unwrap();
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert_eq!(
        actions(&p),
        vec![("test_resource.x".to_string(), Action::CreateThenDelete)]
    );
    let (ws, _) = load(dir, registry());
    let out = apply(
        &ws,
        state.clone(),
        p,
        10,
        Arc::new(Silent),
        VersionMeta::default(),
    )
    .await;
    assert!(
        out.diagnostics.has_errors(),
        "the destroy of the old object fails"
    );

    // Both objects are recorded: the new one, and the old one deposed.
    let records = state.list_resources().unwrap();
    let addresses: Vec<&str> = records.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses.len(), 2, "{addresses:?}");
    assert!(addresses.contains(&"test_resource.x"));
    let deposed = records
        .iter()
        .find(|r| r.address.starts_with("test_resource.x#deposed:"))
        .expect("deposed record");
    assert_eq!(deposed.attributes, old_id);

    // The next plan deletes the deposed object and leaves the new one alone.
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    let deletes: Vec<_> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .collect();
    assert_eq!(deletes.len(), 1);
    assert!(deletes[0].deposed.is_some());
    let rendered = gitform_engine::render::render_plan(&p, Default::default());
    assert!(
        rendered.contains("test_resource.x (deposed object"),
        "{rendered}"
    );
}

/// replace_triggered_by follows the instance (`[count.index]`) and the
/// attribute a reference names.
#[tokio::test]
async fn replace_triggered_by_is_per_instance_and_attribute() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = |a: &str, b: &str| {
        format!(
            r#"
variable "vals" {{
  default = ["{a}", "{b}"]
}}
resource "test_resource" "x" {{
  count = 2
  value = var.vals[count.index]
}}
resource "terraform_data" "y" {{
  count = 2
  input = count.index
  lifecycle {{
    replace_triggered_by = [test_resource.x[count.index]]
  }}
}}
resource "terraform_data" "z" {{
  input = "z"
  lifecycle {{
    replace_triggered_by = [test_resource.x[0].value]
  }}
}}
"#
        )
    };
    std::fs::write(dir.join("main.tf"), config("a", "b")).unwrap();
    let state: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open(&dir.join(".gitform/state.db")).unwrap());
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    apply_dir(dir, &state, p).await;

    std::fs::write(dir.join("main.tf"), config("a", "B")).unwrap();
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert_eq!(
        actions(&p),
        vec![
            ("terraform_data.y[1]".to_string(), Action::DeleteThenCreate),
            ("test_resource.x[1]".to_string(), Action::Update),
        ]
    );
    apply_dir(dir, &state, p).await;

    std::fs::write(dir.join("main.tf"), config("A", "B")).unwrap();
    let p = plan_dir(dir, &state, PlanOptions::default()).await;
    assert_eq!(
        actions(&p),
        vec![
            ("terraform_data.y[0]".to_string(), Action::DeleteThenCreate),
            ("terraform_data.z".to_string(), Action::DeleteThenCreate),
            ("test_resource.x[0]".to_string(), Action::Update),
        ]
    );
}
