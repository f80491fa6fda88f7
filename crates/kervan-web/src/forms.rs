//! Reading list filters and cursors from a query string, shared by pages and the API.

use serde::Deserialize;

use kervan_core::FieldErrors;
use kervan_core::leads::{LeadSource, LeadStatus};
use kervan_core::text::fold;
use kervan_core::time::{day_start_ms, month_start_local, now_ms, parse_date, today_local};
use kervan_store::leads::{LeadQuery, Position, SortKey, SortValue};

/// The filters of the lead list, as in the URL (`/leads?status=new&sort=-created_at`) and the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadListParams {
    /// Free text: name, company, e-mail, phone (any form), city. Turkish-insensitive.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub sector: String,
    /// `today`, `7d`, `month` or `custom` (then `created_from`/`created_to`).
    #[serde(default)]
    pub created: String,
    /// `2026-01-31` (inclusive)
    #[serde(default)]
    pub created_from: String,
    /// `2026-01-31` (inclusive)
    #[serde(default)]
    pub created_to: String,
    /// `1`/`true`: list archived leads instead.
    #[serde(default)]
    pub archived: String,
    /// `created_at`, `updated_at`, `name`; a leading `-` sorts descending. Default `-created_at`.
    #[serde(default)]
    pub sort: String,
    /// Page size, at most 200. Default 50.
    #[serde(default)]
    pub limit: String,
    /// Opaque position from a previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: String,
    /// Opaque position for the page before (UI paging backwards).
    #[serde(default)]
    pub before: String,
}

/// The Önceki/Sonraki links of a keyset page at `path` with the list's own `query`: `before` the
/// first row, `cursor` after the last, each only when there are rows that way.
pub fn pager_links(
    path: &str,
    query: &str,
    first: Option<Position>,
    last: Option<Position>,
    has_prev: bool,
    has_next: bool,
) -> (Option<String>, Option<String>) {
    let link = |param: &str, pos: &Position| {
        let sep = if query.is_empty() { "" } else { "&" };
        format!("{path}?{query}{sep}{param}={}", encode_cursor(pos))
    };
    let prev = first.filter(|_| has_prev).map(|p| link("before", &p));
    let next = last.filter(|_| has_next).map(|p| link("cursor", &p));
    (prev, next)
}

/// A list's parameters read from a URL (path and query); what cannot be read counts as unset.
pub fn params_of<P: serde::de::DeserializeOwned + Default>(url: &str) -> P {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap_or_default()
}

pub fn encode_cursor(p: &Position) -> String {
    let s = match &p.value {
        SortValue::Int(v) => format!("i:{}:{v}", p.id),
        SortValue::Text(t) => format!("t:{}:{t}", p.id),
    };
    hex::encode(s)
}

pub fn decode_cursor(c: &str) -> Option<Position> {
    let bytes = hex::decode(c.trim()).ok()?;
    let s = String::from_utf8(bytes).ok()?;
    let mut it = s.splitn(3, ':');
    let kind = it.next()?;
    let id: i64 = it.next()?.parse().ok()?;
    let rest = it.next()?;
    let value = match kind {
        "i" => SortValue::Int(rest.parse().ok()?),
        "t" => SortValue::Text(rest.to_string()),
        _ => return None,
    };
    Some(Position { value, id })
}

fn truthy(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes")
}

