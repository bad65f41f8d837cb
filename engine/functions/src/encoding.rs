//! Encoding functions: `base64decode`, `base64encode`, `base64gzip`,
//! `csvdecode`, `jsondecode`, `jsonencode`, `textdecodebase64`,
//! `textencodebase64`, `urlencode`, `yamldecode` and `yamlencode`.

mod charsets;
mod csv;
mod yaml;

use crate::{FuncContext, FuncError, FuncResult, FuncSpec, Param};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use gitform_value::display::go_quote;
use gitform_value::{Type, Value};

pub(crate) fn functions() -> Vec<FuncSpec> {
    let s = |name| vec![Param::new(name, Type::String)];
    vec![
        FuncSpec::new(
            "base64decode",
            vec![Param::new("str", Type::String).allow_marked()],
            Type::String,
            base64decode,
        ),
        FuncSpec::new("base64encode", s("str"), Type::String, |a, _| {
            Ok(Value::String(b64_encode(arg(a, 0).as_bytes())))
        }),
        FuncSpec::new("base64gzip", s("str"), Type::String, base64gzip),
        FuncSpec::new("csvdecode", s("str"), Type::Dynamic, |a, _| {
            csv::csvdecode(arg(a, 0))
        }),
        FuncSpec::new("jsondecode", s("str"), Type::Dynamic, jsondecode),
        FuncSpec::new(
            "jsonencode",
            vec![Param::new("val", Type::Dynamic).allow_null()],
            Type::String,
            jsonencode,
        ),
        FuncSpec::new(
            "textdecodebase64",
            vec![
                Param::new("source", Type::String),
                Param::new("encoding", Type::String),
            ],
            Type::String,
            charsets::textdecodebase64,
        ),
        FuncSpec::new(
            "textencodebase64",
            vec![
                Param::new("string", Type::String),
                Param::new("encoding", Type::String),
            ],
            Type::String,
            charsets::textencodebase64,
        ),
        FuncSpec::new("urlencode", s("str"), Type::String, |a, _| {
            Ok(Value::String(query_escape(arg(a, 0))))
        }),
        FuncSpec::new("yamldecode", s("src"), Type::Dynamic, |a, _| {
            yaml::decode(arg(a, 0)).map_err(FuncError::call)
        }),
        FuncSpec::new(
            "yamlencode",
            vec![Param::new("value", Type::Dynamic).allow_null()],
            Type::String,
            |a, _| {
                Ok(Value::String(yaml::encode(
                    a.first().unwrap_or(&Value::Null),
                )))
            },
        ),
    ]
}

fn arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

/// Go's `base64.StdEncoding`: padding required, trailing bits tolerated.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

fn b64_encode(bytes: &[u8]) -> String {
    GO_STD.encode(bytes)
}

/// Decodes as Go's `StdEncoding.DecodeString` (which skips CR and LF). On
/// failure, returns the offset Go would report.
fn b64_decode(s: &str) -> Result<Vec<u8>, usize> {
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    GO_STD.decode(cleaned.as_bytes()).map_err(|e| match e {
        base64::DecodeError::InvalidByte(off, _)
        | base64::DecodeError::InvalidLastSymbol(off, _) => off,
        base64::DecodeError::InvalidLength(len) => len - len % 4,
        base64::DecodeError::InvalidPadding => cleaned
            .find('=')
            .unwrap_or(cleaned.len() - cleaned.len() % 4),
    })
}

fn base64decode(args: &[Value], _: &FuncContext) -> FuncResult {
    let v = args.first().cloned().unwrap_or(Value::Null);
    let (v, marked) = v.unmark_deep();
    let s = v.as_str().unwrap_or_default();
    let bytes = b64_decode(s).map_err(|_| {
        let shown = if marked {
            "(sensitive value)".to_string()
        } else {
            go_quote(s)
        };
        FuncError::call(format!("failed to decode base64 data {shown}"))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        FuncError::call("the result of decoding the provided string is not valid UTF-8")
    })?;
    Ok(Value::String(text).mark_if(marked))
}

/// gzip as Go's `gzip.Writer` frames it (no name, no mtime, OS "unknown"),
/// with the sync flush Terraform does before closing.
fn base64gzip(args: &[Value], _: &FuncContext) -> FuncResult {
    use flate2::{Compress, Compression, FlushCompress};
    let input = arg(args, 0).as_bytes();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut deflater = Compress::new(Compression::default(), false);
    let mut body = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        let consumed = deflater.total_in() as usize;
        body.reserve(input.len().saturating_sub(consumed) + 64);
        deflater
            .compress_vec(
                input.get(consumed..).unwrap_or_default(),
                &mut body,
                FlushCompress::Sync,
            )
            .map_err(|e| FuncError::call(format!("failed to write gzip raw data: {e}")))?;
        if deflater.total_in() as usize >= input.len() && body.len() < body.capacity() {
            break;
        }
    }
    out.extend_from_slice(&body);
    // Close: a final, empty stored block.
    out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    let mut crc = flate2::Crc::new();
    crc.update(input);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(input.len() as u32).to_le_bytes());
    Ok(Value::String(b64_encode(&out)))
}

fn jsondecode(args: &[Value], _: &FuncContext) -> FuncResult {
    let src = arg(args, 0);
    match serde_json::from_str::<serde_json::Value>(src) {
        Ok(j) => Ok(gitform_value::json::from_json(&j)),
        Err(e) => {
            let message = if e.is_eof() {
                "EOF".to_string()
            } else if e.to_string().starts_with("trailing characters") {
                "extraneous data after JSON object".to_string()
            } else {
                let s = e.to_string();
                match s.find(" at line ") {
                    Some(i) => s[..i].to_string(),
                    None => s,
                }
            };
            Err(FuncError::call(message))
        }
    }
}

fn jsonencode(args: &[Value], _: &FuncContext) -> FuncResult {
    let v = args.first().unwrap_or(&Value::Null);
    gitform_value::json::to_json_string(v)
        .map(Value::String)
        .map_err(|e| FuncError::call(e.message))
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_base64_offsets() {
        assert_eq!(b64_decode("SGVsbG8"), Err(4));
        assert_eq!(b64_decode("YWJj\nZGVm").unwrap(), b"abcdef");
        assert!(b64_decode(" YWJj").is_err());
    }
}
