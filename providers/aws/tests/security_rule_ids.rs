//! `aws_security_group_rule.security_group_rule_id` against moto: the EC2
//! rule id of a one-source rule resource (null for a resource that stands
//! for several EC2 rules, as hashicorp/aws records it), filled on create,
//! import and refresh from ONE DescribeSecurityGroupRules call per batch of
//! groups (group-id filter), checked with the test's own EC2 client.

mod support;

use aws_sdk_ec2::types::Filter;
use gitform_value::Value;
use std::collections::BTreeMap;
use support::*;

const SG: &str = "aws_security_group";
const RULE: &str = "aws_security_group_rule";

/// The EC2 rule ids of a group, by (egress, cidr, from port), through the
/// test's own client.
async fn rule_ids(env: &Env, group: &str) -> BTreeMap<(bool, String, i32), String> {
    let out = env
        .ec2
        .describe_security_group_rules()
        .filters(Filter::builder().name("group-id").values(group).build())
        .send()
        .await
        .expect("DescribeSecurityGroupRules");
    out.security_group_rules()
        .iter()
        .filter_map(|r| {
            Some((
                (r.is_egress()?, r.cidr_ipv4()?.to_string(), r.from_port()?),
                r.security_group_rule_id()?.to_string(),
            ))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn security_group_rule_id_is_the_ec2_rule_id() {
    let Some(env) = env("security_group_rule_id_is_the_ec2_rule_id").await else {
        return;
    };
    let vpc = env.vpc("10.31.0.0/16").await;
    let mut groups = Vec::new();
    for name in ["a", "b"] {
        let g = env
            .create(
                SG,
                &env.config(SG, &[("name", s(name)), ("vpc_id", s(&vpc))]),
            )
            .await;
        groups.push(attr(&g, "id").to_string());
    }
    let rule = |gid: &str, kind: &str, port: i64, cidrs: &[&str]| {
        env.config(
            RULE,
            &[
                ("type", s(kind)),
                ("security_group_id", s(gid)),
                ("protocol", s("tcp")),
                ("from_port", Value::int(port)),
                ("to_port", Value::int(port)),
                ("cidr_blocks", list(cidrs)),
            ],
        )
    };
    // Four one-source rules over two groups and both directions, and one
    // rule resource with two sources.
    let mut states = Vec::new();
    for (gid, kind, port, cidr) in [
        (&groups[0], "ingress", 22, "10.1.0.0/16"),
        (&groups[0], "egress", 443, "10.2.0.0/16"),
        (&groups[1], "ingress", 80, "10.3.0.0/16"),
        (&groups[1], "ingress", 8080, "10.4.0.0/16"),
    ] {
        let state = env.create(RULE, &rule(gid, kind, port, &[cidr])).await;
        let listed = rule_ids(&env, gid).await;
        let key = (kind == "egress", cidr.to_string(), port as i32);
        assert_eq!(
            attr(&state, "security_group_rule_id"),
            listed[&key],
            "{gid} {kind} {port}"
        );
        assert!(attr(&state, "security_group_rule_id").starts_with("sgr-"));
        states.push(state);
    }
    let two = env
        .create(
            RULE,
            &rule(&groups[1], "ingress", 9000, &["10.5.0.0/16", "10.6.0.0/16"]),
        )
        .await;
    assert_eq!(two.get_attr("security_group_rule_id"), Some(&Value::Null));
    states.push(two);

    // Refresh of the five: one DescribeSecurityGroups and one
    // DescribeSecurityGroupRules call, and every state unchanged.
    env.take_calls();
    let read = env.read_all(RULE, &states).await;
    assert_eq!(
        env.take_calls(),
        [
            ("DescribeSecurityGroupRules".to_string(), 1),
            ("DescribeSecurityGroups".to_string(), 1),
        ]
        .into()
    );
    for (got, old) in read.iter().zip(&states) {
        let got = got.as_ref().expect("exists");
        assert_eq!(changed_attrs(old, got), Vec::<String>::new());
    }

    // Import fills it too.
    let imported = env
        .import(
            RULE,
            &format!("{}_ingress_tcp_80_80_10.3.0.0/16", groups[1]),
        )
        .await;
    assert_eq!(
        imported.get_attr("security_group_rule_id"),
        states[2].get_attr("security_group_rule_id")
    );

    // The EC2 rule revoked and authorized again out of band: same rule
    // resource, new EC2 rule id, which the refresh reports.
    let old_id = attr(&states[0], "security_group_rule_id").to_string();
    env.ec2
        .revoke_security_group_ingress()
        .group_id(&groups[0])
        .security_group_rule_ids(&old_id)
        .send()
        .await
        .expect("RevokeSecurityGroupIngress");
    env.ec2
        .authorize_security_group_ingress()
        .group_id(&groups[0])
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("10.1.0.0/16")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
    let new_id = rule_ids(&env, &groups[0]).await[&(false, "10.1.0.0/16".to_string(), 22)].clone();
    assert_ne!(new_id, old_id);
    let refreshed = env.read(RULE, &states[0]).await.expect("exists");
    assert_eq!(attr(&refreshed, "security_group_rule_id"), new_id);

    for state in states.iter().skip(1) {
        env.destroy(RULE, state).await;
    }
    env.destroy(RULE, &refreshed).await;
}
