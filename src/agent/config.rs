//! The agent's configuration file (`agent.hcl`): one optional `agent` block
//! and one `environment "NAME"` block per tracked environment.
//!
//! Values are HCL expressions evaluated with gitform's language: functions
//! work (`file("keys/alice.pub")`, relative to the file's directory) and the
//! `env` object holds the process environment, so secrets need not be
//! written into the file (`secret = env.HOOK_SECRET`). Every mistake is a
//! diagnostic pointing at the attribute or block, and loading reports all of
//! them at once.

use gitform_lang::EvalContext;
use gitform_value::{Diagnostic, Diagnostics, SourceFile, SourceRange, Value};
use hcl_edit::structure::{self, Structure};
use hcl_edit::Span;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The whole agent configuration.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub agent: AgentSettings,
    pub environments: Vec<EnvironmentConfig>,
}

/// The `agent { ... }` block.
#[derive(Debug, Clone)]
pub struct AgentSettings {
    /// Where the HTTP API listens (`listen`, loopback by default).
    pub listen: SocketAddr,
    /// Shared secret of `POST /api/environments/NAME/sync` (`sync_secret`).
    /// Without one the endpoint accepts requests only from loopback peers.
    pub sync_secret: Option<Secret>,
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `gitform=debug` (`log_level`).
    pub log_level: String,
    /// Clones of remote repositories and default state databases
    /// (`data_dir`, default `.gitform-agent` next to the config file).
    pub data_dir: PathBuf,
    /// Backoff after a failure: first delay (`retry_initial`) and cap
    /// (`retry_max`); the delay doubles after every consecutive failure.
    pub retry: RetryPolicy,
}

/// How the agent writes its logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Exponential backoff bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial: Duration,
    pub max: Duration,
}

/// One `environment "NAME" { ... }` block.
#[derive(Debug, Clone)]
pub struct EnvironmentConfig {
    pub name: String,
    /// A local path (relative to the config file), `file://`, `https://`,
    /// `ssh://` or scp-like `git@host:repo.git`.
    pub repository: String,
    pub branch: String,
    /// The root module's directory inside the repository (`""` = the root).
    pub path: String,
    /// Root module variables (`variables = { ... }`).
    pub variables: BTreeMap<String, Value>,
    /// A variable definitions file inside the repository, relative to
    /// `path` (`var_file`).
    pub var_file: Option<String>,
    /// The environment's own SQLite state database.
    pub state: PathBuf,
    pub poll_interval: Duration,
    pub drift: DriftSchedule,
    pub on_commit: CommitPolicy,
    pub on_drift: DriftPolicy,
    pub ignore_drift: Vec<IgnoreDriftRule>,
    pub webhooks: Vec<WebhookConfig>,
    /// `require_signatures { trusted_keys = [...] }`: only signed commits
    /// from these keys are applied.
    pub signatures: Option<SignaturePolicy>,
    /// `-parallelism` of this environment's runs.
    pub parallelism: usize,
    /// How long one fetch may take.
    pub fetch_timeout: Duration,
    /// A private key file for `ssh://` repositories (`ssh_key`); otherwise
    /// the ssh-agent is asked.
    pub ssh_key: Option<PathBuf>,
    /// The block header, for messages.
    pub range: SourceRange,
}

/// When drift checks run.
#[derive(Debug, Clone)]
pub enum DriftSchedule {
    /// Every interval after the previous check (`drift_interval`).
    Every(Duration),
    /// At the times a cron expression names, in UTC (`drift_cron`).
    Cron(Box<croner::Cron>),
    /// `drift_interval = "off"`.
    Never,
}

/// What happens when the tracked branch moves (`on_commit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitPolicy {
    AutoApply,
    PlanOnly,
}

/// What happens when a drift check finds changes made outside gitform
/// (`on_drift`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftPolicy {
    /// Report, then apply the current commit's desired state again.
    Revert,
    /// Report only.
    Alert,
    /// Record the check, send nothing.
    Ignore,
}

impl DriftPolicy {
    /// The name `on_drift` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftPolicy::Revert => "revert",
            DriftPolicy::Alert => "alert",
            DriftPolicy::Ignore => "ignore",
        }
    }
}

impl CommitPolicy {
    /// The name `on_commit` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            CommitPolicy::AutoApply => "auto-apply",
            CommitPolicy::PlanOnly => "plan-only",
        }
    }
}

/// `ignore_drift { resources = [...] attributes = [...] }`: drift of these
/// attributes of these resources is expected and not reported.
#[derive(Debug, Clone)]
pub struct IgnoreDriftRule {
    /// Address patterns (`local_file.stamp`, `aws_instance.*`, `*`): `*`
    /// matches any run of characters.
    pub resources: Vec<String>,
    /// Attribute paths (`tags`, `tags.Owner`); empty means every attribute.
    pub attributes: Vec<String>,
}

