//! Which providers this binary can use: the builtin ones, the AWS provider
//! (both in-process) and, later, provider plugins found on disk.

use gitform_engine::ProviderRegistry;

/// The providers compiled into this binary.
pub fn registry() -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        r.register(name, f);
    }
    r.register("aws", gitform_aws::provider);
    r
}
