//! `aws_subnet`. DescribeSubnets returns every attribute, so refresh is
//! complete in one call per batch.

use super::cidr;
use crate::attrs::{self, bool_attr, id, int_attr, keep, non_empty, opt_str, str_or_empty};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{
    by_id, check_conflict, check_one_of, check_string, ids, Ctx, Planning, Resource, ID_CHUNK,
};
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, HostnameType, ResourceType, Subnet as SdkSubnet};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};

/// `aws_subnet`.
pub struct Subnet;

/// The boolean attributes ModifySubnetAttribute sets one at a time, with
/// the value a new subnet has.
const FLAGS: [(&str, bool); 5] = [
    ("map_public_ip_on_launch", false),
    ("assign_ipv6_address_on_creation", false),
    ("enable_dns64", false),
    ("enable_resource_name_dns_a_record_on_launch", false),
    ("enable_resource_name_dns_aaaa_record_on_launch", false),
];

/// Describes subnets by id: one paginated call per [`ID_CHUNK`] ids.
pub async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, SdkSubnet>, Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_subnets()
            .filters(filters::ids("subnet-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeSubnets"))?;
            for s in page.subnets() {
                if let Some(id) = s.subnet_id() {
                    found.insert(id.to_string(), s.clone());
                }
            }
        }
    }
    Ok(found)
}

async fn find(cx: &Ctx<'_>, id: &str) -> Result<Option<SdkSubnet>, Error> {
    Ok(describe(cx, &[id.to_string()]).await?.remove(id))
}

fn state(cx: &Ctx<'_>, s: &SdkSubnet, prior: &Value) -> Value {
    let id = s.subnet_id().unwrap_or_default();
    let owner = s.owner_id().unwrap_or_default();
    let dns = s.private_dns_name_options_on_launch();
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), Value::from(id));
    m.insert(
        "arn".into(),
        match s.subnet_arn() {
            Some(a) => Value::from(a),
            None => Value::from(cx.arn(owner, &format!("subnet/{id}"))),
        },
    );
    m.insert("owner_id".into(), Value::from(owner));
    m.insert("vpc_id".into(), str_or_empty(s.vpc_id()));
    m.insert("cidr_block".into(), opt_str(s.cidr_block()));
    m.insert(
        "availability_zone".into(),
        str_or_empty(s.availability_zone()),
    );
    m.insert(
        "availability_zone_id".into(),
        str_or_empty(s.availability_zone_id()),
    );
    m.insert(
        "map_public_ip_on_launch".into(),
        Value::Bool(s.map_public_ip_on_launch().unwrap_or(false)),
    );
    m.insert(
        "assign_ipv6_address_on_creation".into(),
        Value::Bool(s.assign_ipv6_address_on_creation().unwrap_or(false)),
    );
    m.insert(
        "enable_dns64".into(),
        Value::Bool(s.enable_dns64().unwrap_or(false)),
    );
    m.insert(
        "ipv6_native".into(),
        Value::Bool(s.ipv6_native().unwrap_or(false)),
    );
    m.insert(
        "enable_lni_at_device_index".into(),
        match s.enable_lni_at_device_index() {
            Some(n) if n != 0 => Value::int(i64::from(n)),
            _ => Value::Null,
        },
    );
    m.insert(
        "map_customer_owned_ip_on_launch".into(),
        match (
            s.map_customer_owned_ip_on_launch(),
            prior.get_attr("map_customer_owned_ip_on_launch"),
        ) {
            (Some(true), _) => Value::Bool(true),
            (_, Some(Value::Bool(false))) => Value::Bool(false),
            _ => Value::Null,
        },
    );
    m.insert(
        "customer_owned_ipv4_pool".into(),
        match s.customer_owned_ipv4_pool() {
            Some(p) if !p.is_empty() => Value::from(p),
            _ => keep(prior, "customer_owned_ipv4_pool").filter_empty(),
        },
    );
    m.insert(
        "outpost_arn".into(),
        match s.outpost_arn() {
            Some(a) if !a.is_empty() => Value::from(a),
            _ => keep(prior, "outpost_arn").filter_empty(),
        },
    );
    m.insert(
        "private_dns_hostname_type_on_launch".into(),
        str_or_empty(
            dns.and_then(|d| d.hostname_type())
                .map(HostnameType::as_str),
        ),
    );
    m.insert(
        "enable_resource_name_dns_a_record_on_launch".into(),
        Value::Bool(
            dns.and_then(|d| d.enable_resource_name_dns_a_record())
                .unwrap_or(false),
        ),
    );
    m.insert(
        "enable_resource_name_dns_aaaa_record_on_launch".into(),
        Value::Bool(
            dns.and_then(|d| d.enable_resource_name_dns_aaaa_record())
                .unwrap_or(false),
        ),
    );
    let ipv6 = s.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|st| st.state())
            .is_some_and(|st| matches!(st.as_str(), "associated" | "associating"))
    });
    m.insert(
        "ipv6_cidr_block".into(),
        match ipv6.and_then(|a| a.ipv6_cidr_block()) {
            Some(c) => Value::from(c),
            None => match prior.get_attr("ipv6_cidr_block") {
                Some(Value::String(x)) if x.is_empty() => Value::from(""),
                _ => Value::Null,
            },
        },
    );
    m.insert(
        "ipv6_cidr_block_association_id".into(),
        str_or_empty(ipv6.and_then(|a| a.association_id())),
    );
    tags::set_state(cx.tags(), s.tags(), prior, &mut m);
    Value::Object(m)
}

