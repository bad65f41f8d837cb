//! Where a repository lives: a local path, or a URL to mirror.

use std::path::PathBuf;

/// A parsed repository location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A repository on this machine, opened in place (working copy or bare).
    Local(PathBuf),
    /// A `file://`, `https://`, `http://`, `ssh://` or scp-like
    /// (`git@host:org/repo.git`) URL, fetched into a bare mirror in the cache.
    Remote(String),
}

/// Reads a repository location as given in a configuration or on the command line.
pub fn parse_location(text: &str) -> Location {
    let text = text.trim();
    if let Some((scheme, _)) = text.split_once("://") {
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return Location::Remote(text.to_string());
        }
    }
    // scp-like syntax: `[user@]host:path`, where the part before the first
    // colon has no slash (so `./a:b` and `/x:y` stay paths).
    if let Some((host, path)) = text.split_once(':') {
        if !host.is_empty() && !host.contains('/') && !path.is_empty() && host.len() > 1 {
            return Location::Remote(text.to_string());
        }
    }
    Location::Local(PathBuf::from(text))
}

/// The URL without any `user:password@` part, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        // An ssh user name (`git@`) is not a secret; anything before `@`
        // in other URLs may be a token.
        Some((userinfo, host)) if scheme.starts_with("ssh") || scheme.ends_with("+ssh") => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_string(),
    }
}

/// A file-system-safe directory name for the mirror of `url`: the last path
/// segment (for people looking at the cache) and a hash of the whole URL
/// (so two URLs never share a mirror).
pub fn mirror_dir_name(url: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(url.as_bytes());
    let tail: String = url
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("repo")
        .trim_end_matches(".git")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let tail = if tail.is_empty() { "repo".into() } else { tail };
    format!("{tail}-{}.git", &hex::encode(digest)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let cases = [
            ("/srv/repo", Location::Local("/srv/repo".into())),
            ("./repo", Location::Local("./repo".into())),
            ("repo", Location::Local("repo".into())),
            ("C", Location::Local("C".into())),
            (
                "file:///srv/repo",
                Location::Remote("file:///srv/repo".into()),
            ),
            (
                "https://example.com/a/b.git",
                Location::Remote("https://example.com/a/b.git".into()),
            ),
            (
                "ssh://git@example.com/a/b.git",
                Location::Remote("ssh://git@example.com/a/b.git".into()),
            ),
            (
                "git@example.com:a/b.git",
                Location::Remote("git@example.com:a/b.git".into()),
            ),
            ("./a:b", Location::Local("./a:b".into())),
        ];
        for (text, want) in cases {
            assert_eq!(parse_location(text), want, "{text}");
        }
    }

    #[test]
    fn redaction() {
        let cases = [
            (
                "https://u:secret@h.example/r.git",
                "https://***@h.example/r.git",
            ),
            (
                "https://token@h.example/r.git",
                "https://***@h.example/r.git",
            ),
            ("ssh://git@h.example/r.git", "ssh://git@h.example/r.git"),
            (
                "ssh://git:pw@h.example/r.git",
                "ssh://git:***@h.example/r.git",
            ),
            ("https://h.example/r.git", "https://h.example/r.git"),
            ("/local/path", "/local/path"),
        ];
        for (url, want) in cases {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn mirror_names_differ_per_url() {
        let a = mirror_dir_name("https://h.example/org/infra.git");
        let b = mirror_dir_name("https://other.example/org/infra.git");
        assert!(a.starts_with("infra-") && a.ends_with(".git"), "{a}");
        assert_ne!(a, b);
        assert!(mirror_dir_name("file:///").starts_with("repo-"));
    }
}