/// One `webhook { ... }` block.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: String,
    /// Signs each payload: `X-Gitform-Signature: sha256=HEX` (HMAC-SHA256).
    pub secret: Option<Secret>,
    /// Which events to send (`events`); empty means all of them.
    pub events: Vec<String>,
    pub timeout: Duration,
}

/// `require_signatures { ... }`.
#[derive(Debug, Clone)]
pub struct SignaturePolicy {
    /// OpenSSH public keys (`ssh-ed25519 AAAA... comment`), git
    /// `allowed_signers` lines, or ASCII-armoured OpenPGP public key blocks
    /// (verified with gpgv/gpg).
    pub trusted_keys: gitform_git::TrustedKeys,
}

/// A value that must not be logged or printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Event names a webhook may subscribe to.
pub const EVENTS: &[&str] = &[
    "applied", "planned", "drift", "reverted", "refused", "failed",
];

/// A loaded configuration, or every problem found; `file` is for snippets.
pub struct Loaded {
    pub config: Option<AgentConfig>,
    pub diagnostics: Diagnostics,
    pub file: Option<Arc<SourceFile>>,
}

/// Reads and checks the configuration file at `path`. `env` is what the
/// `env` object holds (the process environment).
pub fn load(path: &Path, env: &BTreeMap<String, String>) -> Loaded {
    let text = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Loaded {
                config: None,
                diagnostics: Diagnostic::error(
                    "Failed to read the agent configuration",
                    format!(
                        "Could not read {}: {}. Pass the path of an agent configuration file with -config.",
                        path.display(),
                        crate::io_error_text(&e)
                    ),
                )
                .into(),
                file: None,
            }
        }
    };
    let text = match String::from_utf8(text) {
        Ok(t) => t,
        Err(_) => {
            return Loaded {
                config: None,
                diagnostics: Diagnostic::error(
                    "Invalid character encoding",
                    format!("{} is not valid UTF-8. Save it as UTF-8.", path.display()),
                )
                .into(),
                file: None,
            }
        }
    };
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let file = Arc::new(SourceFile::new(path.display().to_string(), text));
    let (config, diagnostics) = parse(&file, &base, env);
    Loaded {
        config,
        diagnostics,
        file: Some(file),
    }
}

/// Decodes a configuration text. Relative paths are resolved against `base`.
pub fn parse(
    file: &Arc<SourceFile>,
    base: &Path,
    env: &BTreeMap<String, String>,
) -> (Option<AgentConfig>, Diagnostics) {
    let (body, mut diags) = gitform_config::parse_source_file(file);
    let env_obj = Value::Object(
        env.iter()
            .map(|(k, v)| (k.clone(), Value::string(v.clone())))
            .collect(),
    );
    let mut ctx = EvalContext::new().with_root("env", env_obj);
    ctx.func.base_dir = base.to_path_buf();
    let d = Decoder {
        file,
        ctx: &ctx,
        base,
        env,
    };
    let mut agent_block: Option<structure::Block> = None;
    let mut env_blocks = Vec::new();
    for s in body {
        match s {
            Structure::Attribute(a) => diags.push(
                Diagnostic::error(
                    format!("Unexpected argument \"{}\"", a.key.as_str()),
                    "The top level of an agent configuration holds only an `agent` block and `environment \"NAME\"` blocks. Move this argument into one of them.",
                )
                .with_range(Some(d.range_of(&a.key, &a))),
            ),
            Structure::Block(b) => match b.ident.as_str() {
                "agent" => {
                    if agent_block.is_some() {
                        diags.push(
                            Diagnostic::error(
                                "Duplicate agent block",
                                "Only one `agent` block is allowed. Merge the two.",
                            )
                            .with_range(Some(d.range_of(&b.ident, &b))),
                        );
                    } else {
                        if !b.labels.is_empty() {
                            diags.push(
                                Diagnostic::error(
                                    "Extraneous label for agent",
                                    "The `agent` block takes no labels: write `agent { ... }`.",
                                )
                                .with_range(Some(d.range_of(&b.ident, &b))),
                            );
                        }
                        agent_block = Some(b);
                    }
                }
                "environment" => env_blocks.push(b),
                other => {
                    let hint = gitform_config::suggest::suggest(other, ["agent", "environment"])
                        .map(|s| format!(" Did you mean \"{s}\"?"))
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::error(
                            format!("Unsupported block type \"{other}\""),
                            format!("An agent configuration holds `agent` and `environment` blocks only.{hint}"),
                        )
                        .with_range(Some(d.range_of(&b.ident, &b))),
                    );
                }
            },
        }
    }
    let agent = d.agent_settings(agent_block.as_ref(), &mut diags);
    let mut environments = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for b in &env_blocks {
        if let Some(e) = d.environment(b, &agent, &mut diags) {
            if !names.insert(e.name.clone()) {
                diags.push(
                    Diagnostic::error(
                        format!("Duplicate environment \"{}\"", e.name),
                        "Each environment needs its own name: the name keys its state, its metrics and its API path.",
                    )
                    .with_range(Some(e.range.clone())),
                );
                continue;
            }
            environments.push(e);
        }
    }
    if env_blocks.is_empty() && !diags.has_errors() {
        diags.push(
            Diagnostic::error(
                "No environments",
                "The agent has nothing to do: add at least one `environment \"NAME\" { repository = \"...\" }` block.",
            )
            .with_range(Some(file.range(0..0))),
        );
    }
    let mut states: BTreeMap<PathBuf, &str> = BTreeMap::new();
    for e in &environments {
        if let Some(other) = states.insert(e.state.clone(), &e.name) {
            diags.push(
                Diagnostic::error(
                    "Two environments share a state",
                    format!(
                        "Environments \"{other}\" and \"{}\" both use the state {}. Give each environment its own `state` path.",
                        e.name,
                        e.state.display()
                    ),
                )
                .with_range(Some(e.range.clone())),
            );
        }
    }
    if diags.has_errors() {
        return (None, diags);
    }
    (
        Some(AgentConfig {
            agent,
            environments,
        }),
        diags,
    )
}

