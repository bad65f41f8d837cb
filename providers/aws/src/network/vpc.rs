//! `aws_vpc`.
//!
//! Refresh reads every VPC of a batch with one DescribeVpcs call. The DNS
//! attributes, the network address usage metrics flag and the ids of the
//! main (default) route table, default security group and default network
//! ACL take six calls per VPC (three DescribeVpcAttribute, one filtered
//! DescribeRouteTables, DescribeSecurityGroups and DescribeNetworkAcls),
//! made concurrently. As hashicorp/aws does, they are read on every read
//! ([`Resource::read_details`] with [`Resource::details_on_refresh`]), so
//! a change made outside gitform shows as drift; VPCs are few per
//! configuration, so this adds a handful of calls to a plan.

use super::cidr;
use crate::attrs::{self, bool_attr, id, int_attr, keep, non_empty, opt_str, str_or_empty};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{
    by_id, check_conflict, check_one_of, check_string, ids, Ctx, Planning, Resource, ID_CHUNK,
};
use crate::tags;
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, ResourceType, Tenancy, Vpc as SdkVpc, VpcAttributeName, VpcTenancy,
};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// `aws_vpc`.
pub struct Vpc;

/// hashicorp/aws waits this long for a VPC's dependents to go before
/// giving up on DeleteVpc.
const DELETE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The attributes [`Resource::read_details`] reads (see the module doc);
/// the batched read carries them over from the prior state.
const DETAILS: [&str; 6] = [
    "enable_dns_support",
    "enable_dns_hostnames",
    "enable_network_address_usage_metrics",
    "default_route_table_id",
    "default_security_group_id",
    "default_network_acl_id",
];

/// Describes VPCs by id: one paginated call per [`ID_CHUNK`] ids.
pub async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, SdkVpc>, Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_vpcs()
            .filters(filters::ids("vpc-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeVpcs"))?;
            for v in page.vpcs() {
                if let Some(id) = v.vpc_id() {
                    found.insert(id.to_string(), v.clone());
                }
            }
        }
    }
    Ok(found)
}

async fn find(cx: &Ctx<'_>, id: &str) -> Result<Option<SdkVpc>, Error> {
    Ok(describe(cx, &[id.to_string()]).await?.remove(id))
}

fn state(cx: &Ctx<'_>, v: &SdkVpc, prior: &Value) -> Value {
    let id = v.vpc_id().unwrap_or_default();
    let owner = v.owner_id().unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(cx.arn(owner, &format!("vpc/{id}"))),
    );
    m.insert("cidr_block".into(), opt_str(v.cidr_block()));
    m.insert("dhcp_options_id".into(), str_or_empty(v.dhcp_options_id()));
    m.insert(
        "instance_tenancy".into(),
        opt_str(v.instance_tenancy().map(Tenancy::as_str)),
    );
    m.insert("owner_id".into(), Value::from(owner));
    for name in DETAILS {
        m.insert(name.to_string(), keep(prior, name));
    }
    m.insert(
        "main_route_table_id".into(),
        keep(prior, "default_route_table_id"),
    );
    let ipv6 = v.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
    });
    match ipv6 {
        Some(a) => {
            let pool = a.ipv6_pool().unwrap_or_default();
            let amazon = pool.is_empty() || pool == "Amazon";
            m.insert(
                "assign_generated_ipv6_cidr_block".into(),
                Value::Bool(amazon),
            );
            m.insert(
                "ipv6_association_id".into(),
                str_or_empty(a.association_id()),
            );
            m.insert("ipv6_cidr_block".into(), str_or_empty(a.ipv6_cidr_block()));
            m.insert(
                "ipv6_cidr_block_network_border_group".into(),
                str_or_empty(a.network_border_group()),
            );
            m.insert(
                "ipv6_ipam_pool_id".into(),
                if amazon {
                    Value::Null
                } else {
                    keep(prior, "ipv6_ipam_pool_id")
                },
            );
        }
        None => {
            m.insert(
                "assign_generated_ipv6_cidr_block".into(),
                match prior.get_attr("assign_generated_ipv6_cidr_block") {
                    Some(Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Null,
                },
            );
            for name in [
                "ipv6_association_id",
                "ipv6_cidr_block",
                "ipv6_cidr_block_network_border_group",
            ] {
                m.insert(name.to_string(), Value::String(String::new()));
            }
            m.insert("ipv6_ipam_pool_id".into(), Value::Null);
        }
    }
    for name in [
        "ipv4_ipam_pool_id",
        "ipv4_netmask_length",
        "ipv6_netmask_length",
    ] {
        m.insert(name.to_string(), keep(prior, name));
    }
    tags::set_state(cx.tags(), v.tags(), prior, &mut m);
    Value::Object(m)
}

