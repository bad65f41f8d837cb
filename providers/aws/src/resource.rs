//! How a resource type or data source is declared, and the generic code
//! that drives every one of them through the [`Provider`](gitform_provider::Provider)
//! calls (see the crate documentation for the walk-through).
//!
//! A resource type implements [`Resource`]: its schema, and five
//! operations on AWS (create, read a batch, update, delete, import). The
//! framework ([`plan`], [`apply`], [`read_batch`], [`import`]) does the rest
//! the same way for all types: `tags_all`, `timeouts`, force-new planning,
//! reading the object back after a create or update, recording partially
//! created objects, and filling every schema attribute into the state.

use crate::error::Error;
use crate::session::Session;
use crate::tags::{self, TagConfig};
use crate::timeouts::{Op, Timeouts, FALLBACK};
use crate::wait;
use async_trait::async_trait;
use gitform_provider::{
    plan_resource, ApplyChangeRequest, ApplyChangeResponse, Block, ImportResponse, ImportedObject,
    Nesting, PlanChangeRequest, PlanChangeResponse, ReadResponse, Schema,
};
use gitform_value::{AttrPath, Diagnostic, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// How many ids one Describe call filters on (AWS accepts 200 filter values).
pub const ID_CHUNK: usize = 200;

/// How many objects' [`Resource::read_details`] one refresh runs at once.
pub const DETAILS_CONCURRENCY: usize = 8;

/// How long a just-created object may take to show up in Describe answers
/// (EC2 is eventually consistent).
pub const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);

/// What an operation needs: the connection, the operation's timeout (from
/// the resource's `timeouts` block, or its default) and the configuration.
pub struct Ctx<'a> {
    pub session: &'a Session,
    pub timeout: Duration,
    /// The resource's configuration as written, for the values the planned
    /// state records differently (`aws_instance.user_data` is planned as
    /// its SHA-1, the script is sent as written). `Value::Null` when
    /// deleting, refreshing or importing.
    pub config: &'a Value,
    /// Whether reads may take the answer of an identical call in flight.
    pub sharing: Sharing,
}

/// Whether a read may take the answer of an identical Describe call
/// already in flight ([`crate::inflight`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// A refresh: the answer of a call that started a moment earlier is as
    /// good as a new one.
    InFlight,
    /// Around a change this operation makes (create, update, delete,
    /// import): the answer must be asked for by this operation.
    Own,
}

impl<'a> Ctx<'a> {
    pub fn ec2(&self) -> &'a aws_sdk_ec2::Client {
        &self.session.ec2
    }

    pub fn tags(&self) -> &'a TagConfig {
        &self.session.tags
    }

    /// A wait target bounded by this operation's timeout, interrupted by
    /// `Provider::stop`.
    pub fn target(&self, what: impl Into<String>, state: &'a str) -> wait::Target<'a> {
        wait::Target {
            what: what.into(),
            state,
            timeout: self.timeout,
            stop: Some(&self.session.stopped),
        }
    }

    /// `arn:aws:ec2:REGION:ACCOUNT:RESOURCE` (partition from the region).
    pub fn arn(&self, account: &str, resource: &str) -> String {
        let partition = if self.session.region.starts_with("cn-") {
            "aws-cn"
        } else if self.session.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        format!(
            "arn:{partition}:ec2:{}:{account}:{resource}",
            self.session.region
        )
    }
}

/// A plan being made: what the framework planned so far, for a resource's
/// own adjustments in [`Resource::plan`].
pub struct Planning<'a> {
    /// `None` on create.
    pub prior: Option<&'a Value>,
    /// The configuration (may hold unknowns).
    pub config: &'a Value,
    /// The type's full schema.
    pub schema: &'a Block,
    /// The planned state: [`plan_resource`] with `tags_all` computed.
    pub planned: Value,
    /// Attributes that force replacement.
    pub requires_replace: Vec<AttrPath>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Planning<'_> {
    /// True on create.
    pub fn is_create(&self) -> bool {
        self.prior.is_none()
    }

    /// Sets an attribute of the planned state.
    pub fn set(&mut self, name: &str, v: Value) {
        crate::attrs::set_attr(&mut self.planned, name, v);
    }

    /// Makes an attribute, or a nested block type's blocks, "known after
    /// apply".
    pub fn set_unknown(&mut self, name: &str) {
        let ty = if let Some(a) = self.schema.attributes.get(name) {
            a.ty.clone()
        } else if let Some(b) = self.schema.blocks.get(name) {
            b.implied_type()
        } else {
            return;
        };
        self.set(name, Value::Unknown(ty));
    }

    /// Adds a replacement cause (the framework then plans the new object).
    pub fn replace(&mut self, name: &str) {
        let p = AttrPath::attr(name);
        if !self.requires_replace.contains(&p) {
            self.requires_replace.push(p);
        }
    }

    /// True when `name` changes from prior to planned (false on create).
    pub fn changes(&self, name: &str) -> bool {
        self.prior
            .is_some_and(|p| crate::attrs::changed(p, &self.planned, name))
    }
}

