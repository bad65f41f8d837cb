//! `aws_security_group_rule`: one rule block of a security group managed as
//! its own resource (the older way; see also `aws_vpc_security_group_*_rule`).
//!
//! The id is hashicorp/aws's `sgrule-<crc32>` of the rule; the import id is
//! `SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE]*`. Everything but
//! `description` forces a replacement. A refresh reads every group the
//! batch's rules belong to with one DescribeSecurityGroups call per 200
//! groups, and a rule exists while all its sources do. The same groups'
//! rules are listed with one DescribeSecurityGroupRules call per 200 groups
//! (group-id filter) for `security_group_rule_id`, which is the EC2 rule id
//! when the resource has exactly one source (null otherwise, as in
//! hashicorp/aws).

use super::group;
use super::rules::{self, Atom};
use crate::attrs::{non_empty, set_attr, str_attr};
use crate::error::{api, Error};
use crate::filters;
use crate::resource::{full_schema, Ctx, Planning, Resource, ID_CHUNK};
use crate::timeouts::{minutes, Timeouts};
use crate::wait::{self, Poll};
use async_trait::async_trait;
use aws_sdk_ec2::types::IpPermission;
use gitform_provider::{plan_resource, values_equal, Attribute, Block, Schema};
use gitform_value::{Type, Value};
use std::collections::{BTreeSet, HashMap};

/// The resource type.
pub struct Rule;

pub const TYPE_NAME: &str = "aws_security_group_rule";

const TIMEOUTS: Timeouts = Timeouts {
    create: Some(minutes(5)),
    read: None,
    update: None,
    delete: None,
};

fn is_empty_list(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(v) => v.is_null() || v.as_elements().is_some_and(<[Value]>::is_empty),
    }
}

fn is_empty_string(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(v) => v.is_null() || v.as_str() == Some(""),
    }
}

/// Makes `proposed` say what `prior` says wherever both mean the same rule:
/// the protocol as hashicorp/aws stores it (`all` is `-1`, `6` is `tcp`),
/// null and empty lists or descriptions, `sg-1` and `OWNER/sg-1`.
fn normalize(proposed: &mut Value, prior: Option<&Value>) {
    if let Some(p) = str_attr(proposed, "protocol") {
        let canonical = rules::canonical_protocol(p);
        set_attr(proposed, "protocol", Value::string(canonical));
    }
    let Some(prior) = prior else { return };
    for name in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"] {
        if is_empty_list(proposed.get_attr(name)) && is_empty_list(prior.get_attr(name)) {
            let v = prior.get_attr(name).cloned().unwrap_or(Value::Null);
            set_attr(proposed, name, v);
        }
    }
    if is_empty_string(proposed.get_attr("description"))
        && is_empty_string(prior.get_attr("description"))
    {
        let v = prior
            .get_attr("description")
            .cloned()
            .unwrap_or(Value::Null);
        set_attr(proposed, "description", v);
    }
    if let (Some(a), Some(b)) = (
        str_attr(proposed, "source_security_group_id"),
        str_attr(prior, "source_security_group_id"),
    ) {
        if a.rsplit('/').next() == b.rsplit('/').next() {
            set_attr(proposed, "source_security_group_id", Value::string(b));
        }
    }
}

fn direction(v: &Value) -> Result<&'static str, Error> {
    match str_attr(v, "type") {
        Some("ingress") => Ok("ingress"),
        Some("egress") => Ok("egress"),
        other => Err(Error::invalid(
            "type",
            "Invalid rule type",
            format!(
                "type is {:?}: a security group rule is of type \"ingress\" or \"egress\".",
                other.unwrap_or("")
            ),
        )),
    }
}

/// The rule as one `IpPermission` (what the API calls and the id take).
fn permission(v: &Value, group_id: &str) -> Result<(Vec<Atom>, IpPermission), Error> {
    let atoms = rules::rule_resource_atoms(v, Some(group_id));
    if atoms.is_empty() {
        return Err(Error::invalid(
            "",
            "Missing rule source",
            "One of cidr_blocks, ipv6_cidr_blocks, self, source_security_group_id or prefix_list_ids must be set to create an AWS Security Group Rule.",
        ));
    }
    let mut perms = rules::permissions(&atoms, group_id);
    let perm = perms.pop().ok_or_else(|| Error::NotFound {
        what: "the rule's permission".to_string(),
    })?;
    Ok((atoms, perm))
}

