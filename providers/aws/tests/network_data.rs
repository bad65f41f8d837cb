//! The aws_availability_zones, aws_vpc and aws_subnets data sources
//! against moto, compared with the test's own EC2 client.

mod support;

use gitform_provider::ReadDataRequest;
use gitform_value::Value;
use support::*;

fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get_attr(name)
        .and_then(Value::as_elements)
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn availability_zones() {
    let Some(env) = env_with("availability_zones", Setup::NETWORK).await else {
        return;
    };
    let own: Vec<String> = {
        let mut z: Vec<String> = env
            .ec2
            .describe_availability_zones()
            .send()
            .await
            .expect("DescribeAvailabilityZones")
            .availability_zones()
            .iter()
            .filter_map(|z| z.zone_name().map(str::to_string))
            .collect();
        z.sort();
        z
    };
    assert!(own.len() >= 2);
    let all = env
        .read_data(
            "aws_availability_zones",
            &env.config("aws_availability_zones", &[("state", s("available"))]),
        )
        .await;
    assert_eq!(strings(&all, "names"), own);
    assert_eq!(strings(&all, "zone_ids").len(), own.len());
    assert_eq!(all.get_attr("id"), Some(&s("us-east-1")));
    let fewer = env
        .read_data(
            "aws_availability_zones",
            &env.config(
                "aws_availability_zones",
                &[("exclude_names", Value::set(vec![s(&own[0])]))],
            ),
        )
        .await;
    assert_eq!(strings(&fewer, "names"), own[1..].to_vec());
}

#[tokio::test]
async fn vpc_and_subnets_lookups() {
    let Some(env) = env_with("vpc_and_subnets_lookups", Setup::NETWORK).await else {
        return;
    };
    let vpc = env
        .create(
            "aws_vpc",
            &env.config(
                "aws_vpc",
                &[
                    ("cidr_block", s("10.70.0.0/16")),
                    ("enable_dns_hostnames", Value::Bool(true)),
                    ("tags", map(&[("Name", "lookup"), ("Env", "test")])),
                ],
            ),
        )
        .await;
    let vpc_id = attr(&vpc, "id").to_string();
    let mut subnet_ids = Vec::new();
    for (i, tier) in [(1, "public"), (2, "public"), (3, "private")] {
        let sub = env
            .create(
                "aws_subnet",
                &env.config(
                    "aws_subnet",
                    &[
                        ("vpc_id", s(&vpc_id)),
                        ("cidr_block", s(&format!("10.70.{i}.0/24"))),
                        ("tags", map(&[("Tier", tier)])),
                    ],
                ),
            )
            .await;
        subnet_ids.push((tier, attr(&sub, "id").to_string()));
    }

    // By tags.
    let found = env
        .read_data(
            "aws_vpc",
            &env.data_config("aws_vpc", &[("tags", map(&[("Name", "lookup")]))]),
        )
        .await;
    assert_eq!(found.get_attr("id"), Some(&s(&vpc_id)));
    assert_eq!(found.get_attr("cidr_block"), Some(&s("10.70.0.0/16")));
    assert_eq!(
        found.get_attr("enable_dns_hostnames"),
        Some(&Value::Bool(true))
    );
    assert_eq!(
        found.get_attr("main_route_table_id"),
        vpc.get_attr("main_route_table_id")
    );
    assert_eq!(found.get_attr("arn"), vpc.get_attr("arn"));
    assert_eq!(
        found.get_attr("tags"),
        Some(&map(&[
            ("Env", "test"),
            ("Name", "lookup"),
            ("Suite", "network")
        ]))
    );
    // By id, and the default VPC by `default = true`.
    let by_id = env
        .read_data(
            "aws_vpc",
            &env.data_config("aws_vpc", &[("id", s(&vpc_id))]),
        )
        .await;
    assert_eq!(by_id.get_attr("cidr_block"), Some(&s("10.70.0.0/16")));
    let default = env
        .read_data(
            "aws_vpc",
            &env.data_config("aws_vpc", &[("default", Value::Bool(true))]),
        )
        .await;
    assert_eq!(default.get_attr("cidr_block"), Some(&s("172.31.0.0/16")));

    // No match, and too many matches, are errors that say so.
    for (config, says) in [
        (
            env.data_config("aws_vpc", &[("tags", map(&[("Name", "nothing")]))]),
            "no matching EC2 VPC found",
        ),
        (env.data_config("aws_vpc", &[]), "multiple EC2 VPCs matched"),
    ] {
        let resp = env
            .provider
            .read_data(ReadDataRequest {
                type_name: "aws_vpc".into(),
                config,
            })
            .await;
        assert_eq!(resp.state, Value::Null);
        assert!(
            errors(&resp.diagnostics)[0].contains(says),
            "{:?}",
            resp.diagnostics
        );
    }

    // aws_subnets with a filter block and tags.
    let filter = env.nested_data(
        "aws_subnets",
        "filter",
        &[
            ("name", s("vpc-id")),
            ("values", Value::set(vec![s(&vpc_id)])),
        ],
    );
    let public = env
        .read_data(
            "aws_subnets",
            &env.config(
                "aws_subnets",
                &[
                    ("filter", Value::set(vec![filter.clone()])),
                    ("tags", map(&[("Tier", "public")])),
                ],
            ),
        )
        .await;
    let mut got = strings(&public, "ids");
    got.sort();
    let mut want: Vec<String> = subnet_ids
        .iter()
        .filter(|(t, _)| *t == "public")
        .map(|(_, id)| id.clone())
        .collect();
    want.sort();
    assert_eq!(got, want);
    let all = env
        .read_data(
            "aws_subnets",
            &env.config("aws_subnets", &[("filter", Value::set(vec![filter]))]),
        )
        .await;
    assert_eq!(strings(&all, "ids").len(), 3);
}
