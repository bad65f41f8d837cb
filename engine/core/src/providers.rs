//! Provider instances for one run: made from factories by name, one per
//! provider configuration, configured once, with their schema cached.
//!
//! A name resolves in this order (see [`ProviderRegistry::resolve`]):
//! the override finder (development builds of plugins, which win over
//! everything, like Terraform's `dev_overrides`), the providers registered
//! in-process (builtins, AWS), then the plugin finder (plugins installed on
//! disk). The finders are closures the binary installs, so the engine knows
//! nothing about processes or directories.

use async_trait::async_trait;
use gitform_provider::{
    ApplyChangeRequest, ApplyChangeResponse, ConfigureRequest, ConfigureResponse, Provider,
    ProviderFactory, ProviderSchema, ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse,
    Schema, ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_value::{Diagnostic, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// What a finder knows about a provider name.
#[derive(Clone)]
pub enum Found {
    /// A provider to start.
    Factory(ProviderFactory),
    /// The provider exists but cannot be used: a plugin that does not start,
    /// speaks another protocol version, does not meet the version
    /// constraint, or is required by the configuration and found nowhere.
    Failed(Diagnostic),
    /// This finder has nothing by that name.
    NotFound,
}

/// Looks a provider up by its local name (`example`). Installed by the
/// binary; may start a process (plugin handshake), so it should cache.
pub type ProviderFinder = Arc<dyn Fn(&str) -> Found + Send + Sync>;

/// Why [`ProviderRegistry::resolve`] found no provider.
#[derive(Clone, Debug)]
pub enum ResolveError {
    /// Nothing by that name anywhere, and nothing says it should exist.
    Unknown,
    /// The provider was found, or required, and cannot be used.
    Failed(Box<Diagnostic>),
}

/// The providers gitform can start, by name (`random`, `aws`, ...).
#[derive(Clone)]
pub struct ProviderRegistry {
    factories: HashMap<String, ProviderFactory>,
    /// Consulted before the in-process providers.
    overrides: Option<ProviderFinder>,
    /// Consulted after the in-process providers.
    plugins: Option<ProviderFinder>,
    /// Whether concurrency adapts to throttling (see [`crate::limit`]).
    adaptive: bool,
}

impl Default for ProviderRegistry {
    fn default() -> Self {
        ProviderRegistry {
            factories: HashMap::new(),
            overrides: None,
            plugins: None,
            adaptive: true,
        }
    }
}

impl ProviderRegistry {
    pub fn new() -> ProviderRegistry {
        ProviderRegistry::default()
    }

    /// Registers an in-process provider: a plain function (builtins) or a
    /// closure.
    pub fn register(
        &mut self,
        name: impl Into<String>,
        factory: impl Fn() -> Arc<dyn Provider> + Send + Sync + 'static,
    ) {
        self.factories.insert(name.into(), Arc::new(factory));
    }

    /// Registers an in-process provider from a ready [`ProviderFactory`].
    pub fn register_factory(&mut self, name: impl Into<String>, factory: ProviderFactory) {
        self.factories.insert(name.into(), factory);
    }

    /// Installs the finder consulted before the in-process providers.
    pub fn set_overrides(&mut self, finder: ProviderFinder) {
        self.overrides = Some(finder);
    }

    /// Installs the finder consulted after the in-process providers.
    pub fn set_plugins(&mut self, finder: ProviderFinder) {
        self.plugins = Some(finder);
    }

    /// Turns the adaptive concurrency on (the default) or off.
    pub fn set_adaptive(&mut self, adaptive: bool) {
        self.adaptive = adaptive;
    }

    pub fn adaptive(&self) -> bool {
        self.adaptive
    }

    /// The provider called `name`: an override, else an in-process
    /// provider, else a plugin. The error says why there is none.
    pub fn resolve(&self, name: &str) -> Result<ProviderFactory, ResolveError> {
        if let Some(finder) = &self.overrides {
            match finder(name) {
                Found::Factory(f) => return Ok(f),
                Found::Failed(d) => return Err(ResolveError::Failed(Box::new(d))),
                Found::NotFound => {}
            }
        }
        if let Some(f) = self.factories.get(name) {
            return Ok(f.clone());
        }
        match self.plugins.as_ref().map(|finder| finder(name)) {
            Some(Found::Factory(f)) => Ok(f),
            Some(Found::Failed(d)) => Err(ResolveError::Failed(Box::new(d))),
            Some(Found::NotFound) | None => Err(ResolveError::Unknown),
        }
    }

    /// The provider called `name`, or `None` when nothing by that name
    /// exists. A provider that exists but cannot be used (see
    /// [`Found::Failed`]) comes back as a provider whose `configure` and
    /// every other call report why, so callers that only know `get` still
    /// show the real reason. Prefer [`resolve`](Self::resolve).
    pub fn get(&self, name: &str) -> Option<ProviderFactory> {
        match self.resolve(name) {
            Ok(f) => Some(f),
            Err(ResolveError::Unknown) => None,
            Err(ResolveError::Failed(d)) => {
                let d: Arc<Diagnostic> = Arc::from(d);
                Some(Arc::new(move || {
                    Arc::new(UnavailableProvider {
                        diagnostic: (*d).clone(),
                    }) as Arc<dyn Provider>
                }))
            }
        }
    }

    /// The names of the in-process providers (plugins are found on demand).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.factories.keys().map(String::as_str)
    }
}

impl std::fmt::Debug for ProviderRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.names().collect();
        names.sort();
        f.debug_struct("ProviderRegistry")
            .field("providers", &names)
            .field("overrides", &self.overrides.is_some())
            .field("plugins", &self.plugins.is_some())
            .finish()
    }
}

