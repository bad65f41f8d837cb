//! Saved plans (`plan -out FILE`, `apply FILE`) and the machine-readable
//! plan (`plan -json`, `show -json FILE`).
//!
//! The saved format is gitform's own JSON. Values use the lossless tagged
//! encoding of `gitform_value::json`, so unknowns, sensitive marks, sets
//! and big numbers survive the round trip.

use crate::address::parse_instance;
use crate::changes::{
    Action, ActionReason, BlockShape, Drift, OutputChange, Plan, PlanMode, ResourceChange,
};
use gitform_provider::Nesting;
use gitform_value::json::{from_tagged_json, to_json, to_tagged_json};
use gitform_value::{AttrPath, Value};
use serde_json::{json, Map, Value as Json};

pub const FORMAT: &str = "gitform-plan";
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("the file is not a gitform plan")]
    NotAPlan,
    #[error("the plan was made by a different version of gitform (format {0}, expected {FORMAT_VERSION})")]
    Version(u64),
    #[error("the plan file is damaged: {0}")]
    Invalid(String),
}

fn mode_str(m: PlanMode) -> &'static str {
    match m {
        PlanMode::Normal => "normal",
        PlanMode::Destroy => "destroy",
        PlanMode::RefreshOnly => "refresh-only",
    }
}

fn parse_action(s: &str) -> Option<Action> {
    Some(match s {
        "no-op" => Action::NoOp,
        "create" => Action::Create,
        "read" => Action::Read,
        "update" => Action::Update,
        "delete-then-create" => Action::DeleteThenCreate,
        "create-then-delete" => Action::CreateThenDelete,
        "delete" => Action::Delete,
        _ => return None,
    })
}

fn reason_str(r: &ActionReason) -> String {
    match r {
        ActionReason::Tainted => "tainted".into(),
        ActionReason::ReplaceRequested => "replace_requested".into(),
        ActionReason::ReplaceTriggeredBy(by) => format!("replace_triggered_by:{by}"),
        ActionReason::NoResourceConfig => "no_resource_config".into(),
        ActionReason::NoInstanceKey => "no_instance_key".into(),
        ActionReason::NoModule => "no_module".into(),
        ActionReason::ReadDependencyPending => "read_dependency_pending".into(),
    }
}

fn parse_reason(s: &str) -> Option<ActionReason> {
    Some(match s {
        "tainted" => ActionReason::Tainted,
        "replace_requested" => ActionReason::ReplaceRequested,
        "no_resource_config" => ActionReason::NoResourceConfig,
        "no_instance_key" => ActionReason::NoInstanceKey,
        "no_module" => ActionReason::NoModule,
        "read_dependency_pending" => ActionReason::ReadDependencyPending,
        s => ActionReason::ReplaceTriggeredBy(s.strip_prefix("replace_triggered_by:")?.to_string()),
    })
}

fn opt(v: &Option<Value>) -> Json {
    v.as_ref().map(to_tagged_json).unwrap_or(Json::Null)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Encodes a plan for `plan -out`.
pub fn encode(plan: &Plan) -> String {
    encode_changes(plan, |_| true)
}

/// [`encode`] without the no-op entries: what a run journal keeps to print
/// the plan later (`gitform history show`), at a fraction of the cost for
/// a large configuration with few changes. Not for applying.
pub fn encode_for_history(plan: &Plan) -> String {
    encode_changes(plan, |c| c.action != Action::NoOp)
}

/// One change of a saved plan. Serialized straight to text (no JSON tree
/// built and dropped per change); the fields are in alphabetical order, the
/// order a `serde_json` map would give them, so the text is the same.
#[derive(serde::Serialize)]
struct ChangeDoc<'a> {
    action: &'static str,
    address: String,
    after: Json,
    before: Json,
    create_before_destroy: bool,
    dependencies: &'a [String],
    deposed: &'a Option<String>,
    private: Option<String>,
    provider: &'a str,
    reason: Option<String>,
    requires_replace: &'a [AttrPath],
    schema_version: u64,
}

