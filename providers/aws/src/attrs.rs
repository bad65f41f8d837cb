//! Reading typed attributes out of a [`Value`] and building values back.
//!
//! Readers treat null and unknown alike (`None`): by apply time everything a
//! provider reads is known, and at plan time an unknown must not be used.

use crate::error::Error;
use gitform_value::{Number, Value};
use std::collections::BTreeMap;

/// A known, non-null string attribute.
pub fn str_attr<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get_attr(name).and_then(Value::as_str)
}

/// A known, non-empty string attribute (the SDKv2 rule: `""` means unset).
pub fn non_empty<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    str_attr(v, name).filter(|s| !s.is_empty())
}

/// A known string attribute the schema requires.
pub fn required_str<'a>(v: &'a Value, name: &str) -> Result<&'a str, Error> {
    str_attr(v, name).ok_or_else(|| {
        Error::invalid(
            name,
            "Missing required argument",
            format!("The argument \"{name}\" is required, but no value was set."),
        )
    })
}

/// The `id` attribute of a state.
pub fn id(v: &Value) -> Result<&str, Error> {
    non_empty(v, "id").ok_or_else(|| Error::NotFound {
        what: "the object's id in state".to_string(),
    })
}

pub fn bool_attr(v: &Value, name: &str) -> Option<bool> {
    v.get_attr(name).and_then(Value::as_bool)
}

/// A whole number attribute (`None` when null, unknown or fractional).
pub fn int_attr(v: &Value, name: &str) -> Option<i64> {
    v.get_attr(name)
        .and_then(Value::as_number)
        .and_then(Number::to_i64)
}

/// The strings of a list or set attribute (nulls and unknowns skipped).
pub fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get_attr(name)
        .and_then(Value::as_elements)
        .map(|es| {
            es.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The entries of a `map(string)` attribute (null entries skipped).
pub fn string_map(v: &Value, name: &str) -> BTreeMap<String, String> {
    v.get_attr(name).map(map_of_strings).unwrap_or_default()
}

/// The entries of a `map(string)` value.
pub fn map_of_strings(v: &Value) -> BTreeMap<String, String> {
    v.as_entries()
        .map(|m| {
            m.iter()
                .filter_map(|(k, e)| e.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The elements of a nested block attribute (list or set of objects).
pub fn blocks<'a>(v: &'a Value, name: &str) -> &'a [Value] {
    v.get_attr(name).and_then(Value::as_elements).unwrap_or(&[])
}

/// True when the attribute is unknown (at plan time).
pub fn is_unknown(v: &Value, name: &str) -> bool {
    v.get_attr(name).is_some_and(|a| !a.is_known())
}

/// True when the attribute's value differs between two states (marks ignored).
pub fn changed(old: &Value, new: &Value, name: &str) -> bool {
    let (a, b) = (old.get_attr(name), new.get_attr(name));
    match (a, b) {
        (Some(a), Some(b)) => !gitform_provider::values_equal(a, b),
        (None, None) => false,
        _ => true,
    }
}

/// The prior value of an attribute AWS does not return, to carry over into
/// the refreshed state. Unknowns (a create's planned state) become null.
pub fn keep(prior: &Value, name: &str) -> Value {
    match prior.get_attr(name) {
        Some(v) if v.is_wholly_known() => v.clone(),
        _ => Value::Null,
    }
}

// Building values from SDK answers.

/// A string or null.
pub fn opt_str<S: AsRef<str>>(s: Option<S>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.as_ref().to_string()))
}

/// A string, `""` when missing (SDKv2 states keep empty strings for unset
/// computed strings).
pub fn str_or_empty<S: AsRef<str>>(s: Option<S>) -> Value {
    Value::String(s.map(|s| s.as_ref().to_string()).unwrap_or_default())
}

pub fn opt_bool(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

pub fn opt_int(n: Option<i64>) -> Value {
    n.map_or(Value::Null, Value::int)
}

/// A list of strings.
pub fn str_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(
        items
            .into_iter()
            .map(|s| Value::String(s.as_ref().to_string()))
            .collect(),
    )
}

/// A set of strings.
pub fn str_set<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::set(
        items
            .into_iter()
            .map(|s| Value::String(s.as_ref().to_string()))
            .collect(),
    )
}

/// A `map(string)`.
pub fn str_map(m: &BTreeMap<String, String>) -> Value {
    Value::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Sets one attribute of an object value (no-op on anything else).
pub fn set_attr(obj: &mut Value, name: &str, v: Value) {
    if let Value::Object(m) = obj {
        m.insert(name.to_string(), v);
    }
}
