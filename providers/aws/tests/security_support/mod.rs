//! Drives the aws provider through the `Provider` trait as the engine does
//! (plan_change then apply_change, read_batch, import), against a real
//! moto_server behind a per-test proxy (its own account, its own call
//! counts), and checks results with the test's own aws-sdk-ec2 client.
#![allow(dead_code)]

use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};
use gitform_moto::{account, shared_or_skip, Faults, Proxy, ProxyConfig};
use gitform_provider::{
    proposed_new_state, ApplyChangeRequest, ConfigKind, ConfigureRequest, ImportRequest,
    PlanChangeRequest, PlanChangeResponse, Provider, ProviderSchema, ReadBatchRequest,
    ReadDataRequest, ReadRequestItem, ValidateConfigRequest,
};
use gitform_value::{Diagnostic, Severity, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

/// One test's world: a proxy to moto with its own account, a configured
/// provider, and an independent SDK client.
pub struct Env {
    pub proxy: Proxy,
    pub provider: Arc<dyn Provider>,
    pub ec2: aws_sdk_ec2::Client,
    pub schema: ProviderSchema,
}

fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

/// The environment of a test, or `None` when moto is not installed and
/// `CI` is not set (the harness prints the skip; with `CI` it panics).
pub async fn env(test: &str) -> Option<Env> {
    let moto = shared_or_skip(test)?;
    let proxy = Proxy::start(ProxyConfig {
        upstream: moto.addr(),
        account_id: Some(account::unique_id()),
        faults: Faults::none(),
    })
    .expect("proxy to moto");
    let provider = gitform_aws::provider();
    let schema = provider.schema();
    let mut cfg = schema.provider.block.null_object();
    let set = |v: &mut Value, k: &str, x: Value| {
        if let Value::Object(m) = v {
            m.insert(k.to_string(), x);
        }
    };
    set(&mut cfg, "region", Value::from("us-east-1"));
    set(&mut cfg, "access_key", Value::from("testing"));
    set(&mut cfg, "secret_key", Value::from("testing"));
    set(&mut cfg, "skip_credentials_validation", Value::Bool(true));
    set(&mut cfg, "skip_requesting_account_id", Value::Bool(false));
    set(&mut cfg, "skip_metadata_api_check", Value::from("true"));
    let mut endpoints = schema.provider.block.blocks["endpoints"]
        .block
        .null_object();
    set(&mut endpoints, "ec2", Value::from(proxy.url()));
    // The account id (for ARNs) comes from STS GetCallerIdentity: moto
    // answers with the proxy's account.
    set(&mut endpoints, "sts", Value::from(proxy.url()));
    set(&mut cfg, "endpoints", Value::set(vec![endpoints]));
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
    let ec2 = aws_sdk_ec2::Client::from_conf(conf);
    Some(Env {
        proxy,
        provider,
        ec2,
        schema,
    })
}

impl Env {
    /// A configuration of `type_name`: every attribute null, every block
    /// empty, then `attrs` set.
    pub fn config(&self, type_name: &str, attrs: &[(&str, Value)]) -> Value {
        let s = self
            .schema
            .resource(type_name)
            .or_else(|| self.schema.data_source(type_name))
            .unwrap_or_else(|| panic!("no schema for {type_name}"));
        let mut v = s.block.null_object();
        if let Value::Object(m) = &mut v {
            for (k, x) in attrs {
                assert!(m.contains_key(*k), "{type_name} has no attribute {k}");
                m.insert(k.to_string(), x.clone());
            }
        }
        v
    }

    /// An object of a nested block type of `type_name`.
    pub fn block(&self, type_name: &str, block: &str, attrs: &[(&str, Value)]) -> Value {
        let s = self.schema.resource(type_name).expect("schema");
        let mut v = s.block.blocks[block].block.null_object();
        if let Value::Object(m) = &mut v {
            for (k, x) in attrs {
                assert!(m.contains_key(*k), "{block} has no attribute {k}");
                m.insert(k.to_string(), x.clone());
            }
        }
        v
    }

    pub async fn validate(&self, type_name: &str, config: &Value) -> Vec<String> {
        let resp = self
            .provider
            .validate_config(ValidateConfigRequest {
                kind: ConfigKind::Resource,
                type_name: type_name.to_string(),
                config: config.clone(),
            })
            .await;
        errors(&resp.diagnostics)
    }

    /// plan_change as the engine asks it.
    pub async fn plan(
        &self,
        type_name: &str,
        prior: Option<&Value>,
        config: &Value,
    ) -> PlanChangeResponse {
        let s = self.schema.resource(type_name).expect("schema");
        let proposed = proposed_new_state(&s.block, prior, config);
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

    /// Plans and applies a create or in-place update; panics on errors or
    /// when the plan is a replacement.
    pub async fn apply(&self, type_name: &str, prior: Option<&Value>, config: &Value) -> Value {
        let plan = self.plan(type_name, prior, config).await;
        assert!(
            plan.requires_replace.is_empty(),
            "{type_name}: unexpected replacement of {:?}",
            plan.requires_replace
        );
        let resp = self
            .provider
            .apply_change(ApplyChangeRequest {
                type_name: type_name.to_string(),
                prior_state: prior.cloned(),
                planned_state: plan.planned_state,
                config: config.clone(),
                planned_private: plan.planned_private,
            })
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
        state
    }

    pub async fn create(&self, type_name: &str, config: &Value) -> Value {
        self.apply(type_name, None, config).await
    }

    /// A replacement as the engine runs it: delete the old object, create
    /// the new one. Returns the replace paths and the new state.
    pub async fn replace(
        &self,
        type_name: &str,
        prior: &Value,
        config: &Value,
    ) -> (Vec<String>, Value) {
        let plan = self.plan(type_name, Some(prior), config).await;
        let paths: Vec<String> = plan
            .requires_replace
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert!(!paths.is_empty(), "{type_name}: expected a replacement");
        self.destroy(type_name, prior).await;
        let state = self.create(type_name, config).await;
        (paths, state)
    }

    pub async fn destroy(&self, type_name: &str, prior: &Value) {
        let resp = self
            .provider
            .apply_change(ApplyChangeRequest {
                type_name: type_name.to_string(),
                prior_state: Some(prior.clone()),
                planned_state: None,
                config: Value::Null,
                planned_private: None,
            })
            .await;
        assert!(
            errors(&resp.diagnostics).is_empty(),
            "destroy {type_name}: {:?}",
            resp.diagnostics
        );
        assert!(resp.new_state.is_none());
    }

    /// read_batch of many states of one type.
    pub async fn read(&self, type_name: &str, states: &[Value]) -> Vec<Option<Value>> {
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
        resp.items
            .into_iter()
            .map(|r| {
                assert!(
                    errors(&r.diagnostics).is_empty(),
                    "read {type_name}: {:?}",
                    r.diagnostics
                );
                r.new_state
            })
            .collect()
    }

    pub async fn read_one(&self, type_name: &str, state: &Value) -> Option<Value> {
        self.read(type_name, std::slice::from_ref(state))
            .await
            .pop()
            .flatten()
    }

    /// import then read, as the engine does.
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
        let obj = resp
            .imported
            .into_iter()
            .next()
            .expect("one imported object");
        self.read_one(type_name, &obj.state)
            .await
            .expect("imported object reads")
    }

    /// import expecting failure: the error summaries.
    pub async fn import_error(&self, type_name: &str, id: &str) -> Vec<String> {
        let resp = self
            .provider
            .import(ImportRequest {
                type_name: type_name.to_string(),
                id: id.to_string(),
            })
            .await;
        errors(&resp.diagnostics)
    }

    pub async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, Vec<String>> {
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

pub fn s(v: &str) -> Value {
    Value::from(v)
}

pub fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| Value::from(*i)).collect())
}

pub fn set(items: &[&str]) -> Value {
    Value::set(items.iter().map(|i| Value::from(*i)).collect())
}

pub fn map(pairs: &[(&str, &str)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

pub fn attr<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get_attr(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string attribute {name} in {v:?}"))
}
