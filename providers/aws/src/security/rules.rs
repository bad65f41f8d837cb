//! Security group rules as EC2 stores them, and as Terraform writes them.
//!
//! EC2 keeps one rule per (direction, protocol, port range, source): an
//! `IpPermission` in an API call or a `DescribeSecurityGroups` answer is only
//! a grouping of such rules. A Terraform rule block (`ingress { ... }`, or an
//! `aws_security_group_rule`) names several sources at once. Everything here
//! works on the unit EC2 keeps, the [`Atom`], so that:
//! - an update authorizes and revokes exactly the atoms that differ;
//! - a refresh maps the atoms found back onto the rule blocks in state (a
//!   block whose atoms all still exist is kept as written, so `protocol =
//!   "all"` stays `"all"`), and groups the atoms left over (rules added out
//!   of band) the way hashicorp/aws does: by protocol, ports and description.

use crate::attrs::{bool_attr, int_attr, str_attr, strings};
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use gitform_value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The source (ingress) or destination (egress) of one rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Cidr4(String),
    Cidr6(String),
    PrefixList(String),
    /// Another security group, by id (without any `OWNER/` prefix).
    Group(String),
    /// The rule's own security group (`self = true`).
    OwnGroup,
}

/// One rule as EC2 keeps it. `protocol` is canonical (see
/// [`canonical_protocol`]); ports are 0 for protocol `-1`, whose rules
/// have none.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Atom {
    pub protocol: String,
    pub from_port: i64,
    pub to_port: i64,
    pub source: Source,
    /// `""` when the rule has none.
    pub description: String,
}

/// Protocol names hashicorp/aws knows, with their IANA numbers.
const PROTOCOLS: &[(&str, i64)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ggp", 3),
    ("ipv4", 4),
    ("tcp", 6),
    ("egp", 8),
    ("udp", 17),
    ("ipv6", 41),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("icmpv6", 58),
    ("sctp", 132),
];

/// The protocol as hashicorp/aws compares it: lower case, `all` is `-1`,
/// and a number with a well-known name becomes that name (`6` is `tcp`).
pub fn canonical_protocol(p: &str) -> String {
    let lower = p.trim().to_ascii_lowercase();
    if lower == "-1" || lower == "all" {
        return "-1".to_string();
    }
    if let Ok(n) = lower.parse::<i64>() {
        if let Some((name, _)) = PROTOCOLS.iter().find(|(_, k)| *k == n) {
            return (*name).to_string();
        }
    }
    lower
}

fn ports(protocol: &str, from: Option<i64>, to: Option<i64>) -> (i64, i64) {
    if protocol == "-1" {
        (0, 0)
    } else {
        (from.unwrap_or(0), to.unwrap_or(0))
    }
}

