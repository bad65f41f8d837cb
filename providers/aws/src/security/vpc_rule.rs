//! `aws_vpc_security_group_ingress_rule` and
//! `aws_vpc_security_group_egress_rule`: one EC2 security group rule each,
//! known by its `sgr-` id (also the import id).
//!
//! Only `security_group_id` forces a replacement; every other argument is
//! changed in place with ModifySecurityGroupRules, tags with
//! CreateTags/DeleteTags. A refresh is one paginated
//! DescribeSecurityGroupRules call per 200 rules, filtered by rule id.

use super::rules::canonical_protocol;
use crate::attrs::{int_attr, non_empty, set_attr, str_attr};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{full_schema, Ctx, Planning, Resource, ID_CHUNK};
use crate::session::Session;
use crate::tags;
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroupRule,
    SecurityGroupRuleRequest, SecurityGroupRuleUpdate, UserIdGroupPair,
};
use gitform_provider::{values_equal, Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use std::collections::{BTreeMap, HashMap};

/// Which of the two resource types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// `aws_vpc_security_group_ingress_rule` or `..._egress_rule`.
pub struct VpcRule(pub Direction);

pub static INGRESS: VpcRule = VpcRule(Direction::Ingress);
pub static EGRESS: VpcRule = VpcRule(Direction::Egress);

/// One rule as the API takes it in an `IpPermission`.
fn permission(v: &Value) -> IpPermission {
    let protocol = str_attr(v, "ip_protocol").unwrap_or("-1");
    let mut b = IpPermission::builder().ip_protocol(protocol);
    if canonical_protocol(protocol) != "-1" {
        b = b
            .set_from_port(int_attr(v, "from_port").and_then(|p| i32::try_from(p).ok()))
            .set_to_port(int_attr(v, "to_port").and_then(|p| i32::try_from(p).ok()));
    }
    let desc = non_empty(v, "description").map(str::to_string);
    if let Some(c) = non_empty(v, "cidr_ipv4") {
        b = b.ip_ranges(
            IpRange::builder()
                .cidr_ip(c)
                .set_description(desc.clone())
                .build(),
        );
    }
    if let Some(c) = non_empty(v, "cidr_ipv6") {
        b = b.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(c)
                .set_description(desc.clone())
                .build(),
        );
    }
    if let Some(p) = non_empty(v, "prefix_list_id") {
        b = b.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(p)
                .set_description(desc.clone())
                .build(),
        );
    }
    if let Some(g) = non_empty(v, "referenced_security_group_id") {
        let (owner, id) = match g.split_once('/') {
            Some((o, i)) => (Some(o.to_string()), i),
            None => (None, g),
        };
        b = b.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(id)
                .set_user_id(owner)
                .set_description(desc)
                .build(),
        );
    }
    b.build()
}

/// The rule as ModifySecurityGroupRules takes it.
fn rule_request(v: &Value) -> SecurityGroupRuleRequest {
    let protocol = str_attr(v, "ip_protocol").unwrap_or("-1");
    let ports = canonical_protocol(protocol) != "-1";
    SecurityGroupRuleRequest::builder()
        .ip_protocol(protocol)
        .set_from_port(
            int_attr(v, "from_port")
                .filter(|_| ports)
                .and_then(|p| i32::try_from(p).ok()),
        )
        .set_to_port(
            int_attr(v, "to_port")
                .filter(|_| ports)
                .and_then(|p| i32::try_from(p).ok()),
        )
        .set_cidr_ipv4(non_empty(v, "cidr_ipv4").map(str::to_string))
        .set_cidr_ipv6(non_empty(v, "cidr_ipv6").map(str::to_string))
        .set_prefix_list_id(non_empty(v, "prefix_list_id").map(str::to_string))
        .set_referenced_group_id(
            non_empty(v, "referenced_security_group_id")
                .map(|g| g.rsplit('/').next().unwrap_or(g).to_string()),
        )
        .set_description(non_empty(v, "description").map(str::to_string))
        .build()
}

