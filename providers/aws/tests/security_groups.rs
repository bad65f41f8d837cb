//! aws_security_group, aws_security_group_rule, aws_vpc_security_group_*_rule
//! and the aws_security_group data source against moto, checked with the
//! test's own EC2 client.

mod support;

use aws_sdk_ec2::types::{IpPermission, IpRange, Tag};
use gitform_value::Value;
use std::collections::BTreeSet;
use support::*;

const SG: &str = "aws_security_group";

/// The rules of a group as the test's client sees them:
/// `(direction, protocol, from, to, source)`.
async fn rules_of(env: &Env, id: &str) -> BTreeSet<(String, String, i32, i32, String)> {
    let r = env
        .ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let g = &r.security_groups()[0];
    let mut out = BTreeSet::new();
    for (dir, perms) in [
        ("ingress", g.ip_permissions()),
        ("egress", g.ip_permissions_egress()),
    ] {
        for p in perms {
            let proto = p.ip_protocol().unwrap_or("").to_string();
            let (from, to) = (p.from_port().unwrap_or(0), p.to_port().unwrap_or(0));
            let mut add = |src: String| {
                out.insert((dir.to_string(), proto.clone(), from, to, src));
            };
            for r in p.ip_ranges() {
                add(r.cidr_ip().unwrap_or("").to_string());
            }
            for r in p.ipv6_ranges() {
                add(r.cidr_ipv6().unwrap_or("").to_string());
            }
            for g in p.user_id_group_pairs() {
                add(g.group_id().unwrap_or("").to_string());
            }
        }
    }
    out
}

fn rule(s: &str, from: i64, to: i64, proto: &str) -> (String, String, i32, i32, String) {
    let dir = if s.starts_with('E') {
        "egress"
    } else {
        "ingress"
    };
    (
        dir.to_string(),
        proto.to_string(),
        from as i32,
        to as i32,
        s.trim_start_matches(['E', 'I']).to_string(),
    )
}

