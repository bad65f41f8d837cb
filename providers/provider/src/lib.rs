//! The provider interface of gitform.
//!
//! A provider manages objects of some resource types (create, read, update,
//! delete) and answers data source queries. Every provider, whether builtin,
//! a large in-process one such as AWS, or an out-of-process plugin behind a
//! JSON-RPC host, implements the one [`Provider`] trait below, which follows
//! Terraform's resource lifecycle.
//!
//! # The lifecycle, as the engine drives it
//!
//! 1. [`Provider::schema`] once, to learn the provider's types.
//! 2. [`Provider::validate_config`] for every resource and data source
//!    configuration (possibly containing unknowns).
//! 3. [`Provider::configure`] with the `provider` block's values.
//! 4. Refresh: [`Provider::read`] (or [`Provider::read_batch`]) for each
//!    object in state; data sources via [`Provider::read_data`].
//! 5. Plan: the engine computes [`proposed_new_state`] and calls
//!    [`Provider::plan_change`] for every resource instance (also for
//!    destroys, with `proposed_new_state: None`).
//! 6. Apply: [`Provider::apply_change`] for each planned create, update or
//!    delete; a replacement is a delete plus a create.
//! 7. [`Provider::stop`] when the user interrupts.
//!
//! Calls may arrive concurrently (the engine walks its graph in parallel):
//! take `&self`, keep shared state behind locks or atomics, and never block
//! a thread while waiting (use `tokio::time::sleep`, async IO).
//!
//! # Values
//!
//! Every state or configuration value is a [`Value::Object`] of the
//! type [`Block::implied_type`] of its schema, with every attribute present
//! (null when unset). Unknown values (`Value::Unknown`) appear in
//! configuration and plans, never in applied state. Values may carry
//! sensitive marks; compare with [`values_equal`], read with
//! [`Value::get_attr`]/[`Value::as_str`], which look through marks. The
//! engine marks schema-`sensitive` attributes itself (see
//! [`Block::mark_sensitive`]); providers need not.
//!
//! # Errors
//!
//! User-facing problems are [`Diagnostic`]s in the response, never a
//! `Result` or a panic. Set `attr_path` when a diagnostic is about one
//! attribute; the engine attaches the resource address and the source range.

mod planning;
mod protocol;
mod schema;
mod validation;

pub use planning::{plan_resource, proposed_new_state, values_equal};
pub use protocol::*;
pub use schema::{Attribute, Block, NestedBlock, Nesting, ProviderSchema, Schema};
pub use validation::validate_config_against_schema;

use async_trait::async_trait;
use gitform_value::{Diagnostic, Value};
use std::sync::Arc;

/// Makes a fresh provider instance. The engine makes one per provider
/// configuration (per `provider` block, aliases included).
///
/// A closure, so that a factory can carry what it needs (a plugin's path and
/// handshake). Builtin providers are plain functions ([`ProviderFn`]); turn
/// one into a factory with [`factory`] or `Arc::new(f)`.
pub type ProviderFactory = Arc<dyn Fn() -> Arc<dyn Provider> + Send + Sync>;

/// A provider factory that is a plain function, as builtin providers have.
pub type ProviderFn = fn() -> Arc<dyn Provider>;

/// Wraps a function or closure as a [`ProviderFactory`].
pub fn factory(f: impl Fn() -> Arc<dyn Provider> + Send + Sync + 'static) -> ProviderFactory {
    Arc::new(f)
}

