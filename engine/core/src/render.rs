//! Human-readable plans, in the layout Terraform users know: `+`, `~`,
//! `-/+` and `-` symbols, attribute-level diffs, `(known after apply)`,
//! `(sensitive value)`, `# forces replacement`, and the
//! "Plan: X to add, Y to change, Z to destroy." line.

use crate::address::InstanceAddr;
use crate::changes::{Action, BlockShape, Drift, Plan, PlanMode, ResourceChange};
use gitform_provider::Nesting;
use gitform_value::{AttrPath, PathStep, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// ANSI colours (only on a terminal).
    pub color: bool,
}

const RULE: &str = "─────────────────────────────────────────────────────────────────────────────";
/// Attributes that are shown even when unchanged, to identify the object.
const IDENTIFYING: &[&str] = &["id", "name", "tags"];

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn symbol(&self, action: Action) -> String {
        let code = match action {
            Action::Create => "32",
            Action::Delete => "31",
            Action::Update => "33",
            Action::Read => "36",
            Action::DeleteThenCreate | Action::CreateThenDelete => "35",
            Action::NoOp => "0",
        };
        self.paint(code, action.symbol())
    }

    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// Renders the whole plan.
pub fn render_plan(plan: &Plan, opts: RenderOptions) -> String {
    let st = Style { color: opts.color };
    let mut out = String::new();
    if !plan.drift.is_empty() {
        render_drift(&plan.drift, &plan.block_shapes, &st, plan.mode, &mut out);
    }
    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    let output_changes: Vec<_> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    if plan.mode == PlanMode::RefreshOnly {
        if plan.drift.is_empty() {
            out.push_str("\nNo changes. Your infrastructure still matches the configuration.\n\n");
            out.push_str(
                "gitform has checked that the real remote objects still match the result of\n",
            );
            out.push_str("your most recent changes, and found no differences.\n");
        } else {
            out.push_str(
                "\nThis is a refresh-only plan, so gitform will not take any actions to undo\n",
            );
            out.push_str(
                "these. If you were expecting these changes then you can apply this plan to\n",
            );
            out.push_str(
                "record the updated values in the gitform state without changing any remote\n",
            );
            out.push_str("objects.\n");
        }
        return out;
    }
    if changes.is_empty() && output_changes.is_empty() {
        out.push('\n');
        out.push_str(&st.bold("No changes."));
        out.push_str(&st.bold(" Your infrastructure matches the configuration."));
        out.push_str(
            "\n\ngitform has compared your real infrastructure against your configuration\n",
        );
        out.push_str("and found no differences, so no changes are needed.\n");
        return out;
    }
    if !changes.is_empty() {
        out.push_str("\ngitform used the selected providers to generate the following execution\n");
        out.push_str("plan. Resource actions are indicated with the following symbols:\n");
        let mut kinds: Vec<Action> = changes.iter().map(|c| c.action).collect();
        kinds.sort();
        kinds.dedup();
        for k in kinds {
            let (sym, text) = match k {
                Action::Create => ("  +", "create"),
                Action::Update => ("  ~", "update in-place"),
                Action::Delete => ("  -", "destroy"),
                Action::DeleteThenCreate => ("-/+", "destroy and then create replacement"),
                Action::CreateThenDelete => ("+/-", "create replacement and then destroy"),
                Action::Read => (" <=", "read (data resources)"),
                Action::NoOp => continue,
            };
            let _ = writeln!(out, "{} {text}", st.paint(color_of(k), sym));
        }
        out.push_str("\ngitform will perform the following actions:\n");
        for ch in &changes {
            out.push('\n');
            render_change(ch, &plan.block_shapes, &st, &mut out);
        }
        let c = plan.counts();
        out.push('\n');
        let line = if plan.mode == PlanMode::Destroy && c.add == 0 && c.change == 0 {
            format!("Plan: 0 to add, 0 to change, {} to destroy.", c.destroy)
        } else {
            format!(
                "Plan: {} to add, {} to change, {} to destroy.",
                c.add, c.change, c.destroy
            )
        };
        out.push_str(&st.bold(&line));
        out.push('\n');
    }
    if !output_changes.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        let width = output_changes
            .iter()
            .map(|o| o.name.len())
            .max()
            .unwrap_or(0);
        for o in output_changes {
            let mut body = String::new();
            let before = o.before.as_ref().map(|v| {
                if o.sensitive {
                    v.clone().sensitive()
                } else {
                    v.clone()
                }
            });
            let after = o.after.as_ref().map(|v| {
                if o.sensitive {
                    v.clone().sensitive()
                } else {
                    v.clone()
                }
            });
            diff_attr(
                &o.name,
                width,
                before.as_ref(),
                after.as_ref(),
                1,
                false,
                &st,
                &mut body,
            );
            out.push_str(&body);
        }
    }
    out
}

