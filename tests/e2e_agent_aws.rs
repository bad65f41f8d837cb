//! End-to-end: the agent's drift loop against moto. A security group is
//! applied from a Git commit; one of its rules is revoked out of band
//! (straight through the EC2 API, never through gitform); the agent's
//! drift check finds it, reports it through the webhook attribute by
//! attribute, and puts the rule back.
//!
//! Skipped (with a message) when moto is not installed, unless `CI` is set.

#[path = "fixtures/agent/support.rs"]
mod support;

use gitform_moto::{account, shared_or_skip, Ec2, Faults, Proxy, ProxyConfig};
use gitform_state::{SqliteStore, StateStore};
use support::{hcl, wait_for, write_config, Agent, Receiver, Repo};

const NETWORK_TF: &str = r#"
provider "aws" {
  region = "us-east-1"

  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
  tags = {
    Name = "agent-e2e"
  }
}

resource "aws_security_group" "web" {
  name        = "agent-e2e-web"
  description = "web"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

/// The ingress ports of a security group, as EC2 reports them.
fn ingress_ports(ec2: &Ec2, group: &str) -> Vec<String> {
    let answer = ec2
        .call_xml("DescribeSecurityGroups", &[("GroupId.1", group)])
        .expect("DescribeSecurityGroups");
    let groups = answer.items("securityGroupInfo");
    let mut ports: Vec<String> = groups
        .first()
        .map(|g| {
            g.items("ipPermissions")
                .iter()
                .filter_map(|p| p.child_text("fromPort").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ports.sort();
    ports
}

#[test]
fn a_security_group_rule_revoked_out_of_band_is_put_back() {
    let Some(moto) = shared_or_skip("agent_aws_drift") else {
        return;
    };
    let account = account::unique_id();
    let proxy = Proxy::start(ProxyConfig {
        upstream: moto.addr(),
        account_id: Some(account.clone()),
        faults: Faults::none(),
    })
    .expect("start the proxy");
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repo::init(&tmp.path().join("repo"));
    let c1 = repo.commit(&[("main.tf", NETWORK_TF)], "web security group");
    let hooks = Receiver::start();
    let state = tmp.path().join("aws.db");
    let config = write_config(
        tmp.path(),
        &format!(
            r#"agent {{
  listen        = "127.0.0.1:0"
  log_format    = "json"
  data_dir      = {data}
  retry_initial = "200ms"
  retry_max     = "1s"
}}

environment "aws" {{
  repository     = {repo}
  state          = {state}
  poll_interval  = "500ms"
  drift_interval = "1s"
  on_drift       = "revert"

  webhook {{
    url    = "{url}"
    events = ["drift", "reverted", "failed"]
  }}
}}
"#,
            data = hcl(&tmp.path().join("agent-data")),
            repo = hcl(&repo.dir),
            state = hcl(&state),
            url = hooks.url(),
        ),
    );
    let env = proxy.client_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let agent = Agent::start_with_env(&config, &env);
    agent.wait_current("aws", &c1);

    let store = SqliteStore::open(&state).unwrap();
    let group = store
        .get_resource("aws_security_group.web")
        .unwrap()
        .and_then(|r| r.attributes["id"].as_str().map(str::to_string))
        .expect("the group's id in the state");
    let ec2 = Ec2::new(moto.addr(), &account);
    assert_eq!(ingress_ports(&ec2, &group), ["443", "80"]);

    // Out of band: revoke the HTTPS rule.
    ec2.call_xml(
        "RevokeSecurityGroupIngress",
        &[
            ("GroupId", group.as_str()),
            ("IpPermissions.1.IpProtocol", "tcp"),
            ("IpPermissions.1.FromPort", "443"),
            ("IpPermissions.1.ToPort", "443"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0"),
        ],
    )
    .expect("RevokeSecurityGroupIngress");
    assert_eq!(ingress_ports(&ec2, &group), ["80"]);

    // The drift is reported with the resource and its changed attribute...
    let drift = wait_for(
        "the drift webhook",
        || agent.logs(),
        || hooks.of("drift").into_iter().next(),
    );
    let findings = drift.body["drift"].as_array().cloned().unwrap_or_default();
    let web = findings
        .iter()
        .find(|f| f["resource"] == "aws_security_group.web")
        .unwrap_or_else(|| panic!("no finding for the group: {}", drift.body));
    assert_eq!(web["change"], "update");
    assert!(
        web["attributes"].as_array().is_some_and(|a| a
            .iter()
            .any(|x| x["path"].as_str().is_some_and(|p| p.starts_with("ingress")))),
        "{web}"
    );
    // ...and reverted: EC2 has the rule again.
    wait_for(
        "the reverted webhook",
        || agent.logs(),
        || hooks.of("reverted").into_iter().next(),
    );
    wait_for(
        "the rule back in EC2",
        || format!("{:?}", ingress_ports(&ec2, &group)),
        || (ingress_ports(&ec2, &group) == ["443", "80"]).then_some(()),
    );
    assert!(hooks.of("failed").is_empty(), "{:?}", hooks.of("failed"));
    let runs = agent.runs("environment=aws");
    assert!(
        runs.iter()
            .any(|r| r["trigger"] == "drift-revert" && r["outcome"] == "success"),
        "{runs:#?}"
    );
}
