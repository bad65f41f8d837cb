//! JSON encoding and decoding of values.
//!
//! - [`to_json_string`] is the exact text of Terraform's `jsonencode`;
//!   [`from_json`] is `jsondecode`.
//! - [`from_json_typed`] reads JSON as a value of a known type (state).
//! - [`to_tagged_json`] / [`from_tagged_json`] are a lossless encoding that
//!   keeps unknowns, sensitive marks and the collection kinds (for plan files
//!   and the plugin protocol).
//! - [`type_to_json`] / [`type_from_json`] encode types as cty does.
//!
//! # The tagged format
//!
//! Plain JSON where that is unambiguous, a wrapper object with a `"$t"` key
//! otherwise:
//!
//! | value              | encoding                                        |
//! |--------------------|-------------------------------------------------|
//! | null, bool, string | JSON null, bool, string                         |
//! | number             | JSON number, exact decimal text                 |
//! | tuple              | JSON array of encoded elements                  |
//! | object             | JSON object of encoded attributes, or `{"$t":"object","v":{...}}` when an attribute is named `$t` |
//! | list               | `{"$t":"list","v":[...]}`                       |
//! | set                | `{"$t":"set","v":[...]}`                        |
//! | map                | `{"$t":"map","v":{...}}`                        |
//! | unknown of type T  | `{"$t":"unknown","type":<type_to_json(T)>}`     |
//! | sensitive v        | `{"$t":"sensitive","v":<encoded v>}`            |

use crate::convert::value_type;
use crate::number::Number;
use crate::path::{AttrPath, PathStep};
use crate::types::{ObjectType, Type};
use crate::value::Value;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// Why a value could not be encoded to or decoded from JSON.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    pub path: AttrPath,
    pub message: String,
}

impl JsonError {
    fn new(path: &[PathStep], message: impl Into<String>) -> JsonError {
        JsonError {
            path: AttrPath(path.to_vec()),
            message: message.into(),
        }
    }
}

/// The tag key of wrapper objects in the tagged format.
pub const TAG_KEY: &str = "$t";

fn json_number(n: &Number) -> Json {
    match n.to_canonical_string().parse::<serde_json::Number>() {
        Ok(num) => Json::Number(num),
        // Unreachable with canonical decimal text; keep the text rather than panic.
        Err(_) => Json::String(n.to_canonical_string()),
    }
}

fn number_from_json(n: &serde_json::Number) -> Option<Number> {
    Number::parse(&n.to_string())
}

/// Encodes a value as `jsonencode` does: sets, lists and tuples as arrays,
/// maps and objects as objects. Unknowns are an error; sensitive marks are
/// looked through.
pub fn to_json(v: &Value) -> Result<Json, JsonError> {
    let mut path = Vec::new();
    to_json_inner(v, &mut path)
}

fn to_json_inner(v: &Value, path: &mut Vec<PathStep>) -> Result<Json, JsonError> {
    Ok(match v {
        Value::Null => Json::Null,
        Value::Unknown(_) => return Err(JsonError::new(path, "value is not yet known")),
        Value::Sensitive(inner) => to_json_inner(inner, path)?,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => json_number(n),
        Value::String(s) => Json::String(s.clone()),
        Value::List(elems) | Value::Set(elems) | Value::Tuple(elems) => {
            let mut out = Vec::with_capacity(elems.len());
            for (i, e) in elems.iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(to_json_inner(e, path)?);
                path.pop();
            }
            Json::Array(out)
        }
        Value::Map(m) | Value::Object(m) => {
            let mut out = Map::new();
            for (k, e) in m {
                path.push(entry_step(v, k));
                out.insert(k.clone(), to_json_inner(e, path)?);
                path.pop();
            }
            Json::Object(out)
        }
    })
}

fn entry_step(container: &Value, key: &str) -> PathStep {
    match container {
        Value::Map(_) => PathStep::Key(key.to_string()),
        _ => PathStep::Attr(key.to_string()),
    }
}

