//! "Did you mean" suggestions, as Terraform makes them: the closest name
//! within a Levenshtein distance of less than 3.

/// The closest candidate to `given`, if one is close enough.
pub fn closest<'c>(given: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = strsim::levenshtein(given, c);
        if d < 3 && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` Did you mean "x"?` (with a leading space), for appending to a detail.
pub fn did_you_mean<'c>(
    given: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    closest(given, candidates).map(|c| format!(" Did you mean \"{c}\"?"))
}
