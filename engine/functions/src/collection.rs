//! Collection functions: alltrue, anytrue, chunklist, coalesce,
//! coalescelist, compact, concat, contains, distinct, element, flatten,
//! index, keys, length, lookup, matchkeys, merge, one, range, reverse,
//! slice, sort, sum, transpose, values, zipmap. (Set functions live in
//! `sets.rs`.)
//!
//! Unknowns: like cty, most of these only need their arguments to be known
//! at the top level, so they take `allow_unknown` and pass unknown elements
//! through. Marks: the functions that Terraform lets keep per-element
//! sensitive marks (`concat`, `merge`, `element`, `lookup`, `length`,
//! `keys`, `values`, `reverse`, `slice`, `flatten`, `zipmap`, `chunklist`)
//! take `allow_marked` and mark the result only when a whole argument is.

use crate::numeric::{invalid_arg, whole_int};
use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use gitform_value::convert::{convert, unify, value_type, values_equal};
use gitform_value::{Number, Type, Value};
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation;

pub(crate) fn functions() -> Vec<FuncSpec> {
    let any_list = || Type::list(Type::Dynamic);
    let dynamic = |name| Param::new(name, Type::Dynamic);
    vec![
        FuncSpec::new(
            "alltrue",
            vec![Param::new("list", Type::list(Type::Bool)).allow_unknown()],
            Type::Bool,
            alltrue,
        ),
        FuncSpec::new(
            "anytrue",
            vec![Param::new("list", Type::list(Type::Bool)).allow_unknown()],
            Type::Bool,
            anytrue,
        ),
        FuncSpec::new(
            "chunklist",
            vec![
                Param::new("list", any_list())
                    .allow_unknown()
                    .allow_marked(),
                Param::new("size", Type::Number),
            ],
            Type::list(any_list()),
            chunklist,
        ),
        FuncSpec::new("coalesce", vec![], Type::Dynamic, coalesce)
            .variadic(dynamic("vals").allow_unknown().allow_null()),
        FuncSpec::new("coalescelist", vec![], Type::Dynamic, coalescelist)
            .variadic(dynamic("vals").allow_unknown().allow_null()),
        FuncSpec::new(
            "compact",
            vec![Param::new("list", Type::list(Type::String))],
            Type::list(Type::String),
            compact,
        ),
        FuncSpec::new("concat", vec![], Type::Dynamic, concat)
            .variadic(dynamic("seqs").allow_unknown().allow_marked()),
        FuncSpec::new(
            "contains",
            vec![
                dynamic("list").allow_unknown(),
                dynamic("value").allow_unknown(),
            ],
            Type::Bool,
            contains,
        ),
        FuncSpec::new(
            "distinct",
            vec![Param::new("list", any_list())],
            any_list(),
            distinct,
        ),
        FuncSpec::new(
            "element",
            vec![
                dynamic("list").allow_unknown().allow_marked(),
                Param::new("index", Type::Number),
            ],
            Type::Dynamic,
            element,
        ),
        FuncSpec::new(
            "flatten",
            vec![dynamic("list").allow_unknown().allow_marked()],
            Type::Dynamic,
            flatten,
        ),
        FuncSpec::new(
            "index",
            vec![
                dynamic("list").allow_unknown(),
                dynamic("value").allow_unknown(),
            ],
            Type::Number,
            index,
        ),
        FuncSpec::new(
            "keys",
            vec![dynamic("inputMap").allow_unknown().allow_marked()],
            Type::Dynamic,
            keys,
        ),
        FuncSpec::new(
            "length",
            vec![dynamic("value").allow_unknown().allow_marked()],
            Type::Number,
            length,
        ),
        FuncSpec::new(
            "lookup",
            vec![
                dynamic("inputMap").allow_unknown().allow_marked(),
                Param::new("key", Type::String),
            ],
            Type::Dynamic,
            lookup,
        )
        .variadic(
            dynamic("default")
                .allow_unknown()
                .allow_null()
                .allow_marked(),
        ),
        FuncSpec::new(
            "matchkeys",
            vec![
                Param::new("values", any_list()),
                Param::new("keys", any_list()),
                Param::new("searchset", any_list()),
            ],
            any_list(),
            matchkeys,
        ),
        FuncSpec::new("merge", vec![], Type::Dynamic, merge)
            .variadic(dynamic("maps").allow_unknown().allow_null().allow_marked()),
        FuncSpec::new(
            "one",
            vec![dynamic("list").allow_unknown()],
            Type::Dynamic,
            one,
        ),
        FuncSpec::new("range", vec![], Type::list(Type::Number), range)
            .variadic(Param::new("params", Type::Number)),
        FuncSpec::new(
            "reverse",
            vec![dynamic("list").allow_unknown().allow_marked()],
            Type::Dynamic,
            reverse,
        ),
        FuncSpec::new(
            "slice",
            vec![
                dynamic("list").allow_unknown().allow_marked(),
                Param::new("start_index", Type::Number),
                Param::new("end_index", Type::Number),
            ],
            Type::Dynamic,
            slice,
        ),
        FuncSpec::new(
            "sort",
            vec![Param::new("list", Type::list(Type::String)).allow_unknown()],
            Type::list(Type::String),
            sort,
        ),
        FuncSpec::new("sum", vec![dynamic("list")], Type::Number, sum),
        FuncSpec::new(
            "transpose",
            vec![Param::new("values", Type::map(Type::list(Type::String)))],
            Type::map(Type::list(Type::String)),
            transpose,
        ),
        FuncSpec::new(
            "values",
            vec![dynamic("mapping").allow_unknown().allow_marked()],
            Type::Dynamic,
            values,
        ),
        FuncSpec::new(
            "zipmap",
            vec![
                Param::new("keys", Type::list(Type::String)),
                dynamic("values").allow_unknown().allow_marked(),
            ],
            Type::Dynamic,
            zipmap,
        ),
    ]
}

