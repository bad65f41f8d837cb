//! A gitform provider plugin that manages text files: the plugin built
//! step by step in docs/providers/authoring.md.

use gitform_plugin_sdk::provider::{
    plan_resource, ApplyChangeRequest, ApplyChangeResponse, Attribute, Block, ImportRequest,
    ImportResponse, ImportedObject, PlanChangeRequest, PlanChangeResponse, Provider,
    ProviderSchema, ReadRequest, ReadResponse, Schema, ValidateConfigRequest,
    ValidateConfigResponse,
};
use gitform_plugin_sdk::value::{AttrPath, Diagnostic, Type, Value};

/// The provider. It keeps no state of its own: the files are the truth.
struct TutorialProvider;

/// The schema of `tutorial_file`.
fn file_schema() -> Schema {
    Schema::new(
        Block::new()
            .describe("A text file.")
            .attr(
                "path",
                Attribute::required(Type::String)
                    .force_new()
                    .describe("Where the file lives. A change moves it (replaces the resource)."),
            )
            .attr(
                "content",
                Attribute::required(Type::String).describe("What the file holds."),
            )
            .attr(
                "id",
                Attribute::computed(Type::String).describe("The path, once the file exists."),
            )
            .attr(
                "size",
                Attribute::computed(Type::Number).describe("The content's length in bytes."),
            ),
    )
}

/// A string attribute of a configuration or state.
fn string<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get_attr(name).and_then(Value::as_str)
}

/// The state of the file at `path`, or `None` when there is no file.
fn state_of(path: &str) -> std::io::Result<Option<Value>> {
    match std::fs::read_to_string(path) {
        Ok(content) => Ok(Some(Value::object([
            ("path", Value::string(path)),
            ("size", Value::int(content.len() as i64)),
            ("content", Value::string(content)),
            ("id", Value::string(path)),
        ]))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn failed(summary: &str, e: std::io::Error) -> Vec<Diagnostic> {
    vec![Diagnostic::error(summary, e.to_string())]
}

#[gitform_plugin_sdk::async_trait]
impl Provider for TutorialProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            resources: [("tutorial_file".to_string(), file_schema())].into(),
            ..ProviderSchema::default()
        }
    }

    async fn validate_config(&self, req: ValidateConfigRequest) -> ValidateConfigResponse {
        let mut diagnostics = Vec::new();
        // Unknown values (not known until apply) are skipped: as_str is None.
        if string(&req.config, "path").is_some_and(|p| p.is_empty() || p.ends_with('/')) {
            diagnostics.push(
                Diagnostic::error("Invalid path", "path must name a file, not a directory.")
                    .with_attr_path(AttrPath::attr("path")),
            );
        }
        ValidateConfigResponse { diagnostics }
    }

    async fn plan_change(&self, req: PlanChangeRequest) -> PlanChangeResponse {
        let Some(proposed) = req.proposed_new_state else {
            return PlanChangeResponse::default(); // a delete
        };
        // The default planning: computed attributes unknown on create,
        // `force_new` attributes reported when they change.
        let (planned, requires_replace) =
            plan_resource(&file_schema(), req.prior_state.as_ref(), &proposed);
        // The size is no secret: plan it, so it shows in the plan.
        let size = string(&proposed, "content").map(|c| Value::int(c.len() as i64));
        let planned = match (planned, size) {
            (Value::Object(mut attrs), Some(size)) => {
                attrs.insert("size".to_string(), size);
                Value::Object(attrs)
            }
            (planned, _) => planned,
        };
        PlanChangeResponse {
            planned_state: Some(planned),
            requires_replace,
            ..PlanChangeResponse::default()
        }
    }

    async fn apply_change(&self, req: ApplyChangeRequest) -> ApplyChangeResponse {
        let Some(planned) = req.planned_state else {
            // Delete. A file already gone is fine: deletes are idempotent.
            let path = req.prior_state.as_ref().and_then(|s| string(s, "path"));
            if let Some(path) = path {
                if let Err(e) = std::fs::remove_file(path) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        return ApplyChangeResponse {
                            new_state: req.prior_state.clone(),
                            diagnostics: failed("Could not delete the file", e),
                            ..ApplyChangeResponse::default()
                        };
                    }
                }
            }
            return ApplyChangeResponse::default();
        };
        // Create or update: write the file, then report what is there.
        let path = string(&planned, "path").unwrap_or_default();
        let content = string(&planned, "content").unwrap_or_default();
        let written = std::fs::write(path, content).and_then(|()| state_of(path));
        match written {
            Ok(new_state) => ApplyChangeResponse {
                new_state,
                ..ApplyChangeResponse::default()
            },
            Err(e) => ApplyChangeResponse {
                new_state: req.prior_state,
                diagnostics: failed("Could not write the file", e),
                ..ApplyChangeResponse::default()
            },
        }
    }

    async fn read(&self, req: ReadRequest) -> ReadResponse {
        let path = string(&req.current_state, "path").unwrap_or_default();
        match state_of(path) {
            Ok(new_state) => ReadResponse {
                new_state,
                ..ReadResponse::default()
            },
            Err(e) => ReadResponse {
                new_state: Some(req.current_state),
                diagnostics: failed("Could not read the file", e),
                ..ReadResponse::default()
            },
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        // The import id is the path; read fills in the rest.
        match state_of(&req.id) {
            Ok(Some(state)) => ImportResponse {
                imported: vec![ImportedObject {
                    type_name: req.type_name,
                    state,
                    private: None,
                }],
                diagnostics: Vec::new(),
            },
            Ok(None) => ImportResponse {
                imported: Vec::new(),
                diagnostics: vec![Diagnostic::error(
                    "Cannot import non-existent remote object",
                    format!("There is no file at {}.", req.id),
                )],
            },
            Err(e) => ImportResponse {
                imported: Vec::new(),
                diagnostics: failed("Could not read the file", e),
            },
        }
    }
}

fn main() -> std::process::ExitCode {
    gitform_plugin_sdk::serve!(TutorialProvider)
}
