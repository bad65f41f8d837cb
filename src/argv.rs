//! Terraform's single-dash long flags (`-auto-approve`, `-var-file=x`) turned
//! into the `--long` form clap understands.

use std::ffi::OsString;

/// Rewrites `-flag...` (a single dash followed by two or more characters,
/// not a negative number) to `--flag...`. The program name, `-`, short flags
/// such as `-h`, `--long` flags and everything after a literal `--` are kept.
pub fn normalize<I: IntoIterator<Item = OsString>>(args: I) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut iter = args.into_iter();
    if let Some(program) = iter.next() {
        out.push(program);
    }
    let mut verbatim = false;
    for arg in iter {
        if verbatim {
            out.push(arg);
            continue;
        }
        match arg.to_str() {
            Some("--") => {
                verbatim = true;
                out.push(arg);
            }
            Some(s) if is_single_dash_long(s) => out.push(OsString::from(format!("-{s}"))),
            _ => out.push(arg),
        }
    }
    out
}

fn is_single_dash_long(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('-') else {
        return false;
    };
    if rest.starts_with('-') || rest.chars().count() < 2 {
        return false;
    }
    !looks_like_number(rest)
}

fn looks_like_number(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit() || c == '.') && s.parse::<f64>().is_ok()
}

/// True when the (raw or normalized) command line asks for `-no-color`.
pub fn wants_no_color(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| a.to_str() != Some("--"))
        .filter_map(|a| a.to_str())
        .filter_map(|a| {
            a.strip_prefix("--no-color")
                .or_else(|| a.strip_prefix("-no-color"))
        })
        .any(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('=')
                    .is_some_and(|v| crate::args::parse_go_bool(v) == Ok(true))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_terraform_flags() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["-auto-approve"], &["--auto-approve"]),
            (&["-var", "a=b"], &["--var", "a=b"]),
            (&["-var-file=x.tfvars"], &["--var-file=x.tfvars"]),
            (&["--out=p"], &["--out=p"]),
            (&["-h"], &["-h"]),
            (&["-v"], &["-v"]),
            (&["-"], &["-"]),
            (&["-5"], &["-5"]),
            (&["-1.5"], &["-1.5"]),
            (&["-chdir=dir", "plan"], &["--chdir=dir", "plan"]),
            (&["-refresh=false"], &["--refresh=false"]),
            (&["--", "-x=1"], &["--", "-x=1"]),
            (&["plain", "a.b"], &["plain", "a.b"]),
        ];
        for (input, want) in cases {
            let args = std::iter::once("gitform")
                .chain(input.iter().copied())
                .map(OsString::from);
            let got = normalize(args);
            let got: Vec<&str> = got.iter().skip(1).map(|a| a.to_str().unwrap()).collect();
            assert_eq!(&got, want, "{input:?}");
        }
    }

    #[test]
    fn no_color_detection() {
        for (args, want) in [
            (&["plan", "-no-color"][..], true),
            (&["plan", "--no-color=true"], true),
            (&["plan", "--no-color=false"], false),
            (&["plan", "--", "-no-color"], false),
            (&["plan"], false),
        ] {
            let argv: Vec<OsString> = std::iter::once("gitform")
                .chain(args.iter().copied())
                .map(OsString::from)
                .collect();
            assert_eq!(wants_no_color(&argv), want, "{args:?}");
        }
    }
}
