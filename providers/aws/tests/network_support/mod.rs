//! Transitional: the names the networking suite used before the test
//! drivers were folded into `tests/support`, kept for `network_routes.rs`
//! until it moves to `support` (then delete this module). Everything is
//! `support`'s; only `env` (networking setup) and `set` differ.
#![allow(dead_code, unused_imports)]

#[path = "../support/mod.rs"]
mod support;

pub use support::set_attr as set;
pub use support::*;

/// The test environment with [`Setup::NETWORK`].
pub async fn env(test: &str) -> Option<Env> {
    env_with(test, Setup::NETWORK).await
}