async fn group_exists(env: &Env, id: &str) -> bool {
    let r = env
        .ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .expect("DescribeSecurityGroups");
    !r.security_groups().is_empty()
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

fn ingress(env: &Env, proto: &str, from: i64, to: i64, cidrs: &[&str], own: bool) -> Value {
    element(
        env,
        SG,
        "ingress",
        &[
            ("protocol", s(proto)),
            ("from_port", Value::int(from)),
            ("to_port", Value::int(to)),
            (
                "cidr_blocks",
                if cidrs.is_empty() {
                    Value::Null
                } else {
                    list(cidrs)
                },
            ),
            ("self", if own { Value::Bool(true) } else { Value::Null }),
        ],
    )
}

fn egress_all(env: &Env) -> Value {
    element(
        env,
        SG,
        "egress",
        &[
            ("protocol", s("-1")),
            ("from_port", Value::int(0)),
            ("to_port", Value::int(0)),
            ("cidr_blocks", list(&["0.0.0.0/0"])),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn security_group_lifecycle() {
    let Some(env) = env("security_group_lifecycle").await else {
        return;
    };
    let vpc = env.vpc("10.10.0.0/16").await;

    // Create: the configured rules exist, AWS's default egress rule is gone.
    let config = env.config(
        SG,
        &[
            ("name", s("web")),
            ("vpc_id", s(&vpc)),
            (
                "ingress",
                Value::set(vec![ingress(&env, "tcp", 22, 22, &["10.0.0.0/8"], true)]),
            ),
            ("tags", map(&[("Name", "web")])),
        ],
    );
    let state = env.create(SG, &config).await;
    let id = attr(&state, "id").to_string();
    assert!(id.starts_with("sg-"), "{id}");
    assert_eq!(attr(&state, "description"), "Managed by Terraform");
    assert_eq!(
        rules_of(&env, &id).await,
        [
            rule("I10.0.0.0/8", 22, 22, "tcp"),
            rule(&format!("I{id}"), 22, 22, "tcp")
        ]
        .into()
    );
    assert_eq!(state.get_attr("egress"), Some(&Value::Set(vec![])));

    // Protocol -1 with ports is refused, as hashicorp/aws refuses it.
    let bad = env.config(
        SG,
        &[(
            "ingress",
            Value::set(vec![ingress(&env, "all", 22, 22, &["10.0.0.0/8"], false)]),
        )],
    );
    let errs = errors(&env.validate(SG, &bad).await);
    assert!(
        errs.iter().any(|e| e.contains("must both be 0")),
        "{errs:?}"
    );

    // Read: nothing changed, nothing reported.
    let read = env.read(SG, &state).await.expect("exists");
    assert_eq!(changed_attrs(&state, &read), Vec::<String>::new());
    // A second plan is a no-op.
    let again = env.plan(SG, Some(&read), &config).await;
    assert_eq!(
        changed_attrs(&read, again.planned_state.as_ref().unwrap()),
        Vec::<String>::new()
    );

    // In place: another ingress rule, an egress rule, a new tag.
    let updated = env.config(
        SG,
        &[
            ("name", s("web")),
            ("vpc_id", s(&vpc)),
            (
                "ingress",
                Value::set(vec![
                    ingress(&env, "tcp", 22, 22, &["10.0.0.0/8"], true),
                    ingress(&env, "tcp", 443, 443, &["0.0.0.0/0"], false),
                ]),
            ),
            ("egress", Value::set(vec![egress_all(&env)])),
            ("tags", map(&[("Name", "web"), ("Tier", "front")])),
        ],
    );
    let state2 = env.apply(SG, Some(&read), &updated).await;
    assert_eq!(attr(&state2, "id"), id, "updated in place");
    assert_eq!(
        rules_of(&env, &id).await,
        [
            rule("I10.0.0.0/8", 22, 22, "tcp"),
            rule(&format!("I{id}"), 22, 22, "tcp"),
            rule("I0.0.0.0/0", 443, 443, "tcp"),
            rule("E0.0.0.0/0", 0, 0, "-1"),
        ]
        .into()
    );
    let tags = env
        .ec2
        .describe_tags()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("resource-id")
                .values(&id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let tag_keys: BTreeSet<&str> = tags.tags().iter().filter_map(|t| t.key()).collect();
    assert_eq!(tag_keys, ["Name", "Tier"].into());

    // Import by id: the same rules and tags.
    let imported = env.import(SG, &id).await;
    assert_eq!(attr(&imported, "name"), "web");
    assert_eq!(imported.get_attr("tags"), state2.get_attr("tags"));
    assert_eq!(
        imported
            .get_attr("ingress")
            .and_then(Value::as_elements)
            .map(<[Value]>::len),
        Some(2),
        "{imported:?}"
    );
    // Planning the configuration over the imported state changes nothing.
    let over_import = env.plan(SG, Some(&imported), &updated).await;
    assert!(over_import.requires_replace.is_empty());
    assert_eq!(
        changed_attrs(&imported, over_import.planned_state.as_ref().unwrap()),
        Vec::<String>::new()
    );

    // Replace: a new name forces a new group.
    let renamed = env.config(
        SG,
        &[
            ("name", s("web2")),
            ("vpc_id", s(&vpc)),
            ("egress", Value::set(vec![egress_all(&env)])),
        ],
    );
    let state3 = env.replace(SG, &state2, &renamed, &["name"]).await;
    let id3 = attr(&state3, "id").to_string();
    assert_ne!(id3, id);
    assert!(!group_exists(&env, &id).await);
    assert_eq!(
        rules_of(&env, &id3).await,
        [rule("E0.0.0.0/0", 0, 0, "-1")].into()
    );

    // Destroy.
    env.destroy(SG, &state3).await;
    assert!(!group_exists(&env, &id3).await);
    assert!(env.read(SG, &state3).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_that_reference_each_other() {
    let Some(env) = env("groups_that_reference_each_other").await else {
        return;
    };
    let vpc = env.vpc("10.11.0.0/16").await;
    let base = |name: &str, ingress: Vec<Value>| {
        env.config(
            SG,
            &[
                ("name", s(name)),
                ("vpc_id", s(&vpc)),
                ("revoke_rules_on_delete", Value::Bool(true)),
                ("ingress", Value::set(ingress)),
            ],
        )
    };
    let from_group = |g: &str| {
        element(
            &env,
            SG,
            "ingress",
            &[
                ("protocol", s("tcp")),
                ("from_port", Value::int(5432)),
                ("to_port", Value::int(5432)),
                ("security_groups", set(&[g])),
            ],
        )
    };
    let app = env.create(SG, &base("app", vec![])).await;
    let app_id = attr(&app, "id").to_string();
    let db = env.create(SG, &base("db", vec![from_group(&app_id)])).await;
    let db_id = attr(&db, "id").to_string();
    // Now app accepts db: a cycle of references, made in place.
    let app2 = env
        .apply(SG, Some(&app), &base("app", vec![from_group(&db_id)]))
        .await;
    assert_eq!(
        rules_of(&env, &db_id).await,
        [rule(&format!("I{app_id}"), 5432, 5432, "tcp")].into()
    );
    assert_eq!(
        rules_of(&env, &app_id).await,
        [rule(&format!("I{db_id}"), 5432, 5432, "tcp")].into()
    );
    let read = env.read_all(SG, &[app2.clone(), db.clone()]).await;
    assert_eq!(
        changed_attrs(&app2, read[0].as_ref().unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        changed_attrs(&db, read[1].as_ref().unwrap()),
        Vec::<String>::new()
    );
    // revoke_rules_on_delete lets either go first.
    env.destroy(SG, &app2).await;
    env.destroy(SG, &db).await;
    assert!(!group_exists(&env, &app_id).await && !group_exists(&env, &db_id).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_reports_exactly_the_changed_attributes_and_apply_restores() {
    let Some(env) = env("security_group_drift").await else {
        return;
    };
    let vpc = env.vpc("10.12.0.0/16").await;
    let config = env.config(
        SG,
        &[
            ("name", s("drift")),
            ("vpc_id", s(&vpc)),
            (
                "ingress",
                Value::set(vec![ingress(&env, "tcp", 80, 80, &["10.0.0.0/8"], false)]),
            ),
            ("tags", map(&[("Name", "drift"), ("Owner", "team-a")])),
        ],
    );
    let state = env.create(SG, &config).await;
    let id = attr(&state, "id").to_string();

    // Out of band: a rule added, a tag changed.
    env.ec2
        .authorize_security_group_ingress()
        .group_id(&id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(3389)
                .to_port(3389)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    env.ec2
        .create_tags()
        .resources(&id)
        .tags(Tag::builder().key("Owner").value("someone-else").build())
        .send()
        .await
        .unwrap();

    env.proxy.take_counts();
    let read = env.read(SG, &state).await.expect("exists");
    let counts = env.proxy.take_counts();
    assert_eq!(counts.calls(), 1, "one call: {}", counts.summary());
    assert_eq!(
        changed_attrs(&state, &read),
        ["ingress", "tags", "tags_all"]
    );
    assert_eq!(
        read.get_attr("tags"),
        Some(&map(&[("Name", "drift"), ("Owner", "someone-else")]))
    );
    let rules = read
        .get_attr("ingress")
        .and_then(Value::as_elements)
        .unwrap();
    assert_eq!(rules.len(), 2);
    assert!(rules.contains(&state.get_attr("ingress").unwrap().as_elements().unwrap()[0]));

    // Apply puts it back: the extra rule revoked, the tag restored.
    let plan = env.plan(SG, Some(&read), &config).await;
    assert!(plan.requires_replace.is_empty());
    let restored = env.apply(SG, Some(&read), &config).await;
    assert_eq!(
        rules_of(&env, &id).await,
        [rule("I10.0.0.0/8", 80, 80, "tcp")].into()
    );
    assert_eq!(restored.get_attr("tags"), state.get_attr("tags"));
    assert_eq!(changed_attrs(&state, &restored), Vec::<String>::new());
    env.destroy(SG, &restored).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn batched_read_is_one_call_for_many_groups() {
    let Some(env) = env("security_group_batched_read").await else {
        return;
    };
    let vpc = env.vpc("10.13.0.0/16").await;
    let mut states = Vec::new();
    for i in 0..5 {
        let c = env.config(
            SG,
            &[("name", s(&format!("batch-{i}"))), ("vpc_id", s(&vpc))],
        );
        states.push(env.create(SG, &c).await);
    }
    // One deleted out of band.
    env.ec2
        .delete_security_group()
        .group_id(attr(&states[2], "id"))
        .send()
        .await
        .unwrap();
    env.proxy.take_counts();
    let read = env.read_all(SG, &states).await;
    let counts = env.proxy.take_counts();
    assert_eq!(
        (counts.calls(), counts.of("DescribeSecurityGroups").calls),
        (1, 1),
        "{}",
        counts.summary()
    );
    let present: Vec<bool> = read.iter().map(Option::is_some).collect();
    assert_eq!(present, [true, true, false, true, true]);
    for (before, after) in states.iter().zip(&read) {
        if let Some(after) = after {
            assert_eq!(changed_attrs(before, after), Vec::<String>::new());
        }
    }
}

const RULE: &str = "aws_security_group_rule";

#[tokio::test(flavor = "multi_thread")]
async fn security_group_rule_lifecycle() {
    let Some(env) = env("security_group_rule_lifecycle").await else {
        return;
    };
    let vpc = env.vpc("10.14.0.0/16").await;
    let group = env
        .create(
            SG,
            &env.config(SG, &[("name", s("rules")), ("vpc_id", s(&vpc))]),
        )
        .await;
    let gid = attr(&group, "id").to_string();
    let config = |port: i64, description: Option<&str>| {
        env.config(
            RULE,
            &[
                ("type", s("ingress")),
                ("security_group_id", s(&gid)),
                ("protocol", s("tcp")),
                ("from_port", Value::int(port)),
                ("to_port", Value::int(port)),
                ("cidr_blocks", list(&["10.1.0.0/16", "10.2.0.0/16"])),
                ("description", description.map_or(Value::Null, s)),
            ],
        )
    };
    let state = env.create(RULE, &config(8080, None)).await;
    let rule_id = attr(&state, "id").to_string();
    assert!(rule_id.starts_with("sgrule-"), "{rule_id}");
    assert_eq!(
        rules_of(&env, &gid).await,
        [
            rule("I10.1.0.0/16", 8080, 8080, "tcp"),
            rule("I10.2.0.0/16", 8080, 8080, "tcp")
        ]
        .into()
    );
    let read = env.read(RULE, &state).await.expect("exists");
    assert_eq!(changed_attrs(&state, &read), Vec::<String>::new());

    // In place: the description only.
    let described = env
        .apply(RULE, Some(&read), &config(8080, Some("app")))
        .await;
    assert_eq!(attr(&described, "id"), rule_id);
    let g = env
        .ec2
        .describe_security_groups()
        .group_ids(&gid)
        .send()
        .await
        .unwrap();
    let ranges = g.security_groups()[0].ip_permissions()[0]
        .ip_ranges()
        .to_vec();
    assert!(
        ranges.iter().all(|r| r.description() == Some("app")),
        "{ranges:?}"
    );

    // Import, by hashicorp/aws's id format: the same rule, the same id.
    let imported = env
        .import(
            RULE,
            &format!("{gid}_ingress_tcp_8080_8080_10.1.0.0/16_10.2.0.0/16"),
        )
        .await;
    assert_eq!(attr(&imported, "id"), rule_id);
    assert_eq!(attr(&imported, "description"), "app");

    // Replace: another port.
    let moved = env
        .replace(
            RULE,
            &described,
            &config(9090, Some("app")),
            &["from_port", "to_port"],
        )
        .await;
    assert_eq!(
        rules_of(&env, &gid).await,
        [
            rule("I10.1.0.0/16", 9090, 9090, "tcp"),
            rule("I10.2.0.0/16", 9090, 9090, "tcp")
        ]
        .into()
    );

    // Revoked out of band: it is gone from the refresh.
    env.ec2
        .revoke_security_group_ingress()
        .group_id(&gid)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(9090)
                .to_port(9090)
                .ip_ranges(IpRange::builder().cidr_ip("10.2.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(env.read(RULE, &moved).await.is_none());

    // Destroy what is left.
    env.destroy(RULE, &moved).await;
    assert!(rules_of(&env, &gid).await.is_empty());
    assert!(!env
        .import_error(RULE, "sg-1_sideways_tcp_1_2_10.0.0.0/8")
        .await
        .is_empty());
}

const INGRESS: &str = "aws_vpc_security_group_ingress_rule";
const EGRESS: &str = "aws_vpc_security_group_egress_rule";

#[tokio::test(flavor = "multi_thread")]
async fn vpc_security_group_rules_lifecycle() {
    let Some(env) = env("vpc_security_group_rules_lifecycle").await else {
        return;
    };
    let vpc = env.vpc("10.15.0.0/16").await;
    let a = env
        .create(
            SG,
            &env.config(SG, &[("name", s("a")), ("vpc_id", s(&vpc))]),
        )
        .await;
    let b = env
        .create(
            SG,
            &env.config(SG, &[("name", s("b")), ("vpc_id", s(&vpc))]),
        )
        .await;
    let (a_id, b_id) = (attr(&a, "id").to_string(), attr(&b, "id").to_string());
    let config = |group: &str, port: i64, tag: &str| {
        env.config(
            INGRESS,
            &[
                ("security_group_id", s(group)),
                ("ip_protocol", s("tcp")),
                ("from_port", Value::int(port)),
                ("to_port", Value::int(port)),
                ("cidr_ipv4", s("10.0.0.0/8")),
                ("tags", map(&[("Name", tag)])),
            ],
        )
    };
    let state = env.create(INGRESS, &config(&a_id, 80, "http")).await;
    let sgr = attr(&state, "id").to_string();
    assert!(sgr.starts_with("sgr-"), "{sgr}");
    assert_eq!(attr(&state, "security_group_rule_id"), sgr);
    assert_eq!(
        rules_of(&env, &a_id).await,
        [rule("I10.0.0.0/8", 80, 80, "tcp")].into()
    );
    // The group, with no inline rules, leaves the rule resources' rules
    // alone: its refresh shows them, its plan changes nothing.
    let group_config = env.config(SG, &[("name", s("a")), ("vpc_id", s(&vpc))]);
    let a_read = env.read(SG, &a).await.expect("group");
    assert_eq!(changed_attrs(&a, &a_read), ["ingress"]);
    let plan = env.plan(SG, Some(&a_read), &group_config).await;
    assert_eq!(
        changed_attrs(&a_read, plan.planned_state.as_ref().unwrap()),
        Vec::<String>::new()
    );

    // In place: port and tag (ModifySecurityGroupRules, CreateTags).
    let moved = env
        .apply(INGRESS, Some(&state), &config(&a_id, 8080, "alt"))
        .await;
    assert_eq!(attr(&moved, "id"), sgr);
    assert_eq!(
        rules_of(&env, &a_id).await,
        [rule("I10.0.0.0/8", 8080, 8080, "tcp")].into()
    );
    let described = env
        .ec2
        .describe_security_group_rules()
        .security_group_rule_ids(&sgr)
        .send()
        .await
        .unwrap();
    let r = &described.security_group_rules()[0];
    assert_eq!(r.tags()[0].value(), Some("alt"));

    // Tag changed out of band: only the tags drift.
    env.ec2
        .create_tags()
        .resources(&sgr)
        .tags(Tag::builder().key("Name").value("oob").build())
        .send()
        .await
        .unwrap();
    let read = env.read(INGRESS, &moved).await.expect("exists");
    assert_eq!(changed_attrs(&moved, &read), ["tags", "tags_all"]);

    // Import by sgr- id.
    let imported = env.import(INGRESS, &sgr).await;
    assert_eq!(attr(&imported, "security_group_id"), a_id);
    assert_eq!(imported.get_attr("from_port"), Some(&Value::int(8080)));
    // The egress type does not take an ingress rule.
    assert!(!env.import_error(EGRESS, &sgr).await.is_empty());

    // Replace: another group.
    let other = env
        .replace(
            INGRESS,
            &read,
            &config(&b_id, 8080, "alt"),
            &["security_group_id"],
        )
        .await;
    assert!(rules_of(&env, &a_id).await.is_empty());
    assert_eq!(
        rules_of(&env, &b_id).await,
        [rule("I10.0.0.0/8", 8080, 8080, "tcp")].into()
    );

    // An egress rule to another group, all protocols. moto records the
    // referenced group as `account/sg-..`, so state and plan differ there.
    let egress = env
        .apply(
            EGRESS,
            None,
            &env.config(
                EGRESS,
                &[
                    ("security_group_id", s(&a_id)),
                    ("ip_protocol", s("-1")),
                    ("referenced_security_group_id", s(&b_id)),
                ],
            ),
        )
        .await;
    assert_eq!(egress.get_attr("from_port"), Some(&Value::Null));
    assert!(rules_of(&env, &a_id)
        .await
        .contains(&rule(&format!("E{b_id}"), 0, 0, "-1")));

    // Both refreshed in one call each.
    env.proxy.take_counts();
    let both = env.read_all(INGRESS, &[other.clone(), other.clone()]).await;
    assert_eq!(env.proxy.take_counts().calls(), 1);
    assert!(both.iter().all(Option::is_some));

    env.destroy(INGRESS, &other).await;
    env.destroy(EGRESS, &egress).await;
    assert!(rules_of(&env, &b_id).await.is_empty());
    assert!(rules_of(&env, &a_id).await.is_empty());

    // Exactly one destination.
    let none = env.config(
        INGRESS,
        &[("security_group_id", s(&a_id)), ("ip_protocol", s("tcp"))],
    );
    assert!(!errors(&env.validate(INGRESS, &none).await).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn security_group_data_source() {
    let Some(env) = env("security_group_data_source").await else {
        return;
    };
    let vpc = env.vpc("10.16.0.0/16").await;
    let g = env
        .create(
            SG,
            &env.config(
                SG,
                &[
                    ("name", s("lookup")),
                    ("vpc_id", s(&vpc)),
                    ("tags", map(&[("Role", "db")])),
                ],
            ),
        )
        .await;
    let by_name = env
        .try_read_data(
            "aws_security_group",
            &env.data_config(
                "aws_security_group",
                &[("name", s("lookup")), ("vpc_id", s(&vpc))],
            ),
        )
        .await
        .expect("found");
    assert_eq!(attr(&by_name, "id"), attr(&g, "id"));
    assert_eq!(attr(&by_name, "description"), "Managed by Terraform");
    let by_tag = env
        .try_read_data(
            "aws_security_group",
            &env.data_config("aws_security_group", &[("tags", map(&[("Role", "db")]))]),
        )
        .await
        .expect("found");
    assert_eq!(attr(&by_tag, "name"), "lookup");
    // The VPC's default group and ours: more than one.
    let many = env
        .try_read_data(
            "aws_security_group",
            &env.data_config("aws_security_group", &[("vpc_id", s(&vpc))]),
        )
        .await;
    assert!(many.is_err(), "{many:?}");
    let none = env
        .try_read_data(
            "aws_security_group",
            &env.data_config("aws_security_group", &[("name", s("nope"))]),
        )
        .await;
    assert!(none.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_of_more_than_200_groups_is_one_call_per_200() {
    let Some(env) = env("security_group_refresh_chunks").await else {
        return;
    };
    let vpc = env.vpc("10.17.0.0/16").await;
    let mut priors = Vec::new();
    for n in 0..230 {
        let id = env
            .ec2
            .create_security_group()
            .group_name(format!("chunk-{n}"))
            .description("chunk")
            .vpc_id(&vpc)
            .send()
            .await
            .expect("CreateSecurityGroup")
            .group_id()
            .expect("id")
            .to_string();
        priors.push(env.config(SG, &[("id", s(&id))]));
    }
    env.proxy.take_counts();
    let read = env.read_all(SG, &priors).await;
    let counts = env.proxy.take_counts();
    assert_eq!(
        counts.of("DescribeSecurityGroups").calls,
        2,
        "{}",
        counts.summary()
    );
    assert_eq!(counts.calls(), 2);
    assert!(read.iter().all(Option::is_some));
    assert_eq!(attr(read[229].as_ref().unwrap(), "name"), "chunk-229");
}

/// `ingress`/`egress` not set (no block, no argument) leave the group's rules
/// alone; `= []` removes every rule of that direction; a rule without
/// `from_port` (block form makes every field optional) is refused.
#[tokio::test(flavor = "multi_thread")]
async fn unset_rules_are_kept_and_empty_rules_are_removed() {
    let Some(env) = env("unset_rules_are_kept_and_empty_rules_are_removed").await else {
        return;
    };
    let vpc = env.vpc("10.12.0.0/16").await;
    let config = |ingress: Value, egress: Value| {
        env.config(
            SG,
            &[
                ("name", s("keep")),
                ("vpc_id", s(&vpc)),
                ("ingress", ingress),
                ("egress", egress),
            ],
        )
    };
    let both = config(
        Value::set(vec![ingress(&env, "tcp", 80, 80, &["10.0.0.0/8"], false)]),
        Value::set(vec![egress_all(&env)]),
    );
    let state = env.create(SG, &both).await;
    let id = attr(&state, "id").to_string();
    let all = [
        rule("I10.0.0.0/8", 80, 80, "tcp"),
        rule("E0.0.0.0/0", 0, 0, "-1"),
    ];
    assert_eq!(rules_of(&env, &id).await, all.clone().into());

    // Neither direction set: a no-op plan, and apply leaves every rule.
    let unset = config(Value::Null, Value::Null);
    let planned = env.plan(SG, Some(&state), &unset).await;
    assert_eq!(
        changed_attrs(&state, planned.planned_state.as_ref().unwrap()),
        Vec::<String>::new()
    );
    let state2 = env.apply(SG, Some(&state), &unset).await;
    assert_eq!(rules_of(&env, &id).await, all.clone().into());
    assert_eq!(state2.get_attr("ingress"), state.get_attr("ingress"));

    // `ingress = []`: the ingress rules go, egress (unset) stays.
    let no_ingress = config(Value::Set(vec![]), Value::Null);
    let planned = env.plan(SG, Some(&state2), &no_ingress).await;
    assert_eq!(
        changed_attrs(&state2, planned.planned_state.as_ref().unwrap()),
        ["ingress"]
    );
    let state3 = env.apply(SG, Some(&state2), &no_ingress).await;
    assert_eq!(
        rules_of(&env, &id).await,
        [rule("E0.0.0.0/0", 0, 0, "-1")].into()
    );
    assert_eq!(state3.get_attr("ingress"), Some(&Value::Set(vec![])));
    let read = env.read(SG, &state3).await.expect("exists");
    assert_eq!(changed_attrs(&state3, &read), Vec::<String>::new());

    // A rule block without from_port.
    let mut partial = ingress(&env, "tcp", 80, 80, &["10.0.0.0/8"], false);
    set_attr(&mut partial, "from_port", Value::Null);
    let errs = errors(
        &env.validate(SG, &config(Value::set(vec![partial]), Value::Null))
            .await,
    );
    assert!(
        errs.iter().any(|e| e.contains("ingress.0.from_port")),
        "{errs:?}"
    );
    env.destroy(SG, &state3).await;
}
