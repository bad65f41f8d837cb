//! Where plugins are found: override directories, the project's
//! `.gitform/plugins/`, the user's plugin directories. See the "Discovery"
//! section of `docs/providers/protocol.md`.

use crate::error::doing;
use crate::process::{is_executable, PluginSettings};
use crate::provider::Plugin;
use crate::version::{Constraint, Version};
use crate::wire::Method;
use gitform_value::{Diagnostic, SourceRange};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable listing override directories (`:`-separated).
pub const OVERRIDES_ENV: &str = "GITFORM_PROVIDER_OVERRIDES";

/// The host of a `source` address that names none (`acme/example`).
pub const DEFAULT_HOST: &str = "registry.terraform.io";

/// What the configuration says about a provider (`required_providers`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requirement {
    /// `acme/example` or `example.com/acme/example`.
    pub source: Option<String>,
    /// A version constraint, `~> 1.2`.
    pub version: Option<String>,
    /// Where the entry is, for diagnostics.
    pub declared_at: Option<SourceRange>,
}

/// A parsed `source` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub host: String,
    pub namespace: String,
    /// The provider type: the executable is `gitform-provider-TYPE`.
    pub type_name: String,
}

impl Source {
    pub fn parse(text: &str) -> Result<Source, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let valid = |p: &&str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !parts.iter().all(valid) {
            return Err(format!("{text:?} is not a provider source address: write NAMESPACE/TYPE or HOST/NAMESPACE/TYPE"));
        }
        match parts.as_slice() {
            [ns, t] => Ok(Source {
                host: DEFAULT_HOST.to_string(),
                namespace: ns.to_string(),
                type_name: t.to_string(),
            }),
            [h, ns, t] => Ok(Source {
                host: h.to_string(),
                namespace: ns.to_string(),
                type_name: t.to_string(),
            }),
            _ => Err(format!("{text:?} is not a provider source address: write NAMESPACE/TYPE or HOST/NAMESPACE/TYPE")),
        }
    }
}

/// The directories searched, in order (a config struct; see
/// [`SearchPaths::from_env`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchPaths {
    /// Searched before the builtin providers; constraints not checked.
    pub overrides: Vec<PathBuf>,
    /// Searched after the builtin providers: the project's, then the user's.
    pub installed: Vec<PathBuf>,
}

impl SearchPaths {
    /// `GITFORM_PROVIDER_OVERRIDES`; `DIR/.gitform/plugins`;
    /// `$XDG_DATA_HOME/gitform/plugins` (or `~/.local/share/gitform/plugins`)
    /// and `~/.gitform/plugins`.
    pub fn from_env(dir: &Path) -> SearchPaths {
        Self::from_vars(dir, |k| std::env::var_os(k).map(PathBuf::from))
    }

    pub fn from_vars(dir: &Path, get: impl Fn(&str) -> Option<PathBuf>) -> SearchPaths {
        let overrides = get(OVERRIDES_ENV)
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut installed = vec![dir.join(".gitform").join("plugins")];
        let home = get("HOME").filter(|h| !h.as_os_str().is_empty());
        let data = get("XDG_DATA_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| home.as_ref().map(|h| h.join(".local").join("share")));
        if let Some(d) = data {
            installed.push(d.join("gitform").join("plugins"));
        }
        if let Some(h) = home {
            installed.push(h.join(".gitform").join("plugins"));
        }
        SearchPaths {
            overrides,
            installed,
        }
    }
}

/// `gitform-provider-NAME`.
pub fn executable_name(type_name: &str) -> String {
    format!("gitform-provider-{type_name}")
}

/// The provider type whose executable to look for: the source's type when
/// there is a source, else the local name.
fn type_name(name: &str, req: Option<&Requirement>) -> Result<(String, Option<Source>), String> {
    match req.and_then(|r| r.source.as_deref()) {
        Some(s) => {
            let source = Source::parse(s)?;
            Ok((source.type_name.clone(), Some(source)))
        }
        None => Ok((name.to_string(), None)),
    }
}

/// The override executable for `name`, if one of the override directories
/// has it.
pub fn find_override(
    paths: &SearchPaths,
    name: &str,
    req: Option<&Requirement>,
) -> Option<PathBuf> {
    let (t, _) = type_name(name, req).ok()?;
    let exe = executable_name(&t);
    paths
        .overrides
        .iter()
        .map(|d| d.join(&exe))
        .find(|p| is_executable(p))
}

/// Where an installed plugin was looked for, and what was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub found: Option<PathBuf>,
    /// Every place looked at, in order (for the "not found" diagnostic).
    pub looked: Vec<String>,
}