/// What decoding needs: the file (for ranges), the evaluation context and
/// the directory relative paths start from.
struct Decoder<'a> {
    file: &'a Arc<SourceFile>,
    ctx: &'a EvalContext,
    base: &'a Path,
    env: &'a BTreeMap<String, String>,
}

const AGENT_ATTRS: &[&str] = &[
    "listen",
    "sync_secret",
    "log_format",
    "log_level",
    "data_dir",
    "retry_initial",
    "retry_max",
];

const ENV_ATTRS: &[&str] = &[
    "repository",
    "branch",
    "path",
    "variables",
    "var_file",
    "state",
    "poll_interval",
    "drift_interval",
    "drift_cron",
    "on_commit",
    "on_drift",
    "parallelism",
    "fetch_timeout",
    "ssh_key",
];

const ENV_BLOCKS: &[&str] = &["ignore_drift", "webhook", "require_signatures"];

/// The attributes of a body by name, and its nested blocks, after
/// reporting unknown names.
struct Items<'b> {
    attrs: BTreeMap<String, &'b structure::Attribute>,
    blocks: Vec<&'b structure::Block>,
}

impl Items<'_> {
    fn get(&self, name: &str) -> Option<&structure::Attribute> {
        self.attrs.get(name).copied()
    }
}

impl Decoder<'_> {
    fn range_of(&self, node: &impl Span, fallback: &impl Span) -> SourceRange {
        self.file
            .range(node.span().or_else(|| fallback.span()).unwrap_or(0..0))
    }

    fn expr_range(&self, a: &structure::Attribute) -> SourceRange {
        self.range_of(&a.value, a)
    }

    /// Splits a body into known attributes and blocks; reports the rest.
    fn items<'b>(
        &self,
        body: &'b structure::Body,
        what: &str,
        attr_names: &[&str],
        block_names: &[&str],
        diags: &mut Diagnostics,
    ) -> Items<'b> {
        let mut attrs = BTreeMap::new();
        let mut blocks = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    if attr_names.contains(&name) {
                        attrs.insert(name.to_string(), a);
                        continue;
                    }
                    let hint = gitform_config::suggest::suggest(
                        name,
                        attr_names.iter().chain(block_names).copied(),
                    )
                    .map(|s| format!(" Did you mean \"{s}\"?"))
                    .unwrap_or_default();
                    let detail = if block_names.contains(&name) {
                        format!("\"{name}\" is a block here: write `{name} {{ ... }}`.")
                    } else {
                        format!("An argument named \"{name}\" is not expected in {what}.{hint}")
                    };
                    diags.push(
                        Diagnostic::error("Unsupported argument", detail)
                            .with_range(Some(self.range_of(&a.key, a))),
                    );
                }
                Structure::Block(b) => {
                    let name = b.ident.as_str();
                    if block_names.contains(&name) {
                        blocks.push(b);
                        continue;
                    }
                    let hint = gitform_config::suggest::suggest(
                        name,
                        block_names.iter().chain(attr_names).copied(),
                    )
                    .map(|s| format!(" Did you mean \"{s}\"?"))
                    .unwrap_or_default();
                    let detail = if attr_names.contains(&name) {
                        format!("\"{name}\" is an argument here: write `{name} = ...`.")
                    } else {
                        format!("Blocks of type \"{name}\" are not expected in {what}.{hint}")
                    };
                    diags.push(
                        Diagnostic::error("Unsupported block type", detail)
                            .with_range(Some(self.range_of(&b.ident, b))),
                    );
                }
            }
        }
        Items { attrs, blocks }
    }

    /// Evaluates an attribute's expression; `None` after a diagnostic.
    fn value(&self, a: &structure::Attribute, diags: &mut Diagnostics) -> Option<Value> {
        let mut missing = false;
        for r in gitform_lang::references(&a.value) {
            if let gitform_lang::Subject::Resource { type_name, name } = &r.subject {
                if type_name == "env" && !self.env.contains_key(name) {
                    missing = true;
                    diags.push(
                        Diagnostic::error(
                            "Environment variable not set",
                            format!("\"{}\" refers to the environment variable {name}, which is not set. Export it before starting the agent.", a.key.as_str()),
                        )
                        .with_range(Some(self.file.range(r.span.clone()))),
                    );
                }
            }
        }
        if missing {
            return None;
        }
        match gitform_lang::eval(&a.value, self.ctx, self.file) {
            Ok(v) => Some(unmark(v)),
            Err(d) => {
                diags.extend(d);
                None
            }
        }
    }

    fn invalid(&self, a: &structure::Attribute, summary: &str, detail: String) -> Diagnostic {
        Diagnostic::error(summary, detail).with_range(Some(self.expr_range(a)))
    }

    fn string(&self, a: &structure::Attribute, diags: &mut Diagnostics) -> Option<String> {
        let v = self.value(a, diags)?;
        match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_canonical_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                diags.push(self.invalid(
                    a,
                    "Incorrect attribute value type",
                    format!(
                        "\"{}\" must be a string, not {}.",
                        a.key.as_str(),
                        describe(&other)
                    ),
                ));
                None
            }
        }
    }

    fn strings(&self, a: &structure::Attribute, diags: &mut Diagnostics) -> Option<Vec<String>> {
        let v = self.value(a, diags)?;
        let items = match &v {
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs,
            other => {
                diags.push(self.invalid(
                    a,
                    "Incorrect attribute value type",
                    format!(
                        "\"{}\" must be a list of strings, such as [\"a\", \"b\"], not {}.",
                        a.key.as_str(),
                        describe(other)
                    ),
                ));
                return None;
            }
        };
        let mut out = Vec::new();
        for (i, x) in items.iter().enumerate() {
            match unmark(x.clone()) {
                Value::String(s) => out.push(s),
                other => {
                    diags.push(self.invalid(
                        a,
                        "Incorrect attribute value type",
                        format!(
                            "Element {i} of \"{}\" must be a string, not {}.",
                            a.key.as_str(),
                            describe(&other)
                        ),
                    ));
                    return None;
                }
            }
        }
        Some(out)
    }

    fn duration(&self, a: &structure::Attribute, diags: &mut Diagnostics) -> Option<Duration> {
        let text = self.string(a, diags)?;
        match parse_duration(&text) {
            Ok(d) => Some(d),
            Err(why) => {
                diags.push(self.invalid(
                    a,
                    "Invalid duration",
                    format!(
                        "\"{}\" = {text:?}: {why}. Write a duration such as \"30s\", \"5m\" or \"1h30m\".",
                        a.key.as_str()
                    ),
                ));
                None
            }
        }
    }

    fn path(&self, a: &structure::Attribute, diags: &mut Diagnostics) -> Option<PathBuf> {
        let text = self.string(a, diags)?;
        Some(self.base.join(text))
    }

    /// One of `choices`.
    fn choice(
        &self,
        a: &structure::Attribute,
        choices: &[&str],
        diags: &mut Diagnostics,
    ) -> Option<String> {
        let text = self.string(a, diags)?;
        if choices.contains(&text.as_str()) {
            return Some(text);
        }
        let hint = gitform_config::suggest::suggest(&text, choices.iter().copied())
            .map(|s| format!(" Did you mean \"{s}\"?"))
            .unwrap_or_default();
        let list: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
        diags.push(self.invalid(
            a,
            "Invalid value",
            format!(
                "\"{}\" must be one of {}, not {text:?}.{hint}",
                a.key.as_str(),
                list.join(", ")
            ),
        ));
        None
    }

    fn agent_settings(
        &self,
        block: Option<&structure::Block>,
        diags: &mut Diagnostics,
    ) -> AgentSettings {
        let mut s = AgentSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8474)),
            sync_secret: None,
            log_format: LogFormat::Text,
            log_level: "info".to_string(),
            data_dir: self.base.join(".gitform-agent"),
            retry: RetryPolicy {
                initial: Duration::from_secs(2),
                max: Duration::from_secs(300),
            },
        };
        let Some(block) = block else { return s };
        let items = self.items(&block.body, "the agent block", AGENT_ATTRS, &[], diags);
        if let Some(a) = items.get("listen") {
            if let Some(text) = self.string(a, diags) {
                match text.parse::<SocketAddr>() {
                    Ok(addr) => s.listen = addr,
                    Err(_) => diags.push(self.invalid(
                        a,
                        "Invalid listen address",
                        format!("{text:?} is not an IP address and port. Write one such as \"127.0.0.1:8474\" (port 0 picks a free port)."),
                    )),
                }
            }
        }
        if let Some(a) = items.get("sync_secret") {
            if let Some(text) = self.string(a, diags) {
                if text.is_empty() {
                    diags.push(self.invalid(
                        a,
                        "Empty sync secret",
                        "The sync secret is empty. Set it to a long random string, or remove the argument.".to_string(),
                    ));
                } else {
                    s.sync_secret = Some(Secret(text));
                }
            }
        }
        if let Some(a) = items.get("log_format") {
            if let Some(f) = self.choice(a, &["text", "json"], diags) {
                s.log_format = if f == "json" {
                    LogFormat::Json
                } else {
                    LogFormat::Text
                };
            }
        }
        if let Some(a) = items.get("log_level") {
            if let Some(level) = self.string(a, diags) {
                match tracing_subscriber::EnvFilter::try_new(&level) {
                    Ok(_) => s.log_level = level,
                    Err(e) => diags.push(self.invalid(
                        a,
                        "Invalid log level",
                        format!("{level:?} is not a log filter ({e}). Use \"error\", \"warn\", \"info\", \"debug\" or \"trace\"."),
                    )),
                }
            }
        }
        if let Some(a) = items.get("data_dir") {
            if let Some(p) = self.path(a, diags) {
                s.data_dir = p;
            }
        }
        if let Some(a) = items.get("retry_initial") {
            if let Some(d) = self.positive(a, diags) {
                s.retry.initial = d;
            }
        }
        if let Some(a) = items.get("retry_max") {
            if let Some(d) = self.positive(a, diags) {
                s.retry.max = d;
            }
        }
        if s.retry.max < s.retry.initial {
            if let Some(a) = items.get("retry_max") {
                diags.push(self.invalid(
                    a,
                    "Invalid retry bounds",
                    "retry_max must be at least retry_initial.".to_string(),
                ));
            }
        }
        s
    }

    fn positive(&self, a: &structure::Attribute, diags: &mut Diagnostics) -> Option<Duration> {
        let d = self.duration(a, diags)?;
        if d.is_zero() {
            diags.push(self.invalid(
                a,
                "Invalid duration",
                format!("\"{}\" must be longer than zero.", a.key.as_str()),
            ));
            return None;
        }
        Some(d)
    }

    fn environment(
        &self,
        b: &structure::Block,
        agent: &AgentSettings,
        diags: &mut Diagnostics,
    ) -> Option<EnvironmentConfig> {
        let header = self.range_of(&b.ident, b);
        let name = match b.labels.as_slice() {
            [label] => label.as_str().to_string(),
            _ => {
                diags.push(
                    Diagnostic::error(
                        "Missing name for environment",
                        "An environment block needs exactly one label, its name: `environment \"production\" { ... }`.",
                    )
                    .with_range(Some(header)),
                );
                return None;
            }
        };
        let label_range = b
            .labels
            .first()
            .map(|l| self.range_of(l, b))
            .unwrap_or_else(|| header.clone());
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            diags.push(
                Diagnostic::error(
                    "Invalid environment name",
                    format!("{name:?} is not a valid environment name: use letters, digits, '-' and '_' only (the name appears in URLs and metric labels)."),
                )
                .with_range(Some(label_range)),
            );
            return None;
        }
        let what = format!("environment \"{name}\"");
        let errors_before = diags.iter().filter(|d| d.is_error()).count();
        let items = self.items(&b.body, &what, ENV_ATTRS, ENV_BLOCKS, diags);
        let repository = match items.get("repository") {
            Some(a) => self
                .string(a, diags)
                .map(|r| self.repository(&r))
                .unwrap_or_default(),
            None => {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!("The {what} needs a \"repository\": a local path, or a file://, https:// or ssh:// URL."),
                    )
                    .with_range(Some(header.clone())),
                );
                String::new()
            }
        };
        let mut env = EnvironmentConfig {
            name: name.clone(),
            repository,
            branch: "main".to_string(),
            path: String::new(),
            variables: BTreeMap::new(),
            var_file: None,
            state: agent.data_dir.join(&name).join("state.db"),
            poll_interval: Duration::from_secs(60),
            drift: DriftSchedule::Every(Duration::from_secs(600)),
            on_commit: CommitPolicy::AutoApply,
            on_drift: DriftPolicy::Alert,
            ignore_drift: Vec::new(),
            webhooks: Vec::new(),
            signatures: None,
            parallelism: 10,
            fetch_timeout: Duration::from_secs(60),
            ssh_key: None,
            range: header.clone(),
        };
        if let Some(a) = items.get("branch") {
            if let Some(branch) = self.string(a, diags) {
                if branch.trim().is_empty() || branch.contains("..") || branch.contains(' ') {
                    diags.push(self.invalid(
                        a,
                        "Invalid branch",
                        format!("{branch:?} is not a branch name."),
                    ));
                } else {
                    env.branch = branch.trim_start_matches("refs/heads/").to_string();
                }
            }
        }
        if let Some(a) = items.get("path") {
            if let Some(p) = self.string(a, diags) {
                match clean_repo_path(&p) {
                    Some(p) => env.path = p,
                    None => diags.push(self.invalid(
                        a,
                        "Invalid path",
                        format!(
                            "{p:?} must be a relative path inside the repository, without \"..\"."
                        ),
                    )),
                }
            }
        }
        if let Some(a) = items.get("variables") {
            if let Some(v) = self.value(a, diags) {
                match v {
                    Value::Object(m) | Value::Map(m) => env.variables = m,
                    other => diags.push(self.invalid(
                        a,
                        "Incorrect attribute value type",
                        format!("\"variables\" must be an object of variable values, such as {{ region = \"eu-west-1\" }}, not {}.", describe(&other)),
                    )),
                }
            }
        }
        if let Some(a) = items.get("var_file") {
            if let Some(p) = self.string(a, diags) {
                match clean_repo_path(&p) {
                    Some(p) if !p.is_empty() => env.var_file = Some(p),
                    _ => diags.push(self.invalid(
                        a,
                        "Invalid var_file",
                        format!("{p:?} must be a file path inside the repository, relative to the environment's path, without \"..\"."),
                    )),
                }
            }
        }
        if let Some(a) = items.get("state") {
            if let Some(p) = self.path(a, diags) {
                env.state = p;
            }
        }
        if let Some(a) = items.get("poll_interval") {
            if let Some(d) = self.positive(a, diags) {
                env.poll_interval = d;
            }
        }
        if let Some(a) = items.get("fetch_timeout") {
            if let Some(d) = self.positive(a, diags) {
                env.fetch_timeout = d;
            }
        }
        match (items.get("drift_interval"), items.get("drift_cron")) {
            (Some(_), Some(c)) => diags.push(self.invalid(
                c,
                "Conflicting drift schedules",
                "Set either drift_interval or drift_cron, not both.".to_string(),
            )),
            (Some(a), None) => {
                if let Some(text) = self.string(a, diags) {
                    if text == "off" || text == "never" {
                        env.drift = DriftSchedule::Never;
                    } else {
                        match parse_duration(&text) {
                            Ok(d) if !d.is_zero() => env.drift = DriftSchedule::Every(d),
                            Ok(_) => diags.push(self.invalid(
                                a,
                                "Invalid duration",
                                "drift_interval must be longer than zero (or \"off\").".to_string(),
                            )),
                            Err(why) => diags.push(self.invalid(
                                a,
                                "Invalid duration",
                                format!("drift_interval = {text:?}: {why}. Write a duration such as \"10m\", or \"off\"."),
                            )),
                        }
                    }
                }
            }
            (None, Some(a)) => {
                if let Some(text) = self.string(a, diags) {
                    match crate::agent::schedule::parse_cron(&text) {
                        Ok(c) => env.drift = DriftSchedule::Cron(Box::new(c)),
                        Err(why) => diags.push(self.invalid(
                            a,
                            "Invalid cron expression",
                            format!("{text:?}: {why}. Write five fields (minute hour day-of-month month day-of-week) such as \"*/15 * * * *\", or six with seconds first."),
                        )),
                    }
                }
            }
            (None, None) => {}
        }
        if let Some(a) = items.get("on_commit") {
            if let Some(p) = self.choice(a, &["auto-apply", "plan-only"], diags) {
                env.on_commit = if p == "plan-only" {
                    CommitPolicy::PlanOnly
                } else {
                    CommitPolicy::AutoApply
                };
            }
        }
        if let Some(a) = items.get("on_drift") {
            if let Some(p) = self.choice(a, &["revert", "alert", "ignore"], diags) {
                env.on_drift = match p.as_str() {
                    "revert" => DriftPolicy::Revert,
                    "ignore" => DriftPolicy::Ignore,
                    _ => DriftPolicy::Alert,
                };
            }
        }
        if let Some(a) = items.get("parallelism") {
            if let Some(v) = self.value(a, diags) {
                match v.as_number().and_then(|n| n.to_i64()) {
                    Some(n) if n >= 1 => env.parallelism = usize::try_from(n).unwrap_or(usize::MAX),
                    _ => diags.push(self.invalid(
                        a,
                        "Invalid parallelism",
                        "parallelism must be a whole number of at least 1.".to_string(),
                    )),
                }
            }
        }
        if let Some(a) = items.get("ssh_key") {
            if let Some(p) = self.path(a, diags) {
                env.ssh_key = Some(p);
            }
        }
        let mut signature_blocks = 0;
        for nb in &items.blocks {
            match nb.ident.as_str() {
                "ignore_drift" => {
                    if let Some(r) = self.ignore_rule(nb, diags) {
                        env.ignore_drift.push(r);
                    }
                }
                "webhook" => {
                    if let Some(w) = self.webhook(nb, diags) {
                        env.webhooks.push(w);
                    }
                }
                "require_signatures" => {
                    signature_blocks += 1;
                    if signature_blocks > 1 {
                        diags.push(
                            Diagnostic::error(
                                "Duplicate require_signatures block",
                                "Only one require_signatures block is allowed per environment; list every key in its trusted_keys.",
                            )
                            .with_range(Some(self.range_of(&nb.ident, *nb))),
                        );
                        continue;
                    }
                    env.signatures = self.signatures(nb, diags);
                }
                _ => {}
            }
        }
        let errors_after = diags.iter().filter(|d| d.is_error()).count();
        (errors_after == errors_before).then_some(env)
    }

    /// A local path is made absolute against the config file's directory;
    /// URLs and scp-like addresses stay as written.
    fn repository(&self, r: &str) -> String {
        if r.contains("://") || is_scp_like(r) {
            return r.to_string();
        }
        let p = self.base.join(r);
        std::path::absolute(&p)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    }

    fn ignore_rule(
        &self,
        b: &structure::Block,
        diags: &mut Diagnostics,
    ) -> Option<IgnoreDriftRule> {
        let items = self.items(
            &b.body,
            "an ignore_drift block",
            &["resources", "attributes"],
            &[],
            diags,
        );
        let mut rule = IgnoreDriftRule {
            resources: Vec::new(),
            attributes: Vec::new(),
        };
        match items.get("resources") {
            Some(a) => {
                let patterns = self.strings(a, diags)?;
                if patterns.is_empty() || patterns.iter().any(|p| p.trim().is_empty()) {
                    diags.push(self.invalid(
                        a,
                        "Invalid resource pattern",
                        "resources must list addresses such as \"local_file.stamp\", or patterns such as \"aws_instance.*\" (`*` matches anything), and none may be empty.".to_string(),
                    ));
                    return None;
                }
                rule.resources = patterns;
            }
            None => {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        "An ignore_drift block needs \"resources\": the addresses (or patterns such as \"aws_instance.*\") it applies to.",
                    )
                    .with_range(Some(self.range_of(&b.ident, b))),
                );
                return None;
            }
        }
        if let Some(a) = items.get("attributes") {
            rule.attributes = self.strings(a, diags)?;
            if let Some(e) = rule
                .attributes
                .iter()
                .find_map(|p| crate::runs::parse_attribute_path(p).err())
            {
                diags.push(self.invalid(a, "Invalid attribute path", e));
                return None;
            }
        }
        Some(rule)
    }

    fn webhook(&self, b: &structure::Block, diags: &mut Diagnostics) -> Option<WebhookConfig> {
        let items = self.items(
            &b.body,
            "a webhook block",
            &["url", "secret", "events", "timeout"],
            &[],
            diags,
        );
        let Some(a) = items.get("url") else {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    "A webhook block needs a \"url\" (http:// or https://).",
                )
                .with_range(Some(self.range_of(&b.ident, b))),
            );
            return None;
        };
        let url = self.string(a, diags)?;
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.parse::<hyper::Uri>().is_err()
        {
            diags.push(self.invalid(
                a,
                "Invalid webhook URL",
                format!("{url:?} is not an http:// or https:// URL."),
            ));
            return None;
        }
        let mut w = WebhookConfig {
            url,
            secret: None,
            events: Vec::new(),
            timeout: Duration::from_secs(10),
        };
        if let Some(a) = items.get("secret") {
            w.secret = Some(Secret(self.string(a, diags)?));
        }
        if let Some(a) = items.get("events") {
            let events = self.strings(a, diags)?;
            for e in &events {
                if !EVENTS.contains(&e.as_str()) {
                    let hint = gitform_config::suggest::suggest(e, EVENTS.iter().copied())
                        .map(|s| format!(" Did you mean \"{s}\"?"))
                        .unwrap_or_default();
                    diags.push(self.invalid(
                        a,
                        "Unknown webhook event",
                        format!(
                            "{e:?} is not an event. The events are {}.{hint}",
                            EVENTS.join(", ")
                        ),
                    ));
                    return None;
                }
            }
            w.events = events;
        }
        if let Some(a) = items.get("timeout") {
            w.timeout = self.positive(a, diags)?;
        }
        Some(w)
    }

    fn signatures(&self, b: &structure::Block, diags: &mut Diagnostics) -> Option<SignaturePolicy> {
        let items = self.items(
            &b.body,
            "a require_signatures block",
            &["trusted_keys"],
            &[],
            diags,
        );
        let Some(a) = items.get("trusted_keys") else {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    "require_signatures needs \"trusted_keys\": the public keys whose signatures are accepted: OpenSSH keys or armoured OpenPGP keys, e.g. [file(\"keys/alice.pub\"), file(\"keys/release.asc\")].",
                )
                .with_range(Some(self.range_of(&b.ident, b))),
            );
            return None;
        };
        let keys = self.strings(a, diags)?;
        let mut trusted = gitform_git::TrustedKeys::default();
        for (i, k) in keys.iter().enumerate() {
            match gitform_git::TrustedKeys::parse(k) {
                Ok(t) => trusted.extend(t),
                Err(e) => {
                    diags.push(self.invalid(
                        a,
                        "Invalid trusted key",
                        format!("Element {i} of trusted_keys: {e}. Give OpenSSH public keys (the content of a .pub file, e.g. file(\"keys/alice.pub\")), allowed_signers lines, or ASCII-armoured OpenPGP public keys (gpg --armor --export)."),
                    ));
                    return None;
                }
            }
        }
        if trusted.is_empty() {
            diags.push(self.invalid(
                a,
                "No trusted keys",
                "trusted_keys is empty, so no commit could ever be applied. List at least one public key.".to_string(),
            ));
            return None;
        }
        Some(SignaturePolicy {
            trusted_keys: trusted,
        })
    }
}