/// A gitform provider. See the [crate documentation](crate) for the
/// lifecycle and the rules every method follows.
///
/// Only [`schema`](Provider::schema), [`apply_change`](Provider::apply_change)
/// and [`read`](Provider::read) must be written; the other methods have
/// defaults that suit simple providers.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider configuration schema and the schema of every resource
    /// and data source type it offers. Must be cheap enough to call more than
    /// once, and must not change during the provider's lifetime.
    fn schema(&self) -> ProviderSchema;

    /// Checks one resource or data source configuration. Unknown values are
    /// legal here: check what is known. Called before `configure`, so it may
    /// not rely on provider configuration.
    ///
    /// Default: [`validate_config_against_schema`], or an error for a type
    /// the provider does not offer.
    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        let schema = self.schema();
        let found = match req.kind {
            ConfigKind::Resource => schema.resource(&req.type_name),
            ConfigKind::DataSource => schema.data_source(&req.type_name),
        };
        let diagnostics = match found {
            Some(s) => validate_config_against_schema(&s.block, &req.config),
            None => vec![unsupported_type(req.kind, &req.type_name)],
        };
        ValidateConfigResponse { diagnostics }
    }

    /// Receives the `provider` block's values. Attribute defaults are not
    /// applied to provider configuration: treat null as the default. Called
    /// once, before any other call but `schema` and `validate_config`.
    ///
    /// Default: accepts anything.
    async fn configure(&self, req: ConfigureRequest) -> ConfigureResponse {
        let _ = req;
        ConfigureResponse::default()
    }

    /// Plans one change. Must not change anything in the real world.
    ///
    /// Return the planned state with `Value::Unknown` for every value not
    /// known until apply, and the attributes that force a replacement. The
    /// planned state must agree with configuration: every non-computed
    /// attribute equals its configuration value.
    ///
    /// Default: [`plan_resource`] over the resource schema (destroys plan
    /// `None`).
    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        let Some(proposed) = req.proposed_new_state else {
            return PlanChangeResponse::default();
        };
        let schema = self.schema();
        let Some(rs) = schema.resource(&req.type_name) else {
            return PlanChangeResponse {
                diagnostics: vec![unsupported_type(ConfigKind::Resource, &req.type_name)],
                ..PlanChangeResponse::default()
            };
        };
        let (planned, requires_replace) = plan_resource(rs, req.prior_state.as_ref(), &proposed);
        PlanChangeResponse {
            planned_state: Some(planned),
            requires_replace,
            planned_private: req.prior_private,
            diagnostics: Vec::new(),
        }
    }

    /// Creates, updates or deletes one object, as planned. See
    /// [`ApplyChangeRequest`] for which is which and [`ApplyChangeResponse`]
    /// for what to return on failure (partial state plus an error).
    ///
    /// The new state must agree with the plan: every known planned value
    /// stays the same, every unknown becomes known.
    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse;

    /// Refreshes one object. Returns `new_state: None` when the object no
    /// longer exists.
    async fn read(&self, req: ReadRequest) -> ReadResponse;

    /// Refreshes many objects of one type. The response has exactly one item
    /// per request item, in order.
    ///
    /// Default: calls [`read`](Provider::read) for each item in turn.
    async fn read_batch(&self, req: ReadBatchRequest) -> ReadBatchResponse {
        let mut items = Vec::with_capacity(req.items.len());
        for item in req.items {
            let one = ReadRequest {
                type_name: req.type_name.clone(),
                current_state: item.current_state,
                private: item.private,
            };
            items.push(self.read(one).await);
        }
        ReadBatchResponse { items }
    }

    /// Reads a data source: returns the configuration with its computed
    /// attributes filled in.
    ///
    /// Default: an error (the provider offers no data sources).
    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        ReadDataResponse {
            state: Value::Null,
            diagnostics: vec![unsupported_type(ConfigKind::DataSource, &req.type_name)],
        }
    }

    /// Finds existing objects by import id. Usually one object of the
    /// requested type; the engine then calls [`read`](Provider::read) on
    /// each.
    ///
    /// Default: an error saying the type cannot be imported.
    async fn import(&self, req: ImportRequest) -> ImportResponse {
        ImportResponse {
            imported: Vec::new(),
            diagnostics: vec![import_not_supported(&req.type_name)],
        }
    }

    /// Asks the provider to cancel calls in flight as soon as it safely can
    /// (the user pressed Ctrl-C). Calls cancelled this way return an error
    /// diagnostic and, for applies, the state reached so far.
    async fn stop(&self) {}

    /// How many calls this provider accepts at once, whatever the engine's
    /// `-parallelism` (an API with a low rate limit, say). `None`: no limit
    /// of its own. Read once, after [`configure`](Provider::configure).
    fn max_concurrency(&self) -> Option<usize> {
        None
    }

    /// A counter of throttling events the provider has met so far (rate
    /// limit responses it had to back off from). It only ever grows. The
    /// engine reads it after each call: when it has grown, the engine
    /// halves its concurrency for this provider alone, then raises it again
    /// one step at a time while calls go through unthrottled.
    fn throttle_events(&self) -> u64 {
        0
    }
}

/// Terraform's rule for which provider a resource type belongs to when the
/// configuration does not say: the type name up to its first `_`
/// (`aws_instance` -> `aws`, `terraform_data` -> `terraform`).
pub fn implied_provider_name(type_name: &str) -> &str {
    type_name
        .split_once('_')
        .map_or(type_name, |(prefix, _)| prefix)
}

/// The diagnostic for a resource or data source type a provider does not offer.
pub fn unsupported_type(kind: ConfigKind, type_name: &str) -> Diagnostic {
    let what = match kind {
        ConfigKind::Resource => "resource type",
        ConfigKind::DataSource => "data source",
    };
    Diagnostic::error(
        format!("Invalid {what}"),
        format!("The provider does not support {what} \"{type_name}\"."),
    )
}

/// The diagnostic for an import of a type that cannot be imported.
pub fn import_not_supported(type_name: &str) -> Diagnostic {
    Diagnostic::error(
        "Resource Import Not Implemented",
        format!("This resource type does not support import: \"{type_name}\"."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implied_provider_names() {
        for (t, want) in [
            ("random_id", "random"),
            ("terraform_data", "terraform"),
            ("aws_s3_bucket", "aws"),
            ("test", "test"),
        ] {
            assert_eq!(implied_provider_name(t), want, "{t}");
        }
    }
}