/// Splits off a top-level sensitive mark.
pub(crate) fn unmark_top(v: &Value) -> (&Value, bool) {
    (v.unmarked(), v.is_sensitive())
}

/// Elements of a converted list argument (`list(...)` parameters).
fn list_elems(v: &Value) -> &[Value] {
    v.as_elements().unwrap_or_default()
}

fn alltrue(args: &[Value], _: &FuncContext) -> FuncResult {
    let Value::List(elems) = &args[0] else {
        return Ok(Value::Unknown(Type::Bool));
    };
    for e in elems {
        match e {
            Value::Unknown(_) => return Ok(Value::Unknown(Type::Bool)),
            Value::Bool(true) => {}
            _ => return Ok(Value::Bool(false)),
        }
    }
    Ok(Value::Bool(true))
}

fn anytrue(args: &[Value], _: &FuncContext) -> FuncResult {
    let Value::List(elems) = &args[0] else {
        return Ok(Value::Unknown(Type::Bool));
    };
    let mut unknown = false;
    for e in elems {
        match e {
            Value::Unknown(_) => unknown = true,
            Value::Bool(true) => return Ok(Value::Bool(true)),
            _ => {}
        }
    }
    Ok(if unknown {
        Value::Unknown(Type::Bool)
    } else {
        Value::Bool(false)
    })
}

fn chunklist(args: &[Value], _: &FuncContext) -> FuncResult {
    let (list, marked) = unmark_top(&args[0]);
    let size = whole_int(&args[1]).map_err(|m| FuncError::call(format!("invalid size: {m}")))?;
    if size < 0 {
        return Err(FuncError::call("the size argument must be positive"));
    }
    let Value::List(elems) = list else {
        return Ok(Value::Unknown(Type::list(value_type(list))).mark_if(marked));
    };
    if elems.is_empty() {
        return Ok(Value::List(vec![]).mark_if(marked));
    }
    if size == 0 {
        return Ok(Value::List(vec![list.clone()]).mark_if(marked));
    }
    let chunks = elems
        .chunks(size as usize)
        .map(|c| Value::List(c.to_vec()))
        .collect();
    Ok(Value::List(chunks).mark_if(marked))
}

