//! Generated configurations of N resources, for benchmarks.
//!
//! A [`Spec`] picks the dependency [`Shape`] between resources, whether they
//! are written as N resource blocks or through `count` ([`Form`]), the
//! resource type ([`Kind`]) and how much each body holds ([`Bodies`]).
//! Both forms of a shape give the same instance-level dependency graph:
//!
//! | shape         | `named` form                                   | `count` form                                             |
//! |---------------|------------------------------------------------|----------------------------------------------------------|
//! | `independent` | `r0` … `r{N-1}`, no dependencies               | `r` with `count = N`                                     |
//! | `chain`       | `r{i}` depends on `r{i-1}`                     | `r{i}` with `count = 1` depends on `r{i-1}[0]`           |
//! | `layered`     | `l{k}_{j}` depends on `l{k-1}_{j}`, `l{k-1}_{j+1}` (wrapping) | `l{k}` with `count = width` depends on `l{k-1}` |
//! | `wide-fanout` | `root` and `leaf0` … `leaf{N-2}` depending on it | `root` and `leaf` with `count = N - 1`                 |
//!
//! (Terraform tracks dependencies per resource block, so in the `count` form
//! of `layered` every instance of a layer waits for the whole previous layer.)
//!
//! [`Bodies::Realistic`] adds variables, locals and one extra resource
//! `shared` that every other resource references; each resource gets a
//! template, a function call or `for` expression, and every other one a
//! `lifecycle` block: about 230 bytes of HCL per resource.

use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::str::FromStr;

/// How the resources depend on each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Independent,
    Chain,
    Layered,
    WideFanout,
}

/// How the resources are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// One resource block per resource.
    Named,
    /// Few resource blocks, expanded with `count`.
    Count,
}

/// The resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `terraform_data`: no latency at all.
    TerraformData,
    /// `test_resource` of gitform's test provider, with configurable latency.
    TestResource,
}

/// How much each resource body holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bodies {
    /// One attribute carrying the dependencies.
    Minimal,
    /// Several attributes with references to variables, locals and a shared
    /// resource, templates, function calls and a `lifecycle` block.
    Realistic,
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub shape: Shape,
    pub form: Form,
    pub kind: Kind,
    pub bodies: Bodies,
    /// Resources of the shape (instances, in the `count` form). The
    /// realistic bodies add one more, `shared`.
    pub resources: usize,
    /// Layers of the `layered` shape (at most `resources`).
    pub layers: usize,
    /// `provider "test" { delay_ms = ... }` (test resources only).
    pub provider_delay_ms: u64,
    /// A per-resource `delay_ms` (test resources only).
    pub resource_delay_ms: Option<u64>,
    /// Resource blocks per generated `resources_NNN.tf` file.
    pub blocks_per_file: usize,
    /// A `provisioner "local-exec" { command = "sleep S" }` in every
    /// resource: per-resource latency that Terraform can run offline (the
    /// `test` provider is gitform's own).
    pub provisioner_sleep_ms: Option<u64>,
    /// Edit the configuration as a later commit would: see [`Change`].
    pub change: Option<Change>,
}

/// A change of some instances' input, for "apply of a 1% change": the
/// first `instances` instances (in block order, counting every instance of
/// a `count` block) get `-TAG` appended to the name their main string
/// attribute carries (`input = "r7-7"` becomes `input = "r7-7-v1"`). In the
/// `count` form a block whose instances are only partly changed gets a
/// conditional (`count.index < 3 ? "…-v1" : "…"`). Ids do not change, so
/// the dependents are not changed: the plan is exactly `instances` updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub instances: usize,
    pub tag: String,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            shape: Shape::Independent,
            form: Form::Named,
            kind: Kind::TerraformData,
            bodies: Bodies::Minimal,
            resources: 100,
            layers: 10,
            provider_delay_ms: 0,
            resource_delay_ms: None,
            blocks_per_file: 1000,
            provisioner_sleep_ms: None,
            change: None,
        }
    }
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    pub name: String,
    pub text: String,
}

