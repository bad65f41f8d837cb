//! The security and compute schemas match hashicorp/aws 5.100 (the fixture
//! is its `terraform providers schema -json` for these types): the same
//! attribute and block names, types and required / optional / computed
//! shape, apart from the deliberate differences listed here.

mod schema_diff;

use schema_diff::compare;
use serde_json::Value as Json;

const FIXTURE: &str = include_str!("fixtures/hashicorp_aws_5.100_compute_security_schema.json");

#[test]
fn security_and_compute_schemas_match_hashicorp_aws() {
    let fixture: Json = serde_json::from_str(FIXTURE).expect("fixture");
    let schema = gitform_aws::provider().schema();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (kind, ours) in [
        ("resource_schemas", &schema.resources),
        ("data_source_schemas", &schema.data_sources),
    ] {
        for (type_name, tf) in fixture[kind].as_object().expect("types") {
            let Some(mine) = ours.get(type_name) else {
                problems.push(format!("{kind}.{type_name}: not offered"));
                continue;
            };
            checked += 1;
            let version = tf["version"].as_u64().unwrap_or(0);
            if mine.version != version {
                problems.push(format!(
                    "{type_name}: schema version {} (hashicorp: {version})",
                    mine.version
                ));
            }
            compare(type_name, &tf["block"], &mine.block, &mut problems);
        }
    }
    assert_eq!(checked, 11);
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
