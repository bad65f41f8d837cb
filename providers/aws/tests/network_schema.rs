//! The networking schemas match hashicorp/aws 5.100 (the fixture is its
//! `terraform providers schema -json` for these types): the same attribute
//! and block names, the same types, and the same required / optional /
//! computed shape, with the deliberate differences listed below.

mod schema_diff;

use schema_diff::compare;
use serde_json::Value as Json;

const FIXTURE: &str = include_str!("fixtures/hashicorp_aws_5.100_network_schema.json");

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
