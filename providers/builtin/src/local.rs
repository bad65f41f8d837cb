//! The builtin `local` provider, with the resources, data sources and
//! attribute names of hashicorp/local: `local_file` and
//! `local_sensitive_file`, each as a resource and as a data source.
//!
//! Relative file names are relative to the process's working directory
//! (the engine runs in the configuration directory). Permissions apply
//! "before umask", as with hashicorp/local: a file created with
//! `file_permission = "0777"` under umask 022 ends up 0755. On systems
//! without Unix permissions they are ignored.

use crate::object::{attr, attr_error, is_set, str_attr, with_attrs};
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gitform_provider::{
    unsupported_type, validate_config_against_schema, ApplyChangeRequest, ApplyChangeResponse,
    Attribute, Block, ConfigKind, Provider, ProviderSchema, ReadDataRequest, ReadDataResponse,
    ReadRequest, ReadResponse, Schema, ValidateConfigRequest, ValidateConfigResponse,
};
use gitform_value::{Diagnostic, Type, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The `local` provider.
#[derive(Debug, Default)]
pub struct LocalProvider;

/// `local_file` or `local_sensitive_file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Plain,
    Sensitive,
}

impl Variant {
    fn of(type_name: &str) -> Option<Variant> {
        match type_name {
            "local_file" => Some(Variant::Plain),
            "local_sensitive_file" => Some(Variant::Sensitive),
            _ => None,
        }
    }

    /// The arguments of which exactly one gives the file's content.
    fn content_args(self) -> &'static [&'static str] {
        match self {
            Variant::Plain => &["content", "sensitive_content", "content_base64", "source"],
            Variant::Sensitive => &["content", "content_base64", "source"],
        }
    }

    fn default_permission(self) -> &'static str {
        match self {
            Variant::Plain => "0777",
            Variant::Sensitive => "0700",
        }
    }
}

/// The checksum attributes both resources and data sources compute.
const CHECKSUMS: [(&str, &str); 6] = [
    ("content_md5", "MD5 checksum of file content."),
    ("content_sha1", "SHA1 checksum of file content."),
    ("content_sha256", "SHA256 checksum of file content."),
    (
        "content_base64sha256",
        "Base64 encoded SHA256 checksum of file content.",
    ),
    ("content_sha512", "SHA512 checksum of file content."),
    (
        "content_base64sha512",
        "Base64 encoded SHA512 checksum of file content.",
    ),
];

fn with_checksums(mut block: Block) -> Block {
    for (name, desc) in CHECKSUMS {
        block = block.attr(name, Attribute::computed(Type::String).describe(desc));
    }
    block.attr(
        "id",
        Attribute::computed(Type::String)
            .describe("The hexadecimal encoding of the SHA1 checksum of the file content."),
    )
}

fn resource_schema(variant: Variant) -> Schema {
    let arg = |desc: &str| Attribute::optional(Type::String).force_new().describe(desc);
    let permission = |what: &str| {
        Attribute::optional(Type::String)
            .with_default(Value::from(variant.default_permission()))
            .force_new()
            .describe(format!(
                "Permissions to set for {what} (before umask), expressed as string in numeric notation. \
                 Default value is `\"{}\"`.",
                variant.default_permission()
            ))
    };
    let sensitive_if = |a: Attribute| {
        if variant == Variant::Sensitive {
            a.sensitive()
        } else {
            a
        }
    };
    let mut block = Block::new()
        .attr(
            "filename",
            Attribute::required(Type::String).force_new().describe(
                "The path to the file that will be created. Missing parent directories will be created. If the file \
                 already exists, it will be overridden with the given content.",
            ),
        )
        .attr("content", sensitive_if(arg("Content to store in the file, expected to be a UTF-8 encoded string.")))
        .attr(
            "content_base64",
            sensitive_if(arg("Content to store in the file, expected to be binary encoded as base64 string.")),
        )
        .attr("source", arg("Path to file to use as source for the one we are creating."))
        .attr("file_permission", permission("the output file"))
        .attr("directory_permission", permission("directories created"));
    block = match variant {
        Variant::Plain => block.describe("Generates a local file with the given content.").attr(
            "sensitive_content",
            arg("Sensitive content to store in the file, expected to be an UTF-8 encoded string.")
                .sensitive()
                .deprecate("Use the `local_sensitive_file` resource instead"),
        ),
        Variant::Sensitive => block.describe("Generates a local file with the given sensitive content."),
    };
    Schema::new(with_checksums(block))
}

