//! `aws_network_interface`. Description, security groups, the source/dest
//! check, secondary private IPv4 addresses, IPv6 addresses, prefixes and
//! the attachment change in place; a new primary private IP replaces it.

use crate::attrs::{
    self, blocks, bool_attr, id, int_attr, keep, non_empty, str_list, str_or_empty, str_set,
    strings,
};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{by_id, check_conflict, ids, Ctx, Planning, Resource, ID_CHUNK};
use crate::tags;
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, InstanceIpv6Address, Ipv4PrefixSpecificationRequest,
    Ipv6PrefixSpecificationRequest, NetworkInterface as SdkEni, NetworkInterfaceCreationType,
    PrivateIpAddressSpecification, ResourceType,
};
use gitform_provider::{Attribute, Block, NestedBlock, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// `aws_network_interface`.
pub struct NetworkInterface;

const ATTACH_TIMEOUT: Duration = Duration::from_secs(5 * 60);

async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, SdkEni>, Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_network_interfaces()
            .filters(filters::ids("network-interface-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeNetworkInterfaces"))?;
            for n in page.network_interfaces() {
                if let Some(id) = n.network_interface_id() {
                    found.insert(id.to_string(), n.clone());
                }
            }
        }
    }
    Ok(found)
}

async fn find(cx: &Ctx<'_>, id: &str) -> Result<Option<SdkEni>, Error> {
    Ok(describe(cx, &[id.to_string()]).await?.remove(id))
}

/// The private IPv4 addresses, primary first.
fn private_ips(n: &SdkEni) -> Vec<String> {
    let mut ips: Vec<(bool, String)> = n
        .private_ip_addresses()
        .iter()
        .filter_map(|p| {
            Some((
                !p.primary().unwrap_or(false),
                p.private_ip_address()?.to_string(),
            ))
        })
        .collect();
    ips.sort_by_key(|ip| ip.0);
    ips.into_iter().map(|(_, ip)| ip).collect()
}

fn count(n: usize) -> Value {
    Value::int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// An optional, non-computed string AWS reports as "" when unset: null
/// unless the configuration had "" itself.
fn optional_string(remote: Option<&str>, prior: &Value, name: &str) -> Value {
    match remote {
        Some(s) if !s.is_empty() => Value::from(s),
        _ => match prior.get_attr(name) {
            Some(Value::String(s)) if s.is_empty() => Value::from(""),
            _ => Value::Null,
        },
    }
}

fn state(cx: &Ctx<'_>, n: &SdkEni, prior: &Value) -> Value {
    let id = n.network_interface_id().unwrap_or_default();
    let owner = n.owner_id().unwrap_or_default();
    let ips = private_ips(n);
    let ipv6: Vec<&str> = n
        .ipv6_addresses()
        .iter()
        .filter_map(|a| a.ipv6_address())
        .collect();
    let v4_prefixes: Vec<&str> = n
        .ipv4_prefixes()
        .iter()
        .filter_map(|p| p.ipv4_prefix())
        .collect();
    let v6_prefixes: Vec<&str> = n
        .ipv6_prefixes()
        .iter()
        .filter_map(|p| p.ipv6_prefix())
        .collect();
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(cx.arn(owner, &format!("network-interface/{id}"))),
    );
    m.insert("owner_id".into(), Value::from(owner));
    m.insert("subnet_id".into(), str_or_empty(n.subnet_id()));
    m.insert(
        "description".into(),
        optional_string(n.description(), prior, "description"),
    );
    m.insert(
        "interface_type".into(),
        str_or_empty(n.interface_type().map(|t| t.as_str())),
    );
    m.insert("mac_address".into(), str_or_empty(n.mac_address()));
    m.insert("outpost_arn".into(), str_or_empty(n.outpost_arn()));
    m.insert(
        "private_dns_name".into(),
        str_or_empty(n.private_dns_name()),
    );
    m.insert("private_ip".into(), str_or_empty(n.private_ip_address()));
    m.insert("private_ips".into(), str_set(&ips));
    m.insert("private_ip_list".into(), str_list(&ips));
    m.insert(
        "private_ips_count".into(),
        count(ips.len().saturating_sub(1)),
    );
    m.insert("ipv6_addresses".into(), str_set(&ipv6));
    m.insert("ipv6_address_list".into(), str_list(&ipv6));
    m.insert("ipv6_address_count".into(), count(ipv6.len()));
    m.insert("ipv4_prefixes".into(), str_set(&v4_prefixes));
    m.insert("ipv4_prefix_count".into(), count(v4_prefixes.len()));
    m.insert("ipv6_prefixes".into(), str_set(&v6_prefixes));
    m.insert("ipv6_prefix_count".into(), count(v6_prefixes.len()));
    m.insert(
        "enable_primary_ipv6".into(),
        Value::Bool(
            n.ipv6_addresses()
                .iter()
                .any(|a| a.is_primary_ipv6() == Some(true)),
        ),
    );
    m.insert(
        "security_groups".into(),
        str_set(n.groups().iter().filter_map(|g| g.group_id())),
    );
    m.insert(
        "source_dest_check".into(),
        Value::Bool(n.source_dest_check().unwrap_or(true)),
    );
    for name in ["private_ip_list_enabled", "ipv6_address_list_enabled"] {
        let v = keep(prior, name);
        m.insert(
            name.to_string(),
            if v.is_null() { Value::Bool(false) } else { v },
        );
    }
    let attachment = n
        .attachment()
        .filter(|a| {
            a.status()
                .is_none_or(|s| !matches!(s.as_str(), "detached" | "detaching"))
        })
        .and_then(|a| {
            Some(Value::object([
                ("attachment_id", str_or_empty(a.attachment_id())),
                ("device_index", Value::int(i64::from(a.device_index()?))),
                ("instance", str_or_empty(a.instance_id())),
            ]))
        });
    m.insert(
        "attachment".into(),
        Value::set(attachment.into_iter().collect()),
    );
    tags::set_state(cx.tags(), n.tag_set(), prior, &mut m);
    Value::Object(m)
}