/// Strips the `OWNER/` prefix of a cross-account group reference.
fn group_id_of(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

fn group_source(reference: &str, own_id: Option<&str>) -> Source {
    let id = group_id_of(reference);
    if own_id == Some(id) {
        Source::OwnGroup
    } else {
        Source::Group(id.to_string())
    }
}

/// hashicorp/aws's check of a rule: protocol `-1` (all) takes no ports,
/// so `from_port` and `to_port` must both be 0. `None` when it passes or
/// is not known yet.
pub fn all_protocol_ports_error(rule: &Value) -> Option<String> {
    let protocol = str_attr(rule, "protocol")?;
    if canonical_protocol(protocol) != "-1" {
        return None;
    }
    let (from, to) = (int_attr(rule, "from_port")?, int_attr(rule, "to_port")?);
    (from != 0 || to != 0).then(|| {
        format!("from_port ({from}) and to_port ({to}) must both be 0 to use the 'ALL' \"-1\" protocol!")
    })
}

/// The atoms of one inline rule block (`ingress`/`egress` of
/// `aws_security_group`). `None` when part of the block is not known yet.
pub fn block_atoms(rule: &Value, own_id: Option<&str>) -> Option<Vec<Atom>> {
    if !rule.is_wholly_known() {
        return None;
    }
    let protocol = canonical_protocol(str_attr(rule, "protocol").unwrap_or("-1"));
    let (from_port, to_port) = ports(
        &protocol,
        int_attr(rule, "from_port"),
        int_attr(rule, "to_port"),
    );
    let description = str_attr(rule, "description").unwrap_or("").to_string();
    let mut sources = Vec::new();
    sources.extend(strings(rule, "cidr_blocks").into_iter().map(Source::Cidr4));
    sources.extend(
        strings(rule, "ipv6_cidr_blocks")
            .into_iter()
            .map(Source::Cidr6),
    );
    sources.extend(
        strings(rule, "prefix_list_ids")
            .into_iter()
            .map(Source::PrefixList),
    );
    sources.extend(
        strings(rule, "security_groups")
            .iter()
            .map(|g| group_source(g, own_id)),
    );
    if bool_attr(rule, "self") == Some(true) {
        sources.push(Source::OwnGroup);
    }
    Some(
        sources
            .into_iter()
            .map(|source| Atom {
                protocol: protocol.clone(),
                from_port,
                to_port,
                source,
                description: description.clone(),
            })
            .collect(),
    )
}

/// The atoms of a set of rule blocks; `None` when any is not known yet.
pub fn blocks_atoms(rules: &[Value], own_id: Option<&str>) -> Option<BTreeSet<Atom>> {
    let mut out = BTreeSet::new();
    for r in rules {
        out.extend(block_atoms(r, own_id)?);
    }
    Some(out)
}

/// The atoms of one `aws_security_group_rule` (its `type` aside).
pub fn rule_resource_atoms(rule: &Value, own_id: Option<&str>) -> Vec<Atom> {
    let protocol = canonical_protocol(str_attr(rule, "protocol").unwrap_or("-1"));
    let (from_port, to_port) = ports(
        &protocol,
        int_attr(rule, "from_port"),
        int_attr(rule, "to_port"),
    );
    let description = str_attr(rule, "description").unwrap_or("").to_string();
    let mut sources = Vec::new();
    sources.extend(strings(rule, "cidr_blocks").into_iter().map(Source::Cidr4));
    sources.extend(
        strings(rule, "ipv6_cidr_blocks")
            .into_iter()
            .map(Source::Cidr6),
    );
    sources.extend(
        strings(rule, "prefix_list_ids")
            .into_iter()
            .map(Source::PrefixList),
    );
    if let Some(g) = str_attr(rule, "source_security_group_id").filter(|s| !s.is_empty()) {
        sources.push(group_source(g, own_id));
    }
    if bool_attr(rule, "self") == Some(true) {
        sources.push(Source::OwnGroup);
    }
    sources
        .into_iter()
        .map(|source| Atom {
            protocol: protocol.clone(),
            from_port,
            to_port,
            source,
            description: description.clone(),
        })
        .collect()
}

/// The atoms EC2 reports for one direction of a group.
pub fn remote_atoms(perms: &[IpPermission], own_id: &str) -> BTreeSet<Atom> {
    let mut out = BTreeSet::new();
    for p in perms {
        let protocol = canonical_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from_port, to_port) = ports(
            &protocol,
            p.from_port().map(i64::from),
            p.to_port().map(i64::from),
        );
        let mut push = |source: Source, description: Option<&str>| {
            out.insert(Atom {
                protocol: protocol.clone(),
                from_port,
                to_port,
                source,
                description: description.unwrap_or("").to_string(),
            });
        };
        for r in p.ip_ranges() {
            if let Some(c) = r.cidr_ip() {
                push(Source::Cidr4(c.to_string()), r.description());
            }
        }
        for r in p.ipv6_ranges() {
            if let Some(c) = r.cidr_ipv6() {
                push(Source::Cidr6(c.to_string()), r.description());
            }
        }
        for r in p.prefix_list_ids() {
            if let Some(c) = r.prefix_list_id() {
                push(Source::PrefixList(c.to_string()), r.description());
            }
        }
        for g in p.user_id_group_pairs() {
            if let Some(id) = g.group_id() {
                push(group_source(id, Some(own_id)), g.description());
            }
        }
    }
    out
}

