//! The AWS provider (EC2 and VPC resources), over aws-sdk-ec2.
//!
//! This crate is the only one that depends on the AWS SDK; the engine never
//! does, so engine changes never rebuild aws-sdk-ec2. No SDK type leaves
//! this crate: the engine sees `Value`s of the schemas below.
//!
//! # The framework
//!
//! - [`config`]: the `provider "aws"` block (schema, decoding) and building
//!   the one `aws_sdk_ec2::Client` of a provider instance ([`session::Session`],
//!   which also counts API attempts and throttling answers for the engine's
//!   adaptive concurrency).
//! - [`resource`]: the [`resource::Resource`] trait one resource type
//!   implements (schema, `create`, `read_batch`, `update`, `delete`,
//!   `import`, optional `plan`/`validate` hooks), the
//!   [`resource::DataSource`] trait, and the generic code that turns
//!   provider calls into those operations: planning (`tags_all`, force-new,
//!   unknowns of a replacement), reading back after create/update, recording
//!   partially created objects (return `Err(e.after_create(&id))`), and
//!   completing every state with all schema attributes.
//! - Shared pieces: [`tags`] (`tags`/`tags_all`/`default_tags`, tag
//!   specifications on create, tag updates), [`error`] (every SDK failure as
//!   a diagnostic naming the API call and the AWS error code:
//!   `.map_err(api("CreateVpc"))`), [`wait`] (waiters with timeouts),
//!   [`timeouts`] (the `timeouts { create = "10m" }` block), [`attrs`] (typed
//!   reads of `Value`s and building state values), [`filters`] (Describe
//!   filters and `filter` blocks), [`inflight`] (one call for identical
//!   reads in flight at once, such as the route tables three types read).
//!
//! # Adding a resource type
//!
//! 1. In the family's module (`network/`, `security/`, `compute/`), write a
//!    unit struct implementing [`resource::Resource`]. The schema uses
//!    Terraform's exact names and types (`terraform providers schema -json`),
//!    `force_new` where hashicorp/aws replaces, and [`tags::with_tags`].
//! 2. `read_batch` makes ONE paginated Describe call per
//!    [`resource::ID_CHUNK`] ids with an id *filter* (never one call per
//!    object, never extra per-object calls) and maps the answers back with
//!    [`resource::by_id`]; an object missing from the answer is `None`.
//! 3. List a `&'static` instance in the family's `resource_types()`; this
//!    file concatenates the families. Data sources go in `data/` and are
//!    listed by `data::data_sources()`.
//!
//! The operations receive a [`resource::Ctx`]: the session (`cx.ec2()`,
//! `cx.tags()`, `cx.session.account_id`) and the operation's timeout
//! (`cx.target(...)` builds a wait target bounded by it).
//!
//! Optional hooks of [`resource::Resource`]:
//! - `read_details`: attributes that cost a call per object
//!   (DescribeVpcAttribute...). Called after create/update, on import, and
//!   on refresh for types whose `details_on_refresh()` is true (`aws_vpc`,
//!   `aws_eip`; 8 objects at a time, after the one batched Describe);
//!   otherwise refresh keeps their state values.
//! - `plan`: adjust the plan ([`resource::Planning`]: `set_unknown`,
//!   `replace`, keep a computed nested block when none is configured).
//! - `validate`: value checks ([`resource::check_string`],
//!   [`resource::check_one_of`], [`resource::check_conflict`]).
//! - `update_with_new_id`: for updates that give the object a new id.
//! - `import`: import ids that are not the AWS id
//!   (`subnet-xxx/rtb-yyy`, `rtb-xxx_0.0.0.0/0`).
//!
//! Create calls that accept a `ClientToken` get [`resource::client_token`],
//! so a retry after a lost answer does not create a second object. Delete
//! and detach calls that AWS refuses while dependents are still going away
//! (`DependencyViolation`) go through [`wait::retry_on_codes`].

pub mod attrs;
mod compute;
pub mod config;
mod data;
pub mod error;
pub mod filters;
pub mod inflight;
mod network;
pub mod resource;
mod security;
pub mod session;
pub mod tags;
pub mod timeouts;
pub mod wait;

use async_trait::async_trait;
use gitform_provider::{
    unsupported_type, validate_config_against_schema, ApplyChangeRequest, ApplyChangeResponse,
    ConfigKind, ConfigureRequest, ConfigureResponse, ImportRequest, ImportResponse,
    PlanChangeRequest, PlanChangeResponse, Provider, ProviderSchema, ReadBatchRequest,
    ReadBatchResponse, ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse,
    ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_value::{Diagnostic, Value};
use resource::{DataSource, Resource};
use session::Session;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

/// The provider factory, as registered under the name `aws`.
pub fn provider() -> Arc<dyn Provider> {
    Arc::new(AwsProvider::new())
}

/// Every managed resource type of the provider.
pub fn resource_types() -> Vec<&'static dyn Resource> {
    let mut all = network::resource_types();
    all.extend(security::resource_types());
    all.extend(compute::resource_types());
    all
}

/// Every data source type of the provider.
pub fn data_sources() -> Vec<&'static dyn DataSource> {
    data::data_sources()
}

/// The AWS provider: one instance per `provider "aws"` block.
pub struct AwsProvider {
    resources: BTreeMap<&'static str, &'static dyn Resource>,
    data: BTreeMap<&'static str, &'static dyn DataSource>,
    session: OnceLock<Session>,
}

impl Default for AwsProvider {
    fn default() -> Self {
        AwsProvider::new()
    }
}

impl AwsProvider {
    pub fn new() -> AwsProvider {
        AwsProvider {
            resources: resource_types()
                .into_iter()
                .map(|r| (r.type_name(), r))
                .collect(),
            data: data_sources()
                .into_iter()
                .map(|d| (d.type_name(), d))
                .collect(),
            session: OnceLock::new(),
        }
    }