/// One managed resource type. Implement it on a unit struct and list a
/// `&'static` instance in your family's `resource_types()`.
///
/// State values handed to the operations are objects of the type's full
/// schema (with `timeouts` when the type has one). Everything the
/// operations return is completed by the framework: missing attributes are
/// filled with null, and `timeouts` is carried over.
#[async_trait]
pub trait Resource: Send + Sync {
    /// Terraform's type name (`aws_vpc`).
    fn type_name(&self) -> &'static str;

    /// The schema, with Terraform's names and types, `force_new` where
    /// hashicorp/aws replaces, `tags`/`tags_all` via
    /// [`tags::with_tags`]. Without the `timeouts` block: declare
    /// [`Resource::timeouts`] instead.
    fn schema(&self) -> Schema;

    /// The `timeouts` block and its defaults, for types that have one in
    /// hashicorp/aws.
    fn timeouts(&self) -> Option<Timeouts> {
        None
    }

    /// Checks a configuration beyond its schema (values, conflicts).
    /// Unknowns are legal: check what is known.
    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let _ = config;
        Vec::new()
    }

    /// Adjusts the framework's plan (in-place changes that make computed
    /// attributes unknown, replacements the schema cannot express).
    fn plan(&self, plan: &mut Planning<'_>) {
        let _ = plan;
    }

    /// Creates the object from its planned state (no unknowns but the
    /// computed attributes) and returns its id. Tag it on creation with
    /// [`tags::specification`]. When a step after the object exists fails,
    /// return `Err(e.after_create(&id))` so it is recorded, not lost. The
    /// framework then reads the object back with [`Resource::read_batch`].
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<String, Error>;

    /// Reads many objects with ONE paginated Describe call per
    /// [`ID_CHUNK`] ids (an ID *filter*, so missing objects are simply
    /// absent), and no per-object calls. Returns one entry per prior state,
    /// in order: `None` for an object that no longer exists. `priors` carry
    /// at least `id`, plus configuration-only values to carry over
    /// ([`crate::attrs::keep`]).
    async fn read_batch(&self, cx: &Ctx<'_>, priors: &[Value])
        -> Result<Vec<Option<Value>>, Error>;

    /// Completes a state read by [`Resource::read_batch`] with attributes
    /// that take per-object calls (DescribeVpcAttribute and the like). The
    /// framework calls it after this provider created or updated the
    /// object, on import, and on refresh when
    /// [`Resource::details_on_refresh`] says so; otherwise refresh keeps
    /// those attributes' recorded values. Default: nothing to add.
    async fn read_details(&self, cx: &Ctx<'_>, state: Value) -> Result<Value, Error> {
        let _ = cx;
        Ok(state)
    }

    /// Whether refresh also calls [`Resource::read_details`] for every
    /// object the batched Describe found ([`DETAILS_CONCURRENCY`] at a
    /// time), so drift of those attributes shows. Say yes for types that
    /// are few per configuration (VPCs, EIPs), as hashicorp/aws reads them
    /// on every Read; the calls are per object. Default: no.
    fn details_on_refresh(&self) -> bool {
        false
    }

    /// Updates in place from `prior` to `planned` (only attributes without
    /// `force_new` differ). The framework reads the object back afterwards.
    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<(), Error>;

    /// For types whose in-place update gives the object a new id (a route
    /// table association moved to another table): does the update and
    /// returns the new id. Default: [`Resource::update`], same id.
    async fn update_with_new_id(
        &self,
        cx: &Ctx<'_>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Option<String>, Error> {
        self.update(cx, prior, planned).await.map(|()| None)
    }

    /// Deletes the object and waits until it is gone. An object already
    /// gone is success.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Error>;

    /// Turns an import id into a state [`Resource::read_batch`] can refresh.
    /// Default: the id is the AWS id (`vpc-0123`).
    async fn import(&self, cx: &Ctx<'_>, id: &str) -> Result<Value, Error> {
        let _ = cx;
        let mut v = full_schema(self).block.null_object();
        crate::attrs::set_attr(&mut v, "id", Value::from(id));
        Ok(v)
    }
}

