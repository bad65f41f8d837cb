//! `random_string` and `random_password`: random strings from character
//! classes, with a minimum count per class.

use super::{imported_state, keepers_attribute};
use crate::object::{
    at_least, attr, attr_error, bool_attr, int_attr, is_set, str_attr, with_attrs,
};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use rand::seq::{IndexedRandom, SliceRandom};

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const NUMERIC: &str = "0123456789";
const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// bcrypt's work factor, as hashicorp/random (Go's `bcrypt.DefaultCost`).
const BCRYPT_COST: u32 = 10;

const MINS: [&str; 4] = ["min_upper", "min_lower", "min_numeric", "min_special"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavor {
    /// `random_string`: the result is not sensitive and is also the id.
    String,
    /// `random_password`: the result is sensitive, the id is "none", and a
    /// bcrypt hash of the result is kept.
    Password,
}

pub(super) fn schema(flavor: Flavor) -> Schema {
    let flag = |what: &str| {
        Attribute::optional(Type::Bool)
            .with_default(Value::Bool(true))
            .force_new()
            .describe(format!(
                "Include {what} in the result. Default value is `true`."
            ))
    };
    let min = |what: &str| {
        Attribute::optional(Type::Number)
            .with_default(Value::int(0))
            .force_new()
            .describe(format!(
                "Minimum number of {what} in the result. Default value is `0`."
            ))
    };
    let mut result = Attribute::computed(Type::String).describe("The generated random string.");
    let mut block = Block::new()
        .attr("keepers", keepers_attribute())
        .attr(
            "length",
            Attribute::required(Type::Number).force_new().describe(
                "The length of the string desired. The minimum value for length is 1 and, length must also be >= \
                 (`min_upper` + `min_lower` + `min_numeric` + `min_special`).",
            ),
        )
        .attr("special", flag("special characters (`!@#$%&*()-_=+[]{}<>:?`)"))
        .attr("upper", flag("uppercase alphabet characters"))
        .attr("lower", flag("lowercase alphabet characters"))
        .attr("numeric", flag("numeric characters"))
        .attr("number", flag("numeric characters").deprecate("**NOTE**: This is deprecated, use `numeric` instead."))
        .attr("min_numeric", min("numeric characters"))
        .attr("min_upper", min("uppercase alphabet characters"))
        .attr("min_lower", min("lowercase alphabet characters"))
        .attr("min_special", min("special characters"))
        .attr(
            "override_special",
            Attribute::optional(Type::String).force_new().describe(
                "Supply your own list of special characters to use for string generation. This overrides the \
                 default character list in the special argument. The `special` argument must still be set to true \
                 for any overwritten characters to be used in generation.",
            ),
        );
    let block = match flavor {
        Flavor::String => {
            block = block.describe("A random permutation of alphanumeric characters and optionally special characters.");
            block.attr(
                "id",
                Attribute::computed(Type::String).describe("The generated random string."),
            )
        }
        Flavor::Password => {
            result = result.sensitive();
            block = block
                .describe("A random password: identical to `random_string`, but `result` is sensitive.")
                .attr(
                    "bcrypt_hash",
                    Attribute::computed(Type::String).sensitive().describe("A bcrypt hash of the generated random string."),
                )
                .attr(
                    "id",
                    Attribute::computed(Type::String)
                        .describe("A static value used internally by Terraform, this should not be referenced in configurations."),
                );
            block
        }
    };
    let block = block.attr("result", result);
    Schema::new(block).with_version(match flavor {
        Flavor::String => 2,
        Flavor::Password => 3,
    })
}

/// Keeps the deprecated `number` and its replacement `numeric` in step: the
/// one set in configuration decides both.
pub(super) fn sync_numeric(proposed: Value, config: &Value) -> Value {
    match (is_set(config, "number"), is_set(config, "numeric")) {
        (true, false) => {
            let v = attr(config, "number").clone();
            with_attrs(proposed, [("numeric", v)])
        }
        (false, true) => {
            let v = attr(config, "numeric").clone();
            with_attrs(proposed, [("number", v)])
        }
        _ => proposed,
    }
}

pub(super) fn validate(config: &Value) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = at_least(config, "length", 1).into_iter().collect();
    out.extend(MINS.iter().filter_map(|m| at_least(config, m, 0)));
    if let Some(d) = length_covers_minimums(config) {
        out.push(d);
    }
    out
}

