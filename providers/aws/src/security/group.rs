//! `aws_security_group`: a security group with inline `ingress` and
//! `egress` rules.
//!
//! As hashicorp/aws declares them, `ingress` and `egress` are optional and
//! computed attributes of type set of objects, which configuration may write
//! as blocks (`ingress { ... }`, `dynamic "ingress"`) or as an argument
//! (`ingress = [{ ... }]`). Neither written (or a `dynamic` block with
//! nothing to iterate) leaves that direction's rules alone; `ingress = []`
//! removes every rule of the direction.
//!
//! As hashicorp/aws does it: a new group in a VPC loses the allow-all
//! egress rule AWS gives it, so that only the configured rules exist;
//! an update authorizes and revokes the rules that differ; a refresh reads
//! every group of the batch with one paginated DescribeSecurityGroups call
//! (rules included) per 200 groups.

use super::names;
use super::rules::{self, Atom};
use crate::attrs::{blocks, bool_attr, non_empty, set_attr, str_attr};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{Ctx, Planning, Resource, ID_CHUNK};
use crate::session::Session;
use crate::tags;
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::{IpPermission, ResourceType, SecurityGroup};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Type, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The resource type.
pub struct Group;

pub const TYPE_NAME: &str = "aws_security_group";

const TIMEOUTS: Timeouts = Timeouts {
    create: Some(minutes(10)),
    read: None,
    update: None,
    delete: Some(minutes(15)),
};

/// The attributes of one rule (the element object type of `ingress` and
/// `egress`; all of them optional in block form, where a block that leaves
/// out `from_port`, `to_port` or `protocol` is reported by [`missing_fields`]).
fn rule_block() -> Block {
    Block::new()
        .attr("cidr_blocks", Attribute::optional(Type::list(Type::String)))
        .attr("description", Attribute::optional(Type::String))
        .attr("from_port", Attribute::required(Type::Number))
        .attr(
            "ipv6_cidr_blocks",
            Attribute::optional(Type::list(Type::String)),
        )
        .attr(
            "prefix_list_ids",
            Attribute::optional(Type::list(Type::String)),
        )
        .attr("protocol", Attribute::required(Type::String))
        .attr(
            "security_groups",
            Attribute::optional(Type::set(Type::String)),
        )
        .attr("self", Attribute::optional(Type::Bool))
        .attr("to_port", Attribute::required(Type::Number))
}

/// `ingress` and `egress`: optional and computed sets of rule objects.
fn rules_attribute() -> Attribute {
    Attribute::optional_computed(Type::set(rule_block().implied_type()))
}

/// The fields a rule must have, reported per rule left without them: in
/// block form every field is optional to the engine (the attribute's type
/// does not say which are required), so this is where a block without
/// `from_port`, `to_port` or `protocol` is refused, as hashicorp/aws does.
fn missing_fields(config: &Value) -> Vec<gitform_value::Diagnostic> {
    let mut out = Vec::new();
    for dir in ["ingress", "egress"] {
        for (i, r) in blocks(config, dir).iter().enumerate() {
            for field in ["from_port", "to_port", "protocol"] {
                if r.get_attr(field)
                    .is_some_and(|v| v.is_null() && v.is_known())
                {
                    out.push(
                        gitform_value::Diagnostic::error(
                            "Missing required argument",
                            format!("The argument \"{dir}.{i}.{field}\" is required, but no definition was found: every {dir} rule needs from_port, to_port and protocol."),
                        )
                        .with_attr_path(gitform_value::AttrPath(vec![
                            gitform_value::PathStep::Attr(dir.to_string()),
                            gitform_value::PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX)),
                            gitform_value::PathStep::Attr(field.to_string()),
                        ])),
                    );
                }
            }
        }
    }
    out
}

