//! aws_vpc against moto: create, read, in-place update, replace, import,
//! destroy and batched refresh, checked with the test's own EC2 client.

mod support;

use aws_sdk_ec2::types::{Filter, VpcAttributeName};
use gitform_value::Value;
use support::*;

const VPC: &str = "aws_vpc";

async fn remote_vpc(env: &Env, id: &str) -> Option<aws_sdk_ec2::types::Vpc> {
    env.ec2
        .describe_vpcs()
        .filters(Filter::builder().name("vpc-id").values(id).build())
        .send()
        .await
        .expect("DescribeVpcs")
        .vpcs()
        .first()
        .cloned()
}

async fn dns_hostnames(env: &Env, id: &str) -> bool {
    env.ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("DescribeVpcAttribute")
        .enable_dns_hostnames()
        .and_then(|a| a.value())
        .unwrap_or(false)
}

#[tokio::test]
async fn vpc_lifecycle() {
    let Some(env) = env_with("vpc_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let config = env.config(
        VPC,
        &[
            ("cidr_block", s("10.1.0.0/16")),
            ("enable_dns_hostnames", Value::Bool(true)),
            ("tags", map(&[("Name", "main")])),
        ],
    );

    // The plan shows tags_all with the provider's default tags merged in.
    let plan = env.plan(VPC, None, &config).await;
    let planned = plan.planned_state.unwrap();
    assert_eq!(
        planned.get_attr("tags_all"),
        Some(&map(&[("Name", "main"), ("Suite", "network")]))
    );
    assert!(!planned.get_attr("id").unwrap().is_known());

    // Create.
    let state = env.create(VPC, &config).await;
    let id = attr(&state, "id").to_string();
    assert!(id.starts_with("vpc-"), "{id}");
    let remote = remote_vpc(&env, &id).await.expect("VPC exists");
    assert_eq!(remote.cidr_block(), Some("10.1.0.0/16"));
    assert!(dns_hostnames(&env, &id).await);
    assert_eq!(
        env.tags_of(&id).await,
        [("Name", "main"), ("Suite", "network")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into()
    );
    assert_eq!(attr(&state, "instance_tenancy"), "default");
    assert_eq!(
        state.get_attr("enable_dns_support"),
        Some(&Value::Bool(true))
    );
    assert!(attr(&state, "default_route_table_id").starts_with("rtb-"));
    assert_eq!(
        attr(&state, "main_route_table_id"),
        attr(&state, "default_route_table_id")
    );
    assert!(attr(&state, "default_security_group_id").starts_with("sg-"));
    assert!(attr(&state, "default_network_acl_id").starts_with("acl-"));
    assert_eq!(
        attr(&state, "arn"),
        format!(
            "arn:aws:ec2:us-east-1:{}:vpc/{id}",
            attr(&state, "owner_id")
        )
    );

    // Read: nothing changed outside, so the state stays the same.
    assert_eq!(env.read(VPC, &state).await.as_ref(), Some(&state));

    // In-place update: tags and DNS hostnames.
    let config2 = env.config(
        VPC,
        &[
            ("cidr_block", s("10.1.0.0/16")),
            ("enable_dns_hostnames", Value::Bool(false)),
            ("tags", map(&[("Name", "renamed"), ("Tier", "core")])),
        ],
    );
    let state2 = env.update(VPC, &state, &config2).await;
    assert_eq!(attr(&state2, "id"), id);
    assert!(!dns_hostnames(&env, &id).await);
    assert_eq!(
        env.tags_of(&id).await,
        [("Name", "renamed"), ("Suite", "network"), ("Tier", "core")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into()
    );

    // Import by id: the same object, tags without the provider's defaults.
    let imported = env.import(VPC, &id).await;
    for name in [
        "id",
        "cidr_block",
        "arn",
        "owner_id",
        "default_route_table_id",
    ] {
        assert_eq!(imported.get_attr(name), state2.get_attr(name), "{name}");
    }
    assert_eq!(
        imported.get_attr("tags"),
        Some(&map(&[("Name", "renamed"), ("Tier", "core")]))
    );
    assert_eq!(
        imported.get_attr("enable_dns_hostnames"),
        Some(&Value::Bool(false))
    );

    // Replace: a new CIDR block forces a new VPC.
    let config3 = env.config(
        VPC,
        &[
            ("cidr_block", s("10.2.0.0/16")),
            ("tags", map(&[("Name", "renamed"), ("Tier", "core")])),
        ],
    );
    let state3 = env.replace(VPC, &state2, &config3, &["cidr_block"]).await;
    let id3 = attr(&state3, "id").to_string();
    assert_ne!(id3, id);
    assert!(remote_vpc(&env, &id).await.is_none(), "old VPC deleted");
    assert_eq!(
        remote_vpc(&env, &id3)
            .await
            .and_then(|v| v.cidr_block().map(str::to_string)),
        Some("10.2.0.0/16".to_string())
    );

    // Destroy, then refresh finds nothing.
    env.destroy(VPC, &state3).await;
    assert!(remote_vpc(&env, &id3).await.is_none());
    assert_eq!(env.read(VPC, &state3).await, None);
}

#[tokio::test]
async fn vpc_rejects_bad_cidr_and_tenancy() {
    let Some(env) = env_with("vpc_rejects_bad_cidr_and_tenancy", Setup::NETWORK).await else {
        return;
    };
    for (attrs, path, says) in [
        (
            vec![("cidr_block", s("10.0.0.1/16"))],
            "cidr_block",
            "use \"10.0.0.0/16\"",
        ),
        (
            vec![("cidr_block", s("10.0.0.0/8"))],
            "cidr_block",
            "between /16 and /28",
        ),
        (
            vec![
                ("cidr_block", s("10.0.0.0/16")),
                ("instance_tenancy", s("host")),
            ],
            "instance_tenancy",
            "one of",
        ),
    ] {
        let d = env.validate(VPC, &env.config(VPC, &attrs)).await;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].attr_path.as_ref().map(ToString::to_string).as_deref(),
            Some(path)
        );
        assert!(d[0].detail.contains(says), "{}", d[0].detail);
    }
    // A missing VPC cannot be imported.
    let e = env.import_error(VPC, "vpc-00000000000000000").await;
    assert!(e[0].contains("non-existent"), "{e:?}");
}

