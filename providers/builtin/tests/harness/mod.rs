//! Drives a provider the way the engine does: validate, propose, plan, apply, read.
#![allow(dead_code)]

use gitform_builtin::builtin_provider;
use gitform_provider::*;
use gitform_value::{Diagnostic, Value};
use std::sync::Arc;

pub struct Harness {
    pub provider: Arc<dyn Provider>,
    pub type_name: String,
    pub schema: Schema,
}

/// Error diagnostics only, as "summary: detail" strings.
pub fn errors(diags: &[Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

impl Harness {
    /// A harness for resource type `type_name` of the builtin provider it implies.
    pub fn new(type_name: &str) -> Harness {
        let factory = builtin_provider(implied_provider_name(type_name)).expect("builtin provider");
        let provider = factory();
        let schema = provider
            .schema()
            .resource(type_name)
            .expect("resource schema")
            .clone();
        Harness {
            provider,
            type_name: type_name.to_string(),
            schema,
        }
    }

    /// A configuration: every attribute null, then `pairs`.
    pub fn config(&self, pairs: &[(&str, Value)]) -> Value {
        let Value::Object(mut m) = self.schema.block.null_object() else {
            unreachable!()
        };
        for (k, v) in pairs {
            m.insert((*k).to_string(), v.clone());
        }
        Value::Object(m)
    }

    pub async fn validate(&self, config: &Value) -> Vec<String> {
        let req = ValidateConfigRequest {
            kind: ConfigKind::Resource,
            type_name: self.type_name.clone(),
            config: config.clone(),
        };
        errors(&self.provider.validate_config(req).await.diagnostics)
    }

    pub async fn plan(&self, prior: Option<&Value>, config: &Value) -> PlanChangeResponse {
        let proposed = proposed_new_state(&self.schema.block, prior, config);
        let req = PlanChangeRequest {
            type_name: self.type_name.clone(),
            prior_state: prior.cloned(),
            proposed_new_state: (!config.is_null()).then_some(proposed),
            config: config.clone(),
            prior_private: None,
        };
        self.provider.plan_change(req).await
    }

    pub async fn apply(
        &self,
        prior: Option<&Value>,
        planned: Option<Value>,
        config: &Value,
    ) -> ApplyChangeResponse {
        let req = ApplyChangeRequest {
            type_name: self.type_name.clone(),
            prior_state: prior.cloned(),
            planned_state: planned,
            config: config.clone(),
            planned_private: None,
        };
        self.provider.apply_change(req).await
    }

    /// Validates, plans and applies a create; panics on any error.
    pub async fn create(&self, config: &Value) -> Value {
        assert_eq!(self.validate(config).await, Vec::<String>::new());
        let plan = self.plan(None, config).await;
        assert_eq!(errors(&plan.diagnostics), Vec::<String>::new());
        let planned = plan.planned_state.expect("planned state");
        let resp = self.apply(None, Some(planned.clone()), config).await;
        assert_eq!(errors(&resp.diagnostics), Vec::<String>::new());
        let state = resp.new_state.expect("new state");
        assert!(
            state.is_wholly_known(),
            "applied state has unknowns: {state:?}"
        );
        assert_agrees_with_plan(&planned, &state);
        state
    }

    /// Plans a change of an existing object, replacing it when the plan
    /// says so (delete then create), and returns the new state.
    pub async fn update(&self, prior: &Value, config: &Value) -> (Value, PlanChangeResponse) {
        let plan = self.plan(Some(prior), config).await;
        assert_eq!(errors(&plan.diagnostics), Vec::<String>::new());
        let planned = plan.planned_state.clone().expect("planned state");
        let resp = if plan.requires_replace.is_empty() {
            self.apply(Some(prior), Some(planned.clone()), config).await
        } else {
            let deleted = self.apply(Some(prior), None, &Value::Null).await;
            assert_eq!(errors(&deleted.diagnostics), Vec::<String>::new());
            assert_eq!(deleted.new_state, None);
            self.apply(None, Some(planned.clone()), config).await
        };
        assert_eq!(errors(&resp.diagnostics), Vec::<String>::new());
        let state = resp.new_state.expect("new state");
        assert_agrees_with_plan(&planned, &state);
        (state, plan)
    }

    pub async fn read(&self, state: &Value) -> ReadResponse {
        let req = ReadRequest {
            type_name: self.type_name.clone(),
            current_state: state.clone(),
            private: None,
        };
        self.provider.read(req).await
    }

    pub async fn delete(&self, state: &Value) -> ApplyChangeResponse {
        let plan = self.plan(Some(state), &Value::Null).await;
        assert_eq!(plan.planned_state, None);
        self.apply(Some(state), None, &Value::Null).await
    }

    pub async fn import(&self, id: &str) -> ImportResponse {
        let req = ImportRequest {
            type_name: self.type_name.clone(),
            id: id.to_string(),
        };
        self.provider.import(req).await
    }
}

/// Every known planned value is kept by apply.
pub fn assert_agrees_with_plan(planned: &Value, state: &Value) {
    let (Some(p), Some(s)) = (planned.as_entries(), state.as_entries()) else {
        panic!("not objects: {planned:?} {state:?}");
    };
    for (k, v) in p {
        if v.is_wholly_known() {
            assert!(
                values_equal(v, s.get(k).unwrap_or(&Value::Null)),
                "attribute {k} changed: {v:?} -> {:?}",
                s.get(k)
            );
        }
    }
}

/// A string attribute of a state.
pub fn s<'a>(state: &'a Value, name: &str) -> &'a str {
    state
        .get_attr(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{name} is not a string in {state:?}"))
}