fn color_of(a: Action) -> &'static str {
    match a {
        Action::Create => "32",
        Action::Delete => "31",
        Action::Update => "33",
        Action::Read => "36",
        _ => "35",
    }
}

/// The nested block types of `addr`'s type, as the plan recorded them
/// (none for a plan saved without them).
fn shape_of<'a>(shapes: &'a BTreeMap<String, BlockShape>, addr: &InstanceAddr) -> &'a BlockShape {
    static NONE: BlockShape = BlockShape(BTreeMap::new());
    let r = &addr.resource;
    shapes
        .get(&BlockShape::key(r.mode, &r.type_name))
        .unwrap_or(&NONE)
}

fn render_drift(
    drift: &[Drift],
    shapes: &BTreeMap<String, BlockShape>,
    st: &Style,
    mode: PlanMode,
    out: &mut String,
) {
    out.push('\n');
    out.push_str(&st.bold("Note: Objects have changed outside of gitform"));
    out.push_str("\n\ngitform detected the following changes made outside of gitform since the\n");
    out.push_str("last \"gitform apply\" which may have affected this plan:\n");
    for d in drift {
        out.push('\n');
        let r = &d.addr.resource;
        match &d.after {
            Some(after) => {
                let _ = writeln!(out, "  # {} has changed", d.addr);
                let _ = writeln!(
                    out,
                    "  {} resource \"{}\" \"{}\" {{",
                    st.symbol(Action::Update),
                    r.type_name,
                    r.name
                );
                render_body(
                    Some(&d.before),
                    Some(after),
                    Action::Update,
                    &[],
                    shape_of(shapes, &d.addr),
                    3,
                    st,
                    out,
                );
            }
            None => {
                let _ = writeln!(out, "  # {} has been deleted", d.addr);
                let _ = writeln!(
                    out,
                    "  {} resource \"{}\" \"{}\" {{",
                    st.symbol(Action::Delete),
                    r.type_name,
                    r.name
                );
                render_body(
                    Some(&d.before),
                    None,
                    Action::Delete,
                    &[],
                    shape_of(shapes, &d.addr),
                    3,
                    st,
                    out,
                );
            }
        }
        out.push_str("    }\n");
    }
    if mode != PlanMode::RefreshOnly {
        out.push_str(
            "\nUnless you have made equivalent changes to your configuration, or ignored the\n",
        );
        out.push_str("relevant attributes using ignore_changes, the following plan may include\n");
        out.push_str("actions to undo or respond to these changes.\n");
    }
    out.push('\n');
    out.push_str(RULE);
    out.push('\n');
}

