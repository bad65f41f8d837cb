//! Drift of the attributes that take per-object calls (`aws_vpc`'s DNS
//! flags and default ids, `aws_eip`'s `ptr_record`): refresh reads them,
//! so a change made outside gitform (with the test's own SDK client) shows
//! in `read_batch`, and applying the configuration again puts it back. The
//! number of calls a refresh makes is counted by the harness's proxy.

mod support;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, VpcAttributeName};
use gitform_value::Value;
use std::collections::BTreeMap;
use support::*;

const VPC: &str = "aws_vpc";

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

async fn set_dns_hostnames(env: &Env, id: &str, on: bool) {
    env.ec2
        .modify_vpc_attribute()
        .vpc_id(id)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(on).build())
        .send()
        .await
        .expect("ModifyVpcAttribute");
}

/// The calls one VPC refresh makes: the batched DescribeVpcs, and six per
/// VPC found.
fn vpc_refresh_calls(found: u64) -> BTreeMap<String, u64> {
    [
        ("DescribeVpcs", 1),
        ("DescribeVpcAttribute", 3 * found),
        ("DescribeRouteTables", found),
        ("DescribeSecurityGroups", found),
        ("DescribeNetworkAcls", found),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(k, n)| (k.to_string(), n))
    .collect()
}

#[tokio::test]
async fn vpc_dns_hostnames_changed_outside_is_drift_and_apply_restores_it() {
    let Some(env) = env_with("vpc_dns_hostnames_changed_outside", Setup::NETWORK).await else {
        return;
    };
    let config = env.config(
        VPC,
        &[
            ("cidr_block", s("10.40.0.0/16")),
            ("enable_dns_hostnames", Value::Bool(true)),
        ],
    );
    let state = env.create(VPC, &config).await;
    let id = attr(&state, "id").to_string();
    assert!(dns_hostnames(&env, &id).await);

    // Nothing changed: refresh gives the state back as it was.
    env.take_calls();
    assert_eq!(env.read(VPC, &state).await.as_ref(), Some(&state));
    assert_eq!(env.take_calls(), vpc_refresh_calls(1));

    // Someone turns DNS hostnames off behind gitform's back.
    set_dns_hostnames(&env, &id, false).await;
    let refreshed = env.read(VPC, &state).await.expect("VPC still exists");
    assert_eq!(
        refreshed.get_attr("enable_dns_hostnames"),
        Some(&Value::Bool(false))
    );
    // Only that attribute drifted.
    let mut expected = state.clone();
    set_attr(&mut expected, "enable_dns_hostnames", Value::Bool(false));
    assert_eq!(refreshed, expected);

    // The plan from the refreshed state is an in-place update of exactly
    // that attribute; applying it turns hostnames back on in AWS.
    let (planned, replace) = env.plan_update(VPC, &refreshed, &config).await;
    assert!(replace.is_empty(), "{replace:?}");
    assert_eq!(
        planned.get_attr("enable_dns_hostnames"),
        Some(&Value::Bool(true))
    );
    let restored = env.update(VPC, &refreshed, &config).await;
    assert!(dns_hostnames(&env, &id).await, "apply restored it in AWS");
    assert_eq!(restored, state);
    assert_eq!(env.read(VPC, &restored).await.as_ref(), Some(&state));
    env.destroy(VPC, &restored).await;
}

#[tokio::test]
async fn vpc_main_route_table_replaced_outside_is_drift() {
    let Some(env) = env_with("vpc_main_route_table_replaced_outside", Setup::NETWORK).await else {
        return;
    };
    let config = env.config(VPC, &[("cidr_block", s("10.41.0.0/16"))]);
    let state = env.create(VPC, &config).await;
    let id = attr(&state, "id").to_string();
    let main = attr(&state, "main_route_table_id").to_string();

    // Make another table the VPC's main one, out of band.
    let other = env
        .ec2
        .create_route_table()
        .vpc_id(&id)
        .send()
        .await
        .expect("CreateRouteTable")
        .route_table()
        .and_then(|t| t.route_table_id())
        .expect("route table id")
        .to_string();
    let assoc = env
        .ec2
        .describe_route_tables()
        .route_table_ids(&main)
        .send()
        .await
        .expect("DescribeRouteTables")
        .route_tables()
        .first()
        .and_then(|t| t.associations().iter().find(|a| a.main() == Some(true)))
        .and_then(|a| a.route_table_association_id())
        .expect("main association")
        .to_string();
    env.ec2
        .replace_route_table_association()
        .association_id(&assoc)
        .route_table_id(&other)
        .send()
        .await
        .expect("ReplaceRouteTableAssociation");

    let refreshed = env.read(VPC, &state).await.expect("VPC still exists");
    assert_eq!(attr(&refreshed, "main_route_table_id"), other);
    assert_eq!(attr(&refreshed, "default_route_table_id"), other);
    // The other computed ids did not move.
    for name in ["default_security_group_id", "default_network_acl_id"] {
        assert_eq!(refreshed.get_attr(name), state.get_attr(name), "{name}");
    }
}