/// Finds an installed plugin: in each installed directory, the versioned
/// layout `HOST/NS/TYPE/VERSION[/OS_ARCH]/gitform-provider-TYPE` (newest
/// version meeting the constraint) when the source is known, then the flat
/// `gitform-provider-TYPE`.
pub fn find_installed(
    paths: &SearchPaths,
    name: &str,
    req: Option<&Requirement>,
) -> Result<Search, Box<Diagnostic>> {
    let (t, source) = type_name(name, req).map_err(|e| {
        Box::new(
            Diagnostic::error("Invalid provider source address", e)
                .with_range(req.and_then(|r| r.declared_at.clone())),
        )
    })?;
    let constraint = constraint(req)?;
    let exe = executable_name(&t);
    let mut looked = Vec::new();
    for dir in &paths.installed {
        if let Some(src) = &source {
            let base = dir
                .join(&src.host)
                .join(&src.namespace)
                .join(&src.type_name);
            looked.push(format!("{}/VERSION/", base.display()));
            if let Some(p) = newest_versioned(&base, &exe, constraint.as_ref()) {
                return Ok(Search {
                    found: Some(p),
                    looked,
                });
            }
        }
        let flat = dir.join(&exe);
        looked.push(flat.display().to_string());
        if is_executable(&flat) {
            return Ok(Search {
                found: Some(flat),
                looked,
            });
        }
    }
    Ok(Search {
        found: None,
        looked,
    })
}

fn constraint(req: Option<&Requirement>) -> Result<Option<Constraint>, Box<Diagnostic>> {
    match req.and_then(|r| r.version.as_deref()) {
        None => Ok(None),
        Some(text) => Constraint::parse(text).map(Some).map_err(|e| {
            Box::new(Diagnostic::error(
                "Invalid provider version constraint",
                format!("{e}. Write constraints as in Terraform: \"1.2.0\", \">= 1.0, < 2.0\", \"~> 1.2\"."),
            )
            .with_range(req.and_then(|r| r.declared_at.clone())))
        }),
    }
}

/// `linux_amd64`, as Terraform names platforms.
pub fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

fn newest_versioned(base: &Path, exe: &str, constraint: Option<&Constraint>) -> Option<PathBuf> {
    let mut versions: Vec<(Version, PathBuf)> = std::fs::read_dir(base)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = Version::parse(e.file_name().to_str()?)?;
            Some((v, e.path()))
        })
        .filter(|(v, _)| constraint.is_none_or(|c| c.matches(v)))
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().find_map(|(_, dir)| {
        [dir.join(exe), dir.join(platform()).join(exe)]
            .into_iter()
            .find(|p| is_executable(p))
    })
}

/// How a plugin was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// In an override directory: no version check.
    Override,
    /// Installed in a plugin directory.
    Installed,
}

