//! `random_integer`: a random integer in an inclusive range.

use super::{imported_state, keepers_attribute};
use crate::object::{attr_error, int_attr, str_attr, with_attrs};
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

pub(super) fn schema() -> Schema {
    Schema::new(
        Block::new()
            .describe("A random integer in the inclusive range [min, max].")
            .attr("keepers", keepers_attribute())
            .attr(
                "min",
                Attribute::required(Type::Number)
                    .force_new()
                    .describe("The minimum inclusive value of the range."),
            )
            .attr(
                "max",
                Attribute::required(Type::Number)
                    .force_new()
                    .describe("The maximum inclusive value of the range."),
            )
            .attr(
                "seed",
                Attribute::optional(Type::String)
                    .force_new()
                    .describe("A custom seed to always produce the same value."),
            )
            .attr(
                "result",
                Attribute::computed(Type::Number).describe("The random integer result."),
            )
            .attr(
                "id",
                Attribute::computed(Type::String)
                    .describe("The string representation of the integer result."),
            ),
    )
}

pub(super) fn validate(config: &Value) -> Vec<Diagnostic> {
    range_error(config).into_iter().collect()
}

fn range_error(obj: &Value) -> Option<Diagnostic> {
    let (min, max) = (int_attr(obj, "min")?, int_attr(obj, "max")?);
    (min > max).then(|| {
        attr_error(
            "max",
            "Invalid Attribute Value",
            format!("The minimum (min) value needs to be smaller than or equal to maximum (max) value, got min {min} and max {max}."),
        )
    })
}

pub(super) fn create(planned: &Value) -> Result<Value, Vec<Diagnostic>> {
    if let Some(d) = range_error(planned) {
        return Err(vec![d]);
    }
    let (Some(min), Some(max)) = (int_attr(planned, "min"), int_attr(planned, "max")) else {
        return Err(vec![Diagnostic::error(
            "Create Random Integer error",
            "min and max must be whole numbers.",
        )]);
    };
    let result = match str_attr(planned, "seed") {
        Some(seed) => seeded_rng(seed).random_range(min..=max),
        None => rand::rng().random_range(min..=max),
    };
    Ok(with_attrs(
        planned.clone(),
        [
            ("result", Value::int(result)),
            ("id", Value::String(result.to_string())),
        ],
    ))
}

/// A generator that yields the same numbers for the same seed string.
fn seeded_rng(seed: &str) -> StdRng {
    let digest = Sha256::digest(seed.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    StdRng::seed_from_u64(u64::from_be_bytes(first))
}

/// Imports `RESULT,MIN,MAX` or `RESULT,MIN,MAX,SEED`.
pub(super) fn import(id: &str) -> Result<Value, Vec<Diagnostic>> {
    let parts: Vec<&str> = id.splitn(4, ',').collect();
    let invalid = || {
        vec![Diagnostic::error(
            "Invalid import usage: expecting {result},{min},{max} or {result},{min},{max},{seed}",
            format!("Got \"{id}\"."),
        )]
    };
    let num = |s: &str| s.trim().parse::<i64>().map_err(|_| invalid());
    let (result, min, max, seed) = match parts.as_slice() {
        [r, lo, hi] => (num(r)?, num(lo)?, num(hi)?, Value::Null),
        [r, lo, hi, seed] => (num(r)?, num(lo)?, num(hi)?, Value::from(*seed)),
        _ => return Err(invalid()),
    };
    Ok(imported_state(
        &schema(),
        [
            ("result", Value::int(result)),
            ("id", Value::String(result.to_string())),
            ("min", Value::int(min)),
            ("max", Value::int(max)),
            ("seed", seed),
        ],
    ))
}