/// One rule of a DescribeSecurityGroupRules answer as an atom of its
/// group, with its direction (`true` for egress); `None` when the answer
/// names no source.
pub fn described_atom(r: &aws_sdk_ec2::types::SecurityGroupRule) -> Option<(bool, Atom)> {
    let own_id = r.group_id().unwrap_or_default();
    let protocol = canonical_protocol(r.ip_protocol().unwrap_or("-1"));
    let (from_port, to_port) = ports(
        &protocol,
        r.from_port().map(i64::from),
        r.to_port().map(i64::from),
    );
    let source = if let Some(c) = r.cidr_ipv4() {
        Source::Cidr4(c.to_string())
    } else if let Some(c) = r.cidr_ipv6() {
        Source::Cidr6(c.to_string())
    } else if let Some(p) = r.prefix_list_id() {
        Source::PrefixList(p.to_string())
    } else {
        let g = r.referenced_group_info().and_then(|g| g.group_id())?;
        group_source(g, Some(own_id))
    };
    Some((
        r.is_egress().unwrap_or(false),
        Atom {
            protocol,
            from_port,
            to_port,
            source,
            description: r.description().unwrap_or("").to_string(),
        },
    ))
}

/// The owners of the groups referenced by `perms` (for `OWNER/sg-...`
/// references to groups of other accounts).
pub fn group_owners(perms: &[IpPermission]) -> BTreeMap<String, String> {
    perms
        .iter()
        .flat_map(|p| p.user_id_group_pairs())
        .filter_map(|g| Some((g.group_id()?.to_string(), g.user_id()?.to_string())))
        .collect()
}

/// Builds the API's `IpPermission`s for `atoms` (one per protocol and port
/// range). `own_id` replaces [`Source::OwnGroup`].
pub fn permissions<'a>(
    atoms: impl IntoIterator<Item = &'a Atom>,
    own_id: &str,
) -> Vec<IpPermission> {
    let mut groups: BTreeMap<(String, i64, i64), Vec<&Atom>> = BTreeMap::new();
    for a in atoms {
        groups
            .entry((a.protocol.clone(), a.from_port, a.to_port))
            .or_default()
            .push(a);
    }
    groups
        .into_iter()
        .map(|((protocol, from, to), atoms)| {
            let mut b = IpPermission::builder().ip_protocol(protocol.clone());
            if protocol != "-1" {
                b = b
                    .from_port(i32::try_from(from).unwrap_or(i32::MAX))
                    .to_port(i32::try_from(to).unwrap_or(i32::MAX));
            }
            for a in atoms {
                let desc = (!a.description.is_empty()).then(|| a.description.clone());
                b = match &a.source {
                    Source::Cidr4(c) => {
                        b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc).build())
                    }
                    Source::Cidr6(c) => b.ipv6_ranges(
                        Ipv6Range::builder()
                            .cidr_ipv6(c)
                            .set_description(desc)
                            .build(),
                    ),
                    Source::PrefixList(p) => b.prefix_list_ids(
                        PrefixListId::builder()
                            .prefix_list_id(p)
                            .set_description(desc)
                            .build(),
                    ),
                    Source::Group(g) => b.user_id_group_pairs(
                        UserIdGroupPair::builder()
                            .group_id(g)
                            .set_description(desc)
                            .build(),
                    ),
                    Source::OwnGroup => b.user_id_group_pairs(
                        UserIdGroupPair::builder()
                            .group_id(own_id)
                            .set_description(desc)
                            .build(),
                    ),
                };
            }
            b.build()
        })
        .collect()
}

/// What an update must do to go from `prior` to `desired`: the atoms to
/// revoke and the atoms to authorize. A changed description is a revoke
/// and an authorize, as hashicorp/aws does it for inline rules.
pub fn diff(prior: &BTreeSet<Atom>, desired: &BTreeSet<Atom>) -> (Vec<Atom>, Vec<Atom>) {
    let revoke = prior.difference(desired).cloned().collect();
    let authorize = desired.difference(prior).cloned().collect();
    (revoke, authorize)
}

