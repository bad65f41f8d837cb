//! The wire encoding of protocol version 1: every request and response of
//! the [`Provider`](gitform_provider::Provider) trait as JSON, both ways
//! (the host encodes requests and decodes results; the SDK does the
//! reverse). `docs/providers/protocol.md` is the reference; this module is
//! its implementation.
//!
//! Values use the lossless tagged encoding of [`gitform_value::json`];
//! private data is base64; absent optional members decode as null or empty.

use base64::Engine as _;
use gitform_provider::{
    ApplyChangeRequest, ApplyChangeResponse, Attribute, Block, ConfigKind, ConfigureRequest,
    ConfigureResponse, ImportRequest, ImportResponse, ImportedObject, NestedBlock, Nesting,
    PlanChangeRequest, PlanChangeResponse, Private, ProviderSchema, ReadBatchRequest,
    ReadBatchResponse, ReadDataRequest, ReadDataResponse, ReadRequest, ReadRequestItem,
    ReadResponse, Schema, ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_value::json::{from_tagged_json, to_tagged_json, type_from_json, type_to_json};
use gitform_value::{AttrPath, Diagnostic, PathStep, Severity, Value};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u64 = 1;

/// The environment variable that tells a plugin gitform started it, and
/// which protocol version gitform speaks.
pub const PROTOCOL_ENV: &str = "GITFORM_PLUGIN_PROTOCOL";

/// The environment variable holding the provider's local name.
pub const NAME_ENV: &str = "GITFORM_PLUGIN_NAME";

/// The methods of protocol version 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Handshake,
    Schema,
    Validate,
    Configure,
    Plan,
    Apply,
    Read,
    ReadBatch,
    ReadData,
    Import,
    Stop,
    Shutdown,
}

impl Method {
    pub const ALL: [Method; 12] = [
        Method::Handshake,
        Method::Schema,
        Method::Validate,
        Method::Configure,
        Method::Plan,
        Method::Apply,
        Method::Read,
        Method::ReadBatch,
        Method::ReadData,
        Method::Import,
        Method::Stop,
        Method::Shutdown,
    ];

    /// The method name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Handshake => "handshake",
            Method::Schema => "schema",
            Method::Validate => "validate",
            Method::Configure => "configure",
            Method::Plan => "plan",
            Method::Apply => "apply",
            Method::Read => "read",
            Method::ReadBatch => "read_batch",
            Method::ReadData => "read_data",
            Method::Import => "import",
            Method::Stop => "stop",
            Method::Shutdown => "shutdown",
        }
    }

    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// Why a message does not decode: where in it, and what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct WireError {
    /// A JSON path such as `result.items[2].new_state.tags`.
    pub at: String,
    pub message: String,
}

impl WireError {
    fn new(at: impl Into<String>, message: impl Into<String>) -> WireError {
        WireError {
            at: at.into(),
            message: message.into(),
        }
    }
}

/// A message that can cross the wire.
pub trait Wire: Sized {
    fn to_wire(&self) -> Json;
    /// Decodes `j`; `at` names where `j` sits in the message, for errors.
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError>;
}

// ---------------------------------------------------------------------------
// Reading members.

/// The members of one JSON object being decoded.
struct Members<'a> {
    obj: &'a Map<String, Json>,
    at: &'a str,
}

fn members<'a>(j: &'a Json, at: &'a str) -> Result<Members<'a>, WireError> {
    match j {
        Json::Object(obj) => Ok(Members { obj, at }),
        Json::Null => Err(WireError::new(at, "expected an object, found null")),
        other => Err(WireError::new(
            at,
            format!("expected an object, found {}", kind(other)),
        )),
    }
}

fn kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