/// Null for an empty string (SDKv2 reads unset optional strings as "").
trait FilterEmpty {
    fn filter_empty(self) -> Value;
}

impl FilterEmpty for Value {
    fn filter_empty(self) -> Value {
        match &self {
            Value::String(s) if s.is_empty() => Value::Null,
            _ => self,
        }
    }
}

async fn modify_flag(cx: &Ctx<'_>, id: &str, name: &str, value: bool) -> Result<(), Error> {
    let b = AttributeBooleanValue::builder().value(value).build();
    let call = cx.ec2().modify_subnet_attribute().subnet_id(id);
    let call = match name {
        "map_public_ip_on_launch" => call.map_public_ip_on_launch(b),
        "assign_ipv6_address_on_creation" => call.assign_ipv6_address_on_creation(b),
        "enable_dns64" => call.enable_dns64(b),
        "enable_resource_name_dns_a_record_on_launch" => {
            call.enable_resource_name_dns_a_record_on_launch(b)
        }
        "enable_resource_name_dns_aaaa_record_on_launch" => {
            call.enable_resource_name_dns_aaaa_record_on_launch(b)
        }
        _ => call.map_customer_owned_ip_on_launch(b),
    };
    call.send().await.map_err(api("ModifySubnetAttribute"))?;
    Ok(())
}

async fn modify_hostname_type(cx: &Ctx<'_>, id: &str, t: &str) -> Result<(), Error> {
    cx.ec2()
        .modify_subnet_attribute()
        .subnet_id(id)
        .private_dns_hostname_type_on_launch(HostnameType::from(t))
        .send()
        .await
        .map_err(api("ModifySubnetAttribute"))?;
    Ok(())
}

async fn set_ipv6_block(
    cx: &Ctx<'_>,
    id: &str,
    old_assoc: Option<&str>,
    new: Option<&str>,
) -> Result<(), Error> {
    if let Some(assoc) = old_assoc {
        cx.ec2()
            .disassociate_subnet_cidr_block()
            .association_id(assoc)
            .send()
            .await
            .map_err(api("DisassociateSubnetCidrBlock"))?;
    }
    if let Some(block) = new {
        cx.ec2()
            .associate_subnet_cidr_block()
            .subnet_id(id)
            .ipv6_cidr_block(block)
            .send()
            .await
            .map_err(api("AssociateSubnetCidrBlock"))?;
    }
    Ok(())
}

