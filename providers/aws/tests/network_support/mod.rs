//! Drives the aws provider through the `Provider` trait the way the engine
//! does (validate, plan_change then apply_change, read_batch, import)
//! against a real moto_server, behind a per-test proxy that gives the test
//! its own moto account and counts its calls. Results are checked with the
//! test's own aws-sdk-ec2 client, never through the provider's read path.
#![allow(dead_code)]

use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use gitform_moto::{account, shared_or_skip, Faults, Proxy, ProxyConfig};
use gitform_provider::{
    proposed_new_state, ApplyChangeRequest, ApplyChangeResponse, ConfigKind, ConfigureRequest,
    ImportRequest, PlanChangeRequest, PlanChangeResponse, Provider, ProviderSchema,
    ReadBatchRequest, ReadDataRequest, ReadRequestItem, ReadResponse, ValidateConfigRequest,
};
use gitform_value::{AttrPath, Diagnostic, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Once};

/// One test's world.
pub struct Env {
    pub proxy: Proxy,
    pub provider: Arc<dyn Provider>,
    /// The test's own client (same moto account, through the same proxy).
    pub ec2: aws_sdk_ec2::Client,
    pub schema: ProviderSchema,
}

pub fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

/// A string value.
pub fn s(x: &str) -> Value {
    Value::from(x)
}

