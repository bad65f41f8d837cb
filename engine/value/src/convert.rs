//! Type conversion, unification and equality, following Terraform's rules
//! (go-cty's `convert` package and `Value.Equals`).
//!
//! Conversion first checks, by type alone, that a conversion can exist at all
//! (failing with cty's "mismatch" wording such as `list of string required` or
//! `attribute "name" is required`), then converts the value, failing with a
//! path into the value for value-level problems such as `a number is
//! required` for `"abc"` to `number`.

use crate::number::Number;
use crate::path::{AttrPath, PathStep};
use crate::types::{ObjectType, Type};
use crate::value::Value;
use std::collections::BTreeMap;

/// Why a conversion failed. `path` says where inside the value.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    pub path: crate::path::AttrPath,
    pub message: String,
}

impl ConvertError {
    fn new(path: &[PathStep], message: impl Into<String>) -> ConvertError {
        ConvertError {
            path: AttrPath(path.to_vec()),
            message: message.into(),
        }
    }

    /// The message prefixed with the path as Terraform prints conversion
    /// errors: `[0]: a number is required`, `.name: string required`, or just
    /// the message at the root.
    pub fn format_with_path(&self) -> String {
        if self.path.is_root() {
            return self.message.clone();
        }
        let mut out = String::new();
        for step in &self.path.0 {
            match step {
                PathStep::Attr(a) => {
                    out.push('.');
                    out.push_str(a);
                }
                PathStep::Key(k) => {
                    out.push('[');
                    out.push_str(&crate::display::go_quote(k));
                    out.push(']');
                }
                PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        format!("{out}: {}", self.message)
    }
}

/// Converts `value` to type `want` (which may contain `Dynamic` and optional
/// object attributes), as Terraform converts values to type constraints.
/// Marks and unknowns are preserved; defaults of `optional(T, default)`
/// attributes are applied (also to explicit nulls), as Terraform 1.3+ does.
pub fn convert(value: Value, want: &Type) -> Result<Value, ConvertError> {
    if *want == Type::Dynamic {
        return Ok(value);
    }
    let have = value_type(&value);
    if !can_convert(&have, want) {
        return Err(ConvertError::new(&[], mismatch_message(&have, want)));
    }
    let mut path = Vec::new();
    conv(value, want, &mut path)
}

/// True when a value of type `from` may convert to `to` (Terraform's unsafe
/// conversions included: string to number or bool, list to set, map to
/// object). Whether it does depends on the value (`"abc"` is no number).
pub fn can_convert(from: &Type, to: &Type) -> bool {
    conversion_exists(from, to, true)
}

/// True when the conversion from `from` to `to` can never fail (cty's "safe"
/// conversions: number or bool to string, tuple to list, object to map, ...).
pub fn can_convert_safe(from: &Type, to: &Type) -> bool {
    conversion_exists(from, to, false)
}

/// The common type of `types`, as Terraform uses for conditional results,
/// `tolist`/`list(any)` elements and map values (cty's unsafe unification).
/// `None` when there is none or `types` is empty.
///
/// `[number, string]` gives `string`; `[object{a:number}, object{a:string}]`
/// gives `object{a:string}`; objects with different attributes give a map.
pub fn unify(types: &[Type]) -> Option<Type> {
    unify_with(types, true)
}

/// cty's safe unification (`convert.Unify`), used by functions such as
/// `concat` and `coalesce`: only conversions that can never fail are used.
pub fn unify_safe(types: &[Type]) -> Option<Type> {
    unify_with(types, false)
}

/// Unifies the types of `values` and converts each to the common type. `None`
/// for the type when there is no common type; an error when a value does not
/// convert (for example `"abc"` where numbers are unified).
pub fn unify_values(values: Vec<Value>) -> Result<(Vec<Value>, Type), ConvertError> {
    let types: Vec<Type> = values.iter().map(value_type).collect();
    let Some(ty) = unify(&types) else {
        return Err(ConvertError::new(&[], "incompatible types"));
    };
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let mut path = vec![PathStep::Index(i as i64)];
        out.push(conv(v, &ty, &mut path)?);
    }
    Ok((out, ty))
}

/// A short human name of the value's type for messages ("string", "tuple",
/// "list of number"), as cty's `FriendlyName`.
pub fn value_type_name(v: &Value) -> String {
    value_type(v).friendly_name()
}

/// The type of a value, inferring collection element types from the
/// elements that are not null (where [`Value::ty`] looks at the first one).
pub fn value_type(v: &Value) -> Type {
    fn elems<'a>(it: impl Iterator<Item = &'a Value>) -> Type {
        let mut found = Type::Dynamic;
        for e in it {
            let t = value_type(e);
            if t != Type::Dynamic {
                if found == Type::Dynamic || (found.has_dynamic() && !t.has_dynamic()) {
                    found = t;
                }
                if !found.has_dynamic() {
                    break;
                }
            }
        }
        found
    }
    match v {
        Value::Null => Type::Dynamic,
        Value::Unknown(t) => t.clone(),
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(l) => Type::list(elems(l.iter())),
        Value::Set(l) => Type::set(elems(l.iter())),
        Value::Map(m) => Type::map(elems(m.values())),
        Value::Tuple(l) => Type::Tuple(l.iter().map(value_type).collect()),
        Value::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), value_type(v)))),
        Value::Sensitive(v) => value_type(v),
    }
}

/// cty's `FriendlyNameForConstraint`: like [`Type::friendly_name`], but
/// `any type` for `Dynamic` and `list of any single type` for `list(any)`.
pub fn constraint_name(ty: &Type) -> String {
    fn elem(t: &Type) -> String {
        if *t == Type::Dynamic {
            "any single type".into()
        } else {
            constraint_name(t)
        }
    }
    match ty {
        Type::Dynamic => "any type".into(),
        Type::List(t) => format!("list of {}", elem(t)),
        Type::Set(t) => format!("set of {}", elem(t)),
        Type::Map(t) => format!("map of {}", elem(t)),
        other => other.friendly_name(),
    }
}

/// The message cty gives when no conversion from `got` to `want` exists
/// (`string required`, `attribute "a" is required`, `element 0: ...`,
/// `all list elements must have the same type`, ...).
pub fn mismatch_message(got: &Type, want: &Type) -> String {
    match (got, want) {
        (Type::Object(g), Type::Object(w)) => mismatch_objects(g, w),
        (Type::Tuple(_), Type::List(e)) if **e == Type::Dynamic => {
            "all list elements must have the same type".into()
        }
        (Type::Tuple(_), Type::Set(e)) if **e == Type::Dynamic => {
            "all set elements must have the same type".into()
        }
        (Type::Object(_), Type::Map(e)) if **e == Type::Dynamic => {
            "all map elements must have the same type".into()
        }
        (Type::Tuple(_) | Type::Object(_), Type::List(_) | Type::Set(_) | Type::Map(_)) => {
            mismatch_structural_to_collection(got, want)
        }
        (
            Type::List(g) | Type::Set(g) | Type::Map(g),
            Type::List(w) | Type::Set(w) | Type::Map(w),
        ) => {
            let kinds_ok = match got {
                Type::Map(_) => matches!(want, Type::Map(_)),
                _ => matches!(want, Type::List(_) | Type::Set(_)),
            };
            if !kinds_ok {
                return format!("{} required", constraint_name(want));
            }
            let noun = match want {
                Type::List(_) => "list element type",
                Type::Set(_) => "set element type",
                _ => "map element type",
            };
            format!("incorrect {noun}: {}", mismatch_message(g, w))
        }
        _ => format!("{} required", constraint_name(want)),
    }
}