fn coalesce(args: &[Value], _: &FuncContext) -> FuncResult {
    let types: Vec<Type> = args
        .iter()
        .filter(|a| !a.is_null())
        .map(Value::ty)
        .collect();
    let ret = if types.is_empty() && !args.is_empty() {
        Type::Dynamic
    } else {
        unify(&types).ok_or_else(|| FuncError::call("all arguments must have the same type"))?
    };
    for a in args {
        if a.is_null() {
            continue;
        }
        let v = convert(a.clone(), &ret).map_err(|e| FuncError::call(e.message))?;
        if !v.is_known() {
            return Ok(Value::Unknown(ret));
        }
        if v.as_str() == Some("") {
            continue;
        }
        return Ok(v);
    }
    Err(FuncError::call("no non-null, non-empty-string arguments"))
}

fn coalescelist(args: &[Value], _: &FuncContext) -> FuncResult {
    if args.is_empty() {
        return Err(FuncError::call("at least one argument is required"));
    }
    for a in args {
        if !a.is_known() {
            break;
        }
        if !a.is_null() && !matches!(a.unmarked(), Value::List(_) | Value::Tuple(_)) {
            return Err(FuncError::call(
                "coalescelist arguments must be lists or tuples",
            ));
        }
    }
    for a in args {
        if !a.is_known() {
            return Ok(Value::Unknown(Type::Dynamic));
        }
        if a.as_elements().is_some_and(|e| !e.is_empty()) {
            return Ok(a.clone());
        }
    }
    Err(FuncError::call("no non-null arguments"))
}

fn compact(args: &[Value], _: &FuncContext) -> FuncResult {
    let out = list_elems(&args[0])
        .iter()
        .filter(|e| !e.is_null() && e.as_str() != Some(""))
        .cloned()
        .collect();
    Ok(Value::List(out))
}

fn concat(args: &[Value], _: &FuncContext) -> FuncResult {
    if args.is_empty() {
        return Err(FuncError::call("at least one argument is required"));
    }
    let mut marked = false;
    let mut seqs = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let (v, m) = unmark_top(a);
        marked |= m;
        match value_type(v) {
            Type::List(_) | Type::Tuple(_) => seqs.push(v),
            other => {
                return Err(invalid_arg(
                    i,
                    "seqs",
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        other.friendly_name()
                    ),
                ))
            }
        }
    }
    // All lists with a common element type: the result is a list.
    if !seqs.is_empty() && seqs.iter().all(|s| matches!(value_type(s), Type::List(_))) {
        let types: Vec<Type> = seqs.iter().map(|s| value_type(s)).collect();
        if let Some(list_ty) = unify(&types) {
            if seqs.iter().any(|s| !s.is_known()) {
                return Ok(Value::Unknown(list_ty).mark_if(marked));
            }
            let mut out = Vec::new();
            for (i, s) in seqs.iter().enumerate() {
                let c = convert((*s).clone(), &list_ty)
                    .map_err(|e| invalid_arg(i, "seqs", e.message))?;
                let (c, m) = c.unmark();
                marked |= m;
                out.extend(c.as_elements().unwrap_or_default().iter().cloned());
            }
            return Ok(Value::List(out).mark_if(marked));
        }
    }
    let mut out = Vec::new();
    for s in seqs {
        match s.as_elements() {
            Some(e) => out.extend(e.iter().cloned()),
            None => return Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
        }
    }
    Ok(Value::Tuple(out).mark_if(marked))
}

/// Terraform's `==` as a Rust tri-state: `Some(bool)` or `None` when unknown.
fn equal(a: &Value, b: &Value) -> Option<bool> {
    values_equal(a, b).as_bool()
}

