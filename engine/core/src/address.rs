//! Terraform's address syntax: `aws_instance.web[0]`,
//! `module.net["a"].aws_subnet.this["b"]`, `data.local_file.x`.

use std::fmt;

/// The key of one instance of a resource or module with count or for_each.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote(s)),
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One step of a module instance path: `module.net` or `module.net["a"]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<InstanceKey>,
}

/// A module instance: the root is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleInstance(pub Vec<ModuleStep>);

impl ModuleInstance {
    pub fn root() -> ModuleInstance {
        ModuleInstance(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child(&self, name: &str, key: Option<InstanceKey>) -> ModuleInstance {
        let mut v = self.0.clone();
        v.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        ModuleInstance(v)
    }

    /// The static module path (names only).
    pub fn path(&self) -> ModulePath {
        ModulePath(self.0.iter().map(|s| s.name.clone()).collect())
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}", s.name)?;
            if let Some(k) = &s.key {
                write!(f, "{k}")?;
            }
        }
        Ok(())
    }
}

/// A static module path: the names of module calls from the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModulePath(pub Vec<String>);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath(Vec::new())
    }

    pub fn child(&self, name: &str) -> ModulePath {
        let mut v = self.0.clone();
        v.push(name.to_string());
        ModulePath(v)
    }

    pub fn parent(&self) -> Option<(ModulePath, &str)> {
        let (last, rest) = self.0.split_last()?;
        Some((ModulePath(rest.to_vec()), last))
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{s}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

/// A resource in a module instance (all of its instances).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub module: ModuleInstance,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn instance(&self, key: Option<InstanceKey>) -> InstanceAddr {
        InstanceAddr {
            resource: self.clone(),
            key,
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// One resource instance: `aws_instance.web[0]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: Option<InstanceKey>,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.resource)?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

/// An address given on the command line (`-target`, `-replace`, `state mv`):
/// a module instance, a whole resource, or one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetAddr {
    Module(ModuleInstance),
    Resource(ResourceAddr),
    Instance(InstanceAddr),
}

impl TargetAddr {
    /// True when `inst` is this address or lies inside it.
    pub fn contains(&self, inst: &InstanceAddr) -> bool {
        match self {
            TargetAddr::Module(m) => {
                inst.resource.module.0.starts_with(&m.0)
                    || module_matches_unkeyed(m, &inst.resource.module)
            }
            TargetAddr::Resource(r) => &inst.resource == r,
            TargetAddr::Instance(i) => i == inst,
        }
    }
}

fn module_matches_unkeyed(target: &ModuleInstance, m: &ModuleInstance) -> bool {
    target.0.len() <= m.0.len()
        && target
            .0
            .iter()
            .zip(&m.0)
            .all(|(t, s)| t.name == s.name && (t.key.is_none() || t.key == s.key))
}

impl fmt::Display for TargetAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetAddr::Module(m) => write!(f, "{m}"),
            TargetAddr::Resource(r) => write!(f, "{r}"),
            TargetAddr::Instance(i) => write!(f, "{i}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid address {input:?}: {reason}")]
pub struct AddrError {
    pub input: String,
    pub reason: String,
}