impl<'a> Members<'a> {
    fn at(&self, name: &str) -> String {
        if self.at.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.at)
        }
    }

    /// The member, `None` when absent or null.
    fn get(&self, name: &str) -> Option<&'a Json> {
        self.obj.get(name).filter(|j| !j.is_null())
    }

    fn string(&self, name: &str) -> Result<String, WireError> {
        match self.get(name) {
            Some(Json::String(s)) => Ok(s.clone()),
            Some(other) => Err(WireError::new(
                self.at(name),
                format!("expected a string, found {}", kind(other)),
            )),
            None => Err(WireError::new(self.at(name), "missing")),
        }
    }

    fn opt_string(&self, name: &str) -> Result<Option<String>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(_) => self.string(name).map(Some),
        }
    }

    fn string_or_empty(&self, name: &str) -> Result<String, WireError> {
        Ok(self.opt_string(name)?.unwrap_or_default())
    }

    fn bool(&self, name: &str) -> Result<bool, WireError> {
        match self.get(name) {
            None => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(other) => Err(WireError::new(
                self.at(name),
                format!("expected a boolean, found {}", kind(other)),
            )),
        }
    }

    fn opt_u64(&self, name: &str) -> Result<Option<u64>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                WireError::new(
                    self.at(name),
                    format!("expected a whole number >= 0, found {n}"),
                )
            }),
            Some(other) => Err(WireError::new(
                self.at(name),
                format!("expected a number, found {}", kind(other)),
            )),
        }
    }

    fn u64_or_zero(&self, name: &str) -> Result<u64, WireError> {
        Ok(self.opt_u64(name)?.unwrap_or(0))
    }

    /// A tagged value; absent means null.
    fn value(&self, name: &str) -> Result<Value, WireError> {
        match self.obj.get(name) {
            None => Ok(Value::Null),
            Some(j) => decode_value(j, &self.at(name)),
        }
    }

    /// A tagged value where null or absent means "no object".
    fn opt_value(&self, name: &str) -> Result<Option<Value>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(j) => decode_value(j, &self.at(name)).map(Some),
        }
    }

    fn private(&self, name: &str) -> Result<Option<Private>, WireError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(Some)
                .map_err(|e| WireError::new(self.at(name), format!("invalid base64: {e}"))),
            Some(other) => Err(WireError::new(
                self.at(name),
                format!("expected a base64 string, found {}", kind(other)),
            )),
        }
    }

    fn array(&self, name: &str) -> Result<&'a [Json], WireError> {
        match self.get(name) {
            None => Ok(&[]),
            Some(Json::Array(a)) => Ok(a),
            Some(other) => Err(WireError::new(
                self.at(name),
                format!("expected an array, found {}", kind(other)),
            )),
        }
    }

    fn list<T>(
        &self,
        name: &str,
        decode: impl Fn(&Json, &str) -> Result<T, WireError>,
    ) -> Result<Vec<T>, WireError> {
        let at = self.at(name);
        self.array(name)?
            .iter()
            .enumerate()
            .map(|(i, j)| decode(j, &format!("{at}[{i}]")))
            .collect()
    }

    fn diagnostics(&self) -> Result<Vec<Diagnostic>, WireError> {
        self.list("diagnostics", decode_diagnostic)
    }

    /// An object of sub-objects by name.
    fn map<T>(
        &self,
        name: &str,
        decode: impl Fn(&Json, &str) -> Result<T, WireError>,
    ) -> Result<BTreeMap<String, T>, WireError> {
        match self.get(name) {
            None => Ok(BTreeMap::new()),
            Some(Json::Object(m)) => {
                let at = self.at(name);
                m.iter()
                    .map(|(k, j)| Ok((k.clone(), decode(j, &format!("{at}.{k}"))?)))
                    .collect()
            }
            Some(other) => Err(WireError::new(
                self.at(name),
                format!("expected an object, found {}", kind(other)),
            )),
        }
    }
}

fn decode_value(j: &Json, at: &str) -> Result<Value, WireError> {
    from_tagged_json(j).map_err(|e| {
        let inner = if e.path.is_root() {
            at.to_string()
        } else {
            format!("{at}.{}", e.path)
        };
        WireError::new(inner, e.message)
    })
}

fn opt_value(v: &Option<Value>) -> Json {
    v.as_ref().map_or(Json::Null, to_tagged_json)
}

fn private(p: &Option<Private>) -> Json {
    p.as_ref().map_or(Json::Null, |b| {
        Json::String(base64::engine::general_purpose::STANDARD.encode(b))
    })
}

// ---------------------------------------------------------------------------
// Paths and diagnostics.

/// `[{"attr":"tags"},{"key":"Name"},{"index":0}]`.
pub fn encode_path(p: &AttrPath) -> Json {
    Json::Array(
        p.0.iter()
            .map(|s| match s {
                PathStep::Attr(a) => json!({ "attr": a }),
                PathStep::Key(k) => json!({ "key": k }),
                PathStep::Index(i) => json!({ "index": i }),
            })
            .collect(),
    )
}

pub fn decode_path(j: &Json, at: &str) -> Result<AttrPath, WireError> {
    let Json::Array(steps) = j else {
        return Err(WireError::new(
            at,
            format!("expected an array of path steps, found {}", kind(j)),
        ));
    };
    let mut out = Vec::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        let here = format!("{at}[{i}]");
        let step = match s {
            Json::Object(m) if m.len() == 1 => match m.iter().next() {
                Some((k, Json::String(a))) if k == "attr" => PathStep::Attr(a.clone()),
                Some((k, Json::String(key))) if k == "key" => PathStep::Key(key.clone()),
                Some((k, Json::Number(n))) if k == "index" => {
                    PathStep::Index(n.as_i64().ok_or_else(|| {
                        WireError::new(&here, format!("index {n} is not a whole number"))
                    })?)
                }
                _ => None.ok_or_else(|| {
                    WireError::new(
                        &here,
                        format!("expected {{\"attr\":NAME}}, {{\"key\":KEY}} or {{\"index\":N}}, found {s}"),
                    )
                })?,
            },
            _ => {
                return Err(WireError::new(
                    &here,
                    format!("expected {{\"attr\":NAME}}, {{\"key\":KEY}} or {{\"index\":N}}, found {s}"),
                ))
            }
        };
        out.push(step);
    }
    Ok(AttrPath(out))
}

