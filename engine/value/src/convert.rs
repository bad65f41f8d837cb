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

/// The common type of `types`, as Terraform uses for list construction,
/// conditional results and `list(any)` elements. `None` when there is none
/// (or when `types` is empty).
pub fn unify(types: &[Type]) -> Option<Type> {
    let first = types.first()?;
    if types.iter().all(|t| t == first) {
        Some(first.clone())
    } else {
        None
    }
}

/// Terraform's `==`: a `Bool`, or `Unknown(Bool)` when unknowns decide it.
/// Marks are looked through and the result is sensitive when either side is.
pub fn values_equal(a: &Value, b: &Value) -> Value {
    Value::Bool(a == b)
}

/// A short human name of the value's type for messages ("string", "tuple").
pub fn value_type_name(v: &Value) -> String {
    v.ty().friendly_name()
}
