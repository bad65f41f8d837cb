//! The harness against a real moto_server: start and stop, per-account
//! isolation through proxies, counting, fault injection, state dumps.

use gitform_moto::{
    account, dump, shared_or_skip, wire, xml_texts, Ec2, FaultKind, Faults, Moto, Proxy,
    ProxyConfig,
};
use std::time::Duration;

fn proxy(moto: &Moto, faults: Faults) -> Proxy {
    Proxy::start(ProxyConfig {
        upstream: moto.addr(),
        account_id: Some(account::unique_id()),
        faults,
    })
    .expect("proxy")
}

/// An EC2 client that talks to the proxy (it sets no account itself: the
/// proxy replaces the header with its own).
fn through(proxy: &Proxy) -> Ec2 {
    Ec2::new(proxy.addr(), "000000000000")
}

fn create_vpc(ec2: &Ec2, cidr: &str, name: &str) -> String {
    let xml = ec2
        .call(
            "CreateVpc",
            &[
                ("CidrBlock", cidr),
                ("TagSpecification.1.ResourceType", "vpc"),
                ("TagSpecification.1.Tag.1.Key", "Name"),
                ("TagSpecification.1.Tag.1.Value", name),
            ],
        )
        .expect("CreateVpc");
    xml_texts(&xml, "vpcId").remove(0)
}

fn vpcs_named(ec2: &Ec2, name: &str) -> Vec<String> {
    let xml = ec2
        .call(
            "DescribeVpcs",
            &[("Filter.1.Name", "tag:Name"), ("Filter.1.Value.1", name)],
        )
        .expect("DescribeVpcs");
    xml_texts(&xml, "vpcId")
}

#[test]
fn each_proxy_is_its_own_account_and_counts_its_calls() {
    let Some(moto) = shared_or_skip("each_proxy_is_its_own_account") else {
        return;
    };
    let a = proxy(moto, Faults::none());
    let b = proxy(moto, Faults::none());
    let vpc = create_vpc(&through(&a), "10.7.0.0/16", "isolation");
    assert!(vpc.starts_with("vpc-"), "{vpc}");
    assert_eq!(
        vpcs_named(&through(&a), "isolation"),
        std::slice::from_ref(&vpc)
    );
    assert!(vpcs_named(&through(&b), "isolation").is_empty());

    let counts = a.counts();
    assert_eq!(counts.of("CreateVpc").calls, 1);
    assert_eq!(counts.of("DescribeVpcs").calls, 1);
    assert_eq!(
        (counts.calls(), counts.forwarded(), counts.faulted()),
        (2, 2, 0)
    );
    assert_eq!(b.take_counts().calls(), 1);
    assert_eq!(b.counts().calls(), 0, "take_counts zeroes");

    // The dump sees the VPC under a's account, with its tag.
    let d = dump(moto.addr()).expect("dump");
    let found = d.tagged("Name", "isolation");
    assert!(
        found.iter().any(|f| f.kind == "VPC" && f.id == vpc),
        "{found:?}"
    );
    let owner = d
        .ec2("VPC")
        .iter()
        .find(|r| gitform_moto::record_id(r) == vpc)
        .and_then(|r| r["owner_id"].as_str().map(str::to_string));
    assert_eq!(owner.as_deref(), a.account_id());
}

