//! The plugin host driving real plugin processes: the builtin providers
//! served through the SDK (`gitform-provider-test`, `-terraform`, ...).
//! What the engine gets through the wire must be what it gets in-process.

use gitform_builtin::{builtin_provider, TerraformProvider};
use gitform_plugin::{live_pids, Plugin, PluginProvider, PluginSettings};
use gitform_provider::{
    ApplyChangeRequest, ConfigKind, ConfigureRequest, PlanChangeRequest, Provider,
    ReadBatchRequest, ReadRequest, ReadRequestItem, ValidateConfigRequest,
};
use gitform_value::{Number, Type, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn exe(name: &str) -> &'static Path {
    match name {
        "test" => Path::new(env!("CARGO_BIN_EXE_gitform-provider-test")),
        "terraform" => Path::new(env!("CARGO_BIN_EXE_gitform-provider-terraform")),
        "random" => Path::new(env!("CARGO_BIN_EXE_gitform-provider-random")),
        "local" => Path::new(env!("CARGO_BIN_EXE_gitform-provider-local")),
        other => panic!("no plugin {other}"),
    }
}

fn settings() -> PluginSettings {
    PluginSettings {
        call_timeout: Duration::from_secs(30),
        start_timeout: Duration::from_secs(30),
        shutdown_grace: Duration::from_secs(5),
    }
}

fn start(name: &str) -> Arc<Plugin> {
    Plugin::start(name, exe(name), settings()).expect("plugin starts")
}

