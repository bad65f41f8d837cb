//! `gitform output [NAME]`: the root module's outputs from the state, in
//! Terraform's formats (`name = value`, `-json`, `-raw`).
//!
//! Output values are stored as tagged JSON (`gitform_value::json::to_tagged_json`);
//! plain JSON is accepted too.

use crate::args::OutputArgs;
use crate::diag_error::DiagnosticsError;
use crate::state_access::{open_existing_state, state_error, state_path};
use crate::ui::Ui;
use gitform_state::{OutputRecord, StateStore};
use gitform_value::convert::value_type;
use gitform_value::display::format_console;
use gitform_value::json::{
    from_json, from_tagged_json, to_json, to_json_string, type_to_json, write_json_string,
};
use gitform_value::Value;
use serde_json::Value as Json;
use std::process::ExitCode;

const NO_OUTPUTS: &str = "The state file either has no outputs defined, or all the defined outputs are empty. Please define an output in your configuration with the `output` keyword and run `gitform refresh` for it to become available. If you are using interpolation, please verify the interpolated value is not empty. You can use the `gitform console` command to assist.";

pub fn run(args: &OutputArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    if args.raw && args.json {
        ui.error(
            "Invalid output format",
            "The -raw and -json options are mutually-exclusive.",
        );
        ui.eprintln("\nFor more help on using this command, run:\n  gitform output -help");
        return Ok(ExitCode::from(1));
    }
    let path = state_path(args.state.as_deref());
    let outputs = match open_existing_state(&path)? {
        Some(store) => store
            .outputs()
            .map_err(|e| state_error("Failed to load state", &e))?,
        None => Vec::new(),
    };
    let outputs: Vec<(OutputRecord, Value)> = outputs
        .into_iter()
        .map(|o| {
            let v = decode_value(&o.value);
            (o, v)
        })
        .filter(|(_, v)| !v.is_null())
        .collect();

    let Some(name) = &args.name else {
        if args.json {
            ui.println(all_json(&outputs)?);
            return Ok(ExitCode::SUCCESS);
        }
        if outputs.is_empty() {
            ui.warning("No outputs found", NO_OUTPUTS);
            return Ok(ExitCode::SUCCESS);
        }
        let mut text = String::new();
        for (record, value) in &outputs {
            if record.sensitive || value.contains_sensitive() {
                text.push_str(&format!("{} = <sensitive>\n", record.name));
            } else {
                text.push_str(&format!("{} = {}\n", record.name, format_console(value)));
            }
        }
        ui.print(text);
        return Ok(ExitCode::SUCCESS);
    };

    if outputs.is_empty() && !args.json && !args.raw {
        ui.warning("No outputs found", NO_OUTPUTS);
        return Ok(ExitCode::SUCCESS);
    }
    let Some((_, value)) = outputs.iter().find(|(o, _)| &o.name == name) else {
        return Err(DiagnosticsError::error(
            format!("Output {name:?} not found"),
            "The output variable requested could not be found in the state file. If you recently added this to your configuration, be sure to run `gitform apply`, since the state won't be updated with new output variables until that command is run.",
        )
        .into());
    };
    let (value, _) = value.clone().unmark_deep();
    if args.json {
        ui.println(to_json_string(&value)?);
    } else if args.raw {
        let text = match &value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_canonical_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => {
                return Err(DiagnosticsError::error(
                    "Unsupported value for raw output",
                    format!("The value for output value {name:?} is null, so -raw mode cannot print it."),
                )
                .into())
            }
            other => {
                return Err(DiagnosticsError::error(
                    "Unsupported value for raw output",
                    format!(
                        "The -raw option only supports strings, numbers, and boolean values, but output value {name:?} is {}.\n\nUse the -json option for machine-readable representations of output values that have complex types.",
                        value_type(other).friendly_name()
                    ),
                )
                .into())
            }
        };
        ui.print(text);
    } else {
        ui.println(format_console(&value));
    }
    Ok(ExitCode::SUCCESS)
}

/// A stored output value: tagged JSON, or plain JSON when it is not.
pub fn decode_value(j: &Json) -> Value {
    from_tagged_json(j).unwrap_or_else(|_| from_json(j))
}

/// `gitform output -json`: `{"name": {"sensitive": .., "type": .., "value": ..}}`
/// indented as Go's `json.MarshalIndent` does.
fn all_json(outputs: &[(OutputRecord, Value)]) -> anyhow::Result<String> {
    let mut doc = serde_json::Map::new();
    for (record, value) in outputs {
        let (value, marked) = value.clone().unmark_deep();
        let mut entry = serde_json::Map::new();
        entry.insert("sensitive".into(), Json::Bool(record.sensitive || marked));
        entry.insert("type".into(), type_to_json(&value_type(&value)));
        entry.insert("value".into(), to_json(&value)?);
        doc.insert(record.name.clone(), Json::Object(entry));
    }
    Ok(go_indent_json(&Json::Object(doc)))
}

/// JSON indented by two spaces with keys sorted and `<`, `>`, `&` escaped,
/// byte-for-byte what Go's `json.MarshalIndent(v, "", "  ")` writes.
pub fn go_indent_json(j: &Json) -> String {
    let mut out = String::new();
    write_indented(&mut out, j, 0);
    out
}

fn write_indented(out: &mut String, j: &Json, depth: usize) {
    let pad = |out: &mut String, d: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(d));
    };
    match j {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => write_json_string(out, s),
        Json::Array(a) if a.is_empty() => out.push_str("[]"),
        Json::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                write_indented(out, e, depth + 1);
            }
            pad(out, depth);
            out.push(']');
        }
        Json::Object(o) if o.is_empty() => out.push_str("{}"),
        Json::Object(o) => {
            out.push('{');
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                write_json_string(out, k);
                out.push_str(": ");
                if let Some(v) = o.get(k) {
                    write_indented(out, v, depth + 1);
                }
            }
            pad(out, depth);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_indent() {
        let j: Json = serde_json::from_str(r#"{"b":[1,"<x>"],"a":{},"c":[]}"#).unwrap();
        assert_eq!(
            go_indent_json(&j),
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    \"\\u003cx\\u003e\"\n  ],\n  \"c\": []\n}"
        );
    }
}
