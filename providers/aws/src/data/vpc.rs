//! The `aws_vpc` data source: exactly one VPC matching the arguments.

use crate::attrs::{self, bool_attr, non_empty, opt_str, str_or_empty, string_map};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, DataSource};
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, VpcAttributeName};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};

/// `aws_vpc` (data source).
pub struct VpcData;

async fn attribute(cx: &Ctx<'_>, id: &str, name: VpcAttributeName) -> Result<bool, Error> {
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
        _ => out.enable_network_address_usage_metrics(),
    };
    Ok(v.and_then(AttributeBooleanValue::value).unwrap_or(false))
}

#[async_trait]
impl DataSource for VpcData {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> Schema {
        let c = |t: Type| Attribute::computed(t);
        let oc = |t: Type| Attribute::optional_computed(t);
        let assoc = Type::object([
            ("association_id", Type::String),
            ("cidr_block", Type::String),
            ("state", Type::String),
        ]);
        let block = Block::new()
            .attr("id", oc(Type::String))
            .attr("cidr_block", oc(Type::String))
            .attr("default", oc(Type::Bool))
            .attr("dhcp_options_id", oc(Type::String))
            .attr("state", oc(Type::String))
            .attr("arn", c(Type::String))
            .attr("cidr_block_associations", c(Type::list(assoc)))
            .attr("enable_dns_hostnames", c(Type::Bool))
            .attr("enable_dns_support", c(Type::Bool))
            .attr("enable_network_address_usage_metrics", c(Type::Bool))
            .attr("instance_tenancy", c(Type::String))
            .attr("ipv6_association_id", c(Type::String))
            .attr("ipv6_cidr_block", c(Type::String))
            .attr("main_route_table_id", c(Type::String))
            .attr("owner_id", c(Type::String))
            .block("filter", filters::filter_block());
        Schema::new(tags::with_data_source_tags(block))
    }

    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Error> {
        let mut fs = filters::from_blocks(config);
        for (attr, filter) in [
            ("cidr_block", "cidr"),
            ("dhcp_options_id", "dhcp-options-id"),
            ("state", "state"),
        ] {
            if let Some(v) = non_empty(config, attr) {
                fs.push(filters::filter(filter, [v]));
            }
        }
        if let Some(d) = bool_attr(config, "default") {
            fs.push(filters::filter("is-default", [d.to_string()]));
        }
        fs.extend(filters::tag_filters(&string_map(config, "tags")));
        let mut call = cx
            .ec2()
            .describe_vpcs()
            .set_filters(Some(fs).filter(|f| !f.is_empty()));
        if let Some(id) = non_empty(config, "id") {
            call = call.vpc_ids(id);
        }
        let mut pages = call.into_paginator().send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeVpcs"))?;
            found.extend(page.vpcs().iter().cloned());
        }
        let vpc = match found.as_slice() {
            [one] => one,
            [] => {
                return Err(Error::invalid(
                    "",
                    "no matching EC2 VPC found",
                    "No VPC matches the arguments of this data source. Check the id, filters and tags, and that the VPC is in the provider's region.",
                ))
            }
            many => {
                return Err(Error::invalid(
                    "",
                    "multiple EC2 VPCs matched",
                    format!(
                        "{} VPCs match; use additional constraints to reduce matches to a single EC2 VPC.",
                        many.len()
                    ),
                ))
            }
        };
        let id = vpc.vpc_id().unwrap_or_default();
        let owner = vpc.owner_id().unwrap_or_default();
        let main_rt = cx
            .ec2()
            .describe_route_tables()
            .filters(filters::filter("vpc-id", [id]))
            .filters(filters::filter("association.main", ["true"]))
            .send()
            .await
            .map_err(api("DescribeRouteTables"))?;
        let ipv6 = vpc.ipv6_cidr_block_association_set().first();
        let mut v = config.clone();
        let mut set = |k: &str, x: Value| attrs::set_attr(&mut v, k, x);
        set("id", Value::from(id));
        set("arn", Value::from(cx.arn(owner, &format!("vpc/{id}"))));
        set("cidr_block", opt_str(vpc.cidr_block()));
        set("default", Value::Bool(vpc.is_default().unwrap_or(false)));
        set("dhcp_options_id", str_or_empty(vpc.dhcp_options_id()));
        set("state", str_or_empty(vpc.state().map(|s| s.as_str())));
        set("owner_id", Value::from(owner));
        set(
            "instance_tenancy",
            str_or_empty(vpc.instance_tenancy().map(|t| t.as_str())),
        );
        set(
            "cidr_block_associations",
            Value::List(
                vpc.cidr_block_association_set()
                    .iter()
                    .map(|a| {
                        Value::object([
                            ("association_id", str_or_empty(a.association_id())),
                            ("cidr_block", str_or_empty(a.cidr_block())),
                            (
                                "state",
                                str_or_empty(
                                    a.cidr_block_state()
                                        .and_then(|s| s.state())
                                        .map(|s| s.as_str()),
                                ),
                            ),
                        ])
                    })
                    .collect(),
            ),
        );
        set(
            "ipv6_association_id",
            str_or_empty(ipv6.and_then(|a| a.association_id())),
        );
        set(
            "ipv6_cidr_block",
            str_or_empty(ipv6.and_then(|a| a.ipv6_cidr_block())),
        );
        set(
            "main_route_table_id",
            str_or_empty(
                main_rt
                    .route_tables()
                    .first()
                    .and_then(|r| r.route_table_id()),
            ),
        );
        set(
            "tags",
            attrs::str_map(&tags::from_sdk(cx.tags(), vpc.tags())),
        );
        let id = id.to_string();
        for (name, attr) in [
            ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
            ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
            (
                "enable_network_address_usage_metrics",
                VpcAttributeName::EnableNetworkAddressUsageMetrics,
            ),
        ] {
            let b = attribute(cx, &id, attr).await?;
            attrs::set_attr(&mut v, name, Value::Bool(b));
        }
        Ok(v)
    }
}