/// The rule blocks of a refreshed group, from the atoms EC2 reported.
///
/// Each rule block of `prior` whose atoms all still exist is kept as it
/// was written; the atoms no kept block accounts for are grouped into new
/// blocks by protocol, ports and description, as hashicorp/aws reads them.
pub fn rules_from_remote(
    remote: &BTreeSet<Atom>,
    prior_rules: &[Value],
    own_id: &str,
    own_owner: &str,
    owners: &BTreeMap<String, String>,
) -> Value {
    let mut out = Vec::new();
    let mut consumed: BTreeSet<&Atom> = BTreeSet::new();
    for rule in prior_rules {
        let Some(atoms) = block_atoms(rule, Some(own_id)) else {
            continue;
        };
        if atoms.is_empty() {
            continue;
        }
        let found: Option<Vec<&Atom>> = atoms.iter().map(|a| remote.get(a)).collect();
        if let Some(found) = found {
            consumed.extend(found);
            out.push(rule.clone());
        }
    }
    let mut grouped: BTreeMap<(String, i64, i64, String), Vec<&Atom>> = BTreeMap::new();
    for a in remote.iter().filter(|a| !consumed.contains(a)) {
        grouped
            .entry((
                a.protocol.clone(),
                a.from_port,
                a.to_port,
                a.description.clone(),
            ))
            .or_default()
            .push(a);
    }
    for ((protocol, from, to, description), atoms) in grouped {
        out.push(rule_value(
            &protocol,
            from,
            to,
            &description,
            &atoms,
            own_owner,
            owners,
        ));
    }
    Value::set(out)
}

/// One rule block in the shape hashicorp/aws reads it back: empty lists,
/// `""` and `false` rather than nulls.
fn rule_value(
    protocol: &str,
    from: i64,
    to: i64,
    description: &str,
    atoms: &[&Atom],
    own_owner: &str,
    owners: &BTreeMap<String, String>,
) -> Value {
    let mut cidr4 = Vec::new();
    let mut cidr6 = Vec::new();
    let mut lists = Vec::new();
    let mut groups = Vec::new();
    let mut own = false;
    for a in atoms {
        match &a.source {
            Source::Cidr4(c) => cidr4.push(Value::string(c)),
            Source::Cidr6(c) => cidr6.push(Value::string(c)),
            Source::PrefixList(p) => lists.push(Value::string(p)),
            Source::Group(g) => {
                let shown = match owners.get(g) {
                    Some(owner) if owner != own_owner => format!("{owner}/{g}"),
                    _ => g.clone(),
                };
                groups.push(Value::string(shown));
            }
            Source::OwnGroup => own = true,
        }
    }
    Value::object([
        ("cidr_blocks", Value::List(cidr4)),
        ("description", Value::string(description)),
        ("from_port", Value::int(from)),
        ("ipv6_cidr_blocks", Value::List(cidr6)),
        ("prefix_list_ids", Value::List(lists)),
        ("protocol", Value::string(protocol)),
        ("security_groups", Value::set(groups)),
        ("self", Value::Bool(own)),
        ("to_port", Value::int(to)),
    ])
}

/// Plans the rule blocks of a group: every configured block that means the
/// same rules as a block of the prior state takes the prior block's shape
/// (`cidr_blocks = null` and `[]`, `"all"` and `"-1"` are the same rules),
/// so that an unchanged configuration plans no change.
pub fn align_blocks(config: &Value, prior: Option<&Value>, own_id: Option<&str>) -> Value {
    let (Some(elems), Some(prior_elems)) =
        (config.as_elements(), prior.and_then(Value::as_elements))
    else {
        return config.clone();
    };
    let prior_atoms: Vec<(BTreeSet<Atom>, &Value)> = prior_elems
        .iter()
        .filter_map(|p| Some((block_atoms(p, own_id)?.into_iter().collect(), p)))
        .collect();
    let aligned = elems
        .iter()
        .map(|e| {
            let Some(atoms) = block_atoms(e, own_id) else {
                return e.clone();
            };
            let atoms: BTreeSet<Atom> = atoms.into_iter().collect();
            prior_atoms
                .iter()
                .find(|(p, _)| *p == atoms)
                .map_or_else(|| e.clone(), |(_, p)| (*p).clone())
        })
        .collect();
    Value::set(aligned)
}

