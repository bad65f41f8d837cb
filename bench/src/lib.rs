//! gitform's benchmark harness: a generator of configurations of N
//! resources ([`generate`]), the expressions of a loaded module
//! ([`expressions`]), timing helpers ([`timing`]), the language-layer
//! benchmark ([`load`]), the engine benchmarks ([`engine`]), the engine
//! scenarios measured in process ([`inprocess`]: throttling, concurrency
//! limits, refresh calls), the scaling sweep ([`sweep`]) and its SVG plot
//! writer ([`plot`]). The `gitform-bench` binary drives them; see
//! `bench/README.md`.

pub mod engine;
pub mod expressions;
pub mod generate;
pub mod inprocess;
pub mod load;
pub mod plot;
pub mod sweep;
pub mod timing;
