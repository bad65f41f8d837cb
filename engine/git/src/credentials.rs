//! Credentials for fetching: from the environment, an ssh-agent or a key
//! file. They are handed to libgit2 only when the server asks, and never
//! appear in messages or `Debug` output.

use std::path::PathBuf;

/// How to authenticate to a remote. `Debug` shows which kinds are set, not
/// their values.
#[derive(Clone, Default)]
pub struct Credentials {
    /// User name for HTTPS (default `x-access-token` when only a password or
    /// token is set) and for SSH when the URL names none (default `git`).
    pub username: Option<String>,
    /// HTTPS password or access token.
    pub password: Option<String>,
    /// Private key file for SSH.
    pub ssh_key: Option<PathBuf>,
    pub ssh_key_passphrase: Option<String>,
    /// Ask the ssh-agent (`SSH_AUTH_SOCK`) before the key file.
    pub ssh_agent: bool,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ssh_key", &self.ssh_key)
            .field(
                "ssh_key_passphrase",
                &self.ssh_key_passphrase.as_ref().map(|_| "<redacted>"),
            )
            .field("ssh_agent", &self.ssh_agent)
            .finish()
    }
}

impl Credentials {
    /// Reads `GITFORM_GIT_USERNAME`, `GITFORM_GIT_PASSWORD` (or
    /// `GITFORM_GIT_TOKEN`), `GITFORM_GIT_SSH_KEY`,
    /// `GITFORM_GIT_SSH_KEY_PASSPHRASE`; uses the ssh-agent when
    /// `SSH_AUTH_SOCK` is set.
    pub fn from_env() -> Credentials {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Credentials {
            username: var("GITFORM_GIT_USERNAME"),
            password: var("GITFORM_GIT_PASSWORD").or_else(|| var("GITFORM_GIT_TOKEN")),
            ssh_key: var("GITFORM_GIT_SSH_KEY").map(PathBuf::from),
            ssh_key_passphrase: var("GITFORM_GIT_SSH_KEY_PASSPHRASE"),
            ssh_agent: std::env::var_os("SSH_AUTH_SOCK").is_some(),
        }
    }
}

/// State of one credential negotiation: libgit2 calls back again after a
/// rejected credential, so each kind is offered once.
#[derive(Default)]
pub(crate) struct Attempts {
    agent: bool,
    key: bool,
    userpass: bool,
    default: bool,
}

/// The credential callback's body.
pub(crate) fn credential(
    creds: &Credentials,
    attempts: &mut Attempts,
    username_from_url: Option<&str>,
    allowed: git2::CredentialType,
) -> Result<git2::Cred, git2::Error> {
    if allowed.contains(git2::CredentialType::USERNAME) {
        let user = username_from_url
            .or(creds.username.as_deref())
            .unwrap_or("git");
        return git2::Cred::username(user);
    }
    if allowed.contains(git2::CredentialType::SSH_KEY) {
        let user = username_from_url
            .or(creds.username.as_deref())
            .unwrap_or("git");
        if creds.ssh_agent && !attempts.agent {
            attempts.agent = true;
            return git2::Cred::ssh_key_from_agent(user);
        }
        if let (Some(key), false) = (&creds.ssh_key, attempts.key) {
            attempts.key = true;
            return git2::Cred::ssh_key(user, None, key, creds.ssh_key_passphrase.as_deref());
        }
    }
    if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) && !attempts.userpass {
        if let Some(password) = &creds.password {
            attempts.userpass = true;
            let user = creds
                .username
                .as_deref()
                .or(username_from_url)
                .unwrap_or("x-access-token");
            return git2::Cred::userpass_plaintext(user, password);
        }
    }
    if allowed.contains(git2::CredentialType::DEFAULT) && !attempts.default {
        attempts.default = true;
        return git2::Cred::default();
    }
    Err(git2::Error::from_str(
        "no usable credentials (set GITFORM_GIT_TOKEN or GITFORM_GIT_PASSWORD for HTTPS; an ssh-agent or GITFORM_GIT_SSH_KEY for SSH)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials {
            username: Some("me".into()),
            password: Some("hunter2".into()),
            ssh_key: Some("/k".into()),
            ssh_key_passphrase: Some("pass-phrase".into()),
            ssh_agent: true,
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("pass-phrase"),
            "{shown}"
        );
        assert!(
            shown.contains("<redacted>") && shown.contains("me"),
            "{shown}"
        );
    }
}
