//! Hash and identifier functions: `md5`, `sha1`, `sha256`, `sha512`,
//! `base64sha256`, `base64sha512`, `uuid`, `uuidv5` and `bcrypt`.

use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use base64::Engine as _;
use gitform_value::{Type, Value};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

pub(crate) fn functions() -> Vec<FuncSpec> {
    vec![
        str_func("md5", |a, _| {
            Ok(Value::String(hex::encode(Md5::digest(s(a)))))
        }),
        str_func("sha1", |a, _| {
            Ok(Value::String(hex::encode(Sha1::digest(s(a)))))
        }),
        str_func("sha256", |a, _| {
            Ok(Value::String(hex::encode(Sha256::digest(s(a)))))
        }),
        str_func("sha512", |a, _| {
            Ok(Value::String(hex::encode(Sha512::digest(s(a)))))
        }),
        str_func("base64sha256", |a, _| {
            Ok(Value::String(b64(&Sha256::digest(s(a)))))
        }),
        str_func("base64sha512", |a, _| {
            Ok(Value::String(b64(&Sha512::digest(s(a)))))
        }),
        FuncSpec::new("uuid", vec![], Type::String, |_, _| {
            Ok(Value::String(uuid::Uuid::new_v4().to_string()))
        }),
        FuncSpec::new(
            "uuidv5",
            vec![
                Param::new("namespace", Type::String),
                Param::new("name", Type::String),
            ],
            Type::String,
            uuidv5,
        ),
        FuncSpec::new(
            "bcrypt",
            vec![Param::new("str", Type::String)],
            Type::String,
            bcrypt,
        )
        .variadic(Param::new("cost", Type::Number)),
    ]
}

fn str_func(name: &'static str, imp: crate::FuncImpl) -> FuncSpec {
    FuncSpec::new(
        name,
        vec![Param::new("str", Type::String)],
        Type::String,
        imp,
    )
}

/// The bytes of the first (string) argument.
fn s(args: &[Value]) -> &[u8] {
    args.first()
        .and_then(Value::as_str)
        .unwrap_or_default()
        .as_bytes()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn uuidv5(args: &[Value], _: &FuncContext) -> FuncResult {
    let ns = args.first().and_then(Value::as_str).unwrap_or_default();
    let name = args.get(1).and_then(Value::as_str).unwrap_or_default();
    let namespace = match ns {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => parse_uuid(other).map_err(|why| {
            FuncError::call(format!(
                "uuidv5() doesn't support namespace {other} ({why})"
            ))
        })?,
    };
    Ok(Value::String(
        uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string(),
    ))
}

/// Parses a UUID in the forms Go's `uuid.Parse` accepts, with its messages.
fn parse_uuid(s: &str) -> Result<uuid::Uuid, String> {
    if ![32, 36, 38, 45].contains(&s.len()) {
        return Err(format!("invalid UUID length: {}", s.len()));
    }
    uuid::Uuid::parse_str(s).map_err(|_| "invalid UUID format".to_string())
}

fn bcrypt(args: &[Value], _: &FuncContext) -> FuncResult {
    if args.len() > 2 {
        return Err(FuncError::call("bcrypt() takes no more than two arguments"));
    }
    let input = args.first().and_then(Value::as_str).unwrap_or_default();
    let mut cost: i64 = 10;
    if let Some(c) = args.get(1) {
        cost = c.as_number().and_then(|n| n.to_i64()).ok_or_else(|| {
            FuncError::call("value must be a whole number, between -9223372036854775808 and 9223372036854775807")
        })?;
    }
    // Go's bcrypt quietly uses the default cost below the minimum.
    if cost < 4 {
        cost = 10;
    }
    if cost > 31 {
        return Err(FuncError::call(format!(
            "error occured generating password crypto/bcrypt: cost {cost} is outside allowed range (4,31)"
        )));
    }
    if input.len() > 72 {
        return Err(FuncError::call(
            "error occured generating password bcrypt: password length exceeds 72 bytes",
        ));
    }
    let parts = ::bcrypt::hash_with_result(input, cost as u32)
        .map_err(|e| FuncError::call(format!("error occured generating password {e}")))?;
    Ok(Value::String(
        parts.format_for_version(::bcrypt::Version::TwoA),
    ))
}
