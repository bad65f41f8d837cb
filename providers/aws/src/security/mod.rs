//! Security groups and their rules: `aws_security_group` (inline `ingress`
//! and `egress` blocks), `aws_security_group_rule`,
//! `aws_vpc_security_group_ingress_rule`, `aws_vpc_security_group_egress_rule`.

pub(crate) mod group;
pub(crate) mod names;
mod rule;
pub(crate) mod rules;
mod vpc_rule;

use crate::resource::Resource;

/// The security resource types.
pub fn resource_types() -> Vec<&'static dyn Resource> {
    vec![
        &group::Group,
        &rule::Rule,
        &vpc_rule::INGRESS,
        &vpc_rule::EGRESS,
    ]
}
