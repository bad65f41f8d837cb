//! String functions: chomp, endswith, indent, join, lower, replace, split,
//! startswith, strcontains, strrev, substr, title, trim, trimprefix,
//! trimsuffix, trimspace, upper. (`format`/`formatlist` live in
//! `format.rs`, `regex`/`regexall` in `regexp.rs`.)
//!
//! Case mapping is per character with simple mappings, as Go's `strings`
//! package does (`upper("straße")` is `"STRAßE"`); lengths and offsets
//! count grapheme clusters.

use crate::numeric::{invalid_arg, whole_int};
use crate::regexp::compile_re2;
use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use gitform_value::{Type, Value};
use unicode_segmentation::UnicodeSegmentation;

pub(crate) fn functions() -> Vec<FuncSpec> {
    let s = |name| Param::new(name, Type::String);
    vec![
        FuncSpec::new("chomp", vec![s("str")], Type::String, chomp),
        FuncSpec::new(
            "endswith",
            vec![s("str"), s("suffix")],
            Type::Bool,
            endswith,
        ),
        FuncSpec::new(
            "indent",
            vec![Param::new("spaces", Type::Number), s("str")],
            Type::String,
            indent,
        ),
        FuncSpec::new("join", vec![s("separator")], Type::String, join)
            .variadic(Param::new("lists", Type::list(Type::String))),
        FuncSpec::new("lower", vec![s("str")], Type::String, lower),
        FuncSpec::new(
            "replace",
            vec![s("str"), s("substr"), s("replace")],
            Type::String,
            replace,
        ),
        FuncSpec::new(
            "split",
            vec![s("separator"), s("str")],
            Type::list(Type::String),
            split,
        ),
        FuncSpec::new(
            "startswith",
            vec![s("str"), s("prefix")],
            Type::Bool,
            startswith,
        ),
        FuncSpec::new(
            "strcontains",
            vec![s("str"), s("substr")],
            Type::Bool,
            strcontains,
        ),
        FuncSpec::new("strrev", vec![s("str")], Type::String, strrev),
        FuncSpec::new(
            "substr",
            vec![
                s("str"),
                Param::new("offset", Type::Number),
                Param::new("length", Type::Number),
            ],
            Type::String,
            substr,
        ),
        FuncSpec::new("title", vec![s("str")], Type::String, title),
        FuncSpec::new("trim", vec![s("str"), s("cutset")], Type::String, trim),
        FuncSpec::new(
            "trimprefix",
            vec![s("str"), s("prefix")],
            Type::String,
            trimprefix,
        ),
        FuncSpec::new(
            "trimsuffix",
            vec![s("str"), s("suffix")],
            Type::String,
            trimsuffix,
        ),
        FuncSpec::new("trimspace", vec![s("str")], Type::String, trimspace),
        FuncSpec::new("upper", vec![s("str")], Type::String, upper),
    ]
}

/// The string inside a converted argument.
pub(crate) fn str_arg(v: &Value) -> Result<&str, FuncError> {
    v.as_str()
        .ok_or_else(|| FuncError::call("a string is required"))
}

fn strs<const N: usize>(args: &[Value]) -> Result<[&str; N], FuncError> {
    let mut out = [""; N];
    for (slot, a) in out.iter_mut().zip(args) {
        *slot = str_arg(a)?;
    }
    Ok(out)
}

fn chomp(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s] = strs(args)?;
    Ok(Value::from(s.trim_end_matches(['\r', '\n'])))
}

fn endswith(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s, suffix] = strs(args)?;
    Ok(Value::Bool(s.ends_with(suffix)))
}

fn startswith(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s, prefix] = strs(args)?;
    Ok(Value::Bool(s.starts_with(prefix)))
}

fn strcontains(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s, sub] = strs(args)?;
    Ok(Value::Bool(s.contains(sub)))
}

fn indent(args: &[Value], _: &FuncContext) -> FuncResult {
    let spaces = whole_int(&args[0]).map_err(FuncError::call)?;
    let s = str_arg(&args[1])?;
    let spaces = usize::try_from(spaces)
        .map_err(|_| FuncError::call("the number of spaces must not be negative"))?;
    let pad = format!("\n{}", " ".repeat(spaces));
    Ok(Value::String(s.replace('\n', &pad)))
}

