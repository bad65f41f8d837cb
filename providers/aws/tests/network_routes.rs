//! aws_route_table (inline routes), aws_route and
//! aws_route_table_association against moto, checked with the test's own
//! EC2 client.

mod support;

use aws_sdk_ec2::types::{Filter, RouteTable};
use gitform_value::Value;
use std::collections::BTreeMap;
use support::*;

const RT: &str = "aws_route_table";
const ROUTE: &str = "aws_route";
const ASSOC: &str = "aws_route_table_association";

/// A VPC with two internet gateways' worth of targets: returns (vpc, igw).
async fn network(env: &Env, cidr: &str) -> (Value, Value) {
    let vpc = env
        .create(
            "aws_vpc",
            &env.config("aws_vpc", &[("cidr_block", s(cidr))]),
        )
        .await;
    let igw = env
        .create(
            "aws_internet_gateway",
            &env.config("aws_internet_gateway", &[("vpc_id", s(attr(&vpc, "id")))]),
        )
        .await;
    (vpc, igw)
}

async fn table(env: &Env, id: &str) -> Option<RouteTable> {
    env.ec2
        .describe_route_tables()
        .filters(Filter::builder().name("route-table-id").values(id).build())
        .send()
        .await
        .expect("DescribeRouteTables")
        .route_tables()
        .first()
        .cloned()
}