/// A saved plan; fields in alphabetical order, as [`ChangeDoc`].
#[derive(serde::Serialize)]
struct PlanDoc<'a> {
    block_shapes: Map<String, Json>,
    changes: Vec<ChangeDoc<'a>>,
    config_digest: &'a str,
    drift: Vec<Json>,
    format: &'static str,
    format_version: u64,
    lineage: &'a str,
    mode: &'static str,
    outputs: Vec<Json>,
    prior_serial: u64,
    refreshed: bool,
    targets: &'a [String],
    variables: Map<String, Json>,
}

fn encode_changes(plan: &Plan, keep: impl Fn(&ResourceChange) -> bool) -> String {
    let changes: Vec<ChangeDoc<'_>> = plan
        .changes
        .iter()
        .filter(|c| keep(c))
        .map(|c| ChangeDoc {
            action: c.action.as_str(),
            address: c.addr.to_string(),
            after: opt(&c.after),
            before: opt(&c.before),
            create_before_destroy: c.create_before_destroy,
            dependencies: &c.dependencies,
            deposed: &c.deposed,
            private: c.private.as_deref().map(hex),
            provider: &c.provider,
            reason: c.reason.as_ref().map(reason_str),
            requires_replace: &c.requires_replace,
            schema_version: c.schema_version,
        })
        .collect();
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|d| json!({"address": d.addr.to_string(), "before": to_tagged_json(&d.before), "after": opt(&d.after)}))
        .collect();
    let outputs: Vec<Json> = plan
        .outputs
        .iter()
        .map(|o| json!({"name": o.name, "action": o.action.as_str(), "before": opt(&o.before), "after": opt(&o.after), "sensitive": o.sensitive}))
        .collect();
    let variables: Map<String, Json> = plan
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), to_tagged_json(v)))
        .collect();
    let block_shapes = plan
        .block_shapes
        .iter()
        .map(|(k, shape)| (k.clone(), shape_json(shape)))
        .collect();
    let doc = PlanDoc {
        block_shapes,
        changes,
        config_digest: &plan.config_digest,
        drift,
        format: FORMAT,
        format_version: FORMAT_VERSION,
        lineage: &plan.lineage,
        mode: mode_str(plan.mode),
        outputs,
        prior_serial: plan.prior_serial,
        refreshed: plan.refreshed,
        targets: &plan.targets,
        variables,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// `{"name": {"nesting": "list", "blocks": {...}}, ...}`.
fn shape_json(shape: &BlockShape) -> Json {
    Json::Object(
        shape
            .0
            .iter()
            .map(|(name, (nesting, inner))| {
                let doc = json!({"nesting": nesting.as_str(), "blocks": shape_json(inner)});
                (name.clone(), doc)
            })
            .collect(),
    )
}

fn shape_from_json(j: &Json) -> Option<BlockShape> {
    let mut shape = BlockShape::default();
    for (name, doc) in j.as_object()? {
        let nesting = Nesting::parse(doc.get("nesting")?.as_str()?)?;
        let inner = shape_from_json(doc.get("blocks")?)?;
        shape.0.insert(name.clone(), (nesting, inner));
    }
    Some(shape)
}

/// Decodes a saved plan.
pub fn decode(text: &str) -> Result<Plan, PlanFileError> {
    let bad = |m: &str| PlanFileError::Invalid(m.to_string());
    let doc: Json = serde_json::from_str(text).map_err(|_| PlanFileError::NotAPlan)?;
    if doc.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(PlanFileError::NotAPlan);
    }
    let version = doc
        .get("format_version")
        .and_then(Json::as_u64)
        .unwrap_or(0);
    if version != FORMAT_VERSION {
        return Err(PlanFileError::Version(version));
    }
    let val = |j: Option<&Json>| -> Result<Option<Value>, PlanFileError> {
        match j {
            None | Some(Json::Null) => Ok(None),
            Some(j) => from_tagged_json(j)
                .map(Some)
                .map_err(|e| PlanFileError::Invalid(format!("{e:?}"))),
        }
    };
    let s = |j: &Json, k: &str| j.get(k).and_then(Json::as_str).map(str::to_string);
    let mut plan = Plan {
        mode: match doc.get("mode").and_then(Json::as_str) {
            Some("destroy") => PlanMode::Destroy,
            Some("refresh-only") => PlanMode::RefreshOnly,
            _ => PlanMode::Normal,
        },
        prior_serial: doc.get("prior_serial").and_then(Json::as_u64).unwrap_or(0),
        lineage: s(&doc, "lineage").unwrap_or_default(),
        config_digest: s(&doc, "config_digest").unwrap_or_default(),
        refreshed: doc.get("refreshed").and_then(Json::as_bool).unwrap_or(true),
        targets: serde_json::from_value(doc.get("targets").cloned().unwrap_or(Json::Null))
            .unwrap_or_default(),
        ..Default::default()
    };
    // Plans saved before block shapes were recorded have none: their
    // nested blocks render as attributes.
    if let Some(Json::Object(shapes)) = doc.get("block_shapes") {
        for (k, v) in shapes {
            let shape = shape_from_json(v).ok_or_else(|| bad("block_shapes"))?;
            plan.block_shapes.insert(k.clone(), shape);
        }
    }
    if let Some(Json::Object(vars)) = doc.get("variables") {
        for (k, v) in vars {
            plan.variables
                .insert(k.clone(), val(Some(v))?.unwrap_or(Value::Null));
        }
    }
    for c in doc
        .get("changes")
        .and_then(Json::as_array)
        .ok_or_else(|| bad("changes"))?
    {
        let addr = parse_instance(&s(c, "address").ok_or_else(|| bad("address"))?)
            .map_err(|e| bad(&e.to_string()))?;
        plan.changes.push(ResourceChange {
            addr,
            provider: s(c, "provider").unwrap_or_default(),
            action: s(c, "action")
                .and_then(|a| parse_action(&a))
                .ok_or_else(|| bad("action"))?,
            reason: s(c, "reason").and_then(|r| parse_reason(&r)),
            before: val(c.get("before"))?,
            after: val(c.get("after"))?,
            requires_replace: serde_json::from_value::<Vec<AttrPath>>(
                c.get("requires_replace").cloned().unwrap_or(Json::Null),
            )
            .unwrap_or_default(),
            private: s(c, "private").and_then(|h| unhex(&h)),
            dependencies: serde_json::from_value(
                c.get("dependencies").cloned().unwrap_or(Json::Null),
            )
            .unwrap_or_default(),
            schema_version: c.get("schema_version").and_then(Json::as_u64).unwrap_or(0),
            create_before_destroy: c
                .get("create_before_destroy")
                .and_then(Json::as_bool)
                .unwrap_or(false),
            deposed: s(c, "deposed"),
        });
    }
    for d in doc
        .get("drift")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let addr = parse_instance(&s(d, "address").ok_or_else(|| bad("address"))?)
            .map_err(|e| bad(&e.to_string()))?;
        plan.drift.push(Drift {
            addr,
            before: val(d.get("before"))?.unwrap_or(Value::Null),
            after: val(d.get("after"))?,
        });
    }
    for o in doc
        .get("outputs")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        plan.outputs.push(OutputChange {
            name: s(o, "name").unwrap_or_default(),
            action: s(o, "action")
                .and_then(|a| parse_action(&a))
                .unwrap_or(Action::NoOp),
            before: val(o.get("before"))?,
            after: val(o.get("after"))?,
            sensitive: o.get("sensitive").and_then(Json::as_bool).unwrap_or(false),
        });
    }
    Ok(plan)
}

