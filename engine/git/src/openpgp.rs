//! OpenPGP commit signatures, verified the way git does it: by running
//! GnuPG. The trusted keys (ASCII-armoured public key blocks) are
//! de-armoured into a private, temporary keyring, and `gpgv` (or, when
//! only `gpg` is installed, `gpg --verify` with that keyring as its only
//! one) checks the detached signature over the commit payload. The result
//! is read from the machine-readable `--status-fd` lines, never from the
//! human messages.

use base64::Engine as _;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One trusted OpenPGP public key (a transferable public key, possibly
/// with subkeys), as binary packets.
#[derive(Debug, Clone)]
pub(crate) struct PgpKey {
    pub(crate) packets: Vec<u8>,
}

/// Decodes an ASCII-armoured `PUBLIC KEY BLOCK` (the lines between and
/// including the BEGIN and END lines). The CRC24 checksum line is checked
/// when present.
pub(crate) fn dearmor(block: &[&str]) -> Result<PgpKey, String> {
    let mut lines = block.iter().map(|l| l.trim());
    match lines.next() {
        Some("-----BEGIN PGP PUBLIC KEY BLOCK-----") => {}
        _ => return Err("not an ASCII-armoured OpenPGP public key block".into()),
    }
    let rest: Vec<&str> = lines.collect();
    // Armour headers ("Comment: ...") end at the first blank line; a block
    // without headers may start its base64 at once.
    let body_start = if rest
        .iter()
        .take_while(|l| !l.is_empty())
        .all(|l| l.contains(": "))
    {
        rest.iter()
            .position(|l| l.is_empty())
            .map(|i| i + 1)
            .unwrap_or(0)
    } else {
        0
    };
    let mut data = String::new();
    let mut checksum = None;
    let mut ended = false;
    for line in &rest[body_start.min(rest.len())..] {
        if line.starts_with("-----END PGP PUBLIC KEY BLOCK-----") {
            ended = true;
            break;
        }
        if let Some(sum) = line.strip_prefix('=') {
            checksum = Some(sum.to_string());
        } else {
            data.push_str(line);
        }
    }
    if !ended {
        return Err("the public key block has no END PGP PUBLIC KEY BLOCK line".into());
    }
    let packets = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| format!("the public key block is not valid base64: {e}"))?;
    if packets.is_empty() {
        return Err("the public key block is empty".into());
    }
    if let Some(sum) = checksum {
        let want = base64::engine::general_purpose::STANDARD
            .decode(sum.as_bytes())
            .map_err(|_| "the public key block's checksum line is not valid base64".to_string())?;
        let crc = crc24(&packets).to_be_bytes();
        if want.as_slice() != &crc[1..] {
            return Err(
                "the public key block's checksum does not match (the key was damaged in copying)"
                    .into(),
            );
        }
    }
    // A public key packet has tag 6: old format 0x98-0x9b, new format 0xc6.
    match packets.first() {
        Some(b) if (0x98..=0x9b).contains(b) || *b == 0xc6 => Ok(PgpKey { packets }),
        _ => Err("the block does not start with a public key packet (is it a private key or a signature?)".into()),
    }
}

/// The CRC-24 of RFC 4880 section 6.1.
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for b in data {
        crc ^= u32::from(*b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// What GnuPG reported about one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PgpOutcome {
    /// GOODSIG + VALIDSIG: the primary key's fingerprint and the user id.
    Good {
        fingerprint: String,
        user: Option<String>,
    },
    /// The signing key is not in the trusted keyring (ERRSIG / NO_PUBKEY).
    UnknownKey { key_id: Option<String> },
    /// BADSIG, EXPKEYSIG, REVKEYSIG, EXPSIG or an unreadable signature.
    Rejected { reason: String },
    /// Neither `gpgv` nor `gpg` could be run.
    NoGpg,
    /// GnuPG did not finish within [`gpg_timeout`] and was killed.
    TimedOut { program: PathBuf, after: Duration },
}

/// Verifies `signature` (armoured, detached) over `payload` with only
/// `keys` trusted.
pub(crate) fn verify(signature: &str, payload: &[u8], keys: &[PgpKey]) -> PgpOutcome {
    match run_gnupg(signature, payload, keys) {
        Ok(status) => interpret(&status),
        Err(RunError::NotFound) => PgpOutcome::NoGpg,
        Err(RunError::TimedOut { program, after }) => PgpOutcome::TimedOut { program, after },
        Err(RunError::Io(e)) => PgpOutcome::Rejected {
            reason: format!("gpg could not be run: {e}"),
        },
    }
}

enum RunError {
    NotFound,
    Io(io::Error),
    TimedOut { program: PathBuf, after: Duration },
}

/// How long gpgv or gpg may take to check one signature: 30 seconds, or
/// `GITFORM_GPG_TIMEOUT` (seconds, fractions allowed). A GnuPG that waits
/// for a lock, an agent or a terminal would otherwise hold the run (and
/// the agent's environment) forever.
pub(crate) fn gpg_timeout() -> Duration {
    std::env::var("GITFORM_GPG_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(Duration::from_secs(30))
}

/// Runs `cmd` with its standard output written to `out` (GnuPG's status
/// lines: a file, so nothing can block on a full pipe), and waits at most
/// `timeout`; past it the process is killed and reaped.
fn run_with_deadline(
    mut cmd: Command,
    out: &Path,
    timeout: Duration,
) -> Result<std::process::ExitStatus, RunError> {
    let program = PathBuf::from(cmd.get_program());
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(out)?)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => RunError::NotFound,
            _ => RunError::Io(e),
        })?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        let now = Instant::now();
        if now >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(RunError::TimedOut {
                program,
                after: timeout,
            });
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
    }
}