/// The id hashicorp/aws gives an `aws_security_group_rule`:
/// `sgrule-` and the CRC-32 of the rule's group, ports, protocol, type and
/// sorted sources.
pub fn rule_resource_id(group_id: &str, rule_type: &str, perm: &IpPermission) -> String {
    let mut s = format!("{group_id}-");
    if let Some(p) = perm.from_port().filter(|p| *p > 0) {
        s.push_str(&format!("{p}-"));
    }
    if let Some(p) = perm.to_port().filter(|p| *p > 0) {
        s.push_str(&format!("{p}-"));
    }
    s.push_str(&format!("{}-", perm.ip_protocol().unwrap_or("")));
    s.push_str(&format!("{rule_type}-"));
    let mut sorted = |items: Vec<&str>| {
        let mut items = items;
        items.sort_unstable();
        for i in items {
            s.push_str(&format!("{i}-"));
        }
    };
    sorted(
        perm.ip_ranges()
            .iter()
            .filter_map(|r| r.cidr_ip())
            .collect(),
    );
    sorted(
        perm.ipv6_ranges()
            .iter()
            .filter_map(|r| r.cidr_ipv6())
            .collect(),
    );
    sorted(
        perm.prefix_list_ids()
            .iter()
            .filter_map(|r| r.prefix_list_id())
            .collect(),
    );
    let mut pairs: Vec<(&str, &str)> = perm
        .user_id_group_pairs()
        .iter()
        .map(|g| (g.group_id().unwrap_or(""), g.group_name().unwrap_or("")))
        .collect();
    pairs.sort_unstable();
    for (id, name) in pairs {
        if id.is_empty() {
            s.push('-');
        } else {
            s.push_str(&format!("{id}-"));
        }
        if name.is_empty() {
            s.push('-');
        } else {
            s.push_str(&format!("{name}-"));
        }
    }
    format!("sgrule-{}", crc32(s.as_bytes()))
}

