//! Schema-level checks of a configuration value, shared by providers (the
//! default [`Provider::validate_config`](crate::Provider::validate_config))
//! and the engine.

use crate::schema::{index_step, Block, Nesting};
use gitform_value::{AttrPath, Diagnostic, PathStep, Value};

/// Checks `config` (an object of `block`'s shape, possibly with unknowns)
/// against the schema: required arguments present, computed-only attributes
/// not set, no arguments the schema does not know, nested block counts within
/// `min_items`/`max_items`, and a warning for each deprecated argument set.
///
/// Every diagnostic has `attr_path` set. Unknown values pass every check.
/// Types are not checked: the engine converts configuration to
/// [`Block::implied_type`] before calling providers.
pub fn validate_config_against_schema(block: &Block, config: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    validate_block(block, config, &AttrPath::root(), &mut out);
    out
}

fn validate_block(block: &Block, config: &Value, path: &AttrPath, out: &mut Vec<Diagnostic>) {
    let Some(attrs) = config.as_entries() else {
        return;
    };
    if !config.is_known() {
        return;
    }
    for name in attrs.keys() {
        if !block.attributes.contains_key(name) && !block.blocks.contains_key(name) {
            out.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!("An argument named \"{name}\" is not expected here."),
                )
                .with_attr_path(path.join(PathStep::Attr(name.clone()))),
            );
        }
    }
    for (name, attr) in &block.attributes {
        let here = path.join(PathStep::Attr(name.clone()));
        let v = attrs.get(name).unwrap_or(&Value::Null);
        let is_null = v.is_null() && v.is_known();
        if attr.required && is_null {
            out.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("The argument \"{name}\" is required, but no definition was found."),
                )
                .with_attr_path(here),
            );
        } else if attr.is_computed_only() && !is_null {
            out.push(
                Diagnostic::error(
                    "Value for unconfigurable attribute",
                    format!(
                        "Can't configure a value for \"{name}\": its value will be decided automatically based on the result of applying this configuration."
                    ),
                )
                .with_attr_path(here),
            );
        } else if let (Some(msg), false) = (&attr.deprecated, is_null) {
            out.push(
                Diagnostic::warning("Argument is deprecated", msg.clone()).with_attr_path(here),
            );
        }
    }
    for (name, nested) in &block.blocks {
        let here = path.join(PathStep::Attr(name.clone()));
        let v = attrs.get(name).unwrap_or(&Value::Null);
        if !v.is_known() {
            continue;
        }
        let count = match (nested.nesting, v.unmarked()) {
            (_, Value::Null) => 0,
            (Nesting::Single, _) => 1,
            (_, Value::List(e) | Value::Set(e) | Value::Tuple(e)) => e.len(),
            (_, Value::Map(m) | Value::Object(m)) => m.len(),
            _ => 0,
        };
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        if count < nested.min_items {
            let (n, s) = (
                nested.min_items,
                if nested.min_items == 1 { "" } else { "s" },
            );
            out.push(
                Diagnostic::error(
                    format!("Insufficient {name} blocks"),
                    format!("At least {n} \"{name}\" block{s} are required."),
                )
                .with_attr_path(here.clone()),
            );
        }
        if nested.max_items > 0 && count > nested.max_items {
            let (n, s) = (
                nested.max_items,
                if nested.max_items == 1 { "" } else { "s" },
            );
            out.push(
                Diagnostic::error(
                    format!("Too many {name} blocks"),
                    format!("No more than {n} \"{name}\" block{s} are allowed."),
                )
                .with_attr_path(here.clone()),
            );
        }
        match v.unmarked() {
            Value::List(e) | Value::Set(e) | Value::Tuple(e) => {
                for (i, el) in e.iter().enumerate() {
                    validate_block(&nested.block, el, &here.join(index_step(i)), out);
                }
            }
            Value::Map(m) if nested.nesting == Nesting::Map => {
                for (k, el) in m {
                    validate_block(&nested.block, el, &here.join(PathStep::Key(k.clone())), out);
                }
            }
            Value::Object(_) => validate_block(&nested.block, v, &here, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};
    use gitform_value::Type;

    fn schema() -> Block {
        Block::new()
            .attr("name", Attribute::required(Type::String))
            .attr("id", Attribute::computed(Type::String))
            .attr(
                "old",
                Attribute::optional(Type::String).deprecate("Use \"name\" instead."),
            )
            .block(
                "rule",
                NestedBlock::list(Block::new().attr("port", Attribute::required(Type::Number)))
                    .max_items(1),
            )
    }

    /// Expected diagnostics: (summary, attribute path).
    type Expected = Vec<(&'static str, &'static str)>;

    #[test]
    fn table() {
        let rule = |port: Value| Value::object([("port", port)]);
        let cases: Vec<(&str, Value, Expected)> = vec![
            ("valid", Value::object([("name", Value::from("a"))]), vec![]),
            (
                "unknown name is fine",
                Value::object([("name", Value::unknown())]),
                vec![],
            ),
            (
                "missing required",
                Value::object([("name", Value::Null)]),
                vec![("Missing required argument", "name")],
            ),
            (
                "computed set",
                Value::object([("name", Value::from("a")), ("id", Value::from("x"))]),
                vec![("Value for unconfigurable attribute", "id")],
            ),
            (
                "unsupported",
                Value::object([("name", Value::from("a")), ("nope", Value::from("x"))]),
                vec![("Unsupported argument", "nope")],
            ),
            (
                "deprecated",
                Value::object([("name", Value::from("a")), ("old", Value::from("x"))]),
                vec![("Argument is deprecated", "old")],
            ),
            (
                "too many blocks and nested missing",
                Value::object([
                    ("name", Value::from("a")),
                    (
                        "rule",
                        Value::List(vec![rule(Value::int(1)), rule(Value::Null)]),
                    ),
                ]),
                vec![
                    ("Too many rule blocks", "rule"),
                    ("Missing required argument", "rule[1].port"),
                ],
            ),
            ("unknown config", Value::unknown(), vec![]),
        ];
        for (name, config, want) in cases {
            let got: Vec<(String, String)> = validate_config_against_schema(&schema(), &config)
                .into_iter()
                .map(|d| {
                    (
                        d.summary,
                        d.attr_path.map(|p| p.to_string()).unwrap_or_default(),
                    )
                })
                .collect();
            let want: Vec<(String, String)> = want
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }
}
