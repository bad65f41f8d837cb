//! "Did you mean ...?" suggestions.

/// The candidate closest to `given` by Levenshtein distance, if that
/// distance is under 3 (Terraform's threshold). On a tie the earliest
/// candidate wins. Terraform phrases the result as `Did you mean "NAME"?`.
pub fn suggest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = strsim::levenshtein(given, candidate);
        if distance < 3 && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggestions() {
        let names = ["region", "regions", "zone", "instance_type"];
        let cases = [
            ("regon", Some("region")),
            ("regionss", Some("regions")),
            ("zones", Some("zone")),
            ("instance_typ", Some("instance_type")),
            ("completely_different", None),
            ("", None),
            ("zo", Some("zone")),
        ];
        for (given, want) in cases {
            assert_eq!(suggest(given, names), want, "suggest({given:?})");
        }
    }
}
