//! End-to-end: the real gitform binary runs `examples/aws-vpc` against
//! moto_server. Apply, a second plan with no changes, destroy leaving
//! nothing behind; drift made out of band (a security-group rule, a tag, a
//! terminated instance) and put back; and the whole example through a proxy
//! that fails 20% of the calls. Every check of what exists in "AWS" is made
//! with EC2 calls straight to moto, not through gitform.
//!
//! Without moto these tests print SKIPPED and pass; with `CI` set they fail.

#[path = "fixtures/e2e/support.rs"]
mod support;

#[path = "aws_support/mod.rs"]
mod aws_support;

use aws_support::{counts, example, scrub_ids, AwsWork, EXAMPLE_KINDS, EXAMPLE_RESOURCES};
use gitform_moto::Faults;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use support::insta_settings;

fn expected_counts() -> BTreeMap<&'static str, usize> {
    EXAMPLE_KINDS.iter().copied().collect()
}

/// The resource changes of a JSON plan whose actions are not no-op:
/// address -> actions.
fn changes(plan: &Json) -> BTreeMap<String, String> {
    support::action_list(plan).into_iter().collect()
}

/// The `change` object of one address in a JSON plan.
fn change<'a>(plan: &'a Json, address: &str) -> &'a Json {
    plan["resource_changes"]
        .as_array()
        .and_then(|rcs| rcs.iter().find(|rc| rc["address"] == address))
        .map(|rc| &rc["change"])
        .unwrap_or_else(|| panic!("{address} is not in the plan"))
}

#[track_caller]
fn apply_example(w: &AwsWork) {
    w.apply().stdout_has(&format!(
        "Apply complete! Resources: {EXAMPLE_RESOURCES} added, 0 changed, 0 destroyed."
    ));
}

#[test]
fn example_applies_then_plans_no_changes_then_destroys_everything() {
    let Some(w) = example("example_lifecycle", Faults::none()) else {
        return;
    };
    // The first plan, before anything exists: stable once ids are scrubbed.
    let first = w.run(&["plan"]).ok();
    assert_eq!(
        first.plan_line().as_deref(),
        Some(format!("Plan: {EXAMPLE_RESOURCES} to add, 0 to change, 0 to destroy.").as_str())
    );
    let text = scrub_ids(&first.stable_stdout().replace(&w.project, "PROJECT"));
    insta_settings().bind(|| insta::assert_snapshot!("aws_vpc_first_plan", text));

    apply_example(&w);
    let live = w.live();
    assert_eq!(counts(&live), expected_counts(), "{live:#?}");

    // The outputs name what exists.
    assert_eq!(w.output("vpc_id"), live["vpc"][0]);
    let ami = w.output("ami_id");
    let images = w.call(
        "DescribeImages",
        &[("ImageId.1", ami.as_str()), ("Owner.1", "amazon")],
    );
    let image = images.items("imagesSet");
    assert_eq!(image.len(), 1, "{ami} is not an amazon image");
    assert!(image[0]
        .child_text("name")
        .is_some_and(|n| n.starts_with("al2023-ami-")));

    // The wiring, read back from EC2: instances in the right subnets and
    // groups, routes to the gateways, associations.
    let vpc_id = &live["vpc"][0];
    let web_id = w.state_id("aws_instance.web");
    let reservations = w.call("DescribeInstances", &[("InstanceId.1", web_id.as_str())]);
    let web = reservations.items("reservationSet")[0].items("instancesSet")[0];
    assert_eq!(
        web.child_text("subnetId"),
        Some(w.state_id("aws_subnet.public[0]").as_str())
    );
    assert_eq!(
        web.items("groupSet")[0].child_text("groupId"),
        Some(w.state_id("aws_security_group.web").as_str())
    );
    assert_eq!(web.child_text("imageId"), Some(ami.as_str()));
    assert_eq!(
        web.child_text("keyName"),
        Some(format!("{}-deployer", w.project).as_str())
    );
    let tables = w.call(
        "DescribeRouteTables",
        &[(
            "RouteTableId.1",
            w.state_id("aws_route_table.private").as_str(),
        )],
    );
    let private = tables.items("routeTableSet")[0];
    assert_eq!(private.child_text("vpcId"), Some(vpc_id.as_str()));
    let nat_route = private
        .items("routeSet")
        .into_iter()
        .find(|r| r.child_text("destinationCidrBlock") == Some("0.0.0.0/0"))
        .expect("a default route in the private table");
    assert_eq!(
        nat_route.child_text("natGatewayId"),
        Some(w.state_id("aws_nat_gateway.main").as_str())
    );
    let mut associated: Vec<String> = private
        .items("associationSet")
        .iter()
        .filter_map(|a| a.child_text("subnetId").map(str::to_string))
        .collect();
    associated.sort();
    let mut private_subnets = vec![
        w.state_id("aws_subnet.private[0]"),
        w.state_id("aws_subnet.private[1]"),
    ];
    private_subnets.sort();
    assert_eq!(associated, private_subnets);

    // A second plan has nothing to do.
    w.plan_code()
        .code(0)
        .stdout_has("No changes.")
        .stdout_lacks("will be");

    // Destroy: gitform's state is empty and EC2 holds nothing tagged.
    w.run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has(&format!(
            "Destroy complete! Resources: {EXAMPLE_RESOURCES} destroyed."
        ));
    assert!(w.work.state_list().is_empty());
    let left = w.live();
    assert!(left.is_empty(), "left behind after destroy: {left:#?}");
}