/// A provider that could not be started: every call reports why.
struct UnavailableProvider {
    diagnostic: Diagnostic,
}

#[async_trait]
impl Provider for UnavailableProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema::default()
    }

    async fn validate_config(&self, _req: ValidateConfigRequest) -> ValidateConfigResponse {
        ValidateConfigResponse {
            diagnostics: vec![self.diagnostic.clone()],
        }
    }

    async fn configure(&self, _req: ConfigureRequest) -> ConfigureResponse {
        ConfigureResponse {
            diagnostics: vec![self.diagnostic.clone()],
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        ApplyChangeResponse {
            new_state: req.prior_state,
            private: req.planned_private,
            diagnostics: vec![self.diagnostic.clone()],
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: Some(req.current_state),
            private: req.private,
            diagnostics: vec![self.diagnostic.clone()],
        }
    }

    async fn read_data(&self, _req: ReadDataRequest) -> ReadDataResponse {
        ReadDataResponse {
            state: Value::Null,
            diagnostics: vec![self.diagnostic.clone()],
        }
    }
}

/// A started provider with its schema.
pub struct ProviderInstance {
    pub name: String,
    pub provider: Arc<dyn Provider>,
    pub schema: Arc<ProviderSchema>,
    /// This provider's own concurrency limit.
    pub limit: Arc<crate::limit::AdaptiveLimit>,
    /// The schema of each resource and data source type, shared: a node
    /// takes a reference instead of a copy of its type's schema.
    resources: HashMap<String, Arc<Schema>>,
    data_sources: HashMap<String, Arc<Schema>>,
}

impl ProviderInstance {
    pub fn start(name: &str, factory: ProviderFactory, adaptive: bool) -> ProviderInstance {
        let provider = factory();
        let schema = Arc::new(provider.schema());
        let shared = |types: &std::collections::BTreeMap<String, Schema>| {
            types
                .iter()
                .map(|(k, v)| (k.clone(), Arc::new(v.clone())))
                .collect()
        };
        ProviderInstance {
            name: name.to_string(),
            resources: shared(&schema.resources),
            data_sources: shared(&schema.data_sources),
            provider,
            schema,
            limit: Arc::new(crate::limit::AdaptiveLimit::new(adaptive)),
        }
    }

    /// The schema of a resource type.
    pub fn resource_schema(&self, type_name: &str) -> Option<Arc<Schema>> {
        self.resources.get(type_name).cloned()
    }

    /// The schema of a data source type.
    pub fn data_source_schema(&self, type_name: &str) -> Option<Arc<Schema>> {
        self.data_sources.get(type_name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gitform_provider::{ApplyChangeRequest, ReadRequest};

    struct Named(&'static str);

    #[async_trait]
    impl Provider for Named {
        fn schema(&self) -> ProviderSchema {
            let mut s = ProviderSchema::default();
            s.provider.block.description = self.0.to_string();
            s
        }
        async fn apply_change(&self, _req: ApplyChangeRequest) -> ApplyChangeResponse {
            ApplyChangeResponse::default()
        }
        async fn read(&self, _req: ReadRequest) -> ReadResponse {
            ReadResponse::default()
        }
    }

    fn builtin() -> Arc<dyn Provider> {
        Arc::new(Named("builtin"))
    }

    fn finder(table: &'static [(&'static str, &'static str)]) -> ProviderFinder {
        Arc::new(
            move |name: &str| match table.iter().find(|(n, _)| *n == name) {
                Some((_, "failed")) => Found::Failed(Diagnostic::error("Broken", name.to_string())),
                Some((_, origin)) => {
                    let origin: &'static str = origin;
                    Found::Factory(Arc::new(move || {
                        Arc::new(Named(origin)) as Arc<dyn Provider>
                    }))
                }
                None => Found::NotFound,
            },
        )
    }

    fn origin(r: &ProviderRegistry, name: &str) -> String {
        match r.resolve(name) {
            Ok(f) => f().schema().provider.block.description,
            Err(ResolveError::Unknown) => "unknown".into(),
            Err(ResolveError::Failed(d)) => format!("failed: {}", d.summary),
        }
    }

    #[test]
    fn resolution_order() {
        let mut r = ProviderRegistry::new();
        r.register("random", builtin);
        r.register("test", builtin);
        r.set_overrides(finder(&[("test", "override"), ("bad", "failed")]));
        r.set_plugins(finder(&[("random", "plugin"), ("example", "plugin")]));
        for (name, want) in [
            // An override wins over a builtin.
            ("test", "override"),
            // A builtin wins over an installed plugin.
            ("random", "builtin"),
            ("example", "plugin"),
            ("bad", "failed: Broken"),
            ("nothing", "unknown"),
        ] {
            assert_eq!(origin(&r, name), want, "{name}");
        }
    }

    #[tokio::test]
    async fn get_turns_a_failure_into_a_provider_that_reports_it() {
        let mut r = ProviderRegistry::new();
        r.set_plugins(finder(&[("bad", "failed")]));
        assert!(r.get("nothing").is_none());
        let p = r.get("bad").expect("a provider that reports the failure")();
        let resp = p
            .configure(ConfigureRequest {
                config: Value::Null,
            })
            .await;
        assert_eq!(resp.diagnostics.len(), 1);
        assert_eq!(resp.diagnostics[0].summary, "Broken");
        assert_eq!(resp.diagnostics[0].detail, "bad");
    }
}