/// Describes the groups with the given ids: one paginated call per 200
/// ids, by filter (groups that do not exist are simply absent).
pub async fn describe<S: AsRef<str>>(
    session: &Session,
    ids: &[S],
) -> Result<HashMap<String, SecurityGroup>, Error> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut pages = session
            .ec2
            .describe_security_groups()
            .filters(filters::ids("group-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for g in page
                .map_err(api("DescribeSecurityGroups"))?
                .security_groups()
            {
                if let Some(id) = g.group_id() {
                    out.insert(id.to_string(), g.clone());
                }
            }
        }
    }
    Ok(out)
}

/// The state of a group as described, with `prior` (the recorded state or
/// the applied plan) for what AWS does not return and for the shape of the
/// rule blocks.
fn state_from(cx: &Ctx<'_>, g: &SecurityGroup, prior: &Value) -> Value {
    let id = g.group_id().unwrap_or_default();
    let owner = g.owner_id().unwrap_or_default();
    let name = g.group_name().unwrap_or_default();
    let mut m = BTreeMap::new();
    let arn = g
        .security_group_arn()
        .map(str::to_string)
        .unwrap_or_else(|| cx.arn(owner, &format!("security-group/{id}")));
    m.insert("arn".to_string(), Value::string(arn));
    m.insert(
        "description".to_string(),
        Value::string(g.description().unwrap_or_default()),
    );
    m.insert("id".to_string(), Value::string(id));
    m.insert("name".to_string(), Value::string(name));
    let prefix = match str_attr(prior, "name_prefix") {
        Some(p) if name.starts_with(p) => p.to_string(),
        _ => names::prefix_of(name).to_string(),
    };
    m.insert("name_prefix".to_string(), Value::string(prefix));
    m.insert("owner_id".to_string(), Value::string(owner));
    m.insert(
        "vpc_id".to_string(),
        Value::string(g.vpc_id().unwrap_or_default()),
    );
    let revoke = bool_attr(prior, "revoke_rules_on_delete").unwrap_or(false);
    m.insert("revoke_rules_on_delete".to_string(), Value::Bool(revoke));
    for (dir, perms) in [
        ("ingress", g.ip_permissions()),
        ("egress", g.ip_permissions_egress()),
    ] {
        let remote = rules::remote_atoms(perms, id);
        let owners = rules::group_owners(perms);
        let v = rules::rules_from_remote(&remote, blocks(prior, dir), id, owner, &owners);
        m.insert(dir.to_string(), v);
    }
    tags::set_state(cx.tags(), g.tags(), prior, &mut m);
    Value::Object(m)
}

fn desired_atoms(v: &Value, dir: &str, own_id: &str) -> Result<BTreeSet<Atom>, Error> {
    rules::blocks_atoms(blocks(v, dir), Some(own_id)).ok_or_else(|| {
        Error::invalid(
            dir,
            "Unknown rule values at apply time",
            format!("The {dir} rules still hold unknown values when applied."),
        )
    })
}

/// Authorizes (`grant`) or revokes rules of one direction of a group.
pub(crate) async fn change_rules(
    session: &Session,
    id: &str,
    dir: &str,
    grant: bool,
    atoms: &[Atom],
) -> Result<(), Error> {
    if atoms.is_empty() {
        return Ok(());
    }
    let perms: Vec<IpPermission> = rules::permissions(atoms, id);
    let ec2 = &session.ec2;
    match (dir, grant) {
        ("ingress", true) => ec2
            .authorize_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(api("AuthorizeSecurityGroupIngress")),
        ("ingress", false) => ec2
            .revoke_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(api("RevokeSecurityGroupIngress")),
        (_, true) => ec2
            .authorize_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(api("AuthorizeSecurityGroupEgress")),
        (_, false) => ec2
            .revoke_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(perms))
            .send()
            .await
            .map(|_| ())
            .map_err(api("RevokeSecurityGroupEgress")),
    }
}

/// Revokes rules that may be partly gone already (or reference a group
/// deleted since): all at once, else one by one, skipping those EC2 no
/// longer has.
pub(crate) async fn revoke_all(
    session: &Session,
    id: &str,
    dir: &str,
    atoms: &[Atom],
) -> Result<(), Error> {
    match change_rules(session, id, dir, false, atoms).await {
        Err(e) if e.is_not_found() => {
            for a in atoms {
                match change_rules(session, id, dir, false, std::slice::from_ref(a)).await {
                    Err(e) if e.is_not_found() => {}
                    other => other?,
                }
            }
            Ok(())
        }
        other => other,
    }
}