async fn attribute(cx: &Ctx<'_>, id: &str, name: VpcAttributeName) -> Result<Option<bool>, Error> {
    let out = cx
        .ec2()
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(api("DescribeVpcAttribute"))?;
    let v = match name {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        VpcAttributeName::EnableNetworkAddressUsageMetrics => {
            out.enable_network_address_usage_metrics()
        }
        _ => None,
    };
    Ok(v.and_then(AttributeBooleanValue::value))
}

async fn modify_attribute(cx: &Ctx<'_>, id: &str, name: &str, value: bool) -> Result<(), Error> {
    let b = AttributeBooleanValue::builder().value(value).build();
    let call = cx.ec2().modify_vpc_attribute().vpc_id(id);
    let call = match name {
        "enable_dns_hostnames" => call.enable_dns_hostnames(b),
        "enable_dns_support" => call.enable_dns_support(b),
        _ => call.enable_network_address_usage_metrics(b),
    };
    call.send().await.map_err(api("ModifyVpcAttribute"))?;
    Ok(())
}

/// The main route table, default security group and default network ACL of a VPC.
async fn default_ids(cx: &Ctx<'_>, id: &str) -> Result<[Value; 3], Error> {
    let rt = async {
        cx.ec2()
            .describe_route_tables()
            .filters(filters::filter("vpc-id", [id]))
            .filters(filters::filter("association.main", ["true"]))
            .send()
            .await
            .map_err(api("DescribeRouteTables"))
    };
    let sg = async {
        cx.ec2()
            .describe_security_groups()
            .filters(filters::filter("vpc-id", [id]))
            .filters(filters::filter("group-name", ["default"]))
            .send()
            .await
            .map_err(api("DescribeSecurityGroups"))
    };
    let acl = async {
        cx.ec2()
            .describe_network_acls()
            .filters(filters::filter("vpc-id", [id]))
            .filters(filters::filter("default", ["true"]))
            .send()
            .await
            .map_err(api("DescribeNetworkAcls"))
    };
    let (rt, sg, acl) = tokio::try_join!(rt, sg, acl)?;
    Ok([
        opt_str(rt.route_tables().first().and_then(|r| r.route_table_id())),
        opt_str(sg.security_groups().first().and_then(|g| g.group_id())),
        opt_str(acl.network_acls().first().and_then(|a| a.network_acl_id())),
    ])
}

