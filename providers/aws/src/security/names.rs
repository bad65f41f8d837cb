//! Generated names (`name_prefix`, and no name at all), as hashicorp/aws
//! makes them: the prefix (`terraform-` by default), a UTC timestamp to a
//! ten-thousandth of a second, and an eight-digit hex counter, 26
//! characters after the prefix.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The prefix of names nobody chose.
pub const DEFAULT_PREFIX: &str = "terraform-";

/// Length of the generated part of a name.
const SUFFIX_LEN: usize = 26;

static COUNTER: AtomicU32 = AtomicU32::new(1);

/// The `name` of a new object: `name` if set, else `prefix` (or
/// [`DEFAULT_PREFIX`]) and a unique suffix.
pub fn choose(name: Option<&str>, prefix: Option<&str>) -> String {
    match (name.filter(|n| !n.is_empty()), prefix) {
        (Some(n), _) => n.to_string(),
        (None, Some(p)) => unique(p),
        (None, None) => unique(DEFAULT_PREFIX),
    }
}

/// `prefix` and a unique suffix.
pub fn unique(prefix: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let frac = now.subsec_micros() / 100;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}{frac:04}{n:08x}")
}

/// The `name_prefix` a name was made from: the part before a generated
/// suffix, or `""` when the name was chosen whole.
pub fn prefix_of(name: &str) -> &str {
    if name.len() < SUFFIX_LEN || !name.is_char_boundary(name.len() - SUFFIX_LEN) {
        return "";
    }
    let (prefix, suffix) = name.split_at(name.len() - SUFFIX_LEN);
    let (stamp, counter) = suffix.split_at(18);
    if stamp.bytes().all(|b| b.is_ascii_digit()) && counter.bytes().all(|b| b.is_ascii_hexdigit()) {
        prefix
    } else {
        ""
    }
}

/// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_round_trip_their_prefix() {
        let a = choose(None, Some("web-"));
        let b = choose(None, Some("web-"));
        assert_ne!(a, b);
        assert_eq!(a.len(), "web-".len() + SUFFIX_LEN);
        assert_eq!(prefix_of(&a), "web-");
        assert_eq!(prefix_of(&choose(None, None)), DEFAULT_PREFIX);
        assert_eq!(choose(Some("fixed"), Some("x-")), "fixed");
        assert_eq!(prefix_of("fixed"), "");
    }

    #[test]
    fn calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
    }
}