pub fn encode_diagnostic(d: &Diagnostic) -> Json {
    let mut m = Map::new();
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    m.insert("severity".into(), Json::from(severity));
    m.insert("summary".into(), Json::from(d.summary.as_str()));
    m.insert("detail".into(), Json::from(d.detail.as_str()));
    m.insert(
        "attr_path".into(),
        d.attr_path.as_ref().map_or(Json::Null, encode_path),
    );
    Json::Object(m)
}

pub fn decode_diagnostic(j: &Json, at: &str) -> Result<Diagnostic, WireError> {
    let m = members(j, at)?;
    let severity = match m.opt_string("severity")?.as_deref() {
        Some("error") | None => Severity::Error,
        Some("warning") => Severity::Warning,
        Some(other) => {
            return Err(WireError::new(
                m.at("severity"),
                format!("expected \"error\" or \"warning\", found {other:?}"),
            ))
        }
    };
    let mut d = Diagnostic::error(m.string_or_empty("summary")?, m.string_or_empty("detail")?);
    d.severity = severity;
    if let Some(p) = m.get("attr_path") {
        d.attr_path = Some(decode_path(p, &m.at("attr_path"))?);
    }
    Ok(d)
}

fn diagnostics(ds: &[Diagnostic]) -> Json {
    Json::Array(ds.iter().map(encode_diagnostic).collect())
}

// ---------------------------------------------------------------------------
// Schemas.

pub fn encode_schema(s: &ProviderSchema) -> Json {
    let by_name = |m: &BTreeMap<String, Schema>| {
        Json::Object(
            m.iter()
                .map(|(k, s)| (k.clone(), encode_one_schema(s)))
                .collect(),
        )
    };
    json!({
        "provider": encode_one_schema(&s.provider),
        "resources": by_name(&s.resources),
        "data_sources": by_name(&s.data_sources),
    })
}

pub fn decode_schema(j: &Json, at: &str) -> Result<ProviderSchema, WireError> {
    let m = members(j, at)?;
    let provider = match m.get("provider") {
        Some(p) => decode_one_schema(p, &m.at("provider"))?,
        None => Schema::default(),
    };
    Ok(ProviderSchema {
        provider,
        resources: m.map("resources", decode_one_schema)?,
        data_sources: m.map("data_sources", decode_one_schema)?,
    })
}

fn encode_one_schema(s: &Schema) -> Json {
    json!({ "version": s.version, "block": encode_block(&s.block) })
}

fn decode_one_schema(j: &Json, at: &str) -> Result<Schema, WireError> {
    let m = members(j, at)?;
    let block = match m.get("block") {
        Some(b) => decode_block(b, &m.at("block"))?,
        None => Block::default(),
    };
    Ok(Schema {
        version: m.u64_or_zero("version")?,
        block,
    })
}

fn encode_block(b: &Block) -> Json {
    let attributes: Map<String, Json> = b
        .attributes
        .iter()
        .map(|(k, a)| (k.clone(), encode_attribute(a)))
        .collect();
    let blocks: Map<String, Json> = b
        .blocks
        .iter()
        .map(|(k, n)| {
            let nesting = n.nesting.as_str();
            (
                k.clone(),
                json!({
                    "nesting": nesting,
                    "block": encode_block(&n.block),
                    "min_items": n.min_items,
                    "max_items": n.max_items,
                }),
            )
        })
        .collect();
    json!({
        "attributes": attributes,
        "blocks": blocks,
        "description": b.description,
        "deprecated": b.deprecated,
    })
}

fn decode_block(j: &Json, at: &str) -> Result<Block, WireError> {
    let m = members(j, at)?;
    Ok(Block {
        attributes: m.map("attributes", decode_attribute)?,
        blocks: m.map("blocks", decode_nested)?,
        description: m.string_or_empty("description")?,
        deprecated: m.opt_string("deprecated")?,
    })
}

fn encode_attribute(a: &Attribute) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), type_to_json(&a.ty));
    for (name, on) in [
        ("required", a.required),
        ("optional", a.optional),
        ("computed", a.computed),
        ("force_new", a.force_new),
        ("sensitive", a.sensitive),
    ] {
        if on {
            m.insert(name.into(), Json::Bool(true));
        }
    }
    if !a.description.is_empty() {
        m.insert("description".into(), Json::from(a.description.as_str()));
    }
    if let Some(d) = &a.default {
        m.insert("default".into(), to_tagged_json(d));
    }
    if let Some(d) = &a.deprecated {
        m.insert("deprecated".into(), Json::from(d.as_str()));
    }
    Json::Object(m)
}

