//! The builtin `random` provider, with the resources and attribute names of
//! hashicorp/random: `random_id`, `random_string`, `random_password`,
//! `random_integer`, `random_pet` and `random_uuid`.
//!
//! Every argument forces a new resource, so these resources are only ever
//! created, read (state is returned unchanged: the values live nowhere
//! else) and deleted. Randomness comes from the operating system's
//! generator (`rand::rng()`), except for `random_integer` with a `seed`,
//! which is deterministic for a given seed (but yields other numbers than
//! hashicorp/random for the same seed).

mod id;
mod integer;
mod pet;
mod string;
mod uuid_resource;
mod words;

use crate::object::with_attrs;
use async_trait::async_trait;
use gitform_provider::{
    import_not_supported, plan_resource, unsupported_type, validate_config_against_schema,
    ApplyChangeRequest, ApplyChangeResponse, ConfigKind, ImportRequest, ImportResponse,
    ImportedObject, PlanChangeRequest, PlanChangeResponse, Provider, ProviderSchema, ReadRequest,
    ReadResponse, Schema, ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::BTreeMap;

/// The `random` provider.
#[derive(Debug, Default)]
pub struct RandomProvider;

/// The schema of a random resource type.
fn resource_schema(type_name: &str) -> Option<Schema> {
    Some(match type_name {
        "random_id" => id::schema(),
        "random_string" => string::schema(string::Flavor::String),
        "random_password" => string::schema(string::Flavor::Password),
        "random_integer" => integer::schema(),
        "random_pet" => pet::schema(),
        "random_uuid" => uuid_resource::schema(),
        _ => return None,
    })
}

const TYPES: [&str; 6] = [
    "random_id",
    "random_integer",
    "random_password",
    "random_pet",
    "random_string",
    "random_uuid",
];

/// `keepers`: the argument every random resource has.
fn keepers_attribute() -> gitform_provider::Attribute {
    gitform_provider::Attribute::optional(Type::map(Type::String))
        .force_new()
        .describe(
            "Arbitrary map of values that, when changed, will trigger recreation of resource.",
        )
}

/// Creates a new random object from its planned state: fills in every
/// computed attribute.
async fn create(type_name: &str, planned: Value) -> Result<Value, Vec<Diagnostic>> {
    match type_name {
        "random_id" => id::create(&planned),
        "random_string" => string::create(&planned, string::Flavor::String),
        "random_password" => {
            // bcrypt is deliberately slow: keep it off the async worker threads.
            let joined = tokio::task::spawn_blocking(move || {
                string::create(&planned, string::Flavor::Password)
            })
            .await;
            joined.unwrap_or_else(|e| {
                Err(vec![Diagnostic::error(
                    "Create random password error",
                    e.to_string(),
                )])
            })
        }
        "random_integer" => integer::create(&planned),
        "random_pet" => pet::create(&planned),
        "random_uuid" => uuid_resource::create(&planned),
        other => Err(vec![unsupported_type(ConfigKind::Resource, other)]),
    }
}

#[async_trait]
impl Provider for RandomProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: Schema::default(),
            resources: TYPES
                .iter()
                .filter_map(|t| resource_schema(t).map(|s| (t.to_string(), s)))
                .collect(),
            data_sources: BTreeMap::new(),
        }
    }

    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        let schema = match (req.kind, resource_schema(&req.type_name)) {
            (ConfigKind::Resource, Some(s)) => s,
            (kind, _) => {
                return ValidateConfigResponse {
                    diagnostics: vec![unsupported_type(kind, &req.type_name)],
                }
            }
        };
        let mut diagnostics = validate_config_against_schema(&schema.block, &req.config);
        diagnostics.extend(match req.type_name.as_str() {
            "random_id" => id::validate(&req.config),
            "random_string" | "random_password" => string::validate(&req.config),
            "random_integer" => integer::validate(&req.config),
            "random_pet" => pet::validate(&req.config),
            _ => Vec::new(),
        });
        ValidateConfigResponse { diagnostics }
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        let Some(schema) = resource_schema(&req.type_name) else {
            return PlanChangeResponse {
                diagnostics: vec![unsupported_type(ConfigKind::Resource, &req.type_name)],
                ..PlanChangeResponse::default()
            };
        };
        let Some(mut proposed) = req.proposed_new_state else {
            return PlanChangeResponse::default();
        };
        if matches!(req.type_name.as_str(), "random_string" | "random_password") {
            proposed = string::sync_numeric(proposed, &req.config);
        }
        let (planned, requires_replace) =
            plan_resource(&schema, req.prior_state.as_ref(), &proposed);
        PlanChangeResponse {
            planned_state: Some(planned),
            requires_replace,
            planned_private: None,
            diagnostics: Vec::new(),
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        let Some(planned) = req.planned_state else {
            // Delete: the values live nowhere but in state.
            return ApplyChangeResponse::default();
        };
        if req.prior_state.as_ref().is_some_and(|p| !p.is_null()) {
            // Every argument forces replacement, so an update only moves
            // the plan (which is wholly known) into state.
            return ApplyChangeResponse {
                new_state: Some(planned),
                ..ApplyChangeResponse::default()
            };
        }
        match create(&req.type_name, planned).await {
            Ok(state) => ApplyChangeResponse {
                new_state: Some(state),
                ..ApplyChangeResponse::default()
            },
            Err(diagnostics) => ApplyChangeResponse {
                new_state: None,
                private: None,
                diagnostics,
            },
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: Some(req.current_state),
            private: req.private,
            diagnostics: Vec::new(),
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        let result = match req.type_name.as_str() {
            "random_id" => id::import(&req.id),
            "random_string" => string::import(&req.id, string::Flavor::String),
            "random_password" => {
                let id = req.id.clone();
                tokio::task::spawn_blocking(move || string::import(&id, string::Flavor::Password))
                    .await
                    .unwrap_or_else(|e| {
                        Err(vec![Diagnostic::error(
                            "Import random password error",
                            e.to_string(),
                        )])
                    })
            }
            "random_integer" => integer::import(&req.id),
            "random_uuid" => uuid_resource::import(&req.id),
            other => Err(vec![import_not_supported(other)]),
        };
        match result {
            Ok(state) => ImportResponse {
                imported: vec![ImportedObject {
                    type_name: req.type_name,
                    state,
                    private: None,
                }],
                diagnostics: Vec::new(),
            },
            Err(diagnostics) => ImportResponse {
                imported: Vec::new(),
                diagnostics,
            },
        }
    }
}

/// A schema's null object with the given attributes set: the starting
/// point of an imported state.
fn imported_state<'a>(schema: &Schema, pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    with_attrs(schema.block.null_object(), pairs)
}