/// The `sgrule-` id of a rule.
pub fn rule_id(v: &Value) -> Result<String, Error> {
    let group_id = non_empty(v, "security_group_id").unwrap_or_default();
    let (_, perm) = permission(v, group_id)?;
    Ok(rules::rule_resource_id(group_id, direction(v)?, &perm))
}

/// The state of a rule whose atoms were found: `prior` with the id set and
/// the description as EC2 has it.
fn state_from(prior: &Value, found: &[&Atom]) -> Result<Value, Error> {
    let mut v = prior.clone();
    set_attr(&mut v, "id", Value::string(rule_id(prior)?));
    let descriptions: BTreeSet<&str> = found.iter().map(|a| a.description.as_str()).collect();
    if let [d] = descriptions.into_iter().collect::<Vec<_>>()[..] {
        if !(d.is_empty() && is_empty_string(prior.get_attr("description"))) {
            set_attr(&mut v, "description", Value::string(d));
        }
    }
    for name in ["security_group_rule_id", "source_security_group_id"] {
        if v.get_attr(name).is_none_or(|x| !x.is_known()) {
            set_attr(&mut v, name, Value::Null);
        }
    }
    Ok(v)
}

/// The rules of some groups, by group id then direction (`true` for
/// egress), as DescribeSecurityGroupRules lists them: one paginated call
/// per 200 groups, filtered by group id.
async fn describe_rule_ids<S: AsRef<str>>(
    cx: &Ctx<'_>,
    group_ids: &[S],
) -> Result<HashMap<(String, bool), Vec<(Atom, String)>>, Error> {
    let mut out: HashMap<(String, bool), Vec<(Atom, String)>> = HashMap::new();
    for chunk in group_ids.chunks(ID_CHUNK) {
        let mut pages = cx
            .ec2()
            .describe_security_group_rules()
            .filters(filters::ids("group-id", chunk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(api("DescribeSecurityGroupRules"))?;
            for r in page.security_group_rules() {
                let (Some(gid), Some(rid), Some((egress, atom))) = (
                    r.group_id(),
                    r.security_group_rule_id(),
                    rules::described_atom(r),
                ) else {
                    continue;
                };
                out.entry((gid.to_string(), egress))
                    .or_default()
                    .push((atom, rid.to_string()));
            }
        }
    }
    Ok(out)
}

/// The `security_group_rule_id` of a rule resource: the id of its one EC2
/// rule when it has exactly one source, as hashicorp/aws records it (null
/// for a rule resource that stands for several EC2 rules).
fn rule_id_of(atoms: &[Atom], listed: Option<&Vec<(Atom, String)>>) -> Value {
    let ([a], Some(listed)) = (atoms, listed) else {
        return Value::Null;
    };
    listed
        .iter()
        .find(|(r, _)| {
            r.protocol == a.protocol
                && r.from_port == a.from_port
                && r.to_port == a.to_port
                && r.source == a.source
        })
        .map_or(Value::Null, |(_, id)| Value::string(id))
}

/// Finds the atoms of a rule in its group (descriptions aside): `None`
/// when any is missing.
fn find<'a>(remote: &'a BTreeSet<Atom>, atoms: &[Atom]) -> Option<Vec<&'a Atom>> {
    atoms
        .iter()
        .map(|a| {
            remote.iter().find(|r| {
                r.protocol == a.protocol
                    && r.from_port == a.from_port
                    && r.to_port == a.to_port
                    && r.source == a.source
            })
        })
        .collect()
}

fn perms_of<'a>(
    g: &'a aws_sdk_ec2::types::SecurityGroup,
    dir: &str,
) -> &'a [aws_sdk_ec2::types::IpPermission] {
    if dir == "ingress" {
        g.ip_permissions()
    } else {
        g.ip_permissions_egress()
    }
}