fn mismatch_objects(got: &ObjectType, want: &ObjectType) -> String {
    let mut missing = Vec::new();
    let mut mismatch: Option<(String, String)> = None;
    for (name, wty) in &want.attrs {
        let Some(gty) = got.attrs.get(name) else {
            if !want.optional.contains_key(name) {
                missing.push(name.clone());
            }
            continue;
        };
        if gty == wty || can_convert(gty, wty) {
            continue;
        }
        if mismatch.is_none() {
            mismatch = Some((name.clone(), mismatch_message(gty, wty)));
        }
    }
    match missing.len() {
        0 => match mismatch {
            Some((name, msg)) => format!("attribute {}: {msg}", go_quote(&name)),
            None => "incorrect object attributes".into(),
        },
        1 => format!("attribute {} is required", go_quote(&missing[0])),
        n => {
            let mut s = String::from("attributes ");
            for (i, name) in missing.iter().enumerate() {
                if i > 0 {
                    s.push_str(if i + 1 == n {
                        if n > 2 {
                            ", and "
                        } else {
                            " and "
                        }
                    } else {
                        ", "
                    });
                }
                s.push_str(&go_quote(name));
            }
            s.push_str(" are required");
            s
        }
    }
}

fn mismatch_structural_to_collection(got: &Type, want: &Type) -> String {
    match (got, want) {
        (Type::Tuple(etys), Type::List(w) | Type::Set(w)) => {
            for (i, e) in etys.iter().enumerate() {
                if e == &**w || conversion_exists(e, w, true) {
                    continue;
                }
                return format!("element {i}: {}", mismatch_message(e, w));
            }
            format!("all elements must be {}", constraint_name(w))
        }
        (Type::Object(o), Type::Map(w)) => {
            for (name, a) in &o.attrs {
                if a == &**w || conversion_exists(a, w, true) {
                    continue;
                }
                return format!("element {}: {}", go_quote(name), mismatch_message(a, w));
            }
            format!("all elements must be {}", constraint_name(w))
        }
        _ => format!("{} required", constraint_name(want)),
    }
}

fn go_quote(s: &str) -> String {
    crate::display::go_quote(s)
}

/// Removes optional-attribute markers (and their defaults) at every depth.
pub fn without_optional_attrs(ty: &Type) -> Type {
    match ty {
        Type::List(t) => Type::list(without_optional_attrs(t)),
        Type::Set(t) => Type::set(without_optional_attrs(t)),
        Type::Map(t) => Type::map(without_optional_attrs(t)),
        Type::Tuple(ts) => Type::Tuple(ts.iter().map(without_optional_attrs).collect()),
        Type::Object(o) => Type::object(
            o.attrs
                .iter()
                .map(|(k, t)| (k.clone(), without_optional_attrs(t))),
        ),
        t => t.clone(),
    }
}

/// Replaces the `Dynamic` parts of `want` with the corresponding parts of
/// `have` (cty's dynamicReplace), for the type of converted unknowns.
fn dynamic_replace(have: &Type, want: &Type) -> Type {
    match (have, want) {
        (_, Type::Dynamic) => have.clone(),
        (_, w) if !w.has_dynamic() => w.clone(),
        (Type::List(h) | Type::Set(h) | Type::Map(h), Type::List(w)) => {
            Type::list(dynamic_replace(h, w))
        }
        (Type::List(h) | Type::Set(h) | Type::Map(h), Type::Set(w)) => {
            Type::set(dynamic_replace(h, w))
        }
        (Type::List(h) | Type::Set(h) | Type::Map(h), Type::Map(w)) => {
            Type::map(dynamic_replace(h, w))
        }
        (Type::Tuple(hs), Type::Tuple(ws)) if hs.len() == ws.len() => Type::Tuple(
            hs.iter()
                .zip(ws)
                .map(|(h, w)| dynamic_replace(h, w))
                .collect(),
        ),
        (Type::Object(h), Type::Object(w)) => Type::object(w.attrs.iter().map(|(k, wt)| {
            let t = match h.attrs.get(k) {
                Some(ht) => dynamic_replace(ht, wt),
                None => wt.clone(),
            };
            (k.clone(), t)
        })),
        (_, w) => w.clone(),
    }
}

// ---------------------------------------------------------------------------
// Type-level conversion rules (cty's getConversionKnown).

fn conversion_exists(from: &Type, to: &Type, unsafe_ok: bool) -> bool {
    if from == to && !has_optional(to) {
        return true;
    }
    match (from, to) {
        (_, Type::Dynamic) => true,
        (Type::Dynamic, _) => unsafe_ok,
        (f, t) if f.is_primitive() && t.is_primitive() => {
            f == t || *t == Type::String || (unsafe_ok && *f == Type::String)
        }
        (Type::Object(f), Type::Object(t)) => {
            t.attrs.iter().all(|(name, tty)| match f.attrs.get(name) {
                Some(fty) => conversion_exists(fty, tty, unsafe_ok),
                None => t.optional.contains_key(name),
            })
        }
        (Type::Tuple(f), Type::Tuple(t)) => {
            f.len() == t.len()
                && f.iter()
                    .zip(t)
                    .all(|(a, b)| conversion_exists(a, b, unsafe_ok))
        }
        (Type::List(f) | Type::Set(f), Type::List(t)) => conversion_exists(f, t, unsafe_ok),
        (Type::List(f), Type::Set(t)) => unsafe_ok && conversion_exists(f, t, unsafe_ok),
        (Type::Set(f), Type::Set(t)) => conversion_exists(f, t, unsafe_ok),
        (Type::Map(f), Type::Map(t)) => conversion_exists(f, t, unsafe_ok),
        (Type::Tuple(f), Type::List(t) | Type::Set(t)) => elements_convert(f.iter(), t, unsafe_ok),
        (Type::Object(f), Type::Map(t)) => elements_convert(f.attrs.values(), t, unsafe_ok),
        (Type::Map(f), Type::Object(t)) => {
            unsafe_ok && t.attrs.values().all(|a| conversion_exists(f, a, unsafe_ok))
        }
        _ => false,
    }
}

fn elements_convert<'a>(
    elems: impl Iterator<Item = &'a Type> + Clone,
    ety: &Type,
    unsafe_ok: bool,
) -> bool {
    let all: Vec<Type> = elems.cloned().collect();
    if all.is_empty() {
        return true;
    }
    let ety = if *ety == Type::Dynamic {
        match unify_with(&all, unsafe_ok) {
            Some(t) => t,
            None => return false,
        }
    } else {
        ety.clone()
    };
    all.iter().all(|e| conversion_exists(e, &ety, unsafe_ok))
}