fn contains(args: &[Value], _: &FuncContext) -> FuncResult {
    let (list, value) = (&args[0], &args[1]);
    if !matches!(
        value_type(list),
        Type::List(_) | Type::Tuple(_) | Type::Set(_)
    ) {
        return Err(FuncError::call("argument must be list, tuple, or set"));
    }
    let Some(elems) = list.as_elements() else {
        return Ok(Value::Unknown(Type::Bool));
    };
    if elems.is_empty() {
        return Ok(Value::Bool(false));
    }
    if !value.is_known() {
        return Ok(Value::Unknown(Type::Bool));
    }
    let mut unknown = false;
    for e in elems {
        match equal(value, e) {
            Some(true) => return Ok(Value::Bool(true)),
            Some(false) => {}
            None => unknown = true,
        }
    }
    Ok(if unknown {
        Value::Unknown(Type::Bool)
    } else {
        Value::Bool(false)
    })
}

fn distinct(args: &[Value], _: &FuncContext) -> FuncResult {
    let mut out: Vec<Value> = Vec::new();
    for e in list_elems(&args[0]) {
        if !out.iter().any(|o| equal(o, e) == Some(true)) {
            out.push(e.clone());
        }
    }
    Ok(Value::List(out))
}

fn element(args: &[Value], _: &FuncContext) -> FuncResult {
    let (list, marked) = unmark_top(&args[0]);
    let index = whole_int(&args[1]).map_err(|m| FuncError::call(format!("invalid index: {m}")))?;
    let is_tuple = match value_type(list) {
        Type::List(_) => false,
        Type::Tuple(_) => true,
        other => {
            return Err(FuncError::call(format!(
                "cannot read elements from {}",
                other.friendly_name()
            )))
        }
    };
    if index < 0 && is_tuple {
        return Err(FuncError::call(
            "cannot use element function with a negative index",
        ));
    }
    let Some(elems) = list.as_elements() else {
        let ty = value_type(list)
            .element_type()
            .cloned()
            .unwrap_or(Type::Dynamic);
        return Ok(Value::Unknown(ty).mark_if(marked));
    };
    if elems.is_empty() {
        return Err(FuncError::call(
            "cannot use element function with an empty list",
        ));
    }
    let i = index.rem_euclid(elems.len() as i64) as usize;
    Ok(elems.get(i).cloned().unwrap_or(Value::Null).mark_if(marked))
}

fn flatten(args: &[Value], _: &FuncContext) -> FuncResult {
    let (list, marked) = unmark_top(&args[0]);
    if !matches!(
        value_type(list),
        Type::List(_) | Type::Set(_) | Type::Tuple(_)
    ) {
        return Err(FuncError::call("can only flatten lists, sets and tuples"));
    }
    let mut out = Vec::new();
    let mut marks = marked;
    if !flatten_into(list, &mut out, &mut marks) {
        return Ok(Value::Unknown(Type::Dynamic).mark_if(marks));
    }
    Ok(Value::Tuple(out).mark_if(marks))
}

/// Appends the flattened elements of `seq`; false when the result's shape
/// depends on an unknown.
fn flatten_into(seq: &Value, out: &mut Vec<Value>, marked: &mut bool) -> bool {
    let Some(elems) = seq.as_elements() else {
        return false;
    };
    let mut known = true;
    for e in elems {
        let (inner, m) = unmark_top(e);
        match inner {
            Value::Unknown(Type::Dynamic | Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
                *marked |= m;
                known = false;
            }
            Value::List(_) | Value::Set(_) | Value::Tuple(_) => {
                *marked |= m;
                known &= flatten_into(inner, out, marked);
            }
            _ => out.push(e.clone()),
        }
    }
    known
}

fn index(args: &[Value], _: &FuncContext) -> FuncResult {
    let (list, value) = (&args[0], &args[1]);
    if !matches!(value_type(list), Type::List(_) | Type::Tuple(_)) {
        return Err(FuncError::call("argument must be a list or tuple"));
    }
    let Some(elems) = list.as_elements() else {
        return Ok(Value::Unknown(Type::Number));
    };
    if elems.is_empty() {
        return Err(FuncError::call("cannot search an empty list"));
    }
    for (i, e) in elems.iter().enumerate() {
        match equal(e, value) {
            Some(true) => return Ok(Value::int(i as i64)),
            Some(false) => {}
            None => return Ok(Value::Unknown(Type::Number)),
        }
    }
    Err(FuncError::call("item not found"))
}