/// Terraform's action list for a change (`["delete","create"]` for a replace).
fn actions_json(a: Action) -> Json {
    match a {
        Action::NoOp => json!(["no-op"]),
        Action::Create => json!(["create"]),
        Action::Read => json!(["read"]),
        Action::Update => json!(["update"]),
        Action::DeleteThenCreate => json!(["delete", "create"]),
        Action::CreateThenDelete => json!(["create", "delete"]),
        Action::Delete => json!(["delete"]),
    }
}

/// A value as plain JSON plus the `after_unknown`-style and
/// `after_sensitive`-style shadow documents Terraform's JSON plan uses.
fn split(v: &Option<Value>) -> (Json, Json, Json) {
    match v {
        None => (Json::Null, json!(false), json!(false)),
        Some(v) => (plain(v), unknown_shadow(v), sensitive_shadow(v)),
    }
}

fn plain(v: &Value) -> Json {
    match v.unmarked() {
        Value::Unknown(_) => Json::Null,
        Value::List(l) | Value::Set(l) | Value::Tuple(l) => {
            Json::Array(l.iter().map(plain).collect())
        }
        Value::Map(m) | Value::Object(m) => {
            Json::Object(m.iter().map(|(k, v)| (k.clone(), plain(v))).collect())
        }
        other => to_json(other).unwrap_or(Json::Null),
    }
}

