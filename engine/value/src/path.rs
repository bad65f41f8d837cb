//! Attribute paths such as `tags["Name"]` or `ingress[0].from_port`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PathStep {
    /// An object attribute: `.name`.
    Attr(String),
    /// A map key: `["key"]`.
    Key(String),
    /// A list, tuple or set position: `[0]`.
    Index(i64),
}

/// A path from the root of a value to something inside it. Empty is the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    pub fn root() -> AttrPath {
        AttrPath(Vec::new())
    }

    pub fn attr(name: impl Into<String>) -> AttrPath {
        AttrPath(vec![PathStep::Attr(name.into())])
    }

    pub fn join(&self, step: PathStep) -> AttrPath {
        let mut v = self.0.clone();
        v.push(step);
        AttrPath(v)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `self` is `other` or lies inside it.
    pub fn starts_with(&self, other: &AttrPath) -> bool {
        self.0.starts_with(&other.0)
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
