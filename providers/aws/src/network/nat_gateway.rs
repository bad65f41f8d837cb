//! `aws_nat_gateway`: public (with an EIP) or private. Its secondary
//! addresses change in place.

use crate::attrs::{self, id, int_attr, non_empty, str_or_empty, str_set, strings};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{by_id, check_one_of, ids, Ctx, Planning, Resource, ID_CHUNK};
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{ConnectivityType, NatGateway as SdkNat, NatGatewayAddress, ResourceType};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};

/// `aws_nat_gateway`.
pub struct NatGateway;

fn is_gone(n: &SdkNat) -> bool {
    n.state().is_some_and(|s| s.as_str() == "deleted")
}

async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, SdkNat>, Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_nat_gateways()
            .filter(filters::ids("nat-gateway-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeNatGateways"))?;
            for n in page.nat_gateways() {
                if let (Some(id), false) = (n.nat_gateway_id(), is_gone(n)) {
                    found.insert(id.to_string(), n.clone());
                }
            }
        }
    }
    Ok(found)
}

async fn find(cx: &Ctx<'_>, id: &str) -> Result<Option<SdkNat>, Error> {
    Ok(describe(cx, &[id.to_string()]).await?.remove(id))
}

fn is_primary(a: &NatGatewayAddress) -> bool {
    // Older answers (and moto) leave IsPrimary out when there is one address.
    a.is_primary().unwrap_or(true)
}

fn live_secondaries(n: &SdkNat) -> impl Iterator<Item = &NatGatewayAddress> {
    n.nat_gateway_addresses().iter().filter(|a| {
        !is_primary(a)
            && a.status()
                .is_none_or(|s| !matches!(s.as_str(), "disassociating" | "unassigning" | "failed"))
    })
}

fn state(cx: &Ctx<'_>, n: &SdkNat, prior: &Value) -> Value {
    let primary = n.nat_gateway_addresses().iter().find(|a| is_primary(a));
    let connectivity = n
        .connectivity_type()
        .map_or("public", ConnectivityType::as_str);
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), str_or_empty(n.nat_gateway_id()));
    m.insert("subnet_id".into(), str_or_empty(n.subnet_id()));
    m.insert("connectivity_type".into(), Value::from(connectivity));
    m.insert(
        "allocation_id".into(),
        match primary.and_then(|a| a.allocation_id()) {
            Some(a) => Value::from(a),
            None => Value::Null,
        },
    );
    m.insert(
        "association_id".into(),
        str_or_empty(primary.and_then(|a| a.association_id())),
    );
    m.insert(
        "network_interface_id".into(),
        str_or_empty(primary.and_then(|a| a.network_interface_id())),
    );
    m.insert(
        "private_ip".into(),
        str_or_empty(primary.and_then(|a| a.private_ip())),
    );
    m.insert(
        "public_ip".into(),
        str_or_empty(primary.and_then(|a| a.public_ip())),
    );
    let secondary_allocations: Vec<&str> = live_secondaries(n)
        .filter_map(|a| a.allocation_id())
        .collect();
    let secondary_ips: Vec<&str> = live_secondaries(n).filter_map(|a| a.private_ip()).collect();
    m.insert(
        "secondary_allocation_ids".into(),
        if secondary_allocations.is_empty()
            && prior
                .get_attr("secondary_allocation_ids")
                .is_none_or(Value::is_null)
        {
            Value::Null
        } else {
            str_set(&secondary_allocations)
        },
    );
    m.insert(
        "secondary_private_ip_address_count".into(),
        Value::int(i64::try_from(secondary_ips.len()).unwrap_or(0)),
    );
    m.insert(
        "secondary_private_ip_addresses".into(),
        str_set(&secondary_ips),
    );
    tags::set_state(cx.tags(), n.tags(), prior, &mut m);
    Value::Object(m)
}

