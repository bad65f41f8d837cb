//! Set functions: setintersection, setproduct, setsubtract, setunion.

use crate::collection::unmark_top;
use crate::numeric::invalid_arg;
use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use gitform_value::convert::{convert, unify, value_type};
use gitform_value::{Type, Value};

pub(crate) fn functions() -> Vec<FuncSpec> {
    let any_set = || Type::set(Type::Dynamic);
    vec![
        FuncSpec::new(
            "setintersection",
            vec![Param::new("first_set", any_set())],
            any_set(),
            setintersection,
        )
        .variadic(Param::new("other_sets", any_set())),
        FuncSpec::new("setproduct", vec![], Type::Dynamic, setproduct).variadic(
            Param::new("sets", Type::Dynamic)
                .allow_unknown()
                .allow_marked(),
        ),
        FuncSpec::new(
            "setsubtract",
            vec![Param::new("a", any_set()), Param::new("b", any_set())],
            any_set(),
            setsubtract,
        ),
        FuncSpec::new(
            "setunion",
            vec![Param::new("first_set", any_set()).allow_unknown()],
            any_set(),
            setunion,
        )
        .variadic(Param::new("other_sets", any_set()).allow_unknown()),
    ]
}

/// Converts every set to a common element type, as cty's set operations do
/// (empty sets of unknown element type take any type).
fn common_sets(args: &[Value]) -> Result<(Type, Vec<Vec<Value>>), FuncError> {
    let types: Vec<Type> = args
        .iter()
        .filter(|a| {
            !(a.as_elements().is_some_and(<[Value]>::is_empty)
                && value_type(a) == Type::set(Type::Dynamic))
        })
        .map(|a| {
            value_type(a)
                .element_type()
                .cloned()
                .unwrap_or(Type::Dynamic)
        })
        .collect();
    let ety = if types.is_empty() {
        Type::Dynamic
    } else {
        unify(&types)
            .ok_or_else(|| FuncError::call("given sets must all have compatible element types"))?
    };
    let want = Type::set(ety.clone());
    let mut sets = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let c = convert(a.clone(), &want).map_err(|e| invalid_arg(i, "sets", e.message))?;
        sets.push(c.as_elements().map(<[Value]>::to_vec).unwrap_or_default());
    }
    Ok((ety, sets))
}

fn setintersection(args: &[Value], _: &FuncContext) -> FuncResult {
    let (_, sets) = common_sets(args)?;
    let mut iter = sets.into_iter();
    let mut acc = iter.next().unwrap_or_default();
    for s in iter {
        acc.retain(|e| s.contains(e));
    }
    Ok(Value::set(acc))
}

fn setsubtract(args: &[Value], _: &FuncContext) -> FuncResult {
    let (_, sets) = common_sets(args)?;
    let mut iter = sets.into_iter();
    let mut acc = iter.next().unwrap_or_default();
    for s in iter {
        acc.retain(|e| !s.contains(e));
    }
    Ok(Value::set(acc))
}

fn setunion(args: &[Value], _: &FuncContext) -> FuncResult {
    if args.iter().any(|a| !a.is_known()) {
        return Ok(Value::Unknown(Type::set(Type::Dynamic)));
    }
    let (_, sets) = common_sets(args)?;
    Ok(Value::set(sets.into_iter().flatten().collect()))
}

fn setproduct(args: &[Value], _: &FuncContext) -> FuncResult {
    if args.len() < 2 {
        return Err(FuncError::call("at least two arguments are required"));
    }
    let mut marked = false;
    let mut all_lists = true;
    let mut etys = Vec::with_capacity(args.len());
    let mut unknown = false;
    let mut elems: Vec<&[Value]> = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let (v, m) = unmark_top(a);
        marked |= m;
        let ety = match value_type(v) {
            Type::Set(t) => {
                all_lists = false;
                *t
            }
            Type::List(t) => *t,
            Type::Tuple(ts) if ts.is_empty() => Type::Dynamic,
            Type::Tuple(ts) => {
                unify(&ts).ok_or_else(|| invalid_arg(i, "sets", "a set or a list is required"))?
            }
            Type::Dynamic if !v.is_known() => {
                unknown = true;
                Type::Dynamic
            }
            _ => return Err(invalid_arg(i, "sets", "a set or a list is required")),
        };
        etys.push(ety);
        match v.as_elements() {
            Some(e) => elems.push(e),
            None => unknown = true,
        }
    }
    let ret_elem = Type::Tuple(etys.clone());
    if unknown {
        let ty = if all_lists {
            Type::list(ret_elem)
        } else {
            Type::set(ret_elem)
        };
        return Ok(Value::Unknown(ty).mark_if(marked));
    }
    let mut product: Vec<Vec<Value>> = vec![vec![]];
    for (j, e) in elems.iter().enumerate() {
        let ety = etys.get(j).cloned().unwrap_or(Type::Dynamic);
        let mut converted = Vec::with_capacity(e.len());
        for v in e.iter() {
            let v = if value_type(v) == ety || ety == Type::Dynamic {
                v.clone()
            } else {
                convert(v.clone(), &ety).map_err(|err| invalid_arg(j, "sets", err.message))?
            };
            converted.push(v);
        }
        product = product
            .into_iter()
            .flat_map(|prefix| {
                converted.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(v.clone());
                    p
                })
            })
            .collect();
    }
    let tuples: Vec<Value> = product.into_iter().map(Value::Tuple).collect();
    let out = if all_lists {
        Value::List(tuples)
    } else {
        Value::set(tuples)
    };
    Ok(out.mark_if(marked))
}
