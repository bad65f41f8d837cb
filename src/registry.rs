//! Which providers this binary can use: the builtin ones and AWS (both
//! in-process), and provider plugins found on disk (see the "Discovery"
//! section of docs/providers/protocol.md).
//!
//! A name resolves to, in order: a plugin in an override directory
//! (`GITFORM_PROVIDER_OVERRIDES`, wins even over builtins), an in-process
//! provider, a plugin installed in `.gitform/plugins/` or the user's plugin
//! directory. A plugin is started (handshake) the first time its name is
//! asked for, and its version checked against `required_providers`.

use gitform_engine::providers::Found;
use gitform_engine::ProviderRegistry;
use gitform_plugin::discovery::{self, find_installed, find_override, not_found};
use gitform_plugin::{Origin, PluginSettings, Requirement, SearchPaths};
use gitform_value::Diagnostic;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock};

/// Where plugins are looked for, and what the configuration being run
/// requires of them.
#[derive(Debug, Clone, Default)]
pub struct PluginSearch {
    /// `.gitform/plugins/` is looked for in this directory: the working
    /// directory for the command line, the environment's data directory
    /// for the agent. Made absolute, so that diagnostics show where gitform
    /// looked.
    pub base_dir: PathBuf,
    /// The `required_providers` of the configuration (see
    /// [`requirements`]), by local name.
    pub requirements: BTreeMap<String, Requirement>,
}

/// The providers of this binary, finding plugins as `search` says. Use it
/// once the configuration is loaded (its `required_providers` are then
/// known, whether it came from disk or from a commit):
///
/// ```ignore
/// let (mut ws, diags) = operations::load(dir, ProviderRegistry::new());
/// ws.registry = registry_for(PluginSearch {
///     base_dir: dir.into(),
///     requirements: requirements(&ws.root),
/// });
/// ```
pub fn registry_for(search: PluginSearch) -> ProviderRegistry {
    let base = std::path::absolute(&search.base_dir).unwrap_or(search.base_dir);
    let requirements = OnceLock::new();
    let _ = requirements.set(search.requirements);
    providers(PluginFinder::new(&base, requirements))
}

fn providers(finder: PluginFinder) -> ProviderRegistry {
    let mut r = ProviderRegistry::new();
    for (name, f) in gitform_builtin::builtin_providers() {
        r.register(name, f);
    }
    r.register("aws", gitform_aws::provider);
    let finder = Arc::new(finder);
    let overrides = finder.clone();
    r.set_overrides(Arc::new(move |name: &str| {
        overrides.find(name, Origin::Override)
    }));
    r.set_plugins(Arc::new(move |name: &str| {
        finder.find(name, Origin::Installed)
    }));
    r
}