/// One data source type, listed in `data::data_sources()`.
#[async_trait]
pub trait DataSource: Send + Sync {
    fn type_name(&self) -> &'static str;

    /// The schema, without the `timeouts { read }` block (added for all).
    fn schema(&self) -> Schema;

    /// Reads the data source: returns the configuration with every
    /// computed attribute set. `cx.timeout` is the read timeout.
    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Error>;
}

/// The `timeouts` block every data source has.
pub const DATA_SOURCE_TIMEOUTS: Timeouts = Timeouts {
    create: None,
    read: Some(FALLBACK),
    update: None,
    delete: None,
};

/// A resource type's schema as the engine sees it (with `timeouts`).
pub fn full_schema<R: Resource + ?Sized>(r: &R) -> Schema {
    let mut s = r.schema();
    if let Some(t) = r.timeouts() {
        s.block = s.block.block("timeouts", t.block());
    }
    s
}

/// A data source's schema as the engine sees it.
pub fn full_data_schema(d: &dyn DataSource) -> Schema {
    let mut s = d.schema();
    s.block = s.block.block("timeouts", DATA_SOURCE_TIMEOUTS.block());
    s
}

/// The unique, non-empty ids of some states, in first-seen order.
pub fn ids(priors: &[Value]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    priors
        .iter()
        .filter_map(|p| crate::attrs::non_empty(p, "id"))
        .filter(|id| seen.insert(*id))
        .map(str::to_string)
        .collect()
}

/// Pairs each prior state with the object found under its id, in order.
pub fn by_id<T>(
    priors: &[Value],
    found: &HashMap<String, T>,
    mut state: impl FnMut(&T, &Value) -> Value,
) -> Vec<Option<Value>> {
    priors
        .iter()
        .map(|p| {
            let id = crate::attrs::non_empty(p, "id")?;
            found.get(id).map(|obj| state(obj, p))
        })
        .collect()
}

/// Completes a state: every attribute of `block` present (null when the
/// operation did not set it), nested blocks as empty collections, and
/// `timeouts` taken from `prior`.
pub fn conform(block: &Block, state: Value, prior: &Value) -> Value {
    let Value::Object(mut m) = state.unmark_deep().0 else {
        return state_from_nothing(block);
    };
    for name in block.attributes.keys() {
        m.entry(name.clone()).or_insert(Value::Null);
    }
    for (name, nested) in &block.blocks {
        if name == "timeouts" {
            let t = prior.get_attr("timeouts").cloned().unwrap_or(Value::Null);
            let t = if t.is_wholly_known() { t } else { Value::Null };
            m.insert(name.clone(), t);
            continue;
        }
        m.entry(name.clone())
            .or_insert_with(|| match nested.nesting {
                Nesting::Single => Value::Null,
                Nesting::List => Value::List(Vec::new()),
                Nesting::Set => Value::Set(Vec::new()),
                Nesting::Map => Value::Map(BTreeMap::new()),
            });
    }
    Value::Object(m)
}

fn state_from_nothing(block: &Block) -> Value {
    block.null_object()
}

/// For a replacement: computed-only attributes, and optional + computed
/// ones the configuration leaves null, become unknown (top level).
fn plan_replacement(block: &Block, planned: &mut Value, config: &Value) {
    let Value::Object(m) = planned else { return };
    for (name, attr) in &block.attributes {
        if !attr.computed || name == "tags_all" {
            continue;
        }
        let configured = config.get_attr(name).is_some_and(|v| !v.is_null());
        if attr.is_computed_only() || !configured {
            m.insert(name.clone(), Value::Unknown(attr.ty.clone()));
        }
    }
}