fn data_schema(variant: Variant) -> Schema {
    let sensitive_if = |a: Attribute| {
        if variant == Variant::Sensitive {
            a.sensitive()
        } else {
            a
        }
    };
    Schema::new(with_checksums(
        Block::new()
            .describe("Reads a file from the local filesystem.")
            .attr(
                "filename",
                Attribute::required(Type::String).describe("Path to the file that will be read."),
            )
            .attr(
                "content",
                sensitive_if(
                    Attribute::computed(Type::String).describe(
                        "Raw content of the file that was read, as UTF-8 encoded string.",
                    ),
                ),
            )
            .attr(
                "content_base64",
                sensitive_if(
                    Attribute::computed(Type::String)
                        .describe("Base64 encoded version of the file content."),
                ),
            ),
    ))
}

/// Checks that exactly one content argument is set (unknowns may be
/// either) and that permissions are valid.
fn validate_resource(config: &Value, variant: Variant) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let args = variant.content_args();
    let set: Vec<&str> = args.iter().copied().filter(|a| is_set(config, a)).collect();
    let unknown = args.iter().any(|a| !attr(config, a).is_known());
    let list = args
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if set.len() > 1 || (set.is_empty() && !unknown) {
        let name = set.get(1).or(set.first()).copied().unwrap_or(args[0]);
        out.push(attr_error(
            name,
            "Invalid Attribute Combination",
            format!("Exactly one of these attributes must be configured: [{list}]"),
        ));
    }
    for name in ["file_permission", "directory_permission"] {
        if let Some(p) = str_attr(config, name) {
            if parse_permission(p).is_none() {
                out.push(attr_error(
                    name,
                    "Invalid file permission",
                    format!("\"{p}\" is not a valid file permission: use 3 or 4 octal digits, such as \"0644\"."),
                ));
            }
        }
    }
    out
}

/// Parses a permission such as `"0644"` or `"755"`.
fn parse_permission(s: &str) -> Option<u32> {
    if !(3..=4).contains(&s.len()) || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok()
}

/// The checksum attributes (and `id`) of some content.
fn checksum_values(content: &[u8]) -> Vec<(&'static str, Value)> {
    use md5::Md5;
    let sha1 = hex::encode(Sha1::digest(content));
    let sha256 = Sha256::digest(content);
    let sha512 = Sha512::digest(content);
    vec![
        (
            "content_md5",
            Value::from(hex::encode(Md5::digest(content))),
        ),
        ("content_sha1", Value::from(sha1.clone())),
        ("content_sha256", Value::from(hex::encode(sha256))),
        ("content_base64sha256", Value::from(STANDARD.encode(sha256))),
        ("content_sha512", Value::from(hex::encode(sha512))),
        ("content_base64sha512", Value::from(STANDARD.encode(sha512))),
        ("id", Value::from(sha1)),
    ]
}

/// Runs blocking file-system work off the async worker threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
}

/// The bytes the planned file should hold.
async fn planned_content(planned: &Value) -> Result<Vec<u8>, Diagnostic> {
    if let Some(b64) = str_attr(planned, "content_base64") {
        return STANDARD.decode(b64).map_err(|e| {
            attr_error(
                "content_base64",
                "Invalid base64 content",
                format!("content_base64 is not valid base64: {e}"),
            )
        });
    }
    if let Some(source) = str_attr(planned, "source") {
        let path = PathBuf::from(source);
        return blocking(move || std::fs::read(path)).await.map_err(|e| {
            attr_error(
                "source",
                "Create local file error",
                format!("Could not read the source file \"{source}\": {e}"),
            )
        });
    }
    let text = str_attr(planned, "content")
        .or_else(|| str_attr(planned, "sensitive_content"))
        .unwrap_or("");
    Ok(text.as_bytes().to_vec())
}

/// Writes `content` to `filename`, creating missing parent directories.
fn write_file(
    filename: &Path,
    content: &[u8],
    file_mode: u32,
    dir_mode: u32,
) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = filename.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, dir_mode);
            builder.create(dir)?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, file_mode);
    #[cfg(not(unix))]
    let _ = (file_mode, dir_mode);
    let mut file = options.open(filename)?;
    file.write_all(content)?;
    file.sync_all()
}

async fn create_file(planned: Value, variant: Variant) -> Result<Value, Diagnostic> {
    let content = planned_content(&planned).await?;
    let filename = str_attr(&planned, "filename")
        .unwrap_or_default()
        .to_string();
    let mode = |name: &str| str_attr(&planned, name).and_then(parse_permission);
    let default = parse_permission(variant.default_permission()).unwrap_or(0o700);
    let (file_mode, dir_mode) = (
        mode("file_permission").unwrap_or(default),
        mode("directory_permission").unwrap_or(default),
    );
    let sums = checksum_values(&content);
    let path = PathBuf::from(&filename);
    blocking(move || write_file(&path, &content, file_mode, dir_mode))
        .await
        .map_err(|e| {
            attr_error(
                "filename",
                "Create local file error",
                format!("Could not write the file \"{filename}\": {e}"),
            )
        })?;
    Ok(with_attrs(planned, sums))
}