#[test]
fn drift_of_a_rule_and_a_tag_is_shown_by_attribute_and_put_back() {
    let Some(w) = example("drift_rule_and_tag", Faults::none()) else {
        return;
    };
    apply_example(&w);
    let web_sg = w.state_id("aws_security_group.web");
    let vpc = w.state_id("aws_vpc.main");

    // Out of band: drop the HTTPS rule of the web group, rename the VPC.
    w.call(
        "RevokeSecurityGroupIngress",
        &[
            ("GroupId", web_sg.as_str()),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "443"),
            ("IpPermissions.1.ToPort", "443"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
        ],
    );
    w.call(
        "CreateTags",
        &[
            ("ResourceId.1", vpc.as_str()),
            ("Tag.1.Key", "Name"),
            ("Tag.1.Value", "renamed-out-of-band"),
        ],
    );

    let plan = w.plan_json();
    assert_eq!(
        changes(&plan),
        BTreeMap::from([
            ("aws_security_group.web".to_string(), "update".to_string()),
            ("aws_vpc.main".to_string(), "update".to_string()),
        ])
    );
    // The VPC: only its Name tag differs.
    let c = change(&plan, "aws_vpc.main");
    assert_eq!(c["before"]["tags"]["Name"], "renamed-out-of-band");
    assert_eq!(c["after"]["tags"]["Name"], format!("{}-vpc", w.project));
    // The group: the 443 rule is missing before and back after.
    let c = change(&plan, "aws_security_group.web");
    let ports = |v: &Json| -> Vec<i64> {
        let mut p: Vec<i64> = v["ingress"]
            .as_array()
            .map(|rules| {
                rules
                    .iter()
                    .filter_map(|r| r["from_port"].as_i64())
                    .collect()
            })
            .unwrap_or_default();
        p.sort();
        p
    };
    assert_eq!(ports(&c["before"]), [80]);
    assert_eq!(ports(&c["after"]), [80, 443]);
    // Both drifts are reported as changes made outside gitform.
    let drift: Vec<&str> = plan["resource_drift"]
        .as_array()
        .map(|d| d.iter().filter_map(|r| r["address"].as_str()).collect())
        .unwrap_or_default();
    assert!(drift.contains(&"aws_vpc.main"), "{drift:?}");
    assert!(drift.contains(&"aws_security_group.web"), "{drift:?}");

    // The human plan names the attributes.
    let text = w.plan_code().code(2);
    let text = text
        .stdout_has("# aws_security_group.web will be updated in-place")
        .stdout_has("# aws_vpc.main will be updated in-place")
        .stdout_has("~ ingress")
        .stdout_has(&format!(
            "~ \"Name\" = \"renamed-out-of-band\" -> \"{}-vpc\"",
            w.project
        ));
    assert_eq!(
        text.plan_line().as_deref(),
        Some("Plan: 0 to add, 2 to change, 0 to destroy.")
    );
    let shown = scrub_ids(&text.stable_stdout().replace(&w.project, "PROJECT"));
    insta_settings().bind(|| insta::assert_snapshot!("aws_vpc_drift_plan", shown));

    w.apply()
        .stdout_has("Apply complete! Resources: 0 added, 2 changed, 0 destroyed.");
    // Put back, as EC2 sees it.
    let groups = w.call("DescribeSecurityGroups", &[("GroupId.1", web_sg.as_str())]);
    let group = groups.items("securityGroupInfo")[0];
    let mut ports: Vec<String> = group
        .items("ipPermissions")
        .iter()
        .filter_map(|p| p.child_text("fromPort").map(str::to_string))
        .collect();
    ports.sort();
    assert_eq!(ports, ["443", "80"]);
    let vpcs = w.call("DescribeVpcs", &[("VpcId.1", vpc.as_str())]);
    assert_eq!(
        vpcs.items("vpcSet")[0].tag("Name"),
        Some(format!("{}-vpc", w.project))
    );
    w.plan_code().code(0);
}

