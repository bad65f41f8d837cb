//! `random_uuid`: a random (version 4) UUID.

use super::{imported_state, keepers_attribute};
use crate::object::with_attrs;
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};

pub(super) fn schema() -> Schema {
    Schema::new(
        Block::new()
            .describe("A random UUID.")
            .attr("keepers", keepers_attribute())
            .attr(
                "result",
                Attribute::computed(Type::String)
                    .describe("The generated uuid presented in string format."),
            )
            .attr(
                "id",
                Attribute::computed(Type::String)
                    .describe("The generated uuid presented in string format."),
            ),
    )
}

pub(super) fn create(planned: &Value) -> Result<Value, Vec<Diagnostic>> {
    let id = uuid::Uuid::new_v4().to_string();
    Ok(with_attrs(
        planned.clone(),
        [("result", Value::from(id.clone())), ("id", Value::from(id))],
    ))
}

/// Imports a UUID given in its canonical text form.
pub(super) fn import(id: &str) -> Result<Value, Vec<Diagnostic>> {
    let parsed = uuid::Uuid::parse_str(id).map_err(|e| {
        vec![Diagnostic::error(
            "Import Random UUID Error",
            format!("\"{id}\" is not a valid UUID: {e}"),
        )]
    })?;
    let text = parsed.hyphenated().to_string();
    Ok(imported_state(
        &schema(),
        [
            ("result", Value::from(text.clone())),
            ("id", Value::from(text)),
        ],
    ))
}
