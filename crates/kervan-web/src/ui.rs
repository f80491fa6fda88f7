//! Small UI types every page module shares (so no page module imports another).

/// A choice of a select: (value, label, selected).
pub type Choice = (String, String, bool);

/// The query of a URL as pairs (what cannot be read counts as none).
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap_or_default()
}

/// Pairs as a query string.
pub fn query_string(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}