/// A plugin whose stderr (with the SDK's debug lines: "received apply
/// (id 3)") goes to a file, so a test can see when a call reached it
/// rather than sleep.
struct Logged {
    dir: std::path::PathBuf,
    log: std::path::PathBuf,
    plugin: Arc<Plugin>,
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_logged(name: &str) -> Logged {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gitform-host-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("stderr.log");
    let wrapper = dir.join(format!("gitform-provider-{name}"));
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nGITFORM_LOG=debug exec '{}' \"$@\" 2>>'{}'\n",
            exe(name).display(),
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let plugin = Plugin::start(name, &wrapper, settings()).expect("plugin starts");
    Logged { dir, log, plugin }
}

impl Logged {
    /// Waits until the plugin has received `n` calls of `method`.
    async fn wait_received(&self, method: &str, n: usize) {
        let needle = format!("received {method} ");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if text.matches(&needle).count() >= n {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the plugin never received {n} {method} calls:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn proc_alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would show state Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

#[test]
fn handshake_carries_the_same_schema_as_in_process() {
    for name in ["test", "terraform", "random", "local"] {
        let plugin = start(name);
        let in_process = builtin_provider(name).expect("builtin")().schema();
        assert_eq!(plugin.schema(), &in_process, "{name}");
        assert_eq!(plugin.version(), env!("CARGO_PKG_VERSION"), "{name}");
        assert_eq!(plugin.reported_name(), name);
    }
}

/// A value with everything the tagged encoding must keep: big and precise
/// numbers, sensitive marks, sets, maps, lists, nulls, a `$t` attribute.
fn rich_value() -> Value {
    Value::object([
        (
            "big",
            Value::Number(
                Number::parse("123456789012345678901234567890.000000000000000000001").unwrap(),
            ),
        ),
        ("secret", Value::from("hunter2").sensitive()),
        ("ports", Value::set(vec![Value::int(443), Value::int(80)])),
        (
            "tags",
            Value::Map([("Name".to_string(), Value::from("x"))].into()),
        ),
        ("list", Value::List(vec![Value::Null, Value::from(true)])),
        ("$t", Value::from("not a tag")),
    ])
}

fn data_config(input: Value) -> Value {
    Value::object([
        ("input", input),
        ("output", Value::Null),
        ("triggers_replace", Value::Null),
        ("id", Value::Null),
    ])
}

/// terraform_data copies `input` to `output` at apply: through the plugin,
/// the value comes back exactly, and the plan and apply agree with the
/// in-process provider's.
#[tokio::test(flavor = "multi_thread")]
async fn values_cross_the_wire_without_loss() {
    let plugin = start("terraform");
    let remote = plugin.provider();
    let local = TerraformProvider;
    let config = data_config(rich_value());
    let plan_req = PlanChangeRequest {
        type_name: "terraform_data".into(),
        prior_state: None,
        proposed_new_state: Some(config.clone()),
        config: config.clone(),
        prior_private: Some(vec![0, 159, 255]),
    };
    let remote_plan = remote.plan_change(plan_req.clone()).await;
    let local_plan = local.plan_change(plan_req).await;
    assert_eq!(remote_plan, local_plan);
    let planned = remote_plan.planned_state.clone().expect("planned");
    assert_eq!(
        planned.get_attr("output"),
        Some(&Value::Unknown(rich_value().ty()))
    );
    let applied = remote
        .apply_change(ApplyChangeRequest {
            type_name: "terraform_data".into(),
            prior_state: None,
            planned_state: Some(planned),
            config,
            planned_private: remote_plan.planned_private,
        })
        .await;
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    let state = applied.new_state.expect("state");
    assert_eq!(state.get_attr("output"), Some(&rich_value()));
    assert!(state.is_wholly_known());
    // Unknowns travel too: an unknown input plans an unknown output of its type.
    let unknown = data_config(Value::Unknown(Type::list(Type::String)));
    let r = remote
        .plan_change(PlanChangeRequest {
            type_name: "terraform_data".into(),
            prior_state: None,
            proposed_new_state: Some(unknown.clone()),
            config: unknown,
            prior_private: None,
        })
        .await;
    assert_eq!(
        r.planned_state.expect("planned").get_attr("output"),
        Some(&Value::Unknown(Type::list(Type::String)))
    );
}

fn test_resource(value: &str, delay_ms: i64) -> Value {
    let block = gitform_builtin::TestProvider::default().schema().resources["test_resource"]
        .block
        .clone();
    let mut m = match block.null_object() {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    m.insert("value".into(), Value::from(value));
    m.insert("delay_ms".into(), Value::int(delay_ms));
    Value::Object(m)
}

async fn create(p: &PluginProvider, value: &str, delay_ms: i64) -> Value {
    let config = test_resource(value, delay_ms);
    let plan = p
        .plan_change(PlanChangeRequest {
            type_name: "test_resource".into(),
            prior_state: None,
            proposed_new_state: Some(config.clone()),
            config: config.clone(),
            prior_private: None,
        })
        .await;
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let r = p
        .apply_change(ApplyChangeRequest {
            type_name: "test_resource".into(),
            prior_state: None,
            planned_state: plan.planned_state,
            config,
            planned_private: None,
        })
        .await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    r.new_state.expect("created")
}

/// The host sends calls concurrently and takes answers in the order they
/// come: a slow create does not hold up a quick one sent after it.
#[tokio::test(flavor = "multi_thread")]
async fn one_process_serves_many_calls_at_once() {
    let logged = start_logged("test");
    let p = Arc::new(logged.plugin.provider());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for (i, (name, delay)) in [("slow", 3000), ("quick", 0)].into_iter().enumerate() {
        let (p, tx) = (p.clone(), tx.clone());
        tasks.push(tokio::spawn(async move {
            let state = create(&p, name, delay).await;
            let _ = tx.send(state.get_attr("result").cloned());
        }));
        // The slow apply reaches the plugin before the quick one is sent.
        logged.wait_received("apply", i + 1).await;
    }
    let first = rx.recv().await.flatten();
    assert_eq!(first, Some(Value::from("quick")));
    for t in tasks {
        t.await.unwrap();
    }
    // Many at once: all 50 answered, each with its own result.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let p = p.clone();
        set.spawn(async move { create(&p, &format!("v{i}"), 10).await });
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        results.push(
            r.unwrap()
                .get_attr("result")
                .and_then(|v| v.as_str().map(String::from))
                .unwrap(),
        );
    }
    results.sort();
    let mut want: Vec<String> = (0..50).map(|i| format!("v{i}")).collect();
    want.sort();
    assert_eq!(results, want);
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_validate_and_configure_through_the_plugin() {
    let plugin = start("test");
    let p = plugin.provider();
    let cfg = p
        .configure(ConfigureRequest {
            config: Value::object([
                ("delay_ms", Value::Null),
                ("throttle_per_second", Value::Null),
                ("throttle_backoff_ms", Value::Null),
                ("max_concurrency", Value::int(3)),
            ]),
        })
        .await;
    assert!(cfg.diagnostics.is_empty(), "{:?}", cfg.diagnostics);
    assert_eq!(
        p.max_concurrency(),
        Some(3),
        "configure's max_concurrency crosses the wire"
    );
    let state = create(&p, "x", 0).await;
    let read = p
        .read(ReadRequest {
            type_name: "test_resource".into(),
            current_state: state.clone(),
            private: None,
        })
        .await;
    assert_eq!(read.new_state.as_ref(), Some(&state));
    let batch = p
        .read_batch(ReadBatchRequest {
            type_name: "test_resource".into(),
            items: vec![
                ReadRequestItem {
                    current_state: state.clone(),
                    private: None,
                },
                ReadRequestItem {
                    current_state: state.clone(),
                    private: Some(vec![1]),
                },
            ],
        })
        .await;
    assert_eq!(batch.items.len(), 2);
    assert_eq!(batch.items[1].new_state.as_ref(), Some(&state));
    // An unknown attribute: the plugin's validation, and its diagnostic
    // path, come back.
    let bad = p
        .validate_config(ValidateConfigRequest {
            kind: ConfigKind::Resource,
            type_name: "no_such_type".into(),
            config: Value::Null,
        })
        .await;
    assert_eq!(bad.diagnostics.len(), 1);
    assert_eq!(bad.diagnostics[0].summary, "Invalid resource type");
}

/// Dropping the provider shuts the plugin down and reaps it.
#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_provider_stops_and_reaps_the_process() {
    let plugin = start("test");
    let p = plugin.provider();
    create(&p, "x", 0).await;
    let pid = p.pid().expect("running");
    assert!(proc_alive(pid));
    assert!(live_pids().contains(&pid));
    drop(p);
    assert!(!proc_alive(pid), "plugin {pid} still running after drop");
    assert!(!live_pids().contains(&pid));
    // A second provider from the same plugin starts its own process.
    let q = plugin.provider();
    create(&q, "y", 0).await;
    let pid2 = q.pid().expect("running");
    assert_ne!(pid, pid2);
    q.shutdown();
    assert!(!proc_alive(pid2));
}

/// A plugin killed from outside: the call in flight fails with the reason,
/// later calls fail at once, and the process is reaped.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_plugin_fails_its_calls() {
    let logged = start_logged("test");
    let p = Arc::new(logged.plugin.provider());
    create(&p, "warm", 0).await;
    let pid = p.pid().expect("running");
    let slow = {
        let p = p.clone();
        tokio::spawn(async move {
            let config = test_resource("slow", 60_000);
            let plan = p
                .plan_change(PlanChangeRequest {
                    type_name: "test_resource".into(),
                    prior_state: None,
                    proposed_new_state: Some(config.clone()),
                    config: config.clone(),
                    prior_private: None,
                })
                .await;
            p.apply_change(ApplyChangeRequest {
                type_name: "test_resource".into(),
                prior_state: None,
                planned_state: plan.planned_state,
                config,
                planned_private: None,
            })
            .await
        })
    };
    // The warm-up's apply, then the slow one.
    logged.wait_received("apply", 2).await;
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let r = slow.await.unwrap();
    assert_eq!(
        r.new_state, None,
        "a failed create returns the prior state (none)"
    );
    assert_eq!(r.diagnostics.len(), 1);
    let d = &r.diagnostics[0];
    assert_eq!(d.summary, "Provider plugin exited unexpectedly");
    assert!(
        d.detail
            .contains("was killed by signal 9 (SIGKILL) while applying a change to test_resource"),
        "{}",
        d.detail
    );
    assert!(d.detail.contains("gitform-provider-test"), "{}", d.detail);
    assert!(!proc_alive(pid));
    let again = p
        .read(ReadRequest {
            type_name: "test_resource".into(),
            current_state: Value::Null,
            private: None,
        })
        .await;
    assert_eq!(
        again.diagnostics[0].summary,
        "Provider plugin exited unexpectedly"
    );
}

/// Run by hand, a plugin says what it is and exits 1.
#[test]
fn run_by_hand_a_plugin_explains_itself() {
    let out = std::process::Command::new(exe("random"))
        .env_remove("GITFORM_PLUGIN_PROTOCOL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gitform-provider-random, a gitform provider plugin"),
        "{err}"
    );
}
