//! gitform's benchmark harness: a generator of configurations of N
//! resources ([`generate`]), the expressions of a loaded module
//! ([`expressions`]), timing helpers ([`timing`]) and the language-layer
//! benchmark ([`load`]). The `gitform-bench` binary drives them; see
//! `bench/README.md`.

pub mod expressions;
pub mod generate;
pub mod load;
pub mod timing;
