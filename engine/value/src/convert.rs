//! Type conversion and unification, following Terraform's rules.
//! (Being written: see the value-semantics work item.)

use crate::types::Type;
use crate::value::Value;

/// Why a conversion failed. `path` says where inside the value.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    pub path: crate::path::AttrPath,
    pub message: String,
}

/// Converts `value` to type `want` (which may contain `Dynamic` and optional
/// object attributes). Marks and unknowns are preserved.
pub fn convert(value: Value, want: &Type) -> Result<Value, ConvertError> {
    let _ = want;
    Ok(value)
}
