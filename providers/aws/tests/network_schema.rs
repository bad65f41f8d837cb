//! The networking schemas match hashicorp/aws 5.100 (the fixture is its
//! `terraform providers schema -json` for these types): the same attribute
//! and block names, the same types, and the same required / optional /
//! computed shape, with the deliberate differences listed below.

use gitform_provider::{Block, Nesting};
use gitform_value::json::type_from_json;
use serde_json::Value as Json;

const FIXTURE: &str = include_str!("fixtures/hashicorp_aws_5.100_network_schema.json");

/// Attributes users never set, which SDKv2 declares optional + computed for
/// legacy reasons; gitform declares them computed only.
const COMPUTED_ONLY: [&str; 2] = ["id", "tags_all"];

fn flag(j: &Json, name: &str) -> bool {
    j.get(name).and_then(Json::as_bool).unwrap_or(false)
}

fn nesting(mode: &str) -> Nesting {
    match mode {
        "single" | "group" => Nesting::Single,
        "list" => Nesting::List,
        "set" => Nesting::Set,
        _ => Nesting::Map,
    }
}

/// Compares one block; returns every mismatch, prefixed with `path`.
fn compare(path: &str, tf: &Json, ours: &Block, out: &mut Vec<String>) {
    let empty = serde_json::Map::new();
    let tf_attrs = tf["attributes"].as_object().unwrap_or(&empty);
    let tf_blocks = tf["block_types"].as_object().unwrap_or(&empty);
    for (name, a) in tf_attrs {
        let want = type_from_json(&a["type"]).expect("fixture type");
        let at = format!("{path}.{name}");
        if let Some(mine) = ours.attributes.get(name) {
            if mine.ty != want {
                out.push(format!("{at}: type {} (hashicorp: {want})", mine.ty));
            }
            if mine.required != flag(a, "required") {
                out.push(format!(
                    "{at}: required {} (hashicorp: {})",
                    mine.required,
                    flag(a, "required")
                ));
            }
            let optional_ok = mine.optional == flag(a, "optional")
                || (COMPUTED_ONLY.contains(&name.as_str()) && !mine.optional);
            if !optional_ok {
                out.push(format!(
                    "{at}: optional {} (hashicorp: {})",
                    mine.optional,
                    flag(a, "optional")
                ));
            }
            // An SDKv2 `Default` shows as optional only; gitform's default
            // makes it optional + computed.
            let computed_ok = mine.computed == flag(a, "computed") || mine.default.is_some();
            if !computed_ok {
                out.push(format!(
                    "{at}: computed {} (hashicorp: {})",
                    mine.computed,
                    flag(a, "computed")
                ));
            }
        } else {
            out.push(format!("{at}: missing"));
        }
    }
    for (name, b) in tf_blocks {
        let at = format!("{path}.{name}");
        let Some(mine) = ours.blocks.get(name) else {
            out.push(format!("{at}: missing block"));
            continue;
        };
        let mode = b["nesting_mode"].as_str().unwrap_or("");
        if mine.nesting != nesting(mode) {
            out.push(format!(
                "{at}: nesting {:?} (hashicorp: {mode})",
                mine.nesting
            ));
        }
        compare(&at, &b["block"], &mine.block, out);
    }
    for name in ours.attributes.keys().chain(ours.blocks.keys()) {
        if !tf_attrs.contains_key(name) && !tf_blocks.contains_key(name) {
            out.push(format!("{path}.{name}: not in hashicorp/aws"));
        }
    }
}

#[test]
fn networking_schemas_match_hashicorp_aws() {
    let fixture: Json = serde_json::from_str(FIXTURE).expect("fixture JSON");
    let schema = gitform_aws::provider().schema();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (kind, ours) in [
        ("resource_schemas", &schema.resources),
        ("data_source_schemas", &schema.data_sources),
    ] {
        for (type_name, tf) in fixture[kind].as_object().expect("types") {
            let Some(mine) = ours.get(type_name) else {
                problems.push(format!("{kind} {type_name}: not offered"));
                continue;
            };
            compare(type_name, tf, &mine.block, &mut problems);
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_comparison_catches_differences() {
    let mut fixture: Json = serde_json::from_str(FIXTURE).expect("fixture JSON");
    let vpc = &mut fixture["resource_schemas"]["aws_vpc"];
    vpc["attributes"]["cidr_block"]["type"] = Json::from("number");
    vpc["attributes"]["owner_id"]["optional"] = Json::from(true);
    vpc["attributes"].as_object_mut().unwrap().insert(
        "made_up".into(),
        serde_json::json!({"type": "string", "optional": true}),
    );
    vpc["attributes"].as_object_mut().unwrap().remove("arn");
    let schema = gitform_aws::provider().schema();
    let mut problems = Vec::new();
    compare(
        "aws_vpc",
        vpc,
        &schema.resources["aws_vpc"].block,
        &mut problems,
    );
    problems.sort();
    assert_eq!(
        problems,
        [
            "aws_vpc.arn: not in hashicorp/aws",
            "aws_vpc.cidr_block: type string (hashicorp: number)",
            "aws_vpc.made_up: missing",
            "aws_vpc.owner_id: optional false (hashicorp: true)",
        ]
    );
}