fn decode_attribute(j: &Json, at: &str) -> Result<Attribute, WireError> {
    let m = members(j, at)?;
    let ty = match m.get("type") {
        Some(t) => type_from_json(t).map_err(|e| WireError::new(m.at("type"), e.message))?,
        None => return Err(WireError::new(m.at("type"), "missing")),
    };
    let (required, optional, computed) = (
        m.bool("required")?,
        m.bool("optional")?,
        m.bool("computed")?,
    );
    if !(required || optional || computed) || (required && (optional || computed)) {
        return Err(WireError::new(
            at,
            "an attribute is exactly one of: required; optional; computed; optional and computed",
        ));
    }
    let mut a = if required {
        Attribute::required(ty)
    } else if optional && computed {
        Attribute::optional_computed(ty)
    } else if optional {
        Attribute::optional(ty)
    } else {
        Attribute::computed(ty)
    };
    a.force_new = m.bool("force_new")?;
    a.sensitive = m.bool("sensitive")?;
    a.description = m.string_or_empty("description")?;
    a.deprecated = m.opt_string("deprecated")?;
    if m.get("default").is_some() {
        a = a.with_default(m.value("default")?);
    }
    Ok(a)
}

fn decode_nested(j: &Json, at: &str) -> Result<NestedBlock, WireError> {
    let m = members(j, at)?;
    let nesting = m.string("nesting")?;
    let Some(nesting) = Nesting::parse(&nesting) else {
        return Err(WireError::new(
            m.at("nesting"),
            format!("expected single, list, set or map, found {nesting:?}"),
        ));
    };
    let block = match m.get("block") {
        Some(b) => decode_block(b, &m.at("block"))?,
        None => Block::default(),
    };
    Ok(NestedBlock {
        nesting,
        block,
        min_items: m.u64_or_zero("min_items")?,
        max_items: m.u64_or_zero("max_items")?,
    })
}

// ---------------------------------------------------------------------------
// The handshake.

/// What gitform sends first.
#[derive(Clone, Debug, PartialEq)]
pub struct HandshakeRequest {
    pub protocol_version: u64,
    pub gitform_version: String,
}

/// What the plugin answers.
#[derive(Clone, Debug, PartialEq)]
pub struct HandshakeResponse {
    pub protocol_version: u64,
    pub name: String,
    pub version: String,
    pub schema: ProviderSchema,
    pub max_concurrency: Option<usize>,
}

impl Wire for HandshakeRequest {
    fn to_wire(&self) -> Json {
        json!({ "protocol_version": self.protocol_version, "gitform_version": self.gitform_version })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(HandshakeRequest {
            protocol_version: m.u64_or_zero("protocol_version")?,
            gitform_version: m.string_or_empty("gitform_version")?,
        })
    }
}

