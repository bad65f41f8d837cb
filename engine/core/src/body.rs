//! Turns a configuration body into an object value by a provider schema:
//! evaluates each argument, converts it to the attribute's type, builds
//! nested blocks (static and `dynamic`), and reports unsupported or
//! missing arguments the way Terraform does.
//!
//! # Attributes as blocks
//!
//! As in Terraform (`lang/blocktoattr`), an attribute whose type is a list
//! or a set of objects (hashicorp/aws's `aws_security_group.ingress`,
//! `aws_route_table.route`: SDKv2 "ConfigModeAttr" fields) may be written
//! either as an argument (`ingress = [{ ... }]`, `ingress = []`) or as zero
//! or more blocks of that name, `dynamic` ones included. In block form every
//! object attribute a block leaves out is null, and nested list-or-set-of-
//! object attributes may in turn be written as blocks. Zero blocks leave the
//! attribute unset (null), whereas `= []` sets it to an empty collection.
//! Writing one name both ways is an error. [`effective_schema`] is the
//! schema a body is checked and decoded by once that choice is made.

use gitform_config::{Body, NestedBlock as ConfigBlock};
use gitform_lang::{eval, EvalContext};
use gitform_provider::{Attribute, Block, NestedBlock, Nesting};
use gitform_value::convert::convert;
use gitform_value::{Diagnostic, Diagnostics, SourceRange, Type, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Arguments every resource or data block may have, handled by the engine.
pub const META_ARGUMENTS: &[&str] = &["count", "for_each", "provider", "depends_on", "lifecycle"];

/// The block type that configuration may write for an attribute of type
/// `ty`: for a list or set of objects, a list or set nesting whose block has
/// every object attribute optional (a type says nothing of which ones are
/// required: the provider checks that). `None` for any other type.
pub fn block_for_attribute_type(ty: &Type) -> Option<NestedBlock> {
    let (nesting, element) = match ty {
        Type::List(e) => (Nesting::List, e),
        Type::Set(e) => (Nesting::Set, e),
        _ => return None,
    };
    let Type::Object(object) = element.as_ref() else {
        return None;
    };
    let block = object.attrs.iter().fold(Block::new(), |b, (name, t)| {
        b.attr(name.clone(), Attribute::optional(t.clone()))
    });
    Some(match nesting {
        Nesting::List => NestedBlock::list(block),
        _ => NestedBlock::set(block),
    })
}

/// The schema `body` is checked and decoded by: `schema`, where each
/// attribute of list-or-set-of-object type that the body writes as blocks
/// (static or `dynamic`) and not as an argument becomes a block type of
/// that name (see [`block_for_attribute_type`]). Borrowed when nothing
/// changes, which is the common case.
///
/// The diagnostics are about the choice itself: a name written both as an
/// argument and as blocks (the attribute stays, and the blocks are still
/// given a block type so their content is checked too), and blocks written
/// for a read-only attribute.
pub fn effective_schema<'a>(body: &Body, schema: &'a Block) -> (Cow<'a, Block>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut out: Cow<'a, Block> = Cow::Borrowed(schema);
    for b in &body.blocks {
        let name = b.type_name();
        if schema.blocks.contains_key(name) || out.blocks.contains_key(name) {
            continue;
        }
        let Some(attr) = schema.attributes.get(name) else {
            continue;
        };
        let Some(nested) = block_for_attribute_type(&attr.ty) else {
            continue;
        };
        if attr.is_computed_only() {
            diags.push(
                Diagnostic::error(
                    "Invalid or unknown key",
                    format!("The attribute \"{name}\" is read-only: its value is computed by the provider and cannot be set in configuration, as an argument or as blocks."),
                )
                .with_range(Some(block_type_range(b).clone())),
            );
        } else if let Some(a) = body.attribute(name) {
            let at = &a.name_range;
            diags.push(
                Diagnostic::error(
                    "Both argument and blocks for one attribute",
                    format!(
                        "\"{name}\" is already set by the argument at {}:{},{}. Write it either as one argument (`{name} = [ ... ]`, or `{name} = []` for none) or as \"{name}\" blocks, not both.",
                        at.filename, at.start.line, at.start.column
                    ),
                )
                .with_range(Some(block_type_range(b).clone())),
            );
        }
        let owned = out.to_mut();
        if body.attribute(name).is_none() && !attr.is_computed_only() {
            owned.attributes.remove(name);
        }
        owned.blocks.insert(name.to_string(), nested);
    }
    (out, diags)
}

/// The range of a nested block's type name (`ingress` in `ingress {`,
/// `"ingress"` in `dynamic "ingress" {`).
fn block_type_range(b: &ConfigBlock) -> &SourceRange {
    match b {
        ConfigBlock::Static(sb) => &sb.type_range,
        ConfigBlock::Dynamic(db) => &db.type_range,
    }
}

/// Evaluates `body` against `schema`. `decl` is the block header, used
/// for "missing required argument" errors.
pub fn decode_body(
    body: &Body,
    schema: &Block,
    ctx: &mut EvalContext,
    decl: &SourceRange,
) -> (Value, Diagnostics) {
    let given = schema;
    let (schema, mut diags) = effective_schema(body, given);
    let schema: &Block = &schema;
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
            let as_blocks = given
                .attributes
                .iter()
                .filter(|(_, a)| !a.is_computed_only() && block_for_attribute_type(&a.ty).is_some())
                .map(|(k, _)| k);
            let names = schema.blocks.keys().chain(as_blocks).map(String::as_str);
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
                if let (false, Some(label)) = (
                    given.blocks.contains_key(type_name),
                    sb.label_ranges.first(),
                ) {
                    diags.push(
                        Diagnostic::error(
                            format!("Extraneous label for {type_name}"),
                            format!("No labels are expected for {type_name} blocks."),
                        )
                        .with_range(Some(label.clone())),
                    );
                }
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
        if !given.blocks.contains_key(name) {
            // An attribute written as blocks (when it is also an argument,
            // or read-only, the error is reported and the argument wins).
            if let (false, Some(attr)) = (
                schema.attributes.contains_key(name),
                given.attributes.get(name),
            ) {
                let v = attribute_from_blocks(body, name, attr, items, &mut diags);
                obj.insert(name.clone(), v);
            }
            continue;
        }
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

/// The value of an attribute written as blocks: the blocks' objects as the
/// attribute's list or set (unknown as a whole when a `dynamic` block's
/// `for_each` is not known yet; null for no block at all, which only a
/// `dynamic` block with nothing to iterate gives).
fn attribute_from_blocks(
    body: &Body,
    name: &str,
    attr: &Attribute,
    items: Vec<Value>,
    diags: &mut Diagnostics,
) -> Value {
    if items.is_empty() {
        return Value::Null;
    }
    if items.iter().any(|v| matches!(v, Value::Unknown(_))) {
        return Value::Unknown(attr.ty.clone());
    }
    match convert(Value::List(items), &attr.ty) {
        Ok(v) => v,
        Err(e) => {
            let range = body
                .blocks
                .iter()
                .find(|b| b.type_name() == name)
                .map(|b| b.range().clone());
            let at = if e.path.is_root() {
                String::new()
            } else {
                format!(" at {}", e.path)
            };
            diags.push(
                Diagnostic::error(
                    "Incorrect attribute value type",
                    format!(
                        "Inappropriate value for attribute \"{name}\"{at}: {}.",
                        e.message
                    ),
                )
                .with_range(range),
            );
            Value::Unknown(attr.ty.clone())
        }
    }
}