/// The state of a described rule; `prior` gives the shape of values that
/// mean the same (`null` ports for `-1`, `6` for `tcp`).
pub fn state_from(session: &Session, r: &SecurityGroupRule, prior: &Value) -> Value {
    let id = r.security_group_rule_id().unwrap_or_default();
    let owner = r.group_owner_id().unwrap_or_default();
    let mut m = BTreeMap::new();
    m.insert(
        "arn".to_string(),
        Value::string(r.security_group_rule_arn().map_or_else(
            || {
                format!(
                    "arn:aws:ec2:{}:{owner}:security-group-rule/{id}",
                    session.region
                )
            },
            str::to_string,
        )),
    );
    let opt = |s: Option<&str>| {
        s.filter(|s| !s.is_empty())
            .map_or(Value::Null, Value::string)
    };
    m.insert("cidr_ipv4".to_string(), opt(r.cidr_ipv4()));
    m.insert("cidr_ipv6".to_string(), opt(r.cidr_ipv6()));
    m.insert("prefix_list_id".to_string(), opt(r.prefix_list_id()));
    let referenced = r.referenced_group_info().and_then(|g| {
        let gid = g.group_id()?;
        Some(match g.user_id() {
            Some(u) if !u.is_empty() && u != owner => format!("{u}/{gid}"),
            _ => gid.to_string(),
        })
    });
    m.insert(
        "referenced_security_group_id".to_string(),
        referenced.map_or(Value::Null, Value::string),
    );
    let description = match (r.description(), prior.get_attr("description")) {
        (None | Some(""), Some(p)) if p.as_str().is_none_or(str::is_empty) && p.is_known() => {
            p.clone()
        }
        (d, _) => opt(d),
    };
    m.insert("description".to_string(), description);
    m.insert("id".to_string(), Value::string(id));
    m.insert("security_group_rule_id".to_string(), Value::string(id));
    m.insert(
        "security_group_id".to_string(),
        Value::string(r.group_id().unwrap_or_default()),
    );
    let remote_protocol = r.ip_protocol().unwrap_or("-1");
    let protocol = match str_attr(prior, "ip_protocol") {
        Some(p) if canonical_protocol(p) == canonical_protocol(remote_protocol) => p.to_string(),
        _ => remote_protocol.to_string(),
    };
    let all = canonical_protocol(&protocol) == "-1";
    m.insert("ip_protocol".to_string(), Value::string(protocol));
    for (name, port) in [("from_port", r.from_port()), ("to_port", r.to_port())] {
        let v = match port {
            // AWS answers -1 for "no port"; the configuration leaves it unset.
            Some(-1) if all || int_attr(prior, name).is_none() => Value::Null,
            Some(p) => Value::int(i64::from(p)),
            None => Value::Null,
        };
        m.insert(name.to_string(), v);
    }
    tags::set_state(&session.tags, r.tags(), prior, &mut m);
    Value::Object(m)
}

/// Describes rules by id: one paginated call per 200 ids.
pub async fn describe<S: AsRef<str>>(
    session: &Session,
    ids: &[S],
) -> Result<HashMap<String, SecurityGroupRule>, Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = session
            .ec2
            .describe_security_group_rules()
            .filters(filters::ids("security-group-rule-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeSecurityGroupRules"))?;
            for r in page.security_group_rules() {
                if let Some(id) = r.security_group_rule_id() {
                    out.insert(id.to_string(), r.clone());
                }
            }
        }
    }
    Ok(out)
}