#[async_trait]
impl Resource for Rule {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    /// As hashicorp/aws 5.100 declares it.
    fn schema(&self) -> Schema {
        let list = || Type::list(Type::String);
        Schema::new(
            Block::new()
                .attr("cidr_blocks", Attribute::optional(list()).force_new())
                .attr("description", Attribute::optional(Type::String))
                .attr("from_port", Attribute::required(Type::Number).force_new())
                .attr("id", Attribute::computed(Type::String))
                .attr("ipv6_cidr_blocks", Attribute::optional(list()).force_new())
                .attr("prefix_list_ids", Attribute::optional(list()).force_new())
                .attr("protocol", Attribute::required(Type::String).force_new())
                .attr(
                    "security_group_id",
                    Attribute::required(Type::String).force_new(),
                )
                .attr("security_group_rule_id", Attribute::computed(Type::String))
                .attr(
                    "self",
                    Attribute::optional(Type::Bool)
                        .with_default(Value::Bool(false))
                        .force_new(),
                )
                .attr(
                    "source_security_group_id",
                    Attribute::optional_computed(Type::String).force_new(),
                )
                .attr("to_port", Attribute::required(Type::Number).force_new())
                .attr("type", Attribute::required(Type::String).force_new()),
        )
        .with_version(2)
    }

    fn timeouts(&self) -> Option<Timeouts> {
        Some(TIMEOUTS)
    }

    fn validate(&self, config: &Value) -> Vec<gitform_value::Diagnostic> {
        let mut out = Vec::new();
        if config.get_attr("type").is_some_and(Value::is_known) {
            if let Err(e) = direction(config) {
                out.push(e.to_diagnostic(TYPE_NAME, "Validating"));
            }
        }
        if let Some(msg) = rules::all_protocol_ports_error(config) {
            out.push(gitform_value::Diagnostic::error(
                "Invalid security group rule",
                msg,
            ));
        }
        let own = config.get_attr("self").and_then(Value::as_bool) == Some(true);
        if own && !is_empty_list(config.get_attr("cidr_blocks")) {
            out.push(
                Error::invalid(
                    "self",
                    "Conflicting configuration arguments",
                    "\"self\": conflicts with cidr_blocks: a rule names either its own group or CIDR blocks.",
                )
                .to_diagnostic(TYPE_NAME, "Validating"),
            );
        }
        out
    }

    /// Plans again from a normalized proposal, so that a rule written
    /// `protocol = "all"` (or with `[]` for null) is not replaced.
    fn plan(&self, p: &mut Planning<'_>) {
        let schema = full_schema(self);
        let mut proposed = p.planned.clone();
        if let Some(prior) = p.prior {
            // Replacement planning made computed values unknown: start over
            // from the prior ones where configuration leaves them unset.
            for (name, attr) in &schema.block.attributes {
                let unknown = proposed.get_attr(name).is_some_and(|v| !v.is_known());
                let unset = p.config.get_attr(name).is_none_or(Value::is_null);
                if attr.computed && unknown && unset {
                    let v = prior.get_attr(name).cloned().unwrap_or(Value::Null);
                    set_attr(&mut proposed, name, v);
                }
            }
        }
        normalize(&mut proposed, p.prior);
        let (planned, replace) = plan_resource(&schema, p.prior, &proposed);
        p.planned = planned;
        p.requires_replace = replace;
    }