/// `git@github.com:org/repo.git`.
fn is_scp_like(r: &str) -> bool {
    match (r.find(':'), r.find('/')) {
        (Some(colon), Some(slash)) => colon < slash && r[..colon].contains('@'),
        (Some(colon), None) => r[..colon].contains('@'),
        _ => false,
    }
}

/// A repository-relative path without `.`, `..` or leading `/`; `""` is
/// the root.
fn clean_repo_path(p: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn unmark(v: Value) -> Value {
    match v {
        Value::Sensitive(inner) => unmark(*inner),
        other => other,
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown(_) => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) | Value::Tuple(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) | Value::Object(_) => "an object",
        Value::Sensitive(_) => "a sensitive value",
    }
}

/// Parses a Go-style duration: `"90s"`, `"5m"`, `"1h30m"`, `"250ms"`, `"0"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    if t.is_empty() {
        return Err("the duration is empty".to_string());
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{:?} is not a number", &rest[..digits]))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let seconds = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "" => return Err("a unit is missing (ms, s, m, h or d)".to_string()),
            other => return Err(format!("unknown unit {other:?} (use ms, s, m, h or d)")),
        };
        let part = Duration::try_from_secs_f64(number * seconds)
            .map_err(|_| "the duration is too long".to_string())?;
        total = total
            .checked_add(part)
            .ok_or_else(|| "the duration is too long".to_string())?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases = [
            ("30s", Ok(Duration::from_secs(30))),
            ("5m", Ok(Duration::from_secs(300))),
            ("1h30m", Ok(Duration::from_secs(5400))),
            ("250ms", Ok(Duration::from_millis(250))),
            ("1.5s", Ok(Duration::from_millis(1500))),
            ("0", Ok(Duration::ZERO)),
            ("2d", Ok(Duration::from_secs(172_800))),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), want, "{text}");
        }
        for bad in ["", "5", "m", "5x", "1h30", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn repo_paths() {
        let cases = [
            ("", Some("")),
            (".", Some("")),
            ("envs/prod", Some("envs/prod")),
            ("./envs//prod/", Some("envs/prod")),
            ("/envs/prod", Some("envs/prod")),
            ("../x", None),
            ("envs/../../x", None),
        ];
        for (p, want) in cases {
            assert_eq!(clean_repo_path(p).as_deref(), want, "{p}");
        }
    }

    #[test]
    fn scp_like_addresses() {
        let cases = [
            ("git@github.com:org/repo.git", true),
            ("git@host:repo", true),
            ("/srv/git/repo", false),
            ("C:/repo", false),
            ("file:///srv/repo", false),
            ("repo", false),
        ];
        for (r, want) in cases {
            assert_eq!(is_scp_like(r), want, "{r}");
        }
    }
}