fn has_optional(ty: &Type) -> bool {
    match ty {
        Type::List(t) | Type::Set(t) | Type::Map(t) => has_optional(t),
        Type::Tuple(ts) => ts.iter().any(has_optional),
        Type::Object(o) => !o.optional.is_empty() || o.attrs.values().any(has_optional),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Value-level conversion.

fn conv(value: Value, want: &Type, path: &mut Vec<PathStep>) -> Result<Value, ConvertError> {
    let value = match value {
        Value::Sensitive(inner) => return conv(*inner, want, path).map(Value::sensitive),
        v => v,
    };
    if *want == Type::Dynamic {
        return Ok(value);
    }
    match value {
        Value::Null => Ok(Value::Null),
        Value::Unknown(t) => Ok(Value::Unknown(dynamic_replace(
            &t,
            &without_optional_attrs(want),
        ))),
        Value::String(s) => {
            match want {
                Type::String => Ok(Value::String(s)),
                Type::Number => {
                    let trimmed = s.trim();
                    match Number::parse(&s) {
                        Some(n) if trimmed.len() == s.len() => Ok(Value::Number(n)),
                        _ => Err(ConvertError::new(path, "a number is required")),
                    }
                }
                Type::Bool => match s.as_str() {
                    "true" | "1" => Ok(Value::Bool(true)),
                    "false" | "0" => Ok(Value::Bool(false)),
                    other => {
                        let msg = match other.to_lowercase().as_str() {
                        "true" => "a bool is required; to convert from string, use lowercase \"true\"",
                        "false" => "a bool is required; to convert from string, use lowercase \"false\"",
                        _ => "a bool is required",
                    };
                        Err(ConvertError::new(path, msg))
                    }
                },
                _ => Err(mismatch_at(path, &Type::String, want)),
            }
        }
        Value::Number(n) => match want {
            Type::Number => Ok(Value::Number(n)),
            Type::String => Ok(Value::String(n.to_canonical_string())),
            _ => Err(mismatch_at(path, &Type::Number, want)),
        },
        Value::Bool(b) => match want {
            Type::Bool => Ok(Value::Bool(b)),
            Type::String => Ok(Value::String(if b { "true" } else { "false" }.into())),
            _ => Err(mismatch_at(path, &Type::Bool, want)),
        },
        Value::Object(attrs) => match want {
            Type::Object(ot) => object_to_object(attrs, ot, path),
            Type::Map(ety) => entries_to_map(attrs, ety, path),
            _ => Err(mismatch_at(path, &value_type(&Value::Object(attrs)), want)),
        },
        Value::Map(entries) => match want {
            Type::Map(ety) => entries_to_map(entries, ety, path),
            Type::Object(ot) => map_to_object(entries, ot, path),
            _ => Err(mismatch_at(path, &value_type(&Value::Map(entries)), want)),
        },
        Value::Tuple(elems) => match want {
            Type::Tuple(tys) if tys.len() == elems.len() => {
                let mut out = Vec::with_capacity(elems.len());
                for (i, (e, t)) in elems.into_iter().zip(tys).enumerate() {
                    path.push(PathStep::Index(i as i64));
                    out.push(conv(e, t, path)?);
                    path.pop();
                }
                Ok(Value::Tuple(out))
            }
            Type::List(ety) => sequence_to(elems, ety, true, path).map(Value::List),
            Type::Set(ety) => sequence_to(elems, ety, true, path).map(Value::set),
            _ => Err(mismatch_at(path, &value_type(&Value::Tuple(elems)), want)),
        },
        Value::List(elems) => match want {
            Type::List(ety) => sequence_to(elems, ety, false, path).map(Value::List),
            Type::Set(ety) => sequence_to(elems, ety, false, path).map(Value::set),
            _ => Err(mismatch_at(path, &value_type(&Value::List(elems)), want)),
        },
        Value::Set(elems) => match want {
            Type::List(ety) => sequence_to(elems, ety, false, path).map(Value::List),
            Type::Set(ety) => sequence_to(elems, ety, false, path).map(Value::set),
            _ => Err(mismatch_at(path, &value_type(&Value::Set(elems)), want)),
        },
        Value::Sensitive(_) => unreachable_sensitive(),
    }
}

// `conv` unwraps the mark first; this keeps the match exhaustive without a panic.
fn unreachable_sensitive() -> Result<Value, ConvertError> {
    Err(ConvertError::new(&[], "incompatible types"))
}

fn mismatch_at(path: &[PathStep], got: &Type, want: &Type) -> ConvertError {
    ConvertError::new(path, mismatch_message(got, want))
}

/// Converts the elements of a tuple, list or set to `ety`. When `ety` is (or
/// contains) `Dynamic`, the elements are unified to a single type as cty does.
fn sequence_to(
    elems: Vec<Value>,
    ety: &Type,
    from_tuple: bool,
    path: &mut Vec<PathStep>,
) -> Result<Vec<Value>, ConvertError> {
    if elems.is_empty() {
        return Ok(elems);
    }
    let ety = if *ety == Type::Dynamic && from_tuple {
        let types: Vec<Type> = elems.iter().map(value_type).collect();
        match unify(&types) {
            Some(t) => t,
            None => {
                return Err(ConvertError::new(
                    path,
                    "all list elements must have the same type",
                ))
            }
        }
    } else {
        ety.clone()
    };
    let mut out = Vec::with_capacity(elems.len());
    for (i, e) in elems.into_iter().enumerate() {
        path.push(PathStep::Index(i as i64));
        out.push(conv(e, &ety, path)?);
        path.pop();
    }
    if ety.has_dynamic() {
        out = unify_elements(out, path, |i| PathStep::Index(i as i64))?;
    }
    Ok(out)
}

/// Converts the elements to their unified type (cty's
/// conversionUnifyListElements), after a conversion to a type with `Dynamic`.
fn unify_elements(
    elems: Vec<Value>,
    path: &mut Vec<PathStep>,
    step: impl Fn(usize) -> PathStep,
) -> Result<Vec<Value>, ConvertError> {
    let types: Vec<Type> = elems.iter().map(value_type).collect();
    if types.windows(2).all(|w| w[0] == w[1]) {
        return Ok(elems);
    }
    let Some(ty) = unify(&types) else {
        return Err(ConvertError::new(
            path,
            "collection elements cannot be unified",
        ));
    };
    let mut out = Vec::with_capacity(elems.len());
    for (i, (e, t)) in elems.into_iter().zip(types).enumerate() {
        if t == ty {
            out.push(e);
            continue;
        }
        path.push(step(i));
        out.push(conv(e, &ty, path)?);
        path.pop();
    }
    Ok(out)
}

fn entries_to_map(
    entries: BTreeMap<String, Value>,
    ety: &Type,
    path: &mut Vec<PathStep>,
) -> Result<Value, ConvertError> {
    if entries.is_empty() {
        return Ok(Value::Map(entries));
    }
    let ety = if *ety == Type::Dynamic {
        let types: Vec<Type> = entries.values().map(value_type).collect();
        match unify(&types) {
            Some(t) => t,
            None => {
                return Err(ConvertError::new(
                    path,
                    "all map elements must have the same type",
                ))
            }
        }
    } else {
        ety.clone()
    };
    let mut keys = Vec::with_capacity(entries.len());
    let mut vals = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        path.push(PathStep::Key(k.clone()));
        vals.push(conv(v, &ety, path)?);
        path.pop();
        keys.push(k);
    }
    if ety.has_dynamic() {
        let names = keys.clone();
        vals = unify_elements(vals, path, |i| {
            PathStep::Key(names.get(i).cloned().unwrap_or_default())
        })?;
    }
    Ok(Value::Map(keys.into_iter().zip(vals).collect()))
}

fn object_to_object(
    mut attrs: BTreeMap<String, Value>,
    ot: &ObjectType,
    path: &mut Vec<PathStep>,
) -> Result<Value, ConvertError> {
    let mut out = BTreeMap::new();
    for (name, aty) in &ot.attrs {
        match attrs.remove(name) {
            Some(v) => {
                path.push(PathStep::Attr(name.clone()));
                let v = conv(v, aty, path)?;
                let v = apply_default(v, name, aty, ot, path)?;
                path.pop();
                out.insert(name.clone(), v);
            }
            None if ot.optional.contains_key(name) => {
                path.push(PathStep::Attr(name.clone()));
                let v = apply_default(Value::Null, name, aty, ot, path)?;
                path.pop();
                out.insert(name.clone(), v);
            }
            None => {
                return Err(ConvertError::new(
                    path,
                    format!("attribute {} is required", go_quote(name)),
                ));
            }
        }
    }
    Ok(Value::Object(out))
}

fn map_to_object(
    mut entries: BTreeMap<String, Value>,
    ot: &ObjectType,
    path: &mut Vec<PathStep>,
) -> Result<Value, ConvertError> {
    let mut out = BTreeMap::new();
    for (name, aty) in &ot.attrs {
        match entries.remove(name) {
            Some(v) => {
                path.push(PathStep::Key(name.clone()));
                let v = conv(v, aty, path)?;
                let v = apply_default(v, name, aty, ot, path)?;
                path.pop();
                out.insert(name.clone(), v);
            }
            None if ot.optional.contains_key(name) => {
                path.push(PathStep::Key(name.clone()));
                let v = apply_default(Value::Null, name, aty, ot, path)?;
                path.pop();
                out.insert(name.clone(), v);
            }
            None => {
                return Err(ConvertError::new(
                    path,
                    format!(
                        "map has no element for required attribute {}",
                        go_quote(name)
                    ),
                ));
            }
        }
    }
    Ok(Value::Object(out))
}

/// Replaces a null optional attribute with its default, converted to the
/// attribute's type (defaults nested in the default are applied too).
fn apply_default(
    v: Value,
    name: &str,
    aty: &Type,
    ot: &ObjectType,
    path: &mut Vec<PathStep>,
) -> Result<Value, ConvertError> {
    if !v.is_null() {
        return Ok(v);
    }
    match ot.optional.get(name) {
        Some(Some(default)) if !default.is_null() => {
            let have = value_type(default);
            if !can_convert(&have, aty) {
                return Err(ConvertError::new(path, mismatch_message(&have, aty)));
            }
            // Keep a mark the null carried.
            let marked = v.is_sensitive();
            conv(default.clone(), aty, path).map(|d| d.mark_if(marked))
        }
        _ => Ok(v),
    }
}

// ---------------------------------------------------------------------------
// Unification (cty's unify, sortTypes and compareTypes).

fn unify_with(types: &[Type], unsafe_ok: bool) -> Option<Type> {
    if types.is_empty() {
        return None;
    }
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let dynamics = count(|t| matches!(t, Type::Dynamic));
    let n = types.len();
    if maps > 0 && maps + dynamics == n {
        return unify_collections(types, unsafe_ok, dynamics > 0, Type::map);
    }
    if maps > 0 && maps + objects + dynamics == n {
        if let Some(t) = unify_objects_as_maps(types, unsafe_ok) {
            return Some(t);
        }
    } else if lists > 0 && lists + dynamics == n {
        return unify_collections(types, unsafe_ok, dynamics > 0, Type::list);
    } else if sets > 0 && sets + dynamics == n {
        return unify_collections(types, unsafe_ok, dynamics > 0, Type::set);
    } else if objects > 0 && objects + dynamics == n {
        return unify_objects(types, unsafe_ok, dynamics > 0);
    } else if tuples > 0 && tuples + dynamics == n {
        return unify_tuples(types, unsafe_ok, dynamics > 0);
    } else if objects > 0 && tuples > 0 {
        return None;
    }

    'preferences: for want_idx in sort_types(types) {
        let want = &types[want_idx];
        for (i, t) in types.iter().enumerate() {
            if i == want_idx || t == want {
                continue;
            }
            if !conversion_exists(t, want, unsafe_ok) {
                continue 'preferences;
            }
        }
        return Some(want.clone());
    }
    None
}

