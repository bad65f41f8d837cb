//! Helpers for the end-to-end tests of the gitform binary against moto
//! (`tests/e2e_aws*.rs`). Include after the e2e support module:
//!
//! ```ignore
//! #[path = "fixtures/e2e/support.rs"]
//! mod support;
//! #[path = "aws_support/mod.rs"]
//! mod aws_support;
//! ```
//!
//! Each test gets its own moto account (its own proxy sends its own
//! `x-moto-account-id`) and its own `Project` tag value, so the tests of a
//! binary share one moto_server and still run in parallel. Out-of-band
//! changes and checks go straight to moto with the test's account, through
//! the raw EC2 client of gitform-moto, never through gitform.
#![allow(dead_code)] // each test file uses a different subset

use crate::support::{Run, Work};
use gitform_moto::{account, shared_or_skip, Ec2, Element, Faults, Moto, Proxy, ProxyConfig};
use std::collections::BTreeMap;

/// A copy of a configuration, run against moto through a proxy.
pub struct AwsWork {
    pub work: Work,
    pub moto: &'static Moto,
    pub proxy: Proxy,
    pub account: String,
    /// The `project` variable: the Project tag of everything created.
    pub project: String,
}

/// A copy of `examples/aws-vpc` with its own account and project name, or
/// `None` (after a printed skip) when moto is unavailable outside CI.
pub fn example(test: &str, faults: Faults) -> Option<AwsWork> {
    let moto = shared_or_skip(test)?;
    let account = account::unique_id();
    let proxy = Proxy::start(ProxyConfig {
        upstream: moto.addr(),
        account_id: Some(account.clone()),
        faults,
    })
    .expect("start the proxy");
    let work = Work::repo_dir("examples/aws-vpc");
    // Not part of the example: the script's helper and any local state.
    let _ = std::fs::remove_file(work.path().join("run-against-moto.sh"));
    let _ = std::fs::remove_dir_all(work.path().join(".gitform"));
    let project = format!("e2e-{account}");
    work.write("terraform.tfvars", &format!("project = \"{project}\"\n"));
    Some(AwsWork {
        work,
        moto,
        proxy,
        account,
        project,
    })
}

impl AwsWork {
    /// Runs `gitform -no-color ARGS` with the proxy as the EC2 endpoint.
    pub fn run(&self, args: &[&str]) -> Run {
        let env = self.proxy.client_env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.work.run_env(args, &env)
    }

    /// `apply -auto-approve`, which must succeed.
    #[track_caller]
    pub fn apply(&self) -> Run {
        self.run(&["apply", "-auto-approve"]).ok()
    }

    /// `plan -detailed-exitcode`.
    pub fn plan_code(&self) -> Run {
        self.run(&["plan", "-detailed-exitcode"])
    }

    /// `plan -json`, which must succeed, parsed.
    #[track_caller]
    pub fn plan_json(&self) -> serde_json::Value {
        self.run(&["plan", "-json"]).ok().json()
    }

    /// `output -raw NAME`.
    #[track_caller]
    pub fn output(&self, name: &str) -> String {
        self.run(&["output", "-raw", name]).ok().stdout
    }

    /// The `id` attribute of a resource in the state.
    #[track_caller]
    pub fn state_id(&self, address: &str) -> String {
        let res = self.work.state_resources();
        res.get(address)
            .and_then(|r| r["values"]["id"].as_str())
            .unwrap_or_else(|| panic!("{address} has no id in the state: {res:?}"))
            .to_string()
    }

    /// A raw EC2 client straight to moto, as this test's account (not
    /// counted by the proxy, never faulted).
    pub fn ec2(&self) -> Ec2 {
        Ec2::new(self.moto.addr(), &self.account)
    }

    /// One EC2 call straight to moto, parsed; it must succeed.
    #[track_caller]
    pub fn call(&self, action: &str, params: &[(&str, &str)]) -> Element {
        self.ec2()
            .call_xml(action, params)
            .unwrap_or_else(|e| panic!("{action}: {e}"))
    }

