//! Type conversion and sensitivity functions: `tobool`, `tonumber`,
//! `tostring`, `tolist`, `toset`, `tomap`, `sensitive`, `nonsensitive`,
//! `issensitive` and `ephemeralasnull`.
//!
//! (`try`, `can` and `type` are special forms of the evaluator.)

use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use gitform_value::convert::convert;
use gitform_value::display::go_quote;
use gitform_value::{Type, Value};

pub(crate) fn functions() -> Vec<FuncSpec> {
    vec![
        to_func("tobool", Type::Bool, |a, _| to_type(a, &Type::Bool)),
        to_func("tonumber", Type::Number, |a, _| to_type(a, &Type::Number)),
        to_func("tostring", Type::String, |a, _| to_type(a, &Type::String)),
        to_func("tolist", Type::list(Type::Dynamic), |a, _| {
            to_type(a, &Type::list(Type::Dynamic))
        }),
        to_func("toset", Type::set(Type::Dynamic), |a, _| {
            to_type(a, &Type::set(Type::Dynamic))
        }),
        to_func("tomap", Type::map(Type::Dynamic), |a, _| {
            to_type(a, &Type::map(Type::Dynamic))
        }),
        FuncSpec::new(
            "sensitive",
            vec![any_param("value")],
            Type::Dynamic,
            sensitive,
        ),
        FuncSpec::new(
            "nonsensitive",
            vec![any_param("value")],
            Type::Dynamic,
            nonsensitive,
        ),
        FuncSpec::new(
            "issensitive",
            vec![any_param("value")],
            Type::Bool,
            issensitive,
        ),
        FuncSpec::new(
            "ephemeralasnull",
            vec![any_param("value")],
            Type::Dynamic,
            ephemeralasnull,
        ),
    ]
}

/// A parameter that takes anything as it is: null, unknown and marked.
fn any_param(name: &'static str) -> Param {
    Param::new(name, Type::Dynamic)
        .allow_null()
        .allow_unknown()
        .allow_marked()
}

fn to_func(name: &'static str, ret: Type, imp: crate::FuncImpl) -> FuncSpec {
    FuncSpec::new(name, vec![any_param("v")], ret, imp)
}

/// How Terraform names a conversion target in messages.
fn constraint_name(want: &Type) -> String {
    match want {
        Type::List(_) => "list of any single type".into(),
        Type::Set(_) => "set of any single type".into(),
        Type::Map(_) => "map of any single type".into(),
        t => t.friendly_name(),
    }
}

fn to_type(args: &[Value], want: &Type) -> FuncResult {
    let v = args.first().cloned().unwrap_or(Value::Null);
    match convert(v.clone(), want) {
        Ok(r) => Ok(r),
        Err(_) => {
            let marked = v.contains_sensitive();
            let (plain, _) = v.unmark_deep();
            let got = plain.ty();
            let message = match (&plain, want) {
                _ if marked => format!(
                    "cannot convert this sensitive {} to {}",
                    got.friendly_name(),
                    constraint_name(want)
                ),
                (Value::String(s), Type::Bool) => format!(
                    "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                    go_quote(s)
                ),
                (Value::String(s), Type::Number) => format!(
                    "cannot convert {} to number; given string must be a decimal representation of a number",
                    go_quote(s)
                ),
                _ => format!("cannot convert {} to {}", got.friendly_name(), constraint_name(want)),
            };
            Err(FuncError::Arg {
                arg: 0,
                param: "v".into(),
                message,
            })
        }
    }
}

fn first(args: &[Value]) -> Value {
    args.first().cloned().unwrap_or(Value::Null)
}

fn sensitive(args: &[Value], _: &FuncContext) -> FuncResult {
    Ok(first(args).sensitive())
}

/// Removes the top-level sensitive mark only, as Terraform does; marks
/// nested deeper stay.
fn nonsensitive(args: &[Value], _: &FuncContext) -> FuncResult {
    Ok(first(args).unmark().0)
}

fn issensitive(args: &[Value], _: &FuncContext) -> FuncResult {
    let v = first(args);
    Ok(if v.is_sensitive() {
        Value::Bool(true)
    } else if !v.is_known() {
        Value::Unknown(Type::Bool)
    } else {
        Value::Bool(false)
    })
}

/// gitform has no ephemeral values, so this is the identity.
fn ephemeralasnull(args: &[Value], _: &FuncContext) -> FuncResult {
    Ok(first(args))
}