fn render_change(
    ch: &ResourceChange,
    shapes: &BTreeMap<String, BlockShape>,
    st: &Style,
    out: &mut String,
) {
    let addr = match &ch.deposed {
        Some(key) => format!("{} (deposed object {key})", ch.addr),
        None => ch.addr.to_string(),
    };
    let heading = match ch.action {
        Action::Create => format!("{addr} will be created"),
        Action::Update => format!("{addr} will be updated in-place"),
        Action::Delete => format!("{addr} will be destroyed"),
        Action::DeleteThenCreate | Action::CreateThenDelete => match &ch.reason {
            Some(crate::changes::ActionReason::Tainted) => {
                format!("{addr} is tainted, so must be replaced")
            }
            Some(crate::changes::ActionReason::ReplaceRequested) => {
                format!("{addr} will be replaced, as requested")
            }
            Some(crate::changes::ActionReason::ReplaceTriggeredBy(_)) => {
                format!("{addr} will be replaced due to changes in replace_triggered_by")
            }
            _ => format!("{addr} must be replaced"),
        },
        Action::Read => format!("{addr} will be read during apply"),
        Action::NoOp => return,
    };
    let _ = writeln!(out, "  # {}", st.bold(&heading));
    if let Some(reason) = &ch.reason {
        match reason {
            crate::changes::ActionReason::NoResourceConfig
            | crate::changes::ActionReason::NoInstanceKey
            | crate::changes::ActionReason::NoModule
            | crate::changes::ActionReason::ReadDependencyPending => {
                let subject = if *reason == crate::changes::ActionReason::NoModule {
                    ch.addr.resource.module.to_string()
                } else {
                    addr.clone()
                };
                let _ = writeln!(out, "  # {}", reason.describe(&subject));
            }
            _ => {}
        }
    }
    let r = &ch.addr.resource;
    let kind = if r.mode == crate::address::Mode::Data {
        "data"
    } else {
        "resource"
    };
    let sym = st.symbol(ch.action);
    let pad = if ch.action.symbol().len() == 3 {
        ""
    } else if ch.action.symbol().len() == 2 {
        " "
    } else {
        "  "
    };
    let _ = writeln!(
        out,
        "{pad}{sym} {kind} \"{}\" \"{}\" {{",
        r.type_name, r.name
    );
    render_body(
        ch.before.as_ref(),
        ch.after.as_ref(),
        ch.action,
        &ch.requires_replace,
        shape_of(shapes, &ch.addr),
        3,
        st,
        out,
    );
    out.push_str("    }\n");
}

/// Renders the body of an object diff: its attributes, aligned, then its
/// nested blocks (the names `shape` lists), each as `name { ... }`, as
/// Terraform lays them out. `level` is the indentation of the attribute
/// lines (3 for a resource). Identifying attributes (`id`, `name`, `tags`)
/// are shown even when unchanged, at every level, as Terraform does.
#[allow(clippy::too_many_arguments)]
fn render_body(
    before: Option<&Value>,
    after: Option<&Value>,
    action: Action,
    replace: &[AttrPath],
    shape: &BlockShape,
    level: usize,
    st: &Style,
    out: &mut String,
) {
    let empty = BTreeMap::new();
    let b = before.and_then(|v| v.as_entries()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_entries()).unwrap_or(&empty);
    let keys: Vec<&String> = keys_all(b, a)
        .into_iter()
        .filter(|k| !shape.0.contains_key(*k))
        .collect();
    let shown: Vec<&String> = keys
        .iter()
        .copied()
        .filter(|k| {
            let bv = b.get(*k).filter(|v| !v.is_null());
            let av = a.get(*k).filter(|v| !v.is_null());
            match (bv, av) {
                (None, None) => false,
                (Some(x), Some(y)) if same(x, y) => {
                    action == Action::Delete || IDENTIFYING.contains(&k.as_str())
                }
                _ => true,
            }
        })
        .collect();
    let width = shown.iter().map(|k| k.len()).max().unwrap_or(0);
    let mut hidden = 0;
    for k in &keys {
        let bv = b.get(*k).filter(|v| !v.is_null());
        let av = a.get(*k).filter(|v| !v.is_null());
        if !shown.contains(k) {
            if bv.is_some() && av.is_some() {
                hidden += 1;
            }
            continue;
        }
        let forces = replace
            .iter()
            .any(|p| p.0.first() == Some(&PathStep::Attr((*k).clone())) && p.0.len() == 1);
        diff_attr(k, width, bv, av, level, forces, st, out);
    }
    if hidden > 0 && action != Action::Create {
        let noun = if hidden == 1 {
            "attribute"
        } else {
            "attributes"
        };
        let _ = writeln!(
            out,
            "{}# ({hidden} unchanged {noun} hidden)",
            "  ".repeat(level + 1)
        );
    }
    let has_attributes = !keys.is_empty();
    render_blocks(b, a, action, replace, shape, has_attributes, level, st, out);
}