fn keys(args: &[Value], _: &FuncContext) -> FuncResult {
    let (m, marked) = unmark_top(&args[0]);
    let out = match m {
        Value::Map(entries) => {
            Value::List(entries.keys().map(|k| Value::from(k.as_str())).collect())
        }
        Value::Object(entries) => {
            Value::Tuple(entries.keys().map(|k| Value::from(k.as_str())).collect())
        }
        Value::Unknown(Type::Object(o)) => {
            Value::Tuple(o.attrs.keys().map(|k| Value::from(k.as_str())).collect())
        }
        Value::Unknown(Type::Map(_)) => Value::Unknown(Type::list(Type::String)),
        Value::Unknown(Type::Dynamic) => Value::Unknown(Type::Dynamic),
        _ => return Err(invalid_arg(0, "inputMap", "must have map or object type")),
    };
    Ok(out.mark_if(marked))
}

fn values(args: &[Value], _: &FuncContext) -> FuncResult {
    let (m, marked) = unmark_top(&args[0]);
    let out = match m {
        Value::Map(entries) => Value::List(entries.values().cloned().collect()),
        Value::Object(entries) => Value::Tuple(entries.values().cloned().collect()),
        Value::Unknown(Type::Map(t)) => Value::Unknown(Type::List(t.clone())),
        Value::Unknown(Type::Object(o)) => {
            Value::Unknown(Type::Tuple(o.attrs.values().cloned().collect()))
        }
        Value::Unknown(Type::Dynamic) => Value::Unknown(Type::Dynamic),
        _ => {
            return Err(FuncError::call(
                "values() requires a map as the first argument",
            ))
        }
    };
    Ok(out.mark_if(marked))
}

fn length(args: &[Value], _: &FuncContext) -> FuncResult {
    let (v, marked) = unmark_top(&args[0]);
    let n = match v {
        Value::String(s) => s.graphemes(true).count(),
        Value::List(e) | Value::Set(e) | Value::Tuple(e) => e.len(),
        Value::Map(m) | Value::Object(m) => m.len(),
        Value::Unknown(Type::Tuple(ts)) => ts.len(),
        Value::Unknown(Type::Object(o)) => o.attrs.len(),
        Value::Unknown(_) => return Ok(Value::Unknown(Type::Number).mark_if(marked)),
        _ => {
            return Err(FuncError::call(
                "argument must be a string, a collection type, or a structural type",
            ))
        }
    };
    Ok(Value::int(n as i64).mark_if(marked))
}

fn lookup(args: &[Value], _: &FuncContext) -> FuncResult {
    if args.len() > 3 {
        return Err(FuncError::call(format!(
            "lookup() takes two or three arguments, got {}",
            args.len()
        )));
    }
    let (m, marked) = unmark_top(&args[0]);
    let key = args[1].as_str().unwrap_or_default();
    let default = args.get(2);
    match value_type(m) {
        Type::Object(o) => {
            if let Some(v) = m.get_attr(key) {
                return Ok(v.clone().mark_if(marked));
            }
            if !m.is_known() && o.attrs.contains_key(key) {
                return Ok(
                    Value::Unknown(o.attrs.get(key).cloned().unwrap_or(Type::Dynamic))
                        .mark_if(marked),
                );
            }
            match default {
                Some(d) => Ok(d.clone().mark_if(marked)),
                None => Err(invalid_arg(
                    0,
                    "inputMap",
                    format!("the given object has no attribute {key:?}"),
                )),
            }
        }
        Type::Map(ety) => {
            let default = match default {
                Some(d) => Some(convert(d.clone(), &ety).map_err(|_| {
                    invalid_arg(
                        2,
                        "default",
                        "the default value must have the same type as the map elements",
                    )
                })?),
                None => None,
            };
            if !m.is_known() {
                return Ok(Value::Unknown(*ety).mark_if(marked));
            }
            if let Some(v) = m.get_attr(key) {
                return Ok(v.clone().mark_if(marked));
            }
            match default {
                Some(d) => Ok(d.mark_if(marked)),
                None => Err(FuncError::call(format!(
                    "lookup failed to find key {key:?}"
                ))),
            }
        }
        Type::Dynamic if !m.is_known() => Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
        _ => Err(invalid_arg(
            0,
            "inputMap",
            "lookup() requires a map as the first argument",
        )),
    }
}

