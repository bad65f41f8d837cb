//! Refresh is batched: for every networking type, one `read_batch` over
//! several objects makes exactly ONE EC2 call (counted by the harness's
//! proxy), whatever the number of objects, and keeps unchanged objects
//! unchanged.

mod support;

use gitform_value::Value;
use std::collections::BTreeMap;
use support::*;

const N: usize = 3;

#[tokio::test]
async fn every_networking_type_refreshes_in_one_call() {
    let Some(env) = env_with(
        "every_networking_type_refreshes_in_one_call",
        Setup::NETWORK,
    )
    .await
    else {
        return;
    };
    let vpc = env
        .create(
            "aws_vpc",
            &env.config("aws_vpc", &[("cidr_block", s("10.90.0.0/16"))]),
        )
        .await;
    let vpc_id = attr(&vpc, "id").to_string();
    let mut made: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    made.insert("aws_vpc", vec![vpc.clone()]);
    for i in 0..N {
        let v = env
            .create(
                "aws_vpc",
                &env.config("aws_vpc", &[("cidr_block", s(&format!("10.9{i}.0.0/16")))]),
            )
            .await;
        if i > 0 {
            made.entry("aws_vpc").or_default().push(v.clone());
        }
        let igw = env
            .create(
                "aws_internet_gateway",
                &env.config("aws_internet_gateway", &[("vpc_id", s(attr(&v, "id")))]),
            )
            .await;
        made.entry("aws_internet_gateway").or_default().push(igw);
        let subnet = env
            .create(
                "aws_subnet",
                &env.config(
                    "aws_subnet",
                    &[
                        ("vpc_id", s(&vpc_id)),
                        ("cidr_block", s(&format!("10.90.{i}.0/24"))),
                    ],
                ),
            )
            .await;
        let rt = env
            .create(
                "aws_route_table",
                &env.config("aws_route_table", &[("vpc_id", s(&vpc_id))]),
            )
            .await;
        let eni = env
            .create(
                "aws_network_interface",
                &env.config(
                    "aws_network_interface",
                    &[("subnet_id", s(attr(&subnet, "id")))],
                ),
            )
            .await;
        let route = env
            .create(
                "aws_route",
                &env.config(
                    "aws_route",
                    &[
                        ("route_table_id", s(attr(&rt, "id"))),
                        ("destination_cidr_block", s("0.0.0.0/0")),
                        ("network_interface_id", s(attr(&eni, "id"))),
                    ],
                ),
            )
            .await;
        let assoc = env
            .create(
                "aws_route_table_association",
                &env.config(
                    "aws_route_table_association",
                    &[
                        ("subnet_id", s(attr(&subnet, "id"))),
                        ("route_table_id", s(attr(&rt, "id"))),
                    ],
                ),
            )
            .await;
        let eip = env
            .create("aws_eip", &env.config("aws_eip", &[("domain", s("vpc"))]))
            .await;
        let nat = env
            .create(
                "aws_nat_gateway",
                &env.config(
                    "aws_nat_gateway",
                    &[
                        ("subnet_id", s(attr(&subnet, "id"))),
                        ("allocation_id", s(attr(&eip, "id"))),
                    ],
                ),
            )
            .await;
        // The EIP's association with the NAT gateway shows on refresh.
        let eip = env.read("aws_eip", &eip).await.unwrap();
        for (t, v) in [
            ("aws_subnet", subnet),
            ("aws_route_table", rt),
            ("aws_network_interface", eni),
            ("aws_route", route),
            ("aws_route_table_association", assoc),
            ("aws_eip", eip),
            ("aws_nat_gateway", nat),
        ] {
            made.entry(t).or_default().push(v);
        }
    }
    // Route tables gained routes from aws_route: refresh them once first.
    let tables = made.remove("aws_route_table").unwrap();
    let tables: Vec<Value> = env
        .read_batch("aws_route_table", &tables)
        .await
        .into_iter()
        .map(|r| r.new_state.unwrap())
        .collect();
    made.insert("aws_route_table", tables);

    // The per-object detail calls of the types whose details are read on
    // refresh too (`details_on_refresh`: VPCs and EIPs, few per
    // configuration), per object found.
    let per_object: BTreeMap<&str, &[&str]> = [
        ("aws_eip", &["DescribeAddressesAttribute"][..]),
        (
            "aws_vpc",
            &[
                // enableDnsSupport, enableDnsHostnames,
                // enableNetworkAddressUsageMetrics.
                "DescribeVpcAttribute",
                "DescribeVpcAttribute",
                "DescribeVpcAttribute",
                "DescribeNetworkAcls",
                "DescribeRouteTables",
                "DescribeSecurityGroups",
            ][..],
        ),
    ]
    .into();
    let want: BTreeMap<&str, &str> = [
        ("aws_vpc", "DescribeVpcs"),
        ("aws_subnet", "DescribeSubnets"),
        ("aws_internet_gateway", "DescribeInternetGateways"),
        ("aws_route_table", "DescribeRouteTables"),
        ("aws_route", "DescribeRouteTables"),
        ("aws_route_table_association", "DescribeRouteTables"),
        ("aws_eip", "DescribeAddresses"),
        ("aws_nat_gateway", "DescribeNatGateways"),
        ("aws_network_interface", "DescribeNetworkInterfaces"),
    ]
    .into();
    assert_eq!(made.len(), want.len());
    for (type_name, states) in &made {
        assert_eq!(states.len(), N, "{type_name}");
        env.take_calls();
        let read = env.read_batch(type_name, states).await;
        let mut expected: BTreeMap<String, u64> = [(want[type_name].to_string(), 1)].into();
        for call in per_object.get(type_name).copied().unwrap_or_default() {
            *expected.entry(call.to_string()).or_default() += N as u64;
        }
        assert_eq!(
            env.take_calls(),
            expected,
            "{type_name}: one batched call for {N} objects"
        );
        for (got, old) in read.iter().zip(states) {
            assert_eq!(got.new_state.as_ref(), Some(old), "{type_name} unchanged");
        }
    }
}

