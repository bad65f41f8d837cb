mod harness;

use gitform_provider::{ConfigureRequest, Provider, ReadDataRequest};
use gitform_value::{Type, Value};
use harness::{errors, s, Harness};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn lifecycle_in_place_and_replace() {
    let h = Harness::new("test_resource");
    let state = h.create(&h.config(&[("value", Value::from("a"))])).await;
    assert_eq!(s(&state, "result"), "a");
    assert_eq!(s(&state, "id").len(), 16);
    let (updated, plan) = h
        .update(&state, &h.config(&[("value", Value::from("b"))]))
        .await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(
        (s(&updated, "id"), s(&updated, "result")),
        (s(&state, "id"), "b")
    );
    let triggers = Value::Map(BTreeMap::from([("t".to_string(), Value::from("1"))]));
    let (replaced, plan) = h
        .update(
            &updated,
            &h.config(&[("value", Value::from("b")), ("triggers", triggers)]),
        )
        .await;
    assert_eq!(
        plan.requires_replace
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["triggers"]
    );
    assert_ne!(s(&replaced, "id"), s(&state, "id"));
    assert_eq!(h.read(&replaced).await.new_state, Some(replaced.clone()));
    assert_eq!(h.delete(&replaced).await.new_state, None);
}

#[tokio::test]
async fn unknown_value_plans_unknown_result() {
    let h = Harness::new("test_resource");
    let plan = h
        .plan(None, &h.config(&[("value", Value::Unknown(Type::String))]))
        .await;
    let planned = plan.planned_state.expect("planned");
    assert_eq!(
        planned.get_attr("result"),
        Some(&Value::Unknown(Type::String))
    );
    assert_eq!(planned.get_attr("id"), Some(&Value::Unknown(Type::String)));
}

#[tokio::test]
async fn failures() {
    let h = Harness::new("test_resource");
    // fail_on_create: an error AND the new object with its id (the engine taints it).
    let config = h.config(&[
        ("value", Value::from("a")),
        ("fail_on_create", Value::Bool(true)),
        ("fail_message", Value::from("boom")),
    ]);
    let planned = h.plan(None, &config).await.planned_state.expect("planned");
    let resp = h.apply(None, Some(planned), &config).await;
    assert_eq!(errors(&resp.diagnostics), ["Test resource failure: boom"]);
    let partial = resp.new_state.expect("partial state");
    assert!(!s(&partial, "id").is_empty());
    assert!(partial.is_wholly_known());

    // fail_on_update: an error, and the prior state.
    let prior = h.create(&h.config(&[("value", Value::from("a"))])).await;
    let config = h.config(&[
        ("value", Value::from("b")),
        ("fail_on_update", Value::Bool(true)),
    ]);
    let planned = h
        .plan(Some(&prior), &config)
        .await
        .planned_state
        .expect("planned");
    let resp = h.apply(Some(&prior), Some(planned), &config).await;
    assert_eq!(errors(&resp.diagnostics).len(), 1);
    assert!(errors(&resp.diagnostics)[0].contains("fail_on_update"));
    assert_eq!(resp.new_state, Some(prior));

    // fail_on_delete: an error, and the object still exists.
    let doomed = h
        .create(&h.config(&[("fail_on_delete", Value::Bool(true))]))
        .await;
    let resp = h.delete(&doomed).await;
    assert_eq!(errors(&resp.diagnostics).len(), 1);
    assert_eq!(resp.new_state, Some(doomed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_delays_overlap() {
    let h = Arc::new(Harness::new("test_resource"));
    h.provider
        .configure(ConfigureRequest {
            config: Value::object([("delay_ms", Value::int(300))]),
        })
        .await;
    let config = h.config(&[("value", Value::from("x"))]);
    let planned = h.plan(None, &config).await.planned_state.expect("planned");
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let (h, planned, config) = (h.clone(), planned.clone(), config.clone());
        tasks.spawn(async move { h.apply(None, Some(planned), &config).await });
    }
    let mut done = 0;
    while let Some(r) = tasks.join_next().await {
        assert!(r.expect("task").diagnostics.is_empty());
        done += 1;
    }
    let elapsed = start.elapsed();
    assert_eq!(done, 1000);
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(3000),
        "1000 delayed creates took {elapsed:?}"
    );
}

#[tokio::test]
async fn per_resource_delays() {
    let h = Harness::new("test_resource");
    h.provider
        .configure(ConfigureRequest {
            config: Value::object([("delay_ms", Value::int(5000))]),
        })
        .await;
    // The resource's delay_ms overrides the provider's.
    let start = Instant::now();
    let state = h
        .create(&h.config(&[
            ("delay_ms", Value::int(50)),
            ("read_delay_ms", Value::int(80)),
        ]))
        .await;
    assert!(
        start.elapsed() >= Duration::from_millis(50)
            && start.elapsed() < Duration::from_millis(4000)
    );
    let start = Instant::now();
    h.read(&state).await;
    assert!(start.elapsed() >= Duration::from_millis(80));
}

#[tokio::test]
async fn data_source_and_import() {
    let provider = gitform_builtin::TestProvider::default();
    let config = Value::object([
        ("input", Value::from("in")),
        ("output", Value::Null),
        ("id", Value::Null),
    ]);
    let resp = provider
        .read_data(ReadDataRequest {
            type_name: "test_data".into(),
            config,
        })
        .await;
    assert_eq!(s(&resp.state, "output"), "in");
    let h = Harness::new("test_resource");
    let imported = h.import("abc").await;
    assert_eq!(s(&imported.imported[0].state, "id"), "abc");
}
