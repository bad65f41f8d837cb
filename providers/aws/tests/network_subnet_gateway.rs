//! aws_subnet and aws_internet_gateway against moto: create, read, in-place
//! update, replace, import, destroy and batched refresh, checked with the
//! test's own EC2 client.

mod support;

use aws_sdk_ec2::types::Filter;
use gitform_value::Value;
use support::*;

const SUBNET: &str = "aws_subnet";
const IGW: &str = "aws_internet_gateway";

async fn vpc(env: &Env, cidr: &str) -> Value {
    env.create(
        "aws_vpc",
        &env.config("aws_vpc", &[("cidr_block", s(cidr))]),
    )
    .await
}

async fn remote_subnet(env: &Env, id: &str) -> Option<aws_sdk_ec2::types::Subnet> {
    env.ec2
        .describe_subnets()
        .filters(Filter::builder().name("subnet-id").values(id).build())
        .send()
        .await
        .expect("DescribeSubnets")
        .subnets()
        .first()
        .cloned()
}

async fn igw_vpc(env: &Env, id: &str) -> Option<Option<String>> {
    let out = env
        .ec2
        .describe_internet_gateways()
        .filters(
            Filter::builder()
                .name("internet-gateway-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .expect("DescribeInternetGateways");
    let g = out.internet_gateways().first()?;
    Some(
        g.attachments()
            .iter()
            .find(|a| a.state().is_some_and(|s| s.as_str() != "detached"))
            .and_then(|a| a.vpc_id().map(str::to_string)),
    )
}

#[tokio::test]
async fn subnet_lifecycle() {
    let Some(env) = env_with("subnet_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let v = vpc(&env, "10.10.0.0/16").await;
    let vpc_id = attr(&v, "id");
    let config = |cidr: &str, az: &str, public: bool, name: &str| {
        env.config(
            SUBNET,
            &[
                ("vpc_id", s(vpc_id)),
                ("cidr_block", s(cidr)),
                ("availability_zone", s(az)),
                ("map_public_ip_on_launch", Value::Bool(public)),
                ("tags", map(&[("Name", name)])),
            ],
        )
    };

    let state = env
        .create(
            SUBNET,
            &config("10.10.1.0/24", "us-east-1a", true, "public-a"),
        )
        .await;
    let id = attr(&state, "id").to_string();
    let remote = remote_subnet(&env, &id).await.expect("subnet exists");
    assert_eq!(remote.cidr_block(), Some("10.10.1.0/24"));
    assert_eq!(remote.availability_zone(), Some("us-east-1a"));
    assert_eq!(remote.map_public_ip_on_launch(), Some(true));
    assert_eq!(remote.vpc_id(), Some(vpc_id));
    assert!(attr(&state, "availability_zone_id").starts_with("use1-az"));
    assert!(attr(&state, "arn").ends_with(&format!(":subnet/{id}")));
    assert_eq!(env.read(SUBNET, &state).await.as_ref(), Some(&state));

    // In place: the public IP flag and tags.
    let state2 = env
        .update(
            SUBNET,
            &state,
            &config("10.10.1.0/24", "us-east-1a", false, "private-a"),
        )
        .await;
    assert_eq!(attr(&state2, "id"), id);
    let remote = remote_subnet(&env, &id).await.unwrap();
    assert_eq!(remote.map_public_ip_on_launch(), Some(false));
    assert_eq!(
        env.tags_of(&id).await.get("Name").map(String::as_str),
        Some("private-a")
    );

    // Import.
    let imported = env.import(SUBNET, &id).await;
    for name in [
        "cidr_block",
        "vpc_id",
        "availability_zone",
        "map_public_ip_on_launch",
        "arn",
    ] {
        assert_eq!(imported.get_attr(name), state2.get_attr(name), "{name}");
    }
    assert_eq!(
        imported.get_attr("tags"),
        Some(&map(&[("Name", "private-a")]))
    );

    // Replace: another availability zone.
    let state3 = env
        .replace(
            SUBNET,
            &state2,
            &config("10.10.1.0/24", "us-east-1b", false, "private-b"),
            &["availability_zone"],
        )
        .await;
    let id3 = attr(&state3, "id").to_string();
    assert!(remote_subnet(&env, &id).await.is_none());
    assert_eq!(
        remote_subnet(&env, &id3).await.unwrap().availability_zone(),
        Some("us-east-1b")
    );
    // A new CIDR block replaces too.
    let (_, causes) = env
        .plan_update(
            SUBNET,
            &state3,
            &config("10.10.2.0/24", "us-east-1b", false, "private-b"),
        )
        .await;
    assert_eq!(causes, ["cidr_block"]);

    env.destroy(SUBNET, &state3).await;
    assert!(remote_subnet(&env, &id3).await.is_none());
    assert_eq!(env.read(SUBNET, &state3).await, None);
}

#[tokio::test]
async fn subnet_refresh_is_one_call() {
    let Some(env) = env_with("subnet_refresh_is_one_call", Setup::NETWORK).await else {
        return;
    };
    let v = vpc(&env, "10.20.0.0/16").await;
    let mut states = Vec::new();
    for i in 0..6 {
        let c = env.config(
            SUBNET,
            &[
                ("vpc_id", s(attr(&v, "id"))),
                ("cidr_block", s(&format!("10.20.{i}.0/24"))),
            ],
        );
        states.push(env.create(SUBNET, &c).await);
    }
    env.ec2
        .delete_subnet()
        .subnet_id(attr(&states[4], "id"))
        .send()
        .await
        .expect("DeleteSubnet");
    env.take_calls();
    let read = env.read_batch(SUBNET, &states).await;
    assert_eq!(
        env.take_calls(),
        [("DescribeSubnets".to_string(), 1)].into()
    );
    assert!(read[4].new_state.is_none());
    assert_eq!(read[0].new_state.as_ref(), Some(&states[0]));
}

#[tokio::test]
async fn internet_gateway_lifecycle() {
    let Some(env) = env_with("internet_gateway_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let a = vpc(&env, "10.30.0.0/16").await;
    let b = vpc(&env, "10.31.0.0/16").await;
    let (a_id, b_id) = (attr(&a, "id"), attr(&b, "id"));

    let state = env
        .create(
            IGW,
            &env.config(
                IGW,
                &[("vpc_id", s(a_id)), ("tags", map(&[("Name", "gw")]))],
            ),
        )
        .await;
    let id = attr(&state, "id").to_string();
    assert!(id.starts_with("igw-"));
    assert_eq!(igw_vpc(&env, &id).await, Some(Some(a_id.to_string())));
    assert_eq!(env.read(IGW, &state).await.as_ref(), Some(&state));

    // Moving it to another VPC is a detach and an attach, in place.
    let state2 = env
        .update(
            IGW,
            &state,
            &env.config(
                IGW,
                &[("vpc_id", s(b_id)), ("tags", map(&[("Name", "gw")]))],
            ),
        )
        .await;
    assert_eq!(attr(&state2, "id"), id);
    assert_eq!(igw_vpc(&env, &id).await, Some(Some(b_id.to_string())));

    // Import.
    let imported = env.import(IGW, &id).await;
    assert_eq!(imported.get_attr("vpc_id"), Some(&s(b_id)));
    assert_eq!(imported.get_attr("arn"), state2.get_attr("arn"));

    // Detached outside gitform: the plan puts it back.
    env.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&id)
        .vpc_id(b_id)
        .send()
        .await
        .expect("DetachInternetGateway");
    let drifted = env.read(IGW, &state2).await.expect("still exists");
    assert_eq!(drifted.get_attr("vpc_id"), Some(&s("")));
    let config = env.config(
        IGW,
        &[("vpc_id", s(b_id)), ("tags", map(&[("Name", "gw")]))],
    );
    let state3 = env.update(IGW, &drifted, &config).await;
    assert_eq!(igw_vpc(&env, &id).await, Some(Some(b_id.to_string())));

    // Destroy detaches first.
    env.destroy(IGW, &state3).await;
    assert_eq!(igw_vpc(&env, &id).await, None);
    assert_eq!(env.read(IGW, &state3).await, None);
}