/// Parses an address such as `module.net["a"].aws_subnet.this[0]`.
pub fn parse_target(input: &str) -> Result<TargetAddr, AddrError> {
    let err = |reason: &str| AddrError {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let mut p = Parser {
        s: input.trim(),
        pos: 0,
    };
    let mut module = ModuleInstance::root();
    loop {
        let save = p.pos;
        let word = p.ident().ok_or_else(|| err("expected a name"))?;
        if word == "module" {
            p.expect('.')
                .map_err(|_| err("expected '.' after \"module\""))?;
            let name = p.ident().ok_or_else(|| err("expected a module name"))?;
            let key = p.key().map_err(|r| err(&r))?;
            module.0.push(ModuleStep { name, key });
            if p.done() {
                return Ok(TargetAddr::Module(module));
            }
            p.expect('.')
                .map_err(|_| err("expected '.' after a module step"))?;
            continue;
        }
        p.pos = save;
        break;
    }
    let mut mode = Mode::Managed;
    let mut type_name = p.ident().ok_or_else(|| err("expected a resource type"))?;
    if type_name == "data" {
        mode = Mode::Data;
        p.expect('.')
            .map_err(|_| err("expected '.' after \"data\""))?;
        type_name = p
            .ident()
            .ok_or_else(|| err("expected a data source type"))?;
    }
    p.expect('.')
        .map_err(|_| err("expected '.' and a resource name"))?;
    let name = p.ident().ok_or_else(|| err("expected a resource name"))?;
    let resource = ResourceAddr {
        module,
        mode,
        type_name,
        name,
    };
    let key = p.key().map_err(|r| err(&r))?;
    if !p.done() {
        return Err(err("unexpected text after the address"));
    }
    Ok(match key {
        Some(k) => TargetAddr::Instance(resource.instance(Some(k))),
        None => TargetAddr::Resource(resource),
    })
}

/// Parses a resource instance address (a whole resource is its unkeyed instance).
pub fn parse_instance(input: &str) -> Result<InstanceAddr, AddrError> {
    match parse_target(input)? {
        TargetAddr::Instance(i) => Ok(i),
        TargetAddr::Resource(r) => Ok(r.instance(None)),
        TargetAddr::Module(_) => Err(AddrError {
            input: input.to_string(),
            reason: "expected a resource address, not a module".into(),
        }),
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn expect(&mut self, c: char) -> Result<(), ()> {
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            Ok(())
        } else {
            Err(())
        }
    }

    fn ident(&mut self) -> Option<String> {
        let r = self.rest();
        let mut end = 0;
        for (i, c) in r.char_indices() {
            let ok = if i == 0 {
                c.is_alphabetic() || c == '_'
            } else {
                c.is_alphanumeric() || c == '_' || c == '-'
            };
            if !ok {
                break;
            }
            end = i + c.len_utf8();
        }
        if end == 0 {
            return None;
        }
        let word = r[..end].to_string();
        self.pos += end;
        Some(word)
    }

    fn key(&mut self) -> Result<Option<InstanceKey>, String> {
        if self.expect('[').is_err() {
            return Ok(None);
        }
        let r = self.rest();
        let key = if let Some(body) = r.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        end = Some(i + 2);
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, 'r')) => out.push('\r'),
                        Some((_, c)) => out.push(c),
                        None => return Err("unterminated string key".into()),
                    },
                    c => out.push(c),
                }
            }
            let end = end.ok_or("unterminated string key")?;
            self.pos += end;
            InstanceKey::Str(out)
        } else {
            let end = r.find(']').ok_or("expected ']'")?;
            let n: i64 = r[..end]
                .trim()
                .parse()
                .map_err(|_| format!("invalid index {:?}", &r[..end]))?;
            self.pos += end;
            InstanceKey::Int(n)
        };
        self.expect(']').map_err(|_| "expected ']'".to_string())?;
        Ok(Some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for input in [
            "aws_instance.web",
            "aws_instance.web[0]",
            "data.local_file.x",
            "module.net",
            "module.net[\"a\"]",
            "module.net[\"a\"].aws_subnet.this[\"b\"]",
            "module.a.module.b[2].data.t.n[1]",
            "random_pet.p[\"with \\\"quote\\\"\"]",
        ] {
            let a = parse_target(input).unwrap();
            assert_eq!(a.to_string(), input);
        }
    }

    #[test]
    fn rejects_garbage() {
        for input in [
            "",
            "aws_instance",
            "aws_instance.",
            "module.",
            "a.b[",
            "a.b[x]",
            "a.b c",
            "data.x",
        ] {
            assert!(parse_target(input).is_err(), "{input}");
        }
    }

    #[test]
    fn target_containment() {
        let inst = parse_instance("module.net[\"a\"].aws_subnet.this[0]").unwrap();
        for (target, want) in [
            ("module.net", true),
            ("module.net[\"a\"]", true),
            ("module.net[\"b\"]", false),
            ("module.net[\"a\"].aws_subnet.this", true),
            ("module.net[\"a\"].aws_subnet.this[0]", true),
            ("module.net[\"a\"].aws_subnet.this[1]", false),
            ("aws_subnet.this", false),
        ] {
            assert_eq!(
                parse_target(target).unwrap().contains(&inst),
                want,
                "{target}"
            );
        }
    }
}
