//! Commit signature verification against a list of trusted keys.
//!
//! SSH signatures (`gpg.format=ssh`, an armored `SSHSIG` in the commit's
//! `gpgsig` header) are verified here with the `ssh-key` crate over the
//! commit payload without that header, in the `git` namespace, as
//! `git verify-commit` does. OpenPGP signatures (`-----BEGIN PGP
//! SIGNATURE-----`) are verified as git verifies them, by GnuPG (`gpgv`,
//! else `gpg`) against a temporary keyring holding only the trusted
//! OpenPGP keys (see `openpgp.rs`); without GnuPG such a commit is
//! reported [`SignatureStatus::Unsupported`], which callers treat as not
//! trusted. X.509 signatures are never verified.

use crate::error::GitError;
use crate::openpgp::{self, PgpKey, PgpOutcome};
use crate::repo::Repo;
use ssh_key::{HashAlg, PublicKey, SshSig};
use std::path::Path;

/// The namespace git signs commits in.
const GIT_NAMESPACE: &str = "git";

/// Keys whose signatures are trusted.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    ssh: Vec<TrustedSshKey>,
    pgp: Vec<PgpKey>,
}

#[derive(Debug, Clone)]
struct TrustedSshKey {
    key: PublicKey,
    /// The principal of an `allowed_signers` line, or the key's comment.
    name: Option<String>,
}

impl TrustedKeys {
    /// Parses trusted keys: OpenSSH public keys, one per line
    /// (`ssh-ed25519 AAAA... comment`, as in `authorized_keys`), git's
    /// `allowed_signers` lines (`alice@example.com [options] ssh-ed25519 AAAA...`),
    /// and ASCII-armoured OpenPGP public key blocks (`gpg --armor --export`,
    /// from `-----BEGIN PGP PUBLIC KEY BLOCK-----` to the END line).
    /// Blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<TrustedKeys, GitError> {
        let mut out = TrustedKeys::default();
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i].trim();
            i += 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with("-----BEGIN PGP") {
                let start = i - 1;
                let end = lines[start..]
                    .iter()
                    .position(|l| l.trim().starts_with("-----END PGP"))
                    .map(|n| start + n + 1)
                    .unwrap_or(lines.len());
                let key = openpgp::dearmor(&lines[start..end]).map_err(|message| {
                    GitError::TrustedKey {
                        line: start + 1,
                        message,
                    }
                })?;
                out.pgp.push(key);
                i = end;
                continue;
            }
            out.ssh.push(
                parse_line(line).map_err(|message| GitError::TrustedKey { line: i, message })?,
            );
        }
        Ok(out)
    }

    /// Reads and parses a file of trusted keys (see [`TrustedKeys::parse`]).
    pub fn from_file(path: &Path) -> Result<TrustedKeys, GitError> {
        let text = std::fs::read_to_string(path).map_err(|source| GitError::TrustedKeysFile {
            path: path.to_path_buf(),
            source,
        })?;
        TrustedKeys::parse(&text)
    }

    /// Adds the keys of `other`.
    pub fn extend(&mut self, other: TrustedKeys) {
        self.ssh.extend(other.ssh);
        self.pgp.extend(other.pgp);
    }

    pub fn len(&self) -> usize {
        self.ssh.len() + self.pgp.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ssh.is_empty() && self.pgp.is_empty()
    }
}

/// Finds the key in a line: the first field that starts an OpenSSH key
/// (`ssh-…`, `ecdsa-…`, `sk-…`), with whatever precedes it as principal.
fn parse_line(line: &str) -> Result<TrustedSshKey, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let Some(start) = fields
        .iter()
        .position(|f| f.starts_with("ssh-") || f.starts_with("ecdsa-") || f.starts_with("sk-"))
    else {
        return Err("no OpenSSH public key (ssh-ed25519, ssh-rsa, ecdsa-sha2-...) found".into());
    };
    let key_text = fields[start..].join(" ");
    let key = PublicKey::from_openssh(&key_text).map_err(|e| format!("{e}"))?;
    let name = fields
        .first()
        .filter(|_| start > 0)
        .map(|s| s.to_string())
        .or_else(|| Some(key.comment().to_string()).filter(|c| !c.is_empty()));
    Ok(TrustedSshKey { key, name })
}

