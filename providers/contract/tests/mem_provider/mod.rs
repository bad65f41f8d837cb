//! `mem`: a small, correct in-memory provider for the kit's own tests, with
//! switchable faults that each break one rule of the contract.
//!
//! `mem_item`: `key` (required, forces replacement), `value` (required),
//! `note` (optional), `id` (computed: a serial number, unknown until
//! apply), `revision` (computed: grows on every update, unknown in an
//! update's plan). Import by key. Data source `mem_item` by key.

use async_trait::async_trait;
use gitform_provider::*;
use gitform_value::{AttrPath, Diagnostic, Type, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

/// One way to break the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Apply stores something else than the planned `value`.
    ApplyChangesValue,
    /// Apply leaves `id` unknown.
    ApplyLeavesUnknown,
    /// Plan invents a fresh known `id` on every create plan.
    PlanInventsId,
    /// Plan ignores the configured `note`.
    PlanIgnoresConfig,
    /// Read reports `value` upper-cased.
    ReadDrifts,
    /// read_batch answers only the first item.
    ReadBatchDropsItems,
    /// Every plan of an existing object marks `revision` unknown.
    PlanNeverNoop,
    /// A change of `value` forces replacement.
    ValueForcesReplace,
    /// Import finds the object but reports another key.
    ImportWrongKey,
    /// Delete does nothing.
    DeleteKeepsObject,
    /// Deleting an object that is gone is an error.
    DeleteNotIdempotent,
    /// validate accepts anything.
    ValidateAcceptsAll,
    /// validate rejects unknown values.
    ValidateRejectsUnknown,
    /// The data source reports another value.
    DataDisagrees,
    /// The state has an attribute the schema does not declare.
    ExtraAttribute,
}

#[derive(Default)]
pub struct MemProvider {
    faults: Vec<Fault>,
    items: Mutex<BTreeMap<String, Value>>,
    serial: AtomicI64,
}

impl MemProvider {
    pub fn with_faults(faults: &[Fault]) -> MemProvider {
        MemProvider {
            faults: faults.to_vec(),
            ..MemProvider::default()
        }
    }

    fn has(&self, f: Fault) -> bool {
        self.faults.contains(&f)
    }
}

fn schema_block() -> Block {
    Block::new()
        .attr("key", Attribute::required(Type::String).force_new())
        .attr("value", Attribute::required(Type::String))
        .attr("note", Attribute::optional(Type::String))
        .attr("id", Attribute::computed(Type::String))
        .attr("revision", Attribute::computed(Type::Number))
}

fn data_block() -> Block {
    Block::new()
        .attr("key", Attribute::required(Type::String))
        .attr("value", Attribute::computed(Type::String))
        .attr("id", Attribute::computed(Type::String))
}

fn s(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name).and_then(Value::as_str).map(str::to_string)
}

fn set(v: &Value, name: &str, x: Value) -> Value {
    let mut m = v.as_entries().cloned().unwrap_or_default();
    m.insert(name.to_string(), x);
    Value::Object(m)
}

fn err(summary: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::error(summary, "")]
}