/// The nested blocks of a body, after its attributes: each block (each
/// element of a list, set or map of blocks) as `name { ... }` with its own
/// symbol, `name (known after apply)` for blocks the provider will decide,
/// and a count of the unchanged ones. As in Terraform, a blank line goes
/// before each group of blocks of one type when the body has attributes,
/// and before the count.
#[allow(clippy::too_many_arguments)]
fn render_blocks(
    b: &BTreeMap<String, Value>,
    a: &BTreeMap<String, Value>,
    action: Action,
    replace: &[AttrPath],
    shape: &BlockShape,
    has_attributes: bool,
    level: usize,
    st: &Style,
    out: &mut String,
) {
    let indent = "  ".repeat(level);
    let gap = if has_attributes { "\n" } else { "" };
    let mut unchanged = 0;
    for (name, (nesting, inner)) in &shape.0 {
        let bv = b.get(name).filter(|v| !v.is_null());
        let av = a.get(name).filter(|v| !v.is_null());
        let step = PathStep::Attr(name.clone());
        // A path naming the blocks themselves marks their headers (a set's
        // blocks cannot be told apart, so any path into them does too); a
        // longer one goes down to the attribute it names.
        let forces = replace
            .iter()
            .any(|p| p.0.first() == Some(&step) && (p.0.len() == 1 || *nesting == Nesting::Set));
        let comment = if forces {
            st.paint("31", " # forces replacement")
        } else {
            String::new()
        };
        let mut group_gap = gap;
        if av.is_some_and(|v| !blocks_known(v)) {
            let sym = if action == Action::Update && bv.is_some_and(|v| !no_blocks(*nesting, v)) {
                Action::Update
            } else {
                action
            };
            let _ = writeln!(
                out,
                "{group_gap}{indent}{} {name} (known after apply){comment}",
                st.symbol(sym)
            );
            continue;
        }
        let (Some(before), Some(after)) = (
            bv.map_or(Some(Vec::new()), |v| block_elements(*nesting, v)),
            av.map_or(Some(Vec::new()), |v| block_elements(*nesting, v)),
        ) else {
            // Sensitive blocks, or a value not of the schema's shape: shown
            // as an attribute (`(sensitive value)` for the former).
            out.push_str(group_gap);
            diff_attr(name, name.len(), bv, av, level, forces, st, out);
            continue;
        };
        for (position, (label, eb, ea)) in pair_blocks(*nesting, &before, &after)
            .into_iter()
            .enumerate()
        {
            let elem = match (eb, ea) {
                (None, None) => continue,
                (None, Some(_)) => Action::Create,
                (Some(_), None) => Action::Delete,
                (Some(x), Some(y)) if same(x, y) => {
                    unchanged += 1;
                    continue;
                }
                (Some(_), Some(_)) => Action::Update,
            };
            let within = paths_within(replace, &step, *nesting, position, label);
            let label = label.map(|l| format!(" {l:?}")).unwrap_or_default();
            let mut body = String::new();
            render_body(eb, ea, elem, &within, inner, level + 2, st, &mut body);
            let sym = st.symbol(elem);
            if body.is_empty() {
                let _ = writeln!(out, "{group_gap}{indent}{sym} {name}{label} {{}}{comment}");
            } else {
                let _ = writeln!(out, "{group_gap}{indent}{sym} {name}{label} {{{comment}");
                out.push_str(&body);
                let _ = writeln!(out, "{}}}", "  ".repeat(level + 1));
            }
            group_gap = "";
        }
    }
    if unchanged > 0 && action != Action::Create {
        let noun = if unchanged == 1 { "block" } else { "blocks" };
        let _ = writeln!(
            out,
            "\n{}# ({unchanged} unchanged {noun} hidden)",
            "  ".repeat(level + 1)
        );
    }
}

/// The replacement paths that lead into one block (the one at `position`
/// of a list, under `label` in a map, the only one of a single block),
/// relative to it.
fn paths_within(
    replace: &[AttrPath],
    step: &PathStep,
    nesting: Nesting,
    position: usize,
    label: Option<&String>,
) -> Vec<AttrPath> {
    replace
        .iter()
        .filter_map(|p| {
            let rest = p.0.strip_prefix(std::slice::from_ref(step))?;
            let rest = match (nesting, rest.first()) {
                (Nesting::Single, _) => rest,
                (Nesting::List, Some(PathStep::Index(i)))
                    if usize::try_from(*i).ok() == Some(position) =>
                {
                    &rest[1..]
                }
                (Nesting::Map, Some(PathStep::Key(k))) if Some(k) == label => &rest[1..],
                _ => return None,
            };
            (!rest.is_empty()).then(|| AttrPath(rest.to_vec()))
        })
        .collect()
}

