//! Related-record conditions in a list's filter bar ("customers with a quote in the last six
//! months and none accepted"): the conditions in force shown as readable chips — kept by the
//! filter form, each removable — and a row that adds one. They are the list's own `has.KIND` /
//! `none.KIND` parameters (`kervan_app::lists::related_filter`), so the address stays the
//! segment a saved view keeps and an export reads.

use kervan_core::record::{Field, FieldType, Kind, Storage};
use kervan_core::text::fold;

use super::display::option_label;
use super::{label, text};
use crate::i18n::I18n;
use crate::ui::query_string;

/// A related-record condition in force, as the filter bar shows it.
pub struct Chip {
    /// The parameter (`has.quotes`) and its value, kept by the filter form as a hidden field.
    pub key: String,
    pub value: String,
    pub label: String,
    /// The list without this condition.
    pub remove: String,
}

/// Kinds whose records point at `kind` (a customer's quotes), each with the fields a condition
/// may name in the builder: dates, choices and amounts (the address also takes text and ids).
fn related(kind: &Kind) -> Vec<(&'static Kind, Vec<&'static Field>)> {
    kervan_core::kinds::ALL
        .iter()
        .filter(|k| {
            k.fields
                .iter()
                .any(|f| f.ty == FieldType::Reference && f.refers == kind.key)
        })
        .map(|k| {
            let fields = k
                .fields
                .iter()
                .filter(|f| {
                    f.storage == Storage::Column
                        && matches!(
                            f.ty,
                            FieldType::Date | FieldType::DateTime | FieldType::Choice | FieldType::Money
                        )
                })
                .collect();
            (*k, fields)
        })
        .filter(|(_, fields): &(&Kind, Vec<&Field>)| !fields.is_empty())
        .collect()
}

/// The builder's field list: one group per related kind, options `KIND.FIELD`.
pub fn builder(t: &I18n, kind: &Kind) -> Vec<(String, Vec<(String, String)>)> {
    related(kind)
        .into_iter()
        .map(|(k, fields)| {
            let options = fields
                .iter()
                .map(|f| (format!("{}.{}", k.key, f.key), label(t, k, f.key)))
                .collect();
            (text(t, k, "title"), options)
        })
        .collect()
}

/// The conditions of `pairs` (a list's parameters) as chips.
pub fn chips(t: &I18n, kind: &Kind, pairs: &[(String, String)]) -> Vec<Chip> {
    pairs
        .iter()
        .filter_map(|(key, value)| {
            let (exists, rel) = kervan_app::lists::related_param(key)?;
            let other = kervan_core::kinds::by_key(rel)?;
            let conds: Vec<String> = value
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| readable(t, other, p))
                .collect();
            let mode = t.t1(
                if exists { "related-has" } else { "related-none" },
                "kind",
                text(t, other, "title"),
            );
            let rest: Vec<(String, String)> = pairs
                .iter()
                .filter(|(k, _)| k != key && !super::list::PAGE_KEYS.contains(&k.as_str()))
                .cloned()
                .collect();
            Some(Chip {
                key: key.clone(),
                value: value.clone(),
                label: if conds.is_empty() {
                    mode
                } else {
                    format!("{mode}: {}", conds.join(", "))
                },
                remove: format!("/{}?{}", kind.key, query_string(&rest)),
            })
        })
        .collect()
}

/// One condition (`issue_date>=-6m`) in words: "Teklif tarihi ≥ 6 ay önce".
fn readable(t: &I18n, other: &Kind, part: &str) -> String {
    let Some((field, op, value)) = ["<=", ">=", "="]
        .iter()
        .find_map(|op| part.split_once(op).map(|(f, v)| (f.trim(), *op, v.trim())))
    else {
        return part.to_string();
    };
    let Some(f) = other.field(field) else {
        return part.to_string();
    };
    let shown = match f.ty {
        FieldType::Choice if f.options.contains(&value) => option_label(t, other, f.key, value),
        FieldType::Date | FieldType::DateTime => relative_text(t, value).unwrap_or_else(|| value.to_string()),
        _ => value.to_string(),
    };
    let op = match op {
        ">=" => "≥",
        "<=" => "≤",
        _ => "=",
    };
    format!("{} {op} {shown}", label(t, other, f.key))
}

/// `-6m` as "6 ay önce", `+1y` as "1 yıl sonra", `0d` as "bugün".
fn relative_text(t: &I18n, s: &str) -> Option<String> {
    let (sign, n, unit) = kervan_app::lists::relative_parts(s)?;
    if n == 0 {
        return Some(t.t("related-today"));
    }
    let unit = match unit {
        'd' => "days",
        'm' => "months",
        'y' => "years",
        _ => return None,
    };
    let when = if sign > 0 { "later" } else { "ago" };
    Some(t.t_nums(&format!("related-{unit}-{when}"), &[("n", n)]))
}

/// The list's parameters with the condition the builder adds (`rel_mode`, `rel_field` as
/// `KIND.FIELD`, `rel_op`, `rel_value`) folded into `has.KIND` / `none.KIND`, for a redirect to
/// the address that is the segment; `None` when the request adds none. A choice may be typed as
/// it reads ("Kabul edildi"); anything the list cannot use is left for its own message.
pub fn added(t: &I18n, kind: &Kind, pairs: &[(String, String)]) -> Option<Vec<(String, String)>> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    if !pairs.iter().any(|(k, _)| k.starts_with("rel_")) {
        return None;
    }
    let mut out: Vec<(String, String)> = pairs.iter().filter(|(k, _)| !k.starts_with("rel_")).cloned().collect();
    let (field, value) = (get("rel_field"), get("rel_value"));
    let Some((rel, key)) = field.split_once('.') else {
        return Some(out);
    };
    let Some((other, f)) = related(kind)
        .into_iter()
        .find(|(k, _)| k.key == rel)
        .and_then(|(k, fields)| fields.into_iter().find(|f| f.key == key).map(|f| (k, f)))
    else {
        return Some(out);
    };
    if value.is_empty() {
        return Some(out);
    }
    let op = match get("rel_op") {
        ">=" => ">=",
        "<=" => "<=",
        _ => "=",
    };
    let value = match f.ty {
        FieldType::Choice => f
            .options
            .iter()
            .find(|o| **o == value || fold(&option_label(t, other, f.key, o)) == fold(value))
            .map_or(value.to_string(), |o| o.to_string()),
        _ => value.to_string(),
    };
    // A comma would start another condition: never part of one value.
    let value = value.replace(',', " ");
    let param = format!(
        "{}.{}",
        if get("rel_mode") == "none" { "none" } else { "has" },
        other.key
    );
    let cond = format!("{}{op}{value}", f.key);
    match out.iter_mut().find(|(k, _)| *k == param) {
        Some((_, v)) if !v.trim().is_empty() => *v = format!("{v},{cond}"),
        Some((_, v)) => *v = cond,
        None => out.push((param, cond)),
    }
    Some(out)
}