#[async_trait]
impl Provider for LocalProvider {
    fn schema(&self) -> ProviderSchema {
        let both = |f: fn(Variant) -> Schema| {
            BTreeMap::from([
                ("local_file".to_string(), f(Variant::Plain)),
                ("local_sensitive_file".to_string(), f(Variant::Sensitive)),
            ])
        };
        ProviderSchema {
            provider: Schema::default(),
            resources: both(resource_schema),
            data_sources: both(data_schema),
        }
    }

    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        let Some(variant) = Variant::of(&req.type_name) else {
            return ValidateConfigResponse {
                diagnostics: vec![unsupported_type(req.kind, &req.type_name)],
            };
        };
        let diagnostics = match req.kind {
            ConfigKind::Resource => {
                let mut d =
                    validate_config_against_schema(&resource_schema(variant).block, &req.config);
                d.extend(validate_resource(&req.config, variant));
                d
            }
            ConfigKind::DataSource => {
                validate_config_against_schema(&data_schema(variant).block, &req.config)
            }
        };
        ValidateConfigResponse { diagnostics }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        let Some(variant) = Variant::of(&req.type_name) else {
            return ApplyChangeResponse {
                diagnostics: vec![unsupported_type(ConfigKind::Resource, &req.type_name)],
                ..ApplyChangeResponse::default()
            };
        };
        match (req.prior_state, req.planned_state) {
            (prior, None) => {
                // Delete: remove the file; a file already gone is fine.
                let Some(prior) = prior else {
                    return ApplyChangeResponse::default();
                };
                let filename = str_attr(&prior, "filename").unwrap_or_default().to_string();
                let path = PathBuf::from(&filename);
                match blocking(move || std::fs::remove_file(path)).await {
                    Err(e) if e.kind() != ErrorKind::NotFound => ApplyChangeResponse {
                        new_state: Some(prior),
                        private: None,
                        diagnostics: vec![attr_error(
                            "filename",
                            "Delete local file error",
                            format!("Could not remove the file \"{filename}\": {e}"),
                        )],
                    },
                    _ => ApplyChangeResponse::default(),
                }
            }
            // Every argument forces replacement: an update only moves the plan into state.
            (Some(prior), Some(planned)) if !prior.is_null() => ApplyChangeResponse {
                new_state: Some(planned),
                ..ApplyChangeResponse::default()
            },
            (_, Some(planned)) => match create_file(planned, variant).await {
                Ok(state) => ApplyChangeResponse {
                    new_state: Some(state),
                    ..ApplyChangeResponse::default()
                },
                Err(d) => ApplyChangeResponse {
                    new_state: None,
                    private: None,
                    diagnostics: vec![d],
                },
            },
        }
    }

    /// A file that is missing, or whose content no longer matches the
    /// recorded checksum, is gone: the next plan creates it again.
    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let state = req.current_state;
        let filename = str_attr(&state, "filename").unwrap_or_default().to_string();
        let path = PathBuf::from(&filename);
        match blocking(move || std::fs::read(path)).await {
            Err(e) if e.kind() == ErrorKind::NotFound => ReadResponse::default(),
            Err(e) => ReadResponse {
                new_state: Some(state),
                private: req.private,
                diagnostics: vec![attr_error(
                    "filename",
                    "Read local file error",
                    format!("Could not read the file \"{filename}\": {e}"),
                )],
            },
            Ok(content) => {
                let sha1 = hex::encode(Sha1::digest(&content));
                if str_attr(&state, "id") == Some(sha1.as_str()) {
                    ReadResponse {
                        new_state: Some(state),
                        private: req.private,
                        diagnostics: Vec::new(),
                    }
                } else {
                    ReadResponse::default()
                }
            }
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        if Variant::of(&req.type_name).is_none() {
            return ReadDataResponse::failed(vec![unsupported_type(
                ConfigKind::DataSource,
                &req.type_name,
            )]);
        }
        let filename = str_attr(&req.config, "filename")
            .unwrap_or_default()
            .to_string();
        let path = PathBuf::from(&filename);
        match blocking(move || std::fs::read(path)).await {
            Err(e) => ReadDataResponse::failed(vec![attr_error(
                "filename",
                "Read local file data source error",
                format!("The file at path \"{filename}\" cannot be read: {e}"),
            )]),
            Ok(content) => {
                let mut pairs = checksum_values(&content);
                pairs.push(("content_base64", Value::from(STANDARD.encode(&content))));
                pairs.push((
                    "content",
                    Value::from(String::from_utf8_lossy(&content).into_owned()),
                ));
                ReadDataResponse {
                    state: with_attrs(req.config, pairs),
                    diagnostics: Vec::new(),
                }
            }
        }
    }
}