/// The files of the configuration described by `spec`: `main.tf`
/// (settings, provider, variables, locals) and `resources_000.tf`, ….
pub fn generate(spec: &Spec) -> Vec<GeneratedFile> {
    let blocks = resource_blocks(spec);
    let mut files = vec![GeneratedFile {
        name: "main.tf".to_string(),
        text: main_file(spec),
    }];
    let per_file = spec.blocks_per_file.max(1);
    for (i, chunk) in blocks.chunks(per_file).enumerate() {
        files.push(GeneratedFile {
            name: format!("resources_{i:03}.tf"),
            text: chunk.join("\n"),
        });
    }
    files
}

/// Writes the configuration into `dir` (created if needed; existing `*.tf`
/// files of the same names are overwritten). Returns the bytes written.
pub fn write_config(spec: &Spec, dir: &Path) -> io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let mut total = 0u64;
    for f in generate(spec) {
        std::fs::write(dir.join(&f.name), &f.text)?;
        total += f.text.len() as u64;
    }
    Ok(total)
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::TerraformData => "terraform_data",
            Kind::TestResource => "test_resource",
        }
    }
}

fn main_file(spec: &Spec) -> String {
    let mut s = String::from("# Generated by gitform-bench. Do not edit.\n\nterraform {\n  required_version = \">= 1.4\"\n}\n");
    if spec.kind == Kind::TestResource {
        let _ = write!(
            s,
            "\nprovider \"test\" {{\n  delay_ms = {}\n}}\n",
            spec.provider_delay_ms
        );
    }
    if spec.bodies == Bodies::Realistic {
        s.push_str(REALISTIC_PRELUDE);
        let ty = spec.kind.type_name();
        let body = match spec.kind {
            Kind::TerraformData => {
                "  input = {\n    owner = \"platform\"\n    name  = local.prefix\n  }\n"
            }
            Kind::TestResource => "  value = local.prefix\n",
        };
        let _ = write!(s, "\nresource \"{ty}\" \"shared\" {{\n{body}}}\n");
    }
    s
}

const REALISTIC_PRELUDE: &str = r#"
variable "environment" {
  type        = string
  default     = "bench"
  description = "Environment name used in every generated name."

  validation {
    condition     = length(var.environment) > 0
    error_message = "The environment must not be empty."
  }
}

variable "revision" {
  type    = string
  default = "1"
}

variable "enabled" {
  type    = bool
  default = true
}

variable "ports" {
  type    = list(number)
  default = [80, 443, 8080]
}

locals {
  prefix = "${var.environment}-bench"
  tags = {
    environment = var.environment
    managed_by  = "gitform-bench"
  }
}
"#;

/// A resource to write: its block name, `count` (count form only) and the
/// references (`type.name.id` …) its body depends on.
struct Node {
    name: String,
    count: Option<String>,
    deps: Vec<String>,
    /// The instance number written into the body (`count.index` in the count form).
    index: String,
    /// Position among all blocks, to vary realistic bodies.
    ordinal: usize,
    /// Instances of the block (1 without `count`).
    instances: usize,
}

