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

/// Whose records a personal page shows, from its `whose` parameter: `me`, `team`, `team-ID` (an
/// admin's look at a team) or a person's id.
pub fn whose_of(s: &str, me: i64) -> kervan_app::lists::Whose {
    use kervan_app::lists::Whose;
    match s {
        "team" => Whose::Team,
        "" | "me" => Whose::Mine,
        other if other.starts_with("team-") => match other[5..].parse::<i64>() {
            Ok(id) => Whose::InTeam(id),
            Err(_) => Whose::Mine,
        },
        other => match other.parse::<i64>() {
            Ok(id) if id != me => Whose::Of(id),
            _ => Whose::Mine,
        },
    }
}

/// The `whose` parameter of [`whose_of`] back.
pub fn whose_param(w: kervan_app::lists::Whose) -> String {
    use kervan_app::lists::Whose;
    match w {
        Whose::Mine => "me".to_string(),
        Whose::Team => "team".to_string(),
        Whose::InTeam(id) => format!("team-{id}"),
        Whose::Of(id) => id.to_string(),
    }
}