/// The allow-all egress rule AWS adds to every new VPC group.
fn default_egress() -> Atom {
    Atom {
        protocol: "-1".to_string(),
        from_port: 0,
        to_port: 0,
        source: rules::Source::Cidr4("0.0.0.0/0".to_string()),
        description: String::new(),
    }
}

#[async_trait]
impl Resource for Group {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    /// As hashicorp/aws 5.100 declares it, `ingress` and `egress` included
    /// (optional and computed sets of rule objects).
    fn schema(&self) -> Schema {
        let block = Block::new()
            .attr("arn", Attribute::computed(Type::String))
            .attr(
                "description",
                Attribute::optional(Type::String)
                    .with_default(Value::string("Managed by Terraform"))
                    .force_new(),
            )
            .attr("id", Attribute::computed(Type::String))
            .attr(
                "name",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr(
                "name_prefix",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr("owner_id", Attribute::computed(Type::String))
            .attr(
                "revoke_rules_on_delete",
                Attribute::optional(Type::Bool).with_default(Value::Bool(false)),
            )
            .attr(
                "vpc_id",
                Attribute::optional_computed(Type::String).force_new(),
            )
            .attr("ingress", rules_attribute())
            .attr("egress", rules_attribute());
        Schema::new(tags::with_tags(block)).with_version(1)
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(TIMEOUTS)
    }

    fn validate(&self, config: &Value) -> Vec<gitform_value::Diagnostic> {
        let mut out = missing_fields(config);
        for dir in ["ingress", "egress"] {
            for r in blocks(config, dir) {
                if let Some(msg) = rules::all_protocol_ports_error(r) {
                    out.push(
                        gitform_value::Diagnostic::error("Invalid security group rule", msg)
                            .with_attr_path(gitform_value::AttrPath::attr(dir)),
                    );
                }
            }
        }
        out
    }

    /// As in hashicorp/aws, where `ingress` and `egress` are optional and
    /// computed: a group whose configuration does not set a direction (no
    /// block, no argument) leaves that direction's rules alone (they may
    /// belong to `aws_security_group_rule` or
    /// `aws_vpc_security_group_*_rule` resources); a new group, or one
    /// being replaced, gets none (AWS's default egress rule is removed all
    /// the same). `ingress = []` removes every ingress rule.
    ///
    /// Rules that mean the same as the prior ones take their shape (`null`
    /// and `[]`, `"all"` and `"-1"`), so that an unchanged configuration
    /// plans no change.
    fn plan(&self, p: &mut Planning<'_>) {
        p.diagnostics.extend(missing_fields(p.config));
        let own_id = p.prior.and_then(|v| non_empty(v, "id"));
        for dir in ["ingress", "egress"] {
            let unset = p.config.get_attr(dir).is_none_or(Value::is_null);
            if unset {
                let kept = match (p.prior, p.requires_replace.is_empty()) {
                    (Some(prior), true) => prior
                        .get_attr(dir)
                        .cloned()
                        .unwrap_or(Value::Set(Vec::new())),
                    _ => Value::Set(Vec::new()),
                };
                p.set(dir, kept);
                continue;
            }
            if let Some(v) = p.planned.get_attr(dir) {
                let aligned = rules::align_blocks(v, p.prior.and_then(|x| x.get_attr(dir)), own_id);
                p.set(dir, aligned);
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let name = names::choose(
            non_empty(planned, "name"),
            non_empty(planned, "name_prefix"),
        );
        let resp = cx
            .ec2()
            .create_security_group()
            .group_name(&name)
            .description(str_attr(planned, "description").unwrap_or("Managed by Terraform"))
            .set_vpc_id(non_empty(planned, "vpc_id").map(str::to_string))
            .set_tag_specifications(
                tags::specification(ResourceType::SecurityGroup, planned).map(|t| vec![t]),
            )
            .send()
            .await
            .map_err(api("CreateSecurityGroup"))?;
        let id = resp
            .group_id()
            .ok_or_else(|| Error::NotFound {
                what: "the id of the new security group".to_string(),
            })?
            .to_string();
        let session = cx.session;
        let finish = async {
            // Every group is a VPC group now, with AWS's allow-all egress
            // rule: remove it (retrying while the new group is not visible
            // yet, as EC2 is eventually consistent).
            wait::until(
                cx.target(format!("security group {id}"), "created"),
                || async {
                    match change_rules(session, &id, "egress", false, &[default_egress()]).await {
                        Ok(()) => Ok(Poll::Done(())),
                        Err(e) if e.code() == Some("InvalidGroup.NotFound") => {
                            Ok(Poll::Pending("not found".to_string()))
                        }
                        // Already gone (a group whose VPC gives none).
                        Err(e) if e.is_not_found() => Ok(Poll::Done(())),
                        Err(e) => Err(e),
                    }
                },
            )
            .await?;
            for dir in ["ingress", "egress"] {
                let desired: Vec<Atom> = desired_atoms(planned, dir, &id)?.into_iter().collect();
                change_rules(session, &id, dir, true, &desired).await?;
            }
            Ok::<(), Error>(())
        };
        finish.await.map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let ids = crate::resource::ids(priors);
        let found = describe(cx.session, &ids).await?;
        Ok(crate::resource::by_id(priors, &found, |g, prior| {
            state_from(cx, g, prior)
        }))
    }

    /// Tags, then the rules that differ (revokes before authorizations).
    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        tags::update(cx.session, &id, prior, planned).await?;
        for dir in ["ingress", "egress"] {
            let before = desired_atoms(prior, dir, &id)?;
            let after = desired_atoms(planned, dir, &id)?;
            let (revoke, authorize) = rules::diff(&before, &after);
            change_rules(cx.session, &id, dir, false, &revoke).await?;
            change_rules(cx.session, &id, dir, true, &authorize).await?;
        }
        Ok(())
    }

    /// Revokes the group's rules first when `revoke_rules_on_delete` is set
    /// (groups that reference each other), then deletes the group,
    /// retrying while AWS reports it in use, until the delete timeout.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let id = crate::attrs::id(prior)?.to_string();
        if bool_attr(prior, "revoke_rules_on_delete") == Some(true) {
            let found = describe(cx.session, &[id.as_str()]).await?;
            let Some(g) = found.get(&id) else {
                return Ok(());
            };
            for (dir, perms) in [
                ("ingress", g.ip_permissions()),
                ("egress", g.ip_permissions_egress()),
            ] {
                let atoms: Vec<Atom> = rules::remote_atoms(perms, &id).into_iter().collect();
                revoke_all(cx.session, &id, dir, &atoms).await?;
            }
        }
        wait::until(
            cx.target(format!("security group {id}"), "deleted"),
            || async {
                match cx
                    .ec2()
                    .delete_security_group()
                    .group_id(&id)
                    .send()
                    .await
                    .map_err(api("DeleteSecurityGroup"))
                {
                    Ok(_) => Ok(Poll::Done(())),
                    Err(e) if e.is_not_found() => Ok(Poll::Done(())),
                    Err(e) if e.code() == Some("DependencyViolation") => {
                        Ok(Poll::Pending(format!("in use ({e})")))
                    }
                    Err(e) => Err(e),
                }
            },
        )
        .await
    }

    async fn import(&self, _cx: &Ctx<'_>, id: &str) -> Result<Value, Error> {
        if !id.starts_with("sg-") {
            return Err(Error::invalid(
                "",
                "Invalid import id",
                format!("\"{id}\" is not a security group id: import aws_security_group by its id (sg-0123456789abcdef0)."),
            ));
        }
        let mut v = crate::resource::full_schema(self).block.null_object();
        set_attr(&mut v, "id", Value::string(id));
        set_attr(&mut v, "revoke_rules_on_delete", Value::Bool(false));
        Ok(v)
    }
}