async fn attach(cx: &Ctx<'_>, eni: &str, a: &Value) -> Result<(), Error> {
    let instance = attrs::required_str(a, "instance")?;
    let index = int_attr(a, "device_index")
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(0);
    cx.ec2()
        .attach_network_interface()
        .network_interface_id(eni)
        .instance_id(instance)
        .device_index(index)
        .send()
        .await
        .map_err(api("AttachNetworkInterface"))?;
    let mut target = cx.target(format!("network interface {eni}"), "attached");
    target.timeout = ATTACH_TIMEOUT;
    wait::until(target, || async {
        let n = find(cx, eni).await?;
        let status = n
            .as_ref()
            .and_then(|n| n.attachment())
            .and_then(|a| a.status())
            .map(|s| s.as_str().to_string());
        Ok(match status.as_deref() {
            Some("attached") => Poll::Done(()),
            Some(other) => Poll::Pending(other.to_string()),
            None => Poll::Pending("not attached yet".into()),
        })
    })
    .await
}

async fn detach(cx: &Ctx<'_>, eni: &str, attachment_id: &str) -> Result<(), Error> {
    match cx
        .ec2()
        .detach_network_interface()
        .attachment_id(attachment_id)
        .force(true)
        .send()
        .await
        .map_err(api("DetachNetworkInterface"))
    {
        Ok(_) => {}
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    }
    let mut target = cx.target(format!("network interface {eni}"), "detached");
    target.timeout = ATTACH_TIMEOUT;
    wait::until(target, || async {
        let n = find(cx, eni).await?;
        let attached = n
            .as_ref()
            .and_then(|n| n.attachment())
            .filter(|a| a.attachment_id() == Some(attachment_id))
            .and_then(|a| a.status())
            .map(|s| s.as_str().to_string());
        Ok(match attached.as_deref() {
            None | Some("detached") => Poll::Done(()),
            Some(other) => Poll::Pending(other.to_string()),
        })
    })
    .await
}