#[tokio::test]
async fn vpc_refresh_is_one_describe_call() {
    let Some(env) = env_with("vpc_refresh_is_one_describe_call", Setup::NETWORK).await else {
        return;
    };
    let mut states = Vec::new();
    for i in 0..5 {
        let c = env.config(VPC, &[("cidr_block", s(&format!("10.{i}.0.0/16")))]);
        states.push(env.create(VPC, &c).await);
    }
    // One deleted outside gitform.
    let gone = attr(&states[2], "id").to_string();
    env.ec2
        .delete_vpc()
        .vpc_id(&gone)
        .send()
        .await
        .expect("DeleteVpc");
    // And one changed outside gitform.
    env.ec2
        .create_tags()
        .resources(attr(&states[0], "id"))
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Owner")
                .value("ops")
                .build(),
        )
        .send()
        .await
        .expect("CreateTags");
    env.take_calls();
    let read = env.read_batch(VPC, &states).await;
    // One batched DescribeVpcs for the five; then the VPC details (DNS
    // flags, default ACL, route table and security group) of each of the
    // four still there, as hashicorp/aws reads them on every refresh.
    let found = 4;
    assert_eq!(
        env.take_calls(),
        [
            ("DescribeVpcs".to_string(), 1),
            ("DescribeVpcAttribute".to_string(), 3 * found),
            ("DescribeNetworkAcls".to_string(), found),
            ("DescribeRouteTables".to_string(), found),
            ("DescribeSecurityGroups".to_string(), found),
        ]
        .into()
    );
    assert!(read[2].new_state.is_none());
    for i in [1, 3, 4] {
        assert_eq!(read[i].new_state.as_ref(), Some(&states[i]), "vpc {i}");
    }
    let drifted = read[0].new_state.as_ref().unwrap();
    assert_eq!(drifted.get_attr("tags"), Some(&map(&[("Owner", "ops")])));
}
