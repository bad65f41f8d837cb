//! The provider block against moto: the account id lookup, retries of
//! throttled and failed calls (with the throttling counter the engine
//! reads), lost answers without duplicates, and diagnostics that name the
//! API call and the AWS error code.

mod support;

use aws_sdk_ec2::types::Filter;
use gitform_moto::{account, shared_or_skip, FaultKind, Faults, Proxy, ProxyConfig};
use gitform_provider::{ConfigureRequest, Provider};
use gitform_value::Value;
use std::sync::Arc;
use support::*;

/// A provider configured against `endpoint`, with `extra` provider settings.
async fn provider(endpoint: &str, extra: &[(&str, Value)]) -> (Arc<dyn Provider>, Vec<String>) {
    let p = gitform_aws::provider();
    let schema = p.schema();
    let mut endpoints = schema.provider.block.blocks["endpoints"]
        .block
        .null_object();
    set_attr(&mut endpoints, "ec2", s(endpoint));
    set_attr(&mut endpoints, "sts", s(endpoint));
    let mut cfg = schema.provider.block.null_object();
    for (k, v) in [
        ("region", s("us-east-1")),
        ("access_key", s("testing")),
        ("secret_key", s("testing")),
        ("skip_metadata_api_check", s("true")),
        ("endpoints", Value::set(vec![endpoints])),
    ] {
        set_attr(&mut cfg, k, v);
    }
    for (k, v) in extra {
        set_attr(&mut cfg, k, v.clone());
    }
    let resp = p.configure(ConfigureRequest { config: cfg }).await;
    let errs = errors(&resp.diagnostics);
    (p, errs)
}

fn proxy(faults: Faults, account_id: &str) -> Option<Proxy> {
    let moto = shared_or_skip("provider_config")?;
    Some(
        Proxy::start(ProxyConfig {
            upstream: moto.addr(),
            account_id: Some(account_id.to_string()),
            faults,
        })
        .expect("proxy"),
    )
}

/// An EC2 client of the test's own, without faults, in `account_id`.
fn own_client(account_id: &str) -> Option<(Proxy, aws_sdk_ec2::Client)> {
    let p = proxy(Faults::none(), account_id)?;
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new("us-east-1"))
        .endpoint_url(p.url())
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    Some((p, aws_sdk_ec2::Client::from_conf(conf)))
}

async fn plan_and_create(
    p: &Arc<dyn Provider>,
    type_name: &str,
    attrs: &[(&str, Value)],
) -> gitform_provider::ApplyChangeResponse {
    let schema = p.schema();
    let block = &schema.resource(type_name).unwrap().block;
    let mut config = block.null_object();
    for (k, v) in attrs {
        set_attr(&mut config, k, v.clone());
    }
    let proposed = gitform_provider::proposed_new_state(block, None, &config);
    let plan = p
        .plan_change(gitform_provider::PlanChangeRequest {
            type_name: type_name.into(),
            prior_state: None,
            proposed_new_state: Some(proposed),
            config: config.clone(),
            prior_private: None,
        })
        .await;
    p.apply_change(gitform_provider::ApplyChangeRequest {
        type_name: type_name.into(),
        prior_state: None,
        planned_state: plan.planned_state,
        config,
        planned_private: None,
    })
    .await
}

#[tokio::test]
async fn account_id_comes_from_sts() {
    let id = account::unique_id();
    let Some(px) = proxy(Faults::none(), &id) else {
        return;
    };
    let (p, errs) = provider(
        &px.url(),
        &[("skip_credentials_validation", Value::Bool(true))],
    )
    .await;
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(px.counts().of("GetCallerIdentity").calls, 1);
    let resp = plan_and_create(&p, "aws_eip", &[("domain", s("vpc"))]).await;
    assert!(
        errors(&resp.diagnostics).is_empty(),
        "{:?}",
        resp.diagnostics
    );
    let state = resp.new_state.unwrap();
    assert_eq!(
        attr(&state, "arn"),
        format!(
            "arn:aws:ec2:us-east-1:{id}:elastic-ip/{}",
            attr(&state, "id")
        )
    );
}

