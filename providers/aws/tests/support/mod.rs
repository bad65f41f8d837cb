//! The one test driver of the aws provider's tests: it drives the provider
//! through the `Provider` trait the way the engine does (validate,
//! plan_change then apply_change, read_batch, import, read_data) against a
//! real moto_server, behind a per-test proxy that gives the test its own
//! moto account and counts its calls. Results are checked with the test's
//! own aws-sdk-ec2 client (same account, same proxy), never through the
//! provider's read path.
//!
//! Use it from a test file with `mod support; use support::*;`.
#![allow(dead_code)]

use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use gitform_moto::{account, shared_or_skip, Faults, Proxy, ProxyConfig};
use gitform_provider::{
    proposed_new_state, ApplyChangeRequest, ApplyChangeResponse, Block, ConfigKind,
    ConfigureRequest, ImportRequest, PlanChangeRequest, PlanChangeResponse, Provider,
    ProviderSchema, ReadBatchRequest, ReadDataRequest, ReadRequestItem, ReadResponse,
    ValidateConfigRequest,
};
use gitform_value::{AttrPath, Diagnostic, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Once};

/// One test's world.
pub struct Env {
    pub proxy: Proxy,
    pub provider: Arc<dyn Provider>,
    /// The test's own client (same moto account, through the same proxy).
    pub ec2: aws_sdk_ec2::Client,
    pub schema: ProviderSchema,
}

/// How the provider of a test is configured.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// The provider's `default_tags`.
    pub default_tags: &'static [(&'static str, &'static str)],
    /// Look the account id up through STS (moto answers with the proxy's
    /// account), as a real provider does; else `skip_requesting_account_id`.
    pub account_id_from_sts: bool,
    /// The provider's `max_retries` (None: the provider's default, 25).
    pub max_retries: Option<i64>,
}

impl Setup {
    /// The compute and security suites: no default tags, account from STS.
    pub const PLAIN: Setup = Setup {
        default_tags: &[],
        account_id_from_sts: true,
        max_retries: None,
    };

    /// The networking suites: `default_tags { Suite = "network" }` and no
    /// account lookup (so that call counts are EC2 calls only).
    pub const NETWORK: Setup = Setup {
        default_tags: &[("Suite", "network")],
        account_id_from_sts: false,
        max_retries: None,
    };
}

/// The error diagnostics as `summary: detail` lines.
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

/// A `list(string)` value.
pub fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| Value::from(*i)).collect())
}

