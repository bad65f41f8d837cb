//! `aws_internet_gateway`: attached to and detached from its VPC in place.

use crate::attrs::{self, id, non_empty, str_or_empty};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{by_id, ids, Ctx, Resource, ID_CHUNK};
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{InternetGateway as SdkGateway, ResourceType};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};
use std::collections::{BTreeMap, HashMap};

/// `aws_internet_gateway`.
pub struct InternetGateway;

async fn describe(cx: &Ctx<'_>, ids: &[String]) -> Result<HashMap<String, SdkGateway>, Error> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_internet_gateways()
            .filters(filters::ids("internet-gateway-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeInternetGateways"))?;
            for g in page.internet_gateways() {
                if let Some(id) = g.internet_gateway_id() {
                    found.insert(id.to_string(), g.clone());
                }
            }
        }
    }
    Ok(found)
}

async fn find(cx: &Ctx<'_>, id: &str) -> Result<Option<SdkGateway>, Error> {
    Ok(describe(cx, &[id.to_string()]).await?.remove(id))
}

/// The VPC a gateway is attached to (attaching or attached).
fn attached_vpc(g: &SdkGateway) -> Option<&str> {
    g.attachments()
        .iter()
        .find(|a| {
            a.state()
                .is_some_and(|s| !matches!(s.as_str(), "detached" | "detaching"))
        })
        .and_then(|a| a.vpc_id())
}

fn state(cx: &Ctx<'_>, g: &SdkGateway, prior: &Value) -> Value {
    let id = g.internet_gateway_id().unwrap_or_default();
    let owner = g.owner_id().unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert("id".to_string(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(cx.arn(owner, &format!("internet-gateway/{id}"))),
    );
    m.insert("owner_id".into(), Value::from(owner));
    m.insert("vpc_id".into(), str_or_empty(attached_vpc(g)));
    tags::set_state(cx.tags(), g.tags(), prior, &mut m);
    Value::Object(m)
}

async fn attach(cx: &Ctx<'_>, igw: &str, vpc: &str) -> Result<(), Error> {
    // A just-created gateway may not be visible to AttachInternetGateway yet.
    wait::retry_on_codes(
        cx.target(format!("internet gateway {igw}"), "attachable"),
        &["InvalidInternetGatewayID.NotFound"],
        || async {
            cx.ec2()
                .attach_internet_gateway()
                .internet_gateway_id(igw)
                .vpc_id(vpc)
                .send()
                .await
                .map_err(api("AttachInternetGateway"))
        },
    )
    .await?;
    wait::until(
        cx.target(
            format!("internet gateway {igw} attachment to {vpc}"),
            "available",
        ),
        || async {
            let g = find(cx, igw).await?.ok_or_else(|| Error::NotFound {
                what: format!("internet gateway {igw}"),
            })?;
            let att = g.attachments().iter().find(|a| a.vpc_id() == Some(vpc));
            Ok(match att.and_then(|a| a.state()).map(|s| s.as_str()) {
                Some("available" | "attached") => Poll::Done(()),
                Some(other) => Poll::Pending(other.to_string()),
                None => Poll::Pending("not attached yet".into()),
            })
        },
    )
    .await
}

async fn detach(cx: &Ctx<'_>, igw: &str, vpc: &str) -> Result<(), Error> {
    // DependencyViolation while the VPC still has mapped public addresses
    // (EIPs, NAT gateways) that are going away.
    let result = wait::retry_on_codes(
        cx.target(format!("internet gateway {igw}"), "detached"),
        &["DependencyViolation"],
        || async {
            cx.ec2()
                .detach_internet_gateway()
                .internet_gateway_id(igw)
                .vpc_id(vpc)
                .send()
                .await
                .map_err(api("DetachInternetGateway"))
        },
    )
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("Gateway.NotAttached") || e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl Resource for InternetGateway {
    fn type_name(&self) -> &'static str {
        "aws_internet_gateway"
    }

    fn schema(&self) -> Schema {
        let c = || Attribute::computed(Type::String);
        let block = Block::new()
            .attr("id", c())
            .attr("arn", c())
            .attr("owner_id", c())
            .attr("vpc_id", Attribute::optional_computed(Type::String));
        Schema::new(tags::with_tags(block))
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(Timeouts {
            create: Some(minutes(20)),
            update: Some(minutes(20)),
            delete: Some(minutes(20)),
            read: None,
        })
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let out = cx
            .ec2()
            .create_internet_gateway()
            .set_tag_specifications(
                tags::specification(ResourceType::InternetGateway, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("CreateInternetGateway"))?;
        let igw = out
            .internet_gateway()
            .and_then(SdkGateway::internet_gateway_id)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new internet gateway in the CreateInternetGateway answer"
                    .into(),
            })?
            .to_string();
        if let Some(vpc) = non_empty(planned, "vpc_id") {
            attach(cx, &igw, vpc)
                .await
                .map_err(|e| e.after_create(&igw))?;
        }
        Ok(igw)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let found = describe(cx, &ids(priors)).await?;
        Ok(by_id(priors, &found, |g, p| state(cx, g, p)))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let igw = id(prior)?;
        if attrs::changed(prior, planned, "vpc_id") {
            if let Some(old) = non_empty(prior, "vpc_id") {
                detach(cx, igw, old).await?;
            }
            if let Some(new) = non_empty(planned, "vpc_id") {
                attach(cx, igw, new).await?;
            }
        }
        if attrs::changed(prior, planned, "tags_all") {
            tags::update(cx.session, igw, prior, planned).await?;
        }
        Ok(())
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let igw = id(prior)?;
        // Detach from whatever AWS says it is attached to, not only the state.
        let Some(g) = find(cx, igw).await? else {
            return Ok(());
        };
        if let Some(vpc) = attached_vpc(&g) {
            detach(cx, igw, vpc).await?;
        }
        wait::retry_on_codes(
            cx.target(format!("internet gateway {igw}"), "deleted"),
            &["DependencyViolation"],
            || async {
                cx.ec2()
                    .delete_internet_gateway()
                    .internet_gateway_id(igw)
                    .send()
                    .await
                    .map_err(api("DeleteInternetGateway"))
            },
        )
        .await?;
        Ok(())
    }
}