    /// EC2 API attempts made so far (first tries and retries), for tests
    /// and benchmarks. 0 before `configure`.
    pub fn api_calls(&self) -> u64 {
        self.session.get().map_or(0, |s| s.counters.attempts())
    }

    fn session(&self) -> Result<&Session, Box<Diagnostic>> {
        self.session.get().ok_or_else(|| {
            Box::new(Diagnostic::error(
                "Provider not configured",
                "The aws provider was used before its configuration was applied. This is a bug in gitform.",
            ))
        })
    }

    fn resource(&self, type_name: &str) -> Result<&'static dyn Resource, Box<Diagnostic>> {
        self.resources
            .get(type_name)
            .copied()
            .ok_or_else(|| Box::new(unsupported_type(ConfigKind::Resource, type_name)))
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: config::schema(),
            resources: self
                .resources
                .iter()
                .map(|(name, r)| (name.to_string(), resource::full_schema(*r)))
                .collect(),
            data_sources: self
                .data
                .iter()
                .map(|(name, d)| (name.to_string(), resource::full_data_schema(*d)))
                .collect(),
        }
    }

    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        let diagnostics = match req.kind {
            ConfigKind::Resource => match self.resource(&req.type_name) {
                Ok(r) => {
                    let schema = resource::full_schema(r);
                    let mut d = validate_config_against_schema(&schema.block, &req.config);
                    d.extend(r.validate(&req.config));
                    if let Some(t) = r.timeouts() {
                        d.extend(
                            t.validate(&req.config)
                                .into_iter()
                                .map(|e| e.to_diagnostic(&req.type_name, "Validating")),
                        );
                    }
                    d
                }
                Err(d) => vec![*d],
            },
            ConfigKind::DataSource => match self.data.get(req.type_name.as_str()) {
                Some(d) => validate_config_against_schema(
                    &resource::full_data_schema(*d).block,
                    &req.config,
                ),
                None => vec![unsupported_type(ConfigKind::DataSource, &req.type_name)],
            },
        };
        ValidateConfigResponse { diagnostics }
    }

    async fn configure(&self, req: ConfigureRequest) -> ConfigureResponse {
        let (cfg, mut diagnostics) = config::decode(&req.config);
        let Some(cfg) = cfg else {
            return ConfigureResponse { diagnostics };
        };
        match config::connect(&cfg).await {
            Ok(session) => {
                if self.session.set(session).is_err() {
                    diagnostics.push(Diagnostic::error(
                        "Provider configured twice",
                        "The aws provider instance was configured more than once. This is a bug in gitform.",
                    ));
                }
            }
            Err(e) => diagnostics.push(e.to_diagnostic("provider \"aws\"", "Configuring")),
        }
        ConfigureResponse { diagnostics }
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        let r = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(d) => {
                return PlanChangeResponse {
                    diagnostics: vec![*d],
                    ..PlanChangeResponse::default()
                }
            }
        };
        let tags = self
            .session
            .get()
            .map(|s| s.tags.clone())
            .unwrap_or_default();
        resource::plan(r, &tags, req)
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        let keep = req.prior_state.clone();
        let found = self
            .resource(&req.type_name)
            .and_then(|r| Ok((r, self.session()?)));
        match found {
            Ok((r, session)) => resource::apply(r, session, req).await,
            Err(d) => ApplyChangeResponse {
                new_state: keep,
                private: None,
                diagnostics: vec![*d],
            },
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let batch = ReadBatchRequest {
            type_name: req.type_name,
            items: vec![gitform_provider::ReadRequestItem {
                current_state: req.current_state.clone(),
                private: req.private,
            }],
        };
        let mut out = self.read_batch(batch).await;
        out.items.pop().unwrap_or(ReadResponse {
            new_state: Some(req.current_state),
            private: None,
            diagnostics: Vec::new(),
        })
    }

    async fn read_batch(&self, req: ReadBatchRequest) -> ReadBatchResponse {
        let priors: Vec<Value> = req.items.into_iter().map(|i| i.current_state).collect();
        let found = self
            .resource(&req.type_name)
            .and_then(|r| Ok((r, self.session()?)));
        let items = match found {
            Ok((r, session)) => resource::read_batch(r, session, priors).await,
            Err(d) => priors
                .into_iter()
                .map(|p| ReadResponse {
                    new_state: Some(p),
                    private: None,
                    diagnostics: vec![(*d).clone()],
                })
                .collect(),
        };
        ReadBatchResponse { items }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        let Some(d) = self.data.get(req.type_name.as_str()).copied() else {
            return ReadDataResponse::failed(vec![unsupported_type(
                ConfigKind::DataSource,
                &req.type_name,
            )]);
        };
        let session = match self.session() {
            Ok(s) => s,
            Err(diag) => return ReadDataResponse::failed(vec![*diag]),
        };
        match resource::read_data(d, session, &req.config).await {
            Ok(state) => ReadDataResponse {
                state,
                diagnostics: Vec::new(),
            },
            Err(e) => ReadDataResponse::failed(vec![e.to_diagnostic(&req.type_name, "Reading")]),
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        let found = self
            .resource(&req.type_name)
            .and_then(|r| Ok((r, self.session()?)));
        match found {
            Ok((r, session)) => resource::import(r, session, &req.id).await,
            Err(d) => ImportResponse {
                imported: Vec::new(),
                diagnostics: vec![*d],
            },
        }
    }

    async fn stop(&self) {
        if let Some(s) = self.session.get() {
            s.stopped.store(true, Ordering::Relaxed);
        }
    }

    fn throttle_events(&self) -> u64 {
        self.session.get().map_or(0, |s| s.counters.throttles())
    }
}
