//! aws_eip, aws_nat_gateway and aws_network_interface against moto:
//! create, read, in-place update, replace, import and destroy, checked with
//! the test's own EC2 client.

mod support;

use aws_sdk_ec2::types::Filter;
use gitform_value::Value;
use support::*;

const EIP: &str = "aws_eip";
const NAT: &str = "aws_nat_gateway";
const ENI: &str = "aws_network_interface";

/// A VPC with an internet gateway and two subnets: (vpc, subnet a, subnet b).
async fn network(env: &Env, n: u8) -> (Value, Value, Value) {
    let vpc = env
        .create(
            "aws_vpc",
            &env.config("aws_vpc", &[("cidr_block", s(&format!("10.{n}.0.0/16")))]),
        )
        .await;
    let vpc_id = attr(&vpc, "id").to_string();
    env.create(
        "aws_internet_gateway",
        &env.config("aws_internet_gateway", &[("vpc_id", s(&vpc_id))]),
    )
    .await;
    let subnet = |i: u8, az: &str| {
        env.config(
            "aws_subnet",
            &[
                ("vpc_id", s(&vpc_id)),
                ("cidr_block", s(&format!("10.{n}.{i}.0/24"))),
                ("availability_zone", s(az)),
            ],
        )
    };
    let a = env.create("aws_subnet", &subnet(1, "us-east-1a")).await;
    let b = env.create("aws_subnet", &subnet(2, "us-east-1b")).await;
    (vpc, a, b)
}

async fn address(env: &Env, alloc: &str) -> Option<aws_sdk_ec2::types::Address> {
    env.ec2
        .describe_addresses()
        .filters(
            Filter::builder()
                .name("allocation-id")
                .values(alloc)
                .build(),
        )
        .send()
        .await
        .expect("DescribeAddresses")
        .addresses()
        .first()
        .cloned()
}