    /// Authorizes the rule and waits until its group shows it.
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error> {
        let gid = crate::attrs::required_str(planned, "security_group_id")?.to_string();
        let dir = direction(planned)?;
        let (atoms, perm) = permission(planned, &gid)?;
        let id = rules::rule_resource_id(&gid, dir, &perm);
        let created = if dir == "ingress" {
            cx.ec2()
                .authorize_security_group_ingress()
                .group_id(&gid)
                .ip_permissions(perm)
                .send()
                .await
                .map_err(api("AuthorizeSecurityGroupIngress"))
                .map(|_| ())
        } else {
            cx.ec2()
                .authorize_security_group_egress()
                .group_id(&gid)
                .ip_permissions(perm)
                .send()
                .await
                .map_err(api("AuthorizeSecurityGroupEgress"))
                .map(|_| ())
        };
        created.map_err(|e| match e.code() {
            Some("InvalidPermission.Duplicate") => Error::invalid(
                "",
                "Duplicate security group rule",
                format!("A rule like this one already exists in {gid}: {e}. Remove the duplicate from the configuration, or import the existing rule."),
            ),
            _ => e,
        })?;
        wait::until(
            cx.target(format!("security group rule {id}"), "present"),
            || async {
                let groups = group::describe(cx.session, &[gid.as_str()]).await?;
                let Some(g) = groups.get(&gid) else {
                    return Err(Error::NotFound {
                        what: format!("security group {gid}"),
                    });
                };
                let remote = rules::remote_atoms(perms_of(g, dir), &gid);
                Ok(match find(&remote, &atoms) {
                    Some(_) => Poll::Done(()),
                    None => Poll::Pending("not yet listed".to_string()),
                })
            },
        )
        .await
        .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    /// One DescribeSecurityGroups call per 200 distinct groups; a rule
    /// exists while every one of its sources does.
    async fn read_batch(
        &self,
        cx: &Ctx<'_>,
        priors: &[Value],
    ) -> Result<Vec<Option<Value>>, Error> {
        let mut ids: Vec<&str> = priors
            .iter()
            .filter_map(|s| non_empty(s, "security_group_id"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let groups = group::describe(cx.session, &ids).await?;
        // The EC2 rule ids (`security_group_rule_id`), for the groups found.
        let found_ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|g| groups.contains_key(*g))
            .collect();
        let rule_ids = if found_ids.is_empty() {
            HashMap::new()
        } else {
            describe_rule_ids(cx, &found_ids).await?
        };
        let mut out = Vec::with_capacity(priors.len());
        for s in priors {
            let gid = non_empty(s, "security_group_id").unwrap_or_default();
            let (Some(g), Ok(dir)) = (groups.get(gid), direction(s)) else {
                out.push(None);
                continue;
            };
            let remote = rules::remote_atoms(perms_of(g, dir), gid);
            let atoms = rules::rule_resource_atoms(s, Some(gid));
            match find(&remote, &atoms) {
                Some(found) if !atoms.is_empty() => {
                    let mut state = state_from(s, &found)?;
                    let listed = rule_ids.get(&(gid.to_string(), dir == "egress"));
                    set_attr(
                        &mut state,
                        "security_group_rule_id",
                        rule_id_of(&atoms, listed),
                    );
                    out.push(Some(state));
                }
                _ => out.push(None),
            }
        }
        Ok(out)
    }

    /// Changes the description (the only in-place update).
    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error> {
        let gid = crate::attrs::required_str(planned, "security_group_id")?.to_string();
        let same = values_equal(
            prior.get_attr("description").unwrap_or(&Value::Null),
            planned.get_attr("description").unwrap_or(&Value::Null),
        );
        if same {
            return Ok(());
        }
        let (_, perm) = permission(planned, &gid)?;
        if direction(planned)? == "ingress" {
            cx.ec2()
                .update_security_group_rule_descriptions_ingress()
                .group_id(&gid)
                .ip_permissions(perm)
                .send()
                .await
                .map_err(api("UpdateSecurityGroupRuleDescriptionsIngress"))?;
        } else {
            cx.ec2()
                .update_security_group_rule_descriptions_egress()
                .group_id(&gid)
                .ip_permissions(perm)
                .send()
                .await
                .map_err(api("UpdateSecurityGroupRuleDescriptionsEgress"))?;
        }
        Ok(())
    }

    /// Revokes the rule; sources already gone are skipped.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error> {
        let gid = crate::attrs::required_str(prior, "security_group_id")?.to_string();
        let (atoms, _) = permission(prior, &gid)?;
        let dir = direction(prior)?;
        group::revoke_all(cx.session, &gid, dir, &atoms).await
    }

    /// `SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE]*`, as hashicorp/aws
    /// takes it (the refresh then checks that the rule exists).
    async fn import(&self, _cx: &Ctx<'_>, import_id: &str) -> Result<Value, Error> {
        import_state(self, import_id)
    }
}

fn import_state(r: &Rule, import_id: &str) -> Result<Value, Error> {
    let bad = |why: &str| {
        Error::invalid(
            "",
            "Invalid import id",
            format!("unexpected format of import string ({import_id:?}), expected SECURITYGROUPID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCE[_SOURCE]*: {why}"),
        )
    };
    let lower = import_id.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('_').collect();
    let [sg, kind, protocol, from, to, sources @ ..] = parts.as_slice() else {
        return Err(bad("too few parts"));
    };
    if sources.is_empty() {
        return Err(bad("too few parts"));
    }
    if !sg.starts_with("sg-") {
        return Err(bad("invalid security group ID"));
    }
    if *kind != "ingress" && *kind != "egress" {
        return Err(bad("expecting 'ingress' or 'egress'"));
    }
    let protocol = rules::canonical_protocol(protocol);
    let from: i64 = from.parse().map_err(|_| bad("invalid from_port"))?;
    let to: i64 = to.parse().map_err(|_| bad("invalid to_port"))?;
    if !protocol.starts_with("icmp") && protocol != "-1" && to < from {
        return Err(bad("to_port lower than from_port"));
    }
    let (mut cidrs, mut cidrs6, mut lists) = (Vec::new(), Vec::new(), Vec::new());
    let mut own = false;
    let mut group = Value::Null;
    for s in sources.iter().copied() {
        if s == "self" {
            own = true;
        } else if s.contains("sg-") {
            group = Value::string(s);
        } else if s.contains("pl-") {
            lists.push(Value::string(s));
        } else if s.contains(':') {
            cidrs6.push(Value::string(s));
        } else if s.contains('.') {
            cidrs.push(Value::string(s));
        } else {
            return Err(bad(
                "source must be cidr, ipv6cidr, prefix list, 'self', or a sg ID",
            ));
        }
    }
    let mut v = full_schema(r).block.null_object();
    let list = |items: Vec<Value>| {
        if items.is_empty() {
            Value::Null
        } else {
            Value::List(items)
        }
    };
    for (k, x) in [
        ("security_group_id", Value::string(*sg)),
        ("type", Value::string(*kind)),
        ("protocol", Value::string(protocol)),
        ("from_port", Value::int(from)),
        ("to_port", Value::int(to)),
        ("self", Value::Bool(own)),
        ("source_security_group_id", group),
        ("cidr_blocks", list(cidrs)),
        ("ipv6_cidr_blocks", list(cidrs6)),
        ("prefix_list_ids", list(lists)),
    ] {
        set_attr(&mut v, k, x);
    }
    let id = rule_id(&v)?;
    set_attr(&mut v, "id", Value::string(id));
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_parse_as_hashicorp_aws_does() {
        let v = import_state(
            &Rule,
            "sg-0abc_ingress_tcp_8000_8000_10.0.3.0/24_10.0.4.0/24",
        )
        .unwrap();
        assert_eq!(str_attr(&v, "type"), Some("ingress"));
        assert_eq!(
            crate::attrs::strings(&v, "cidr_blocks"),
            ["10.0.3.0/24", "10.0.4.0/24"]
        );
        assert!(str_attr(&v, "id").unwrap().starts_with("sgrule-"));
        let v = import_state(&Rule, "sg-0abc_egress_all_0_65536_sg-0def").unwrap();
        assert_eq!(str_attr(&v, "protocol"), Some("-1"));
        assert_eq!(str_attr(&v, "source_security_group_id"), Some("sg-0def"));
        for bad in [
            "sg-1_ingress_tcp_1_2",
            "vpc-1_ingress_tcp_1_2_10.0.0.0/8",
            "sg-1_sideways_tcp_1_2_10.0.0.0/8",
            "sg-1_ingress_tcp_9_2_10.0.0.0/8",
            "sg-1_ingress_tcp_1_2_nowhere",
        ] {
            assert!(import_state(&Rule, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rule_ids_do_not_depend_on_source_order() {
        let mk = |cidrs: &[&str]| {
            let mut v = full_schema(&Rule).block.null_object();
            for (k, x) in [
                ("security_group_id", Value::string("sg-1")),
                ("type", Value::string("ingress")),
                ("protocol", Value::string("tcp")),
                ("from_port", Value::int(80)),
                ("to_port", Value::int(80)),
                (
                    "cidr_blocks",
                    Value::List(cidrs.iter().map(|c| Value::string(*c)).collect()),
                ),
            ] {
                set_attr(&mut v, k, x);
            }
            rule_id(&v).unwrap()
        };
        assert_eq!(
            mk(&["10.0.0.0/8", "10.1.0.0/16"]),
            mk(&["10.1.0.0/16", "10.0.0.0/8"])
        );
        assert_ne!(mk(&["10.0.0.0/8"]), mk(&["10.1.0.0/16"]));
    }
}