/// The exact text of Terraform's `jsonencode`: compact, keys sorted, numbers
/// in plain decimal, `<`, `>`, `&`, U+2028 and U+2029 escaped as Go does.
pub fn to_json_string(v: &Value) -> Result<String, JsonError> {
    let mut out = String::new();
    let mut path = Vec::new();
    write_json(&mut out, v, &mut path)?;
    Ok(out)
}

fn write_json(out: &mut String, v: &Value, path: &mut Vec<PathStep>) -> Result<(), JsonError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Unknown(_) => return Err(JsonError::new(path, "value is not yet known")),
        Value::Sensitive(inner) => write_json(out, inner, path)?,
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_canonical_string()),
        Value::String(s) => write_json_string(out, s),
        Value::List(elems) | Value::Set(elems) | Value::Tuple(elems) => {
            out.push('[');
            for (i, e) in elems.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                path.push(PathStep::Index(i as i64));
                write_json(out, e, path)?;
                path.pop();
            }
            out.push(']');
        }
        Value::Map(m) | Value::Object(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, k);
                out.push(':');
                path.push(entry_step(v, k));
                write_json(out, e, path)?;
                path.pop();
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe).
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decodes JSON with implied types, as `jsondecode` does: objects become
/// objects, arrays tuples, numbers exact numbers.
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match number_from_json(n) {
            Some(n) => Value::Number(n),
            None => Value::String(n.to_string()),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::Tuple(a.iter().map(from_json).collect()),
        Json::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// Decodes JSON as a value of type `ty`, as Terraform reads state: arrays
/// become lists, sets or tuples and objects maps or objects as the type says.
/// Primitives are read leniently as cty does (`"12"` for a number, `12` for a
/// string). `Dynamic` takes the implied type of the JSON. Object attributes
/// missing from the JSON are null; unexpected ones are an error.
pub fn from_json_typed(j: &Json, ty: &Type) -> Result<Value, JsonError> {
    let mut path = Vec::new();
    typed_inner(j, ty, &mut path)
}

fn typed_inner(j: &Json, ty: &Type, path: &mut Vec<PathStep>) -> Result<Value, JsonError> {
    if j.is_null() {
        return Ok(Value::Null);
    }
    let wrong =
        |path: &[PathStep]| JsonError::new(path, format!("{} required", ty.friendly_name()));
    Ok(match ty {
        Type::Dynamic => from_json(j),
        Type::String => match j {
            Json::String(s) => Value::String(s.clone()),
            Json::Number(n) => Value::String(n.to_string()),
            Json::Bool(b) => Value::String(b.to_string()),
            _ => return Err(wrong(path)),
        },
        Type::Number => match j {
            Json::Number(n) => Value::Number(number_from_json(n).ok_or_else(|| wrong(path))?),
            Json::String(s) => Value::Number(Number::parse(s).ok_or_else(|| wrong(path))?),
            _ => return Err(wrong(path)),
        },
        Type::Bool => match j {
            Json::Bool(b) => Value::Bool(*b),
            Json::String(s) if s == "true" => Value::Bool(true),
            Json::String(s) if s == "false" => Value::Bool(false),
            _ => return Err(wrong(path)),
        },
        Type::List(ety) | Type::Set(ety) => {
            let Json::Array(a) = j else {
                return Err(wrong(path));
            };
            let mut out = Vec::with_capacity(a.len());
            for (i, e) in a.iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(typed_inner(e, ety, path)?);
                path.pop();
            }
            if matches!(ty, Type::Set(_)) {
                Value::set(out)
            } else {
                Value::List(out)
            }
        }
        Type::Tuple(etys) => {
            let Json::Array(a) = j else {
                return Err(wrong(path));
            };
            if a.len() != etys.len() {
                return Err(JsonError::new(
                    path,
                    format!("tuple of {} elements required, got {}", etys.len(), a.len()),
                ));
            }
            let mut out = Vec::with_capacity(a.len());
            for (i, (e, t)) in a.iter().zip(etys).enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(typed_inner(e, t, path)?);
                path.pop();
            }
            Value::Tuple(out)
        }
        Type::Map(ety) => {
            let Json::Object(o) = j else {
                return Err(wrong(path));
            };
            let mut out = BTreeMap::new();
            for (k, e) in o {
                path.push(PathStep::Key(k.clone()));
                out.insert(k.clone(), typed_inner(e, ety, path)?);
                path.pop();
            }
            Value::Map(out)
        }
        Type::Object(ot) => {
            let Json::Object(o) = j else {
                return Err(wrong(path));
            };
            if let Some(extra) = o.keys().find(|k| !ot.attrs.contains_key(*k)) {
                return Err(JsonError::new(
                    path,
                    format!("unsupported attribute {extra:?}"),
                ));
            }
            let mut out = BTreeMap::new();
            for (k, t) in &ot.attrs {
                path.push(PathStep::Attr(k.clone()));
                let v = match o.get(k) {
                    Some(e) => typed_inner(e, t, path)?,
                    None => Value::Null,
                };
                path.pop();
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
    })
}

// ---------------------------------------------------------------------------
// Types as JSON.

/// Encodes a type as cty's JSON type syntax: `"string"`, `["list","string"]`,
/// `["tuple",["string","number"]]`, `["object",{"a":"number"}]`, `"dynamic"`.
/// Object types with optional attributes add their names as a third element
/// (as cty does) and, when any has a default, a fourth element mapping names
/// to tagged defaults.
pub fn type_to_json(ty: &Type) -> Json {
    match ty {
        Type::Dynamic => Json::from("dynamic"),
        Type::String => Json::from("string"),
        Type::Number => Json::from("number"),
        Type::Bool => Json::from("bool"),
        Type::List(t) => Json::Array(vec![Json::from("list"), type_to_json(t)]),
        Type::Set(t) => Json::Array(vec![Json::from("set"), type_to_json(t)]),
        Type::Map(t) => Json::Array(vec![Json::from("map"), type_to_json(t)]),
        Type::Tuple(ts) => Json::Array(vec![
            Json::from("tuple"),
            Json::Array(ts.iter().map(type_to_json).collect()),
        ]),
        Type::Object(o) => {
            let attrs: Map<String, Json> = o
                .attrs
                .iter()
                .map(|(k, t)| (k.clone(), type_to_json(t)))
                .collect();
            let mut out = vec![Json::from("object"), Json::Object(attrs)];
            if !o.optional.is_empty() {
                out.push(Json::Array(
                    o.optional.keys().map(|k| Json::from(k.as_str())).collect(),
                ));
                let defaults: Map<String, Json> = o
                    .optional
                    .iter()
                    .filter_map(|(k, d)| d.as_ref().map(|d| (k.clone(), to_tagged_json(d))))
                    .collect();
                if !defaults.is_empty() {
                    out.push(Json::Object(defaults));
                }
            }
            Json::Array(out)
        }
    }
}

/// Inverse of [`type_to_json`].
pub fn type_from_json(j: &Json) -> Result<Type, JsonError> {
    let bad = || JsonError::new(&[], format!("invalid type specification: {j}"));
    match j {
        Json::String(s) => match s.as_str() {
            "dynamic" => Ok(Type::Dynamic),
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            _ => Err(bad()),
        },
        Json::Array(a) => {
            let kind = a.first().and_then(Json::as_str).ok_or_else(bad)?;
            let arg = a.get(1).ok_or_else(bad)?;
            match kind {
                "list" => Ok(Type::list(type_from_json(arg)?)),
                "set" => Ok(Type::set(type_from_json(arg)?)),
                "map" => Ok(Type::map(type_from_json(arg)?)),
                "tuple" => {
                    let ts = arg.as_array().ok_or_else(bad)?;
                    Ok(Type::Tuple(
                        ts.iter().map(type_from_json).collect::<Result<_, _>>()?,
                    ))
                }
                "object" => {
                    let attrs = arg.as_object().ok_or_else(bad)?;
                    let mut ot = ObjectType::default();
                    for (k, t) in attrs {
                        ot.attrs.insert(k.clone(), type_from_json(t)?);
                    }
                    if let Some(opt) = a.get(2) {
                        for name in opt.as_array().ok_or_else(bad)? {
                            let name = name.as_str().ok_or_else(bad)?;
                            ot.optional.insert(name.to_string(), None);
                        }
                    }
                    if let Some(defaults) = a.get(3) {
                        for (k, d) in defaults.as_object().ok_or_else(bad)? {
                            ot.optional.insert(k.clone(), Some(from_tagged_json(d)?));
                        }
                    }
                    Ok(Type::Object(ot))
                }
                _ => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

// ---------------------------------------------------------------------------
// The tagged (lossless) encoding.

fn tagged(tag: &str, key: &str, v: Json) -> Json {
    let mut m = Map::new();
    m.insert(TAG_KEY.to_string(), Json::from(tag));
    m.insert(key.to_string(), v);
    Json::Object(m)
}

/// Lossless encoding keeping unknowns, sensitive marks and collection kinds.
/// See the module documentation for the format.
pub fn to_tagged_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => json_number(n),
        Value::String(s) => Json::String(s.clone()),
        Value::Tuple(elems) => Json::Array(elems.iter().map(to_tagged_json).collect()),
        Value::Object(m) => {
            let obj = Json::Object(
                m.iter()
                    .map(|(k, e)| (k.clone(), to_tagged_json(e)))
                    .collect(),
            );
            if m.contains_key(TAG_KEY) {
                tagged("object", "v", obj)
            } else {
                obj
            }
        }
        Value::List(elems) => tagged(
            "list",
            "v",
            Json::Array(elems.iter().map(to_tagged_json).collect()),
        ),
        Value::Set(elems) => tagged(
            "set",
            "v",
            Json::Array(elems.iter().map(to_tagged_json).collect()),
        ),
        Value::Map(m) => tagged(
            "map",
            "v",
            Json::Object(
                m.iter()
                    .map(|(k, e)| (k.clone(), to_tagged_json(e)))
                    .collect(),
            ),
        ),
        Value::Unknown(t) => tagged("unknown", "type", type_to_json(t)),
        Value::Sensitive(inner) => tagged("sensitive", "v", to_tagged_json(inner)),
    }
}

/// Inverse of [`to_tagged_json`].
pub fn from_tagged_json(j: &Json) -> Result<Value, JsonError> {
    let mut path = Vec::new();
    tagged_inner(j, &mut path)
}

fn tagged_inner(j: &Json, path: &mut Vec<PathStep>) -> Result<Value, JsonError> {
    Ok(match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(
            number_from_json(n)
                .ok_or_else(|| JsonError::new(path, format!("invalid number {n}")))?,
        ),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::Tuple(tagged_elems(a, path)?),
        Json::Object(o) => match o.get(TAG_KEY) {
            None => Value::Object(tagged_entries(o, true, path)?),
            Some(tag) => {
                let tag = tag.as_str().unwrap_or_default();
                let field = |key: &str| {
                    o.get(key).ok_or_else(|| {
                        JsonError::new(path, format!("tagged value {tag:?} lacks {key:?}"))
                    })
                };
                match tag {
                    "list" | "set" => {
                        let elems = field("v")?
                            .as_array()
                            .ok_or_else(|| JsonError::new(path, format!("{tag} needs an array")))?;
                        let elems = tagged_elems(elems, path)?;
                        if tag == "set" {
                            Value::set(elems)
                        } else {
                            Value::List(elems)
                        }
                    }
                    "map" | "object" => {
                        let entries = field("v")?.as_object().ok_or_else(|| {
                            JsonError::new(path, format!("{tag} needs an object"))
                        })?;
                        let entries = tagged_entries(entries, tag == "object", path)?;
                        if tag == "map" {
                            Value::Map(entries)
                        } else {
                            Value::Object(entries)
                        }
                    }
                    "unknown" => {
                        Value::Unknown(type_from_json(field("type")?).map_err(|mut e| {
                            e.path = AttrPath(path.clone());
                            e
                        })?)
                    }
                    "sensitive" => tagged_inner(field("v")?, path)?.sensitive(),
                    other => return Err(JsonError::new(path, format!("unknown tag {other:?}"))),
                }
            }
        },
    })
}

fn tagged_elems(a: &[Json], path: &mut Vec<PathStep>) -> Result<Vec<Value>, JsonError> {
    let mut out = Vec::with_capacity(a.len());
    for (i, e) in a.iter().enumerate() {
        path.push(PathStep::Index(i as i64));
        out.push(tagged_inner(e, path)?);
        path.pop();
    }
    Ok(out)
}

fn tagged_entries(
    o: &Map<String, Json>,
    attrs: bool,
    path: &mut Vec<PathStep>,
) -> Result<BTreeMap<String, Value>, JsonError> {
    let mut out = BTreeMap::new();
    for (k, e) in o {
        path.push(if attrs {
            PathStep::Attr(k.clone())
        } else {
            PathStep::Key(k.clone())
        });
        out.insert(k.clone(), tagged_inner(e, path)?);
        path.pop();
    }
    Ok(out)
}

/// The type a JSON document decodes to with [`from_json`] (objects and
/// tuples all the way down).
pub fn implied_type(j: &Json) -> Type {
    value_type(&from_json(j))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(s: &str) -> Value {
        from_tagged_json(&serde_json::from_str(s).unwrap()).unwrap()
    }

    /// (HCL expression, the value as tagged JSON, the text of Terraform
    /// 1.11.4's `jsonencode` for it, taken through `base64encode`).
    const ENCODE: &[(&str, &str, &str)] = &[
    (r#""<>&\u2028\u2029\n\r\t\u0001\u0008\u000c\u001f\u007f é \\ \" \ufeff 日本""#, r#""<>&\u2028\u2029\n\r\t\u0001\b\f\u001f\u007f \u00e9 \\ \" \ufeff \u65e5\u672c""#, "\"\\u003c\\u003e\\u0026\\u2028\\u2029\\n\\r\\t\\u0001\\b\\f\\u001f\u{7f} é \\\\ \\\" \u{feff} 日本\""),
    (r#"{b = 1, a = [1.5, true, null], c = tolist(["x"]), d = toset([3, 1])}"#, r#"{"b": 1, "a": [1.5, true, null], "c": {"$t": "list", "v": ["x"]}, "d": {"$t": "set", "v": [1, 3]}}"#, r#"{"a":[1.5,true,null],"b":1,"c":["x"],"d":[1,3]}"#),
    (r"1e40", r"1e40", r"10000000000000000000000000000000000000000"),
    (r"0.1", r"0.1", r"0.1"),
    (r"-0.00001", r"-0.00001", r"-0.00001"),
    (r"123456789012345678901234567890.123", r"123456789012345678901234567890.123", r"123456789012345678901234567890.123"),
    (r"1e-30", r"1e-30", r"0.000000000000000000000000000001"),
    (r"0", r"0", r"0"),
    (r"-7", r"-7", r"-7"),
    (r"tomap({})", r#"{"$t": "map", "v": {}}"#, r"{}"),
    (r"[]", r"[]", r"[]"),
    (r"{}", r"{}", r"{}"),
    (r"toset([])", r#"{"$t": "set", "v": []}"#, r"[]"),
    (r"null", r"null", r"null"),
    (r"true", r"true", r"true"),
    (r#""""#, r#""""#, r#""""#),
    (r#"{"B" = 1, "a" = 2, "_" = 3, "é" = 4, "aa" = 5, "Z" = 6}"#, r#"{"B": 1, "a": 2, "_": 3, "\u00e9": 4, "aa": 5, "Z": 6}"#, r#"{"B":1,"Z":6,"_":3,"a":2,"aa":5,"é":4}"#),
    (r#"{"<k>" = "&"}"#, r#"{"<k>": "&"}"#, r#"{"\u003ck\u003e":"\u0026"}"#),
    (r"tomap({x = tolist([1, 2]), y = tolist([])})", r#"{"$t": "map", "v": {"x": {"$t": "list", "v": [1, 2]}, "y": {"$t": "list", "v": []}}}"#, r#"{"x":[1,2],"y":[]}"#),
    (r"[[[]], {a = {b = null}}]", r#"[[[]], {"a": {"b": null}}]"#, r#"[[[]],{"a":{"b":null}}]"#),
    (r#"toset(["b", "a", "c"])"#, r#"{"$t": "set", "v": ["a", "b", "c"]}"#, r#"["a","b","c"]"#),
    ];

    #[test]
    fn jsonencode_matches_terraform() {
        for (hcl, t, want) in ENCODE {
            let v = tagged(t);
            assert_eq!(to_json_string(&v).unwrap(), *want, "{hcl}");
            // serde_json's own text differs only in escaping; the data must agree.
            let parsed: Json = serde_json::from_str(want).unwrap();
            assert_eq!(to_json(&v).unwrap(), parsed, "{hcl}");
        }
    }

    #[test]
    fn sensitive_is_looked_through_and_unknown_fails() {
        let v = tagged(r#"{"a":{"$t":"sensitive","v":[1,{"$t":"sensitive","v":"x"}]}}"#);
        assert_eq!(to_json_string(&v).unwrap(), r#"{"a":[1,"x"]}"#);
        let v = tagged(r#"{"a":[1,{"$t":"unknown","type":"string"}]}"#);
        let err = to_json_string(&v).unwrap_err();
        assert_eq!(err.path.to_string(), "a[1]");
        assert!(to_json(&v).is_err());
    }

    /// (JSON text, what `jsondecode` gives, shown in tagged JSON).
    #[test]
    fn jsondecode() {
        for (text, want) in [
            (
                r#"{"a": 1e400, "b": [1, "x"]}"#,
                format!(r#"{{"a":1{},"b":[1,"x"]}}"#, "0".repeat(400)),
            ),
            ("1.50", "1.5".into()),
            ("0.1", "0.1".into()),
            ("1e40", format!("1{}", "0".repeat(40))),
            ("-1.25e-3", "-0.00125".into()),
            ("[]", "[]".into()),
            (r#"{"x": null, "y": {}}"#, r#"{"x":null,"y":{}}"#.into()),
            (r#""\u003c""#, r#""<""#.into()),
        ] {
            let v = from_json(&serde_json::from_str(text).unwrap());
            assert_eq!(v, tagged(&want), "{text}");
        }
        // Numbers stay exact through a round trip.
        for text in [
            "1e40",
            "0.1",
            "123456789012345678901234567890.123456789",
            "-0.000001",
        ] {
            let v = from_json(&serde_json::from_str(text).unwrap());
            let back = to_json_string(&v).unwrap();
            assert_eq!(Number::parse(&back), Number::parse(text), "{text}");
        }
    }

    #[test]
    fn typed_decoding() {
        let obj = |attrs: &[(&str, Type)]| Type::object(attrs.iter().map(|(k, t)| (*k, t.clone())));
        for (text, ty, want) in [
            (
                r#"["b","a","b"]"#,
                Type::set(Type::String),
                r#"{"$t":"set","v":["a","b"]}"#,
            ),
            (
                r#"[1,2]"#,
                Type::list(Type::Number),
                r#"{"$t":"list","v":[1,2]}"#,
            ),
            (
                r#"[1,"x"]"#,
                Type::Tuple(vec![Type::Number, Type::String]),
                r#"[1,"x"]"#,
            ),
            (
                r#"{"k":"1"}"#,
                Type::map(Type::Number),
                r#"{"$t":"map","v":{"k":1}}"#,
            ),
            (
                r#"{"a":5}"#,
                obj(&[("a", Type::String), ("b", Type::Bool)]),
                r#"{"a":"5","b":null}"#,
            ),
            (
                r#"{"a":{"b":[true]}}"#,
                obj(&[("a", Type::map(Type::list(Type::Bool)))]),
                r#"{"a":{"$t":"map","v":{"b":{"$t":"list","v":[true]}}}}"#,
            ),
            (
                r#"{"d":[1,{"e":2}]}"#,
                Type::Dynamic,
                r#"{"d":[1,{"e":2}]}"#,
            ),
            ("null", Type::list(Type::String), "null"),
        ] {
            let got = from_json_typed(&serde_json::from_str(text).unwrap(), &ty).unwrap();
            assert_eq!(got, tagged(want), "{text} as {ty}");
        }
        for (text, ty, path) in [
            (r#"{"a":1,"z":2}"#, obj(&[("a", Type::Number)]), ""),
            (r#"[1,[2]]"#, Type::list(Type::Number), "[1]"),
            (
                r#"{"a":{"b":"x"}}"#,
                obj(&[("a", obj(&[("b", Type::Number)]))]),
                "a.b",
            ),
            (r#"[1]"#, Type::Tuple(vec![Type::Number, Type::Number]), ""),
        ] {
            let err = from_json_typed(&serde_json::from_str(text).unwrap(), &ty).unwrap_err();
            assert_eq!(err.path.to_string(), path, "{text} as {ty}: {err}");
        }
    }

    #[test]
    fn tagged_round_trips() {
        let big = Value::Number(Number::parse("1e40").unwrap());
        let tenth = Value::Number(Number::parse("0.1").unwrap());
        let optional_ty = Type::Object(ObjectType {
            attrs: [
                ("a".to_string(), Type::Number),
                ("b".to_string(), Type::list(Type::String)),
            ]
            .into(),
            optional: [
                ("a".to_string(), Some(Value::int(5))),
                ("b".to_string(), None),
            ]
            .into(),
        });
        let values = vec![
            Value::Null,
            Value::Bool(true),
            big.clone(),
            tenth.clone(),
            Value::string("x"),
            Value::List(vec![big.clone(), tenth.clone()]),
            Value::List(vec![]),
            Value::set(vec![Value::string("b"), Value::string("a")]),
            Value::Set(vec![]),
            Value::Map([("k".to_string(), Value::int(1))].into()),
            Value::Map(BTreeMap::new()),
            Value::Tuple(vec![Value::Null, Value::Tuple(vec![])]),
            Value::object([("$t", Value::string("list")), ("v", Value::int(1))]),
            Value::object([
                ("a", Value::Unknown(Type::list(Type::Number))),
                ("b", Value::string("s").sensitive()),
            ]),
            Value::Unknown(Type::Dynamic),
            Value::Unknown(Type::Tuple(vec![Type::String, Type::map(Type::Bool)])),
            Value::Unknown(Type::set(Type::object([("x", Type::Number)]))),
            Value::Unknown(optional_ty),
            Value::List(vec![Value::Map(
                [("m".to_string(), Value::Unknown(Type::String).sensitive())].into(),
            )])
            .sensitive(),
        ];
        for v in values {
            let j = to_tagged_json(&v);
            let text = j.to_string();
            let back = from_tagged_json(&serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(back, v, "{text}");
        }
        // Plain JSON is valid tagged JSON for tuples and objects.
        assert_eq!(
            to_tagged_json(&tagged(r#"{"a":[1,"x"]}"#)).to_string(),
            r#"{"a":[1,"x"]}"#
        );
    }

    #[test]
    fn tagged_errors() {
        for text in [
            r#"{"$t":"nope"}"#,
            r#"{"$t":"list"}"#,
            r#"{"$t":"list","v":{}}"#,
            r#"{"$t":"unknown","type":"str"}"#,
        ] {
            assert!(
                from_tagged_json(&serde_json::from_str(text).unwrap()).is_err(),
                "{text}"
            );
        }
        let err = from_tagged_json(&serde_json::from_str(r#"{"a":[{"$t":"map"}]}"#).unwrap())
            .unwrap_err();
        assert_eq!(err.path.to_string(), "a[0]");
    }

    #[test]
    fn type_json_round_trips() {
        for text in [
            r#""dynamic""#,
            r#"["list","string"]"#,
            r#"["set",["map","number"]]"#,
            r#"["tuple",["bool",["object",{}]]]"#,
            r#"["object",{"a":"number","b":["list","string"]}]"#,
            r#"["object",{"a":"number"},["a"]]"#,
            r#"["object",{"a":"number"},["a"],{"a":5}]"#,
        ] {
            let ty = type_from_json(&serde_json::from_str(text).unwrap()).unwrap();
            assert_eq!(type_to_json(&ty).to_string(), text);
        }
    }
}