fn unify_collections(
    types: &[Type],
    unsafe_ok: bool,
    has_dynamic: bool,
    make: fn(Type) -> Type,
) -> Option<Type> {
    if has_dynamic {
        return Some(Type::Dynamic);
    }
    let elems: Vec<Type> = types
        .iter()
        .filter_map(|t| t.element_type().cloned())
        .collect();
    let ety = unify_with(&elems, unsafe_ok)?;
    let ret = make(ety);
    types
        .iter()
        .all(|t| *t == ret || conversion_exists(t, &ret, unsafe_ok))
        .then_some(ret)
}

fn unify_objects_as_maps(types: &[Type], unsafe_ok: bool) -> Option<Type> {
    let mut elems = Vec::new();
    for t in types {
        match t {
            Type::Map(e) => elems.push((**e).clone()),
            Type::Object(o) => elems.extend(o.attrs.values().cloned()),
            _ => {}
        }
    }
    let ret = Type::map(unify_with(&elems, unsafe_ok)?);
    types
        .iter()
        .all(|t| *t == ret || conversion_exists(t, &ret, unsafe_ok))
        .then_some(ret)
}

fn unify_objects(types: &[Type], unsafe_ok: bool, has_dynamic: bool) -> Option<Type> {
    if has_dynamic {
        return Some(Type::Dynamic);
    }
    let objs: Vec<&ObjectType> = types
        .iter()
        .filter_map(|t| match t {
            Type::Object(o) => Some(o),
            _ => None,
        })
        .collect();
    let first = objs.first()?;
    let same_names = objs.iter().all(|o| {
        o.attrs.len() == first.attrs.len() && o.attrs.keys().all(|k| first.attrs.contains_key(k))
    });
    if !same_names {
        let all: Vec<Type> = objs
            .iter()
            .flat_map(|o| o.attrs.values().cloned())
            .collect();
        let ret = Type::map(unify_with(&all, unsafe_ok)?);
        return types
            .iter()
            .all(|t| conversion_exists(t, &ret, unsafe_ok))
            .then_some(ret);
    }
    let mut attrs = BTreeMap::new();
    for name in first.attrs.keys() {
        let across: Vec<Type> = objs
            .iter()
            .filter_map(|o| o.attrs.get(name).cloned())
            .collect();
        attrs.insert(name.clone(), unify_with(&across, unsafe_ok)?);
    }
    let ret = Type::object(attrs);
    types
        .iter()
        .all(|t| *t == ret || conversion_exists(t, &ret, unsafe_ok))
        .then_some(ret)
}

fn unify_tuples(types: &[Type], unsafe_ok: bool, has_dynamic: bool) -> Option<Type> {
    if has_dynamic {
        return Some(Type::Dynamic);
    }
    let tuples: Vec<&Vec<Type>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Tuple(ts) => Some(ts),
            _ => None,
        })
        .collect();
    let first = tuples.first()?;
    if tuples.iter().any(|t| t.len() != first.len()) {
        // Tuples of different lengths unify as a list (cty's
        // unifyTupleTypesToList): `true ? [] : [1]` is a list(number).
        let all: Vec<Type> = tuples.iter().flat_map(|t| t.iter().cloned()).collect();
        let ret = Type::list(unify_with(&all, unsafe_ok)?);
        return types
            .iter()
            .all(|t| conversion_exists(t, &ret, unsafe_ok))
            .then_some(ret);
    }
    let mut etys = Vec::with_capacity(first.len());
    for i in 0..first.len() {
        let across: Vec<Type> = tuples.iter().filter_map(|t| t.get(i).cloned()).collect();
        etys.push(unify_with(&across, unsafe_ok)?);
    }
    let ret = Type::Tuple(etys);
    types
        .iter()
        .all(|t| *t == ret || conversion_exists(t, &ret, unsafe_ok))
        .then_some(ret)
}