/// What kind of signature a commit carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFormat {
    Ssh,
    OpenPgp,
    X509,
    Unknown,
}

impl SignatureFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureFormat::Ssh => "ssh",
            SignatureFormat::OpenPgp => "openpgp",
            SignatureFormat::X509 => "x509",
            SignatureFormat::Unknown => "unknown",
        }
    }
}

/// The result of checking one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Signed by a trusted key, and the signature matches the commit.
    Verified {
        format: SignatureFormat,
        /// `SHA256:...` fingerprint of an SSH key; the primary key's
        /// hexadecimal fingerprint of an OpenPGP key.
        fingerprint: String,
        /// Principal or comment of the trusted SSH key; the user id of the
        /// OpenPGP key.
        signer: Option<String>,
    },
    /// The commit carries no signature.
    Unsigned,
    /// Signed, but by a key that is not in the trusted list.
    Untrusted {
        format: SignatureFormat,
        fingerprint: Option<String>,
    },
    /// Signed by a trusted key, but the signature does not match (the
    /// commit was altered) or cannot be read.
    Invalid { reason: String },
    /// A signature this build cannot verify: X.509, or OpenPGP when GnuPG
    /// is not installed. `reason` says which.
    Unsupported {
        format: SignatureFormat,
        reason: String,
    },
}

impl SignatureStatus {
    /// True only for [`SignatureStatus::Verified`].
    pub fn is_trusted(&self) -> bool {
        matches!(self, SignatureStatus::Verified { .. })
    }

    /// One line for logs, run records and refusals.
    pub fn describe(&self) -> String {
        match self {
            SignatureStatus::Verified {
                format,
                fingerprint,
                signer,
            } => format!(
                "good {} signature by {}{}",
                format.as_str(),
                fingerprint,
                signer
                    .as_ref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            ),
            SignatureStatus::Unsigned => "the commit is not signed".into(),
            SignatureStatus::Untrusted {
                format,
                fingerprint,
            } => format!(
                "the commit is signed ({}) by a key that is not trusted{}",
                format.as_str(),
                fingerprint
                    .as_ref()
                    .map(|f| format!(": {f}"))
                    .unwrap_or_default()
            ),
            SignatureStatus::Invalid { reason } => format!("the signature is not valid: {reason}"),
            SignatureStatus::Unsupported { format, reason } => format!(
                "cannot verify {} signatures: {reason}",
                match format {
                    SignatureFormat::OpenPgp => "OpenPGP",
                    SignatureFormat::X509 => "X.509",
                    other => other.as_str(),
                }
            ),
        }
    }
}

/// Checks the signature of commit `rev` against `trusted`.
pub fn verify_commit(
    repo: &Repo,
    rev: &str,
    trusted: &TrustedKeys,
) -> Result<SignatureStatus, GitError> {
    let oid = repo
        .git()
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id())
        .map_err(|e| GitError::UnknownRevision {
            rev: rev.to_string(),
            location: repo.location().to_string(),
            message: e.message().to_string(),
        })?;
    let (signature, payload) = match repo.git().extract_signature(&oid, None) {
        Ok(pair) => pair,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(SignatureStatus::Unsigned),
        Err(e) => return Err(e.into()),
    };
    let signature = String::from_utf8_lossy(&signature).into_owned();
    Ok(verify_payload(&signature, &payload, trusted))
}