#[async_trait]
impl Resource for Vpc {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> Schema {
        let s = || Attribute::computed(Type::String);
        let block = Block::new()
            .attr("id", s())
            .attr("arn", s())
            .attr(
                "cidr_block",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr(
                "instance_tenancy",
                Attribute::optional(Type::String).with_default(Value::from("default")),
            )
            .attr(
                "enable_dns_support",
                Attribute::optional(Type::Bool).with_default(Value::Bool(true)),
            )
            .attr(
                "enable_dns_hostnames",
                Attribute::optional_computed(Type::Bool),
            )
            .attr(
                "enable_network_address_usage_metrics",
                Attribute::optional_computed(Type::Bool),
            )
            .attr(
                "assign_generated_ipv6_cidr_block",
                Attribute::optional(Type::Bool),
            )
            .attr(
                "ipv4_ipam_pool_id",
                Attribute::optional(Type::String).force_new(),
            )
            .attr(
                "ipv4_netmask_length",
                Attribute::optional(Type::Number).force_new(),
            )
            .attr(
                "ipv6_cidr_block",
                Attribute::optional_computed(Type::String),
            )
            .attr(
                "ipv6_cidr_block_network_border_group",
                Attribute::optional_computed(Type::String),
            )
            .attr("ipv6_ipam_pool_id", Attribute::optional(Type::String))
            .attr("ipv6_netmask_length", Attribute::optional(Type::Number))
            .attr("ipv6_association_id", s())
            .attr("default_network_acl_id", s())
            .attr("default_route_table_id", s())
            .attr("default_security_group_id", s())
            .attr("main_route_table_id", s())
            .attr("dhcp_options_id", s())
            .attr("owner_id", s());
        Schema::new(tags::with_tags(block)).with_version(1)
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        [
            check_string(config, "cidr_block", "Invalid CIDR block", |s| {
                cidr::check_ipv4_network(s, 16, 28)
            }),
            check_string(
                config,
                "ipv6_cidr_block",
                "Invalid IPv6 CIDR block",
                cidr::check_ipv6_network,
            ),
            check_one_of(config, "instance_tenancy", &["default", "dedicated"]),
            check_conflict(config, "cidr_block", "ipv4_netmask_length"),
            check_conflict(
                config,
                "assign_generated_ipv6_cidr_block",
                "ipv6_ipam_pool_id",
            ),
            check_conflict(config, "ipv6_cidr_block", "ipv6_netmask_length"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn plan(&self, plan: &mut Planning<'_>) {
        // Toggling the Amazon-provided IPv6 block re-associates it.
        if plan.changes("assign_generated_ipv6_cidr_block") {
            for name in ["ipv6_association_id", "ipv6_cidr_block"] {
                if plan.config.get_attr(name).is_none_or(Value::is_null) {
                    plan.set_unknown(name);
                }
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let mut call = cx
            .ec2()
            .create_vpc()
            .set_cidr_block(non_empty(planned, "cidr_block").map(Into::into))
            .set_ipv4_ipam_pool_id(non_empty(planned, "ipv4_ipam_pool_id").map(Into::into))
            .set_ipv4_netmask_length(
                int_attr(planned, "ipv4_netmask_length").and_then(|n| i32::try_from(n).ok()),
            )
            .set_ipv6_cidr_block(non_empty(planned, "ipv6_cidr_block").map(Into::into))
            .set_ipv6_ipam_pool_id(non_empty(planned, "ipv6_ipam_pool_id").map(Into::into))
            .set_ipv6_netmask_length(
                int_attr(planned, "ipv6_netmask_length").and_then(|n| i32::try_from(n).ok()),
            )
            .set_ipv6_cidr_block_network_border_group(
                non_empty(planned, "ipv6_cidr_block_network_border_group").map(Into::into),
            )
            .amazon_provided_ipv6_cidr_block(
                bool_attr(planned, "assign_generated_ipv6_cidr_block").unwrap_or(false),
            )
            .set_tag_specifications(
                tags::specification(ResourceType::Vpc, planned).map(|t| vec![t]),
            );
        if let Some(t) = non_empty(planned, "instance_tenancy") {
            call = call.instance_tenancy(Tenancy::from(t));
        }
        let out = call.send().await.map_err(api("CreateVpc"))?;
        // moto (and sometimes EC2) answers with the VPC already available.
        let ready = out
            .vpc()
            .and_then(SdkVpc::state)
            .is_some_and(|s| s.as_str() == "available");
        let vpc_id = out
            .vpc()
            .and_then(SdkVpc::vpc_id)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new VPC in the CreateVpc answer".into(),
            })?
            .to_string();
        let finish = async {
            if !ready {
                wait_available(cx, &vpc_id).await?;
            }
            // AWS creates VPCs with DNS support on, hostnames and metrics off.
            if bool_attr(planned, "enable_dns_support") == Some(false) {
                modify_attribute(cx, &vpc_id, "enable_dns_support", false).await?;
            }
            for name in [
                "enable_dns_hostnames",
                "enable_network_address_usage_metrics",
            ] {
                if bool_attr(planned, name) == Some(true) {
                    modify_attribute(cx, &vpc_id, name, true).await?;
                }
            }
            Ok::<(), Error>(())
        };
        finish.await.map_err(|e| e.after_create(&vpc_id))?;
        Ok(vpc_id)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let found = describe(cx, &ids(priors)).await?;
        Ok(by_id(priors, &found, |v, p| state(cx, v, p)))
    }

    async fn read_details(&self, cx: &Ctx<'_>, mut state: Value) -> Result<Value, Error> {
        let vpc_id = id(&state)?.to_string();
        let (support, hostnames, metrics, [rt, sg, acl]) = tokio::try_join!(
            attribute(cx, &vpc_id, VpcAttributeName::EnableDnsSupport),
            attribute(cx, &vpc_id, VpcAttributeName::EnableDnsHostnames),
            attribute(
                cx,
                &vpc_id,
                VpcAttributeName::EnableNetworkAddressUsageMetrics
            ),
            default_ids(cx, &vpc_id),
        )?;
        for (name, v) in [
            ("enable_dns_support", support),
            ("enable_dns_hostnames", hostnames),
            ("enable_network_address_usage_metrics", metrics),
        ] {
            attrs::set_attr(&mut state, name, Value::Bool(v.unwrap_or(false)));
        }
        attrs::set_attr(&mut state, "default_route_table_id", rt.clone());
        attrs::set_attr(&mut state, "main_route_table_id", rt);
        attrs::set_attr(&mut state, "default_security_group_id", sg);
        attrs::set_attr(&mut state, "default_network_acl_id", acl);
        Ok(state)
    }

    fn details_on_refresh(&self) -> bool {
        true
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let vpc_id = id(prior)?;
        for name in [
            "enable_dns_hostnames",
            "enable_dns_support",
            "enable_network_address_usage_metrics",
        ] {
            if let (true, Some(b)) = (
                attrs::changed(prior, planned, name),
                bool_attr(planned, name),
            ) {
                modify_attribute(cx, vpc_id, name, b).await?;
            }
        }
        if attrs::changed(prior, planned, "instance_tenancy") {
            let t = non_empty(planned, "instance_tenancy").unwrap_or("default");
            cx.ec2()
                .modify_vpc_tenancy()
                .vpc_id(vpc_id)
                .instance_tenancy(VpcTenancy::from(t))
                .send()
                .await
                .map_err(api("ModifyVpcTenancy"))?;
        }
        if attrs::changed(prior, planned, "assign_generated_ipv6_cidr_block") {
            match bool_attr(planned, "assign_generated_ipv6_cidr_block") {
                Some(true) => {
                    cx.ec2()
                        .associate_vpc_cidr_block()
                        .vpc_id(vpc_id)
                        .amazon_provided_ipv6_cidr_block(true)
                        .send()
                        .await
                        .map_err(api("AssociateVpcCidrBlock"))?;
                }
                _ => {
                    if let Some(assoc) = non_empty(prior, "ipv6_association_id") {
                        cx.ec2()
                            .disassociate_vpc_cidr_block()
                            .association_id(assoc)
                            .send()
                            .await
                            .map_err(api("DisassociateVpcCidrBlock"))?;
                    }
                }
            }
        }
        if attrs::changed(prior, planned, "tags_all") {
            tags::update(cx.session, vpc_id, prior, planned).await?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let vpc_id = id(prior)?;
        let mut target = cx.target(format!("VPC {vpc_id}"), "deleted");
        target.timeout = DELETE_TIMEOUT;
        wait::retry_on_codes(target, &["DependencyViolation"], || async {
            cx.ec2()
                .delete_vpc()
                .vpc_id(vpc_id)
                .send()
                .await
                .map_err(api("DeleteVpc"))
        })
        .await?;
        wait::until(cx.target(format!("VPC {vpc_id}"), "deleted"), || async {
            Ok(match find(cx, vpc_id).await? {
                None => Poll::Done(()),
                Some(_) => Poll::Pending("exists".into()),
            })
        })
        .await
    }
}

async fn wait_available(cx: &Ctx<'_>, vpc_id: &str) -> Result<(), Error> {
    wait::until(cx.target(format!("VPC {vpc_id}"), "available"), || async {
        Ok(match find(cx, vpc_id).await? {
            Some(v) if v.state().is_some_and(|s| s.as_str() == "available") => Poll::Done(()),
            Some(v) => Poll::Pending(v.state().map_or("unknown", |s| s.as_str()).to_string()),
            None => Poll::Pending("not found yet".into()),
        })
    })
    .await
}