/// Starts the plugin found at `path` (handshake) and checks its version
/// against the constraint. The result is a plugin ready to make providers,
/// or the diagnostic to show.
pub fn load(
    name: &str,
    path: &Path,
    origin: Origin,
    req: Option<&Requirement>,
    settings: PluginSettings,
) -> Result<Arc<Plugin>, Box<Diagnostic>> {
    let range = req.and_then(|r| r.declared_at.clone());
    let plugin = Plugin::start(name, path, settings).map_err(|e| {
        Box::new(
            e.diagnostic(&doing(Method::Handshake, None))
                .with_range(range.clone()),
        )
    })?;
    let Some(constraint) = constraint(req)? else {
        return Ok(plugin);
    };
    if origin == Origin::Override {
        tracing::warn!(target: "gitform::plugin", plugin = name, path = %path.display(), "using a development override: the version constraint {constraint:?} is not checked");
        return Ok(plugin);
    }
    let ok = Version::parse(plugin.version()).is_some_and(|v| constraint.matches(&v));
    if ok {
        return Ok(plugin);
    }
    Err(Box::new(Diagnostic::error(
        "Provider version does not match the configuration",
        format!(
            "The plugin \"{name}\" ({}) is version {}, but the configuration requires version \"{constraint}\". Install a matching version of the plugin, or change the constraint.",
            path.display(),
            if plugin.version().is_empty() { "(none reported)" } else { plugin.version() },
        ),
    )
    .with_range(range)))
}

