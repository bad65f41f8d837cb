//! Integration tests of the SQLite state store.

mod batches;
mod fixtures;
mod locks;
mod migrations;
mod outputs_runs;
mod resources;
mod throughput;
mod versions;