/// The framework's `plan_change` for one resource type.
pub fn plan(r: &dyn Resource, tags: &TagConfig, req: PlanChangeRequest) -> PlanChangeResponse {
    let Some(proposed) = req.proposed_new_state else {
        return PlanChangeResponse::default();
    };
    let schema = full_schema(r);
    let prior = req.prior_state.as_ref().filter(|p| !p.is_null());
    let (mut planned, requires_replace) = plan_resource(&schema, prior, &proposed);
    if schema.block.attributes.contains_key("tags_all") {
        tags::plan_tags_all(tags, &mut planned);
    }
    let mut p = Planning {
        prior,
        config: &req.config,
        schema: &schema.block,
        planned,
        requires_replace,
        diagnostics: Vec::new(),
    };
    r.plan(&mut p);
    if !p.requires_replace.is_empty() {
        plan_replacement(&schema.block, &mut p.planned, &req.config);
    }
    p.requires_replace.sort();
    p.requires_replace.dedup();
    PlanChangeResponse {
        planned_state: Some(p.planned),
        requires_replace: p.requires_replace,
        planned_private: req.prior_private,
        diagnostics: p.diagnostics,
    }
}

fn ctx<'a>(
    session: &'a Session,
    r: &dyn Resource,
    v: &Value,
    config: &'a Value,
    op: Op,
) -> Result<Ctx<'a>, Error> {
    let timeout = match r.timeouts() {
        Some(t) => t.resolve(v, op)?,
        None => FALLBACK,
    };
    Ok(Ctx {
        session,
        timeout,
        config,
        sharing: Sharing::Own,
    })
}

/// Reads one object back after a create or update, waiting for it to show
/// up (eventual consistency).
async fn read_back(r: &dyn Resource, cx: &Ctx<'_>, known: &Value) -> Result<Value, Error> {
    let schema = full_schema(r);
    let what = format!(
        "{} {}",
        r.type_name(),
        crate::attrs::str_attr(known, "id").unwrap_or("")
    );
    let target = wait::Target {
        what,
        state: "visible",
        timeout: PROPAGATION_TIMEOUT.min(cx.timeout.max(Duration::from_secs(1))),
        stop: Some(&cx.session.stopped),
    };
    let found = wait::until(target, || async {
        let mut got = r.read_batch(cx, std::slice::from_ref(known)).await?;
        Ok(match got.pop().flatten() {
            Some(v) => wait::Poll::Done(v),
            None => wait::Poll::Pending("not found".to_string()),
        })
    })
    .await?;
    let detailed = r.read_details(cx, found).await?;
    Ok(conform(&schema.block, detailed, known))
}

fn with_id(planned: &Value, id: &str) -> Value {
    let mut v = planned.clone();
    crate::attrs::set_attr(&mut v, "id", Value::from(id));
    v
}

/// The framework's `apply_change` for one resource type.
pub async fn apply(
    r: &dyn Resource,
    session: &Session,
    req: ApplyChangeRequest,
) -> ApplyChangeResponse {
    let type_name = r.type_name();
    let fail = |state: Option<Value>, e: &Error, action: &str| ApplyChangeResponse {
        new_state: state,
        private: None,
        diagnostics: vec![e.to_diagnostic(type_name, action)],
    };
    match (req.prior_state, req.planned_state) {
        (Some(prior), None) => {
            let cx = match ctx(session, r, &prior, &req.config, Op::Delete) {
                Ok(cx) => cx,
                Err(e) => return fail(Some(prior), &e, "Deleting"),
            };
            match r.delete(&cx, &prior).await {
                Ok(()) => ApplyChangeResponse::default(),
                Err(e) if e.is_not_found() => ApplyChangeResponse::default(),
                Err(e) => fail(Some(prior), &e, "Deleting"),
            }
        }
        (None, Some(planned)) => {
            let cx = match ctx(session, r, &planned, &req.config, Op::Create) {
                Ok(cx) => cx,
                Err(e) => return fail(None, &e, "Creating"),
            };
            match r.create(&cx, &planned).await {
                Ok(id) => match read_back(r, &cx, &with_id(&planned, &id)).await {
                    Ok(state) => ApplyChangeResponse {
                        new_state: Some(state),
                        private: None,
                        diagnostics: Vec::new(),
                    },
                    Err(e) => {
                        let partial = partial_state(r, &planned, &id);
                        fail(Some(partial), &e.after_create(&id), "Creating")
                    }
                },
                Err(Error::Partial { id, source }) => {
                    // Record what exists, as AWS has it if it can be read.
                    let known = with_id(&planned, &id);
                    let state = match r.read_batch(&cx, std::slice::from_ref(&known)).await {
                        Ok(mut v) => v
                            .pop()
                            .flatten()
                            .map(|s| conform(&full_schema(r).block, s, &known)),
                        Err(_) => None,
                    };
                    let state = state.unwrap_or_else(|| partial_state(r, &planned, &id));
                    fail(Some(state), &Error::Partial { id, source }, "Creating")
                }
                Err(e) => fail(None, &e, "Creating"),
            }
        }
        (Some(prior), Some(planned)) => {
            let cx = match ctx(session, r, &planned, &req.config, Op::Update) {
                Ok(cx) => cx,
                Err(e) => return fail(Some(prior), &e, "Updating"),
            };
            let result = r.update_with_new_id(&cx, &prior, &planned).await;
            // Whatever happened, record the object as AWS now has it.
            let known = match (&result, crate::attrs::non_empty(&planned, "id")) {
                (Ok(Some(new_id)), _) => with_id(&planned, new_id),
                (_, Some(_)) => planned.clone(),
                _ => with_id(&planned, crate::attrs::str_attr(&prior, "id").unwrap_or("")),
            };
            let result = result.map(|_| ());
            let read = read_back(r, &cx, &known).await;
            match (result, read) {
                (Ok(()), Ok(state)) => ApplyChangeResponse {
                    new_state: Some(state),
                    private: None,
                    diagnostics: Vec::new(),
                },
                (Err(e), Ok(state)) => fail(Some(state), &e, "Updating"),
                (Err(e), Err(_)) | (Ok(()), Err(e)) => fail(Some(prior), &e, "Updating"),
            }
        }
        (None, None) => ApplyChangeResponse::default(),
    }
}