/// False when the blocks, or any one of them, are not known yet (a
/// `dynamic` block whose `for_each` is unknown, or a provider's unknown).
fn blocks_known(v: &Value) -> bool {
    match v.unmarked() {
        Value::Unknown(_) => false,
        Value::List(l) | Value::Set(l) | Value::Tuple(l) => l.iter().all(Value::is_known),
        Value::Map(m) => m.values().all(Value::is_known),
        _ => true,
    }
}

fn no_blocks(nesting: Nesting, v: &Value) -> bool {
    block_elements(nesting, v).is_some_and(|e| e.is_empty())
}

/// The blocks a value holds under `nesting`, with their map keys; `None`
/// when a block is sensitive or the value does not have that shape.
fn block_elements(nesting: Nesting, v: &Value) -> Option<Vec<(Option<&String>, &Value)>> {
    if v.is_sensitive() || !v.is_known() {
        return None;
    }
    let elements: Vec<(Option<&String>, &Value)> = match (nesting, v) {
        (Nesting::Single, Value::Object(_)) => vec![(None, v)],
        (Nesting::List | Nesting::Set, _) => v.as_elements()?.iter().map(|e| (None, e)).collect(),
        (Nesting::Map, Value::Map(m) | Value::Object(m)) => {
            m.iter().map(|(k, e)| (Some(k), e)).collect()
        }
        _ => return None,
    };
    if elements.iter().any(|(_, e)| e.is_sensitive()) {
        return None;
    }
    Some(elements)
}

type BlockPair<'a> = (Option<&'a String>, Option<&'a Value>, Option<&'a Value>);

/// Pairs the blocks before and after: by position in a list, by key in a
/// map, by equality in a set (a set's blocks have no identity: a changed
/// one is a removal and an addition).
fn pair_blocks<'a>(
    nesting: Nesting,
    before: &[(Option<&'a String>, &'a Value)],
    after: &[(Option<&'a String>, &'a Value)],
) -> Vec<BlockPair<'a>> {
    match nesting {
        Nesting::Single | Nesting::List => (0..before.len().max(after.len()))
            .map(|i| (None, before.get(i).map(|e| e.1), after.get(i).map(|e| e.1)))
            .collect(),
        Nesting::Map => {
            let mut keys: Vec<&String> = before.iter().chain(after).filter_map(|e| e.0).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .map(|k| {
                    let find = |side: &[(Option<&'a String>, &'a Value)]| {
                        side.iter().find(|e| e.0 == Some(k)).map(|e| e.1)
                    };
                    (Some(k), find(before), find(after))
                })
                .collect()
        }
        Nesting::Set => {
            let mut pairs: Vec<BlockPair<'a>> = Vec::new();
            let mut matched = vec![false; after.len()];
            for (_, x) in before {
                let hit = after
                    .iter()
                    .enumerate()
                    .position(|(j, (_, y))| !matched[j] && same(x, y));
                match hit {
                    Some(j) => {
                        matched[j] = true;
                        pairs.push((None, Some(*x), Some(after[j].1)));
                    }
                    None => pairs.push((None, Some(*x), None)),
                }
            }
            for (j, (_, y)) in after.iter().enumerate() {
                if !matched[j] {
                    pairs.push((None, None, Some(*y)));
                }
            }
            pairs
        }
    }
}

fn keys_all<'a>(b: &'a BTreeMap<String, Value>, a: &'a BTreeMap<String, Value>) -> Vec<&'a String> {
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys
}

fn same(a: &Value, b: &Value) -> bool {
    a.is_wholly_known() && b.is_wholly_known() && a == b
}

/// One `key = value` line (or block), with its action symbol.
/// `level` is the indentation in units of two spaces before the symbol.
#[allow(clippy::too_many_arguments)]
fn diff_attr(
    key: &str,
    width: usize,
    before: Option<&Value>,
    after: Option<&Value>,
    level: usize,
    forces: bool,
    st: &Style,
    out: &mut String,
) {
    let indent = "  ".repeat(level);
    let (sym, body) = match (before, after) {
        (None, None) => return,
        (None, Some(a)) => (Action::Create, render_value(a, Action::Create, level, st)),
        (Some(b), None) => (
            Action::Delete,
            format!("{} -> null", render_value(b, Action::Delete, level, st)),
        ),
        (Some(b), Some(a)) if same(b, a) => {
            (Action::NoOp, render_value(a, Action::NoOp, level, st))
        }
        (Some(b), Some(a)) => (Action::Update, render_update(b, a, level, st)),
    };
    let comment = if forces {
        st.paint("31", " # forces replacement")
    } else {
        String::new()
    };
    let sym_s = if sym == Action::NoOp {
        " ".to_string()
    } else {
        st.symbol(sym)
    };
    let _ = writeln!(out, "{indent}{sym_s} {key:<width$} = {body}{comment}");
}

