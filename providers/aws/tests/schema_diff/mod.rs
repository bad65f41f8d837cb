//! Compares a gitform schema block with hashicorp/aws's, as printed by
//! `terraform providers schema -json`: names, types, required / optional /
//! computed / sensitive shape, nesting and max_items. Shared by the
//! schema fixture tests.

use gitform_provider::{Block, Nesting};
use gitform_value::json::type_from_json;
use serde_json::Value as Json;

/// Attributes users never set that SDKv2 declares optional + computed;
/// gitform declares them computed only.
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

/// Every difference between a hashicorp/aws block and ours.
pub fn compare(path: &str, tf: &Json, ours: &Block, out: &mut Vec<String>) {
    let empty = serde_json::Map::new();
    let tf_attrs = tf["attributes"].as_object().unwrap_or(&empty);
    let tf_blocks = tf["block_types"].as_object().unwrap_or(&empty);
    for (name, a) in tf_attrs {
        let at = format!("{path}.{name}");
        let want = type_from_json(&a["type"]).expect("fixture type");
        let Some(mine) = ours.attributes.get(name) else {
            out.push(format!("{at}: missing"));
            continue;
        };
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
        // An SDKv2 `Default` shows as optional only; a gitform default
        // makes the attribute optional + computed.
        let computed_ok = mine.computed == flag(a, "computed") || mine.default.is_some();
        if !computed_ok {
            out.push(format!(
                "{at}: computed {} (hashicorp: {})",
                mine.computed,
                flag(a, "computed")
            ));
        }
        if mine.sensitive != flag(a, "sensitive") {
            out.push(format!(
                "{at}: sensitive {} (hashicorp: {})",
                mine.sensitive,
                flag(a, "sensitive")
            ));
        }
    }
    for name in ours.attributes.keys() {
        if !tf_attrs.contains_key(name) {
            out.push(format!("{path}.{name}: not in hashicorp/aws"));
        }
    }
    for (name, b) in tf_blocks {
        let at = format!("{path}.{name}");
        let Some(mine) = ours.blocks.get(name) else {
            out.push(format!("{at}: block missing"));
            continue;
        };
        let mode = b["nesting_mode"].as_str().unwrap_or("");
        if mine.nesting != nesting(mode) {
            out.push(format!(
                "{at}: nesting {:?} (hashicorp: {mode})",
                mine.nesting
            ));
        }
        let max = b.get("max_items").and_then(Json::as_u64).unwrap_or(0);
        if mine.max_items != max {
            out.push(format!(
                "{at}: max_items {} (hashicorp: {max})",
                mine.max_items
            ));
        }
        compare(&at, &b["block"], &mine.block, out);
    }
    for name in ours.blocks.keys() {
        if !tf_blocks.contains_key(name) {
            out.push(format!("{path}.{name}: block not in hashicorp/aws"));
        }
    }
}