/// Indices of `types` in preference order for unification: most general first.
fn sort_types(types: &[Type]) -> Vec<usize> {
    let n = types.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in (i + 1)..n {
            match compare_types(&types[i], &types[j]) {
                c if c < 0 => edges[i].push(j),
                c if c > 0 => edges[j].push(i),
                _ => {}
            }
        }
    }
    let mut in_degree = vec![0usize; n];
    for outs in &edges {
        for &j in outs {
            in_degree[j] += 1;
        }
    }
    let mut result: Vec<usize> = (0..n).filter(|&i| in_degree[i] == 0).collect();
    let mut head = 0;
    while head < result.len() {
        let i = result[head];
        head += 1;
        for &j in &edges[i] {
            in_degree[j] -= 1;
            if in_degree[j] == 0 {
                result.push(j);
            }
        }
    }
    result
}

/// Negative when `a` is preferred (more general) for unification.
fn compare_types(a: &Type, b: &Type) -> i32 {
    if *a == Type::Dynamic || *b == Type::Dynamic {
        return match (*a == Type::Dynamic, *b == Type::Dynamic) {
            (false, true) => -1,
            (true, false) => 1,
            _ => 0,
        };
    }
    if a.is_primitive() && b.is_primitive() && (*a == Type::String || *b == Type::String) {
        return match (*a == Type::String, *b == Type::String) {
            (false, true) => 1,
            (true, false) => -1,
            _ => 0,
        };
    }
    match (a, b) {
        (Type::List(x), Type::List(y))
        | (Type::Set(x), Type::Set(y))
        | (Type::Map(x), Type::Map(y)) => return compare_types(x, y),
        _ => {}
    }
    let (a, b, swap) = match (a, b) {
        (Type::Tuple(_), Type::List(_))
        | (Type::Object(_), Type::Map(_))
        | (Type::Set(_), Type::Tuple(_))
        | (Type::Set(_), Type::List(_)) => (b, a, -1),
        _ => (a, b, 1),
    };
    if matches!(b, Type::Set(_)) && matches!(a, Type::Tuple(_) | Type::List(_)) {
        return -swap;
    }
    if matches!(a, Type::List(_)) && matches!(b, Type::Tuple(_)) {
        return -swap;
    }
    if matches!(a, Type::Map(_)) && matches!(b, Type::Object(_)) {
        return -swap;
    }
    let supers = |pairs: Vec<(&Type, &Type)>| {
        let (mut a_super, mut b_super) = (false, false);
        for (x, y) in pairs {
            let c = compare_types(x, y);
            if c < 0 {
                a_super = true;
            } else if c > 0 {
                b_super = true;
            }
        }
        match (a_super, b_super) {
            (true, false) => -1,
            (false, true) => 1,
            _ => 0,
        }
    };
    match (a, b) {
        (Type::Object(x), Type::Object(y)) => {
            if x.attrs.len() != y.attrs.len() || x.attrs.keys().any(|k| !y.attrs.contains_key(k)) {
                return 0;
            }
            supers(
                x.attrs
                    .iter()
                    .filter_map(|(k, t)| y.attrs.get(k).map(|u| (t, u)))
                    .collect(),
            )
        }
        (Type::Tuple(x), Type::Tuple(y)) => {
            if x.len() != y.len() {
                return 0;
            }
            supers(x.iter().zip(y).collect())
        }
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// Equality.

/// Terraform's `==`: a `Bool`, or `Unknown(Bool)` when unknowns decide it.
/// Values of different types are never equal (`1 == "1"` and
/// `tolist([1]) == [1]` are false); nulls are equal to each other. Marks are
/// looked through and the result is sensitive when either side is.
pub fn values_equal(a: &Value, b: &Value) -> Value {
    let marked = a.contains_sensitive() || b.contains_sensitive();
    let r = match equal_inner(a, b) {
        Some(true) => Value::Bool(true),
        Some(false) => Value::Bool(false),
        None => Value::Unknown(Type::Bool),
    };
    r.mark_if(marked)
}

/// `Some(equal)`, or `None` when unknowns decide it.
fn equal_inner(a: &Value, b: &Value) -> Option<bool> {
    let (a, b) = (a.unmarked(), b.unmarked());
    match (a, b) {
        (Value::Sensitive(x), y) | (y, Value::Sensitive(x)) => equal_inner(x, y),
        (Value::Unknown(_), Value::Unknown(_)) => None,
        (Value::Unknown(t), other) | (other, Value::Unknown(t)) => {
            if other.is_null() || t.has_dynamic() {
                return None;
            }
            let ot = value_type(other);
            if !ot.has_dynamic() && !same_type(&ot, t) {
                return Some(false);
            }
            None
        }
        (Value::Null, Value::Null) => Some(true),
        (Value::Null, _) | (_, Value::Null) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x == y),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            combine(x.iter().zip(y).map(|(p, q)| equal_inner(p, q)))
        }
        (Value::Set(x), Value::Set(y)) => {
            if x.iter().chain(y).any(|v| !v.is_wholly_known()) {
                return None;
            }
            let has =
                |set: &[Value], v: &Value| set.iter().any(|e| equal_inner(e, v) == Some(true));
            Some(x.iter().all(|v| has(y, v)) && y.iter().all(|v| has(x, v)))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() || x.keys().any(|k| !y.contains_key(k)) {
                return Some(false);
            }
            combine(
                x.iter()
                    .filter_map(|(k, p)| y.get(k).map(|q| equal_inner(p, q))),
            )
        }
        _ => Some(false),
    }
}