/// A `map(string)` value.
pub fn map(pairs: &[(&str, &str)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

/// The string attribute `name` of a state (panics when absent: a test bug).
pub fn attr<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get_attr(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string {name} in {v:?}"))
}

/// The test environment, or `None` (printed as skipped) when moto cannot
/// start and `CI` is not set; with `CI` set that is a failure.
pub async fn env(test: &str) -> Option<Env> {
    static METADATA_OFF: Once = Once::new();
    METADATA_OFF.call_once(|| std::env::set_var("AWS_EC2_METADATA_DISABLED", "true"));
    let moto = shared_or_skip(test)?;
    let proxy = Proxy::start(ProxyConfig {
        upstream: moto.addr(),
        account_id: Some(account::unique_id()),
        faults: Faults::none(),
    })
    .expect("proxy to moto");
    let provider = gitform_aws::provider();
    let schema = provider.schema();
    let mut endpoints = schema.provider.block.blocks["endpoints"]
        .block
        .null_object();
    set(&mut endpoints, "ec2", s(&proxy.url()));
    let mut cfg = schema.provider.block.null_object();
    for (k, v) in [
        ("region", s("us-east-1")),
        ("access_key", s("testing")),
        ("secret_key", s("testing")),
        ("skip_credentials_validation", Value::Bool(true)),
        ("skip_requesting_account_id", Value::Bool(true)),
        ("skip_metadata_api_check", s("true")),
        ("endpoints", Value::set(vec![endpoints])),
        (
            "default_tags",
            Value::List(vec![Value::object([(
                "tags",
                map(&[("Suite", "network")]),
            )])]),
        ),
    ] {
        set(&mut cfg, k, v);
    }
    let resp = provider.configure(ConfigureRequest { config: cfg }).await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(proxy.url())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    Some(Env {
        ec2: aws_sdk_ec2::Client::from_conf(conf),
        proxy,
        provider,
        schema,
    })
}

/// Sets an attribute of an object value.
pub fn set(v: &mut Value, k: &str, x: Value) {
    if let Value::Object(m) = v {
        m.insert(k.to_string(), x);
    }
}

impl Env {
    fn block_of(&self, type_name: &str) -> &gitform_provider::Block {
        &self
            .schema
            .resource(type_name)
            .or_else(|| self.schema.data_source(type_name))
            .unwrap_or_else(|| panic!("no schema for {type_name}"))
            .block
    }

    /// A configuration of `type_name`: every attribute null, every block
    /// empty, then `attrs` set (each must exist in the schema).
    pub fn config(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        let block = self.block_of(type_name);
        let mut v = block.null_object();
        for (k, x) in attrs {
            assert!(
                block.attributes.contains_key(*k) || block.blocks.contains_key(*k),
                "{type_name} has no attribute {k}"
            );
            set(&mut v, k, x.clone());
        }
        v
    }

    /// A data source configuration (for names that are also resource types).
    pub fn data_config(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        let block = &self
            .schema
            .data_source(type_name)
            .unwrap_or_else(|| panic!("no data source {type_name}"))
            .block;
        let mut v = block.null_object();
        for (k, x) in attrs {
            assert!(
                block.attributes.contains_key(*k) || block.blocks.contains_key(*k),
                "data {type_name} has no attribute {k}"
            );
            set(&mut v, k, x.clone());
        }
        v
    }

    /// One object of a nested block type of a data source.
    pub fn nested_data(&self, type_name: &str, block: &str, attrs: &[(&str, Value)]) -> Value {
        let b = &self
            .schema
            .data_source(type_name)
            .expect("data source")
            .block
            .blocks[block]
            .block;
        let mut v = b.null_object();
        for (k, x) in attrs {
            set(&mut v, k, x.clone());
        }
        v
    }

    /// One object of the nested block type `block` of `type_name`.
    pub fn nested(&self, type_name: &str, block: &str, attrs: &[(&str, Value)]) -> Value {
        let b = &self.block_of(type_name).blocks[block].block;
        let mut v = b.null_object();
        for (k, x) in attrs {
            assert!(
                b.attributes.contains_key(*k),
                "{block} has no attribute {k}"
            );
            set(&mut v, k, x.clone());
        }
        v
    }

    pub async fn validate(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        let kind = if self.schema.resource(type_name).is_some() {
            ConfigKind::Resource
        } else {
            ConfigKind::DataSource
        };
        self.provider
            .validate_config(ValidateConfigRequest {
                kind,
                type_name: type_name.to_string(),
                config: config.clone(),
            })
            .await
            .diagnostics
    }

    /// plan_change as the engine asks it (validating first).
    pub async fn plan(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        config: &Value,
    ) -> PlanChangeResponse {
        let v = self.validate(type_name, config).await;
        assert!(errors(&v).is_empty(), "validate {type_name}: {v:?}");
        let proposed = proposed_new_state(self.block_of(type_name), prior, config);
        let resp = self
            .provider
            .plan_change(PlanChangeRequest {
                type_name: type_name.to_string(),
                prior_state: prior.cloned(),
                proposed_new_state: Some(proposed),
                config: config.clone(),
                prior_private: None,
            })
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "plan {type_name}: {:?}",
            resp.diagnostics
        );
        resp
    }

    /// Applies one planned change; returns the whole response.
    pub async fn apply_planned(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        planned: Option<Value>,
        config: &Value,
    ) -> ApplyChangeResponse {
        self.provider
            .apply_change(ApplyChangeRequest {
                type_name: type_name.to_string(),
                prior_state: prior.cloned(),
                planned_state: planned,
                config: config.clone(),
                planned_private: None,
            })
            .await
    }

    /// Creates an object; checks the new state agrees with the plan.
    pub async fn create(&self, type_name: &str, config: &Value) -> Value {
        let plan = self.plan(type_name, None, config).await;
        let planned = plan.planned_state.expect("planned state");
        let resp = self
            .apply_planned(type_name, None, Some(planned.clone()), config)
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "create {type_name}: {:?}",
            resp.diagnostics
        );
        let state = resp.new_state.expect("state after create");
        assert_agrees(&planned, &state, type_name);
        state
    }

    /// Plans a change of `prior` to `config`; returns the plan and the
    /// paths forcing replacement.
    pub async fn plan_update(
        &self,
        type_name: &str,
        prior: &Value,
        config: &Value,
    ) -> (Value, Vec<String>) {
        let plan = self.plan(type_name, Some(prior), config).await;
        let replace = plan
            .requires_replace
            .iter()
            .map(AttrPath::to_string)
            .collect();
        (plan.planned_state.expect("planned state"), replace)
    }

    /// Updates in place (asserting the plan is not a replacement).
    pub async fn update(&self, type_name: &str, prior: &Value, config: &Value) -> Value {
        let (planned, replace) = self.plan_update(type_name, prior, config).await;
        assert!(
            replace.is_empty(),
            "{type_name}: unexpected replacement of {replace:?}"
        );
        let resp = self
            .apply_planned(type_name, Some(prior), Some(planned.clone()), config)
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "update {type_name}: {:?}",
            resp.diagnostics
        );
        let state = resp.new_state.expect("state after update");
        assert_agrees(&planned, &state, type_name);
        state
    }

    /// Replaces: asserts the plan names exactly `causes`, then destroys the
    /// old object and creates the new one, as the engine does.
    pub async fn replace(
        &self,
        type_name: &str,
        prior: &Value,
        config: &Value,
        causes: &[&str],
    ) -> Value {
        let (_, replace) = self.plan_update(type_name, prior, config).await;
        assert_eq!(replace, causes, "{type_name}: replacement causes");
        self.destroy(type_name, prior).await;
        self.create(type_name, config).await
    }

    /// Destroys one object.
    pub async fn destroy(&self, type_name: &str, state: &Value) {
        let resp = self
            .provider
            .plan_change(PlanChangeRequest {
                type_name: type_name.to_string(),
                prior_state: Some(state.clone()),
                proposed_new_state: None,
                config: Value::Null,
                prior_private: None,
            })
            .await;
        assert!(resp.planned_state.is_none());
        let resp = self
            .apply_planned(type_name, Some(state), None, &Value::Null)
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "destroy {type_name}: {:?}",
            resp.diagnostics
        );
        assert!(resp.new_state.is_none());
    }

    /// Refreshes objects of one type in one `read_batch`.
    pub async fn read_batch(&self, type_name: &str, states: &[Value]) -> Vec<ReadResponse> {
        let resp = self
            .provider
            .read_batch(ReadBatchRequest {
                type_name: type_name.to_string(),
                items: states
                    .iter()
                    .map(|s| ReadRequestItem {
                        current_state: s.clone(),
                        private: None,
                    })
                    .collect(),
            })
            .await;
        assert_eq!(resp.items.len(), states.len());
        for item in &resp.items {
            assert!(
                errors(&item.diagnostics).is_empty(),
                "{:?}",
                item.diagnostics
            );
        }
        resp.items
    }

    /// Refreshes one object: `None` when gone.
    pub async fn read(&self, type_name: &str, state: &Value) -> Option<Value> {
        self.read_batch(type_name, std::slice::from_ref(state))
            .await
            .pop()
            .and_then(|r| r.new_state)
    }

    /// Imports by id and returns the imported state (after the read the
    /// engine makes next).
    pub async fn import(&self, type_name: &str, id: &str) -> Value {
        let resp = self
            .provider
            .import(ImportRequest {
                type_name: type_name.to_string(),
                id: id.to_string(),
            })
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "import {type_name} {id}: {:?}",
            resp.diagnostics
        );
        assert_eq!(resp.imported.len(), 1);
        let state = resp.imported[0].state.clone();
        self.read(type_name, &state)
            .await
            .expect("imported object reads back")
    }

    /// An import expected to fail; returns its error summaries.
    pub async fn import_error(&self, type_name: &str, id: &str) -> Vec<String> {
        let resp = self
            .provider
            .import(ImportRequest {
                type_name: type_name.to_string(),
                id: id.to_string(),
            })
            .await;
        assert!(resp.imported.is_empty());
        errors(&resp.diagnostics)
    }

    /// Reads a data source.
    pub async fn read_data(&self, type_name: &str, config: &Value) -> Value {
        let v = self
            .provider
            .validate_config(ValidateConfigRequest {
                kind: ConfigKind::DataSource,
                type_name: type_name.to_string(),
                config: config.clone(),
            })
            .await
            .diagnostics;
        assert!(errors(&v).is_empty(), "validate {type_name}: {v:?}");
        let resp = self
            .provider
            .read_data(ReadDataRequest {
                type_name: type_name.to_string(),
                config: config.clone(),
            })
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "read {type_name}: {:?}",
            resp.diagnostics
        );
        resp.state
    }

    /// EC2 calls made through the proxy since the last `take_calls`, by action.
    pub fn take_calls(&self) -> BTreeMap<String, u64> {
        self.proxy
            .take_counts()
            .actions
            .into_iter()
            .map(|(k, v)| (k, v.calls))
            .collect()
    }

    /// The tags of one EC2 object, through the test's own client.
    pub async fn tags_of(&self, id: &str) -> BTreeMap<String, String> {
        let out = self
            .ec2
            .describe_tags()
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("resource-id")
                    .values(id)
                    .build(),
            )
            .send()
            .await
            .expect("DescribeTags");
        out.tags()
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
}

/// Every known planned value is in the state unchanged, and the state has
/// no unknowns (what the engine requires of apply).
pub fn assert_agrees(planned: &Value, state: &Value, what: &str) {
    assert!(
        state.is_wholly_known(),
        "{what}: state has unknowns: {state:?}"
    );
    let (Some(p), Some(s)) = (planned.as_entries(), state.as_entries()) else {
        panic!("{what}: not objects");
    };
    for (k, pv) in p {
        if !pv.is_wholly_known() {
            continue;
        }
        let sv = s.get(k).unwrap_or(&Value::Null);
        assert!(
            gitform_provider::values_equal(pv, sv),
            "{what}.{k}: planned {pv:?}, got {sv:?}"
        );
    }
}
