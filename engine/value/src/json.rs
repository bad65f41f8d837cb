//! JSON encoding and decoding of values.
//! (Being written: see the value-semantics work item.)

use crate::path::AttrPath;
use crate::types::Type;
use crate::value::Value;

/// Why a value could not be encoded to or decoded from JSON.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    pub path: AttrPath,
    pub message: String,
}

/// Encodes a value as `jsonencode` does. Unknowns are an error; sensitive
/// marks are looked through.
pub fn to_json(v: &Value) -> Result<serde_json::Value, JsonError> {
    let _ = v;
    Ok(serde_json::Value::Null)
}

/// The exact text of Terraform's `jsonencode`.
pub fn to_json_string(v: &Value) -> Result<String, JsonError> {
    to_json(v).map(|j| j.to_string())
}

/// Decodes JSON with implied types, as `jsondecode` does: objects become
/// objects, arrays tuples, numbers exact numbers.
pub fn from_json(j: &serde_json::Value) -> Value {
    let _ = j;
    Value::Null
}

/// Decodes JSON as a value of type `ty` (arrays become lists/sets/tuples and
/// objects maps/objects as the type says).
pub fn from_json_typed(j: &serde_json::Value, ty: &Type) -> Result<Value, JsonError> {
    let _ = ty;
    Ok(from_json(j))
}

/// Lossless encoding keeping unknowns, sensitive marks and exact types.
pub fn to_tagged_json(v: &Value) -> serde_json::Value {
    let _ = v;
    serde_json::Value::Null
}

/// Inverse of [`to_tagged_json`].
pub fn from_tagged_json(j: &serde_json::Value) -> Result<Value, JsonError> {
    let _ = j;
    Ok(Value::Null)
}

/// Encodes a type as cty's JSON type syntax: `"string"`, `["list","string"]`,
/// `["object",{"a":"number"}]`, `"dynamic"`.
pub fn type_to_json(ty: &Type) -> serde_json::Value {
    let _ = ty;
    serde_json::Value::String("dynamic".into())
}

/// Inverse of [`type_to_json`].
pub fn type_from_json(j: &serde_json::Value) -> Result<Type, JsonError> {
    let _ = j;
    Ok(Type::Dynamic)
}
