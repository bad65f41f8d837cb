//! Turns a configuration body into an object value by a provider schema:
//! evaluates each argument, converts it to the attribute's type, builds
//! nested blocks (static and `dynamic`), and reports unsupported or
//! missing arguments the way Terraform does.

use gitform_config::{Body, NestedBlock as ConfigBlock};
use gitform_lang::{eval, EvalContext};
use gitform_provider::{Block, Nesting};
use gitform_value::convert::convert;
use gitform_value::{Diagnostic, Diagnostics, SourceRange, Value};
use std::collections::BTreeMap;

/// Arguments every resource or data block may have, handled by the engine.
pub const META_ARGUMENTS: &[&str] = &["count", "for_each", "provider", "depends_on", "lifecycle"];

/// Evaluates `body` against `schema`. `decl` is the block header, used
/// for "missing required argument" errors.
pub fn decode_body(
    body: &Body,
    schema: &Block,
    ctx: &mut EvalContext,
    decl: &SourceRange,
) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut obj = BTreeMap::new();
    for a in &body.attributes {
        let Some(attr) = schema.attributes.get(&a.name) else {
            let detail = if schema.blocks.contains_key(&a.name) {
                format!("An argument named \"{}\" is not expected here. Did you mean to define a block of type \"{}\"?", a.name, a.name)
            } else {
                let names = schema.attributes.keys().map(String::as_str);
                format!(
                    "An argument named \"{}\" is not expected here.{}",
                    a.name,
                    crate::graph::suggestion(&a.name, names, "")
                )
            };
            diags.push(
                Diagnostic::error("Unsupported argument", detail)
                    .with_range(Some(a.name_range.clone())),
            );
            continue;
        };
        if attr.computed && !attr.optional && !attr.required {
            diags.push(
                Diagnostic::error(
                    "Invalid or unknown key",
                    format!("The attribute \"{}\" is read-only: its value is computed by the provider and cannot be set in configuration.", a.name),
                )
                .with_range(Some(a.name_range.clone())),
            );
            continue;
        }
        match eval(&a.expr.expr, ctx, &a.expr.file) {
            Ok(v) => match convert(v, &attr.ty) {
                Ok(v) => {
                    obj.insert(a.name.clone(), v);
                }
                Err(e) => {
                    let at = if e.path.is_root() {
                        String::new()
                    } else {
                        format!(" at {}", e.path)
                    };
                    diags.push(
                        Diagnostic::error(
                            "Incorrect attribute value type",
                            format!(
                                "Inappropriate value for attribute \"{}\"{at}: {}.",
                                a.name, e.message
                            ),
                        )
                        .with_range(Some(a.expr.range())),
                    );
                }
            },
            Err(d) => diags.extend(d),
        }
    }
    let mut blocks: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut keyed: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for b in &body.blocks {
        let type_name = b.type_name();
        let Some(nb) = schema.blocks.get(type_name) else {
            let names = schema.blocks.keys().map(String::as_str);
            let hint = crate::graph::suggestion(type_name, names, "");
            diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    format!("Blocks of type \"{type_name}\" are not expected here.{hint}"),
                )
                .with_range(Some(b.range().clone())),
            );
            continue;
        };
        match b {
            ConfigBlock::Static(sb) => {
                let (v, d) = decode_body(&sb.body, &nb.block, ctx, &sb.range);
                diags.extend(d);
                if nb.nesting == Nesting::Map {
                    let key = sb.labels.first().cloned().unwrap_or_default();
                    keyed
                        .entry(type_name.to_string())
                        .or_default()
                        .insert(key, v);
                } else {
                    blocks.entry(type_name.to_string()).or_default().push(v);
                }
            }
            ConfigBlock::Dynamic(db) => {
                let coll = match eval(&db.for_each.expr, ctx, &db.for_each.file) {
                    Ok(v) => v,
                    Err(d) => {
                        diags.extend(d);
                        continue;
                    }
                };
                if !coll.is_wholly_known() {
                    // The number of blocks is not known until apply.
                    blocks
                        .entry(type_name.to_string())
                        .or_default()
                        .push(Value::Unknown(nb.block.implied_type()));
                    continue;
                }
                let (coll, marked) = coll.unmark();
                let items: Vec<(Value, Value)> = match &coll {
                    Value::List(v) | Value::Tuple(v) | Value::Set(v) => v
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (Value::int(i as i64), e.clone()))
                        .collect(),
                    Value::Map(m) | Value::Object(m) => m
                        .iter()
                        .map(|(k, e)| (Value::string(k), e.clone()))
                        .collect(),
                    Value::Null => Vec::new(),
                    _ => {
                        diags.push(
                            Diagnostic::error(
                                "Invalid dynamic for_each value",
                                format!("Cannot use a {} value in for_each. An iterable collection is required.", coll.ty().friendly_name()),
                            )
                            .with_range(Some(db.for_each.range())),
                        );
                        continue;
                    }
                };
                let iter_name = db.iterator_name().to_string();
                let saved = ctx.roots.remove(&iter_name);
                for (k, v) in items {
                    let it =
                        Value::object([("key", k.mark_if(marked)), ("value", v.mark_if(marked))]);
                    ctx.roots.insert(iter_name.clone(), it);
                    let (v, d) = decode_body(&db.content, &nb.block, ctx, &db.range);
                    diags.extend(d);
                    blocks.entry(type_name.to_string()).or_default().push(v);
                }
                ctx.roots.remove(&iter_name);
                if let Some(s) = saved {
                    ctx.roots.insert(iter_name, s);
                }
            }
        }
    }
    // Fill in every schema attribute and block, and check required ones.
    for (name, attr) in &schema.attributes {
        if !obj.contains_key(name) {
            if attr.required {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!(
                            "The argument \"{name}\" is required, but no definition was found."
                        ),
                    )
                    .with_range(Some(decl.clone())),
                );
            }
            obj.insert(name.clone(), Value::Null);
        }
    }
    for (name, nb) in &schema.blocks {
        let items = blocks.remove(name).unwrap_or_default();
        let n = items.len() as u64;
        if n < nb.min_items {
            diags.push(
                Diagnostic::error(
                    if n == 0 {
                        "Missing required block"
                    } else {
                        "Insufficient blocks"
                    },
                    format!("At least {} \"{name}\" blocks are required.", nb.min_items),
                )
                .with_range(Some(decl.clone())),
            );
        }
        if nb.max_items > 0 && n > nb.max_items {
            diags.push(
                Diagnostic::error(
                    "Too many blocks",
                    format!(
                        "No more than {} \"{name}\" blocks are allowed.",
                        nb.max_items
                    ),
                )
                .with_range(Some(decl.clone())),
            );
        }
        let v = match nb.nesting {
            Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
            Nesting::List => Value::List(items),
            Nesting::Set => Value::set(items),
            Nesting::Map => Value::Map(keyed.remove(name).unwrap_or_default()),
        };
        obj.insert(name.clone(), v);
    }
    (Value::Object(obj), diags)
}