#[async_trait]
impl Provider for MemProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: Schema::new(Block::new()),
            resources: [("mem_item".to_string(), Schema::new(schema_block()))].into(),
            data_sources: [("mem_item".to_string(), Schema::new(data_block()))].into(),
        }
    }

    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        let mut diagnostics = Vec::new();
        if self.has(Fault::ValidateRejectsUnknown) && !req.config.is_wholly_known() {
            diagnostics.push(Diagnostic::error("Unknown value", "values must be known"));
        }
        if !self.has(Fault::ValidateAcceptsAll) {
            if let Some(k) = s(&req.config, "key") {
                if k.is_empty() || k.contains(' ') {
                    diagnostics.push(
                        Diagnostic::error("Invalid key", "A key is a non-empty word.")
                            .with_attr_path(AttrPath::attr("key")),
                    );
                }
            }
        }
        ValidateConfigResponse { diagnostics }
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        let Some(proposed) = req.proposed_new_state else {
            return PlanChangeResponse::default();
        };
        let schema = Schema::new(schema_block());
        let (mut planned, mut replace) =
            plan_resource(&schema, req.prior_state.as_ref(), &proposed);
        if let Some(prior) = req.prior_state.as_ref().filter(|_| replace.is_empty()) {
            let changed = ["value", "note"].iter().any(|a| {
                !values_equal(
                    &prior.get_attr(a).cloned().unwrap_or(Value::Null),
                    &proposed.get_attr(a).cloned().unwrap_or(Value::Null),
                )
            });
            if changed || self.has(Fault::PlanNeverNoop) {
                planned = set(&planned, "revision", Value::Unknown(Type::Number));
            }
            if changed && self.has(Fault::ValueForcesReplace) {
                replace.push(AttrPath::attr("value"));
            }
        }
        if req.prior_state.is_none() && self.has(Fault::PlanInventsId) {
            let n = self.serial.fetch_add(1, Ordering::SeqCst) + 1000;
            planned = set(&planned, "id", Value::string(format!("m-{n}")));
        }
        if self.has(Fault::PlanIgnoresConfig) {
            planned = set(&planned, "note", Value::Null);
        }
        PlanChangeResponse {
            planned_state: Some(planned),
            requires_replace: replace,
            planned_private: None,
            diagnostics: Vec::new(),
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        let mut items = self.items.lock().unwrap();
        let Some(planned) = req.planned_state else {
            let key = req
                .prior_state
                .as_ref()
                .and_then(|p| s(p, "key"))
                .unwrap_or_default();
            if self.has(Fault::DeleteKeepsObject) {
                return ApplyChangeResponse::default();
            }
            if items.remove(&key).is_none() && self.has(Fault::DeleteNotIdempotent) {
                return ApplyChangeResponse {
                    new_state: req.prior_state,
                    diagnostics: err("No such item"),
                    ..ApplyChangeResponse::default()
                };
            }
            return ApplyChangeResponse::default();
        };
        let mut state = planned.clone();
        if !state.get_attr("id").is_some_and(Value::is_known) {
            let n = self.serial.fetch_add(1, Ordering::SeqCst) + 1;
            state = set(&state, "id", Value::string(format!("m-{n}")));
        }
        let revision = req
            .prior_state
            .as_ref()
            .and_then(|p| p.get_attr("revision"))
            .and_then(Value::as_number)
            .and_then(|n| n.to_i64())
            .map_or(1, |r| r + 1);
        if !state.get_attr("revision").is_some_and(Value::is_known) {
            state = set(&state, "revision", Value::int(revision));
        }
        if self.has(Fault::ApplyChangesValue) {
            let v = s(&state, "value").unwrap_or_default();
            state = set(&state, "value", Value::string(format!("{v}!")));
        }
        let key = s(&state, "key").unwrap_or_default();
        items.insert(key, state.clone());
        if self.has(Fault::ApplyLeavesUnknown) {
            state = set(&state, "id", Value::Unknown(Type::String));
        }
        if self.has(Fault::ExtraAttribute) {
            state = set(&state, "extra", Value::Bool(true));
        }
        ApplyChangeResponse {
            new_state: Some(state),
            private: None,
            diagnostics: Vec::new(),
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let key = s(&req.current_state, "key").unwrap_or_default();
        let found = self.items.lock().unwrap().get(&key).cloned();
        let new_state = found.map(|v| {
            if self.has(Fault::ReadDrifts) {
                let up = s(&v, "value").unwrap_or_default().to_uppercase();
                set(&v, "value", Value::string(up))
            } else {
                v
            }
        });
        ReadResponse {
            new_state,
            private: None,
            diagnostics: Vec::new(),
        }
    }

    async fn read_batch(&self, req: ReadBatchRequest) -> ReadBatchResponse {
        let mut items = Vec::new();
        for item in req.items {
            items.push(
                self.read(ReadRequest {
                    type_name: req.type_name.clone(),
                    current_state: item.current_state,
                    private: item.private,
                })
                .await,
            );
            if self.has(Fault::ReadBatchDropsItems) {
                break;
            }
        }
        ReadBatchResponse { items }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        if !self.items.lock().unwrap().contains_key(&req.id) {
            return ImportResponse {
                imported: Vec::new(),
                diagnostics: err("Cannot import: no such item"),
            };
        }
        let key = if self.has(Fault::ImportWrongKey) {
            format!("{}-other", req.id)
        } else {
            req.id
        };
        let state = set(
            &schema_block().null_object(),
            "key",
            Value::string(key.clone()),
        );
        // An imported object is read by key; the wrong key reads nothing
        // unless something is stored there, so store a copy under it.
        if self.has(Fault::ImportWrongKey) {
            let mut items = self.items.lock().unwrap();
            let copy = items.values().next().cloned().unwrap_or(Value::Null);
            items.insert(
                key,
                set(
                    &copy,
                    "key",
                    state.get_attr("key").cloned().unwrap_or(Value::Null),
                ),
            );
        }
        ImportResponse {
            imported: vec![ImportedObject {
                type_name: req.type_name,
                state,
                private: None,
            }],
            diagnostics: Vec::new(),
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        let key = s(&req.config, "key").unwrap_or_default();
        let Some(item) = self.items.lock().unwrap().get(&key).cloned() else {
            return ReadDataResponse::failed(err("No such item"));
        };
        let mut value = item.get_attr("value").cloned().unwrap_or(Value::Null);
        if self.has(Fault::DataDisagrees) {
            value = Value::string("something else");
        }
        ReadDataResponse {
            state: Value::object([
                ("key", Value::string(key)),
                ("value", value),
                ("id", item.get_attr("id").cloned().unwrap_or(Value::Null)),
            ]),
            diagnostics: Vec::new(),
        }
    }
}