/// The diagnostic for a provider the configuration requires and no
/// directory has.
pub fn not_found(
    name: &str,
    req: Option<&Requirement>,
    paths: &SearchPaths,
    looked: &[String],
) -> Diagnostic {
    let (t, _) = type_name(name, req).unwrap_or_else(|_| (name.to_string(), None));
    let exe = executable_name(&t);
    let mut detail = format!(
        "The configuration requires the provider \"{name}\"{}, which is not built into gitform, and no executable {exe} was found. gitform looked in:",
        req.and_then(|r| r.source.as_deref())
            .map(|s| format!(" (source \"{s}\")"))
            .unwrap_or_default()
    );
    if paths.overrides.is_empty() {
        detail.push_str(&format!(
            "\n  - override directories: none ({OVERRIDES_ENV} is not set)"
        ));
    } else {
        for d in &paths.overrides {
            detail.push_str(&format!("\n  - {}", d.join(&exe).display()));
        }
    }
    for l in looked {
        detail.push_str(&format!("\n  - {l}"));
    }
    detail.push_str("\nPut the plugin executable in one of these places, or point GITFORM_PROVIDER_OVERRIDES at the directory that holds it.");
    Diagnostic::error("Provider not found", detail)
        .with_range(req.and_then(|r| r.declared_at.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        let s = Source::parse("acme/example").unwrap();
        assert_eq!(
            (s.host.as_str(), s.namespace.as_str(), s.type_name.as_str()),
            (DEFAULT_HOST, "acme", "example")
        );
        let s = Source::parse("example.com/acme/ex-ample").unwrap();
        assert_eq!(
            (s.host.as_str(), s.type_name.as_str()),
            ("example.com", "ex-ample")
        );
        for bad in ["example", "a/b/c/d", "a//b", "a/b c"] {
            assert!(Source::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_paths() {
        let p = SearchPaths::from_vars(Path::new("/work/cfg"), |k| match k {
            "GITFORM_PROVIDER_OVERRIDES" => Some("/dev/a:/dev/b".into()),
            "HOME" => Some("/home/u".into()),
            _ => None,
        });
        assert_eq!(
            p.overrides,
            [PathBuf::from("/dev/a"), PathBuf::from("/dev/b")]
        );
        assert_eq!(
            p.installed,
            [
                PathBuf::from("/work/cfg/.gitform/plugins"),
                PathBuf::from("/home/u/.local/share/gitform/plugins"),
                PathBuf::from("/home/u/.gitform/plugins"),
            ]
        );
        let p = SearchPaths::from_vars(Path::new("."), |k| match k {
            "XDG_DATA_HOME" => Some("/xdg".into()),
            _ => None,
        });
        assert_eq!(
            p.installed,
            [
                PathBuf::from("./.gitform/plugins"),
                PathBuf::from("/xdg/gitform/plugins")
            ]
        );
    }

    fn touch_exe(path: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Files present, source, constraint, the file chosen.
    type Layout = (
        &'static [&'static str],
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    #[test]
    fn installed_layouts() {
        let table: &[Layout] = &[
            (
                &["gitform-provider-ex"],
                None,
                None,
                Some("gitform-provider-ex"),
            ),
            (
                &[
                    "registry.terraform.io/acme/ex/1.0.0/gitform-provider-ex",
                    "registry.terraform.io/acme/ex/1.2.0/gitform-provider-ex",
                    "registry.terraform.io/acme/ex/2.0.0/gitform-provider-ex",
                    "gitform-provider-ex",
                ],
                Some("acme/ex"),
                Some("~> 1.0"),
                Some("registry.terraform.io/acme/ex/1.2.0/gitform-provider-ex"),
            ),
            (
                &["example.com/acme/ex/0.3.0/linux_amd64/gitform-provider-ex"],
                Some("example.com/acme/ex"),
                None,
                Some("example.com/acme/ex/0.3.0/linux_amd64/gitform-provider-ex"),
            ),
            // No version meets the constraint: the flat file.
            (
                &[
                    "registry.terraform.io/acme/ex/3.0.0/gitform-provider-ex",
                    "gitform-provider-ex",
                ],
                Some("acme/ex"),
                Some("< 2"),
                Some("gitform-provider-ex"),
            ),
            // The source's type names the executable.
            (
                &["gitform-provider-other"],
                Some("acme/other"),
                None,
                Some("gitform-provider-other"),
            ),
            (&["gitform-provider-nope"], None, None, None),
        ];
        for (files, source, version, want) in table {
            if want.is_some_and(|w| w.contains("linux_amd64")) && platform() != "linux_amd64" {
                continue;
            }
            let tmp = tempfile::tempdir().unwrap();
            let plugins = tmp.path().join(".gitform/plugins");
            for f in *files {
                touch_exe(&plugins.join(f));
            }
            let paths = SearchPaths {
                overrides: vec![],
                installed: vec![plugins.clone()],
            };
            let req = Requirement {
                source: source.map(String::from),
                version: version.map(String::from),
                declared_at: None,
            };
            let got = find_installed(&paths, "ex", Some(&req)).unwrap();
            let got = got
                .found
                .map(|p| p.strip_prefix(&plugins).unwrap().display().to_string());
            assert_eq!(got.as_deref(), *want, "{files:?} {source:?} {version:?}");
        }
    }

    #[test]
    fn not_found_lists_where_it_looked() {
        let paths = SearchPaths::from_vars(Path::new("/cfg"), |k| match k {
            "HOME" => Some("/home/u".into()),
            _ => None,
        });
        let req = Requirement {
            source: Some("acme/ex".into()),
            version: None,
            declared_at: None,
        };
        let search = find_installed(&paths, "ex", Some(&req)).unwrap();
        let d = not_found("ex", Some(&req), &paths, &search.looked);
        insta::assert_snapshot!(d.detail, @r#"
        The configuration requires the provider "ex" (source "acme/ex"), which is not built into gitform, and no executable gitform-provider-ex was found. gitform looked in:
          - override directories: none (GITFORM_PROVIDER_OVERRIDES is not set)
          - /cfg/.gitform/plugins/registry.terraform.io/acme/ex/VERSION/
          - /cfg/.gitform/plugins/gitform-provider-ex
          - /home/u/.local/share/gitform/plugins/registry.terraform.io/acme/ex/VERSION/
          - /home/u/.local/share/gitform/plugins/gitform-provider-ex
          - /home/u/.gitform/plugins/registry.terraform.io/acme/ex/VERSION/
          - /home/u/.gitform/plugins/gitform-provider-ex
        Put the plugin executable in one of these places, or point GITFORM_PROVIDER_OVERRIDES at the directory that holds it.
        "#);
    }
}