/// Checks an armored signature over `payload` (the commit object without
/// its `gpgsig` header).
pub fn verify_payload(signature: &str, payload: &[u8], trusted: &TrustedKeys) -> SignatureStatus {
    let format = signature_format(signature);
    match format {
        SignatureFormat::Ssh => {}
        SignatureFormat::OpenPgp => return verify_openpgp(signature, payload, trusted),
        SignatureFormat::X509 => return SignatureStatus::Unsupported {
            format,
            reason:
                "gitform does not verify X.509 (gpgsm) signatures; sign with SSH or OpenPGP keys"
                    .into(),
        },
        SignatureFormat::Unknown => {
            return SignatureStatus::Invalid {
                reason: "the gpgsig header holds no SSH, OpenPGP or X.509 signature".into(),
            }
        }
    }
    let sig = match SshSig::from_pem(signature.trim()) {
        Ok(s) => s,
        Err(e) => {
            return SignatureStatus::Invalid {
                reason: format!("unreadable SSH signature: {e}"),
            }
        }
    };
    let signer_key = PublicKey::new(sig.public_key().clone(), "");
    let fingerprint = signer_key.fingerprint(HashAlg::Sha256).to_string();
    let Some(key) = trusted
        .ssh
        .iter()
        .find(|t| t.key.key_data() == sig.public_key())
    else {
        return SignatureStatus::Untrusted {
            format,
            fingerprint: Some(fingerprint),
        };
    };
    if sig.namespace() != GIT_NAMESPACE {
        return SignatureStatus::Invalid {
            reason: format!(
                "signed in namespace {:?}, not {GIT_NAMESPACE:?}",
                sig.namespace()
            ),
        };
    }
    match key.key.verify(GIT_NAMESPACE, payload, &sig) {
        Ok(()) => SignatureStatus::Verified {
            format,
            fingerprint,
            signer: key.name.clone(),
        },
        Err(e) => SignatureStatus::Invalid {
            reason: format!("{e} (the commit does not match what was signed)"),
        },
    }
}

/// An OpenPGP signature: GnuPG with only the trusted OpenPGP keys in its
/// keyring, so a good signature is a trusted one.
fn verify_openpgp(signature: &str, payload: &[u8], trusted: &TrustedKeys) -> SignatureStatus {
    let format = SignatureFormat::OpenPgp;
    if trusted.pgp.is_empty() {
        // Nothing could make it trusted; no need for GnuPG to say so.
        return SignatureStatus::Untrusted {
            format,
            fingerprint: None,
        };
    }
    match openpgp::verify(signature, payload, &trusted.pgp) {
        PgpOutcome::Good { fingerprint, user } => SignatureStatus::Verified {
            format,
            fingerprint,
            signer: user,
        },
        PgpOutcome::UnknownKey { key_id } => SignatureStatus::Untrusted {
            format,
            fingerprint: key_id,
        },
        PgpOutcome::Rejected { reason } => SignatureStatus::Invalid { reason },
        PgpOutcome::NoGpg => SignatureStatus::Unsupported {
            format,
            reason: "gpg not found (install GnuPG: gpgv or gpg must be on PATH)".into(),
        },
        PgpOutcome::TimedOut { program, after } => SignatureStatus::Unsupported {
            format,
            reason: format!(
                "{} did not finish within {} and was stopped (check that GnuPG runs without waiting for a lock, an agent or a terminal; GITFORM_GPG_TIMEOUT sets the limit in seconds)",
                program.display(),
                seconds(after)
            ),
        },
    }
}

/// `30s`, `1.5s`.
fn seconds(d: std::time::Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

fn signature_format(signature: &str) -> SignatureFormat {
    let first = signature.trim_start();
    if first.starts_with("-----BEGIN SSH SIGNATURE-----") {
        SignatureFormat::Ssh
    } else if first.starts_with("-----BEGIN PGP SIGNATURE-----") {
        SignatureFormat::OpenPgp
    } else if first.starts_with("-----BEGIN SIGNED MESSAGE-----") {
        SignatureFormat::X509
    } else {
        SignatureFormat::Unknown
    }
}
