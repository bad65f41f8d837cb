//! `aws_eip`: an Elastic IP (`domain = "vpc"`), associated in place with
//! an instance or network interface. `ptr_record` takes one
//! DescribeAddressesAttribute call per address; as hashicorp/aws does, it
//! is read on every read, refresh included ([`Resource::details_on_refresh`];
//! EIPs are few per configuration).

use crate::attrs::{self, bool_attr, id, keep, non_empty, str_or_empty};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{by_id, check_one_of, ids, Ctx, Planning, Resource, ID_CHUNK};
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{Address, AddressAttributeName, DomainType, ResourceType};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};

/// `aws_eip`.
pub struct Eip;

async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, Address>, Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        // DescribeAddresses is not paginated: one call answers all.
        let out = cx
            .ec2()
            .describe_addresses()
            .filters(filters::ids("allocation-id", chunk))
            .send()
            .await
            .map_err(api("DescribeAddresses"))?;
        for a in out.addresses() {
            if let Some(id) = a.allocation_id() {
                found.insert(id.to_string(), a.clone());
            }
        }
    }
    Ok(found)
}

async fn find(cx: &Ctx<'_>, id: &str) -> Result<Option<Address>, Error> {
    Ok(describe(cx, &[id.to_string()]).await?.remove(id))
}

/// `ec2-1-2-3-4.compute-1.amazonaws.com`, as hashicorp/aws derives it.
fn public_dns(region: &str, ip: &str) -> String {
    let dashed = ip.replace('.', "-");
    if region == "us-east-1" {
        format!("ec2-{dashed}.compute-1.amazonaws.com")
    } else {
        format!("ec2-{dashed}.{region}.compute.amazonaws.com")
    }
}

/// `ip-10-0-0-1.ec2.internal`, as hashicorp/aws derives it.
fn private_dns(region: &str, ip: &str) -> String {
    let dashed = ip.replace('.', "-");
    if region == "us-east-1" {
        format!("ip-{dashed}.ec2.internal")
    } else {
        format!("ip-{dashed}.{region}.compute.internal")
    }
}

fn state(cx: &Ctx<'_>, a: &Address, prior: &Value) -> Value {
    let id = a.allocation_id().unwrap_or_default();
    let region = cx.session.region.as_str();
    let domain = a.domain().map(DomainType::as_str).unwrap_or("vpc");
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), Value::from(id));
    m.insert("allocation_id".into(), Value::from(id));
    m.insert("domain".into(), Value::from(domain));
    m.insert("vpc".into(), Value::Bool(domain == "vpc"));
    m.insert("association_id".into(), str_or_empty(a.association_id()));
    m.insert("instance".into(), str_or_empty(a.instance_id()));
    m.insert(
        "network_interface".into(),
        str_or_empty(a.network_interface_id()),
    );
    m.insert("private_ip".into(), str_or_empty(a.private_ip_address()));
    m.insert(
        "private_dns".into(),
        match a.private_ip_address() {
            Some(ip) if !ip.is_empty() => Value::from(private_dns(region, ip)),
            _ => Value::Null,
        },
    );
    m.insert("public_ip".into(), str_or_empty(a.public_ip()));
    m.insert(
        "public_dns".into(),
        match a.public_ip() {
            Some(ip) if !ip.is_empty() => Value::from(public_dns(region, ip)),
            _ => Value::Null,
        },
    );
    m.insert(
        "public_ipv4_pool".into(),
        str_or_empty(a.public_ipv4_pool()),
    );
    m.insert(
        "network_border_group".into(),
        str_or_empty(a.network_border_group()),
    );
    m.insert("carrier_ip".into(), str_or_empty(a.carrier_ip()));
    m.insert(
        "customer_owned_ip".into(),
        str_or_empty(a.customer_owned_ip()),
    );
    m.insert(
        "customer_owned_ipv4_pool".into(),
        match a.customer_owned_ipv4_pool() {
            Some(p) if !p.is_empty() => Value::from(p),
            _ => keep(prior, "customer_owned_ipv4_pool"),
        },
    );
    m.insert(
        "arn".into(),
        Value::from(cx.arn(&cx.session.account_id, &format!("elastic-ip/{id}"))),
    );
    for name in [
        "address",
        "associate_with_private_ip",
        "ipam_pool_id",
        "ptr_record",
    ] {
        m.insert(name.to_string(), keep(prior, name));
    }
    tags::set_state(cx.tags(), a.tags(), prior, &mut m);
    Value::Object(m)
}