/// A plan refreshes `aws_route_table` and `aws_route_table_association` at
/// the same moment, and both read the same tables: one DescribeRouteTables
/// answers both. An association gone out of band (disassociated, or moved
/// to another table, which gives it a new id) is looked for by its id, and
/// reads as gone.
#[tokio::test]
async fn route_tables_and_their_associations_share_one_read() {
    let Some(env) = env_with(
        "route_tables_and_their_associations_share_one_read",
        Setup::NETWORK,
    )
    .await
    else {
        return;
    };
    let vpc_id = env.vpc("10.95.0.0/16").await;
    let rt = env
        .create(
            "aws_route_table",
            &env.config("aws_route_table", &[("vpc_id", s(&vpc_id))]),
        )
        .await;
    let other = env
        .create(
            "aws_route_table",
            &env.config("aws_route_table", &[("vpc_id", s(&vpc_id))]),
        )
        .await;
    let mut assocs = Vec::new();
    let mut subnets = Vec::new();
    for i in 0..N {
        let subnet = env
            .create(
                "aws_subnet",
                &env.config(
                    "aws_subnet",
                    &[
                        ("vpc_id", s(&vpc_id)),
                        ("cidr_block", s(&format!("10.95.{i}.0/24"))),
                    ],
                ),
            )
            .await;
        let assoc = env
            .create(
                "aws_route_table_association",
                &env.config(
                    "aws_route_table_association",
                    &[
                        ("subnet_id", s(attr(&subnet, "id"))),
                        ("route_table_id", s(attr(&rt, "id"))),
                    ],
                ),
            )
            .await;
        subnets.push(subnet);
        assocs.push(assoc);
    }
    let rt = env.read("aws_route_table", &rt).await.unwrap();

    env.take_calls();
    let tables = std::slice::from_ref(&rt);
    let (read_tables, read_assocs) = tokio::join!(
        env.read_all("aws_route_table", tables),
        env.read_all("aws_route_table_association", &assocs)
    );
    assert_eq!(read_tables, vec![Some(rt.clone())]);
    assert_eq!(
        read_assocs,
        assocs.iter().cloned().map(Some).collect::<Vec<_>>()
    );
    assert_eq!(
        env.take_calls(),
        BTreeMap::from([("DescribeRouteTables".to_string(), 1)]),
        "one read of the table for both types"
    );

    // Out of band: disassociate the first subnet, move the second to the
    // other table (a new association id).
    env.ec2
        .disassociate_route_table()
        .association_id(attr(&assocs[0], "id"))
        .send()
        .await
        .unwrap();
    env.ec2
        .replace_route_table_association()
        .association_id(attr(&assocs[1], "id"))
        .route_table_id(attr(&other, "id"))
        .send()
        .await
        .unwrap();
    env.take_calls();
    let read = env.read_all("aws_route_table_association", &assocs).await;
    assert_eq!(read[0], None, "disassociated");
    assert_eq!(read[1], None, "moved: its old id is gone");
    assert_eq!(read[2].as_ref(), Some(&assocs[2]));
    assert_eq!(
        env.take_calls(),
        BTreeMap::from([("DescribeRouteTables".to_string(), 2)]),
        "the tables, then the two missing associations by id"
    );
}