fn nodes(spec: &Spec) -> Vec<Node> {
    let ty = spec.kind.type_name();
    let n = spec.resources;
    let mut out = Vec::new();
    let mut push = |name: String, count: Option<String>, deps: Vec<String>, index: String| {
        let ordinal = out.len();
        let instances = count.as_deref().map_or(1, |c| c.parse().unwrap_or(1));
        out.push(Node {
            name,
            count,
            deps,
            index,
            ordinal,
            instances,
        });
    };
    match (spec.shape, spec.form) {
        (Shape::Independent, Form::Named) => {
            for i in 0..n {
                push(format!("r{i}"), None, vec![], i.to_string());
            }
        }
        (Shape::Independent, Form::Count) => {
            if n > 0 {
                push(
                    "r".into(),
                    Some(n.to_string()),
                    vec![],
                    "count.index".into(),
                );
            }
        }
        (Shape::Chain, form) => {
            let (count, index_of) = match form {
                Form::Named => (None, ""),
                Form::Count => (Some("1".to_string()), "[0]"),
            };
            for i in 0..n {
                let deps = match i.checked_sub(1) {
                    Some(p) => vec![format!("{ty}.r{p}{index_of}.id")],
                    None => vec![],
                };
                push(format!("r{i}"), count.clone(), deps, i.to_string());
            }
        }
        (Shape::Layered, form) => {
            let sizes = layer_sizes(n, spec.layers);
            for (k, &size) in sizes.iter().enumerate() {
                let prev = k.checked_sub(1).and_then(|p| sizes.get(p).map(|&s| (p, s)));
                match form {
                    Form::Named => {
                        for j in 0..size {
                            let deps = match prev {
                                Some((p, ps)) => {
                                    let mut d = vec![format!("{ty}.l{p}_{}.id", j % ps)];
                                    if ps > 1 {
                                        d.push(format!("{ty}.l{p}_{}.id", (j + 1) % ps));
                                    }
                                    d
                                }
                                None => vec![],
                            };
                            push(format!("l{k}_{j}"), None, deps, j.to_string());
                        }
                    }
                    Form::Count => {
                        let deps = match prev {
                            Some((p, ps)) => {
                                let mut d = vec![format!("{ty}.l{p}[count.index % {ps}].id")];
                                if ps > 1 {
                                    d.push(format!("{ty}.l{p}[(count.index + 1) % {ps}].id"));
                                }
                                d
                            }
                            None => vec![],
                        };
                        push(
                            format!("l{k}"),
                            Some(size.to_string()),
                            deps,
                            "count.index".into(),
                        );
                    }
                }
            }
        }
        (Shape::WideFanout, form) => {
            if n > 0 {
                push("root".into(), None, vec![], "0".into());
                let root = vec![format!("{ty}.root.id")];
                match form {
                    Form::Named => {
                        for i in 0..n - 1 {
                            push(format!("leaf{i}"), None, root.clone(), i.to_string());
                        }
                    }
                    Form::Count => {
                        if n > 1 {
                            push(
                                "leaf".into(),
                                Some((n - 1).to_string()),
                                root,
                                "count.index".into(),
                            );
                        }
                    }
                }
            }
        }
    }
    out
}

/// `n` resources spread over `layers` layers (earlier layers take the remainder).
pub fn layer_sizes(n: usize, layers: usize) -> Vec<usize> {
    let layers = layers.clamp(1, n.max(1));
    (0..layers)
        .map(|k| n / layers + usize::from(k < n % layers))
        .filter(|&s| s > 0)
        .collect()
}

fn resource_blocks(spec: &Spec) -> Vec<String> {
    let mut before = 0;
    nodes(spec)
        .iter()
        .map(|node| {
            let changed = spec.change.as_ref().map_or(0, |c| {
                c.instances.saturating_sub(before).min(node.instances)
            });
            before += node.instances;
            resource_block(spec, node, changed)
        })
        .collect()
}

/// The string expression `"{head}{tail}"`, with `-TAG` between head and
/// tail for the first `changed` instances of the block (see [`Change`]).
fn changed_string(spec: &Spec, node: &Node, changed: usize, head: &str, tail: &str) -> String {
    let pristine = format!("\"{head}{tail}\"");
    let Some(change) = spec.change.as_ref().filter(|_| changed > 0) else {
        return pristine;
    };
    let tagged = format!("\"{head}-{}{tail}\"", change.tag);
    if changed >= node.instances {
        tagged
    } else {
        format!("count.index < {changed} ? {tagged} : {pristine}")
    }
}

/// `"${a}:${b}"`-style interpolations of the dependencies, for string attributes.
fn dep_template(deps: &[String]) -> String {
    deps.iter().map(|d| format!(":${{{d}}}")).collect()
}