#[test]
fn injected_faults_answer_instead_of_moto_and_are_counted() {
    let Some(moto) = shared_or_skip("injected_faults") else {
        return;
    };
    let p = proxy(
        moto,
        Faults {
            actions: vec!["CreateVpc".into()],
            ..Faults::throttle(0.5, 3)
        },
    );
    let ec2 = through(&p);
    let (mut created, mut throttled, mut unavailable) = (0u64, 0u64, 0u64);
    for i in 0..40 {
        let faults = Faults {
            actions: vec!["CreateVpc".into()],
            ..Faults::throttle(0.5, 3)
        };
        let expected = faults.decide("CreateVpc", i);
        let result = ec2.call(
            "CreateVpc",
            &[
                ("CidrBlock", "10.9.0.0/16"),
                ("TagSpecification.1.ResourceType", "vpc"),
                ("TagSpecification.1.Tag.1.Key", "Name"),
                ("TagSpecification.1.Tag.1.Value", "faults"),
            ],
        );
        match (expected, result) {
            (None, Ok(xml)) => {
                assert_eq!(xml_texts(&xml, "vpcId").len(), 1);
                created += 1;
            }
            (
                Some(FaultKind::RequestLimitExceeded),
                Err(gitform_moto::Error::Http { status, body, .. }),
            ) => {
                assert_eq!(status, 503);
                assert_eq!(xml_texts(&body, "Code"), ["RequestLimitExceeded"]);
                throttled += 1;
            }
            (
                Some(FaultKind::ServiceUnavailable),
                Err(gitform_moto::Error::Http { status, body, .. }),
            ) => {
                assert_eq!((status, body.trim()), (503, "Service Unavailable"));
                unavailable += 1;
            }
            (expected, got) => panic!("call {i}: expected {expected:?}, got {got:?}"),
        }
    }
    assert!(throttled > 0 && unavailable > 0 && created > 0);
    // Only the calls that were not faulted reached moto.
    assert_eq!(vpcs_named(&ec2, "faults").len() as u64, created);
    let c = p.counts().of("CreateVpc");
    assert_eq!(c.calls, 40);
    assert_eq!(c.faulted, throttled + unavailable);
    assert_eq!(c.forwarded, created);
    // DescribeVpcs is not in the fault list.
    assert_eq!(p.counts().of("DescribeVpcs").faulted, 0);
}

#[test]
fn a_lost_response_still_reaches_moto() {
    let Some(moto) = shared_or_skip("a_lost_response") else {
        return;
    };
    let p = proxy(
        moto,
        Faults {
            rate: 1.0,
            kinds: vec![FaultKind::LostResponse],
            seed: 1,
            actions: vec!["CreateVpc".into()],
        },
    );
    let ec2 = through(&p);
    let err = ec2
        .call("CreateVpc", &[("CidrBlock", "10.8.0.0/16")])
        .expect_err("the answer is lost");
    assert!(matches!(err, gitform_moto::Error::Http { status: 503, .. }));
    let xml = ec2
        .call(
            "DescribeVpcs",
            &[
                ("Filter.1.Name", "cidr"),
                ("Filter.1.Value.1", "10.8.0.0/16"),
            ],
        )
        .unwrap();
    assert_eq!(xml_texts(&xml, "vpcId").len(), 1, "{xml}");
    let c = p.counts().of("CreateVpc");
    assert_eq!((c.calls, c.faulted, c.forwarded), (1, 1, 1));
}

