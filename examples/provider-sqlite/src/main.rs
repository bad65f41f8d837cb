//! The `gitform-provider-sqlite` plugin executable: the provider of
//! `lib.rs`, served over gitform's plugin protocol.

fn main() -> std::process::ExitCode {
    gitform_plugin_sdk::serve!(gitform_provider_sqlite::SqliteProvider::default())
}