fn resource_block(spec: &Spec, node: &Node, changed: usize) -> String {
    let ty = spec.kind.type_name();
    let name = &node.name;
    let mut s = format!("resource \"{ty}\" \"{name}\" {{\n");
    if let Some(c) = &node.count {
        let _ = writeln!(s, "  count = {c}\n");
    }
    let index = if node.index == "count.index" {
        "${count.index}".to_string()
    } else {
        node.index.clone()
    };
    let deps = dep_template(&node.deps);
    // The name alone identifies a named resource; count instances add their index.
    let suffix = if node.count.is_some() {
        format!("-{index}")
    } else {
        String::new()
    };
    match (spec.kind, spec.bodies) {
        (Kind::TerraformData, Bodies::Minimal) => {
            let v = changed_string(spec, node, changed, &format!("{name}-{index}"), &deps);
            let _ = writeln!(s, "  input = {v}");
        }
        (Kind::TestResource, Bodies::Minimal) => {
            let v = changed_string(spec, node, changed, &format!("{name}-{index}"), &deps);
            let _ = writeln!(s, "  value = {v}");
        }
        (Kind::TerraformData, Bodies::Realistic) => {
            let v = changed_string(
                spec,
                node,
                changed,
                &format!("${{local.prefix}}-{name}{suffix}"),
                &deps,
            );
            s.push_str("  input = {\n");
            let _ = writeln!(s, "    name  = {v}");
            let _ = writeln!(s, "    owner = terraform_data.shared.output.owner");
            let _ = writeln!(s, "    {}", realistic_extra(node, &index));
            s.push_str("  }\n");
            s.push_str(match node.ordinal % 2 {
                0 => "  triggers_replace = [var.revision]\n",
                _ => "\n  lifecycle {\n    ignore_changes = [input[\"owner\"]]\n  }\n",
            });
        }
        (Kind::TestResource, Bodies::Realistic) => {
            let v = changed_string(
                spec,
                node,
                changed,
                &format!("${{local.prefix}}-{name}{suffix}"),
                &deps,
            );
            let _ = writeln!(s, "  value = {v}");
            let _ = writeln!(
                s,
                "  triggers = merge(local.tags, {{ base = test_resource.shared.id }})"
            );
            let _ = writeln!(
                s,
                "  fail_message = {}",
                realistic_extra_string(node, &index)
            );
            if node.ordinal % 2 == 1 {
                s.push_str("\n  lifecycle {\n    ignore_changes = [triggers]\n  }\n");
            }
        }
    }
    if spec.kind == Kind::TestResource {
        if let Some(d) = spec.resource_delay_ms {
            let _ = writeln!(s, "  delay_ms = {d}");
        }
    }
    if let Some(ms) = spec.provisioner_sleep_ms {
        let _ = write!(
            s,
            "\n  provisioner \"local-exec\" {{\n    command = \"sleep {}.{:03}\"\n  }}\n",
            ms / 1000,
            ms % 1000
        );
    }
    s.push_str("}\n");
    s
}

/// One more attribute of a realistic `terraform_data` input, varying by
/// resource: a `for` expression, a `format` call, a template directive, a
/// `merge` of a local or a hash function. `index` is the instance number
/// as a template (`"3"` or `"${count.index}"`).
fn realistic_extra(node: &Node, index: &str) -> String {
    match node.ordinal % 5 {
        0 => format!("ports = [for p in var.ports : \"{index}:${{p}}\" if p > 0]"),
        1 => format!("label = format(\"%s-%s\", var.environment, \"{index}\")"),
        2 => "state = \"%{ if var.enabled }on%{ else }off%{ endif }\"".to_string(),
        3 => format!("tags  = merge(local.tags, {{ index = \"{index}\" }})"),
        _ => "check = md5(\"${var.revision}\")".to_string(),
    }
}

/// A string-valued variant of [`realistic_extra`] for `test_resource`.
fn realistic_extra_string(node: &Node, index: &str) -> String {
    match node.ordinal % 5 {
        0 => "join(\",\", [for p in var.ports : tostring(p)])".to_string(),
        1 => format!("format(\"%s-%s\", var.environment, \"{index}\")"),
        2 => "\"%{ if var.enabled }on%{ else }off%{ endif }\"".to_string(),
        3 => "lookup(local.tags, \"environment\", \"none\")".to_string(),
        _ => "md5(\"${var.revision}\")".to_string(),
    }
}