async fn wait_for(cx: &Ctx<'_>, nat: &str, target: &'static str) -> Result<(), Error> {
    wait::until(cx.target(format!("NAT gateway {nat}"), target), || async {
        let n = find(cx, nat).await?;
        Ok(match (n, target) {
            (None, "deleted") => Poll::Done(()),
            (Some(n), _) if n.state().map(|s| s.as_str()) == Some(target) => Poll::Done(()),
            (Some(n), _) if n.state().is_some_and(|s| s.as_str() == "failed") => {
                return Err(Error::Api {
                    operation: "CreateNatGateway",
                    code: n.failure_code().unwrap_or("Failed").to_string(),
                    message: n
                        .failure_message()
                        .unwrap_or("the NAT gateway failed")
                        .to_string(),
                })
            }
            (Some(n), _) => Poll::Pending(n.state().map_or("unknown", |s| s.as_str()).to_string()),
            (None, _) => Poll::Pending("not found yet".into()),
        })
    })
    .await
}

/// Brings the secondary addresses from `prior` to `planned`.
async fn sync_secondaries(
    cx: &Ctx<'_>,
    nat: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), Error> {
    if attrs::changed(prior, planned, "secondary_allocation_ids") {
        let (before, after) = (
            strings(prior, "secondary_allocation_ids"),
            strings(planned, "secondary_allocation_ids"),
        );
        let added: Vec<String> = after
            .iter()
            .filter(|a| !before.contains(a))
            .cloned()
            .collect();
        let removed: Vec<&String> = before.iter().filter(|a| !after.contains(a)).collect();
        if !removed.is_empty() {
            let current = find(cx, nat).await?.ok_or_else(|| Error::NotFound {
                what: format!("NAT gateway {nat}"),
            })?;
            let assocs: Vec<String> = live_secondaries(&current)
                .filter(|a| {
                    a.allocation_id()
                        .is_some_and(|x| removed.iter().any(|r| r.as_str() == x))
                })
                .filter_map(|a| a.association_id().map(str::to_string))
                .collect();
            if !assocs.is_empty() {
                cx.ec2()
                    .disassociate_nat_gateway_address()
                    .nat_gateway_id(nat)
                    .set_association_ids(Some(assocs))
                    .send()
                    .await
                    .map_err(api("DisassociateNatGatewayAddress"))?;
            }
        }
        if !added.is_empty() {
            cx.ec2()
                .associate_nat_gateway_address()
                .nat_gateway_id(nat)
                .set_allocation_ids(Some(added))
                .send()
                .await
                .map_err(api("AssociateNatGatewayAddress"))?;
        }
        return Ok(());
    }
    let addresses_configured = planned
        .get_attr("secondary_private_ip_addresses")
        .is_some_and(|v| v.is_wholly_known() && !v.is_null());
    if addresses_configured && attrs::changed(prior, planned, "secondary_private_ip_addresses") {
        let (before, after) = (
            strings(prior, "secondary_private_ip_addresses"),
            strings(planned, "secondary_private_ip_addresses"),
        );
        let removed: Vec<String> = before
            .iter()
            .filter(|a| !after.contains(a))
            .cloned()
            .collect();
        let added: Vec<String> = after
            .iter()
            .filter(|a| !before.contains(a))
            .cloned()
            .collect();
        if !removed.is_empty() {
            cx.ec2()
                .unassign_private_nat_gateway_address()
                .nat_gateway_id(nat)
                .set_private_ip_addresses(Some(removed))
                .send()
                .await
                .map_err(api("UnassignPrivateNatGatewayAddress"))?;
        }
        if !added.is_empty() {
            cx.ec2()
                .assign_private_nat_gateway_address()
                .nat_gateway_id(nat)
                .set_private_ip_addresses(Some(added))
                .send()
                .await
                .map_err(api("AssignPrivateNatGatewayAddress"))?;
        }
    } else if attrs::changed(prior, planned, "secondary_private_ip_address_count") {
        let (before, after) = (
            int_attr(prior, "secondary_private_ip_address_count").unwrap_or(0),
            int_attr(planned, "secondary_private_ip_address_count").unwrap_or(0),
        );
        if after > before {
            cx.ec2()
                .assign_private_nat_gateway_address()
                .nat_gateway_id(nat)
                .private_ip_address_count(i32::try_from(after - before).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(api("AssignPrivateNatGatewayAddress"))?;
        } else {
            let current = strings(prior, "secondary_private_ip_addresses");
            let drop: Vec<String> = current
                .into_iter()
                .take(usize::try_from(before - after).unwrap_or(0))
                .collect();
            if !drop.is_empty() {
                cx.ec2()
                    .unassign_private_nat_gateway_address()
                    .nat_gateway_id(nat)
                    .set_private_ip_addresses(Some(drop))
                    .send()
                    .await
                    .map_err(api("UnassignPrivateNatGatewayAddress"))?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Resource for NatGateway {
    fn type_name(&self) -> &'static str {
        "aws_nat_gateway"
    }

    fn schema(&self) -> Schema {
        let c = || Attribute::computed(Type::String);
        let block = Block::new()
            .attr("id", c())
            .attr("association_id", c())
            .attr("network_interface_id", c())
            .attr("public_ip", c())
            .attr(
                "allocation_id",
                Attribute::optional(Type::String).force_new(),
            )
            .attr(
                "connectivity_type",
                Attribute::optional(Type::String)
                    .with_default(Value::from("public"))
                    .force_new(),
            )
            .attr(
                "private_ip",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr("subnet_id", Attribute::required(Type::String).force_new())
            .attr(
                "secondary_allocation_ids",
                Attribute::optional(Type::set(Type::String)),
            )
            .attr(
                "secondary_private_ip_address_count",
                Attribute::optional_computed(Type::Number),
            )
            .attr(
                "secondary_private_ip_addresses",
                Attribute::optional_computed(Type::set(Type::String)),
            );
        Schema::new(tags::with_tags(block))
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(Timeouts {
            create: Some(minutes(10)),
            update: Some(minutes(10)),
            delete: Some(minutes(30)),
            read: None,
        })
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> =
            check_one_of(config, "connectivity_type", &["private", "public"])
                .into_iter()
                .collect();
        out.extend(crate::resource::check_conflict(
            config,
            "secondary_private_ip_address_count",
            "secondary_private_ip_addresses",
        ));
        out
    }

    fn plan(&self, plan: &mut Planning<'_>) {
        if plan.changes("secondary_allocation_ids") {
            plan.set_unknown("secondary_private_ip_addresses");
            plan.set_unknown("secondary_private_ip_address_count");
        } else if plan.changes("secondary_private_ip_address_count") {
            plan.set_unknown("secondary_private_ip_addresses");
        } else if plan.changes("secondary_private_ip_addresses") {
            plan.set_unknown("secondary_private_ip_address_count");
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let connectivity = non_empty(planned, "connectivity_type").unwrap_or("public");
        let secondary_ips = strings(planned, "secondary_private_ip_addresses");
        let out = cx
            .ec2()
            .create_nat_gateway()
            .client_token(crate::resource::client_token())
            .subnet_id(attrs::required_str(planned, "subnet_id")?)
            .connectivity_type(ConnectivityType::from(connectivity))
            .set_allocation_id(non_empty(planned, "allocation_id").map(Into::into))
            .set_private_ip_address(non_empty(planned, "private_ip").map(Into::into))
            .set_secondary_allocation_ids(
                Some(strings(planned, "secondary_allocation_ids")).filter(|v| !v.is_empty()),
            )
            .set_secondary_private_ip_addresses(
                Some(secondary_ips.clone()).filter(|v| !v.is_empty()),
            )
            .set_secondary_private_ip_address_count(
                int_attr(planned, "secondary_private_ip_address_count")
                    .filter(|n| *n > 0 && secondary_ips.is_empty())
                    .and_then(|n| i32::try_from(n).ok()),
            )
            .set_tag_specifications(
                tags::specification(ResourceType::Natgateway, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("CreateNatGateway"))?;
        let nat = out
            .nat_gateway()
            .and_then(SdkNat::nat_gateway_id)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new NAT gateway in the CreateNatGateway answer".into(),
            })?
            .to_string();
        wait_for(cx, &nat, "available")
            .await
            .map_err(|e| e.after_create(&nat))?;
        Ok(nat)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let found = describe(cx, &ids(priors)).await?;
        Ok(by_id(priors, &found, |n, p| state(cx, n, p)))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let nat = id(prior)?;
        sync_secondaries(cx, nat, prior, planned).await?;
        if attrs::changed(prior, planned, "tags_all") {
            tags::update(cx.session, nat, prior, planned).await?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let nat = id(prior)?;
        cx.ec2()
            .delete_nat_gateway()
            .nat_gateway_id(nat)
            .send()
            .await
            .map_err(api("DeleteNatGateway"))?;
        wait_for(cx, nat, "deleted").await
    }
}
