//! Versions and Terraform's version constraints (`~> 1.2`, `>= 1.0, < 2.0`).

use std::cmp::Ordering;
use std::fmt;

/// A semantic version: `1.2.3`, `1.2.3-beta.1` (build metadata after `+` is
/// ignored, a leading `v` accepted, missing parts are 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// The pre-release part after `-`, empty for a release.
    pub pre: String,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        Self::parse_parts(text).map(|(v, _)| v)
    }

    /// The version and how many numeric parts were written (1 to 3).
    fn parse_parts(text: &str) -> Option<(Version, usize)> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let t = t.split_once('+').map_or(t, |(v, _)| v);
        let (nums, pre) = t.split_once('-').map_or((t, ""), |(n, p)| (n, p));
        let parts: Vec<&str> = nums.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        let mut n = [0u64; 3];
        for (slot, p) in n.iter_mut().zip(&parts) {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = p.parse().ok()?;
        }
        if t.contains('-') && pre.is_empty() {
            return None;
        }
        Some((
            Version {
                major: n[0],
                minor: n[1],
                patch: n[2],
                pre: pre.to_string(),
            },
            parts.len(),
        ))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release comes before its release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_pre(&self.pre, &other.pre),
            })
    }
}

/// Semver's pre-release order: dot-separated identifiers, numeric ones
/// compared as numbers and before alphanumeric ones.
fn cmp_pre(a: &str, b: &str) -> Ordering {
    let mut ai = a.split('.');
    let mut bi = b.split('.');
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// `~>`: the rightmost written part may grow.
    Pessimistic,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Term {
    op: Op,
    version: Version,
    /// How many numeric parts were written (for `~>`).
    parts: usize,
}

/// A version constraint in Terraform's syntax: comma-separated terms, each
/// an operator (`=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, or none for `=`) and
/// a version. A version meets the constraint when it meets every term. As
/// in Terraform, a pre-release version only meets a constraint that names
/// it exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    terms: Vec<Term>,
    text: String,
}

impl Constraint {
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut terms = Vec::new();
        for raw in text.split(',') {
            let t = raw.trim();
            if t.is_empty() {
                return Err(format!("{text:?} has an empty term"));
            }
            let (op, rest) = [
                ("~>", Op::Pessimistic),
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("!=", Op::Ne),
                ("=", Op::Eq),
                (">", Op::Gt),
                ("<", Op::Lt),
            ]
            .into_iter()
            .find_map(|(s, op)| t.strip_prefix(s).map(|rest| (op, rest)))
            .unwrap_or((Op::Eq, t));
            let (version, parts) = Version::parse_parts(rest)
                .ok_or_else(|| format!("{:?} is not a version (in {text:?})", rest.trim()))?;
            terms.push(Term { op, version, parts });
        }
        Ok(Constraint {
            terms,
            text: text.trim().to_string(),
        })
    }

    pub fn matches(&self, v: &Version) -> bool {
        if !v.pre.is_empty() && !self.terms.iter().any(|t| t.op == Op::Eq && t.version == *v) {
            return false;
        }
        self.terms.iter().all(|t| term_matches(t, v))
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn term_matches(t: &Term, v: &Version) -> bool {
    match t.op {
        Op::Eq => v == &t.version,
        Op::Ne => v != &t.version,
        Op::Gt => v > &t.version,
        Op::Ge => v >= &t.version,
        Op::Lt => v < &t.version,
        Op::Le => v <= &t.version,
        Op::Pessimistic => {
            if v < &t.version {
                return false;
            }
            let base = &t.version;
            match t.parts {
                // ~> 1 and ~> 1.2: the major version stays.
                1 | 2 => v.major == base.major,
                // ~> 1.2.3: major and minor stay.
                _ => v.major == base.major && v.minor == base.minor,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints() {
        let table = [
            ("1.2.3", "1.2.3", true),
            ("1.2.3", "1.2.4", false),
            ("= 1.2", "1.2.0", true),
            ("!= 1.2.1", "1.2.1", false),
            ("!= 1.2.1", "1.2.2", true),
            (">= 1.0, < 2.0", "1.9.9", true),
            (">= 1.0, < 2.0", "2.0.0", false),
            ("> 1.0", "1.0.0", false),
            ("<= 1.0", "1.0.0", true),
            ("~> 1.2", "1.9.0", true),
            ("~> 1.2", "1.1.0", false),
            ("~> 1.2", "2.0.0", false),
            ("~> 1.2.3", "1.2.9", true),
            ("~> 1.2.3", "1.3.0", false),
            ("~> 1", "1.5.0", true),
            ("~> 1", "2.0.0", false),
            ("v1.0.0", "1.0.0", true),
            ("1.0.0+build5", "1.0.0", true),
            // Pre-releases only when named exactly.
            (">= 1.0", "1.1.0-beta", false),
            ("1.1.0-beta", "1.1.0-beta", true),
        ];
        for (c, v, want) in table {
            let constraint = Constraint::parse(c).unwrap();
            let version = Version::parse(v).unwrap();
            assert_eq!(constraint.matches(&version), want, "{c} vs {v}");
        }
    }

    #[test]
    fn bad_constraints() {
        for c in ["", ">= x", "1.2.3.4", "~>", ">= 1.0,", "1.-2"] {
            assert!(Constraint::parse(c).is_err(), "{c:?}");
        }
    }

    #[test]
    fn ordering() {
        let mut vs: Vec<Version> = [
            "1.0.0",
            "1.0.0-rc.1",
            "1.0.0-beta",
            "0.9.10",
            "0.9.9",
            "1.0.0-rc.2",
        ]
        .iter()
        .map(|s| Version::parse(s).unwrap())
        .collect();
        vs.sort();
        let names: Vec<String> = vs.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "0.9.9",
                "0.9.10",
                "1.0.0-beta",
                "1.0.0-rc.1",
                "1.0.0-rc.2",
                "1.0.0"
            ]
        );
    }
}
