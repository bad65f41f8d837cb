//! `random_id`: random bytes, shown in several encodings.

use super::{imported_state, keepers_attribute};
use crate::object::{at_least, int_attr, str_attr, with_attrs};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use gitform_provider::{Attribute, Block, Schema};
use gitform_value::{Diagnostic, Type, Value};
use rand::RngCore;

pub(super) fn schema() -> Schema {
    let computed = |d: &str| Attribute::computed(Type::String).describe(d);
    Schema::new(
        Block::new()
            .describe("Random bytes for use as unique identifiers, in several encodings.")
            .attr("keepers", keepers_attribute())
            .attr(
                "byte_length",
                Attribute::required(Type::Number)
                    .force_new()
                    .describe("The number of random bytes to produce."),
            )
            .attr(
                "prefix",
                Attribute::optional(Type::String).force_new().describe(
                    "Arbitrary string to prefix the output value with. Not part of `id`.",
                ),
            )
            .attr(
                "id",
                computed("The generated id as base64 (URL-safe, unpadded), without the prefix."),
            )
            .attr(
                "b64_url",
                computed("The generated id as base64 (URL-safe, unpadded), with the prefix."),
            )
            .attr(
                "b64_std",
                computed("The generated id as standard padded base64, with the prefix."),
            )
            .attr(
                "hex",
                computed("The generated id as lowercase hexadecimal, with the prefix."),
            )
            .attr(
                "dec",
                computed("The generated id as a decimal integer, with the prefix."),
            ),
    )
}

pub(super) fn validate(config: &Value) -> Vec<Diagnostic> {
    at_least(config, "byte_length", 1).into_iter().collect()
}

pub(super) fn create(planned: &Value) -> Result<Value, Vec<Diagnostic>> {
    let len = int_attr(planned, "byte_length").unwrap_or(0);
    if let Some(d) = at_least(planned, "byte_length", 1) {
        return Err(vec![d]);
    }
    let Ok(len) = usize::try_from(len) else {
        return Err(vec![Diagnostic::error(
            "Create Random ID error",
            "byte_length is too large.",
        )]);
    };
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    let prefix = str_attr(planned, "prefix").unwrap_or("");
    Ok(with_attrs(planned.clone(), encodings(&bytes, prefix)))
}

/// The computed attributes for `bytes`.
fn encodings(bytes: &[u8], prefix: &str) -> Vec<(&'static str, Value)> {
    let id = URL_SAFE_NO_PAD.encode(bytes);
    vec![
        ("b64_url", Value::String(format!("{prefix}{id}"))),
        (
            "b64_std",
            Value::String(format!("{prefix}{}", STANDARD.encode(bytes))),
        ),
        (
            "hex",
            Value::String(format!("{prefix}{}", hex::encode(bytes))),
        ),
        (
            "dec",
            Value::String(format!("{prefix}{}", big_endian_decimal(bytes))),
        ),
        ("id", Value::String(id)),
    ]
}

/// Imports `B64URL` or `PREFIX,B64URL` (the prefix is everything before the
/// last comma).
pub(super) fn import(id: &str) -> Result<Value, Vec<Diagnostic>> {
    let (prefix, encoded) = id.rsplit_once(',').unwrap_or(("", id));
    let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|e| {
        vec![Diagnostic::error(
            "Import Random ID Error",
            format!("While attempting to import a random id there was a decoding error: {e}"),
        )]
    })?;
    let prefix_value = if prefix.is_empty() {
        Value::Null
    } else {
        Value::from(prefix)
    };
    let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let state = imported_state(
        &schema(),
        [("byte_length", Value::int(len)), ("prefix", prefix_value)],
    );
    Ok(with_attrs(state, encodings(&bytes, prefix)))
}

/// The bytes read as one big-endian unsigned integer, in decimal.
fn big_endian_decimal(bytes: &[u8]) -> String {
    // Decimal digits, least significant first.
    let mut digits: Vec<u8> = vec![0];
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_bytes() {
        for (bytes, want) in [
            (&[][..], "0"),
            (&[0][..], "0"),
            (&[255][..], "255"),
            (&[1, 0][..], "256"),
            (&[0xff; 8][..], "18446744073709551615"),
            (&[1, 0, 0, 0, 0, 0, 0, 0, 0][..], "18446744073709551616"),
        ] {
            assert_eq!(big_endian_decimal(bytes), want, "{bytes:?}");
        }
    }
}