fn matchkeys(args: &[Value], _: &FuncContext) -> FuncResult {
    let (vals, keys, search) = (&args[0], &args[1], &args[2]);
    let ty = unify(&[value_type(keys), value_type(search)])
        .ok_or_else(|| FuncError::call("keys and searchset must be of the same type"))?;
    let vals = list_elems(vals);
    let keys = convert(keys.clone(), &ty).map_err(|e| FuncError::call(e.message))?;
    let search = convert(search.clone(), &ty).map_err(|e| FuncError::call(e.message))?;
    let (keys, search) = (list_elems(&keys), list_elems(&search));
    if vals.len() != keys.len() {
        return Err(FuncError::call("length of keys and values should be equal"));
    }
    let mut out = Vec::new();
    if search.is_empty() {
        return Ok(Value::List(out));
    }
    for (k, v) in keys.iter().zip(vals) {
        for s in search {
            match equal(k, s) {
                Some(true) => {
                    out.push(v.clone());
                    break;
                }
                Some(false) => {}
                None => return Ok(Value::List(vec![])),
            }
        }
    }
    Ok(Value::List(out))
}

fn merge(args: &[Value], _: &FuncContext) -> FuncResult {
    let mut marked = false;
    let mut unknown = false;
    let mut first_ty: Option<Type> = None;
    let mut same = true;
    let mut out = BTreeMap::new();
    for a in args {
        let (v, m) = unmark_top(a);
        marked |= m;
        let ty = value_type(v);
        match (&ty, v) {
            (_, Value::Null) => {}
            (_, Value::Unknown(Type::Dynamic | Type::Map(_) | Type::Object(_))) => unknown = true,
            (_, Value::Map(entries) | Value::Object(entries)) => {
                out.extend(entries.iter().map(|(k, e)| (k.clone(), e.clone())));
            }
            _ => {
                return Err(FuncError::call(format!(
                    "arguments must be maps or objects, got \"{}\"",
                    ty.friendly_name()
                )))
            }
        }
        match &first_ty {
            None => first_ty = Some(ty),
            Some(f) => same &= *f == ty,
        }
    }
    if unknown {
        return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
    }
    let result = match first_ty {
        Some(Type::Map(_)) if same => Value::Map(out),
        _ => Value::Object(out),
    };
    Ok(result.mark_if(marked))
}

fn one(args: &[Value], _: &FuncContext) -> FuncResult {
    let v = &args[0];
    let wrong = || {
        invalid_arg(
            0,
            "list",
            "must be a list, set, or tuple value with either zero or one elements",
        )
    };
    match v {
        Value::List(e) | Value::Set(e) | Value::Tuple(e) => match e.as_slice() {
            [] => Ok(Value::Null),
            [x] => Ok(x.clone()),
            _ => Err(wrong()),
        },
        Value::Unknown(Type::List(t) | Type::Set(t)) => Ok(Value::Unknown((**t).clone())),
        Value::Unknown(Type::Tuple(ts)) if ts.len() <= 1 => {
            Ok(Value::Unknown(ts.first().cloned().unwrap_or(Type::Dynamic)))
        }
        Value::Unknown(Type::Dynamic) => Ok(Value::Unknown(Type::Dynamic)),
        _ => Err(wrong()),
    }
}

