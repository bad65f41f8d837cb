//! Provider instances for one run: made from factories by name, one per
//! provider configuration, configured once, with their schema cached.

use gitform_provider::{Provider, ProviderFactory, ProviderSchema};
use std::collections::HashMap;
use std::sync::Arc;

/// The providers gitform can start, by name (`random`, `aws`, ...).
#[derive(Clone)]
pub struct ProviderRegistry {
    factories: HashMap<String, ProviderFactory>,
    /// Whether concurrency adapts to throttling (see [`crate::limit`]).
    adaptive: bool,
}

impl Default for ProviderRegistry {
    fn default() -> Self {
        ProviderRegistry {
            factories: HashMap::new(),
            adaptive: true,
        }
    }
}

impl ProviderRegistry {
    pub fn new() -> ProviderRegistry {
        ProviderRegistry::default()
    }

    pub fn register(&mut self, name: impl Into<String>, factory: ProviderFactory) {
        self.factories.insert(name.into(), factory);
    }

    /// Turns the adaptive concurrency on (the default) or off.
    pub fn set_adaptive(&mut self, adaptive: bool) {
        self.adaptive = adaptive;
    }

    pub fn adaptive(&self) -> bool {
        self.adaptive
    }

    pub fn get(&self, name: &str) -> Option<ProviderFactory> {
        self.factories.get(name).copied()
    }

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
            .finish()
    }
}

/// A started provider with its schema.
pub struct ProviderInstance {
    pub name: String,
    pub provider: Arc<dyn Provider>,
    pub schema: Arc<ProviderSchema>,
    /// This provider's own concurrency limit.
    pub limit: crate::limit::AdaptiveLimit,
}

impl ProviderInstance {
    pub fn start(name: &str, factory: ProviderFactory, adaptive: bool) -> ProviderInstance {
        let provider = factory();
        let schema = Arc::new(provider.schema());
        ProviderInstance {
            name: name.to_string(),
            provider,
            schema,
            limit: crate::limit::AdaptiveLimit::new(adaptive),
        }
    }
}