fn unknown_shadow(v: &Value) -> Json {
    match v.unmarked() {
        Value::Unknown(_) => json!(true),
        Value::List(l) | Value::Set(l) | Value::Tuple(l) => {
            Json::Array(l.iter().map(unknown_shadow).collect())
        }
        Value::Map(m) | Value::Object(m) => Json::Object(
            m.iter()
                .filter(|(_, v)| !v.is_wholly_known())
                .map(|(k, v)| (k.clone(), unknown_shadow(v)))
                .collect(),
        ),
        _ => json!(false),
    }
}

fn sensitive_shadow(v: &Value) -> Json {
    if v.is_sensitive() {
        return json!(true);
    }
    match v {
        Value::List(l) | Value::Set(l) | Value::Tuple(l) => {
            Json::Array(l.iter().map(sensitive_shadow).collect())
        }
        Value::Map(m) | Value::Object(m) => Json::Object(
            m.iter()
                .filter(|(_, v)| v.contains_sensitive())
                .map(|(k, v)| (k.clone(), sensitive_shadow(v)))
                .collect(),
        ),
        _ => json!(false),
    }
}

fn redact(v: &Value) -> Json {
    if v.is_sensitive() {
        return Json::Null;
    }
    match v {
        Value::List(l) | Value::Set(l) | Value::Tuple(l) => {
            Json::Array(l.iter().map(redact).collect())
        }
        Value::Map(m) | Value::Object(m) => {
            Json::Object(m.iter().map(|(k, v)| (k.clone(), redact(v))).collect())
        }
        other => plain(other),
    }
}

fn change_json(
    addr: &crate::address::InstanceAddr,
    action: Action,
    before: &Option<Value>,
    after: &Option<Value>,
) -> Map<String, Json> {
    let (_, _, before_sensitive) = split(before);
    let (_, after_unknown, after_sensitive) = split(after);
    let r = &addr.resource;
    let mut m = Map::new();
    m.insert("address".into(), json!(addr.to_string()));
    if !r.module.is_root() {
        m.insert("module_address".into(), json!(r.module.to_string()));
    }
    m.insert(
        "mode".into(),
        json!(if r.mode == crate::address::Mode::Data {
            "data"
        } else {
            "managed"
        }),
    );
    m.insert("type".into(), json!(r.type_name));
    m.insert("name".into(), json!(r.name));
    if let Some(k) = &addr.key {
        m.insert(
            "index".into(),
            match k {
                crate::address::InstanceKey::Int(i) => json!(i),
                crate::address::InstanceKey::Str(s) => json!(s),
            },
        );
    }
    m.insert(
        "change".into(),
        json!({
            "actions": actions_json(action),
            "before": before.as_ref().map(redact).unwrap_or(Json::Null),
            "after": after.as_ref().map(redact).unwrap_or(Json::Null),
            "after_unknown": after_unknown,
            "before_sensitive": before_sensitive,
            "after_sensitive": after_sensitive,
        }),
    );
    m
}