    /// What exists now with this test's Project tag: ids by EC2 kind.
    #[track_caller]
    pub fn live(&self) -> BTreeMap<String, Vec<String>> {
        let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in self
            .ec2()
            .live_tagged("Project", &self.project)
            .expect("list live resources")
        {
            by_kind.entry(f.kind).or_default().push(f.id);
        }
        by_kind
    }

    /// How many objects of each moto model were ever created with this
    /// test's Project tag (deleted ones included): the duplicate check.
    #[track_caller]
    pub fn created(&self) -> BTreeMap<String, usize> {
        let dump = gitform_moto::dump(self.moto.addr()).expect("moto dump");
        let mut by_kind = BTreeMap::new();
        for f in dump.tagged("Project", &self.project) {
            *by_kind.entry(f.kind).or_insert(0) += 1;
        }
        by_kind
    }
}

/// `live()` reduced to counts, for the kinds the example manages.
pub fn counts(live: &BTreeMap<String, Vec<String>>) -> BTreeMap<&str, usize> {
    EXAMPLE_KINDS
        .iter()
        .map(|(kind, _)| (*kind, live.get(*kind).map_or(0, Vec::len)))
        .collect()
}

/// The tagged objects `examples/aws-vpc` makes, by EC2 kind.
pub const EXAMPLE_KINDS: &[(&str, usize)] = &[
    ("elastic-ip", 1),
    ("instance", 2),
    ("internet-gateway", 1),
    ("key-pair", 1),
    ("natgateway", 1),
    ("route-table", 2),
    ("security-group", 2),
    ("subnet", 4),
    ("vpc", 1),
];

/// The resources of `examples/aws-vpc` (Terraform applies 21).
pub const EXAMPLE_RESOURCES: usize = 21;

/// Replaces what moto makes up (ids, addresses, AMI names and dates) with
/// stable placeholders, numbering each distinct value in order of first
/// appearance, so a snapshot still shows which references are the same.
pub fn scrub_ids(text: &str) -> String {
    let patterns = [
        (
            r"\b(vpc|subnet|igw|nat|eipalloc|eipassoc|rtb|rtbassoc|sg|sgr|i|key|ami|vol|eni|lt|snap|r)-[0-9a-f]{8,17}\b",
            "",
        ),
        // Host names made of addresses (ip-10-0-1-5.ec2.internal).
        (r"\b(?:ip|ec2)-\d{1,3}-\d{1,3}-\d{1,3}-\d{1,3}\b", "HOST"),
        // Addresses, but not CIDR blocks (they come from the configuration).
        (r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b(/\d+)?", "IP"),
        (r"\b\d{12}\b", "ACCOUNT"),
    ];
    let mut out = text.to_string();
    for (pattern, label) in patterns {
        let re = regex::Regex::new(pattern).expect("regex");
        // Numbered per prefix: <vpc-1>, <subnet-1>, <subnet-2>, ...
        let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
        out = re
            .replace_all(&out, |c: &regex::Captures| {
                let m = c[0].to_string();
                if label == "IP" && c.get(1).is_some() {
                    return m;
                }
                let prefix = if label.is_empty() { &c[1] } else { label };
                let values = seen.entry(prefix.to_string()).or_default();
                let n = match values.iter().position(|s| *s == m) {
                    Some(i) => i + 1,
                    None => {
                        values.push(m.clone());
                        values.len()
                    }
                };
                format!("<{prefix}-{n}>")
            })
            .into_owned();
    }
    out
}

#[test]
fn scrub_ids_numbers_distinct_values() {
    assert_eq!(
        scrub_ids(
            "vpc-0a1b2c3d4e5f60718 subnet-12345678 vpc-0a1b2c3d4e5f60718 10.0.1.5 123456789012"
        ),
        "<vpc-1> <subnet-1> <vpc-1> <IP-1> <ACCOUNT-1>"
    );
    assert_eq!(
        scrub_ids("cidr 10.20.0.0/24, ip 10.20.0.7, ip-10-20-0-7.ec2.internal"),
        "cidr 10.20.0.0/24, ip <IP-1>, <HOST-1>.ec2.internal"
    );
}