fn render_update(b: &Value, a: &Value, level: usize, st: &Style) -> String {
    if b.is_sensitive() || a.is_sensitive() {
        return "(sensitive value)".to_string();
    }
    match (b.unmarked(), a.unmarked()) {
        (Value::Object(bm) | Value::Map(bm), Value::Object(am) | Value::Map(am))
            if a.is_known() =>
        {
            let quote = matches!(a.unmarked(), Value::Map(_));
            let inner_indent = "  ".repeat(level + 2);
            let mut s = String::from("{\n");
            let keys = keys_all(bm, am);
            let width = keys
                .iter()
                .map(|k| display_key(k, quote).len())
                .max()
                .unwrap_or(0);
            let mut hidden = 0;
            for k in keys {
                let bv = bm.get(k).filter(|v| !v.is_null());
                let av = am.get(k).filter(|v| !v.is_null());
                match (bv, av) {
                    (Some(x), Some(y)) if same(x, y) => hidden += 1,
                    (None, None) => {}
                    _ => diff_attr(
                        &display_key(k, quote),
                        width,
                        bv,
                        av,
                        level + 2,
                        false,
                        st,
                        &mut s,
                    ),
                }
            }
            if hidden > 0 {
                let noun = if quote { "element" } else { "attribute" };
                let noun = if hidden == 1 {
                    noun.to_string()
                } else {
                    format!("{noun}s")
                };
                let _ = writeln!(s, "{inner_indent}  # ({hidden} unchanged {noun} hidden)");
            }
            let _ = write!(s, "{}}}", "  ".repeat(level + 1));
            s
        }
        (
            Value::List(bl) | Value::Tuple(bl) | Value::Set(bl),
            Value::List(al) | Value::Tuple(al) | Value::Set(al),
        ) if a.is_known() => {
            let inner_indent = "  ".repeat(level + 2);
            let mut s = String::from("[\n");
            let mut hidden = 0;
            for op in list_diff(bl, al) {
                match op {
                    ListOp::Same(v) => {
                        let _ = v;
                        hidden += 1;
                    }
                    ListOp::Removed(v) => {
                        let _ = writeln!(
                            s,
                            "{inner_indent}{} {},",
                            st.symbol(Action::Delete),
                            render_value(v, Action::Delete, level + 2, st)
                        );
                    }
                    ListOp::Added(v) => {
                        let _ = writeln!(
                            s,
                            "{inner_indent}{} {},",
                            st.symbol(Action::Create),
                            render_value(v, Action::Create, level + 2, st)
                        );
                    }
                }
            }
            if hidden > 0 {
                let noun = if hidden == 1 { "element" } else { "elements" };
                let _ = writeln!(s, "{inner_indent}  # ({hidden} unchanged {noun} hidden)");
            }
            let _ = write!(s, "{}]", "  ".repeat(level + 1));
            s
        }
        _ => format!(
            "{} -> {}",
            render_value(b, Action::Delete, level, st),
            render_value(a, Action::Create, level, st)
        ),
    }
}