#[async_trait]
impl Resource for Subnet {
    fn type_name(&self) -> &'static str {
        "aws_subnet"
    }

    fn schema(&self) -> Schema {
        let c = || Attribute::computed(Type::String);
        let flag = || Attribute::optional(Type::Bool).with_default(Value::Bool(false));
        let block = Block::new()
            .attr("id", c())
            .attr("arn", c())
            .attr("owner_id", c())
            .attr("vpc_id", Attribute::required(Type::String).force_new())
            .attr("cidr_block", Attribute::optional(Type::String).force_new())
            .attr(
                "availability_zone",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr(
                "availability_zone_id",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr("assign_ipv6_address_on_creation", flag())
            .attr(
                "customer_owned_ipv4_pool",
                Attribute::optional(Type::String),
            )
            .attr("enable_dns64", flag())
            .attr(
                "enable_lni_at_device_index",
                Attribute::optional(Type::Number),
            )
            .attr("enable_resource_name_dns_a_record_on_launch", flag())
            .attr("enable_resource_name_dns_aaaa_record_on_launch", flag())
            .attr("ipv6_cidr_block", Attribute::optional(Type::String))
            .attr("ipv6_cidr_block_association_id", c())
            .attr("ipv6_native", flag().force_new())
            .attr(
                "map_customer_owned_ip_on_launch",
                Attribute::optional(Type::Bool),
            )
            .attr("map_public_ip_on_launch", flag())
            .attr("outpost_arn", Attribute::optional(Type::String).force_new())
            .attr(
                "private_dns_hostname_type_on_launch",
                Attribute::optional_computed(Type::String),
            );
        Schema::new(tags::with_tags(block)).with_version(1)
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(Timeouts {
            create: Some(minutes(10)),
            delete: Some(minutes(20)),
            ..Timeouts::default()
        })
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
            check_one_of(
                config,
                "private_dns_hostname_type_on_launch",
                &["ip-name", "resource-name"],
            ),
            check_conflict(config, "availability_zone", "availability_zone_id"),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn plan(&self, plan: &mut Planning<'_>) {
        // A new IPv6 block on a subnet that assigns IPv6 addresses on
        // creation replaces the subnet (hashicorp/aws's ForceNewIf).
        if plan.changes("ipv6_cidr_block")
            && plan
                .prior
                .and_then(|p| bool_attr(p, "assign_ipv6_address_on_creation"))
                == Some(true)
        {
            plan.replace("ipv6_cidr_block");
        }
        if plan.changes("ipv6_cidr_block") {
            plan.set_unknown("ipv6_cidr_block_association_id");
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let out = cx
            .ec2()
            .create_subnet()
            .vpc_id(attrs::required_str(planned, "vpc_id")?)
            .set_cidr_block(non_empty(planned, "cidr_block").map(Into::into))
            .set_availability_zone(non_empty(planned, "availability_zone").map(Into::into))
            .set_availability_zone_id(non_empty(planned, "availability_zone_id").map(Into::into))
            .set_ipv6_cidr_block(non_empty(planned, "ipv6_cidr_block").map(Into::into))
            .set_ipv6_native(bool_attr(planned, "ipv6_native").filter(|b| *b))
            .set_outpost_arn(non_empty(planned, "outpost_arn").map(Into::into))
            .set_tag_specifications(
                tags::specification(ResourceType::Subnet, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("CreateSubnet"))?;
        let ready = out
            .subnet()
            .and_then(SdkSubnet::state)
            .is_some_and(|st| st.as_str() == "available");
        let subnet_id = out
            .subnet()
            .and_then(SdkSubnet::subnet_id)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new subnet in the CreateSubnet answer".into(),
            })?
            .to_string();
        let finish = async {
            if !ready {
                wait_available(cx, &subnet_id).await?;
            }
            Ok::<(), Error>(())
        };
        finish.await.map_err(|e| e.after_create(&subnet_id))?;
        let finish = async {
            if let Some(t) = non_empty(planned, "private_dns_hostname_type_on_launch") {
                modify_hostname_type(cx, &subnet_id, t).await?;
            }
            for (name, initial) in FLAGS {
                if let Some(b) = bool_attr(planned, name).filter(|b| *b != initial) {
                    modify_flag(cx, &subnet_id, name, b).await?;
                }
            }
            if bool_attr(planned, "map_customer_owned_ip_on_launch") == Some(true) {
                modify_flag(cx, &subnet_id, "map_customer_owned_ip_on_launch", true).await?;
            }
            if let Some(n) =
                int_attr(planned, "enable_lni_at_device_index").and_then(|n| i32::try_from(n).ok())
            {
                cx.ec2()
                    .modify_subnet_attribute()
                    .subnet_id(&subnet_id)
                    .enable_lni_at_device_index(n)
                    .send()
                    .await
                    .map_err(api("ModifySubnetAttribute"))?;
            }
            Ok::<(), Error>(())
        };
        finish.await.map_err(|e| e.after_create(&subnet_id))?;
        Ok(subnet_id)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let found = describe(cx, &ids(priors)).await?;
        Ok(by_id(priors, &found, |s, p| state(cx, s, p)))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let subnet_id = id(prior)?;
        let changed = |name: &str| attrs::changed(prior, planned, name);
        if changed("customer_owned_ipv4_pool") || changed("map_customer_owned_ip_on_launch") {
            let b = AttributeBooleanValue::builder()
                .value(bool_attr(planned, "map_customer_owned_ip_on_launch").unwrap_or(false))
                .build();
            cx.ec2()
                .modify_subnet_attribute()
                .subnet_id(subnet_id)
                .map_customer_owned_ip_on_launch(b)
                .set_customer_owned_ipv4_pool(
                    non_empty(planned, "customer_owned_ipv4_pool").map(Into::into),
                )
                .send()
                .await
                .map_err(api("ModifySubnetAttribute"))?;
        }
        // Turn IPv6 assignment off before the block goes, on after it comes.
        let assign = bool_attr(planned, "assign_ipv6_address_on_creation").unwrap_or(false);
        if changed("assign_ipv6_address_on_creation") && !assign {
            modify_flag(cx, subnet_id, "assign_ipv6_address_on_creation", false).await?;
        }
        if changed("ipv6_cidr_block") {
            set_ipv6_block(
                cx,
                subnet_id,
                non_empty(prior, "ipv6_cidr_block_association_id"),
                non_empty(planned, "ipv6_cidr_block"),
            )
            .await?;
        }
        for (name, _) in FLAGS
            .iter()
            .filter(|(n, _)| *n != "assign_ipv6_address_on_creation")
        {
            if changed(name) {
                modify_flag(
                    cx,
                    subnet_id,
                    name,
                    bool_attr(planned, name).unwrap_or(false),
                )
                .await?;
            }
        }
        if changed("enable_lni_at_device_index") {
            let call = cx.ec2().modify_subnet_attribute().subnet_id(subnet_id);
            let call = match int_attr(planned, "enable_lni_at_device_index")
                .and_then(|n| i32::try_from(n).ok())
            {
                Some(n) => call.enable_lni_at_device_index(n),
                None => call.disable_lni_at_device_index(
                    AttributeBooleanValue::builder().value(true).build(),
                ),
            };
            call.send().await.map_err(api("ModifySubnetAttribute"))?;
        }
        if changed("private_dns_hostname_type_on_launch") {
            if let Some(t) = non_empty(planned, "private_dns_hostname_type_on_launch") {
                modify_hostname_type(cx, subnet_id, t).await?;
            }
        }
        if changed("assign_ipv6_address_on_creation") && assign {
            modify_flag(cx, subnet_id, "assign_ipv6_address_on_creation", true).await?;
        }
        if changed("tags_all") {
            tags::update(cx.session, subnet_id, prior, planned).await?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let subnet_id = id(prior)?;
        wait::retry_on_codes(
            cx.target(format!("subnet {subnet_id}"), "deleted"),
            &["DependencyViolation"],
            || async {
                cx.ec2()
                    .delete_subnet()
                    .subnet_id(subnet_id)
                    .send()
                    .await
                    .map_err(api("DeleteSubnet"))
            },
        )
        .await?;
        wait::until(
            cx.target(format!("subnet {subnet_id}"), "deleted"),
            || async {
                Ok(match find(cx, subnet_id).await? {
                    None => Poll::Done(()),
                    Some(_) => Poll::Pending("exists".into()),
                })
            },
        )
        .await
    }
}

async fn wait_available(cx: &Ctx<'_>, subnet_id: &str) -> Result<(), Error> {
    wait::until(
        cx.target(format!("subnet {subnet_id}"), "available"),
        || async {
            Ok(match find(cx, subnet_id).await? {
                Some(s) if s.state().is_some_and(|st| st.as_str() == "available") => Poll::Done(()),
                Some(s) => Poll::Pending(s.state().map_or("unknown", |st| st.as_str()).to_string()),
                None => Poll::Pending("not found yet".into()),
            })
        },
    )
    .await?;
    Ok(())
}