/// The non-local routes of a table: destination -> gateway id.
async fn routes_of(env: &Env, id: &str) -> BTreeMap<String, String> {
    table(env, id)
        .await
        .map(|t| {
            t.routes()
                .iter()
                .filter(|r| r.gateway_id() != Some("local"))
                .map(|r| {
                    (
                        r.destination_cidr_block().unwrap_or_default().to_string(),
                        r.gateway_id()
                            .or(r.nat_gateway_id())
                            .or(r.network_interface_id())
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(p: &[(&str, &str)]) -> BTreeMap<String, String> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// One element of ``attr`` of ``type_name``, a set-of-object attribute
/// (hashicorp/aws's "attribute as blocks"): every field null but `fields`.
fn element(env: &Env, type_name: &str, attr: &str, fields: &[(&str, Value)]) -> Value {
    let ty = &env.schema.resources[type_name].block.attributes[attr].ty;
    let gitform_value::Type::Set(e) = ty else {
        panic!("`type_name`.`attr` is not a set: {ty:?}");
    };
    let gitform_value::Type::Object(o) = e.as_ref() else {
        panic!("`type_name`.`attr` is not a set of objects: {ty:?}");
    };
    let mut m: std::collections::BTreeMap<String, Value> =
        o.attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
    for (k, v) in fields {
        assert!(m.contains_key(*k), "`type_name`.`attr` has no field {k}");
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

#[tokio::test]
async fn route_table_with_inline_routes() {
    let Some(env) = env_with("route_table_with_inline_routes", Setup::NETWORK).await else {
        return;
    };
    let (vpc, igw) = network(&env, "10.40.0.0/16").await;
    let (vpc_id, igw_id) = (attr(&vpc, "id"), attr(&igw, "id"));
    let route = |cidr: &str| {
        element(
            &env,
            RT,
            "route",
            &[("cidr_block", s(cidr)), ("gateway_id", s(igw_id))],
        )
    };
    let config = |routes: Vec<Value>, name: &str| {
        env.config(
            RT,
            &[
                ("vpc_id", s(vpc_id)),
                ("route", Value::set(routes)),
                ("tags", map(&[("Name", name)])),
            ],
        )
    };

    let state = env
        .create(RT, &config(vec![route("0.0.0.0/0")], "public"))
        .await;
    let id = attr(&state, "id").to_string();
    assert_eq!(routes_of(&env, &id).await, pairs(&[("0.0.0.0/0", igw_id)]));
    assert_eq!(
        state
            .get_attr("route")
            .and_then(Value::as_elements)
            .map(<[Value]>::len),
        Some(1)
    );
    assert_eq!(env.read(RT, &state).await.as_ref(), Some(&state));

    // In place: add a route, drop none; then change the set.
    let state2 = env
        .update(
            RT,
            &state,
            &config(vec![route("0.0.0.0/0"), route("192.168.0.0/16")], "public"),
        )
        .await;
    assert_eq!(attr(&state2, "id"), id);
    assert_eq!(
        routes_of(&env, &id).await,
        pairs(&[("0.0.0.0/0", igw_id), ("192.168.0.0/16", igw_id)])
    );
    let state3 = env
        .update(RT, &state2, &config(vec![route("172.16.0.0/12")], "edge"))
        .await;
    assert_eq!(
        routes_of(&env, &id).await,
        pairs(&[("172.16.0.0/12", igw_id)])
    );
    assert_eq!(
        env.tags_of(&id).await.get("Name").map(String::as_str),
        Some("edge")
    );

    // A route added outside gitform shows as drift, and apply removes it.
    env.ec2
        .create_route()
        .route_table_id(&id)
        .destination_cidr_block("10.99.0.0/16")
        .gateway_id(igw_id)
        .send()
        .await
        .expect("CreateRoute");
    let drifted = env.read(RT, &state3).await.unwrap();
    assert_eq!(
        drifted
            .get_attr("route")
            .and_then(Value::as_elements)
            .map(<[Value]>::len),
        Some(2)
    );
    let state4 = env
        .update(RT, &drifted, &config(vec![route("172.16.0.0/12")], "edge"))
        .await;
    assert_eq!(
        routes_of(&env, &id).await,
        pairs(&[("172.16.0.0/12", igw_id)])
    );

    // No route set at all (no block, no argument): routes are left to
    // aws_route resources.
    let mut unset = config(vec![], "edge");
    set_attr(&mut unset, "route", Value::Null);
    let (planned, replace) = env.plan_update(RT, &state4, &unset).await;
    assert!(replace.is_empty());
    assert_eq!(planned.get_attr("route"), state4.get_attr("route"));

    // Import.
    let imported = env.import(RT, &id).await;
    assert_eq!(imported.get_attr("route"), state4.get_attr("route"));
    assert_eq!(imported.get_attr("vpc_id"), Some(&s(vpc_id)));

    // `route = []`: every route of the table goes.
    let (planned, replace) = env.plan_update(RT, &state4, &config(vec![], "edge")).await;
    assert!(replace.is_empty());
    assert_eq!(planned.get_attr("route"), Some(&Value::Set(vec![])));
    let emptied = env.update(RT, &state4, &config(vec![], "edge")).await;
    assert_eq!(routes_of(&env, &id).await, pairs(&[]));
    assert_eq!(emptied.get_attr("route"), Some(&Value::Set(vec![])));
    let state4 = env
        .update(RT, &emptied, &config(vec![route("172.16.0.0/12")], "edge"))
        .await;

    // Replace: another VPC.
    let (vpc2, _) = network(&env, "10.41.0.0/16").await;
    let moved = env.config(RT, &[("vpc_id", s(attr(&vpc2, "id")))]);
    let state5 = env.replace(RT, &state4, &moved, &["vpc_id"]).await;
    assert!(table(&env, &id).await.is_none());
    assert_eq!(
        table(&env, attr(&state5, "id"))
            .await
            .and_then(|t| t.vpc_id().map(str::to_string)),
        Some(attr(&vpc2, "id").to_string())
    );

    env.destroy(RT, &state5).await;
    assert!(table(&env, attr(&state5, "id")).await.is_none());
    assert_eq!(env.read(RT, &state5).await, None);
}

#[tokio::test]
async fn route_resource_lifecycle() {
    let Some(env) = env_with("route_resource_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let (vpc, igw) = network(&env, "10.42.0.0/16").await;
    let rt = env
        .create(RT, &env.config(RT, &[("vpc_id", s(attr(&vpc, "id")))]))
        .await;
    let rt_id = attr(&rt, "id").to_string();
    let igw_id = attr(&igw, "id").to_string();
    let config = |cidr: &str, target: (&str, &str)| {
        env.config(
            ROUTE,
            &[
                ("route_table_id", s(&rt_id)),
                ("destination_cidr_block", s(cidr)),
                (target.0, s(target.1)),
            ],
        )
    };

    let state = env
        .create(ROUTE, &config("0.0.0.0/0", ("gateway_id", &igw_id)))
        .await;
    assert!(attr(&state, "id").starts_with(&format!("r-{rt_id}")));
    assert_eq!(attr(&state, "state"), "active");
    assert_eq!(attr(&state, "origin"), "CreateRoute");
    assert_eq!(
        routes_of(&env, &rt_id).await,
        pairs(&[("0.0.0.0/0", &igw_id)])
    );
    assert_eq!(env.read(ROUTE, &state).await.as_ref(), Some(&state));

    // The table keeps its hands off a route managed by aws_route.
    let (planned_rt, _) = env
        .plan_update(
            RT,
            &env.read(RT, &rt).await.unwrap(),
            &env.config(RT, &[("vpc_id", s(attr(&vpc, "id")))]),
        )
        .await;
    assert_eq!(
        planned_rt
            .get_attr("route")
            .and_then(Value::as_elements)
            .map(<[Value]>::len),
        Some(1)
    );

    // In place: another target (ReplaceRoute), here a network interface.
    let subnet = env
        .create(
            "aws_subnet",
            &env.config(
                "aws_subnet",
                &[
                    ("vpc_id", s(attr(&vpc, "id"))),
                    ("cidr_block", s("10.42.1.0/24")),
                ],
            ),
        )
        .await;
    let eni = env
        .ec2
        .create_network_interface()
        .subnet_id(attr(&subnet, "id"))
        .send()
        .await
        .expect("CreateNetworkInterface");
    let eni_id = eni
        .network_interface()
        .and_then(|n| n.network_interface_id())
        .unwrap()
        .to_string();
    let state2 = env
        .update(
            ROUTE,
            &state,
            &config("0.0.0.0/0", ("network_interface_id", &eni_id)),
        )
        .await;
    assert_eq!(attr(&state2, "id"), attr(&state, "id"));
    assert_eq!(
        routes_of(&env, &rt_id).await,
        pairs(&[("0.0.0.0/0", &eni_id)])
    );

    // Import by TABLE_DESTINATION.
    let imported = env.import(ROUTE, &format!("{rt_id}_0.0.0.0/0")).await;
    assert_eq!(imported.get_attr("id"), state2.get_attr("id"));
    assert_eq!(imported.get_attr("network_interface_id"), Some(&s(&eni_id)));
    assert!(env.import_error(ROUTE, "0.0.0.0/0").await[0].contains("Invalid import id"));

    // Replace: a new destination.
    let state3 = env
        .replace(
            ROUTE,
            &state2,
            &config("10.50.0.0/16", ("gateway_id", &igw_id)),
            &["destination_cidr_block"],
        )
        .await;
    assert_eq!(
        routes_of(&env, &rt_id).await,
        pairs(&[("10.50.0.0/16", &igw_id)])
    );

    // Deleted outside gitform: refresh drops it.
    env.destroy(ROUTE, &state3).await;
    assert!(routes_of(&env, &rt_id).await.is_empty());
    assert_eq!(env.read(ROUTE, &state3).await, None);
}

#[tokio::test]
async fn route_table_association_lifecycle() {
    let Some(env) = env_with("route_table_association_lifecycle", Setup::NETWORK).await else {
        return;
    };
    let (vpc, _) = network(&env, "10.43.0.0/16").await;
    let vpc_id = attr(&vpc, "id");
    let rt_a = env
        .create(RT, &env.config(RT, &[("vpc_id", s(vpc_id))]))
        .await;
    let rt_b = env
        .create(RT, &env.config(RT, &[("vpc_id", s(vpc_id))]))
        .await;
    let subnet = |cidr: &str| {
        env.config(
            "aws_subnet",
            &[("vpc_id", s(vpc_id)), ("cidr_block", s(cidr))],
        )
    };
    let sub1 = env.create("aws_subnet", &subnet("10.43.1.0/24")).await;
    let sub2 = env.create("aws_subnet", &subnet("10.43.2.0/24")).await;
    let config = |sub: &Value, rt: &Value| {
        env.config(
            ASSOC,
            &[
                ("subnet_id", s(attr(sub, "id"))),
                ("route_table_id", s(attr(rt, "id"))),
            ],
        )
    };
    let associated = |rt: String, sub: String| {
        let env = &env;
        async move {
            table(env, &rt)
                .await
                .map(|t| {
                    t.associations()
                        .iter()
                        .any(|a| a.subnet_id() == Some(sub.as_str()))
                })
                .unwrap_or(false)
        }
    };

    let state = env.create(ASSOC, &config(&sub1, &rt_a)).await;
    assert!(attr(&state, "id").starts_with("rtbassoc-"));
    assert!(associated(attr(&rt_a, "id").into(), attr(&sub1, "id").into()).await);
    assert_eq!(env.read(ASSOC, &state).await.as_ref(), Some(&state));

    // In place: move to the other table (a new association id).
    let state2 = env.update(ASSOC, &state, &config(&sub1, &rt_b)).await;
    assert!(associated(attr(&rt_b, "id").into(), attr(&sub1, "id").into()).await);
    assert!(!associated(attr(&rt_a, "id").into(), attr(&sub1, "id").into()).await);
    assert_eq!(state2.get_attr("route_table_id"), rt_b.get_attr("id"));

    // Import as hashicorp/aws: SUBNET/TABLE.
    let imported = env
        .import(
            ASSOC,
            &format!("{}/{}", attr(&sub1, "id"), attr(&rt_b, "id")),
        )
        .await;
    assert_eq!(imported, state2);

    // Replace: another subnet.
    let state3 = env
        .replace(ASSOC, &state2, &config(&sub2, &rt_b), &["subnet_id"])
        .await;
    assert!(!associated(attr(&rt_b, "id").into(), attr(&sub1, "id").into()).await);
    assert!(associated(attr(&rt_b, "id").into(), attr(&sub2, "id").into()).await);

    // Several associations refresh in one DescribeRouteTables call.
    let sub3 = env.create("aws_subnet", &subnet("10.43.3.0/24")).await;
    let state4 = env.create(ASSOC, &config(&sub3, &rt_a)).await;
    env.take_calls();
    let read = env
        .read_batch(ASSOC, &[state3.clone(), state4.clone()])
        .await;
    assert_eq!(
        env.take_calls(),
        [("DescribeRouteTables".to_string(), 1)].into()
    );
    assert_eq!(read[1].new_state.as_ref(), Some(&state4));

    env.destroy(ASSOC, &state3).await;
    assert!(!associated(attr(&rt_b, "id").into(), attr(&sub2, "id").into()).await);
    assert_eq!(env.read(ASSOC, &state3).await, None);
}