/// A state for an object known only by its id (a create that failed and
/// cannot be read): the planned values, unknowns nulled.
fn partial_state(r: &dyn Resource, planned: &Value, id: &str) -> Value {
    let schema = full_schema(r);
    let mut m = BTreeMap::new();
    if let Some(entries) = planned.as_entries() {
        for (k, v) in entries {
            let v = if v.is_wholly_known() {
                v.clone()
            } else {
                Value::Null
            };
            m.insert(k.clone(), v);
        }
    }
    m.insert("id".to_string(), Value::from(id));
    conform(&schema.block, Value::Object(m), planned)
}

/// The framework's `read_batch` for one resource type: one response per
/// item, in order.
pub async fn read_batch(
    r: &dyn Resource,
    session: &Session,
    priors: Vec<Value>,
) -> Vec<ReadResponse> {
    let schema = full_schema(r);
    let cx = Ctx {
        session,
        timeout: r.timeouts().and_then(|t| t.read).unwrap_or(FALLBACK),
        config: &Value::Null,
        sharing: Sharing::InFlight,
    };
    match r.read_batch(&cx, &priors).await {
        Ok(found) if found.len() == priors.len() => {
            let found = if r.details_on_refresh() {
                refresh_details(r, &cx, found).await
            } else {
                found.into_iter().map(|s| (s, Vec::new())).collect()
            };
            found
                .into_iter()
                .zip(&priors)
                .map(|((state, diagnostics), prior)| ReadResponse {
                    new_state: state.map(|s| conform(&schema.block, s, prior)),
                    private: None,
                    diagnostics,
                })
                .collect()
        }
        Ok(found) => {
            let e = Error::Invalid {
                summary: "Provider produced an invalid batch read".to_string(),
                detail: format!(
                    "{} read_batch returned {} states for {} objects. This is a bug in gitform's aws provider.",
                    r.type_name(),
                    found.len(),
                    priors.len()
                ),
                path: None,
            };
            kept(priors, &e, r.type_name())
        }
        Err(e) => kept(priors, &e, r.type_name()),
    }
}

/// [`Resource::read_details`] for every found object, at most
/// [`DETAILS_CONCURRENCY`] at once, in order. An object gone between the
/// Describe and its detail calls is gone; a detail call that fails keeps
/// the batch-read state (details as recorded) with the error.
async fn refresh_details(
    r: &dyn Resource,
    cx: &Ctx<'_>,
    found: Vec<Option<Value>>,
) -> Vec<(Option<Value>, Vec<Diagnostic>)> {
    use futures::stream::{self, StreamExt};
    stream::iter(found.into_iter().map(|state| async move {
        let Some(state) = state else {
            return (None, Vec::new());
        };
        match r.read_details(cx, state.clone()).await {
            Ok(v) => (Some(v), Vec::new()),
            Err(e) if e.is_not_found() => (None, Vec::new()),
            Err(e) => (Some(state), vec![e.to_diagnostic(r.type_name(), "Reading")]),
        }
    }))
    .buffered(DETAILS_CONCURRENCY)
    .collect()
    .await
}

