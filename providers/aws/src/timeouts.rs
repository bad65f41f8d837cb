//! The `timeouts { create = "10m" ... }` nested block, as SDKv2 resources of
//! hashicorp/aws have it, and Go duration strings (`"1h30m"`, `"90s"`).

use crate::error::Error;
use gitform_provider::{Attribute, Block, NestedBlock};
use gitform_value::{Type, Value};
use std::time::Duration;

/// Which operations a resource's `timeouts` block offers, with the default
/// of each (`None`: the block has no such attribute).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Option<Duration>,
    pub read: Option<Duration>,
    pub update: Option<Duration>,
    pub delete: Option<Duration>,
}

/// The operation a timeout applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Create,
    Read,
    Update,
    Delete,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Read => "read",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// Used when a resource offers no `timeouts` block, or not for this operation.
pub const FALLBACK: Duration = Duration::from_secs(20 * 60);

/// Minutes, for the tables of defaults.
pub const fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

impl Timeouts {
    fn default_for(&self, op: Op) -> Option<Duration> {
        match op {
            Op::Create => self.create,
            Op::Read => self.read,
            Op::Update => self.update,
            Op::Delete => self.delete,
        }
    }

    /// The nested block type to add to the resource schema.
    pub fn block(&self) -> NestedBlock {
        let mut b = Block::new();
        for op in [Op::Create, Op::Read, Op::Update, Op::Delete] {
            if self.default_for(op).is_some() {
                b = b.attr(op.name(), Attribute::optional(Type::String));
            }
        }
        NestedBlock::single(b)
    }

    /// The timeout of `op` for an object whose configuration (or state) is
    /// `v`: its `timeouts` block if set there, else the default.
    pub fn resolve(&self, v: &Value, op: Op) -> Result<Duration, Error> {
        let configured = v
            .get_attr("timeouts")
            .and_then(|t| t.get_attr(op.name()))
            .and_then(Value::as_str);
        match (configured, self.default_for(op)) {
            (Some(s), Some(_)) => parse_duration(s).map_err(|detail| Error::Invalid {
                summary: "Invalid timeout".to_string(),
                detail,
                path: Some(gitform_value::AttrPath(vec![
                    gitform_value::PathStep::Attr("timeouts".into()),
                    gitform_value::PathStep::Attr(op.name().into()),
                ])),
            }),
            (_, Some(d)) => Ok(d),
            (_, None) => Ok(FALLBACK),
        }
    }

    /// Checks every set timeout of a configuration (unknowns skipped).
    pub fn validate(&self, config: &Value) -> Vec<Error> {
        [Op::Create, Op::Read, Op::Update, Op::Delete]
            .into_iter()
            .filter(|op| self.default_for(*op).is_some())
            .filter_map(|op| self.resolve(config, op).err())
            .collect()
    }
}

/// Parses a Go duration (`"10m"`, `"1h30m"`, `"1.5h"`, `"300ms"`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || {
        format!("\"{s}\" is not a duration: use a number and a unit, such as \"10m\", \"1h30m\" or \"90s\".")
    };
    let text = s.trim();
    if text.is_empty() {
        return Err(bad());
    }
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        if num_len == 0 {
            return Err(bad());
        }
        let (num, after) = rest.split_at(num_len);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * scale;
        rest = next;
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for (s, secs) in [
            ("10m", 600.0),
            ("1h30m", 5400.0),
            ("90s", 90.0),
            ("1.5h", 5400.0),
            ("300ms", 0.3),
            ("0", 0.0),
        ] {
            assert_eq!(parse_duration(s), Ok(Duration::from_secs_f64(secs)), "{s}");
        }
        for s in ["", "10", "m", "10x", "1h-3m", "ten minutes"] {
            assert!(parse_duration(s).is_err(), "{s}");
        }
    }

    #[test]
    fn resolve_uses_block_then_default() {
        let t = Timeouts {
            create: Some(minutes(10)),
            delete: Some(minutes(5)),
            ..Timeouts::default()
        };
        let v = Value::object([(
            "timeouts",
            Value::object([("create", Value::from("2m")), ("delete", Value::Null)]),
        )]);
        assert_eq!(t.resolve(&v, Op::Create).unwrap(), minutes(2));
        assert_eq!(t.resolve(&v, Op::Delete).unwrap(), minutes(5));
        assert_eq!(t.resolve(&v, Op::Update).unwrap(), FALLBACK);
        let bad = Value::object([("timeouts", Value::object([("create", Value::from("soon"))]))]);
        assert_eq!(t.validate(&bad).len(), 1);
    }
}