/// False wins over unknown, unknown over true.
fn combine(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for r in results {
        match r {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

/// Type equality ignoring optional-attribute markers.
fn same_type(a: &Type, b: &Type) -> bool {
    without_optional_attrs(a) == without_optional_attrs(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::{format_console, format_console_typed};
    use crate::json::{from_tagged_json, type_from_json};

    fn tagged(s: &str) -> Value {
        from_tagged_json(&serde_json::from_str(s).unwrap()).unwrap()
    }

    fn ty(s: &str) -> Type {
        type_from_json(&serde_json::from_str(s).unwrap()).unwrap()
    }

    /// (constraint <- value in HCL, the constraint as cty JSON type (with
    /// optional attribute names and tagged defaults), the value as tagged
    /// JSON, and what Terraform 1.11.4 gave when the value was passed to a
    /// module variable of that type: the `terraform console` text of the
    /// result, or `ERR:` and the error message).
    const CASES: &[(&str, &str, &str, &str)] = &[
        (r#"string <- "a""#, r#""string""#, r#""a""#, r#""a""#),
        (r"string <- 12.50", r#""string""#, r"12.5", r#""12.5""#),
        (r"string <- true", r#""string""#, r"true", r#""true""#),
        (
            r"string <- [1]",
            r#""string""#,
            r"[1]",
            r"ERR:string required",
        ),
        (
            r"string <- {a = 1}",
            r#""string""#,
            r#"{"a": 1}"#,
            r"ERR:string required",
        ),
        (r#"number <- "12""#, r#""number""#, r#""12""#, r"12"),
        (r#"number <- "1e3""#, r#""number""#, r#""1e3""#, r"1000"),
        (r#"number <- "-0.5""#, r#""number""#, r#""-0.5""#, r"-0.5"),
        (
            r#"number <- "abc""#,
            r#""number""#,
            r#""abc""#,
            r"ERR:a number is required",
        ),
        (
            r#"number <- " 1""#,
            r#""number""#,
            r#"" 1""#,
            r"ERR:a number is required",
        ),
        (
            r"number <- true",
            r#""number""#,
            r"true",
            r"ERR:number required",
        ),
        (r#"bool <- "true""#, r#""bool""#, r#""true""#, r"true"),
        (r#"bool <- "0""#, r#""bool""#, r#""0""#, r"false"),
        (
            r#"bool <- "True""#,
            r#""bool""#,
            r#""True""#,
            r#"ERR:a bool is required; to convert from string, use lowercase "true""#,
        ),
        (
            r#"bool <- "FALSE""#,
            r#""bool""#,
            r#""FALSE""#,
            r#"ERR:a bool is required; to convert from string, use lowercase "false""#,
        ),
        (
            r#"bool <- "yes""#,
            r#""bool""#,
            r#""yes""#,
            r"ERR:a bool is required",
        ),
        (r"bool <- 1", r#""bool""#, r"1", r"ERR:bool required"),
        (
            r#"any <- [1, "a"]"#,
            r#""dynamic""#,
            r#"[1, "a"]"#,
            r#"[
  1,
  "a",
]"#,
        ),
        (
            r#"list(string) <- [1, true, "x"]"#,
            r#"["list", "string"]"#,
            r#"[1, true, "x"]"#,
            r#"tolist([
  "1",
  "true",
  "x",
])"#,
        ),
        (
            r#"list(number) <- ["1", "a"]"#,
            r#"["list", "number"]"#,
            r#"["1", "a"]"#,
            r"ERR:a number is required",
        ),
        (
            r"list(string) <- [[1]]",
            r#"["list", "string"]"#,
            r"[[1]]",
            r"ERR:element 0: string required",
        ),
        (
            r#"list(string) <- "a""#,
            r#"["list", "string"]"#,
            r#""a""#,
            r"ERR:list of string required",
        ),
        (
            r#"list(any) <- [1, "a"]"#,
            r#"["list", "dynamic"]"#,
            r#"[1, "a"]"#,
            r#"tolist([
  "1",
  "a",
])"#,
        ),
        (
            r"list(any) <- [1, [1]]",
            r#"["list", "dynamic"]"#,
            r"[1, [1]]",
            r"ERR:all list elements must have the same type",
        ),
        (
            r"list(any) <- []",
            r#"["list", "dynamic"]"#,
            r"[]",
            r"tolist([])",
        ),
        (
            r#"list(any) <- [{a = 1}, {a = "x"}]"#,
            r#"["list", "dynamic"]"#,
            r#"[{"a": 1}, {"a": "x"}]"#,
            r#"tolist([
  {
    "a" = "1"
  },
  {
    "a" = "x"
  },
])"#,
        ),
        (
            r#"list(any) <- [{a = 1}, {b = "x"}]"#,
            r#"["list", "dynamic"]"#,
            r#"[{"a": 1}, {"b": "x"}]"#,
            r#"tolist([
  tomap({
    "a" = "1"
  }),
  tomap({
    "b" = "x"
  }),
])"#,
        ),
        (
            r#"list(any) <- [[1], ["a"]]"#,
            r#"["list", "dynamic"]"#,
            r#"[[1], ["a"]]"#,
            r#"tolist([
  [
    "1",
  ],
  [
    "a",
  ],
])"#,
        ),
        (
            r"list(number) <- toset([3, 1])",
            r#"["list", "number"]"#,
            r#"{"$t": "set", "v": [1, 3]}"#,
            r"tolist([
  1,
  3,
])",
        ),
        (
            r#"set(string) <- ["b", "a", "b"]"#,
            r#"["set", "string"]"#,
            r#"["b", "a", "b"]"#,
            r#"toset([
  "a",
  "b",
])"#,
        ),
        (
            r#"set(number) <- tolist(["2", "1", "2"])"#,
            r#"["set", "number"]"#,
            r#"{"$t": "list", "v": ["2", "1", "2"]}"#,
            r"toset([
  1,
  2,
])",
        ),
        (
            r#"set(any) <- [1, "a"]"#,
            r#"["set", "dynamic"]"#,
            r#"[1, "a"]"#,
            r#"toset([
  "1",
  "a",
])"#,
        ),
        (
            r#"tuple([number, string]) <- ["1", 2]"#,
            r#"["tuple", ["number", "string"]]"#,
            r#"["1", 2]"#,
            r#"[
  1,
  "2",
]"#,
        ),
        (
            r"tuple([number]) <- [1, 2]",
            r#"["tuple", ["number"]]"#,
            r"[1, 2]",
            r"ERR:tuple required",
        ),
        (
            r"tuple([number]) <- tolist([1])",
            r#"["tuple", ["number"]]"#,
            r#"{"$t": "list", "v": [1]}"#,
            r"ERR:tuple required",
        ),
        (
            r"map(string) <- {a = 1, b = true}",
            r#"["map", "string"]"#,
            r#"{"a": 1, "b": true}"#,
            r#"tomap({
  "a" = "1"
  "b" = "true"
})"#,
        ),
        (
            r#"map(any) <- {a = 1, b = "x"}"#,
            r#"["map", "dynamic"]"#,
            r#"{"a": 1, "b": "x"}"#,
            r#"tomap({
  "a" = "1"
  "b" = "x"
})"#,
        ),
        (
            r"map(any) <- {a = 1, b = [1]}",
            r#"["map", "dynamic"]"#,
            r#"{"a": 1, "b": [1]}"#,
            r"ERR:all map elements must have the same type",
        ),
        (
            r"map(any) <- {}",
            r#"["map", "dynamic"]"#,
            r"{}",
            r"tomap({})",
        ),
        (
            r#"map(number) <- {a = {b = "x"}}"#,
            r#"["map", "number"]"#,
            r#"{"a": {"b": "x"}}"#,
            r#"ERR:element "a": number required"#,
        ),
        (
            r#"map(number) <- tomap({a = "1", b = "x"})"#,
            r#"["map", "number"]"#,
            r#"{"$t": "map", "v": {"a": "1", "b": "x"}}"#,
            r"ERR:a number is required",
        ),
        (
            r"map(string) <- [1]",
            r#"["map", "string"]"#,
            r"[1]",
            r"ERR:map of string required",
        ),
        (
            r#"map(list(string)) <- {a = [1], b = ["x", true]}"#,
            r#"["map", ["list", "string"]]"#,
            r#"{"a": [1], "b": ["x", true]}"#,
            r#"tomap({
  "a" = tolist([
    "1",
  ])
  "b" = tolist([
    "x",
    "true",
  ])
})"#,
        ),
        (
            r#"object({name = string, port = number}) <- {name = "a"}"#,
            r#"["object", {"name": "string", "port": "number"}]"#,
            r#"{"name": "a"}"#,
            r#"ERR:attribute "port" is required"#,
        ),
        (
            r"object({a = string, b = string, c = string}) <- {}",
            r#"["object", {"a": "string", "b": "string", "c": "string"}]"#,
            r"{}",
            r#"ERR:attributes "a", "b", and "c" are required"#,
        ),
        (
            r"object({a = string, b = string}) <- {}",
            r#"["object", {"a": "string", "b": "string"}]"#,
            r"{}",
            r#"ERR:attributes "a" and "b" are required"#,
        ),
        (
            r"object({name = string}) <- {name = 1, extra = 2}",
            r#"["object", {"name": "string"}]"#,
            r#"{"name": 1, "extra": 2}"#,
            r#"{
  "name" = "1"
}"#,
        ),
        (
            r#"object({a = number}) <- {a = "x"}"#,
            r#"["object", {"a": "number"}]"#,
            r#"{"a": "x"}"#,
            r"ERR:a number is required",
        ),
        (
            r"object({a = string}) <- {a = [1]}",
            r#"["object", {"a": "string"}]"#,
            r#"{"a": [1]}"#,
            r#"ERR:attribute "a": string required"#,
        ),
        (
            r#"object({a = object({b = number})}) <- {a = {b = "q"}}"#,
            r#"["object", {"a": ["object", {"b": "number"}]}]"#,
            r#"{"a": {"b": "q"}}"#,
            r"ERR:a number is required",
        ),
        (
            r#"object({a = string}) <- tomap({a = "x", b = "y"})"#,
            r#"["object", {"a": "string"}]"#,
            r#"{"$t": "map", "v": {"a": "x", "b": "y"}}"#,
            r#"{
  "a" = "x"
}"#,
        ),
        (
            r#"object({a = string}) <- tomap({b = "y"})"#,
            r#"["object", {"a": "string"}]"#,
            r#"{"$t": "map", "v": {"b": "y"}}"#,
            r#"ERR:map has no element for required attribute "a""#,
        ),
        (
            r#"object({a = number}) <- tomap({a = "z"})"#,
            r#"["object", {"a": "number"}]"#,
            r#"{"$t": "map", "v": {"a": "z"}}"#,
            r"ERR:a number is required",
        ),
        (
            r"object({a = optional(number, 5), b = optional(string)}) <- {}",
            r#"["object", {"a": "number", "b": "string"}, ["a", "b"], {"a": 5}]"#,
            r"{}",
            r#"{
  "a" = 5
  "b" = tostring(null)
}"#,
        ),
        (
            r"object({a = optional(number, 5)}) <- {a = null}",
            r#"["object", {"a": "number"}, ["a"], {"a": 5}]"#,
            r#"{"a": null}"#,
            r#"{
  "a" = 5
}"#,
        ),
        (
            r#"object({a = optional(number, 5)}) <- {a = "7"}"#,
            r#"["object", {"a": "number"}, ["a"], {"a": 5}]"#,
            r#"{"a": "7"}"#,
            r#"{
  "a" = 7
}"#,
        ),
        (
            r"object({a = optional(object({b = optional(number, 7), c = optional(string)}), {})}) <- {}",
            r#"["object", {"a": ["object", {"b": "number", "c": "string"}, ["b", "c"], {"b": 7}]}, ["a"], {"a": {}}]"#,
            r"{}",
            r#"{
  "a" = {
    "b" = 7
    "c" = tostring(null)
  }
}"#,
        ),
        (
            r"list(object({a = optional(number, 3)})) <- [{}, {a = 1}]",
            r#"["list", ["object", {"a": "number"}, ["a"], {"a": 3}]]"#,
            r#"[{}, {"a": 1}]"#,
            r#"tolist([
  {
    "a" = 3
  },
  {
    "a" = 1
  },
])"#,
        ),
        (
            r#"map(object({x = optional(list(string), ["d"])})) <- {k = {}, j = {x = [1]}}"#,
            r#"["map", ["object", {"x": ["list", "string"]}, ["x"], {"x": {"$t": "list", "v": ["d"]}}]]"#,
            r#"{"k": {}, "j": {"x": [1]}}"#,
            r#"tomap({
  "j" = {
    "x" = tolist([
      "1",
    ])
  }
  "k" = {
    "x" = tolist([
      "d",
    ])
  }
})"#,
        ),
        (
            r#"object({a = optional(string, "z")}) <- {a = 1, b = 2}"#,
            r#"["object", {"a": "string"}, ["a"], {"a": "z"}]"#,
            r#"{"a": 1, "b": 2}"#,
            r#"{
  "a" = "1"
}"#,
        ),
        (r"string <- null", r#""string""#, r"null", r"tostring(null)"),
        (
            r#"list(string) <- [null, "a"]"#,
            r#"["list", "string"]"#,
            r#"[null, "a"]"#,
            r#"tolist([
  tostring(null),
  "a",
])"#,
        ),
        (
            r"number <- terraform_data.x.id",
            r#""number""#,
            r#"{"$t": "unknown", "type": "string"}"#,
            r"(known after apply)",
        ),
        (
            r"list(string) <- [terraform_data.x.id, 1]",
            r#"["list", "string"]"#,
            r#"[{"$t": "unknown", "type": "string"}, 1]"#,
            r#"tolist([
  (known after apply),
  "1",
])"#,
        ),
        (
            r"list(string) <- terraform_data.x.id",
            r#"["list", "string"]"#,
            r#"{"$t": "unknown", "type": "string"}"#,
            r"ERR:list of string required",
        ),
        (
            r"object({a = number}) <- {a = terraform_data.x.id}",
            r#"["object", {"a": "number"}]"#,
            r#"{"a": {"$t": "unknown", "type": "string"}}"#,
            r#"{
  "a" = (known after apply)
}"#,
        ),
        (
            r"string <- sensitive(1)",
            r#""string""#,
            r#"{"$t": "sensitive", "v": 1}"#,
            r"(sensitive value)",
        ),
        (
            r"list(string) <- [sensitive(1), 2]",
            r#"["list", "string"]"#,
            r#"[{"$t": "sensitive", "v": 1}, 2]"#,
            r#"tolist([
  (sensitive value),
  "2",
])"#,
        ),
        (
            r"object({a = string}) <- {a = sensitive(true)}",
            r#"["object", {"a": "string"}]"#,
            r#"{"a": {"$t": "sensitive", "v": true}}"#,
            r#"{
  "a" = (sensitive value)
}"#,
        ),
        (
            r#"number <- sensitive("x")"#,
            r#""number""#,
            r#"{"$t": "sensitive", "v": "x"}"#,
            r"ERR:a number is required",
        ),
        (
            r#"list(number) <- [1, sensitive("x")]"#,
            r#"["list", "number"]"#,
            r#"[1, {"$t": "sensitive", "v": "x"}]"#,
            r"ERR:a number is required",
        ),
    ];

    #[test]
    fn matches_terraform() {
        let mut failures = Vec::new();
        for (what, t, v, want) in CASES {
            let want_ty = ty(t);
            let got = match convert(tagged(v), &want_ty) {
                Ok(v) => format_console_typed(&v, &without_optional_attrs(&want_ty)),
                Err(e) => format!("ERR:{}", e.message),
            };
            if got != *want {
                failures.push(format!("{what}:\n--- want\n{want}\n--- got\n{got}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} differ:\n{}",
            failures.len(),
            CASES.len(),
            failures.join("\n\n")
        );
    }

    /// Errors with their path, as Terraform prints them for variable defaults.
    #[test]
    fn error_paths() {
        for (t, v, want) in [
            (
                r#"["list","number"]"#,
                r#"["1", "a"]"#,
                "[1]: a number is required",
            ),
            (
                r#"["object",{"a":["object",{"b":"number"}]}]"#,
                r#"{"a":{"b":"q"}}"#,
                ".a.b: a number is required",
            ),
            (
                r#"["map","number"]"#,
                r#"{"a":"1","b c":"x"}"#,
                r#"["b c"]: a number is required"#,
            ),
            (
                r#"["list",["object",{"a":"bool"}]]"#,
                r#"[{"a":true},{"a":"no"}]"#,
                "[1].a: a bool is required",
            ),
            (
                r#"["tuple",["number","bool"]]"#,
                r#"[1,"x"]"#,
                "[1]: a bool is required",
            ),
            (
                r#"["map",["list","number"]]"#,
                r#"{"k":[1,"z"]}"#,
                r#"["k"][1]: a number is required"#,
            ),
            (r#""string""#, "[1]", "string required"),
        ] {
            let err = convert(tagged(v), &ty(t)).unwrap_err();
            assert_eq!(err.format_with_path(), want, "{t} <- {v}");
        }
    }

    #[test]
    fn unknowns_keep_their_place_and_type() {
        let v = tagged(r#"[{"$t":"unknown","type":"dynamic"}, 1]"#);
        let got = convert(v, &Type::list(Type::String)).unwrap();
        assert_eq!(
            got,
            Value::List(vec![Value::Unknown(Type::String), Value::string("1")])
        );
        let got = convert(
            Value::Unknown(Type::Dynamic),
            &ty(r#"["object",{"a":"number"},["a"]]"#),
        )
        .unwrap();
        assert_eq!(got, Value::Unknown(Type::object([("a", Type::Number)])));
        let got = convert(
            Value::Unknown(Type::list(Type::Number)),
            &Type::list(Type::Dynamic),
        )
        .unwrap();
        assert_eq!(got, Value::Unknown(Type::list(Type::Number)));
    }

    #[test]
    fn marks_stay_in_place() {
        let v = tagged(r#"{"a":{"$t":"sensitive","v":1},"b":[{"$t":"sensitive","v":true}]}"#);
        let got = convert(v, &ty(r#"["object",{"a":"string","b":["list","string"]}]"#)).unwrap();
        assert_eq!(
            got.sensitive_paths()
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>(),
            ["a", "b[0]"]
        );
        let (plain, _) = got.unmark_deep();
        assert_eq!(plain, tagged(r#"{"a":"1","b":{"$t":"list","v":["true"]}}"#));
    }

    #[test]
    fn unification() {
        let obj = |t: Type| Type::object([("a", t)]);
        for (types, want) in [
            (vec![Type::Number, Type::String], Some(Type::String)),
            (vec![Type::Number, Type::Bool], None),
            (vec![Type::Bool, Type::Bool], Some(Type::Bool)),
            (vec![Type::Dynamic, Type::String], Some(Type::String)),
            (vec![], None),
            (
                vec![obj(Type::Number), obj(Type::String)],
                Some(obj(Type::String)),
            ),
            (
                vec![
                    Type::object([("a", Type::Number)]),
                    Type::object([("b", Type::String)]),
                ],
                Some(Type::map(Type::String)),
            ),
            (
                vec![Type::map(Type::Number), Type::map(Type::String)],
                Some(Type::map(Type::String)),
            ),
            (
                vec![Type::map(Type::Number), Type::object([("x", Type::Bool)])],
                None,
            ),
            (
                vec![Type::map(Type::String), Type::object([("x", Type::Bool)])],
                Some(Type::map(Type::String)),
            ),
            (
                vec![Type::list(Type::Number), Type::list(Type::String)],
                Some(Type::list(Type::String)),
            ),
            (
                vec![Type::list(Type::Number), Type::Dynamic],
                Some(Type::Dynamic),
            ),
            (
                vec![
                    Type::Tuple(vec![Type::Number]),
                    Type::Tuple(vec![Type::String]),
                ],
                Some(Type::Tuple(vec![Type::String])),
            ),
            // Terraform: `true ? [1] : []` is a list(number).
            (
                vec![Type::Tuple(vec![Type::Number]), Type::Tuple(vec![])],
                Some(Type::list(Type::Number)),
            ),
            (vec![Type::Tuple(vec![]), obj(Type::Number)], None),
            (
                vec![Type::list(Type::String), Type::Tuple(vec![Type::String])],
                Some(Type::list(Type::String)),
            ),
            (vec![Type::String, Type::list(Type::String)], None),
        ] {
            assert_eq!(unify(&types), want, "{types:?}");
        }
        assert_eq!(
            unify_safe(&[Type::String, Type::Number]),
            Some(Type::String)
        );
        assert_eq!(
            unify_safe(&[Type::list(Type::String), Type::set(Type::String)]),
            Some(Type::list(Type::String))
        );
    }

    #[test]
    fn unify_values_converts() {
        let (vals, t) = unify_values(vec![Value::int(1), Value::string("a"), Value::Null]).unwrap();
        assert_eq!(t, Type::String);
        assert_eq!(
            vals,
            vec![Value::string("1"), Value::string("a"), Value::Null]
        );
        let err = unify_values(vec![Value::int(1), Value::Tuple(vec![])]).unwrap_err();
        assert_eq!(err.message, "incompatible types");
    }

    /// `==` as Terraform 1.11.4 evaluates it (expression, left, right, result).
    #[test]
    fn equality() {
        let unknown = r#"{"$t":"unknown","type":"number"}"#;
        for (what, a, b, want) in [
            (
                "tolist([1]) == [1]",
                r#"{"$t":"list","v":[1]}"#,
                "[1]",
                "false",
            ),
            ("[] == []", "[]", "[]", "true"),
            (
                "tolist([]) == tolist([])",
                r#"{"$t":"list","v":[]}"#,
                r#"{"$t":"list","v":[]}"#,
                "true",
            ),
            ("tolist([]) == []", r#"{"$t":"list","v":[]}"#, "[]", "false"),
            ("{} == {}", "{}", "{}", "true"),
            ("tomap({}) == {}", r#"{"$t":"map","v":{}}"#, "{}", "false"),
            ("1 == \"1\"", "1", r#""1""#, "false"),
            ("null == null", "null", "null", "true"),
            ("[null] == [null]", "[null]", "[null]", "true"),
            (
                "toset([1,2]) == toset([2,1])",
                r#"{"$t":"set","v":[1,2]}"#,
                r#"{"$t":"set","v":[2,1]}"#,
                "true",
            ),
            (
                "tomap({a=1}) == {a=1}",
                r#"{"$t":"map","v":{"a":1}}"#,
                r#"{"a":1}"#,
                "false",
            ),
            ("{a=1} == {a=1}", r#"{"a":1}"#, r#"{"a":1}"#, "true"),
            (
                "[1, \"a\"] == [1, \"a\"]",
                r#"[1,"a"]"#,
                r#"[1,"a"]"#,
                "true",
            ),
            (
                "tolist([1]) == tolist([\"1\"])",
                r#"{"$t":"list","v":[1]}"#,
                r#"{"$t":"list","v":["1"]}"#,
                "false",
            ),
            (
                "sensitive(1) == 1",
                r#"{"$t":"sensitive","v":1}"#,
                "1",
                "(sensitive value)",
            ),
            ("1.0 == 1", "1.0", "1", "true"),
            ("{a=null} == {}", r#"{"a":null}"#, "{}", "false"),
            ("[1] == [1,2]", "[1]", "[1,2]", "false"),
            ("unknown == 1", unknown, "1", "(known after apply)"),
            ("unknown == \"a\"", unknown, r#""a""#, "false"),
            ("unknown == null", unknown, "null", "(known after apply)"),
            (
                "[unknown, 1] == [2, 2]",
                &format!("[{unknown},1]"),
                "[2,2]",
                "false",
            ),
            (
                "[unknown, 1] == [2, 1]",
                &format!("[{unknown},1]"),
                "[2,1]",
                "(known after apply)",
            ),
        ] {
            assert_eq!(
                format_console(&values_equal(&tagged(a), &tagged(b))),
                want,
                "{what}"
            );
        }
    }

    #[test]
    fn type_names() {
        assert_eq!(
            value_type_name(&tagged(r#"{"$t":"list","v":[null,"a"]}"#)),
            "list of string"
        );
        assert_eq!(value_type_name(&tagged("[1]")), "tuple");
        assert_eq!(
            constraint_name(&Type::list(Type::Dynamic)),
            "list of any single type"
        );
        assert_eq!(constraint_name(&Type::Dynamic), "any type");
    }
}
