//! The builtin `test` provider served out of process, through the plugin
//! SDK: the same provider gitform runs in-process, behind the wire.

fn main() -> std::process::ExitCode {
    gitform_plugin_sdk::serve!(gitform_builtin::TestProvider::default())
}