/// CRC-32 (IEEE), the checksum Terraform's `hashcode.String` uses.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids Terraform 1.11 with hashicorp/aws 5.100 gave rules it created
    /// against moto: (group, type, protocol, ports, CIDRs, id).
    #[test]
    fn rule_ids_match_hashicorp_aws() {
        let cases = [(
            "sg-cc0569f574285e039",
            "ingress",
            "tcp",
            8080,
            ["10.2.0.0/16", "10.1.0.0/16"],
            "sgrule-1038706827",
        )];
        for (group, kind, protocol, port, cidrs, want) in cases {
            let atoms: Vec<Atom> = cidrs
                .iter()
                .map(|c| Atom {
                    protocol: protocol.to_string(),
                    from_port: port,
                    to_port: port,
                    source: Source::Cidr4(c.to_string()),
                    description: String::new(),
                })
                .collect();
            let perm = &permissions(&atoms, group)[0];
            assert_eq!(rule_resource_id(group, kind, perm), want);
        }
    }

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn protocols() {
        for (given, want) in [
            ("all", "-1"),
            ("-1", "-1"),
            ("TCP", "tcp"),
            ("6", "tcp"),
            ("17", "udp"),
            ("1", "icmp"),
            ("58", "icmpv6"),
            ("99", "99"),
        ] {
            assert_eq!(canonical_protocol(given), want, "{given}");
        }
    }

    fn rule(protocol: &str, from: i64, to: i64, cidrs: Value, own: Value) -> Value {
        Value::object([
            ("cidr_blocks", cidrs),
            ("description", Value::Null),
            ("from_port", Value::int(from)),
            ("ipv6_cidr_blocks", Value::Null),
            ("prefix_list_ids", Value::Null),
            ("protocol", Value::string(protocol)),
            ("security_groups", Value::Null),
            ("self", own),
            ("to_port", Value::int(to)),
        ])
    }

    #[test]
    fn null_and_empty_and_all_mean_the_same_rules() {
        let written = rule(
            "all",
            0,
            0,
            Value::List(vec![Value::string("0.0.0.0/0")]),
            Value::Null,
        );
        let read = rule(
            "-1",
            0,
            0,
            Value::List(vec![Value::string("0.0.0.0/0")]),
            Value::Bool(false),
        );
        assert_eq!(block_atoms(&written, None), block_atoms(&read, None));
        let aligned = align_blocks(
            &Value::set(vec![written]),
            Some(&Value::set(vec![read.clone()])),
            None,
        );
        assert_eq!(aligned, Value::set(vec![read]));
    }

    #[test]
    fn refresh_keeps_written_blocks_and_groups_the_rest() {
        let written = rule(
            "tcp",
            22,
            22,
            Value::List(vec![Value::string("10.0.0.0/8")]),
            Value::Bool(true),
        );
        let mut remote: BTreeSet<Atom> = block_atoms(&written, Some("sg-1"))
            .unwrap()
            .into_iter()
            .collect();
        remote.insert(Atom {
            protocol: "tcp".into(),
            from_port: 443,
            to_port: 443,
            source: Source::Cidr4("1.2.3.4/32".into()),
            description: String::new(),
        });
        let got = rules_from_remote(
            &remote,
            std::slice::from_ref(&written),
            "sg-1",
            "111",
            &BTreeMap::new(),
        );
        let elems = got.as_elements().unwrap();
        assert_eq!(elems.len(), 2);
        assert!(elems.contains(&written));
        let extra = elems.iter().find(|e| **e != written).unwrap();
        assert_eq!(int_attr(extra, "from_port"), Some(443));
        assert_eq!(strings(extra, "cidr_blocks"), ["1.2.3.4/32"]);
    }

    #[test]
    fn diff_revokes_and_authorizes_the_difference() {
        let a = |c: &str| Atom {
            protocol: "tcp".into(),
            from_port: 80,
            to_port: 80,
            source: Source::Cidr4(c.into()),
            description: String::new(),
        };
        let prior: BTreeSet<Atom> = [a("1.0.0.0/8"), a("2.0.0.0/8")].into();
        let desired: BTreeSet<Atom> = [a("2.0.0.0/8"), a("3.0.0.0/8")].into();
        let (revoke, authorize) = diff(&prior, &desired);
        assert_eq!(revoke, [a("1.0.0.0/8")]);
        assert_eq!(authorize, [a("3.0.0.0/8")]);
    }

    #[test]
    fn permissions_group_by_protocol_and_ports() {
        let atoms = [
            Atom {
                protocol: "tcp".into(),
                from_port: 22,
                to_port: 22,
                source: Source::Cidr4("10.0.0.0/8".into()),
                description: "ssh".into(),
            },
            Atom {
                protocol: "tcp".into(),
                from_port: 22,
                to_port: 22,
                source: Source::OwnGroup,
                description: String::new(),
            },
            Atom {
                protocol: "-1".into(),
                from_port: 0,
                to_port: 0,
                source: Source::Cidr6("::/0".into()),
                description: String::new(),
            },
        ];
        let perms = permissions(&atoms, "sg-9");
        assert_eq!(perms.len(), 2);
        let all = perms
            .iter()
            .find(|p| p.ip_protocol() == Some("-1"))
            .unwrap();
        assert_eq!(all.from_port(), None);
        let tcp = perms
            .iter()
            .find(|p| p.ip_protocol() == Some("tcp"))
            .unwrap();
        assert_eq!(tcp.user_id_group_pairs()[0].group_id(), Some("sg-9"));
        assert_eq!(tcp.ip_ranges()[0].description(), Some("ssh"));
        let back = remote_atoms(&perms, "sg-9");
        assert_eq!(back, atoms.into_iter().collect());
    }
}