macro_rules! parse_enum {
    ($ty:ident { $($text:literal => $variant:ident),+ $(,)? }) => {
        impl $ty {
            /// The names accepted on the command line.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn name(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<$ty, String> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(format!("unknown {} `{other}` (expected one of: {})", stringify!($ty).to_lowercase(), $ty::NAMES.join(", "))),
                }
            }
        }
    };
}

parse_enum!(Shape { "independent" => Independent, "chain" => Chain, "layered" => Layered, "wide-fanout" => WideFanout });
parse_enum!(Form { "named" => Named, "count" => Count });
parse_enum!(Kind { "terraform_data" => TerraformData, "test_resource" => TestResource });
parse_enum!(Bodies { "minimal" => Minimal, "realistic" => Realistic });

#[cfg(test)]
mod tests {
    use super::*;

    fn text(spec: &Spec) -> String {
        generate(spec)
            .into_iter()
            .map(|f| f.text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn layer_sizes_spread_the_remainder() {
        let cases: &[(usize, usize, &[usize])] = &[
            (10, 3, &[4, 3, 3]),
            (2, 10, &[1, 1]),
            (0, 4, &[]),
            (1000, 10, &[100; 10]),
        ];
        for &(n, layers, want) in cases {
            assert_eq!(layer_sizes(n, layers), want, "n={n} layers={layers}");
        }
    }

    #[test]
    fn every_shape_and_form_loads_without_errors() {
        for shape in [
            Shape::Independent,
            Shape::Chain,
            Shape::Layered,
            Shape::WideFanout,
        ] {
            for form in [Form::Named, Form::Count] {
                for kind in [Kind::TerraformData, Kind::TestResource] {
                    for bodies in [Bodies::Minimal, Bodies::Realistic] {
                        let spec = Spec {
                            shape,
                            form,
                            kind,
                            bodies,
                            resources: 25,
                            layers: 4,
                            resource_delay_ms: Some(5),
                            provisioner_sleep_ms: (kind == Kind::TerraformData).then_some(10),
                            ..Spec::default()
                        };
                        let files = generate(&spec)
                            .into_iter()
                            .map(|f| (f.name, f.text.into_bytes()))
                            .collect();
                        let (module, diags) =
                            gitform_config::load_module_from_sources(Path::new("/bench"), files);
                        assert!(!diags.has_errors(), "{spec:?}: {diags}");
                        let blocks = match form {
                            Form::Named => 25,
                            Form::Count => match shape {
                                Shape::Independent => 1,
                                Shape::Chain => 25,
                                Shape::Layered => 4,
                                Shape::WideFanout => 2,
                            },
                        };
                        let shared = usize::from(bodies == Bodies::Realistic);
                        assert_eq!(module.managed_resources.len(), blocks + shared, "{spec:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn dependencies_follow_the_shape() {
        let cases: &[(Shape, Form, &[&str])] = &[
            (Shape::Chain, Form::Named, &["input = \"r2-2:${terraform_data.r1.id}\""]),
            (Shape::Chain, Form::Count, &["count = 1", "input = \"r2-2:${terraform_data.r1[0].id}\""]),
            (
                Shape::Layered,
                Form::Named,
                &["input = \"l1_2-2:${terraform_data.l0_2.id}:${terraform_data.l0_0.id}\""],
            ),
            (
                Shape::Layered,
                Form::Count,
                &["count = 3", "${terraform_data.l0[count.index % 3].id}:${terraform_data.l0[(count.index + 1) % 3].id}"],
            ),
            (Shape::WideFanout, Form::Named, &["input = \"leaf7-7:${terraform_data.root.id}\""]),
            (Shape::WideFanout, Form::Count, &["count = 8", "${terraform_data.root.id}"]),
            (Shape::Independent, Form::Count, &["count = 9", "input = \"r-${count.index}\""]),
        ];
        for &(shape, form, wants) in cases {
            let t = text(&Spec {
                shape,
                form,
                resources: 9,
                layers: 3,
                ..Spec::default()
            });
            for want in wants {
                assert!(
                    t.contains(want),
                    "{shape:?}/{form:?}: missing {want:?} in\n{t}"
                );
            }
        }
    }

    #[test]
    fn test_provider_latency_is_written() {
        let t = text(&Spec {
            kind: Kind::TestResource,
            provider_delay_ms: 50,
            resource_delay_ms: Some(7),
            resources: 2,
            ..Spec::default()
        });
        assert!(t.contains("provider \"test\" {\n  delay_ms = 50\n}"), "{t}");
        assert!(
            t.contains(
                "resource \"test_resource\" \"r1\" {\n  value = \"r1-1\"\n  delay_ms = 7\n}"
            ),
            "{t}"
        );
    }

    #[test]
    fn provisioner_sleep_is_written() {
        let cases: &[(u64, &str)] = &[(50, "sleep 0.050"), (1500, "sleep 1.500")];
        for &(ms, want) in cases {
            let t = text(&Spec {
                shape: Shape::Chain,
                provisioner_sleep_ms: Some(ms),
                resources: 2,
                ..Spec::default()
            });
            let block =
                format!("  provisioner \"local-exec\" {{\n    command = \"{want}\"\n  }}\n}}\n");
            assert_eq!(t.matches(&block).count(), 2, "{t}");
        }
    }

    #[test]
    fn a_change_tags_the_first_instances() {
        // (shape, form, changed instances, texts that must appear, count of `-v1`)
        let cases: &[(Shape, Form, usize, &[&str], usize)] = &[
            (Shape::Independent, Form::Named, 3, &["input = \"r2-2-v1\"", "input = \"r3-3\""], 3),
            (
                Shape::Independent,
                Form::Count,
                3,
                &["input = count.index < 3 ? \"r-${count.index}-v1\" : \"r-${count.index}\""],
                1,
            ),
            (
                Shape::Chain,
                Form::Count,
                2,
                &["input = \"r1-1-v1:${terraform_data.r0[0].id}\"", "input = \"r2-2:${terraform_data.r1[0].id}\""],
                2,
            ),
            (Shape::Layered, Form::Named, 1, &["input = \"l0_0-0-v1\"", "input = \"l0_1-1\""], 1),
            (
                Shape::Layered,
                Form::Count,
                7,
                &[
                    "input = \"l0-${count.index}-v1\"",
                    "input = count.index < 2 ? \"l1-${count.index}-v1:${terraform_data.l0[count.index % 5].id}",
                ],
                2,
            ),
            (
                Shape::WideFanout,
                Form::Count,
                3,
                &["input = \"root-0-v1\"", "input = count.index < 2 ? \"leaf-${count.index}-v1:${terraform_data.root.id}\""],
                2,
            ),
            (Shape::Independent, Form::Named, 0, &["input = \"r0-0\""], 0),
            (Shape::Independent, Form::Count, 50, &["input = \"r-${count.index}-v1\""], 1),
        ];
        for &(shape, form, instances, wants, tags) in cases {
            let spec = Spec {
                shape,
                form,
                resources: 20,
                layers: 4,
                change: Some(Change {
                    instances,
                    tag: "v1".into(),
                }),
                ..Spec::default()
            };
            let t = text(&spec);
            for want in wants {
                assert!(
                    t.contains(want),
                    "{shape:?}/{form:?}: missing {want:?} in\n{t}"
                );
            }
            assert_eq!(t.matches("-v1").count(), tags, "{shape:?}/{form:?}\n{t}");
            let files = generate(&spec)
                .into_iter()
                .map(|f| (f.name, f.text.into_bytes()))
                .collect();
            let (_, diags) = gitform_config::load_module_from_sources(Path::new("/bench"), files);
            assert!(!diags.has_errors(), "{spec:?}: {diags}");
        }
    }

    #[test]
    fn names_round_trip() {
        for name in Shape::NAMES {
            assert_eq!(name.parse::<Shape>().map(Shape::name), Ok(*name));
        }
        assert!("ring"
            .parse::<Shape>()
            .unwrap_err()
            .contains("independent, chain, layered, wide-fanout"));
    }
}