#[test]
fn an_instance_terminated_out_of_band_is_recreated() {
    let Some(w) = example("terminated_instance", Faults::none()) else {
        return;
    };
    apply_example(&w);
    let old = w.state_id("aws_instance.app");
    w.call("TerminateInstances", &[("InstanceId.1", old.as_str())]);

    let plan = w.plan_json();
    assert_eq!(
        changes(&plan),
        BTreeMap::from([("aws_instance.app".to_string(), "create".to_string())])
    );
    w.plan_code()
        .code(2)
        .stdout_has("# aws_instance.app will be created");

    w.apply()
        .stdout_has("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
    let new = w.state_id("aws_instance.app");
    assert_ne!(new, old);
    let live = w.live();
    let mut instances = live["instance"].clone();
    instances.sort();
    let mut expected = vec![new, w.state_id("aws_instance.web")];
    expected.sort();
    assert_eq!(instances, expected, "the old instance stays terminated");
    w.plan_code().code(0);
}

#[test]
fn the_example_applies_completely_through_20_percent_throttling_and_503s() {
    let Some(w) = example("faults", Faults::throttle(0.2, 20_260_422)) else {
        return;
    };
    apply_example(&w);
    let calls = w.proxy.counts();
    assert!(
        calls.faulted() > 0,
        "no fault was injected:\n{}",
        calls.summary()
    );
    eprintln!(
        "apply through faults: {} calls, {} faulted",
        calls.calls(),
        calls.faulted()
    );
    // Writes were refused too, not only reads: their retries were tested.
    let refused_writes: Vec<&String> = calls
        .actions
        .iter()
        .filter(|(a, c)| {
            c.faulted > 0
                && [
                    "Create",
                    "Run",
                    "Allocate",
                    "Associate",
                    "Authorize",
                    "Import",
                ]
                .iter()
                .any(|w| a.starts_with(w))
        })
        .map(|(a, _)| a)
        .collect();
    assert!(
        refused_writes.len() >= 3,
        "too few writes were faulted: {refused_writes:?}\n{}",
        calls.summary()
    );
    // Everything exists once: no object was created twice by a retry
    // (moto's log keeps every object ever created, deleted or not).
    assert_eq!(counts(&w.live()), expected_counts());
    let created = w.created();
    let once: BTreeMap<String, usize> = [
        ("ElasticAddress", 1),
        ("Instance", 2),
        ("InternetGateway", 1),
        ("KeyPair", 1),
        ("NatGateway", 1),
        ("RouteTable", 2),
        ("SecurityGroup", 2),
        ("Subnet", 4),
        ("VPC", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    let created: BTreeMap<String, usize> = created
        .into_iter()
        .filter(|(k, _)| once.contains_key(k))
        .collect();
    assert_eq!(created, once, "objects created, by model");

    // Through the same faults, the next plan is empty and destroy is
    // complete.
    w.plan_code().code(0);
    w.run(&["destroy", "-auto-approve"])
        .ok()
        .stdout_has(&format!(
            "Destroy complete! Resources: {EXAMPLE_RESOURCES} destroyed."
        ));
    let left = w.live();
    assert!(left.is_empty(), "left behind after destroy: {left:#?}");
}
