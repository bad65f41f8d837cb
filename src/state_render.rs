//! A resource instance in `terraform state show`'s layout:
//!
//! ```text
//! # aws_vpc.main:
//! resource "aws_vpc" "main" {
//!     cidr_block = "10.0.0.0/16"
//!     tags       = {
//!         "Name" = "main"
//!     }
//! }
//! ```
//!
//! Attributes are stored as tagged JSON (`gitform_value::json::to_tagged_json`,
//! sensitive marks included); `sensitive_paths`, when it is a JSON list of
//! `AttrPath`s, marks more. Without provider schemas every attribute is
//! shown as an attribute (nested blocks appear as lists of objects).

use gitform_state::{ResourceMode, ResourceRecord};
use gitform_value::display::go_quote;
use gitform_value::json::from_tagged_json;
use gitform_value::{AttrPath, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// The value of a stored resource's attributes, with its sensitive marks.
pub fn resource_value(record: &ResourceRecord) -> Value {
    let value = from_tagged_json(&record.attributes)
        .unwrap_or_else(|_| gitform_value::json::from_json(&record.attributes));
    match serde_json::from_value::<Vec<AttrPath>>(record.sensitive_paths.clone()) {
        Ok(paths) if !paths.is_empty() => value.with_sensitive_paths(&paths),
        _ => value,
    }
}

/// Renders one resource instance as `state show` prints it (ends with a newline).
pub fn render_resource(record: &ResourceRecord, color: bool) -> String {
    let (type_name, name) = match gitform_engine::address::parse_instance(&record.address) {
        Ok(addr) => (addr.resource.type_name, addr.resource.name),
        Err(_) => (
            record.resource_type.clone(),
            record
                .address
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .split('[')
                .next()
                .unwrap_or_default()
                .to_string(),
        ),
    };
    let keyword = match record.mode {
        ResourceMode::Managed => "resource",
        ResourceMode::Data => "data",
    };
    let mut out = format!("# {}:", record.address);
    if record.tainted {
        out.push_str(" (tainted)");
    }
    out.push('\n');
    out.push_str(&format!(
        "{keyword} {} {} {{\n",
        go_quote(&type_name),
        go_quote(&name)
    ));
    let r = Renderer { color };
    match resource_value(record) {
        Value::Object(attrs) | Value::Map(attrs) => {
            let shown: Vec<(&String, &Value)> =
                attrs.iter().filter(|(_, v)| !v.is_null()).collect();
            r.entries(&mut out, &shown, 4);
        }
        Value::Sensitive(_) => out.push_str("    # (all attributes are sensitive)\n"),
        _ => {}
    }
    out.push_str("}\n");
    out
}

struct Renderer {
    color: bool,
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

impl Renderer {
    /// `key = value` lines at `indent`, keys aligned.
    fn entries(&self, out: &mut String, entries: &[(&String, &Value)], indent: usize) {
        let keys: Vec<String> = entries.iter().map(|(k, _)| attribute_name(k)).collect();
        let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
        for (key, (_, value)) in keys.iter().zip(entries) {
            pad(out, indent);
            out.push_str(key);
            pad(out, width - key.chars().count());
            out.push_str(" = ");
            self.value(out, value, indent);
            out.push('\n');
        }
    }

    /// A value starting on the current line; nested lines are indented
    /// relative to `indent` (the indentation of the current line).
    fn value(&self, out: &mut String, v: &Value, indent: usize) {
        match v {
            Value::Null => out.push_str(&self.null()),
            Value::Unknown(_) => out.push_str("(known after apply)"),
            Value::Sensitive(_) => out.push_str("(sensitive value)"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.to_canonical_string()),
            Value::String(s) => self.string(out, s, indent),
            Value::List(elems) | Value::Set(elems) | Value::Tuple(elems) => {
                if elems.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push_str("[\n");
                for e in elems {
                    pad(out, indent + 4);
                    self.value(out, e, indent + 4);
                    out.push_str(",\n");
                }
                pad(out, indent);
                out.push(']');
            }
            Value::Map(m) | Value::Object(m) => {
                if m.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{\n");
                let entries: Vec<(&String, &Value)> = m.iter().collect();
                self.entries(out, &entries, indent + 4);
                pad(out, indent);
                out.push('}');
            }
        }
    }

    fn null(&self) -> String {
        if self.color {
            "\x1b[90mnull\x1b[0m\x1b[0m".to_string()
        } else {
            "null".to_string()
        }
    }

    /// Strings as Terraform's renderer shows them: JSON documents as
    /// `jsonencode(...)`, multi-line text as a heredoc, others Go-quoted.
    fn string(&self, out: &mut String, s: &str, indent: usize) {
        if s.starts_with('{') || s.starts_with('[') {
            if let Ok(j) = serde_json::from_str::<Json>(s) {
                self.json_document(out, &j, indent);
                return;
            }
        }
        if s.contains('\n') {
            let trimmed = s.trim();
            out.push_str("<<-EOT\n");
            for line in trimmed.split('\n') {
                pad(out, indent + 4);
                out.push_str(line);
                out.push('\n');
            }
            pad(out, indent);
            out.push_str("EOT");
            return;
        }
        out.push_str(&go_quote(s));
    }

    fn json_document(&self, out: &mut String, j: &Json, indent: usize) {
        let empty = match j {
            Json::Array(a) => a.is_empty(),
            Json::Object(o) => o.is_empty(),
            _ => false,
        };
        if empty {
            out.push_str("jsonencode(");
            self.json(out, j, indent);
            out.push(')');
            return;
        }
        out.push_str("jsonencode(\n");
        pad(out, indent + 4);
        self.json(out, j, indent + 4);
        out.push('\n');
        pad(out, indent);
        out.push(')');
    }

    fn json(&self, out: &mut String, j: &Json, indent: usize) {
        match j {
            Json::Null => out.push_str(&self.null()),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => self.string(out, s, indent),
            Json::Array(a) => {
                if a.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push_str("[\n");
                for e in a {
                    pad(out, indent + 4);
                    self.json(out, e, indent + 4);
                    out.push_str(",\n");
                }
                pad(out, indent);
                out.push(']');
            }
            Json::Object(o) => {
                if o.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{\n");
                let sorted: BTreeMap<&String, &Json> = o.iter().collect();
                let keys: Vec<String> = sorted.keys().map(|k| attribute_name(k)).collect();
                let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
                for (key, (_, v)) in keys.iter().zip(sorted) {
                    pad(out, indent + 4);
                    out.push_str(key);
                    pad(out, width - key.chars().count());
                    out.push_str(" = ");
                    self.json(out, v, indent + 4);
                    out.push('\n');
                }
                pad(out, indent);
                out.push('}');
            }
        }
    }
}

/// An attribute or map key: bare when it is a valid HCL identifier, quoted otherwise.
fn attribute_name(name: &str) -> String {
    let mut chars = name.chars();
    let valid = match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {
            chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        }
        _ => false,
    };
    if valid {
        name.to_string()
    } else {
        go_quote(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(address: &str, attrs: Json) -> ResourceRecord {
        ResourceRecord {
            address: address.into(),
            mode: if address.starts_with("data.") {
                ResourceMode::Data
            } else {
                ResourceMode::Managed
            },
            resource_type: "terraform_data".into(),
            provider: "builtin".into(),
            schema_version: 0,
            attributes: attrs,
            sensitive_paths: Json::Array(vec![]),
            dependencies: vec![],
            tainted: false,
            create_before_destroy: false,
            updated_serial: 0,
        }
    }

    /// Expected texts are `terraform state show -no-color` output (Terraform 1.11.4).
    #[test]
    fn matches_terraform_layout() {
        let attrs = serde_json::json!({
            "id": "d5f4d0b3",
            "triggers_replace": null,
            "input": {
                "emptys": "",
                "j": "{\"a\":1,\"b\":[1,2]}",
                "j2": "[]",
                "j3": "123",
                "ml3": "a\n\n  b\n\n",
                "uni": "h\u{e9}llo \u{1}",
                "esc": "q\"\\t\t${x}",
                "m": {"$t": "map", "v": {"k-1": "v", "with space": "w"}},
                "objs": [{"a": 1, "bb": {"$t": "sensitive", "v": "x"}}],
                "n": null,
                "set": {"$t": "set", "v": ["a", "b"]},
                "e": []
            }
        });
        let got = render_resource(&record("terraform_data.a", attrs), false);
        let want = r#"# terraform_data.a:
resource "terraform_data" "a" {
    id    = "d5f4d0b3"
    input = {
        e      = []
        emptys = ""
        esc    = "q\"\\t\t${x}"
        j      = jsonencode(
            {
                a = 1
                b = [
                    1,
                    2,
                ]
            }
        )
        j2     = jsonencode([])
        j3     = "123"
        m      = {
            k-1          = "v"
            "with space" = "w"
        }
        ml3    = <<-EOT
            a
            
              b
        EOT
        n      = null
        objs   = [
            {
                a  = 1
                bb = (sensitive value)
            },
        ]
        set    = [
            "a",
            "b",
        ]
        uni    = "héllo \x01"
    }
}
"#;
        assert_eq!(got, want);
    }

    #[test]
    fn data_sources_and_sensitive_paths() {
        let mut r = record(
            "module.m.data.terraform_remote_state.a[\"k\"]",
            serde_json::json!({"backend": "local", "pw": "s"}),
        );
        r.sensitive_paths = serde_json::to_value(vec![AttrPath::attr("pw")]).unwrap();
        r.tainted = true;
        r.mode = ResourceMode::Data;
        let got = render_resource(&r, false);
        assert_eq!(
            got,
            "# module.m.data.terraform_remote_state.a[\"k\"]: (tainted)\ndata \"terraform_remote_state\" \"a\" {\n    backend = \"local\"\n    pw      = (sensitive value)\n}\n"
        );
    }
}