fn range(args: &[Value], _: &FuncContext) -> FuncResult {
    let nums: Vec<&Number> = args.iter().filter_map(Value::as_number).collect();
    let zero = Number::zero();
    let one = Number::from_i64(1);
    let minus_one = Number::from_i64(-1);
    let (start, end, step) = match nums.as_slice() {
        [end] => (&zero, *end, if **end < zero { &minus_one } else { &one }),
        [start, end] => (*start, *end, if *end < *start { &minus_one } else { &one }),
        [start, end, step] => (*start, *end, *step),
        _ => return Err(FuncError::call("must have one, two, or three arguments")),
    };
    let down = *step < zero;
    if down && end > start {
        return Err(invalid_arg(
            1,
            "params",
            "end must be less than start when step is negative",
        ));
    }
    if !down && end < start {
        return Err(invalid_arg(
            1,
            "params",
            "end must be greater than start when step is positive",
        ));
    }
    let mut out = Vec::new();
    let mut n = start.clone();
    loop {
        if (down && n <= *end) || (!down && n >= *end) {
            break;
        }
        if out.len() >= 1024 {
            return Err(FuncError::call(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        out.push(Value::Number(n.clone()));
        n = Number::from(&n.0 + &step.0);
    }
    Ok(Value::List(out))
}

fn reverse(args: &[Value], _: &FuncContext) -> FuncResult {
    let (v, marked) = unmark_top(&args[0]);
    let out = match v {
        Value::List(e) | Value::Set(e) => Value::List(e.iter().rev().cloned().collect()),
        Value::Tuple(e) => Value::Tuple(e.iter().rev().cloned().collect()),
        Value::Unknown(t @ (Type::List(_) | Type::Tuple(_) | Type::Dynamic)) => {
            Value::Unknown(t.clone())
        }
        Value::Unknown(Type::Set(t)) => Value::Unknown(Type::List(t.clone())),
        other => {
            return Err(invalid_arg(
                0,
                "list",
                format!(
                    "can only reverse list or tuple values, not {}",
                    value_type(other).friendly_name()
                ),
            ))
        }
    };
    Ok(out.mark_if(marked))
}

fn slice(args: &[Value], _: &FuncContext) -> FuncResult {
    let (list, marked) = unmark_top(&args[0]);
    let ty = value_type(list);
    match ty {
        Type::Set(_) => return Err(invalid_arg(0, "list", "cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important")),
        Type::List(_) | Type::Tuple(_) => {}
        _ if !list.is_known() => return Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
        _ => return Err(invalid_arg(0, "list", "must be a list or tuple value")),
    }
    let len = match list {
        Value::Unknown(Type::Tuple(ts)) => Some(ts.len()),
        v => v.as_elements().map(<[Value]>::len),
    };
    let start = whole_int(&args[1])
        .map_err(|m| invalid_arg(1, "start_index", format!("invalid start index: {m}")))?;
    if start < 0 {
        return Err(invalid_arg(
            1,
            "start_index",
            "start index must not be less than zero",
        ));
    }
    if len.is_some_and(|l| start as usize > l) {
        return Err(invalid_arg(
            1,
            "start_index",
            "start index must not be greater than the length of the list",
        ));
    }
    let end = whole_int(&args[2])
        .map_err(|m| invalid_arg(2, "end_index", format!("invalid end index: {m}")))?;
    if end < 0 {
        return Err(invalid_arg(
            2,
            "end_index",
            "end index must not be less than zero",
        ));
    }
    if len.is_some_and(|l| end as usize > l) {
        return Err(invalid_arg(
            2,
            "end_index",
            "end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(invalid_arg(
            1,
            "start_index",
            "start index must not be greater than end index",
        ));
    }
    let (start, end) = (start as usize, end as usize);
    let out = match list {
        Value::List(e) => Value::List(e.get(start..end).unwrap_or_default().to_vec()),
        Value::Tuple(e) => Value::Tuple(e.get(start..end).unwrap_or_default().to_vec()),
        Value::Unknown(Type::Tuple(ts)) => {
            Value::Unknown(Type::Tuple(ts.get(start..end).unwrap_or_default().to_vec()))
        }
        _ => Value::Unknown(ty),
    };
    Ok(out.mark_if(marked))
}

fn sort(args: &[Value], _: &FuncContext) -> FuncResult {
    let Value::List(elems) = &args[0] else {
        return Ok(Value::Unknown(Type::list(Type::String)));
    };
    if !args[0].is_wholly_known() {
        return Ok(Value::List(vec![Value::Unknown(Type::String); elems.len()]));
    }
    let mut strs = Vec::with_capacity(elems.len());
    for (i, e) in elems.iter().enumerate() {
        match e.as_str() {
            Some(s) => strs.push(s),
            None => {
                return Err(FuncError::call(format!(
                    "given list element {i} is null; a null string cannot be sorted"
                )))
            }
        }
    }
    strs.sort_unstable();
    Ok(Value::List(strs.into_iter().map(Value::from).collect()))
}

fn sum(args: &[Value], _: &FuncContext) -> FuncResult {
    let v = &args[0];
    let elems: Vec<&Value> = match v {
        Value::List(e) | Value::Set(e) | Value::Tuple(e) => e.iter().collect(),
        Value::Map(m) | Value::Object(m) => m.values().collect(),
        _ => return Err(invalid_arg(0, "list", "cannot sum noniterable")),
    };
    if elems.is_empty() {
        return Err(invalid_arg(0, "list", "cannot sum an empty list"));
    }
    if !matches!(v, Value::List(_) | Value::Set(_) | Value::Tuple(_)) {
        return Err(invalid_arg(
            0,
            "list",
            format!(
                "argument must be list, set, or tuple. Received {}",
                value_type(v).friendly_name()
            ),
        ));
    }
    let not_numbers = || {
        invalid_arg(
            0,
            "list",
            "argument must be list, set, or tuple of number values",
        )
    };
    let mut total = Number::zero();
    for e in elems {
        if e.is_null() {
            return Err(not_numbers());
        }
        let n = convert(e.clone(), &Type::Number).map_err(|_| not_numbers())?;
        let n = n.as_number().ok_or_else(not_numbers)?;
        total = Number::from(&total.0 + &n.0);
    }
    Ok(Value::Number(total))
}

fn transpose(args: &[Value], _: &FuncContext) -> FuncResult {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (key, list) in args[0].as_entries().into_iter().flatten() {
        for e in list.as_elements().unwrap_or_default() {
            let Some(s) = e.as_str() else {
                return Err(FuncError::call("input list must not contain null string"));
            };
            out.entry(s.to_string())
                .or_default()
                .push(Value::from(key.as_str()));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

fn zipmap(args: &[Value], _: &FuncContext) -> FuncResult {
    let keys = list_elems(&args[0]);
    let (vals, marked) = unmark_top(&args[1]);
    let is_list = match value_type(vals) {
        Type::List(_) => true,
        Type::Tuple(_) => false,
        _ if !vals.is_known() => return Ok(Value::Unknown(Type::Dynamic).mark_if(marked)),
        _ => {
            return Err(FuncError::call(
                "values argument must be a list or tuple value",
            ))
        }
    };
    let vals_len = match vals {
        Value::Unknown(Type::Tuple(ts)) => Some(ts.len()),
        v => v.as_elements().map(<[Value]>::len),
    };
    if let Some(n) = vals_len.filter(|n| *n != keys.len()) {
        return Err(FuncError::call(format!(
            "number of keys ({}) does not match number of values ({n})",
            keys.len()
        )));
    }
    let mut names = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        match k.as_str() {
            Some(s) => names.push(s.to_string()),
            None => {
                return Err(FuncError::call(format!(
                    "keys list has null value at index {i}"
                )))
            }
        }
    }
    let Some(elems) = vals.as_elements() else {
        return Ok(Value::Unknown(Type::Dynamic).mark_if(marked));
    };
    let entries: BTreeMap<String, Value> = names.into_iter().zip(elems.iter().cloned()).collect();
    let out = if is_list {
        Value::Map(entries)
    } else {
        Value::Object(entries)
    };
    Ok(out.mark_if(marked))
}