fn kept(priors: Vec<Value>, e: &Error, type_name: &str) -> Vec<ReadResponse> {
    priors
        .into_iter()
        .map(|p| ReadResponse {
            new_state: Some(p),
            private: None,
            diagnostics: vec![e.to_diagnostic(type_name, "Reading")],
        })
        .collect()
}

/// The framework's `import` for one resource type: resolves the id and
/// reads the object, so that a missing object is an error here.
pub async fn import(r: &dyn Resource, session: &Session, id: &str) -> ImportResponse {
    let cx = Ctx {
        session,
        timeout: r.timeouts().and_then(|t| t.read).unwrap_or(FALLBACK),
        config: &Value::Null,
        sharing: Sharing::Own,
    };
    let failed = |d: Diagnostic| ImportResponse {
        imported: Vec::new(),
        diagnostics: vec![d],
    };
    let skeleton = match r.import(&cx, id).await {
        Ok(v) => v,
        Err(e) => return failed(e.to_diagnostic(r.type_name(), "Importing")),
    };
    match r.read_batch(&cx, std::slice::from_ref(&skeleton)).await {
        Ok(mut found) => match found.pop().flatten() {
            Some(state) => match r.read_details(&cx, state).await {
                Err(e) => failed(e.to_diagnostic(r.type_name(), "Importing")),
                Ok(state) => ImportResponse {
                imported: vec![ImportedObject {
                    type_name: r.type_name().to_string(),
                    state: conform(&full_schema(r).block, state, &skeleton),
                    private: None,
                }],
                diagnostics: Vec::new(),
                },
            },
            None => failed(Diagnostic::error(
                "Cannot import non-existent remote object",
                format!(
                    "While attempting to import an existing object to \"{}\", the provider detected that no object exists with the given id \"{id}\". Only pre-existing objects can be imported; check that the id is correct and that it is in the provider's configured region.",
                    r.type_name()
                ),
            )),
        },
        Err(e) => failed(e.to_diagnostic(r.type_name(), "Importing")),
    }
}

/// The framework's `read_data` for one data source type.
pub async fn read_data(
    d: &dyn DataSource,
    session: &Session,
    config: &Value,
) -> Result<Value, Error> {
    let timeout = DATA_SOURCE_TIMEOUTS.resolve(config, Op::Read)?;
    let cx = Ctx {
        session,
        timeout,
        config,
        sharing: Sharing::Own,
    };
    let state = d.read(&cx, config).await?;
    Ok(conform(&full_data_schema(d).block, state, config))
}

/// Checks a known string attribute of a configuration with `check`; an
/// error becomes a diagnostic on that attribute (unknown and null pass).
pub fn check_string(
    config: &Value,
    name: &str,
    summary: &str,
    check: impl Fn(&str) -> Result<(), String>,
) -> Option<Diagnostic> {
    let s = config.get_attr(name).and_then(Value::as_str)?;
    check(s)
        .err()
        .map(|detail| Diagnostic::error(summary, detail).with_attr_path(AttrPath::attr(name)))
}

/// Checks that a known string attribute is one of `allowed`.
pub fn check_one_of(config: &Value, name: &str, allowed: &[&str]) -> Option<Diagnostic> {
    check_string(config, name, "Invalid value", |s| {
        if allowed.contains(&s) {
            Ok(())
        } else {
            Err(format!(
                "expected {name} to be one of [{}], got \"{s}\".",
                allowed
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    })
}

/// A diagnostic when two attributes that exclude each other are both set.
pub fn check_conflict(config: &Value, a: &str, b: &str) -> Option<Diagnostic> {
    let set = |n: &str| config.get_attr(n).is_some_and(|v| !v.is_null());
    (set(a) && set(b)).then(|| {
        Diagnostic::error(
            "Conflicting configuration arguments",
            format!("\"{a}\": conflicts with {b}. Set only one of them."),
        )
        .with_attr_path(AttrPath::attr(a))
    })
}

/// A fresh idempotency token for Create calls that take one
/// (`ClientToken`): the SDK's retries of one call send the same token, so
/// a retry after a lost answer does not create a second object.
pub fn client_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "gitform-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
