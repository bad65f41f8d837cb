//! The builtin `terraform` provider: the `terraform_data` resource.
//!
//! `terraform_data` stores a value (`input`, mirrored to `output` at apply
//! time) and is replaced whenever `triggers_replace` changes, as Terraform's
//! builtin resource of the same name.

use crate::object::{attr, with_attrs};
use async_trait::async_trait;
use gitform_provider::{
    import_not_supported, unsupported_type, values_equal, ApplyChangeRequest, ApplyChangeResponse,
    Attribute, Block, ConfigKind, ImportRequest, ImportResponse, ImportedObject, PlanChangeRequest,
    PlanChangeResponse, Provider, ProviderSchema, ReadRequest, ReadResponse, Schema,
};
use gitform_value::{AttrPath, Type, Value};
use std::collections::BTreeMap;

const DATA: &str = "terraform_data";

/// The `terraform` provider.
#[derive(Debug, Default)]
pub struct TerraformProvider;

fn data_schema() -> Schema {
    Schema::new(
        Block::new()
            .describe("Stores a value and re-creates itself when `triggers_replace` changes.")
            .attr(
                "input",
                Attribute::optional(Type::Dynamic)
                    .describe("A value to store; `output` takes it on at apply time."),
            )
            .attr(
                "output",
                Attribute::computed(Type::Dynamic)
                    .describe("The stored value: `input` as of the last apply."),
            )
            .attr(
                "triggers_replace",
                Attribute::optional(Type::Dynamic)
                    .describe("Any change to this value replaces the resource."),
            )
            .attr(
                "id",
                Attribute::computed(Type::String).describe("A unique id for this instance."),
            ),
    )
}

/// `output` as planned for `input`: null stays null, anything else is
/// known after apply.
fn planned_output(input: &Value) -> Value {
    if input.is_null() && input.is_known() {
        Value::Null
    } else {
        Value::Unknown(input.ty())
    }
}

#[async_trait]
impl Provider for TerraformProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: Schema::default(),
            resources: BTreeMap::from([(DATA.to_string(), data_schema())]),
            data_sources: BTreeMap::new(),
        }
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        if req.type_name != DATA {
            return PlanChangeResponse {
                diagnostics: vec![unsupported_type(ConfigKind::Resource, &req.type_name)],
                ..PlanChangeResponse::default()
            };
        }
        let Some(proposed) = req.proposed_new_state else {
            return PlanChangeResponse::default();
        };
        let input = attr(&proposed, "input").clone();
        let triggers = attr(&proposed, "triggers_replace");
        let mut requires_replace = Vec::new();
        let planned = match req.prior_state.as_ref().filter(|p| !p.is_null()) {
            None => with_attrs(
                proposed.clone(),
                [
                    ("id", Value::Unknown(Type::String)),
                    ("output", planned_output(&input)),
                ],
            ),
            Some(prior) if !values_equal(attr(prior, "triggers_replace"), triggers) => {
                requires_replace.push(AttrPath::attr("triggers_replace"));
                with_attrs(
                    proposed.clone(),
                    [
                        ("id", Value::Unknown(Type::String)),
                        ("output", planned_output(&input)),
                    ],
                )
            }
            Some(prior) if !values_equal(attr(prior, "input"), &input) => {
                with_attrs(proposed.clone(), [("output", Value::Unknown(input.ty()))])
            }
            Some(_) => proposed.clone(),
        };
        PlanChangeResponse {
            planned_state: Some(planned),
            requires_replace,
            planned_private: None,
            diagnostics: Vec::new(),
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        if req.type_name != DATA {
            return ApplyChangeResponse {
                diagnostics: vec![unsupported_type(ConfigKind::Resource, &req.type_name)],
                ..ApplyChangeResponse::default()
            };
        }
        let Some(planned) = req.planned_state else {
            return ApplyChangeResponse::default();
        };
        let mut updates = Vec::new();
        if !attr(&planned, "output").is_known() {
            updates.push(("output", attr(&planned, "input").clone()));
        }
        if !attr(&planned, "id").is_known() {
            updates.push(("id", Value::String(uuid::Uuid::new_v4().to_string())));
        }
        ApplyChangeResponse {
            new_state: Some(with_attrs(planned, updates)),
            ..ApplyChangeResponse::default()
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
        if req.type_name != DATA {
            return ImportResponse {
                imported: Vec::new(),
                diagnostics: vec![import_not_supported(&req.type_name)],
            };
        }
        let state = with_attrs(
            data_schema().block.null_object(),
            [("id", Value::String(req.id))],
        );
        ImportResponse {
            imported: vec![ImportedObject {
                type_name: req.type_name,
                state,
                private: None,
            }],
            diagnostics: Vec::new(),
        }
    }
}
