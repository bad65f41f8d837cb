//! The providers built into gitform:
//!
//! - `terraform`: `terraform_data` ([`TerraformProvider`]);
//! - `random`: `random_id`, `random_string`, `random_password`,
//!   `random_integer`, `random_pet`, `random_uuid` ([`RandomProvider`]);
//! - `local`: `local_file`, `local_sensitive_file`, as resources and data
//!   sources ([`LocalProvider`]);
//! - `test`: a TEST-ONLY provider for exercising the engine, with
//!   configurable latency and failures ([`TestProvider`]).
//!
//! Names, attributes and behaviour follow Terraform's builtin provider and
//! hashicorp/random and hashicorp/local, so existing configurations work
//! unchanged.

mod local;
mod object;
mod random;
mod terraform;
mod test_provider;

pub use gitform_provider::implied_provider_name;
pub use local::LocalProvider;
pub use random::RandomProvider;
pub use terraform::TerraformProvider;
pub use test_provider::{
    peak_in_flight, reset_peak_in_flight, throttle_events_total, TestProvider,
};

use gitform_provider::{Provider, ProviderFn};
use std::sync::Arc;

/// Every builtin provider: its name (as in `provider "random" {}` and in
/// resource type prefixes) and a factory.
pub fn builtin_providers() -> Vec<(&'static str, ProviderFn)> {
    fn terraform() -> Arc<dyn Provider> {
        Arc::new(TerraformProvider)
    }
    fn random() -> Arc<dyn Provider> {
        Arc::new(RandomProvider)
    }
    fn local() -> Arc<dyn Provider> {
        Arc::new(LocalProvider)
    }
    fn test() -> Arc<dyn Provider> {
        Arc::new(TestProvider::default())
    }
    vec![
        ("terraform", terraform),
        ("random", random),
        ("local", local),
        ("test", test),
    ]
}

/// The factory of the builtin provider called `name`.
pub fn builtin_provider(name: &str) -> Option<ProviderFn> {
    builtin_providers()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| f)
}