#[tokio::test]
async fn throttling_is_retried_counted_and_creates_no_duplicates() {
    let id = account::unique_id();
    let Some(px) = proxy(
        // Answers that never reach moto. (Lost answers of calls that did
        // reach it need the ClientToken idempotency that gitform sends for
        // CreateRouteTable, CreateNatGateway and CreateNetworkInterface,
        // but moto honours it only for RunInstances.)
        Faults::throttle(0.25, 7),
        &id,
    ) else {
        return;
    };
    let (p, errs) = provider(
        &px.url(),
        &[
            ("skip_credentials_validation", Value::Bool(true)),
            ("skip_requesting_account_id", Value::Bool(true)),
            // Adaptive mode's rate limiter would slow this test to its floor
            // of 0.5 calls/s (about 2 minutes; see config.rs).
            ("retry_mode", s("standard")),
        ],
    )
    .await;
    assert!(errs.is_empty(), "{errs:?}");
    let vpc = plan_and_create(
        &p,
        "aws_vpc",
        &[
            ("cidr_block", s("10.80.0.0/16")),
            ("tags", map(&[("Run", "faults")])),
        ],
    )
    .await;
    assert!(errors(&vpc.diagnostics).is_empty(), "{:?}", vpc.diagnostics);
    let vpc = vpc.new_state.unwrap();
    let subnet = plan_and_create(
        &p,
        "aws_subnet",
        &[
            ("vpc_id", s(attr(&vpc, "id"))),
            ("cidr_block", s("10.80.1.0/24")),
        ],
    )
    .await;
    assert!(
        errors(&subnet.diagnostics).is_empty(),
        "{:?}",
        subnet.diagnostics
    );
    let subnet = subnet.new_state.unwrap();
    for i in 0..4 {
        let eni = plan_and_create(
            &p,
            "aws_network_interface",
            &[
                ("subnet_id", s(attr(&subnet, "id"))),
                ("tags", map(&[("Run", "faults"), ("N", &i.to_string())])),
            ],
        )
        .await;
        assert!(errors(&eni.diagnostics).is_empty(), "{:?}", eni.diagnostics);
        let rt = plan_and_create(
            &p,
            "aws_route_table",
            &[
                ("vpc_id", s(attr(&vpc, "id"))),
                ("tags", map(&[("Run", "faults")])),
            ],
        )
        .await;
        assert!(errors(&rt.diagnostics).is_empty(), "{:?}", rt.diagnostics);
    }
    let counts = px.counts();
    assert!(
        counts.faulted() > 0,
        "faults were injected: {}",
        counts.summary()
    );
    assert!(
        p.throttle_events() > 0,
        "throttling answers are counted for the engine"
    );

    let Some((_own_proxy, ec2)) = own_client(&id) else {
        return;
    };
    let tagged = |name: &'static str| Filter::builder().name("tag:Run").values(name).build();
    let enis = ec2
        .describe_network_interfaces()
        .filters(tagged("faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        enis.network_interfaces().len(),
        4,
        "no duplicate interfaces"
    );
    let rts = ec2
        .describe_route_tables()
        .filters(tagged("faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(rts.route_tables().len(), 4, "no duplicate route tables");
}

#[tokio::test]
async fn failures_name_the_call_and_the_error_code() {
    let id = account::unique_id();
    let Some(px) = proxy(
        Faults {
            rate: 1.0,
            kinds: vec![FaultKind::RequestLimitExceeded],
            seed: 1,
            actions: vec!["CreateVpc".into()],
        },
        &id,
    ) else {
        return;
    };
    let (p, errs) = provider(
        &px.url(),
        &[
            ("skip_credentials_validation", Value::Bool(true)),
            ("skip_requesting_account_id", Value::Bool(true)),
            ("max_retries", Value::int(1)),
        ],
    )
    .await;
    assert!(errs.is_empty(), "{errs:?}");
    let resp = plan_and_create(&p, "aws_vpc", &[("cidr_block", s("10.81.0.0/16"))]).await;
    assert_eq!(resp.new_state, None, "nothing was created");
    let e = errors(&resp.diagnostics);
    assert!(
        e[0].contains("CreateVpc") && e[0].contains("RequestLimitExceeded"),
        "{e:?}"
    );
    // max_retries = 1: the first try and one retry.
    assert_eq!(px.counts().of("CreateVpc").calls, 2);

    // A configuration mistake names its attribute.
    let (_, errs) = provider(&px.url(), &[("region", s("mars-1"))]).await;
    assert!(errs[0].contains("Invalid AWS Region"), "{errs:?}");
}

#[tokio::test]
async fn a_create_that_fails_halfway_returns_what_exists() {
    let id = account::unique_id();
    // CreateVpc works; the ModifyVpcAttribute that follows always fails.
    let Some(px) = proxy(
        Faults {
            rate: 1.0,
            kinds: vec![FaultKind::RequestLimitExceeded],
            seed: 3,
            actions: vec!["ModifyVpcAttribute".into()],
        },
        &id,
    ) else {
        return;
    };
    let (p, errs) = provider(
        &px.url(),
        &[
            ("skip_credentials_validation", Value::Bool(true)),
            ("skip_requesting_account_id", Value::Bool(true)),
            ("max_retries", Value::int(0)),
        ],
    )
    .await;
    assert!(errs.is_empty(), "{errs:?}");
    let resp = plan_and_create(
        &p,
        "aws_vpc",
        &[
            ("cidr_block", s("10.82.0.0/16")),
            ("enable_dns_hostnames", Value::Bool(true)),
            ("tags", map(&[("Run", "partial")])),
        ],
    )
    .await;
    let e = errors(&resp.diagnostics);
    assert!(e[0].contains("ModifyVpcAttribute"), "{e:?}");
    assert!(e[0].contains("tainted"), "{e:?}");
    // The VPC exists, and the response says which, so the engine records it.
    let state = resp.new_state.expect("the partial object is returned");
    let vpc_id = attr(&state, "id");
    assert!(state.is_wholly_known());
    let Some((_own, ec2)) = own_client(&id) else {
        return;
    };
    let out = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:Run").values("partial").build())
        .send()
        .await
        .unwrap();
    assert_eq!(out.vpcs().len(), 1);
    assert_eq!(out.vpcs()[0].vpc_id(), Some(vpc_id));
}