async fn associate(cx: &Ctx<'_>, alloc: &str, v: &Value) -> Result<(), Error> {
    let instance = non_empty(v, "instance");
    let eni = non_empty(v, "network_interface");
    if instance.is_none() && eni.is_none() {
        return Ok(());
    }
    let out = wait::retry_on_codes(
        cx.target(format!("Elastic IP {alloc} association"), "associated"),
        &[
            "InvalidAllocationID.NotFound",
            "InvalidInstanceID",
            "InvalidInstanceID.NotFound",
        ],
        || async {
            cx.ec2()
                .associate_address()
                .allocation_id(alloc)
                .set_instance_id(instance.map(Into::into))
                .set_network_interface_id(eni.map(Into::into))
                .set_private_ip_address(non_empty(v, "associate_with_private_ip").map(Into::into))
                .allow_reassociation(true)
                .send()
                .await
                .map_err(api("AssociateAddress"))
        },
    )
    .await?;
    let assoc = out.association_id().unwrap_or_default().to_string();
    wait::until(
        cx.target(format!("Elastic IP {alloc}"), "associated"),
        || async {
            Ok(match find(cx, alloc).await? {
                Some(a)
                    if a.association_id()
                        .is_some_and(|x| x == assoc || assoc.is_empty()) =>
                {
                    Poll::Done(())
                }
                _ => Poll::Pending("not associated yet".into()),
            })
        },
    )
    .await
}