impl From<io::Error> for RunError {
    fn from(e: io::Error) -> Self {
        RunError::Io(e)
    }
}

/// Runs `gpgv`, else `gpg`, and returns what it wrote on the status fd.
fn run_gnupg(signature: &str, payload: &[u8], keys: &[PgpKey]) -> Result<String, RunError> {
    let dir = tempfile::Builder::new().prefix("gitform-gpg-").tempdir()?;
    let keyring = dir.path().join("trusted.gpg");
    std::fs::write(
        &keyring,
        keys.iter()
            .flat_map(|k| k.packets.iter().copied())
            .collect::<Vec<u8>>(),
    )?;
    let sig = dir.path().join("commit.sig");
    std::fs::write(&sig, signature.as_bytes())?;
    let data = dir.path().join("commit.payload");
    std::fs::write(&data, payload)?;
    let home = dir.path().join("home");
    std::fs::create_dir(&home)?;
    set_private(&home);

    let status_file = dir.path().join("status");
    let timeout = gpg_timeout();
    let mut gpgv = Command::new(program("GITFORM_GPGV", "gpgv"));
    gpgv.env("GNUPGHOME", &home)
        .env("LC_ALL", "C")
        .args(["--status-fd", "1", "--keyring"])
        .arg(&keyring)
        .arg(&sig)
        .arg(&data);
    match run_with_deadline(gpgv, &status_file, timeout) {
        Ok(_) => {}
        Err(RunError::NotFound) => {
            let mut gpg = Command::new(program("GITFORM_GPG", "gpg"));
            gpg.env("GNUPGHOME", &home)
                .env("LC_ALL", "C")
                .args([
                    "--batch",
                    "--no-tty",
                    "--no-default-keyring",
                    "--no-auto-key-retrieve",
                    "--trust-model",
                    "always",
                    "--status-fd",
                    "1",
                    "--keyring",
                ])
                .arg(&keyring)
                .arg("--verify")
                .arg(&sig)
                .arg(&data);
            run_with_deadline(gpg, &status_file, timeout)?;
        }
        Err(e) => return Err(e),
    }
    let status = std::fs::read(&status_file)?;
    Ok(String::from_utf8_lossy(&status).into_owned())
}

/// The program to run: the override in `var` (a path), else `name` on PATH.
fn program(var: &str, name: &str) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(name))
}

#[cfg(unix)]
fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn set_private(_: &Path) {}