#[test]
fn the_proxy_keeps_connections_alive_and_handles_100_continue() {
    let Some(moto) = shared_or_skip("keep_alive") else {
        return;
    };
    use std::io::{BufReader, Write};
    let p = proxy(moto, Faults::none());
    let stream = std::net::TcpStream::connect(p.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let body = "Action=DescribeRegions&Version=2016-11-15";
    for expect in ["", "Expect: 100-continue\r\n"] {
        write!(
            writer,
            "POST / HTTP/1.1\r\nHost: x\r\n{expect}Authorization: AWS4-HMAC-SHA256 \
             Credential=t/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        if !expect.is_empty() {
            let interim = wire::read_response(&mut reader, false).unwrap();
            assert_eq!(interim.status, 100);
        }
        writer.write_all(body.as_bytes()).unwrap();
        let resp = wire::read_response(&mut reader, false).unwrap();
        assert_eq!(resp.status, 200, "{}", resp.text());
        assert!(!xml_texts(&resp.text(), "regionName").is_empty());
    }
    assert_eq!(p.counts().of("DescribeRegions").calls, 2);
}

#[test]
fn a_started_moto_is_stopped_on_drop() {
    let Some(_) = shared_or_skip("stopped_on_drop") else {
        return;
    };
    let moto = Moto::start_with(&gitform_moto::Options {
        warm_up: false,
        ..gitform_moto::Options::default()
    })
    .expect("second moto");
    let pid = moto.pid();
    assert!(pid > 0);
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    assert!(proc_dir.exists());
    let addr = moto.addr();
    drop(moto);
    // The process is gone (not a zombie: the wrapper reaped it, and we
    // reaped the wrapper) and the port no longer answers.
    assert!(!proc_dir.exists(), "moto {pid} still exists");
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

#[test]
fn a_missing_program_is_an_error_not_a_hang() {
    let err = Moto::start_with(&gitform_moto::Options {
        program: "/nonexistent/moto_server".into(),
        ..gitform_moto::Options::default()
    })
    .expect_err("missing");
    assert!(
        err.to_string().contains("/nonexistent/moto_server"),
        "{err}"
    );
    assert!(matches!(err, gitform_moto::Error::Missing { .. }));
}

/// `extra` plus a `Project=live` tag specification for `kind`.
fn with_tag<'a>(kind: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = extra.to_vec();
    p.extend([
        ("TagSpecification.1.ResourceType", kind),
        ("TagSpecification.1.Tag.1.Key", "Project"),
        ("TagSpecification.1.Tag.1.Value", "live"),
    ]);
    p
}

#[test]
fn live_tagged_lists_what_exists_and_forgets_what_was_deleted() {
    let Some(moto) = shared_or_skip("live_tagged") else {
        return;
    };
    let ec2 = Ec2::new(moto.addr(), &account::unique_id());
    let vpc = ec2
        .call_xml(
            "CreateVpc",
            &with_tag("vpc", &[("CidrBlock", "10.3.0.0/16")]),
        )
        .unwrap();
    let vpc = vpc.at(&["vpc", "vpcId"]).unwrap().text.clone();
    let subnet = ec2
        .call_xml(
            "CreateSubnet",
            &with_tag("subnet", &[("VpcId", &vpc), ("CidrBlock", "10.3.1.0/24")]),
        )
        .unwrap();
    let subnet = subnet.at(&["subnet", "subnetId"]).unwrap().text.clone();
    let ami = ec2
        .call_xml(
            "DescribeImages",
            &[
                ("Owner.1", "amazon"),
                ("Filter.1.Name", "name"),
                ("Filter.1.Value.1", "al2023-ami-*"),
            ],
        )
        .unwrap();
    let ami = ami.items("imagesSet")[0]
        .child_text("imageId")
        .unwrap()
        .to_string();
    let run = ec2
        .call_xml(
            "RunInstances",
            &with_tag(
                "instance",
                &[
                    ("ImageId", &ami),
                    ("InstanceType", "t3.micro"),
                    ("MinCount", "1"),
                    ("MaxCount", "1"),
                    ("SubnetId", &subnet),
                ],
            ),
        )
        .unwrap();
    let instance = run.items("instancesSet")[0]
        .child_text("instanceId")
        .unwrap()
        .to_string();
    let kinds = |found: Vec<gitform_moto::Found>| {
        found
            .into_iter()
            .map(|f| (f.kind, f.id))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(ec2.live_tagged("Project", "live").unwrap()),
        [
            ("instance".to_string(), instance.clone()),
            ("subnet".to_string(), subnet.clone()),
            ("vpc".to_string(), vpc.clone()),
        ]
    );
    ec2.call("TerminateInstances", &[("InstanceId.1", &instance)])
        .unwrap();
    ec2.call("DeleteSubnet", &[("SubnetId", &subnet)]).unwrap();
    assert_eq!(
        kinds(ec2.live_tagged("Project", "live").unwrap()),
        [("vpc".to_string(), vpc.clone())]
    );
    // The dump still lists the deleted subnet: it is a creation log.
    let d = dump(moto.addr()).unwrap();
    assert!(d
        .tagged("Project", "live")
        .iter()
        .any(|f| f.kind == "Subnet" && f.id == subnet));
}

#[test]
fn live_tagged_follows_next_token() {
    let Some(moto) = shared_or_skip("live_tagged_pages") else {
        return;
    };
    let ec2 = Ec2::new(moto.addr(), &account::unique_id());
    // moto pages DescribeInstances by 100 reservations without MaxResults.
    let n = 105;
    for _ in 0..n {
        ec2.call(
            "RunInstances",
            &with_tag(
                "instance",
                &[
                    ("ImageId", "ami-12c6146b"),
                    ("InstanceType", "t3.micro"),
                    ("MinCount", "1"),
                    ("MaxCount", "1"),
                ],
            ),
        )
        .unwrap();
    }
    let first = ec2.call_xml("DescribeInstances", &[]).unwrap();
    assert!(
        first.child_text("nextToken").is_some_and(|t| !t.is_empty()),
        "moto no longer pages DescribeInstances: this test checks nothing"
    );
    assert_eq!(ec2.live_tagged("Project", "live").unwrap().len(), n);
}