fn join(args: &[Value], _: &FuncContext) -> FuncResult {
    let sep = str_arg(&args[0])?;
    let lists = &args[1..];
    if lists.is_empty() {
        return Err(FuncError::call("at least one list is required"));
    }
    let mut parts = Vec::new();
    for (i, list) in lists.iter().enumerate() {
        for (j, e) in list.as_elements().unwrap_or_default().iter().enumerate() {
            match e.unmarked() {
                Value::String(s) => parts.push(s.as_str()),
                _ => {
                    let message = if lists.len() > 1 {
                        format!(
                            "element {j} of list {} is null; cannot concatenate null values",
                            i + 1
                        )
                    } else {
                        format!("element {j} is null; cannot concatenate null values")
                    };
                    return Err(invalid_arg(i + 1, "lists", message));
                }
            }
        }
    }
    Ok(Value::String(parts.join(sep)))
}

/// Go's `unicode.ToUpper`/`ToLower`/`ToTitle`: a simple one-to-one mapping.
fn map_char(c: char, upper: bool) -> char {
    let mut it: Box<dyn Iterator<Item = char>> = if upper {
        Box::new(c.to_uppercase())
    } else {
        Box::new(c.to_lowercase())
    };
    match (it.next(), it.next()) {
        (Some(m), None) => m,
        _ if !upper && c == '\u{130}' => 'i',
        _ => c,
    }
}

fn lower(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s] = strs(args)?;
    Ok(Value::String(
        s.chars().map(|c| map_char(c, false)).collect(),
    ))
}

fn upper(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s] = strs(args)?;
    Ok(Value::String(
        s.chars().map(|c| map_char(c, true)).collect(),
    ))
}

/// Go's `unicode.ToTitle`: upper case, except the Latin digraphs, which
/// have distinct title-case forms.
fn to_title(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        c => map_char(c, true),
    }
}

/// Go's `strings.Title` word-boundary test.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphanumeric() {
        return false;
    }
    c.is_whitespace()
}

fn title(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s] = strs(args)?;
    let mut prev = ' ';
    let out = s
        .chars()
        .map(|c| {
            let m = if is_separator(prev) { to_title(c) } else { c };
            prev = c;
            m
        })
        .collect();
    Ok(Value::String(out))
}

fn replace(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s, sub, rep] = strs(args)?;
    if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
        let pattern = &sub[1..sub.len() - 1];
        let re = compile_re2(pattern)
            .map_err(|e| FuncError::call(format!("error parsing regexp: {e}")))?;
        return Ok(Value::String(re.replace_all(s, rep).into_owned()));
    }
    Ok(Value::String(s.replace(sub, rep)))
}

fn split(args: &[Value], _: &FuncContext) -> FuncResult {
    let [sep, s] = strs(args)?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

fn strrev(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s] = strs(args)?;
    Ok(Value::String(s.graphemes(true).rev().collect()))
}

fn substr(args: &[Value], _: &FuncContext) -> FuncResult {
    let s = str_arg(&args[0])?;
    let offset = whole_int(&args[1]).map_err(FuncError::call)?;
    let length = whole_int(&args[2]).map_err(FuncError::call)?;
    let graphemes: Vec<&str> = s.graphemes(true).collect();
    let total = graphemes.len() as i64;
    let mut offset = offset;
    if offset < 0 {
        offset = (offset + total).max(0);
    }
    if offset >= total {
        return Ok(Value::from(""));
    }
    let end = if length < 0 {
        total
    } else {
        offset.saturating_add(length).min(total)
    };
    let out: String = graphemes
        .get(offset as usize..end as usize)
        .unwrap_or_default()
        .concat();
    Ok(Value::String(out))
}

fn trim(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s, cutset] = strs(args)?;
    Ok(Value::from(s.trim_matches(|c| cutset.contains(c))))
}

fn trimprefix(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s, prefix] = strs(args)?;
    Ok(Value::from(s.strip_prefix(prefix).unwrap_or(s)))
}

fn trimsuffix(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s, suffix] = strs(args)?;
    Ok(Value::from(s.strip_suffix(suffix).unwrap_or(s)))
}

fn trimspace(args: &[Value], _: &FuncContext) -> FuncResult {
    let [s] = strs(args)?;
    Ok(Value::from(s.trim()))
}
