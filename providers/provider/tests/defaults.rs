//! The trait's default methods, exercised through a minimal provider.

use async_trait::async_trait;
use gitform_provider::*;
use gitform_value::{Type, Value};
use std::collections::BTreeMap;

struct Echo;

#[async_trait]
impl Provider for Echo {
    fn schema(&self) -> ProviderSchema {
        let thing = Schema::new(
            Block::new()
                .attr("name", Attribute::required(Type::String).force_new())
                .attr("id", Attribute::computed(Type::String)),
        );
        ProviderSchema {
            resources: BTreeMap::from([("echo_thing".to_string(), thing)]),
            ..ProviderSchema::default()
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        ApplyChangeResponse {
            new_state: req.planned_state,
            ..ApplyChangeResponse::default()
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        // Objects named "gone" no longer exist.
        let gone = req.current_state.get_attr("name").and_then(Value::as_str) == Some("gone");
        ReadResponse {
            new_state: (!gone).then_some(req.current_state),
            ..ReadResponse::default()
        }
    }
}

fn thing(name: &str) -> Value {
    Value::object([("name", Value::from(name)), ("id", Value::from("1"))])
}

#[tokio::test]
async fn read_batch_keeps_order() {
    let items = ["a", "gone", "c"]
        .iter()
        .map(|n| ReadRequestItem {
            current_state: thing(n),
            private: None,
        })
        .collect();
    let resp = Echo
        .read_batch(ReadBatchRequest {
            type_name: "echo_thing".into(),
            items,
        })
        .await;
    let got: Vec<Option<Value>> = resp.items.into_iter().map(|r| r.new_state).collect();
    assert_eq!(got, vec![Some(thing("a")), None, Some(thing("c"))]);
}

#[tokio::test]
async fn default_plan_uses_schema() {
    let req = PlanChangeRequest {
        type_name: "echo_thing".into(),
        prior_state: Some(thing("a")),
        proposed_new_state: Some(thing("b")),
        config: Value::object([("name", Value::from("b")), ("id", Value::Null)]),
        prior_private: None,
    };
    let resp = Echo.plan_change(req).await;
    assert!(resp.diagnostics.is_empty());
    assert_eq!(
        resp.requires_replace,
        vec![gitform_value::AttrPath::attr("name")]
    );
    assert_eq!(
        resp.planned_state,
        Some(Value::object([
            ("name", Value::from("b")),
            ("id", Value::Unknown(Type::String))
        ]))
    );
}

#[tokio::test]
async fn defaults_report_unsupported_types() {
    let cases: Vec<(&str, Vec<gitform_value::Diagnostic>)> = vec![
        (
            "validate unknown resource",
            Echo.validate_config(ValidateConfigRequest {
                kind: ConfigKind::Resource,
                type_name: "echo_nope".into(),
                config: Value::Null,
            })
            .await
            .diagnostics,
        ),
        (
            "read data",
            Echo.read_data(ReadDataRequest {
                type_name: "echo_d".into(),
                config: Value::Null,
            })
            .await
            .diagnostics,
        ),
        (
            "import",
            Echo.import(ImportRequest {
                type_name: "echo_thing".into(),
                id: "x".into(),
            })
            .await
            .diagnostics,
        ),
    ];
    for (name, diags) in cases {
        assert_eq!(diags.len(), 1, "{name}");
        assert!(diags[0].is_error(), "{name}");
    }
    let ok = Echo
        .validate_config(ValidateConfigRequest {
            kind: ConfigKind::Resource,
            type_name: "echo_thing".into(),
            config: Value::object([("name", Value::Null), ("id", Value::Null)]),
        })
        .await;
    assert_eq!(ok.diagnostics.len(), 1);
    assert_eq!(ok.diagnostics[0].summary, "Missing required argument");
}