#[tokio::test]
async fn vpc_refresh_reads_details_of_every_found_vpc() {
    let Some(env) = env_with(
        "vpc_refresh_reads_details_of_every_found_vpc",
        Setup::NETWORK,
    )
    .await
    else {
        return;
    };
    // More VPCs than DETAILS_CONCURRENCY, so the bound is exercised; every
    // third one has DNS hostnames on.
    const N: usize = 11;
    let mut states = Vec::new();
    for i in 0..N {
        let c = env.config(
            VPC,
            &[
                ("cidr_block", s(&format!("10.{}.0.0/16", 50 + i))),
                ("enable_dns_hostnames", Value::Bool(i % 3 == 0)),
            ],
        );
        states.push(env.create(VPC, &c).await);
    }
    // Out of band: one VPC deleted, every other one's hostnames flipped.
    let gone = 4;
    env.ec2
        .delete_vpc()
        .vpc_id(attr(&states[gone], "id"))
        .send()
        .await
        .expect("DeleteVpc");
    let flipped: Vec<usize> = (0..N).filter(|i| i % 2 == 1 && *i != gone).collect();
    for &i in &flipped {
        set_dns_hostnames(&env, attr(&states[i], "id"), i % 3 != 0).await;
    }
    env.take_calls();
    let read = env.read_batch(VPC, &states).await;
    assert_eq!(env.take_calls(), vpc_refresh_calls(N as u64 - 1));
    for (i, (r, prior)) in read.iter().zip(&states).enumerate() {
        if i == gone {
            assert!(r.new_state.is_none(), "vpc {i} was deleted");
            continue;
        }
        let got = r.new_state.as_ref().expect("found");
        // In order: each answer is its own VPC's.
        assert_eq!(got.get_attr("id"), prior.get_attr("id"));
        let want = (i % 3 == 0) != flipped.contains(&i);
        assert_eq!(
            got.get_attr("enable_dns_hostnames"),
            Some(&Value::Bool(want)),
            "vpc {i}"
        );
        assert_eq!(
            got.get_attr("enable_dns_support"),
            Some(&Value::Bool(true)),
            "vpc {i}"
        );
    }
}

#[tokio::test]
async fn eip_refresh_reads_ptr_record_per_address() {
    let Some(env) = env_with("eip_refresh_reads_ptr_record_per_address", Setup::NETWORK).await
    else {
        return;
    };
    let config = env.config("aws_eip", &[("domain", s("vpc"))]);
    let mut states = Vec::new();
    for _ in 0..3 {
        states.push(env.create("aws_eip", &config).await);
    }
    env.take_calls();
    let read = env.read_batch("aws_eip", &states).await;
    // One batched DescribeAddresses, then one DescribeAddressesAttribute per
    // address (moto answers it with no PTR record).
    assert_eq!(
        env.take_calls(),
        [
            ("DescribeAddresses".to_string(), 1),
            ("DescribeAddressesAttribute".to_string(), 3),
        ]
        .into()
    );
    for (r, prior) in read.iter().zip(&states) {
        assert_eq!(r.new_state.as_ref(), Some(prior));
    }
    // An address released outside gitform is gone from the refresh, with
    // no detail call for it.
    let released = attr(&states[1], "id").to_string();
    env.ec2
        .release_address()
        .allocation_id(&released)
        .send()
        .await
        .expect("ReleaseAddress");
    let read = env.read_batch("aws_eip", &states).await;
    assert!(read[1].new_state.is_none());
    assert_eq!(
        env.take_calls().get("DescribeAddressesAttribute"),
        Some(&2),
        "details only for the addresses found"
    );
    // Independent check that the others are still there.
    let left = env
        .ec2
        .describe_addresses()
        .filters(
            Filter::builder()
                .name("allocation-id")
                .values(attr(&states[0], "id"))
                .values(attr(&states[2], "id"))
                .build(),
        )
        .send()
        .await
        .expect("DescribeAddresses");
    assert_eq!(left.addresses().len(), 2);
}