/// The machine-readable plan: Terraform's JSON plan representation
/// (`format_version` 1.2), with sensitive values redacted.
pub fn to_plan_json(plan: &Plan) -> Json {
    let resource_changes: Vec<Json> = plan
        .changes
        .iter()
        .map(|c| {
            let mut m = change_json(&c.addr, c.action, &c.before, &c.after);
            m.insert("provider_name".into(), json!(c.provider));
            if let Some(r) = &c.reason {
                m.insert("action_reason".into(), json!(reason_str(r)));
            }
            if !c.requires_replace.is_empty() {
                if let Some(Json::Object(ch)) = m.get_mut("change") {
                    ch.insert(
                        "replace_paths".into(),
                        json!(c
                            .requires_replace
                            .iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()),
                    );
                }
            }
            Json::Object(m)
        })
        .collect();
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|d| {
            let action = if d.after.is_some() {
                Action::Update
            } else {
                Action::Delete
            };
            Json::Object(change_json(
                &d.addr,
                action,
                &Some(d.before.clone()),
                &d.after,
            ))
        })
        .collect();
    let outputs: Map<String, Json> = plan
        .outputs
        .iter()
        .map(|o| {
            let mark = |v: &Option<Value>| v.clone().map(|v| v.mark_if(o.sensitive));
            let (_, after_unknown, _) = split(&o.after);
            (
                o.name.clone(),
                json!({
                    "actions": actions_json(o.action),
                    "before": mark(&o.before).as_ref().map(redact).unwrap_or(Json::Null),
                    "after": mark(&o.after).as_ref().map(redact).unwrap_or(Json::Null),
                    "after_unknown": after_unknown,
                    "before_sensitive": o.sensitive,
                    "after_sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    let variables: Map<String, Json> = plan
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), json!({"value": redact(v)})))
        .collect();
    let c = plan.counts();
    json!({
        "format_version": "1.2",
        "gitform_version": env!("CARGO_PKG_VERSION"),
        "plan_mode": mode_str(plan.mode),
        "variables": variables,
        "resource_changes": resource_changes,
        "resource_drift": drift,
        "output_changes": outputs,
        "prior_serial": plan.prior_serial,
        "summary": {"add": c.add, "change": c.change, "destroy": c.destroy, "read": c.read},
        "applyable": plan.has_changes(),
        "errored": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::parse_instance;

    fn sample_plan() -> Plan {
        Plan {
            mode: PlanMode::Normal,
            changes: vec![ResourceChange {
                addr: parse_instance("module.m[\"a\"].terraform_data.x[2]").unwrap(),
                provider: "provider[\"terraform\"]".into(),
                action: Action::DeleteThenCreate,
                reason: Some(ActionReason::ReplaceTriggeredBy("terraform_data.y".into())),
                before: Some(Value::object([
                    ("id", Value::from("1")),
                    ("secret", Value::from("s").sensitive()),
                ])),
                after: Some(Value::object([
                    ("id", Value::unknown()),
                    (
                        "n",
                        Value::Number(gitform_value::Number::parse("1e40").unwrap()),
                    ),
                ])),
                requires_replace: vec![AttrPath::attr("input")],
                private: Some(vec![1, 2, 255]),
                dependencies: vec!["terraform_data.y".into()],
                schema_version: 3,
                create_before_destroy: true,
                deposed: None,
            }],
            prior_serial: 7,
            lineage: "abc".into(),
            config_digest: "d".into(),
            refreshed: true,
            targets: vec!["terraform_data.x".into()],
            variables: [("v".to_string(), Value::from("x"))].into_iter().collect(),
            block_shapes: [(
                "terraform_data".to_string(),
                BlockShape(
                    [(
                        "disk".to_string(),
                        (
                            Nesting::List,
                            BlockShape(
                                [("tag".to_string(), (Nesting::Map, BlockShape::default()))].into(),
                            ),
                        ),
                    )]
                    .into(),
                ),
            )]
            .into(),
            ..Default::default()
        }
    }

    /// Plans saved before block shapes were recorded still load.
    #[test]
    fn loads_plans_without_block_shapes() {
        let plan = sample_plan();
        let mut doc: Json = serde_json::from_str(&encode(&plan)).unwrap();
        doc.as_object_mut().unwrap().remove("block_shapes");
        let back = decode(&doc.to_string()).unwrap();
        assert!(back.block_shapes.is_empty());
        assert_eq!(back.changes, plan.changes);
    }

    #[test]
    fn round_trips() {
        let plan = sample_plan();
        let back = decode(&encode(&plan)).unwrap();
        assert_eq!(back, plan);
    }

    /// The text is what printing the document as a `serde_json` value
    /// gives (keys sorted), whether or not it is built as one: saved plans
    /// and journals read the same before and after.
    #[test]
    fn text_is_the_canonical_json_print() {
        let plan = sample_plan();
        for text in [encode(&plan), encode_for_history(&plan)] {
            let doc: Json = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string_pretty(&doc).unwrap(), text);
            assert_eq!(doc["changes"].as_array().map(Vec::len), Some(1));
        }
    }

    #[test]
    fn rejects_other_files() {
        assert!(matches!(decode("{}"), Err(PlanFileError::NotAPlan)));
        assert!(matches!(decode("not json"), Err(PlanFileError::NotAPlan)));
        assert!(matches!(
            decode(r#"{"format":"gitform-plan","format_version":99}"#),
            Err(PlanFileError::Version(99))
        ));
    }
}