#[async_trait]
impl Resource for VpcRule {
    fn type_name(&self) -> &'static str {
        match self.0 {
            Direction::Ingress => "aws_vpc_security_group_ingress_rule",
            Direction::Egress => "aws_vpc_security_group_egress_rule",
        }
    }

    /// Both types have the same schema, as hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        let block = Block::new()
            .attr("arn", Attribute::computed(Type::String))
            .attr("cidr_ipv4", Attribute::optional(Type::String))
            .attr("cidr_ipv6", Attribute::optional(Type::String))
            .attr("description", Attribute::optional(Type::String))
            .attr("from_port", Attribute::optional(Type::Number))
            .attr("id", Attribute::computed(Type::String))
            .attr("ip_protocol", Attribute::required(Type::String))
            .attr("prefix_list_id", Attribute::optional(Type::String))
            .attr(
                "referenced_security_group_id",
                Attribute::optional(Type::String),
            )
            .attr(
                "security_group_id",
                Attribute::required(Type::String).force_new(),
            )
            .attr("security_group_rule_id", Attribute::computed(Type::String))
            .attr("to_port", Attribute::optional(Type::Number));
        Schema::new(tags::with_tags(block))
    }

    /// Exactly one destination, and no ports with protocol `-1`.
    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let targets = [
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
            "referenced_security_group_id",
        ];
        let all_known = targets
            .iter()
            .all(|t| config.get_attr(t).is_none_or(Value::is_known));
        let set: Vec<&str> = targets
            .iter()
            .copied()
            .filter(|t| config.get_attr(t).is_some_and(|v| !v.is_null()))
            .collect();
        if all_known && set.len() != 1 {
            let found = if set.is_empty() {
                "none".to_string()
            } else {
                set.join(", ")
            };
            out.push(Diagnostic::error(
                "Invalid Attribute Combination",
                format!("Exactly one of these attributes must be configured: [cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id]; found {found}."),
            ));
        }
        let all = str_attr(config, "ip_protocol").map(canonical_protocol);
        if all.as_deref() == Some("-1") {
            for port in ["from_port", "to_port"] {
                if int_attr(config, port).is_some_and(|p| p != -1) {
                    out.push(
                        Diagnostic::error(
                            "Invalid Attribute Value",
                            format!("{port} must not be set when ip_protocol is \"-1\" (all protocols): remove it."),
                        )
                        .with_attr_path(gitform_value::AttrPath::attr(port)),
                    );
                }
            }
        }
        out
    }

    /// `ip_protocol` written `6` or `TCP` is the prior `tcp`.
    fn plan(&self, p: &mut Planning<'_>) {
        let (Some(prior), Some(planned)) = (p.prior, str_attr(&p.planned, "ip_protocol")) else {
            return;
        };
        if let Some(q) = str_attr(prior, "ip_protocol") {
            if canonical_protocol(planned) == canonical_protocol(q) {
                let q = Value::string(q);
                p.set("ip_protocol", q);
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let gid = crate::attrs::required_str(planned, "security_group_id")?;
        let spec = tags::specification(ResourceType::SecurityGroupRule, planned).map(|t| vec![t]);
        let rules = match self.0 {
            Direction::Ingress => cx
                .ec2()
                .authorize_security_group_ingress()
                .group_id(gid)
                .ip_permissions(permission(planned))
                .set_tag_specifications(spec)
                .send()
                .await
                .map_err(api("AuthorizeSecurityGroupIngress"))?
                .security_group_rules()
                .to_vec(),
            Direction::Egress => cx
                .ec2()
                .authorize_security_group_egress()
                .group_id(gid)
                .ip_permissions(permission(planned))
                .set_tag_specifications(spec)
                .send()
                .await
                .map_err(api("AuthorizeSecurityGroupEgress"))?
                .security_group_rules()
                .to_vec(),
        };
        rules
            .first()
            .and_then(|r| r.security_group_rule_id())
            .map(str::to_string)
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new security group rule".to_string(),
            })
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let ids = crate::resource::ids(priors);
        let found = describe(cx.session, &ids).await?;
        let egress = self.0 == Direction::Egress;
        Ok(priors
            .iter()
            .map(|p| {
                let r = found.get(non_empty(p, "id")?)?;
                // An egress rule's id imported as an ingress rule is not one.
                (r.is_egress() == Some(egress)).then(|| state_from(cx.session, r, p))
            })
            .collect())
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        let gid = crate::attrs::required_str(planned, "security_group_id")?;
        let rule_changed = [
            "cidr_ipv4",
            "cidr_ipv6",
            "description",
            "from_port",
            "to_port",
            "ip_protocol",
            "prefix_list_id",
            "referenced_security_group_id",
        ]
        .iter()
        .any(|a| {
            !values_equal(
                prior.get_attr(a).unwrap_or(&Value::Null),
                planned.get_attr(a).unwrap_or(&Value::Null),
            )
        });
        if rule_changed {
            cx.ec2()
                .modify_security_group_rules()
                .group_id(gid)
                .security_group_rules(
                    SecurityGroupRuleUpdate::builder()
                        .security_group_rule_id(&id)
                        .security_group_rule(rule_request(planned))
                        .build(),
                )
                .send()
                .await
                .map_err(api("ModifySecurityGroupRules"))?;
        }
        tags::update(cx.session, &id, prior, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?;
        let gid = crate::attrs::required_str(prior, "security_group_id")?;
        match self.0 {
            Direction::Ingress => cx
                .ec2()
                .revoke_security_group_ingress()
                .group_id(gid)
                .security_group_rule_ids(id)
                .send()
                .await
                .map(|_| ())
                .map_err(api("RevokeSecurityGroupIngress")),
            Direction::Egress => cx
                .ec2()
                .revoke_security_group_egress()
                .group_id(gid)
                .security_group_rule_ids(id)
                .send()
                .await
                .map(|_| ())
                .map_err(api("RevokeSecurityGroupEgress")),
        }
    }

    async fn import(&self, _cx: &Ctx<'_>, id: &str) -> Result<Value, Error> {
        if !id.starts_with("sgr-") {
            return Err(Error::invalid(
                "",
                "Invalid import id",
                format!("\"{id}\" is not a security group rule id: import {} by its rule id (sgr-0123456789abcdef0).", self.type_name()),
            ));
        }
        let mut v = full_schema(self).block.null_object();
        set_attr(&mut v, "id", Value::string(id));
        Ok(v)
    }
}