/// The `required_providers` entries of `module` and its local modules, by
/// local name (the root module's entry wins).
pub fn requirements(module: &gitform_config::Module) -> BTreeMap<String, Requirement> {
    fn walk(m: &gitform_config::Module, out: &mut BTreeMap<String, Requirement>) {
        for (name, rp) in &m.terraform.required_providers {
            out.entry(name.clone()).or_insert_with(|| Requirement {
                source: rp.source.clone(),
                version: rp.version.clone(),
                declared_at: Some(rp.range.clone()),
            });
        }
        for c in m.children.values() {
            walk(c, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(module, &mut out);
    out
}

/// Kills every plugin process still running. For exits that skip
/// destructors: a second Ctrl-C or SIGTERM, a SIGTERM outside an apply. A normal run stops its plugins
/// cleanly on its own.
pub fn stop_plugins() {
    gitform_plugin::kill_all();
}

/// Finds plugins and remembers what it found (one handshake per name).
struct PluginFinder {
    dir: PathBuf,
    paths: SearchPaths,
    settings: Result<PluginSettings, Diagnostic>,
    /// `required_providers` of the configuration: given, or (for
    /// [`registry`]) read from `dir` when first needed.
    requirements: OnceLock<BTreeMap<String, Requirement>>,
    found: Mutex<HashMap<(String, bool), Found>>,
}

impl PluginFinder {
    fn new(dir: &Path, requirements: OnceLock<BTreeMap<String, Requirement>>) -> PluginFinder {
        let settings = PluginSettings::from_env()
            .map_err(|e| Diagnostic::error("Invalid plugin setting", e.to_string()));
        PluginFinder {
            dir: dir.to_path_buf(),
            paths: SearchPaths::from_env(dir),
            settings,
            requirements,
            found: Mutex::new(HashMap::new()),
        }
    }

    fn requirement(&self, name: &str) -> Option<&Requirement> {
        self.requirements
            .get_or_init(|| requirements(&gitform_config::load_module(&self.dir).0))
            .get(name)
    }

    fn find(&self, name: &str, origin: Origin) -> Found {
        let key = (name.to_string(), origin == Origin::Override);
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = found.get(&key) {
            return f.clone();
        }
        let f = self.look(name, origin);
        found.insert(key, f.clone());
        f
    }

    fn look(&self, name: &str, origin: Origin) -> Found {
        let path = match origin {
            Origin::Override => {
                if self.paths.overrides.is_empty() {
                    return Found::NotFound;
                }
                match find_override(&self.paths, name, self.requirement(name)) {
                    Some(p) => p,
                    None => return Found::NotFound,
                }
            }
            Origin::Installed => {
                let req = self.requirement(name);
                let search = match find_installed(&self.paths, name, req) {
                    Ok(s) => s,
                    Err(d) => return Found::Failed(*d),
                };
                match search.found {
                    Some(p) => p,
                    // Required by the configuration: say where we looked.
                    None if req.is_some() => {
                        return Found::Failed(not_found(name, req, &self.paths, &search.looked))
                    }
                    None => return Found::NotFound,
                }
            }
        };
        let settings = match &self.settings {
            Ok(s) => *s,
            Err(d) => return Found::Failed(d.clone()),
        };
        install_signal_cleanup();
        match discovery::load(name, &path, origin, self.requirement(name), settings) {
            Ok(plugin) => Found::Factory(plugin.factory()),
            Err(d) => Found::Failed(*d),
        }
    }
}

/// Whether [`install_signal_cleanup`] may take over SIGTERM (see
/// [`handle_sigterm_elsewhere`]).
static SIGTERM_CLEANUP: AtomicBool = AtomicBool::new(true);

/// How many graceful signal windows are open (see [`graceful_signals`]).
static GRACEFUL: AtomicUsize = AtomicUsize::new(0);

/// For commands that handle SIGTERM themselves (the agent shuts down
/// gracefully, and its providers, plugins included, stop when dropped):
/// plugin discovery then leaves SIGTERM alone.
pub fn handle_sigterm_elsewhere() {
    SIGTERM_CLEANUP.store(false, Ordering::SeqCst);
}

/// While the returned guard lives, a SIGTERM is the caller's to handle (an
/// apply treats it like Ctrl-C: stop starting new work, let the changes in
/// flight finish and be recorded). Outside such a window a SIGTERM stops
/// every plugin and exits 143, as the signal would, plugins or not.
pub fn graceful_signals() -> GracefulSignals {
    GRACEFUL.fetch_add(1, Ordering::SeqCst);
    install_signal_cleanup();
    GracefulSignals(())
}

/// See [`graceful_signals`].
pub struct GracefulSignals(());

impl Drop for GracefulSignals {
    fn drop(&mut self) {
        GRACEFUL.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Once a plugin runs (or an apply starts): on SIGTERM outside a graceful
/// window, kill every plugin process and exit as a SIGTERM would (status
/// 143), rather than leave them behind.
fn install_signal_cleanup() {
    static ONCE: Once = Once::new();
    if !SIGTERM_CLEANUP.load(Ordering::SeqCst) {
        return;
    }
    ONCE.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("plugin-sigterm".into())
            .spawn(|| {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    use tokio::signal::unix::{signal, SignalKind};
                    let Ok(mut term) = signal(SignalKind::terminate()) else {
                        return;
                    };
                    while term.recv().await.is_some() {
                        if GRACEFUL.load(Ordering::SeqCst) > 0 {
                            // The apply's own watcher has it.
                            continue;
                        }
                        stop_plugins();
                        std::process::exit(143);
                    }
                });
            });
        if let Err(e) = spawned {
            tracing::warn!("could not watch for SIGTERM: {e}");
        }
    });
}
