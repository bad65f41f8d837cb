//! `textencodebase64` and `textdecodebase64`: character encodings named by
//! their IANA names and aliases, as Terraform looks them up.
//!
//! UTF-8, UTF-16 (with and without a byte order mark), US-ASCII and
//! ISO-8859-1 are done here; the other single- and multi-byte encodings come
//! from `encoding_rs`.

use super::{arg, b64_decode, b64_encode};
use crate::{FuncContext, FuncError, FuncResult};
use encoding_rs::Encoding;
use gitform_value::display::go_quote;
use gitform_value::Value;

#[derive(Clone, Copy)]
enum Kind {
    Utf8,
    Utf16Bom,
    Utf16Be,
    Utf16Le,
    Ascii,
    Latin1,
    Other(&'static Encoding),
}

/// An encoding: its IANA name (used in messages), aliases and implementation.
struct Charset {
    name: &'static str,
    aliases: &'static [&'static str],
    kind: Kind,
}

const fn cs(name: &'static str, aliases: &'static [&'static str], kind: Kind) -> Charset {
    Charset {
        name,
        aliases,
        kind,
    }
}

use encoding_rs as e;

static CHARSETS: &[Charset] = &[
    cs("UTF-8", &["csUTF8"], Kind::Utf8),
    cs("UTF-16", &["csUTF16"], Kind::Utf16Bom),
    cs("UTF-16BE", &["csUTF16BE"], Kind::Utf16Be),
    cs("UTF-16LE", &["csUTF16LE"], Kind::Utf16Le),
    cs(
        "US-ASCII",
        &[
            "iso-ir-6",
            "ANSI_X3.4-1968",
            "ANSI_X3.4-1986",
            "ISO_646.irv:1991",
            "ISO646-US",
            "us",
            "IBM367",
            "cp367",
            "csASCII",
        ],
        Kind::Ascii,
    ),
    cs(
        "ISO_8859-1:1987",
        &[
            "iso-ir-100",
            "ISO_8859-1",
            "ISO-8859-1",
            "latin1",
            "l1",
            "IBM819",
            "CP819",
            "csISOLatin1",
        ],
        Kind::Latin1,
    ),
    cs(
        "ISO_8859-2:1987",
        &[
            "iso-ir-101",
            "ISO_8859-2",
            "ISO-8859-2",
            "latin2",
            "l2",
            "csISOLatin2",
        ],
        Kind::Other(e::ISO_8859_2),
    ),
    cs(
        "ISO_8859-3:1988",
        &[
            "iso-ir-109",
            "ISO_8859-3",
            "ISO-8859-3",
            "latin3",
            "l3",
            "csISOLatin3",
        ],
        Kind::Other(e::ISO_8859_3),
    ),
    cs(
        "ISO_8859-4:1988",
        &[
            "iso-ir-110",
            "ISO_8859-4",
            "ISO-8859-4",
            "latin4",
            "l4",
            "csISOLatin4",
        ],
        Kind::Other(e::ISO_8859_4),
    ),
    cs(
        "ISO_8859-5:1988",
        &[
            "iso-ir-144",
            "ISO_8859-5",
            "ISO-8859-5",
            "cyrillic",
            "csISOLatinCyrillic",
        ],
        Kind::Other(e::ISO_8859_5),
    ),
    cs(
        "ISO_8859-6:1987",
        &[
            "iso-ir-127",
            "ISO_8859-6",
            "ISO-8859-6",
            "ECMA-114",
            "ASMO-708",
            "arabic",
            "csISOLatinArabic",
        ],
        Kind::Other(e::ISO_8859_6),
    ),
    cs(
        "ISO_8859-7:1987",
        &[
            "iso-ir-126",
            "ISO_8859-7",
            "ISO-8859-7",
            "ELOT_928",
            "ECMA-118",
            "greek",
            "greek8",
            "csISOLatinGreek",
        ],
        Kind::Other(e::ISO_8859_7),
    ),
    cs(
        "ISO_8859-8:1988",
        &[
            "iso-ir-138",
            "ISO_8859-8",
            "ISO-8859-8",
            "hebrew",
            "csISOLatinHebrew",
        ],
        Kind::Other(e::ISO_8859_8),
    ),
    cs(
        "ISO-8859-10",
        &[
            "iso-ir-157",
            "l6",
            "ISO_8859-10:1992",
            "csISOLatin6",
            "latin6",
        ],
        Kind::Other(e::ISO_8859_10),
    ),
    cs("ISO-8859-13", &["csISO885913"], Kind::Other(e::ISO_8859_13)),
    cs(
        "ISO-8859-14",
        &[
            "iso-ir-199",
            "ISO_8859-14:1998",
            "ISO_8859-14",
            "latin8",
            "iso-celtic",
            "l8",
            "csISO885914",
        ],
        Kind::Other(e::ISO_8859_14),
    ),
    cs(
        "ISO-8859-15",
        &["ISO_8859-15", "Latin-9", "csISO885915"],
        Kind::Other(e::ISO_8859_15),
    ),
    cs(
        "ISO-8859-16",
        &[
            "iso-ir-226",
            "ISO_8859-16:2001",
            "ISO_8859-16",
            "latin10",
            "l10",
            "csISO885916",
        ],
        Kind::Other(e::ISO_8859_16),
    ),
    cs("KOI8-R", &["csKOI8R"], Kind::Other(e::KOI8_R)),
    cs("KOI8-U", &["csKOI8U"], Kind::Other(e::KOI8_U)),
    cs(
        "IBM866",
        &["cp866", "866", "csIBM866"],
        Kind::Other(e::IBM866),
    ),
    cs(
        "macintosh",
        &["mac", "csMacintosh"],
        Kind::Other(e::MACINTOSH),
    ),
    cs(
        "windows-874",
        &["cswindows874"],
        Kind::Other(e::WINDOWS_874),
    ),
    cs(
        "windows-1250",
        &["cswindows1250"],
        Kind::Other(e::WINDOWS_1250),
    ),
    cs(
        "windows-1251",
        &["cswindows1251"],
        Kind::Other(e::WINDOWS_1251),
    ),
    cs(
        "windows-1252",
        &["cswindows1252"],
        Kind::Other(e::WINDOWS_1252),
    ),
    cs(
        "windows-1253",
        &["cswindows1253"],
        Kind::Other(e::WINDOWS_1253),
    ),
    cs(
        "windows-1254",
        &["cswindows1254"],
        Kind::Other(e::WINDOWS_1254),
    ),
    cs(
        "windows-1255",
        &["cswindows1255"],
        Kind::Other(e::WINDOWS_1255),
    ),
    cs(
        "windows-1256",
        &["cswindows1256"],
        Kind::Other(e::WINDOWS_1256),
    ),
    cs(
        "windows-1257",
        &["cswindows1257"],
        Kind::Other(e::WINDOWS_1257),
    ),
    cs(
        "windows-1258",
        &["cswindows1258"],
        Kind::Other(e::WINDOWS_1258),
    ),
    cs(
        "Shift_JIS",
        &["MS_Kanji", "csShiftJIS"],
        Kind::Other(e::SHIFT_JIS),
    ),
    cs(
        "Extended_UNIX_Code_Packed_Format_for_Japanese",
        &["csEUCPkdFmtJapanese", "EUC-JP"],
        Kind::Other(e::EUC_JP),
    ),
    cs("ISO-2022-JP", &["csISO2022JP"], Kind::Other(e::ISO_2022_JP)),
    cs("EUC-KR", &["csEUCKR"], Kind::Other(e::EUC_KR)),
    cs(
        "GBK",
        &["CP936", "MS936", "windows-936", "csGBK"],
        Kind::Other(e::GBK),
    ),
    cs("GB18030", &["csGB18030"], Kind::Other(e::GB18030)),
    cs("Big5", &["csBig5"], Kind::Other(e::BIG5)),
];

fn lookup(name: &str) -> Result<&'static Charset, FuncError> {
    CHARSETS
        .iter()
        .find(|c| {
            c.name.eq_ignore_ascii_case(name)
                || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| FuncError::Arg {
            arg: 1,
            param: "encoding".into(),
            message: format!(
                "{} is not a supported IANA encoding name or alias in this Terraform version",
                go_quote(name)
            ),
        })
}

fn utf16_units(s: &str, big_endian: bool) -> Vec<u8> {
    s.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

fn encode(kind: Kind, s: &str) -> Option<Vec<u8>> {
    match kind {
        Kind::Utf8 => Some(s.as_bytes().to_vec()),
        Kind::Utf16Bom => {
            let mut out = vec![0xfe, 0xff];
            out.extend(utf16_units(s, true));
            Some(out)
        }
        Kind::Utf16Be => Some(utf16_units(s, true)),
        Kind::Utf16Le => Some(utf16_units(s, false)),
        Kind::Ascii => s.is_ascii().then(|| s.as_bytes().to_vec()),
        Kind::Latin1 => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
        Kind::Other(enc) => {
            let (bytes, _, had_errors) = enc.encode(s);
            (!had_errors).then(|| bytes.into_owned())
        }
    }
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> Option<String> {
    if bytes.len() & 1 == 1 {
        return None;
    }
    let units = bytes.chunks_exact(2).map(|c| {
        let pair = [c[0], c[1]];
        if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

fn decode(kind: Kind, bytes: &[u8]) -> Option<String> {
    match kind {
        Kind::Utf8 => String::from_utf8(bytes.to_vec()).ok(),
        Kind::Utf16Bom => match bytes {
            [0xff, 0xfe, rest @ ..] => decode_utf16(rest, false),
            [0xfe, 0xff, rest @ ..] => decode_utf16(rest, true),
            _ => decode_utf16(bytes, true),
        },
        Kind::Utf16Be => decode_utf16(bytes, true),
        Kind::Utf16Le => decode_utf16(bytes, false),
        Kind::Ascii => bytes
            .is_ascii()
            .then(|| String::from_utf8_lossy(bytes).into_owned()),
        Kind::Latin1 => Some(bytes.iter().map(|b| char::from(*b)).collect()),
        Kind::Other(enc) => enc
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned()),
    }
}

pub(super) fn textencodebase64(args: &[Value], _: &FuncContext) -> FuncResult {
    let charset = lookup(arg(args, 1))?;
    let bytes = encode(charset.kind, arg(args, 0)).ok_or_else(|| FuncError::Arg {
        arg: 0,
        param: "string".into(),
        message: format!(
            "the given string contains characters that cannot be represented in {}",
            charset.name
        ),
    })?;
    Ok(Value::String(b64_encode(&bytes)))
}

pub(super) fn textdecodebase64(args: &[Value], _: &FuncContext) -> FuncResult {
    let charset = lookup(arg(args, 1))?;
    let source_err = |message: String| FuncError::Arg {
        arg: 0,
        param: "source".into(),
        message,
    };
    let bytes = b64_decode(arg(args, 0)).map_err(|off| {
        source_err(format!(
            "the given value is has an invalid base64 symbol at offset {off}"
        ))
    })?;
    decode(charset.kind, &bytes)
        .filter(|s| !s.contains(char::REPLACEMENT_CHARACTER))
        .map(Value::String)
        .ok_or_else(|| {
            source_err(format!(
                "the given string contains symbols that are not defined for {}",
                charset.name
            ))
        })
}