impl Wire for HandshakeResponse {
    fn to_wire(&self) -> Json {
        json!({
            "protocol_version": self.protocol_version,
            "name": self.name,
            "version": self.version,
            "schema": encode_schema(&self.schema),
            "max_concurrency": self.max_concurrency,
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        // The version first: a plugin of another protocol version may
        // answer in a shape this version cannot read, and the version
        // mismatch is the error to report then.
        let protocol_version = m
            .opt_u64("protocol_version")?
            .ok_or_else(|| WireError::new(m.at("protocol_version"), "missing"))?;
        if protocol_version != PROTOCOL_VERSION {
            return Ok(HandshakeResponse {
                protocol_version,
                name: m.string_or_empty("name").unwrap_or_default(),
                version: m.string_or_empty("version").unwrap_or_default(),
                schema: ProviderSchema::default(),
                max_concurrency: None,
            });
        }
        let schema = match m.get("schema") {
            Some(s) => decode_schema(s, &m.at("schema"))?,
            None => return Err(WireError::new(m.at("schema"), "missing")),
        };
        Ok(HandshakeResponse {
            protocol_version,
            name: m.string_or_empty("name")?,
            version: m.string_or_empty("version")?,
            schema,
            max_concurrency: max_concurrency(&m)?,
        })
    }
}

fn max_concurrency(m: &Members<'_>) -> Result<Option<usize>, WireError> {
    Ok(m.opt_u64("max_concurrency")?
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
        .filter(|n| *n > 0))
}

// ---------------------------------------------------------------------------
// The Provider methods.

/// `schema` has no params; its result.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaResponse {
    pub schema: ProviderSchema,
}

impl Wire for SchemaResponse {
    fn to_wire(&self) -> Json {
        json!({ "schema": encode_schema(&self.schema) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        match m.get("schema") {
            Some(s) => Ok(SchemaResponse {
                schema: decode_schema(s, &m.at("schema"))?,
            }),
            None => Err(WireError::new(m.at("schema"), "missing")),
        }
    }
}

/// The params of `stop` and `shutdown`, and their results: `{}`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Empty;

impl Wire for Empty {
    fn to_wire(&self) -> Json {
        Json::Object(Map::new())
    }
    fn from_wire(_j: &Json, _at: &str) -> Result<Self, WireError> {
        Ok(Empty)
    }
}

impl Wire for ValidateConfigRequest {
    fn to_wire(&self) -> Json {
        let kind = match self.kind {
            ConfigKind::Resource => "resource",
            ConfigKind::DataSource => "data_source",
        };
        json!({ "kind": kind, "type_name": self.type_name, "config": to_tagged_json(&self.config) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        let kind = match m.string("kind")?.as_str() {
            "resource" => ConfigKind::Resource,
            "data_source" => ConfigKind::DataSource,
            other => {
                return Err(WireError::new(
                    m.at("kind"),
                    format!("expected \"resource\" or \"data_source\", found {other:?}"),
                ))
            }
        };
        Ok(ValidateConfigRequest {
            kind,
            type_name: m.string("type_name")?,
            config: m.value("config")?,
        })
    }
}

impl Wire for ValidateConfigResponse {
    fn to_wire(&self) -> Json {
        json!({ "diagnostics": diagnostics(&self.diagnostics) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        Ok(ValidateConfigResponse {
            diagnostics: members(j, at)?.diagnostics()?,
        })
    }
}

impl Wire for ConfigureRequest {
    fn to_wire(&self) -> Json {
        json!({ "config": to_tagged_json(&self.config) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        Ok(ConfigureRequest {
            config: members(j, at)?.value("config")?,
        })
    }
}

/// The result of `configure`: diagnostics and an optional concurrency limit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigureResult {
    pub response: ConfigureResponse,
    pub max_concurrency: Option<usize>,
}

impl Wire for ConfigureResult {
    fn to_wire(&self) -> Json {
        json!({
            "diagnostics": diagnostics(&self.response.diagnostics),
            "max_concurrency": self.max_concurrency,
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ConfigureResult {
            response: ConfigureResponse {
                diagnostics: m.diagnostics()?,
            },
            max_concurrency: max_concurrency(&m)?,
        })
    }
}

impl Wire for PlanChangeRequest {
    fn to_wire(&self) -> Json {
        json!({
            "type_name": self.type_name,
            "prior_state": opt_value(&self.prior_state),
            "proposed_new_state": opt_value(&self.proposed_new_state),
            "config": to_tagged_json(&self.config),
            "prior_private": private(&self.prior_private),
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(PlanChangeRequest {
            type_name: m.string("type_name")?,
            prior_state: m.opt_value("prior_state")?,
            proposed_new_state: m.opt_value("proposed_new_state")?,
            config: m.value("config")?,
            prior_private: m.private("prior_private")?,
        })
    }
}

impl Wire for PlanChangeResponse {
    fn to_wire(&self) -> Json {
        json!({
            "planned_state": opt_value(&self.planned_state),
            "requires_replace": Json::Array(self.requires_replace.iter().map(encode_path).collect()),
            "planned_private": private(&self.planned_private),
            "diagnostics": diagnostics(&self.diagnostics),
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(PlanChangeResponse {
            planned_state: m.opt_value("planned_state")?,
            requires_replace: m.list("requires_replace", decode_path)?,
            planned_private: m.private("planned_private")?,
            diagnostics: m.diagnostics()?,
        })
    }
}

impl Wire for ApplyChangeRequest {
    fn to_wire(&self) -> Json {
        json!({
            "type_name": self.type_name,
            "prior_state": opt_value(&self.prior_state),
            "planned_state": opt_value(&self.planned_state),
            "config": to_tagged_json(&self.config),
            "planned_private": private(&self.planned_private),
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ApplyChangeRequest {
            type_name: m.string("type_name")?,
            prior_state: m.opt_value("prior_state")?,
            planned_state: m.opt_value("planned_state")?,
            config: m.value("config")?,
            planned_private: m.private("planned_private")?,
        })
    }
}

impl Wire for ApplyChangeResponse {
    fn to_wire(&self) -> Json {
        json!({
            "new_state": opt_value(&self.new_state),
            "private": private(&self.private),
            "diagnostics": diagnostics(&self.diagnostics),
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ApplyChangeResponse {
            new_state: m.opt_value("new_state")?,
            private: m.private("private")?,
            diagnostics: m.diagnostics()?,
        })
    }
}

impl Wire for ReadRequest {
    fn to_wire(&self) -> Json {
        json!({
            "type_name": self.type_name,
            "current_state": to_tagged_json(&self.current_state),
            "private": private(&self.private),
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ReadRequest {
            type_name: m.string("type_name")?,
            current_state: m.value("current_state")?,
            private: m.private("private")?,
        })
    }
}

impl Wire for ReadResponse {
    fn to_wire(&self) -> Json {
        json!({
            "new_state": opt_value(&self.new_state),
            "private": private(&self.private),
            "diagnostics": diagnostics(&self.diagnostics),
        })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ReadResponse {
            new_state: m.opt_value("new_state")?,
            private: m.private("private")?,
            diagnostics: m.diagnostics()?,
        })
    }
}

impl Wire for ReadBatchRequest {
    fn to_wire(&self) -> Json {
        let items: Vec<Json> = self
            .items
            .iter()
            .map(|i| {
                json!({
                    "current_state": to_tagged_json(&i.current_state),
                    "private": private(&i.private),
                })
            })
            .collect();
        json!({ "type_name": self.type_name, "items": items })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ReadBatchRequest {
            type_name: m.string("type_name")?,
            items: m.list("items", |j, at| {
                let m = members(j, at)?;
                Ok(ReadRequestItem {
                    current_state: m.value("current_state")?,
                    private: m.private("private")?,
                })
            })?,
        })
    }
}

impl Wire for ReadBatchResponse {
    fn to_wire(&self) -> Json {
        json!({ "items": Json::Array(self.items.iter().map(Wire::to_wire).collect()) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        Ok(ReadBatchResponse {
            items: members(j, at)?.list("items", ReadResponse::from_wire)?,
        })
    }
}

impl Wire for ReadDataRequest {
    fn to_wire(&self) -> Json {
        json!({ "type_name": self.type_name, "config": to_tagged_json(&self.config) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ReadDataRequest {
            type_name: m.string("type_name")?,
            config: m.value("config")?,
        })
    }
}

impl Wire for ReadDataResponse {
    fn to_wire(&self) -> Json {
        json!({ "state": to_tagged_json(&self.state), "diagnostics": diagnostics(&self.diagnostics) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ReadDataResponse {
            state: m.value("state")?,
            diagnostics: m.diagnostics()?,
        })
    }
}

impl Wire for ImportRequest {
    fn to_wire(&self) -> Json {
        json!({ "type_name": self.type_name, "id": self.id })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ImportRequest {
            type_name: m.string("type_name")?,
            id: m.string("id")?,
        })
    }
}

impl Wire for ImportResponse {
    fn to_wire(&self) -> Json {
        let imported: Vec<Json> = self
            .imported
            .iter()
            .map(|o| {
                json!({
                    "type_name": o.type_name,
                    "state": to_tagged_json(&o.state),
                    "private": private(&o.private),
                })
            })
            .collect();
        json!({ "imported": imported, "diagnostics": diagnostics(&self.diagnostics) })
    }
    fn from_wire(j: &Json, at: &str) -> Result<Self, WireError> {
        let m = members(j, at)?;
        Ok(ImportResponse {
            imported: m.list("imported", |j, at| {
                let m = members(j, at)?;
                Ok(ImportedObject {
                    type_name: m.string("type_name")?,
                    state: m.value("state")?,
                    private: m.private("private")?,
                })
            })?,
            diagnostics: m.diagnostics()?,
        })
    }
}

/// The optional `throttle_events` counter any result may carry.
pub fn throttle_events(result: &Json) -> Option<u64> {
    result.get("throttle_events").and_then(Json::as_u64)
}

// ---------------------------------------------------------------------------
// Envelopes.

/// One request line (without the newline).
pub fn request_line(id: u64, method: Method, params: Json) -> String {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), Json::from("2.0"));
    m.insert("id".into(), Json::from(id));
    m.insert("method".into(), Json::from(method.as_str()));
    m.insert("params".into(), params);
    Json::Object(m).to_string()
}

/// One success response line (without the newline).
pub fn result_line(id: &Json, result: Json) -> String {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), Json::from("2.0"));
    m.insert("id".into(), id.clone());
    m.insert("result".into(), result);
    Json::Object(m).to_string()
}

/// One error response line (without the newline).
pub fn error_line(id: &Json, code: i64, message: &str) -> String {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), Json::from("2.0"));
    m.insert("id".into(), id.clone());
    m.insert("error".into(), json!({ "code": code, "message": message }));
    Json::Object(m).to_string()
}

/// JSON-RPC's standard error codes.
pub mod codes {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
}

/// A response as the host reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub id: u64,
    pub outcome: Result<Json, RpcError>,
}

/// A JSON-RPC `error` member.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

/// Reads one line from a plugin's stdout as a response. `Err` says why the
/// line is not a response (a protocol violation).
pub fn parse_response(line: &str) -> Result<Response, String> {
    let j: Json = serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let Json::Object(m) = &j else {
        return Err(format!("not a JSON object but {}", kind(&j)));
    };
    let id = match m.get("id") {
        Some(Json::Number(n)) => n
            .as_u64()
            .ok_or_else(|| format!("the id {n} is not one gitform sent"))?,
        Some(other) => return Err(format!("the id is {}, not a number", kind(other))),
        None if m.contains_key("method") => {
            return Err("a request or notification; plugins only answer".to_string())
        }
        None => return Err("no id".to_string()),
    };
    let outcome = match (m.get("result"), m.get("error")) {
        (Some(r), None) => Ok(r.clone()),
        (None, Some(e)) => {
            let code = e.get("code").and_then(Json::as_i64).unwrap_or(0);
            let message = e
                .get("message")
                .and_then(Json::as_str)
                .unwrap_or("(no message)")
                .to_string();
            Err(RpcError { code, message })
        }
        (Some(_), Some(_)) => return Err("both a result and an error".to_string()),
        (None, None) => return Err("neither a result nor an error".to_string()),
    };
    Ok(Response { id, outcome })
}

/// A request as the SDK reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The id to answer with (echoed unchanged).
    pub id: Json,
    pub method: String,
    pub params: Json,
}

/// Reads one line from stdin as a request; `Err` is the error response to
/// send (id null when unknown).
pub fn parse_request(line: &str) -> Result<Request, (Json, i64, String)> {
    let j: Json = serde_json::from_str(line)
        .map_err(|e| (Json::Null, codes::PARSE_ERROR, format!("not JSON: {e}")))?;
    let Json::Object(mut m) = j else {
        return Err((
            Json::Null,
            codes::INVALID_REQUEST,
            "a request is a JSON object".to_string(),
        ));
    };
    let id = m.remove("id").unwrap_or(Json::Null);
    let method = match m.remove("method") {
        Some(Json::String(s)) => s,
        _ => {
            return Err((
                id,
                codes::INVALID_REQUEST,
                "the request has no method".to_string(),
            ))
        }
    };
    let params = m
        .remove("params")
        .unwrap_or_else(|| Json::Object(Map::new()));
    Ok(Request { id, method, params })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitform_value::Type;

    fn round_trip<T: Wire + PartialEq + std::fmt::Debug>(v: T) {
        let text = v.to_wire().to_string();
        let back = T::from_wire(&serde_json::from_str(&text).unwrap(), "params").unwrap();
        assert_eq!(back, v, "{text}");
    }

    fn state() -> Value {
        Value::object([
            ("id", Value::from("a")),
            (
                "big",
                Value::Number(
                    gitform_value::Number::parse(
                        "340282366920938463463374607431768211456.000000000000000000001",
                    )
                    .unwrap(),
                ),
            ),
            ("secret", Value::from("hunter2").sensitive()),
            (
                "tags",
                Value::Map([("k".to_string(), Value::from("v"))].into()),
            ),
            ("ports", Value::set(vec![Value::int(80), Value::int(443)])),
            ("list", Value::List(vec![Value::Null])),
            ("later", Value::Unknown(Type::list(Type::String))),
            ("$t", Value::from("tag-named attribute")),
        ])
    }

    #[test]
    fn requests_and_responses_round_trip() {
        let priv_bytes = Some(vec![0u8, 1, 2, 255]);
        round_trip(ValidateConfigRequest {
            kind: ConfigKind::DataSource,
            type_name: "x_y".into(),
            config: state(),
        });
        round_trip(ConfigureRequest { config: state() });
        round_trip(ConfigureResult {
            response: ConfigureResponse {
                diagnostics: vec![Diagnostic::warning("w", "d")],
            },
            max_concurrency: Some(4),
        });
        round_trip(PlanChangeRequest {
            type_name: "x_y".into(),
            prior_state: None,
            proposed_new_state: Some(state()),
            config: state(),
            prior_private: priv_bytes.clone(),
        });
        round_trip(PlanChangeResponse {
            planned_state: Some(state()),
            requires_replace: vec![AttrPath(vec![
                PathStep::Attr("tags".into()),
                PathStep::Key("k".into()),
                PathStep::Index(3),
            ])],
            planned_private: None,
            diagnostics: vec![Diagnostic::error("e", "d").with_attr_path(AttrPath::attr("id"))],
        });
        round_trip(ApplyChangeRequest {
            type_name: "x_y".into(),
            prior_state: Some(state()),
            planned_state: None,
            config: Value::Null,
            planned_private: priv_bytes.clone(),
        });
        round_trip(ApplyChangeResponse {
            new_state: Some(state()),
            private: priv_bytes.clone(),
            diagnostics: vec![],
        });
        round_trip(ReadBatchRequest {
            type_name: "x_y".into(),
            items: vec![
                ReadRequestItem {
                    current_state: state(),
                    private: None,
                },
                ReadRequestItem {
                    current_state: Value::Null,
                    private: priv_bytes.clone(),
                },
            ],
        });
        round_trip(ReadBatchResponse {
            items: vec![
                ReadResponse {
                    new_state: None,
                    private: None,
                    diagnostics: vec![],
                },
                ReadResponse {
                    new_state: Some(state()),
                    private: priv_bytes,
                    diagnostics: vec![Diagnostic::error("gone", "")],
                },
            ],
        });
        round_trip(ReadDataRequest {
            type_name: "x_y".into(),
            config: state(),
        });
        round_trip(ReadDataResponse {
            state: state(),
            diagnostics: vec![],
        });
        round_trip(ImportRequest {
            type_name: "x_y".into(),
            id: "a,b".into(),
        });
        round_trip(ImportResponse {
            imported: vec![ImportedObject {
                type_name: "x_y".into(),
                state: state(),
                private: None,
            }],
            diagnostics: vec![],
        });
    }

    #[test]
    fn schemas_round_trip() {
        let block = Block::new()
            .attr("name", Attribute::required(Type::String).force_new())
            .attr(
                "mode",
                Attribute::optional(Type::String).with_default(Value::from("0644")),
            )
            .attr("secret", Attribute::optional(Type::String).sensitive())
            .attr("id", Attribute::computed(Type::String).describe("The id."))
            .attr(
                "old",
                Attribute::optional_computed(Type::map(Type::Number)).deprecate("use new"),
            )
            .block(
                "rule",
                NestedBlock::set(Block::new().attr("port", Attribute::required(Type::Number)))
                    .min_items(1)
                    .max_items(3),
            )
            .describe("A thing.");
        let schema = ProviderSchema {
            provider: Schema::new(Block::new().attr("region", Attribute::optional(Type::String))),
            resources: [(
                "x_thing".to_string(),
                Schema::new(block.clone()).with_version(2),
            )]
            .into(),
            data_sources: [("x_thing".to_string(), Schema::new(block))].into(),
        };
        round_trip(HandshakeResponse {
            protocol_version: PROTOCOL_VERSION,
            name: "x".into(),
            version: "1.2.3".into(),
            schema,
            max_concurrency: None,
        });
    }

    /// What a plugin author writes by hand: members left out take their
    /// defaults.
    #[test]
    fn minimal_messages_decode() {
        let j: Json = serde_json::from_str(
            r#"{"protocol_version":1,"name":"x","version":"0.1.0","schema":{"resources":{"x_a":{"block":{"attributes":{"id":{"type":"string","computed":true}}}}}}}"#,
        )
        .unwrap();
        let h = HandshakeResponse::from_wire(&j, "result").unwrap();
        assert!(h.schema.resources["x_a"].block.attributes["id"].computed);
        let r = PlanChangeResponse::from_wire(&json!({"planned_state": null}), "result").unwrap();
        assert_eq!(r, PlanChangeResponse::default());
    }

    /// Bad results name where they are bad.
    #[test]
    fn decode_errors_say_where() {
        for (text, want) in [
            (
                r#"{"new_state":{"$t":"bogus"}}"#,
                "result.new_state: unknown tag \"bogus\"",
            ),
            (
                r#"{"new_state":{"a":{"$t":"list","v":3}}}"#,
                "result.new_state.a: list needs an array",
            ),
            (
                r#"{"diagnostics":[{"severity":"fatal"}]}"#,
                "result.diagnostics[0].severity: expected \"error\" or \"warning\", found \"fatal\"",
            ),
            (
                r#"{"private":"***"}"#,
                "result.private: invalid base64: Invalid symbol 42, offset 0.",
            ),
            ("[1]", "result: expected an object, found an array"),
        ] {
            let err = ApplyChangeResponse::from_wire(&serde_json::from_str(text).unwrap(), "result")
                .unwrap_err();
            assert_eq!(err.to_string(), want, "{text}");
        }
    }

    #[test]
    fn response_lines() {
        for (line, want) in [
            (r#"{"jsonrpc":"2.0","id":3,"result":{}}"#, Ok(3)),
            (r#"{"id":4,"error":{"code":-32601,"message":"no"}}"#, Ok(4)),
            ("hello", Err("not JSON")),
            ("[]", Err("not a JSON object")),
            (r#"{"id":"x","result":{}}"#, Err("the id is a string")),
            (r#"{"method":"log"}"#, Err("a request or notification")),
            (r#"{"id":1}"#, Err("neither a result nor an error")),
        ] {
            match (parse_response(line), want) {
                (Ok(r), Ok(id)) => assert_eq!(r.id, id, "{line}"),
                (Err(e), Err(prefix)) => assert!(e.starts_with(prefix), "{line}: {e}"),
                (got, want) => panic!("{line}: got {got:?}, want {want:?}"),
            }
        }
    }
}