impl LeadListParams {
    /// The store query these filters mean. Unknown values are errors named by field.
    pub fn to_query(&self, default_limit: u64, max_limit: u64) -> Result<LeadQuery, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut q = LeadQuery {
            limit: default_limit,
            desc: true,
            ..Default::default()
        };
        if self.q.chars().count() > 200 {
            e.add_with("q", "too_long", 200);
        } else {
            kervan_app::search::apply_query(&mut q, &self.q);
        }
        let status = self.status.trim();
        if status == "open" {
            q.open_only = true;
        } else if !status.is_empty() {
            match LeadStatus::parse(status) {
                Some(s) => q.status = Some(s.as_str().into()),
                None => e.add("status", "invalid_choice"),
            }
        }
        if !self.source.trim().is_empty() {
            match LeadSource::parse(self.source.trim()) {
                Some(s) => q.source = Some(s.as_str().into()),
                None => e.add("source", "invalid_choice"),
            }
        }
        if !self.owner_id.trim().is_empty() {
            match self.owner_id.trim().parse::<i64>() {
                Ok(v) => q.owner_id = Some(v),
                Err(_) => e.add("owner_id", "invalid_number"),
            }
        }
        let tag = self.tag.trim();
        if !tag.is_empty() {
            q.tag_key = Some(fold(tag));
        }
        if !self.city.trim().is_empty() {
            q.city = Some(self.city.trim().to_string());
        }
        if !self.sector.trim().is_empty() {
            q.sector = Some(self.sector.trim().to_string());
        }
        let now = now_ms();
        match self.created.trim() {
            "" => {}
            "today" => q.created_from = Some(day_start_ms(today_local(now))),
            "7d" => q.created_from = Some(now - 7 * 86_400_000),
            "month" => q.created_from = Some(day_start_ms(month_start_local(now))),
            "custom" => {}
            _ => e.add("created", "invalid_choice"),
        }
        if self.created.trim() == "custom" || self.created.trim().is_empty() {
            if !self.created_from.trim().is_empty() {
                match parse_date(&self.created_from) {
                    Some(d) => q.created_from = Some(day_start_ms(d)),
                    None => e.add("created_from", "invalid_date"),
                }
            }
            if !self.created_to.trim().is_empty() {
                match parse_date(&self.created_to).and_then(|d| d.succ_opt()) {
                    Some(d) => q.created_to = Some(day_start_ms(d)),
                    None => e.add("created_to", "invalid_date"),
                }
            }
        }
        q.archived = truthy(&self.archived);
        let sort = self.sort.trim();
        let (desc, key) = match sort.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, sort),
        };
        match key {
            "" => {}
            "created_at" => {
                q.sort = SortKey::Created;
                q.desc = desc;
            }
            "updated_at" => {
                q.sort = SortKey::Updated;
                q.desc = desc;
            }
            "name" => {
                q.sort = SortKey::Name;
                q.desc = desc;
            }
            _ => e.add("sort", "invalid_choice"),
        }
        if !self.limit.trim().is_empty() {
            match self.limit.trim().parse::<u64>() {
                Ok(n) if (1..=max_limit).contains(&n) => q.limit = n,
                _ => e.add_with("limit", "invalid_limit", max_limit),
            }
        }
        if !self.cursor.trim().is_empty() {
            match decode_cursor(&self.cursor) {
                Some(p) => q.after = Some(p),
                None => e.add("cursor", "invalid_cursor"),
            }
        } else if !self.before.trim().is_empty() {
            match decode_cursor(&self.before) {
                Some(p) => q.before = Some(p),
                None => e.add("before", "invalid_cursor"),
            }
        }
        // A cursor made under one sort means nothing under another.
        let check = |p: &Option<Position>| {
            !matches!(
                (p.as_ref().map(|p| &p.value), q.sort),
                (Some(SortValue::Text(_)), SortKey::Created | SortKey::Updated)
                    | (Some(SortValue::Int(_)), SortKey::Name)
            )
        };
        if !check(&q.after) || !check(&q.before) {
            e.add("cursor", "invalid_cursor");
        }
        e.into_result(q)
    }

    /// The same filters as a query string, without paging (for sort links and paging links).
    pub fn query_string(&self, sort: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        for (k, v) in [
            ("q", &self.q),
            ("status", &self.status),
            ("source", &self.source),
            ("owner_id", &self.owner_id),
            ("tag", &self.tag),
            ("city", &self.city),
            ("sector", &self.sector),
            ("created", &self.created),
            ("created_from", &self.created_from),
            ("created_to", &self.created_to),
            ("archived", &self.archived),
        ] {
            if !v.trim().is_empty() {
                pairs.push((k, v.trim().to_string()));
            }
        }
        let sort = sort.map(str::to_string).unwrap_or_else(|| self.sort.clone());
        if !sort.is_empty() {
            pairs.push(("sort", sort));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    pub fn has_filters(&self) -> bool {
        [
            &self.q,
            &self.status,
            &self.source,
            &self.owner_id,
            &self.tag,
            &self.city,
            &self.sector,
            &self.created,
            &self.archived,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

/// Splits a comma-separated tag input.
pub fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        for p in [
            Position {
                value: SortValue::Int(1_700_000_000_000),
                id: 42,
            },
            Position {
                value: SortValue::Text("ayse: yilmaz".into()),
                id: 7,
            },
        ] {
            assert_eq!(decode_cursor(&encode_cursor(&p)), Some(p));
        }
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor(&hex::encode("x:1:2")), None);
    }

    #[test]
    fn bad_filters_are_named() {
        let p = LeadListParams {
            status: "won".into(),
            sort: "-price".into(),
            limit: "1000".into(),
            ..Default::default()
        };
        let e = p.to_query(50, 200).unwrap_err();
        for f in ["status", "sort", "limit"] {
            assert!(e.has(f), "{f}");
        }
    }
}