async fn eni(env: &Env, id: &str) -> Option<aws_sdk_ec2::types::NetworkInterface> {
    env.ec2
        .describe_network_interfaces()
        .filters(
            Filter::builder()
                .name("network-interface-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .expect("DescribeNetworkInterfaces")
        .network_interfaces()
        .first()
        .cloned()
}

async fn nat(env: &Env, id: &str) -> Option<aws_sdk_ec2::types::NatGateway> {
    env.ec2
        .describe_nat_gateways()
        .filter(Filter::builder().name("nat-gateway-id").values(id).build())
        .send()
        .await
        .expect("DescribeNatGateways")
        .nat_gateways()
        .iter()
        .find(|n| n.state().is_none_or(|s| s.as_str() != "deleted"))
        .cloned()
}

#[tokio::test]
async fn eip_lifecycle() {
    let Some(env) = env_with("eip_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let (_, subnet, _) = network(&env, 60).await;
    let iface = env
        .create(
            ENI,
            &env.config(ENI, &[("subnet_id", s(attr(&subnet, "id")))]),
        )
        .await;
    let iface_id = attr(&iface, "id");

    let config = |extra: &[(&str, Value)]| {
        let mut attrs = vec![("domain", s("vpc")), ("tags", map(&[("Name", "nat-ip")]))];
        attrs.extend(extra.iter().cloned());
        env.config(EIP, &attrs)
    };
    let state = env.create(EIP, &config(&[])).await;
    let alloc = attr(&state, "id").to_string();
    assert!(alloc.starts_with("eipalloc-"));
    assert_eq!(attr(&state, "allocation_id"), alloc);
    let remote = address(&env, &alloc).await.expect("address exists");
    assert_eq!(remote.public_ip(), Some(attr(&state, "public_ip")));
    assert_eq!(remote.domain().map(|d| d.as_str()), Some("vpc"));
    assert_eq!(
        attr(&state, "public_dns"),
        format!(
            "ec2-{}.compute-1.amazonaws.com",
            attr(&state, "public_ip").replace('.', "-")
        )
    );
    assert_eq!(env.read(EIP, &state).await.as_ref(), Some(&state));

    // In place: associate with a network interface.
    let state2 = env
        .update(EIP, &state, &config(&[("network_interface", s(iface_id))]))
        .await;
    assert_eq!(attr(&state2, "id"), alloc);
    let remote = address(&env, &alloc).await.unwrap();
    assert_eq!(remote.network_interface_id(), Some(iface_id));
    assert!(attr(&state2, "association_id").starts_with("eipassoc-"));
    assert!(!attr(&state2, "private_ip").is_empty());

    // Import.
    let imported = env.import(EIP, &alloc).await;
    for name in ["public_ip", "network_interface", "association_id", "domain"] {
        assert_eq!(imported.get_attr(name), state2.get_attr(name), "{name}");
    }

    // Replace: another domain.
    let (_, causes) = env
        .plan_update(EIP, &state2, &env.config(EIP, &[("domain", s("standard"))]))
        .await;
    assert_eq!(causes, ["domain"]);
    env.destroy(EIP, &state2).await;
    assert!(
        address(&env, &alloc).await.is_none(),
        "released (after disassociating)"
    );
    assert_eq!(env.read(EIP, &state2).await, None);
}

#[tokio::test]
async fn nat_gateway_lifecycle() {
    let Some(env) = env_with("nat_gateway_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let (_, a, b) = network(&env, 61).await;
    let eip = env
        .create(EIP, &env.config(EIP, &[("domain", s("vpc"))]))
        .await;
    // moto keeps an EIP associated after its NAT gateway is deleted, so the
    // replacement gets an address of its own.
    let eip2 = env
        .create(EIP, &env.config(EIP, &[("domain", s("vpc"))]))
        .await;
    let config = |subnet: &Value, name: &str| {
        let ip = if name == "nat-b" { &eip2 } else { &eip };
        env.config(
            NAT,
            &[
                ("subnet_id", s(attr(subnet, "id"))),
                ("allocation_id", s(attr(ip, "id"))),
                ("tags", map(&[("Name", name)])),
            ],
        )
    };
    let state = env.create(NAT, &config(&a, "nat")).await;
    let id = attr(&state, "id").to_string();
    assert!(id.starts_with("nat-"));
    let remote = nat(&env, &id).await.expect("NAT gateway exists");
    assert_eq!(remote.subnet_id(), Some(attr(&a, "id")));
    assert_eq!(remote.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(attr(&state, "public_ip"), attr(&eip, "public_ip"));
    assert_eq!(attr(&state, "connectivity_type"), "public");
    assert_eq!(env.read(NAT, &state).await.as_ref(), Some(&state));

    // In place: tags.
    let state2 = env.update(NAT, &state, &config(&a, "nat-a")).await;
    assert_eq!(
        env.tags_of(&id).await.get("Name").map(String::as_str),
        Some("nat-a")
    );

    // Import.
    let imported = env.import(NAT, &id).await;
    for name in [
        "subnet_id",
        "allocation_id",
        "public_ip",
        "network_interface_id",
    ] {
        assert_eq!(imported.get_attr(name), state2.get_attr(name), "{name}");
    }

    // Replace: another subnet.
    let state3 = env
        .replace(
            NAT,
            &state2,
            &config(&b, "nat-b"),
            &["allocation_id", "subnet_id"],
        )
        .await;
    assert!(nat(&env, &id).await.is_none());
    assert_eq!(
        nat(&env, attr(&state3, "id"))
            .await
            .and_then(|n| n.subnet_id().map(str::to_string)),
        Some(attr(&b, "id").to_string())
    );

    env.destroy(NAT, &state3).await;
    assert!(nat(&env, attr(&state3, "id")).await.is_none());
    assert_eq!(env.read(NAT, &state3).await, None);
}

#[tokio::test]
async fn network_interface_lifecycle() {
    let Some(env) = env_with("network_interface_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let (vpc, a, b) = network(&env, 62).await;
    let sg = attr(&vpc, "default_security_group_id").to_string();
    let config = |subnet: &Value, description: &str, check: bool, secondaries: i64| {
        env.config(
            ENI,
            &[
                ("subnet_id", s(attr(subnet, "id"))),
                ("description", s(description)),
                ("security_groups", Value::set(vec![s(&sg)])),
                ("source_dest_check", Value::Bool(check)),
                ("private_ips_count", Value::int(secondaries)),
                ("tags", map(&[("Name", "eni")])),
            ],
        )
    };
    let state = env.create(ENI, &config(&a, "first", false, 1)).await;
    let id = attr(&state, "id").to_string();
    let remote = eni(&env, &id).await.expect("ENI exists");
    assert_eq!(remote.description(), Some("first"));
    assert_eq!(remote.source_dest_check(), Some(false));
    assert_eq!(remote.private_ip_addresses().len(), 2);
    assert_eq!(
        remote.groups().first().and_then(|g| g.group_id()),
        Some(sg.as_str())
    );
    assert_eq!(
        state
            .get_attr("private_ips")
            .and_then(Value::as_elements)
            .map(<[Value]>::len),
        Some(2)
    );
    assert_eq!(env.read(ENI, &state).await.as_ref(), Some(&state));

    // In place: description, source/dest check, one more secondary IP.
    let state2 = env
        .update(ENI, &state, &config(&a, "second", true, 2))
        .await;
    assert_eq!(attr(&state2, "id"), id);
    let remote = eni(&env, &id).await.unwrap();
    assert_eq!(remote.description(), Some("second"));
    assert_eq!(remote.source_dest_check(), Some(true));
    assert_eq!(remote.private_ip_addresses().len(), 3);

    // Import.
    let imported = env.import(ENI, &id).await;
    for name in [
        "subnet_id",
        "private_ip",
        "private_ips",
        "security_groups",
        "description",
        "mac_address",
    ] {
        assert_eq!(imported.get_attr(name), state2.get_attr(name), "{name}");
    }

    // Replace: another subnet.
    let state3 = env
        .replace(ENI, &state2, &config(&b, "second", true, 0), &["subnet_id"])
        .await;
    assert!(eni(&env, &id).await.is_none());
    assert_eq!(
        eni(&env, attr(&state3, "id"))
            .await
            .and_then(|n| n.subnet_id().map(str::to_string)),
        Some(attr(&b, "id").to_string())
    );

    env.destroy(ENI, &state3).await;
    assert!(eni(&env, attr(&state3, "id")).await.is_none());
    assert_eq!(env.read(ENI, &state3).await, None);
}
