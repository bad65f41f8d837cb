//! Transitional: the names the security suite used before the test drivers
//! were folded into `tests/support`, kept for `security_groups.rs` until it
//! moves to `support` (then delete this module). `Env` derefs to
//! `support::Env`; the methods below keep their old signatures.
#![allow(dead_code, unused_imports)]

#[path = "../support/mod.rs"]
mod support;

pub use support::*;

use gitform_value::Value;

/// `support::Env` with the security suite's method signatures.
pub struct Env(support::Env);

impl std::ops::Deref for Env {
    type Target = support::Env;
    fn deref(&self) -> &support::Env {
        &self.0
    }
}

/// The test environment with [`Setup::PLAIN`].
pub async fn env(test: &str) -> Option<Env> {
    support::env(test).await.map(Env)
}

impl Env {
    /// = `support::Env::nested`.
    pub fn block(&self, type_name: &str, block: &str, attrs: &[(&str, Value)]) -> Value {
        self.0.nested(type_name, block, attrs)
    }

    /// The error lines of validate_config.
    pub async fn validate(&self, type_name: &str, config: &Value) -> Vec<String> {
        errors(&self.0.validate(type_name, config).await)
    }

    /// = `support::Env::apply` (no agreement check against the plan).
    pub async fn create(&self, type_name: &str, config: &Value) -> Value {
        self.0.apply(type_name, None, config).await
    }

    /// = `support::Env::read_all`.
    pub async fn read(&self, type_name: &str, states: &[Value]) -> Vec<Option<Value>> {
        self.0.read_all(type_name, states).await
    }

    /// = `support::Env::read`.
    pub async fn read_one(&self, type_name: &str, state: &Value) -> Option<Value> {
        self.0.read(type_name, state).await
    }

    /// = `support::Env::try_read_data`.
    pub async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, Vec<String>> {
        self.0.try_read_data(type_name, config).await
    }

    /// A replacement as the engine runs it; returns the replace paths and
    /// the new state.
    pub async fn replace(
        &self,
        type_name: &str,
        prior: &Value,
        config: &Value,
    ) -> (Vec<String>, Value) {
        let (_, paths) = self.0.plan_update(type_name, prior, config).await;
        assert!(!paths.is_empty(), "{type_name}: expected a replacement");
        self.0.destroy(type_name, prior).await;
        let state = self.create(type_name, config).await;
        (paths, state)
    }
}
