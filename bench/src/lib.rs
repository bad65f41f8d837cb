//! gitform's benchmark harness: a generator of configurations of N
//! resources ([`generate`]), the expressions of a loaded module
//! ([`expressions`]), timing helpers ([`timing`]), the language-layer
//! benchmark ([`load`]) and the engine benchmarks ([`engine`]). The `gitform-bench` binary drives them; see
//! `bench/README.md`.

pub mod engine;
pub mod expressions;
pub mod generate;
pub mod load;
pub mod timing;