/// The error when `length` is below the sum of the `min_*` arguments (all
/// known; null minimums count as 0).
fn length_covers_minimums(obj: &Value) -> Option<Diagnostic> {
    let length = int_attr(obj, "length")?;
    let mut sum: i64 = 0;
    for m in MINS {
        let v = attr(obj, m);
        if !v.is_known() {
            return None;
        }
        sum = sum.saturating_add(int_attr(obj, m).unwrap_or(0));
    }
    (length < sum).then(|| {
        attr_error(
            "length",
            "Invalid Attribute Value",
            format!(
                "Attribute length value must be at least sum of min_upper + min_lower + min_numeric + min_special ({sum}), got: {length}"
            ),
        )
    })
}

/// Generates the result from the planned arguments and fills in `result`,
/// `id` and, for passwords, `bcrypt_hash`.
pub(super) fn create(planned: &Value, flavor: Flavor) -> Result<Value, Vec<Diagnostic>> {
    let diags = validate(planned);
    if !diags.is_empty() {
        return Err(diags);
    }
    let length = usize::try_from(int_attr(planned, "length").unwrap_or(0)).unwrap_or(0);
    let count = |name: &str| usize::try_from(int_attr(planned, name).unwrap_or(0)).unwrap_or(0);
    let enabled = |name: &str| bool_attr(planned, name).unwrap_or(true);
    let special: Vec<char> = match str_attr(planned, "override_special") {
        Some(s) if !s.is_empty() => s.chars().collect(),
        _ => SPECIAL.chars().collect(),
    };
    let classes: [(Vec<char>, usize, bool); 4] = [
        (
            UPPER.chars().collect(),
            count("min_upper"),
            enabled("upper"),
        ),
        (
            LOWER.chars().collect(),
            count("min_lower"),
            enabled("lower"),
        ),
        (
            NUMERIC.chars().collect(),
            count("min_numeric"),
            enabled("numeric") && enabled("number"),
        ),
        (special, count("min_special"), enabled("special")),
    ];
    let mut rng = rand::rng();
    let mut result: Vec<char> = Vec::with_capacity(length);
    // As hashicorp/random: each class's minimum applies even when the class
    // is otherwise disabled.
    for (chars, min, _) in &classes {
        result.extend((0..*min).filter_map(|_| chars.choose(&mut rng)));
    }
    let alphabet: Vec<char> = classes
        .iter()
        .filter(|c| c.2)
        .flat_map(|c| c.0.iter().copied())
        .collect();
    let rest = length.saturating_sub(result.len());
    if rest > 0 && alphabet.is_empty() {
        return Err(vec![Diagnostic::error(
            "Create random string error",
            "Every character class (upper, lower, numeric, special) is disabled, so there are no characters to \
             choose the remaining characters from.",
        )]);
    }
    result.extend((0..rest).filter_map(|_| alphabet.choose(&mut rng)));
    result.shuffle(&mut rng);
    let result: String = result.into_iter().collect();
    Ok(with_attrs(
        planned.clone(),
        computed_values(result, flavor)?,
    ))
}

/// `result`, `id` and (for passwords) `bcrypt_hash` for a result string.
fn computed_values(
    result: String,
    flavor: Flavor,
) -> Result<Vec<(&'static str, Value)>, Vec<Diagnostic>> {
    Ok(match flavor {
        Flavor::String => vec![
            ("id", Value::from(result.clone())),
            ("result", Value::from(result)),
        ],
        Flavor::Password => {
            // bcrypt reads at most 72 bytes; longer passwords are hashed by
            // their first 72 bytes, as hashicorp/random does.
            // "$2a$", as Go's bcrypt package writes.
            let hash = bcrypt::hash_with_result(&result, BCRYPT_COST)
                .map_err(|e| {
                    vec![Diagnostic::error(
                        "Create random password error",
                        format!("bcrypt: {e}"),
                    )]
                })?
                .format_for_version(bcrypt::Version::TwoA);
            vec![
                ("bcrypt_hash", Value::from(hash)),
                ("id", Value::from("none")),
                ("result", Value::from(result)),
            ]
        }
    })
}

/// Imports an existing string: the import id is the string itself.
pub(super) fn import(id: &str, flavor: Flavor) -> Result<Value, Vec<Diagnostic>> {
    let length = i64::try_from(id.chars().count()).unwrap_or(i64::MAX);
    let mut pairs = vec![("length", Value::int(length))];
    for flag in ["special", "upper", "lower", "numeric", "number"] {
        pairs.push((flag, Value::Bool(true)));
    }
    for m in MINS {
        pairs.push((m, Value::int(0)));
    }
    let state = imported_state(&schema(flavor), pairs);
    let computed = computed_values(id.to_string(), flavor)?;
    Ok(with_attrs(state, computed))
}