/// Reads `[GNUPG:] KEYWORD args...` lines. A signature is good only with
/// both GOODSIG and VALIDSIG and none of the rejecting keywords.
pub(crate) fn interpret(status: &str) -> PgpOutcome {
    let mut good_user = None;
    let mut good = false;
    let mut valid_fpr = None;
    let mut missing_key: Option<Option<String>> = None;
    let mut rejected: Option<String> = None;
    for line in status.lines() {
        let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
            continue;
        };
        let mut words = rest.splitn(3, ' ');
        let keyword = words.next().unwrap_or_default();
        let first = words.next().map(str::to_string);
        let tail = words.next().map(str::to_string);
        match keyword {
            "GOODSIG" => {
                good = true;
                good_user = tail;
            }
            "VALIDSIG" => {
                // VALIDSIG <fpr> <date> <ts> <expire> <ver> <res> <algo> <hash> <class> [<primary-fpr>]
                let fields: Vec<&str> = rest.split(' ').skip(1).collect();
                valid_fpr = fields.get(9).or(fields.first()).map(|s| s.to_string());
            }
            "BADSIG" => {
                rejected = Some(format!(
                    "bad OpenPGP signature by {} (the commit does not match what was signed)",
                    first.unwrap_or_default()
                ))
            }
            "EXPKEYSIG" => {
                rejected = Some(format!(
                    "the OpenPGP key {} that made the signature has expired",
                    first.unwrap_or_default()
                ))
            }
            "REVKEYSIG" => {
                rejected = Some(format!(
                    "the OpenPGP key {} that made the signature has been revoked",
                    first.unwrap_or_default()
                ))
            }
            "EXPSIG" => {
                rejected = Some(format!(
                    "the OpenPGP signature by {} has expired",
                    first.unwrap_or_default()
                ))
            }
            "ERRSIG" => {
                // ERRSIG <keyid> <algo> <hash> <class> <time> <rc> [<fpr>]
                let fields: Vec<&str> = rest.split(' ').skip(1).collect();
                if fields.get(5) == Some(&"9") {
                    let id = fields
                        .get(6)
                        .filter(|f| **f != "-")
                        .or(fields.first())
                        .map(|s| s.to_string());
                    missing_key = Some(id);
                } else if rejected.is_none() {
                    rejected = Some(format!(
                        "the OpenPGP signature cannot be checked (gpg error code {})",
                        fields.get(5).unwrap_or(&"?")
                    ));
                }
            }
            "NO_PUBKEY" if missing_key.is_none() => missing_key = Some(first),
            "NODATA" | "BADARMOR" if rejected.is_none() => {
                rejected = Some("the OpenPGP signature is unreadable".into());
            }
            _ => {}
        }
    }
    if let Some(reason) = rejected {
        return PgpOutcome::Rejected { reason };
    }
    if let Some(key_id) = missing_key {
        return PgpOutcome::UnknownKey { key_id };
    }
    match (good, valid_fpr) {
        (true, Some(fingerprint)) => PgpOutcome::Good {
            fingerprint,
            user: good_user,
        },
        _ => PgpOutcome::Rejected {
            reason: "gpg did not report a good, valid signature".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_decide_the_outcome() {
        let cases: &[(&str, PgpOutcome)] = &[
            (
                "[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 1122334455667788 Alice <a@x>\n[GNUPG:] VALIDSIG SUBKEYFPR 2026-11-22 1 0 4 0 22 8 00 PRIMARYFPR\n",
                PgpOutcome::Good { fingerprint: "PRIMARYFPR".into(), user: Some("Alice <a@x>".into()) },
            ),
            (
                "[GNUPG:] ERRSIG 1122334455667788 22 8 00 1 9 ABCDEF\n[GNUPG:] NO_PUBKEY 1122334455667788\n",
                PgpOutcome::UnknownKey { key_id: Some("ABCDEF".into()) },
            ),
            (
                "[GNUPG:] BADSIG 1122334455667788 Alice <a@x>\n",
                PgpOutcome::Rejected { reason: "bad OpenPGP signature by 1122334455667788 (the commit does not match what was signed)".into() },
            ),
            (
                "[GNUPG:] EXPKEYSIG 1122334455667788 Alice\n[GNUPG:] VALIDSIG A 2026-11-22 1 0 4 0 22 8 00 B\n",
                PgpOutcome::Rejected { reason: "the OpenPGP key 1122334455667788 that made the signature has expired".into() },
            ),
            (
                "[GNUPG:] REVKEYSIG 1122334455667788 Alice\n",
                PgpOutcome::Rejected { reason: "the OpenPGP key 1122334455667788 that made the signature has been revoked".into() },
            ),
            (
                "[GNUPG:] GOODSIG 1122334455667788 Alice\n",
                PgpOutcome::Rejected { reason: "gpg did not report a good, valid signature".into() },
            ),
            ("", PgpOutcome::Rejected { reason: "gpg did not report a good, valid signature".into() }),
        ];
        for (status, want) in cases {
            assert_eq!(&interpret(status), want, "{status}");
        }
    }

    #[test]
    fn crc24_matches_rfc4880() {
        // The CRC-24 of "123456789" with the RFC 4880 parameters.
        assert_eq!(crc24(b"123456789"), 0x21CF02);
    }
}
