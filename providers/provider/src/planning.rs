//! The planning rules every provider and the engine share.
//!
//! [`proposed_new_state`] merges configuration into prior state (what the
//! engine sends as [`PlanChangeRequest::proposed_new_state`](crate::PlanChangeRequest)),
//! and [`plan_resource`] is the default planning a provider applies to it.

use crate::schema::{index_step, Attribute, Block, Nesting, Schema};
use gitform_value::{AttrPath, PathStep, Value};
use std::collections::BTreeMap;

/// Terraform's "proposed new state": what the object would look like if the
/// provider changed nothing but what configuration asks for.
///
/// Per attribute:
/// - not computed: the configuration value;
/// - computed, configuration null: the `default` if the attribute is
///   optional and has one, otherwise the prior value (so computed-only
///   attributes always keep their prior value);
/// - optional + computed, configuration set: the configuration value.
///
/// Nested blocks recurse, pairing each configured block with its prior
/// counterpart: `Single` directly, `List` by index, `Map` by key, `Set` by
/// equal non-computed attributes.
///
/// A null `config` (destroy) or an unknown one is returned as is. `prior` is
/// `None` (or null) on create.
pub fn proposed_new_state(schema: &Block, prior: Option<&Value>, config: &Value) -> Value {
    if config.is_null() || !config.is_known() {
        return config.clone();
    }
    let prior = prior.filter(|p| !p.is_null() && p.is_known());
    let (config_inner, config_marked) = (config.unmarked(), config.is_sensitive());
    let Value::Object(config_attrs) = config_inner else {
        return config.clone();
    };
    let prior_attr = |name: &str| prior.and_then(|p| p.get_attr(name));
    let mut out = BTreeMap::new();
    for (name, attr) in &schema.attributes {
        let config_v = config_attrs.get(name).cloned().unwrap_or(Value::Null);
        out.insert(
            name.clone(),
            proposed_attribute(attr, prior_attr(name), config_v),
        );
    }
    for (name, nested) in &schema.blocks {
        let config_v = config_attrs.get(name).cloned().unwrap_or(Value::Null);
        let prior_v = prior_attr(name);
        let v = if config_v.is_null() || !config_v.is_known() {
            config_v
        } else {
            proposed_nested(nested.nesting, &nested.block, prior_v, &config_v)
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out).mark_if(config_marked)
}

fn proposed_attribute(attr: &Attribute, prior: Option<&Value>, config: Value) -> Value {
    if !attr.computed || !config.is_null() {
        return config;
    }
    match (&attr.default, attr.optional) {
        (Some(default), true) => default.clone(),
        _ => prior.cloned().unwrap_or(Value::Null),
    }
}

fn proposed_nested(
    nesting: Nesting,
    block: &Block,
    prior: Option<&Value>,
    config: &Value,
) -> Value {
    let marked = config.is_sensitive();
    let out = match (nesting, config.unmarked()) {
        (Nesting::Single, _) => proposed_new_state(block, prior, config),
        (Nesting::List, Value::List(elems)) => {
            let prior_elems = prior.and_then(Value::as_elements).unwrap_or(&[]);
            Value::List(
                elems
                    .iter()
                    .enumerate()
                    .map(|(i, e)| proposed_new_state(block, prior_elems.get(i), e))
                    .collect(),
            )
        }
        (Nesting::Map, Value::Map(entries)) => {
            let prior_entries = prior.and_then(Value::as_entries);
            Value::Map(
                entries
                    .iter()
                    .map(|(k, e)| {
                        (
                            k.clone(),
                            proposed_new_state(block, prior_entries.and_then(|p| p.get(k)), e),
                        )
                    })
                    .collect(),
            )
        }
        (Nesting::Set, Value::Set(elems)) => {
            if !block.has_computed() {
                return config.clone();
            }
            let prior_elems = prior.and_then(Value::as_elements).unwrap_or(&[]);
            Value::set(
                elems
                    .iter()
                    .map(|e| {
                        let partner = prior_elems
                            .iter()
                            .find(|p| same_configured_values(block, p, e));
                        proposed_new_state(block, partner, e)
                    })
                    .collect(),
            )
        }
        _ => return config.clone(),
    };
    out.mark_if(marked)
}

/// True when two objects of `block` agree on every attribute configuration
/// can set (everything but computed-only attributes), nested blocks included.
fn same_configured_values(block: &Block, a: &Value, b: &Value) -> bool {
    let attrs_equal = block
        .attributes
        .iter()
        .filter(|(_, attr)| !attr.is_computed_only())
        .all(|(name, attr)| {
            let (x, y) = (a.get_attr(name), b.get_attr(name));
            if attr.computed && y.is_none_or(Value::is_null) {
                // An optional + computed attribute left unset matches anything.
                return true;
            }
            values_equal_opt(x, y)
        });
    attrs_equal
        && block.blocks.iter().all(|(name, nested)| {
            if nested.block.has_computed() {
                // Compare the configurable part element by element.
                match (
                    a.get_attr(name).map(Value::unmarked),
                    b.get_attr(name).map(Value::unmarked),
                ) {
                    (
                        Some(Value::List(x) | Value::Set(x)),
                        Some(Value::List(y) | Value::Set(y)),
                    ) => {
                        x.len() == y.len()
                            && x.iter()
                                .zip(y)
                                .all(|(p, q)| same_configured_values(&nested.block, p, q))
                    }
                    (Some(x @ Value::Object(_)), Some(y @ Value::Object(_))) => {
                        same_configured_values(&nested.block, x, y)
                    }
                    (x, y) => values_equal_opt(x, y),
                }
            } else {
                values_equal_opt(a.get_attr(name), b.get_attr(name))
            }
        })
}

/// Terraform's default planning for a managed resource.
///
/// - destroy (`proposed` null): plans null, no replacement;
/// - create (`prior` `None` or null): every computed attribute that is null in
///   `proposed` becomes `Value::Unknown` of its type ("known after apply"),
///   in nested blocks too;
/// - update: every `force_new` attribute whose value differs between prior
///   and proposed (ignoring sensitive marks; an unknown proposed value counts
///   as a change) is returned as a requires-replace path. When there are
///   any, the plan describes the replacement object: computed-only
///   attributes become unknown again, as do optional + computed attributes
///   left null. Otherwise computed attributes keep their prior values, and
///   nested blocks new in this plan get unknowns for their computed
///   attributes.
///
/// Returns the planned state and the requires-replace paths (sorted).
///
/// Optional + computed attributes: `proposed` cannot tell "set in
/// configuration to the prior value" from "left null and kept from prior",
/// so on replacement such attributes keep their proposed value. Providers
/// that need to re-compute them should use
/// [`PlanChangeRequest::config`](crate::PlanChangeRequest) in their own planning.
pub fn plan_resource(
    schema: &Schema,
    prior: Option<&Value>,
    proposed: &Value,
) -> (Value, Vec<AttrPath>) {
    if proposed.is_null() {
        return (Value::Null, Vec::new());
    }
    let prior = prior.filter(|p| !p.is_null());
    let Some(prior) = prior else {
        return (fill_unknowns(&schema.block, proposed, None), Vec::new());
    };
    let mut replace = Vec::new();
    force_new_changes(
        &schema.block,
        Some(prior),
        Some(proposed),
        &AttrPath::root(),
        &mut replace,
    );
    replace.sort();
    replace.dedup();
    if replace.is_empty() {
        (fill_unknowns(&schema.block, proposed, Some(prior)), replace)
    } else {
        (computed_unknown(&schema.block, proposed), replace)
    }
}

/// Sets computed attributes that are null in `value` to unknown, where the
/// object (or nested element) has no prior counterpart.
fn fill_unknowns(block: &Block, value: &Value, prior: Option<&Value>) -> Value {
    let marked = value.is_sensitive();
    let Value::Object(attrs) = value.unmarked() else {
        return value.clone();
    };
    let prior = prior.filter(|p| !p.is_null());
    let mut out = attrs.clone();
    if prior.is_none() {
        for (name, attr) in &block.attributes {
            if attr.computed && out.get(name).is_none_or(Value::is_null) {
                out.insert(name.clone(), Value::Unknown(attr.ty.clone()));
            }
        }
    }
    for (name, nested) in &block.blocks {
        let Some(v) = out.get(name) else { continue };
        let prior_v = prior.and_then(|p| p.get_attr(name));
        let new_v = map_nested(nested.nesting, v, prior_v, |e, p| {
            fill_unknowns(&nested.block, e, p)
        });
        out.insert(name.clone(), new_v);
    }
    Value::Object(out).mark_if(marked)
}

/// For a replacement: computed-only attributes (and optional + computed ones
/// left null) become unknown, recursively.
fn computed_unknown(block: &Block, value: &Value) -> Value {
    let marked = value.is_sensitive();
    let Value::Object(attrs) = value.unmarked() else {
        return value.clone();
    };
    let mut out = attrs.clone();
    for (name, attr) in &block.attributes {
        let null = out.get(name).is_none_or(Value::is_null);
        if attr.is_computed_only() || (attr.computed && null) {
            out.insert(name.clone(), Value::Unknown(attr.ty.clone()));
        }
    }
    for (name, nested) in &block.blocks {
        let Some(v) = out.get(name) else { continue };
        let new_v = map_nested(nested.nesting, v, None, |e, _| {
            computed_unknown(&nested.block, e)
        });
        out.insert(name.clone(), new_v);
    }
    Value::Object(out).mark_if(marked)
}

/// Applies `f(element, prior_element)` to every element of a nested block value.
fn map_nested(
    nesting: Nesting,
    value: &Value,
    prior: Option<&Value>,
    f: impl Fn(&Value, Option<&Value>) -> Value,
) -> Value {
    let marked = value.is_sensitive();
    let out = match (nesting, value.unmarked()) {
        (_, Value::Null | Value::Unknown(_)) => return value.clone(),
        (Nesting::Single, _) => f(value, prior),
        (_, Value::List(elems)) => {
            let prior_elems = prior.and_then(Value::as_elements).unwrap_or(&[]);
            Value::List(
                elems
                    .iter()
                    .enumerate()
                    .map(|(i, e)| f(e, prior_elems.get(i)))
                    .collect(),
            )
        }
        (_, Value::Set(elems)) => {
            let prior_elems = prior.and_then(Value::as_elements).unwrap_or(&[]);
            let partner = |e: &Value| prior_elems.iter().find(|p| values_equal(p, e));
            Value::set(elems.iter().map(|e| f(e, partner(e))).collect())
        }
        (_, Value::Map(entries)) => {
            let prior_entries = prior.and_then(Value::as_entries);
            Value::Map(
                entries
                    .iter()
                    .map(|(k, e)| (k.clone(), f(e, prior_entries.and_then(|p| p.get(k)))))
                    .collect(),
            )
        }
        _ => return value.clone(),
    };
    out.mark_if(marked)
}

/// Collects the paths of `force_new` attributes that differ between two
/// objects of `block` (either may be absent: a nested element added or removed).
fn force_new_changes(
    block: &Block,
    prior: Option<&Value>,
    new: Option<&Value>,
    path: &AttrPath,
    out: &mut Vec<AttrPath>,
) {
    let prior = prior.filter(|v| !v.is_null());
    let new = new.filter(|v| !v.is_null());
    for (name, attr) in &block.attributes {
        if !attr.force_new {
            continue;
        }
        let (p, n) = (
            prior.and_then(|v| v.get_attr(name)),
            new.and_then(|v| v.get_attr(name)),
        );
        if !values_equal_opt(p, n) {
            out.push(path.join(PathStep::Attr(name.clone())));
        }
    }
    for (name, nested) in &block.blocks {
        if !nested.block.has_force_new() {
            continue;
        }
        let here = path.join(PathStep::Attr(name.clone()));
        let p = prior
            .and_then(|v| v.get_attr(name))
            .filter(|v| !v.is_null());
        let n = new.and_then(|v| v.get_attr(name)).filter(|v| !v.is_null());
        if n.is_some_and(|v| !v.is_wholly_known()) && !values_equal_opt(p, n) {
            out.push(here);
            continue;
        }
        match nested.nesting {
            Nesting::Single => force_new_changes(&nested.block, p, n, &here, out),
            Nesting::List => {
                let (pe, ne) = (
                    p.and_then(Value::as_elements).unwrap_or(&[]),
                    n.and_then(Value::as_elements).unwrap_or(&[]),
                );
                for i in 0..pe.len().max(ne.len()) {
                    force_new_changes(
                        &nested.block,
                        pe.get(i),
                        ne.get(i),
                        &here.join(index_step(i)),
                        out,
                    );
                }
            }
            Nesting::Map => {
                let empty = BTreeMap::new();
                let pm = p.and_then(Value::as_entries).unwrap_or(&empty);
                let nm = n.and_then(Value::as_entries).unwrap_or(&empty);
                let keys: std::collections::BTreeSet<&String> =
                    pm.keys().chain(nm.keys()).collect();
                for k in keys {
                    force_new_changes(
                        &nested.block,
                        pm.get(k),
                        nm.get(k),
                        &here.join(PathStep::Key(k.clone())),
                        out,
                    );
                }
            }
            Nesting::Set => {
                // Set elements have no stable identity: any difference in the
                // force-new part of the set replaces the object.
                let mut changed = Vec::new();
                let pe = p.and_then(Value::as_elements).unwrap_or(&[]);
                let ne = n.and_then(Value::as_elements).unwrap_or(&[]);
                let unmatched = |a: &[Value], b: &[Value], changed: &mut Vec<AttrPath>| {
                    a.iter().any(|x| {
                        !b.iter().any(|y| {
                            changed.clear();
                            force_new_changes(&nested.block, Some(x), Some(y), &here, changed);
                            changed.is_empty()
                        })
                    })
                };
                if unmatched(pe, ne, &mut changed) || unmatched(ne, pe, &mut changed) {
                    out.push(here);
                }
            }
        }
    }
}

/// Equality that ignores sensitive marks. Unknowns equal nothing but an
/// unknown of the same type.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a.unmarked(), b.unmarked()) {
        (Value::List(x), Value::List(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp == kq && values_equal(p, q))
        }
        (x, y) => x == y,
    }
}

/// [`values_equal`] where an absent value counts as null.
fn values_equal_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    values_equal(a.unwrap_or(&Value::Null), b.unwrap_or(&Value::Null))
}