async fn disassociate(cx: &Ctx<'_>, assoc: &str) -> Result<(), Error> {
    match cx
        .ec2()
        .disassociate_address()
        .association_id(assoc)
        .send()
        .await
        .map_err(api("DisassociateAddress"))
    {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl Resource for Eip {
    fn type_name(&self) -> &'static str {
        "aws_eip"
    }

    fn schema(&self) -> Schema {
        let c = || Attribute::computed(Type::String);
        let oc = || Attribute::optional_computed(Type::String);
        let block = Block::new()
            .attr("id", c())
            .attr("allocation_id", c())
            .attr("arn", c())
            .attr("association_id", c())
            .attr("carrier_ip", c())
            .attr("customer_owned_ip", c())
            .attr("private_dns", c())
            .attr("private_ip", c())
            .attr("ptr_record", c())
            .attr("public_dns", c())
            .attr("public_ip", c())
            .attr("address", Attribute::optional(Type::String).force_new())
            .attr(
                "associate_with_private_ip",
                Attribute::optional(Type::String),
            )
            .attr(
                "customer_owned_ipv4_pool",
                Attribute::optional(Type::String).force_new(),
            )
            .attr("domain", oc().force_new())
            .attr("instance", oc())
            .attr("ipam_pool_id", oc().force_new())
            .attr("network_border_group", oc().force_new())
            .attr("network_interface", oc())
            .attr("public_ipv4_pool", oc().force_new())
            .attr(
                "vpc",
                Attribute::optional_computed(Type::Bool)
                    .force_new()
                    .deprecate("vpc is deprecated. Use domain instead."),
            );
        Schema::new(tags::with_tags(block))
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(Timeouts {
            read: Some(minutes(15)),
            update: Some(minutes(5)),
            delete: Some(minutes(3)),
            create: None,
        })
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = check_one_of(config, "domain", &["vpc", "standard"])
            .into_iter()
            .collect();
        out.extend(crate::resource::check_conflict(
            config,
            "instance",
            "network_interface",
        ));
        out
    }

    fn plan(&self, plan: &mut Planning<'_>) {
        // A new target makes a new association.
        if plan.changes("instance")
            || plan.changes("network_interface")
            || plan.changes("associate_with_private_ip")
        {
            for name in ["association_id", "private_ip", "private_dns"] {
                plan.set_unknown(name);
            }
            if plan.config.get_attr("instance").is_none_or(Value::is_null) {
                plan.set_unknown("instance");
            }
            if plan
                .config
                .get_attr("network_interface")
                .is_none_or(Value::is_null)
            {
                plan.set_unknown("network_interface");
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let domain = match (non_empty(planned, "domain"), bool_attr(planned, "vpc")) {
            (Some(d), _) => d,
            (None, Some(false)) => "standard",
            _ => "vpc",
        };
        let out = cx
            .ec2()
            .allocate_address()
            .domain(DomainType::from(domain))
            .set_address(non_empty(planned, "address").map(Into::into))
            .set_public_ipv4_pool(non_empty(planned, "public_ipv4_pool").map(Into::into))
            .set_network_border_group(non_empty(planned, "network_border_group").map(Into::into))
            .set_customer_owned_ipv4_pool(
                non_empty(planned, "customer_owned_ipv4_pool").map(Into::into),
            )
            .set_ipam_pool_id(non_empty(planned, "ipam_pool_id").map(Into::into))
            .set_tag_specifications(
                tags::specification(ResourceType::ElasticIp, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("AllocateAddress"))?;
        let alloc = out
            .allocation_id()
            .ok_or_else(|| Error::NotFound {
                what: "the allocation id in the AllocateAddress answer".into(),
            })?
            .to_string();
        associate(cx, &alloc, planned)
            .await
            .map_err(|e| e.after_create(&alloc))?;
        Ok(alloc)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let found = describe(cx, &ids(priors)).await?;
        Ok(by_id(priors, &found, |a, p| state(cx, a, p)))
    }

    async fn read_details(&self, cx: &Ctx<'_>, mut state: Value) -> Result<Value, Error> {
        let alloc = id(&state)?.to_string();
        let ptr = cx
            .ec2()
            .describe_addresses_attribute()
            .allocation_ids(&alloc)
            .attribute(AddressAttributeName::DomainName)
            .send()
            .await
            .map_err(api("DescribeAddressesAttribute"));
        let ptr = match ptr {
            Ok(out) => out
                .addresses()
                .first()
                .and_then(|a| a.ptr_record())
                .unwrap_or_default()
                .to_string(),
            // moto and some partitions do not answer this call.
            Err(e)
                if matches!(
                    e.code(),
                    Some("InvalidAction" | "UnsupportedOperation" | "UnknownError")
                ) =>
            {
                String::new()
            }
            Err(e) => return Err(e),
        };
        attrs::set_attr(&mut state, "ptr_record", Value::from(ptr));
        Ok(state)
    }

    fn details_on_refresh(&self) -> bool {
        true
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let alloc = id(prior)?;
        let moved = ["instance", "network_interface", "associate_with_private_ip"]
            .iter()
            .any(|n| attrs::changed(prior, planned, n));
        if moved {
            if let Some(assoc) = non_empty(prior, "association_id") {
                disassociate(cx, assoc).await?;
            }
            associate(cx, alloc, planned).await?;
        }
        if attrs::changed(prior, planned, "tags_all") {
            tags::update(cx.session, alloc, prior, planned).await?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let alloc = id(prior)?;
        let Some(a) = find(cx, alloc).await? else {
            return Ok(());
        };
        if let Some(assoc) = a.association_id() {
            disassociate(cx, assoc).await?;
        }
        wait::retry_on_codes(
            cx.target(format!("Elastic IP {alloc}"), "released"),
            &["InvalidIPAddress.InUse", "AuthFailure"],
            || async {
                cx.ec2()
                    .release_address()
                    .allocation_id(alloc)
                    .set_network_border_group(
                        non_empty(prior, "network_border_group").map(Into::into),
                    )
                    .send()
                    .await
                    .map_err(api("ReleaseAddress"))
            },
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_as_hashicorp() {
        assert_eq!(
            public_dns("us-east-1", "54.1.2.3"),
            "ec2-54-1-2-3.compute-1.amazonaws.com"
        );
        assert_eq!(
            public_dns("eu-west-1", "54.1.2.3"),
            "ec2-54-1-2-3.eu-west-1.compute.amazonaws.com"
        );
        assert_eq!(
            private_dns("us-east-1", "10.0.0.5"),
            "ip-10-0-0-5.ec2.internal"
        );
        assert_eq!(
            private_dns("eu-west-1", "10.0.0.5"),
            "ip-10-0-0-5.eu-west-1.compute.internal"
        );
    }
}