enum ListOp<'a> {
    Same(&'a Value),
    Removed(&'a Value),
    Added(&'a Value),
}

/// A longest-common-subsequence diff of two lists (quadratic in the list
/// lengths, which are small attribute lists, not resource counts).
fn list_diff<'a>(b: &'a [Value], a: &'a [Value]) -> Vec<ListOp<'a>> {
    let (n, m) = (b.len(), a.len());
    if n * m > 1_000_000 {
        return b
            .iter()
            .map(ListOp::Removed)
            .chain(a.iter().map(ListOp::Added))
            .collect();
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if same(&b[i], &a[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n || j < m {
        if i < n && j < m && same(&b[i], &a[j]) {
            ops.push(ListOp::Same(&a[j]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(ListOp::Added(&a[j]));
            j += 1;
        } else {
            ops.push(ListOp::Removed(&b[i]));
            i += 1;
        }
    }
    ops
}

fn display_key(k: &str, quote: bool) -> String {
    if quote || !is_identifier(k) {
        format!("{k:?}")
    } else {
        k.to_string()
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Renders one value; nested elements carry `action`'s symbol.
fn render_value(v: &Value, action: Action, level: usize, st: &Style) -> String {
    let inner = "  ".repeat(level + 2);
    let close = "  ".repeat(level + 1);
    let sym = if action == Action::NoOp {
        " ".to_string()
    } else {
        st.symbol(action)
    };
    match v {
        Value::Sensitive(_) => "(sensitive value)".to_string(),
        Value::Unknown(_) => "(known after apply)".to_string(),
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => render_string(s, level),
        Value::List(l) | Value::Tuple(l) | Value::Set(l) => {
            if l.is_empty() {
                return "[]".to_string();
            }
            let mut s = String::from("[\n");
            for e in l {
                let _ = writeln!(
                    s,
                    "{inner}{sym} {},",
                    render_value(e, action, level + 2, st)
                );
            }
            let _ = write!(s, "{close}]");
            s
        }
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                return "{}".to_string();
            }
            let quote = matches!(v, Value::Map(_));
            let entries: Vec<(String, &Value)> = m
                .iter()
                .filter(|(_, v)| !v.is_null() || quote)
                .map(|(k, v)| (display_key(k, quote), v))
                .collect();
            let width = entries.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            let mut s = String::from("{\n");
            for (k, e) in entries {
                let _ = writeln!(
                    s,
                    "{inner}{sym} {k:<width$} = {}",
                    render_value(e, action, level + 2, st)
                );
            }
            let _ = write!(s, "{close}}}");
            s
        }
    }
}

fn render_string(s: &str, level: usize) -> String {
    if s.contains('\n') && !s.trim_end_matches('\n').is_empty() {
        let indent = "  ".repeat(level + 2);
        let mut out = String::from("<<-EOT\n");
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "{indent}{line}");
            }
        }
        let _ = write!(out, "{}EOT", "  ".repeat(level + 1));
        return out;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The rule printed between sections.
pub fn rule() -> &'static str {
    RULE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::parse_instance;

    /// `disk` (a list of blocks with a nested `tag` map of blocks), `rule`
    /// (a set of blocks) and `options` (a single block).
    fn shape() -> BlockShape {
        let tag = BlockShape::default();
        let disk = BlockShape([("tag".to_string(), (Nesting::Map, tag))].into());
        BlockShape(
            [
                ("disk".to_string(), (Nesting::List, disk)),
                ("rule".to_string(), (Nesting::Set, BlockShape::default())),
                (
                    "options".to_string(),
                    (Nesting::Single, BlockShape::default()),
                ),
            ]
            .into(),
        )
    }

    fn disk(size: i64) -> Value {
        Value::object([
            ("size", Value::from(size)),
            ("type", Value::from("gp3")),
            ("tag", Value::Map(BTreeMap::new())),
        ])
    }

    fn rule(port: i64) -> Value {
        Value::object([("port", Value::from(port))])
    }

    fn change(action: Action, before: Option<Value>, after: Option<Value>) -> ResourceChange {
        ResourceChange {
            addr: parse_instance("test_machine.m").unwrap(),
            provider: "provider[\"test\"]".into(),
            action,
            reason: None,
            before,
            after,
            requires_replace: Vec::new(),
            private: None,
            dependencies: Vec::new(),
            schema_version: 0,
            create_before_destroy: false,
            deposed: None,
        }
    }

    fn render(action: Action, before: Option<Value>, after: Option<Value>) -> String {
        let plan = Plan {
            changes: vec![change(action, before, after)],
            block_shapes: [("test_machine".to_string(), shape())].into(),
            ..Plan::default()
        };
        let text = render_plan(&plan, RenderOptions::default());
        let start = text.find("  # test_machine.m").expect("the change");
        let end = text.find("\nPlan:").expect("the summary");
        text[start..end].to_string()
    }

    #[test]
    fn created_blocks_follow_the_attributes() {
        let after = Value::object([
            ("id", Value::unknown()),
            ("name", Value::from("m")),
            ("disk", Value::List(vec![disk(8)])),
            ("rule", Value::Set(Vec::new())),
            ("options", Value::unknown()),
        ]);
        let expected = r#"  # test_machine.m will be created
  + resource "test_machine" "m" {
      + id   = (known after apply)
      + name = "m"

      + disk {
          + size = 8
          + type = "gp3"
        }

      + options (known after apply)
    }
"#;
        assert_eq!(render(Action::Create, None, Some(after)), expected);
    }

    #[test]
    fn updated_blocks_show_their_own_diff() {
        let before = Value::object([
            ("id", Value::from("m-1")),
            ("disk", Value::List(vec![disk(8), disk(100)])),
            ("rule", Value::Set(vec![rule(22), rule(80)])),
            ("options", Value::object([("fast", Value::from(true))])),
        ]);
        let after = Value::object([
            ("id", Value::from("m-1")),
            ("disk", Value::List(vec![disk(16), disk(100)])),
            ("rule", Value::Set(vec![rule(22), rule(443)])),
            ("options", Value::object([("fast", Value::from(true))])),
        ]);
        let expected = r#"  # test_machine.m will be updated in-place
  ~ resource "test_machine" "m" {
        id = "m-1"

      ~ disk {
          ~ size = 8 -> 16
            # (1 unchanged attribute hidden)
        }

      - rule {
          - port = 80 -> null
        }
      + rule {
          + port = 443
        }

        # (3 unchanged blocks hidden)
    }
"#;
        assert_eq!(render(Action::Update, Some(before), Some(after)), expected);
    }

    #[test]
    fn destroyed_blocks_are_all_shown() {
        let before = Value::object([
            ("id", Value::from("m-1")),
            ("disk", Value::List(vec![disk(8)])),
            ("options", Value::Null),
        ]);
        let expected = r#"  # test_machine.m will be destroyed
  - resource "test_machine" "m" {
      - id = "m-1" -> null

      - disk {
          - size = 8 -> null
          - type = "gp3" -> null
        }
    }
"#;
        assert_eq!(render(Action::Delete, Some(before), None), expected);
    }

    /// A path into a list block marks the attribute it names; a path to
    /// set blocks marks their headers.
    #[test]
    fn forces_replacement_where_the_path_leads() {
        let before = Value::object([
            ("id", Value::from("m-1")),
            ("disk", Value::List(vec![disk(8)])),
            ("rule", Value::Set(vec![rule(22)])),
        ]);
        let after = Value::object([
            ("id", Value::unknown()),
            ("disk", Value::List(vec![disk(16)])),
            ("rule", Value::Set(vec![rule(23)])),
        ]);
        let mut ch = change(Action::DeleteThenCreate, Some(before), Some(after));
        ch.requires_replace = vec![
            AttrPath(vec![
                PathStep::Attr("disk".into()),
                PathStep::Index(0),
                PathStep::Attr("size".into()),
            ]),
            AttrPath::attr("rule"),
        ];
        let plan = Plan {
            changes: vec![ch],
            block_shapes: [("test_machine".to_string(), shape())].into(),
            ..Plan::default()
        };
        let text = render_plan(&plan, RenderOptions::default());
        assert!(
            text.contains("          ~ size = 8 -> 16 # forces replacement\n"),
            "{text}"
        );
        assert!(text.contains("      ~ disk {\n"), "{text}");
        assert!(
            text.contains("      - rule { # forces replacement\n"),
            "{text}"
        );
        assert!(
            text.contains("      + rule { # forces replacement\n"),
            "{text}"
        );
    }

    /// Blocks from a `dynamic` block whose `for_each` is unknown are
    /// "(known after apply)" as a whole, not shown as empty blocks.
    #[test]
    fn partly_unknown_blocks_are_known_after_apply() {
        let after = Value::object([
            ("id", Value::unknown()),
            ("disk", Value::List(vec![disk(8), Value::unknown()])),
        ]);
        let text = render(Action::Create, None, Some(after));
        assert!(
            text.contains("\n      + disk (known after apply)\n"),
            "{text}"
        );
        assert!(!text.contains("disk {"), "{text}");
    }

    /// A plan saved without block shapes renders its blocks as attributes.
    #[test]
    fn without_shapes_blocks_are_attributes() {
        let after = Value::object([("disk", Value::List(vec![rule(1)]))]);
        let plan = Plan {
            changes: vec![change(Action::Create, None, Some(after))],
            ..Plan::default()
        };
        let text = render_plan(&plan, RenderOptions::default());
        assert!(text.contains("      + disk = [\n"), "{text}");
    }
}
