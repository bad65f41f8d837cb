//! Data-driven tests of `proposed_new_state` and `plan_resource`.

use gitform_provider::{plan_resource, proposed_new_state, Attribute, Block, NestedBlock, Schema};
use gitform_value::{Type, Value};

fn schema() -> Schema {
    Schema::new(
        Block::new()
            .attr("name", Attribute::required(Type::String))
            .attr("zone", Attribute::optional(Type::String).force_new())
            .attr(
                "secret",
                Attribute::optional(Type::String).sensitive().force_new(),
            )
            .attr("id", Attribute::computed(Type::String))
            .attr("arn", Attribute::computed(Type::String))
            .attr("size", Attribute::optional_computed(Type::Number))
            .attr(
                "mode",
                Attribute::optional(Type::String).with_default(Value::from("fast")),
            )
            .block(
                "rule",
                NestedBlock::list(
                    Block::new()
                        .attr("port", Attribute::required(Type::Number).force_new())
                        .attr("rule_id", Attribute::computed(Type::String)),
                ),
            )
            .block(
                "tag",
                NestedBlock::set(Block::new().attr("key", Attribute::required(Type::String))),
            ),
    )
}

/// An object of the test schema: every attribute null, `rule` and `tag`
/// empty, then `pairs` applied.
fn obj(pairs: &[(&str, Value)]) -> Value {
    let Value::Object(mut m) = schema().block.null_object() else {
        unreachable!()
    };
    for (k, v) in pairs {
        m.insert((*k).to_string(), v.clone());
    }
    Value::Object(m)
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn unknown_string() -> Value {
    Value::Unknown(Type::String)
}

fn rule(port: i64, rule_id: Value) -> Value {
    Value::object([("port", Value::int(port)), ("rule_id", rule_id)])
}

/// A state as created: name "a", ids set, size 3, mode "fast".
fn existing(extra: &[(&str, Value)]) -> Value {
    let mut pairs = vec![
        ("name", s("a")),
        ("id", s("i-1")),
        ("arn", s("arn:1")),
        ("size", Value::int(3)),
        ("mode", s("fast")),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

struct Case {
    name: &'static str,
    prior: Option<Value>,
    config: Value,
    proposed: Value,
    planned: Value,
    replace: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "create fills computed with unknown and applies defaults",
            prior: None,
            config: obj(&[("name", s("a"))]),
            proposed: obj(&[("name", s("a")), ("mode", s("fast"))]),
            planned: obj(&[
                ("name", s("a")),
                ("mode", s("fast")),
                ("id", unknown_string()),
                ("arn", unknown_string()),
                ("size", Value::Unknown(Type::Number)),
            ]),
            replace: &[],
        },
        Case {
            name: "no-op keeps computed values",
            prior: Some(existing(&[])),
            config: obj(&[("name", s("a"))]),
            proposed: existing(&[]),
            planned: existing(&[]),
            replace: &[],
        },
        Case {
            name: "in-place update",
            prior: Some(existing(&[])),
            config: obj(&[("name", s("b"))]),
            proposed: existing(&[("name", s("b"))]),
            planned: existing(&[("name", s("b"))]),
            replace: &[],
        },
        Case {
            name: "optional+computed set in config wins",
            prior: Some(existing(&[])),
            config: obj(&[("name", s("a")), ("size", Value::int(5))]),
            proposed: existing(&[("size", Value::int(5))]),
            planned: existing(&[("size", Value::int(5))]),
            replace: &[],
        },
        Case {
            name: "default re-applied when config drops the argument",
            prior: Some(existing(&[("mode", s("slow"))])),
            config: obj(&[("name", s("a"))]),
            proposed: existing(&[]),
            planned: existing(&[]),
            replace: &[],
        },
        Case {
            name: "force-new change replaces and re-computes",
            prior: Some(existing(&[("zone", s("z1"))])),
            config: obj(&[("name", s("a")), ("zone", s("z2"))]),
            proposed: existing(&[("zone", s("z2"))]),
            planned: existing(&[
                ("zone", s("z2")),
                ("id", unknown_string()),
                ("arn", unknown_string()),
            ]),
            replace: &["zone"],
        },
        Case {
            name: "unknown config value is carried into the plan",
            prior: Some(existing(&[])),
            config: obj(&[("name", unknown_string())]),
            proposed: existing(&[("name", unknown_string())]),
            planned: existing(&[("name", unknown_string())]),
            replace: &[],
        },
        Case {
            name: "unknown force-new value replaces",
            prior: Some(existing(&[("zone", s("z1"))])),
            config: obj(&[("name", s("a")), ("zone", unknown_string())]),
            proposed: existing(&[("zone", unknown_string())]),
            planned: existing(&[
                ("zone", unknown_string()),
                ("id", unknown_string()),
                ("arn", unknown_string()),
            ]),
            replace: &["zone"],
        },
        Case {
            name: "sensitive marks do not count as a change",
            prior: Some(existing(&[("secret", s("pw"))])),
            config: obj(&[("name", s("a")), ("secret", s("pw").sensitive())]),
            proposed: existing(&[("secret", s("pw").sensitive())]),
            planned: existing(&[("secret", s("pw").sensitive())]),
            replace: &[],
        },
        Case {
            name: "nested block created gets unknown computed",
            prior: None,
            config: obj(&[
                ("name", s("a")),
                ("rule", Value::List(vec![rule(80, Value::Null)])),
            ]),
            proposed: obj(&[
                ("name", s("a")),
                ("mode", s("fast")),
                ("rule", Value::List(vec![rule(80, Value::Null)])),
            ]),
            planned: obj(&[
                ("name", s("a")),
                ("mode", s("fast")),
                ("id", unknown_string()),
                ("arn", unknown_string()),
                ("size", Value::Unknown(Type::Number)),
                ("rule", Value::List(vec![rule(80, unknown_string())])),
            ]),
            replace: &[],
        },
        Case {
            name: "nested block keeps computed by index",
            prior: Some(existing(&[("rule", Value::List(vec![rule(80, s("r1"))]))])),
            config: obj(&[
                ("name", s("b")),
                ("rule", Value::List(vec![rule(80, Value::Null)])),
            ]),
            proposed: existing(&[
                ("name", s("b")),
                ("rule", Value::List(vec![rule(80, s("r1"))])),
            ]),
            planned: existing(&[
                ("name", s("b")),
                ("rule", Value::List(vec![rule(80, s("r1"))])),
            ]),
            replace: &[],
        },
        Case {
            name: "nested force-new change replaces at its path",
            prior: Some(existing(&[("rule", Value::List(vec![rule(80, s("r1"))]))])),
            config: obj(&[
                ("name", s("a")),
                (
                    "rule",
                    Value::List(vec![rule(80, Value::Null), rule(443, Value::Null)]),
                ),
            ]),
            proposed: existing(&[(
                "rule",
                Value::List(vec![rule(80, s("r1")), rule(443, Value::Null)]),
            )]),
            planned: existing(&[
                ("id", unknown_string()),
                ("arn", unknown_string()),
                (
                    "rule",
                    Value::List(vec![
                        rule(80, unknown_string()),
                        rule(443, unknown_string()),
                    ]),
                ),
            ]),
            replace: &["rule[1].port"],
        },
        Case {
            name: "set blocks without computed attributes are taken from config",
            prior: Some(existing(&[(
                "tag",
                Value::set(vec![Value::object([("key", s("x"))])]),
            )])),
            config: obj(&[
                ("name", s("a")),
                ("tag", Value::set(vec![Value::object([("key", s("y"))])])),
            ]),
            proposed: existing(&[("tag", Value::set(vec![Value::object([("key", s("y"))])]))]),
            planned: existing(&[("tag", Value::set(vec![Value::object([("key", s("y"))])]))]),
            replace: &[],
        },
    ]
}

#[test]
fn proposed_and_planned_states() {
    let schema = schema();
    for case in cases() {
        let proposed = proposed_new_state(&schema.block, case.prior.as_ref(), &case.config);
        assert_eq!(proposed, case.proposed, "proposed: {}", case.name);
        let (planned, replace) = plan_resource(&schema, case.prior.as_ref(), &proposed);
        assert_eq!(planned, case.planned, "planned: {}", case.name);
        let replace: Vec<String> = replace.iter().map(|p| p.to_string()).collect();
        assert_eq!(replace, case.replace, "requires_replace: {}", case.name);
    }
}

#[test]
fn destroy_and_unknown_config_pass_through() {
    let schema = schema();
    let prior = existing(&[]);
    assert_eq!(
        proposed_new_state(&schema.block, Some(&prior), &Value::Null),
        Value::Null
    );
    assert_eq!(
        plan_resource(&schema, Some(&prior), &Value::Null),
        (Value::Null, vec![])
    );
    let unknown = Value::Unknown(schema.block.implied_type());
    assert_eq!(
        proposed_new_state(&schema.block, Some(&prior), &unknown),
        unknown
    );
}

#[test]
fn set_blocks_with_computed_attributes_pair_with_prior() {
    let schema = Schema::new(
        Block::new().block(
            "ingress",
            NestedBlock::set(
                Block::new()
                    .attr("port", Attribute::required(Type::Number))
                    .attr("rule_id", Attribute::computed(Type::String)),
            ),
        ),
    );
    let elem = |port: i64, id: Value| Value::object([("port", Value::int(port)), ("rule_id", id)]);
    let prior = Value::object([(
        "ingress",
        Value::set(vec![elem(80, s("r80")), elem(22, s("r22"))]),
    )]);
    let config = Value::object([(
        "ingress",
        Value::set(vec![elem(80, Value::Null), elem(443, Value::Null)]),
    )]);
    let proposed = proposed_new_state(&schema.block, Some(&prior), &config);
    assert_eq!(
        proposed,
        Value::object([(
            "ingress",
            Value::set(vec![elem(80, s("r80")), elem(443, Value::Null)])
        )])
    );
    let (planned, replace) = plan_resource(&schema, Some(&prior), &proposed);
    assert!(replace.is_empty());
    assert_eq!(
        planned,
        Value::object([(
            "ingress",
            Value::set(vec![elem(80, s("r80")), elem(443, unknown_string())])
        )])
    );
}