fn diff(prior: &Value, planned: &Value, name: &str) -> (Vec<String>, Vec<String>) {
    let (before, after) = (strings(prior, name), strings(planned, name));
    (
        after
            .iter()
            .filter(|x| !before.contains(x))
            .cloned()
            .collect(),
        before
            .iter()
            .filter(|x| !after.contains(x))
            .cloned()
            .collect(),
    )
}

fn configured(config: &Value, name: &str) -> bool {
    config.get_attr(name).is_some_and(|v| !v.is_null())
}

#[async_trait]
impl Resource for NetworkInterface {
    fn type_name(&self) -> &'static str {
        "aws_network_interface"
    }

    fn schema(&self) -> Schema {
        let c = || Attribute::computed(Type::String);
        let oc = |t: Type| Attribute::optional_computed(t);
        let set = || Type::set(Type::String);
        let block = Block::new()
            .attr("id", c())
            .attr("arn", c())
            .attr("mac_address", c())
            .attr("outpost_arn", c())
            .attr("owner_id", c())
            .attr("private_dns_name", c())
            .attr("subnet_id", Attribute::required(Type::String).force_new())
            .attr("description", Attribute::optional(Type::String))
            .attr("interface_type", oc(Type::String).force_new())
            .attr("enable_primary_ipv6", oc(Type::Bool))
            .attr("ipv4_prefix_count", oc(Type::Number))
            .attr("ipv4_prefixes", oc(set()))
            .attr("ipv6_address_count", oc(Type::Number))
            .attr("ipv6_address_list", oc(Type::list(Type::String)))
            .attr(
                "ipv6_address_list_enabled",
                Attribute::optional(Type::Bool).with_default(Value::Bool(false)),
            )
            .attr("ipv6_addresses", oc(set()))
            .attr("ipv6_prefix_count", oc(Type::Number))
            .attr("ipv6_prefixes", oc(set()))
            .attr("private_ip", oc(Type::String))
            .attr("private_ip_list", oc(Type::list(Type::String)))
            .attr(
                "private_ip_list_enabled",
                Attribute::optional(Type::Bool).with_default(Value::Bool(false)),
            )
            .attr("private_ips", oc(set()))
            .attr("private_ips_count", oc(Type::Number))
            .attr("security_groups", oc(set()))
            .attr(
                "source_dest_check",
                Attribute::optional(Type::Bool).with_default(Value::Bool(true)),
            )
            .block(
                "attachment",
                NestedBlock::set(
                    Block::new()
                        .attr("attachment_id", Attribute::computed(Type::String))
                        .attr("device_index", Attribute::required(Type::Number))
                        .attr("instance", Attribute::required(Type::String)),
                ),
            );
        Schema::new(tags::with_tags(block))
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        [
            check_conflict(config, "private_ips", "private_ip_list"),
            check_conflict(config, "private_ips_count", "private_ip_list"),
            check_conflict(config, "ipv6_address_count", "ipv6_addresses"),
            check_conflict(config, "ipv6_address_count", "ipv6_address_list"),
            check_conflict(config, "ipv6_addresses", "ipv6_address_list"),
            check_conflict(config, "ipv4_prefixes", "ipv4_prefix_count"),
            check_conflict(config, "ipv6_prefixes", "ipv6_prefix_count"),
            crate::resource::check_one_of(
                config,
                "interface_type",
                &["efa", "efa-only", "branch", "trunk"],
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn plan(&self, plan: &mut Planning<'_>) {
        // No attachment block: attachments are managed elsewhere.
        if !plan
            .config
            .get_attr("attachment")
            .is_some_and(|a| !a.is_known() || a.as_elements().is_some_and(|e| !e.is_empty()))
        {
            let keep = plan
                .prior
                .and_then(|p| p.get_attr("attachment"))
                .cloned()
                .unwrap_or(Value::Set(Vec::new()));
            plan.set("attachment", keep);
        }
        let Some(prior) = plan.prior else { return };
        // A set of private IPs without the current primary replaces the interface.
        if plan.changes("private_ips")
            && bool_attr(&plan.planned, "private_ip_list_enabled") != Some(true)
        {
            let primary = attrs::str_attr(prior, "private_ip")
                .unwrap_or_default()
                .to_string();
            let new = strings(&plan.planned, "private_ips");
            if !new.is_empty() && !new.contains(&primary) {
                plan.replace("private_ips");
            }
        }
        // Derived attributes follow the ones configured.
        let derived: [(&str, &[&str]); 4] = [
            ("private_ips", &["private_ips_count", "private_ip_list"]),
            ("private_ips_count", &["private_ips", "private_ip_list"]),
            (
                "ipv6_addresses",
                &["ipv6_address_count", "ipv6_address_list"],
            ),
            (
                "ipv6_address_count",
                &["ipv6_addresses", "ipv6_address_list"],
            ),
        ];
        for (source, targets) in derived {
            if plan.changes(source) {
                for t in targets {
                    if !configured(plan.config, t) {
                        plan.set_unknown(t);
                    }
                }
            }
        }
        for (source, target) in [
            ("ipv4_prefixes", "ipv4_prefix_count"),
            ("ipv4_prefix_count", "ipv4_prefixes"),
            ("ipv6_prefixes", "ipv6_prefix_count"),
            ("ipv6_prefix_count", "ipv6_prefixes"),
        ] {
            if plan.changes(source) && !configured(plan.config, target) {
                plan.set_unknown(target);
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let v4_prefixes = strings(planned, "ipv4_prefixes");
        let v6_prefixes = strings(planned, "ipv6_prefixes");
        let has_prefixes = !v4_prefixes.is_empty() || !v6_prefixes.is_empty();
        let list_enabled = bool_attr(planned, "private_ip_list_enabled") == Some(true);
        let ips = if list_enabled {
            strings(planned, "private_ip_list")
        } else {
            strings(planned, "private_ips")
        };
        let mut ips_spec: Vec<PrivateIpAddressSpecification> = ips
            .iter()
            .enumerate()
            .map(|(i, ip)| {
                PrivateIpAddressSpecification::builder()
                    .private_ip_address(ip)
                    .primary(i == 0)
                    .build()
            })
            .collect();
        if let Some(primary) = non_empty(planned, "private_ip") {
            if ips_spec.is_empty() {
                ips_spec.push(
                    PrivateIpAddressSpecification::builder()
                        .private_ip_address(primary)
                        .primary(true)
                        .build(),
                );
            }
        }
        let secondary_count = if ips.is_empty() {
            int_attr(planned, "private_ips_count")
                .filter(|n| *n > 0)
                .and_then(|n| i32::try_from(n).ok())
        } else {
            None
        };
        let ipv6 = strings(planned, "ipv6_addresses");
        let mut call = cx
            .ec2()
            .create_network_interface()
            .client_token(crate::resource::client_token())
            .subnet_id(attrs::required_str(planned, "subnet_id")?)
            .set_description(non_empty(planned, "description").map(Into::into))
            .set_groups(Some(strings(planned, "security_groups")).filter(|g| !g.is_empty()))
            .set_private_ip_addresses(Some(ips_spec).filter(|s| !s.is_empty()))
            .set_secondary_private_ip_address_count(secondary_count)
            .set_ipv6_addresses(
                Some(
                    ipv6.iter()
                        .map(|a| InstanceIpv6Address::builder().ipv6_address(a).build())
                        .collect::<Vec<_>>(),
                )
                .filter(|v| !v.is_empty()),
            )
            .set_ipv6_address_count(
                int_attr(planned, "ipv6_address_count")
                    .filter(|n| *n > 0 && ipv6.is_empty())
                    .and_then(|n| i32::try_from(n).ok()),
            )
            .set_ipv4_prefixes(
                Some(
                    v4_prefixes
                        .iter()
                        .map(|p| {
                            Ipv4PrefixSpecificationRequest::builder()
                                .ipv4_prefix(p)
                                .build()
                        })
                        .collect::<Vec<_>>(),
                )
                .filter(|v| !v.is_empty()),
            )
            .set_ipv4_prefix_count(
                int_attr(planned, "ipv4_prefix_count")
                    .filter(|n| *n > 0 && v4_prefixes.is_empty())
                    .and_then(|n| i32::try_from(n).ok()),
            )
            .set_ipv6_prefixes(
                Some(
                    v6_prefixes
                        .iter()
                        .map(|p| {
                            Ipv6PrefixSpecificationRequest::builder()
                                .ipv6_prefix(p)
                                .build()
                        })
                        .collect::<Vec<_>>(),
                )
                .filter(|v| !v.is_empty()),
            )
            .set_ipv6_prefix_count(
                int_attr(planned, "ipv6_prefix_count")
                    .filter(|n| *n > 0 && v6_prefixes.is_empty())
                    .and_then(|n| i32::try_from(n).ok()),
            )
            .set_enable_primary_ipv6(bool_attr(planned, "enable_primary_ipv6").filter(|b| *b));
        if let Some(t) = non_empty(planned, "interface_type") {
            call = call.interface_type(NetworkInterfaceCreationType::from(t));
        }
        // With prefixes, EC2 refuses tags on create; they are added after.
        if !has_prefixes {
            call = call.set_tag_specifications(
                tags::specification(ResourceType::NetworkInterface, planned).map(|t| vec![t]),
            );
        }
        let out = call.send().await.map_err(api("CreateNetworkInterface"))?;
        let eni = out
            .network_interface()
            .and_then(SdkEni::network_interface_id)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new network interface in the CreateNetworkInterface answer"
                    .into(),
            })?
            .to_string();
        let finish = async {
            wait::until(
                cx.target(format!("network interface {eni}"), "available"),
                || async {
                    Ok(match find(cx, &eni).await? {
                        Some(_) => Poll::Done(()),
                        None => Poll::Pending("not found yet".into()),
                    })
                },
            )
            .await?;
            if has_prefixes {
                tags::update(cx.session, &eni, &Value::Null, planned).await?;
            }
            // More secondaries than the listed IPs: assign the rest.
            if let (false, Some(n)) = (ips.is_empty(), int_attr(planned, "private_ips_count")) {
                let missing = n + 1 - i64::try_from(ips.len()).unwrap_or(0);
                if missing > 0 {
                    cx.ec2()
                        .assign_private_ip_addresses()
                        .network_interface_id(&eni)
                        .secondary_private_ip_address_count(i32::try_from(missing).unwrap_or(0))
                        .send()
                        .await
                        .map_err(api("AssignPrivateIpAddresses"))?;
                }
            }
            if bool_attr(planned, "source_dest_check") == Some(false) {
                set_source_dest_check(cx, &eni, false).await?;
            }
            if let Some(a) = blocks(planned, "attachment").first() {
                attach(cx, &eni, a).await?;
            }
            Ok::<(), Error>(())
        };
        finish.await.map_err(|e| e.after_create(&eni))?;
        Ok(eni)
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
        let eni = id(prior)?;
        let changed = |n: &str| attrs::changed(prior, planned, n);
        // Attachments first go, so address changes are not blocked by them.
        if changed("attachment") {
            for old in blocks(prior, "attachment") {
                let still = blocks(planned, "attachment").iter().any(|n| {
                    n.get_attr("instance") == old.get_attr("instance")
                        && n.get_attr("device_index") == old.get_attr("device_index")
                });
                if !still {
                    if let Some(att) = non_empty(old, "attachment_id") {
                        detach(cx, eni, att).await?;
                    }
                }
            }
        }
        if changed("description") {
            cx.ec2()
                .modify_network_interface_attribute()
                .network_interface_id(eni)
                .description(
                    aws_sdk_ec2::types::AttributeValue::builder()
                        .value(non_empty(planned, "description").unwrap_or(""))
                        .build(),
                )
                .send()
                .await
                .map_err(api("ModifyNetworkInterfaceAttribute"))?;
        }
        if changed("security_groups") {
            let groups = strings(planned, "security_groups");
            if !groups.is_empty() {
                cx.ec2()
                    .modify_network_interface_attribute()
                    .network_interface_id(eni)
                    .set_groups(Some(groups))
                    .send()
                    .await
                    .map_err(api("ModifyNetworkInterfaceAttribute"))?;
            }
        }
        if changed("source_dest_check") {
            set_source_dest_check(
                cx,
                eni,
                bool_attr(planned, "source_dest_check").unwrap_or(true),
            )
            .await?;
        }
        // Secondary private IPv4 addresses.
        let list_enabled = bool_attr(planned, "private_ip_list_enabled") == Some(true);
        let ip_attr = if list_enabled {
            "private_ip_list"
        } else {
            "private_ips"
        };
        if changed(ip_attr)
            && planned
                .get_attr(ip_attr)
                .is_some_and(Value::is_wholly_known)
        {
            let primary = attrs::str_attr(prior, "private_ip").unwrap_or_default();
            let (added, removed) = diff(prior, planned, ip_attr);
            let removed: Vec<String> = removed.into_iter().filter(|ip| ip != primary).collect();
            reassign_private_ips(cx, eni, removed, added).await?;
        } else if changed("private_ips_count") {
            let before = int_attr(prior, "private_ips_count").unwrap_or(0);
            let after = int_attr(planned, "private_ips_count").unwrap_or(0);
            if after > before {
                cx.ec2()
                    .assign_private_ip_addresses()
                    .network_interface_id(eni)
                    .secondary_private_ip_address_count(i32::try_from(after - before).unwrap_or(0))
                    .send()
                    .await
                    .map_err(api("AssignPrivateIpAddresses"))?;
            } else {
                let primary = attrs::str_attr(prior, "private_ip").unwrap_or_default();
                let extra: Vec<String> = strings(prior, "private_ip_list")
                    .into_iter()
                    .filter(|ip| ip != primary)
                    .rev()
                    .take(usize::try_from(before - after).unwrap_or(0))
                    .collect();
                if !extra.is_empty() {
                    cx.ec2()
                        .unassign_private_ip_addresses()
                        .network_interface_id(eni)
                        .set_private_ip_addresses(Some(extra))
                        .send()
                        .await
                        .map_err(api("UnassignPrivateIpAddresses"))?;
                }
            }
        }
        // IPv6 addresses.
        let v6_attr = if bool_attr(planned, "ipv6_address_list_enabled") == Some(true) {
            "ipv6_address_list"
        } else {
            "ipv6_addresses"
        };
        if changed(v6_attr)
            && planned
                .get_attr(v6_attr)
                .is_some_and(Value::is_wholly_known)
        {
            let (added, removed) = diff(prior, planned, v6_attr);
            if !removed.is_empty() {
                cx.ec2()
                    .unassign_ipv6_addresses()
                    .network_interface_id(eni)
                    .set_ipv6_addresses(Some(removed))
                    .send()
                    .await
                    .map_err(api("UnassignIpv6Addresses"))?;
            }
            if !added.is_empty() {
                cx.ec2()
                    .assign_ipv6_addresses()
                    .network_interface_id(eni)
                    .set_ipv6_addresses(Some(added))
                    .send()
                    .await
                    .map_err(api("AssignIpv6Addresses"))?;
            }
        } else if changed("ipv6_address_count") {
            let before = int_attr(prior, "ipv6_address_count").unwrap_or(0);
            let after = int_attr(planned, "ipv6_address_count").unwrap_or(0);
            if after > before {
                cx.ec2()
                    .assign_ipv6_addresses()
                    .network_interface_id(eni)
                    .ipv6_address_count(i32::try_from(after - before).unwrap_or(0))
                    .send()
                    .await
                    .map_err(api("AssignIpv6Addresses"))?;
            } else {
                let extra: Vec<String> = strings(prior, "ipv6_address_list")
                    .into_iter()
                    .rev()
                    .take(usize::try_from(before - after).unwrap_or(0))
                    .collect();
                if !extra.is_empty() {
                    cx.ec2()
                        .unassign_ipv6_addresses()
                        .network_interface_id(eni)
                        .set_ipv6_addresses(Some(extra))
                        .send()
                        .await
                        .map_err(api("UnassignIpv6Addresses"))?;
                }
            }
        }
        // Prefixes.
        if changed("ipv4_prefixes")
            && planned
                .get_attr("ipv4_prefixes")
                .is_some_and(Value::is_wholly_known)
        {
            let (added, removed) = diff(prior, planned, "ipv4_prefixes");
            if !removed.is_empty() {
                cx.ec2()
                    .unassign_private_ip_addresses()
                    .network_interface_id(eni)
                    .set_ipv4_prefixes(Some(removed))
                    .send()
                    .await
                    .map_err(api("UnassignPrivateIpAddresses"))?;
            }
            if !added.is_empty() {
                cx.ec2()
                    .assign_private_ip_addresses()
                    .network_interface_id(eni)
                    .set_ipv4_prefixes(Some(added))
                    .send()
                    .await
                    .map_err(api("AssignPrivateIpAddresses"))?;
            }
        }
        if changed("ipv6_prefixes")
            && planned
                .get_attr("ipv6_prefixes")
                .is_some_and(Value::is_wholly_known)
        {
            let (added, removed) = diff(prior, planned, "ipv6_prefixes");
            if !removed.is_empty() {
                cx.ec2()
                    .unassign_ipv6_addresses()
                    .network_interface_id(eni)
                    .set_ipv6_prefixes(Some(removed))
                    .send()
                    .await
                    .map_err(api("UnassignIpv6Addresses"))?;
            }
            if !added.is_empty() {
                cx.ec2()
                    .assign_ipv6_addresses()
                    .network_interface_id(eni)
                    .set_ipv6_prefixes(Some(added))
                    .send()
                    .await
                    .map_err(api("AssignIpv6Addresses"))?;
            }
        }
        if changed("attachment") {
            for new in blocks(planned, "attachment") {
                let existed = blocks(prior, "attachment").iter().any(|o| {
                    o.get_attr("instance") == new.get_attr("instance")
                        && o.get_attr("device_index") == new.get_attr("device_index")
                });
                if !existed {
                    attach(cx, eni, new).await?;
                }
            }
        }
        if changed("tags_all") {
            tags::update(cx.session, eni, prior, planned).await?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let eni = id(prior)?;
        let Some(n) = find(cx, eni).await? else {
            return Ok(());
        };
        if let Some(att) = n.attachment().and_then(|a| a.attachment_id()) {
            detach(cx, eni, att).await?;
        }
        wait::retry_on_codes(
            cx.target(format!("network interface {eni}"), "deleted"),
            &["InvalidNetworkInterface.InUse"],
            || async {
                cx.ec2()
                    .delete_network_interface()
                    .network_interface_id(eni)
                    .send()
                    .await
                    .map_err(api("DeleteNetworkInterface"))
            },
        )
        .await?;
        Ok(())
    }
}

/// Unassigns the secondary private IPv4 addresses `removed` from network
/// interface `eni`, then assigns `added` (an empty list makes no call).
pub(crate) async fn reassign_private_ips(
    cx: &Ctx<'_>,
    eni: &str,
    removed: Vec<String>,
    added: Vec<String>,
) -> Result<(), Error> {
    if !removed.is_empty() {
        cx.ec2()
            .unassign_private_ip_addresses()
            .network_interface_id(eni)
            .set_private_ip_addresses(Some(removed))
            .send()
            .await
            .map_err(api("UnassignPrivateIpAddresses"))?;
    }
    if !added.is_empty() {
        cx.ec2()
            .assign_private_ip_addresses()
            .network_interface_id(eni)
            .set_private_ip_addresses(Some(added))
            .send()
            .await
            .map_err(api("AssignPrivateIpAddresses"))?;
    }
    Ok(())
}

async fn set_source_dest_check(cx: &Ctx<'_>, eni: &str, value: bool) -> Result<(), Error> {
    cx.ec2()
        .modify_network_interface_attribute()
        .network_interface_id(eni)
        .source_dest_check(AttributeBooleanValue::builder().value(value).build())
        .send()
        .await
        .map_err(api("ModifyNetworkInterfaceAttribute"))?;
    Ok(())
}
