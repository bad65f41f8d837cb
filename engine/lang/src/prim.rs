//! Primitive conversions used by operators, conditions and keys, with cty's
//! messages ("a number is required", "bool required", "string required").

use gitform_value::{Number, Value};

/// Converts a known, non-null, unmarked value to a number.
pub fn to_number(v: &Value) -> Result<Number, String> {
    match v {
        Value::Number(n) => Ok(n.clone()),
        Value::String(s) => Number::parse(s).ok_or_else(|| "a number is required".to_string()),
        _ => Err("number required".to_string()),
    }
}

/// Converts a known, non-null, unmarked value to a bool.
pub fn to_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::String(_) => Err("a bool is required".to_string()),
        _ => Err("bool required".to_string()),
    }
}

/// Converts a known, non-null, unmarked primitive to a string.
pub fn to_string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_canonical_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err("string required".to_string()),
    }
}