/// A `set(string)` value.
pub fn set(items: &[&str]) -> Value {
    Value::set(items.iter().map(|i| Value::from(*i)).collect())
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

/// Sets an attribute of an object value.
pub fn set_attr(v: &mut Value, k: &str, x: Value) {
    if let Value::Object(m) = v {
        m.insert(k.to_string(), x);
    }
}

/// The test environment with [`Setup::PLAIN`].
pub async fn env(test: &str) -> Option<Env> {
    env_with(test, Setup::PLAIN).await
}

/// The test environment, or `None` (printed as skipped) when moto cannot
/// start and `CI` is not set; with `CI` set that is a failure.
pub async fn env_with(test: &str, setup: Setup) -> Option<Env> {
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
    set_attr(&mut endpoints, "ec2", s(&proxy.url()));
    if setup.account_id_from_sts {
        set_attr(&mut endpoints, "sts", s(&proxy.url()));
    }
    let mut cfg = schema.provider.block.null_object();
    for (k, v) in [
        ("region", s("us-east-1")),
        ("access_key", s("testing")),
        ("secret_key", s("testing")),
        ("skip_credentials_validation", Value::Bool(true)),
        (
            "skip_requesting_account_id",
            Value::Bool(!setup.account_id_from_sts),
        ),
        ("skip_metadata_api_check", s("true")),
        ("endpoints", Value::set(vec![endpoints])),
    ] {
        set_attr(&mut cfg, k, v);
    }
    if !setup.default_tags.is_empty() {
        let tags = Value::object([("tags", map(setup.default_tags))]);
        set_attr(&mut cfg, "default_tags", Value::List(vec![tags]));
    }
    if let Some(n) = setup.max_retries {
        set_attr(&mut cfg, "max_retries", Value::int(n));
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

/// An object of `block`'s type: every attribute null, every nested block
/// empty, then `attrs` set (each must be an attribute or block of it).
fn object_of(block: &Block, what: &str, attrs: &[(&str, Value)]) -> Value {
    let mut v = block.null_object();
    for (k, x) in attrs {
        assert!(
            block.attributes.contains_key(*k) || block.blocks.contains_key(*k),
            "{what} has no attribute {k}"
        );
        set_attr(&mut v, k, x.clone());
    }
    v
}

impl Env {
    fn block_of(&self, type_name: &str) -> &Block {
        &self
            .schema
            .resource(type_name)
            .or_else(|| self.schema.data_source(type_name))
            .unwrap_or_else(|| panic!("no schema for {type_name}"))
            .block
    }

    fn data_block_of(&self, type_name: &str) -> &Block {
        &self
            .schema
            .data_source(type_name)
            .unwrap_or_else(|| panic!("no data source {type_name}"))
            .block
    }

    /// A configuration of `type_name` (a resource type, else a data
    /// source): every attribute null, every block empty, then `attrs` set.
    pub fn config(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        object_of(self.block_of(type_name), type_name, attrs)
    }

    /// A data source configuration (for names that are also resource types).
    pub fn data_config(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        object_of(self.data_block_of(type_name), type_name, attrs)
    }

    /// One object of the nested block type `block` of `type_name`.
    pub fn nested(&self, type_name: &str, block: &str, attrs: &[(&str, Value)]) -> Value {
        object_of(&self.block_of(type_name).blocks[block].block, block, attrs)
    }

    /// One object of a nested block type of a data source.
    pub fn nested_data(&self, type_name: &str, block: &str, attrs: &[(&str, Value)]) -> Value {
        object_of(
            &self.data_block_of(type_name).blocks[block].block,
            block,
            attrs,
        )
    }

    /// validate_config of a resource type (else a data source).
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

    /// plan_change as the engine asks it (validating first); panics on
    /// errors.
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

    /// Plans and applies a create (`prior` None) or an in-place update;
    /// panics on errors, on a replacement, or on unknowns left in the
    /// state. Returns the planned and the new state.
    async fn apply_checked(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        config: &Value,
    ) -> (Value, Value) {
        let plan = self.plan(type_name, prior, config).await;
        let replace: Vec<String> = plan
            .requires_replace
            .iter()
            .map(AttrPath::to_string)
            .collect();
        assert!(
            replace.is_empty(),
            "{type_name}: unexpected replacement of {replace:?}"
        );
        let planned = plan.planned_state.expect("planned state");
        let resp = self
            .apply_planned(type_name, prior, Some(planned.clone()), config)
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "apply {type_name}: {:?}",
            resp.diagnostics
        );
        let state = resp.new_state.expect("a state after apply");
        assert!(
            state.is_wholly_known(),
            "{type_name}: unknowns left: {state:?}"
        );
        (planned, state)
    }

    /// Plans and applies a create or in-place update (see `update` for the
    /// variant that also checks the state against the plan).
    pub async fn apply(&self, type_name: &str, prior: Option<&Value>, config: &Value) -> Value {
        self.apply_checked(type_name, prior, config).await.1
    }

    /// Creates an object; checks the new state agrees with the plan.
    pub async fn create(&self, type_name: &str, config: &Value) -> Value {
        let (planned, state) = self.apply_checked(type_name, None, config).await;
        assert_agrees(&planned, &state, type_name);
        state
    }

    /// Updates in place (asserting the plan is not a replacement); checks
    /// the new state agrees with the plan.
    pub async fn update(&self, type_name: &str, prior: &Value, config: &Value) -> Value {
        let (planned, state) = self.apply_checked(type_name, Some(prior), config).await;
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

    /// Destroys one object, as planned by the provider.
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

    /// Refreshes objects of one type in one `read_batch`; panics on errors.
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
                "read {type_name}: {:?}",
                item.diagnostics
            );
        }
        resp.items
    }

    /// Refreshes objects of one type in one `read_batch`: `None` for the
    /// ones that are gone.
    pub async fn read_all(&self, type_name: &str, states: &[Value]) -> Vec<Option<Value>> {
        self.read_batch(type_name, states)
            .await
            .into_iter()
            .map(|r| r.new_state)
            .collect()
    }

    /// Refreshes one object: `None` when gone.
    pub async fn read(&self, type_name: &str, state: &Value) -> Option<Value> {
        self.read_all(type_name, std::slice::from_ref(state))
            .await
            .pop()
            .flatten()
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

    /// Validates and reads a data source: the state, or the errors.
    pub async fn try_read_data(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<Value, Vec<String>> {
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
        let e = errors(&resp.diagnostics);
        if e.is_empty() {
            Ok(resp.state)
        } else {
            Err(e)
        }
    }

    /// Reads a data source; panics on errors.
    pub async fn read_data(&self, type_name: &str, config: &Value) -> Value {
        self.try_read_data(type_name, config)
            .await
            .unwrap_or_else(|e| panic!("read {type_name}: {e:?}"))
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

    /// A VPC made with the test's own client.
    pub async fn vpc(&self, cidr: &str) -> String {
        let r = self
            .ec2
            .create_vpc()
            .cidr_block(cidr)
            .send()
            .await
            .expect("CreateVpc");
        r.vpc()
            .and_then(|v| v.vpc_id())
            .expect("vpc id")
            .to_string()
    }

    /// A subnet made with the test's own client.
    pub async fn subnet(&self, vpc: &str, cidr: &str, az: &str) -> String {
        let r = self
            .ec2
            .create_subnet()
            .vpc_id(vpc)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .expect("CreateSubnet");
        r.subnet()
            .and_then(|s| s.subnet_id())
            .expect("subnet id")
            .to_string()
    }

    /// An Amazon Linux AMI from moto's catalogue.
    pub async fn ami(&self) -> String {
        let r = self
            .ec2
            .describe_images()
            .owners("amazon")
            .filters(
                aws_sdk_ec2::types::Filter::builder()
                    .name("name")
                    .values("al2023-ami-*")
                    .build(),
            )
            .send()
            .await
            .expect("DescribeImages");
        r.images()
            .iter()
            .find(|i| i.architecture().map(|a| a.as_str()) == Some("x86_64"))
            .and_then(|i| i.image_id())
            .expect("an al2023 x86_64 AMI")
            .to_string()
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

/// The top-level attributes whose values differ between two states.
pub fn changed_attrs(a: &Value, b: &Value) -> Vec<String> {
    let (Some(x), Some(y)) = (a.as_entries(), b.as_entries()) else {
        return vec!["<not objects>".to_string()];
    };
    let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
    keys.into_iter()
        .filter(|k| match (x.get(*k), y.get(*k)) {
            (Some(p), Some(q)) => !gitform_provider::values_equal(p, q),
            _ => true,
        })
        .cloned()
        .collect()
}
