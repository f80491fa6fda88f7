//! Reading a list's parameters — the one parser behind every list page and every list in the API.
//!
//! `?q=` searches; each filterable field filters by its key (`status=new`, `owner_id=3`,
//! `tag=ihracat`, `custom.butce=100_500k`); `created` (`today`, `7d`, `month`, `custom` with
//! `created_from`/`created_to`), `archived`, `sort` (`-created_at`, `name`, `custom.KEY`),
//! `limit`, `cursor` / `before`. A value that means nothing is an error named by its parameter;
//! parameters the list does not know (the page's own `ok`, `tab` …) are left alone.

use kervan_core::validation::truthy;
use std::collections::BTreeMap;

use kervan_core::Phone;
use kervan_core::record::{CustomDef, FieldType, Kind, Num, Storage};
use kervan_core::text::{digits, fold};
use kervan_core::time::{day_start_ms, month_start_local, now_ms, parse_date, today_local};
use kervan_core::{FieldErrors, Money};
use kervan_store::DbBackend;
use kervan_store::listing::{Position, SortValue};
use kervan_store::records::ListQuery;
use kervan_store::sea_orm_value::Value as Db;

use crate::records::{RecordKind, SortPick};

/// A list request, read and checked.
#[derive(Debug, Clone)]
pub struct ListSpec {
    pub query: ListQuery,
    pub sort: SortPick,
    /// The filters as understood, by parameter (what the filter bar shows and a view saves).
    pub filters: BTreeMap<String, String>,
    /// Any filter narrows the list (for the empty state).
    pub filtered: bool,
}

/// Puts a typed query into `q`: a whole phone number in any form becomes an exact E.164 match;
/// a fragment of digits matches the phone digits in the search key; anything else is split into
/// folded terms that must all occur.
pub fn search_text(q: &mut ListQuery, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let phoneish = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let d = digits(text);
    if phoneish && !d.is_empty() {
        if d.len() >= 10
            && let Ok(p) = Phone::parse(text)
        {
            q.phone = Some(p.to_string());
            return;
        }
        q.terms = vec![d];
        return;
    }
    let folded: String = fold(text).chars().take(200).collect();
    q.terms = folded
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(8)
        .map(str::to_string)
        .collect();
}

/// The expression a custom field is filtered and sorted by, and the index that serves both is
/// built on (with the column unqualified). `None`: the field is kept in the side table instead.
pub fn custom_key_expr(backend: DbBackend, alias: &str, d: &CustomDef) -> Option<String> {
    let col = if alias.is_empty() {
        "custom".to_string()
    } else {
        format!("{alias}.custom")
    };
    let pg = backend == DbBackend::Postgres;
    let k = &d.key;
    if !kervan_core::record::valid_custom_key(k) {
        return None;
    }
    Some(match (d.ty, pg) {
        (FieldType::Money, true) => format!("COALESCE(({col}->>'{k}')::bigint, -1)"),
        (FieldType::Money, false) => format!("COALESCE(json_extract({col}, '$.{k}'), -1)"),
        (FieldType::Number, true) => format!("COALESCE(({col}->>'{k}')::double precision, -1e15)"),
        (FieldType::Number, false) => format!("COALESCE(json_extract({col}, '$.{k}'), -1e15)"),
        (FieldType::Bool, true) => format!("COALESCE(({col}->>'{k}')::boolean, false)"),
        (FieldType::Bool, false) => format!("COALESCE(json_extract({col}, '$.{k}'), 0)"),
        (FieldType::MultiChoice | FieldType::User, _) => return None,
        (_, true) => format!("COALESCE({col}->>'{k}', '')"),
        (_, false) => format!("COALESCE(json_extract({col}, '$.{k}'), '')"),
    })
}

/// Whether a custom field can be sorted by (its values compare as text or as whole numbers).
pub fn custom_sortable(d: &CustomDef) -> bool {
    d.sortable
        && matches!(
            d.ty,
            FieldType::Text | FieldType::Choice | FieldType::Date | FieldType::Money
        )
}

/// Whether a custom field's filter may be offered: its index is built (or it needs none).
pub fn custom_filter_ready(d: &CustomDef) -> bool {
    d.active && d.filterable && (matches!(d.ty, FieldType::MultiChoice | FieldType::User) || d.index_state == "ready")
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

/// The parameter a field filters under: its key, `tag` for tags.
pub fn filter_param(key: &str, ty: FieldType) -> String {
    if ty == FieldType::Tags {
        "tag".into()
    } else {
        key.to_string()
    }
}

/// Reads a list's parameters for kind `K` (custom fields `defs`) into a store query.
pub fn parse<K: RecordKind>(
    backend: DbBackend,
    defs: &[CustomDef],
    pairs: &[(String, String)],
    default_limit: u64,
    max_limit: u64,
) -> Result<ListSpec, FieldErrors> {
    let kind: &Kind = K::KIND;
    let a = kind.alias;
    let mut e = FieldErrors::new();
    let mut q = ListQuery {
        limit: default_limit,
        ..Default::default()
    };
    let mut filters = BTreeMap::new();
    let mut sort_raw = String::new();
    let (mut created, mut from, mut to) = (String::new(), String::new(), String::new());
    let (mut cursor, mut before, mut limit) = (String::new(), String::new(), String::new());
    for (key, raw) in pairs {
        let value = raw.trim();
        match key.as_str() {
            "q" => {
                if value.chars().count() > 200 {
                    e.add_with("q", "too_long", 200);
                } else {
                    search_text(&mut q, value);
                    if !value.is_empty() {
                        filters.insert("q".into(), value.to_string());
                    }
                }
                continue;
            }
            "sort" => sort_raw = value.to_string(),
            "limit" => limit = value.to_string(),
            "cursor" => cursor = value.to_string(),
            "before" => before = value.to_string(),
            "created" => created = value.to_string(),
            "created_from" => from = value.to_string(),
            "created_to" => to = value.to_string(),
            "archived" => {
                q.archived = truthy(value);
                if q.archived {
                    filters.insert("archived".into(), "1".into());
                }
            }
            _ => {}
        }
        if value.is_empty() {
            continue;
        }
        if K::list_param(key, value, &mut q, &mut e).is_some() {
            filters.insert(key.clone(), value.to_string());
            continue;
        }
        // Related records: `has.quotes=issue_date>=-6m` (a quote of this record in the last six
        // months), `none.quotes=status=accepted,issue_date>=-6m` (and none accepted then).
        if let Some((exists, rel)) = related_param(key) {
            match related_filter(kind, rel, value, exists) {
                Ok(cond) => {
                    q.conds.push(cond);
                    filters.insert(key.clone(), value.to_string());
                }
                Err(code) => e.add(key, code),
            }
            continue;
        }
        if let Some(ckey) = key.strip_prefix("custom.") {
            match defs.iter().find(|d| d.key == ckey && custom_filter_ready(d)) {
                Some(d) => {
                    if custom_filter(backend, kind, d, value, &mut q) {
                        filters.insert(key.clone(), value.to_string());
                    } else {
                        e.add(key, "invalid_choice");
                    }
                }
                None => e.add(key, "not_filterable"),
            }
            continue;
        }
        let Some(f) = kind
            .fields
            .iter()
            .find(|f| f.filter && filter_param(f.key, f.ty) == *key)
        else {
            continue;
        };
        let ok = match f.ty {
            FieldType::Tags => {
                q.conds.push((
                    format!(
                        "{a}.id IN (SELECT {} FROM {} WHERE tag_key = ?)",
                        kind.tag_key, kind.tag_table
                    ),
                    vec![fold(value).into()],
                ));
                true
            }
            FieldType::Choice => {
                let ok = f.options.contains(&value);
                if ok {
                    q.conds.push((format!("{a}.{} = ?", f.key), vec![value.into()]));
                }
                ok
            }
            FieldType::User | FieldType::Reference => match value.parse::<i64>() {
                Ok(id) => {
                    q.conds.push((format!("{a}.{} = ?", f.key), vec![id.into()]));
                    true
                }
                Err(_) => {
                    e.add(key, "invalid_number");
                    filters.remove(key);
                    continue;
                }
            },
            FieldType::Bool => {
                q.conds.push((format!("{a}.{} = ?", f.key), vec![truthy(value).into()]));
                true
            }
            _ if f.storage == Storage::Column => {
                q.conds.push((format!("{a}.{} = ?", f.key), vec![value.into()]));
                true
            }
            _ => false,
        };
        if ok {
            filters.insert(key.clone(), value.to_string());
        } else {
            e.add(key, "invalid_choice");
        }
    }
    created_range(&mut e, &mut q, &mut filters, a, &created, &from, &to);
    let sort = read_sort::<K>(backend, defs, &sort_raw, &mut q, &mut e);
    if !sort_raw.is_empty() {
        filters.insert("sort".into(), sort_raw.clone());
    }
    if !limit.is_empty() {
        match limit.parse::<u64>() {
            Ok(n) if (1..=max_limit).contains(&n) => q.limit = n,
            _ => e.add_with("limit", "invalid_limit", max_limit),
        }
    }
    // A cursor made under one sort means nothing under another.
    let fits = |p: &Position| matches!(p.value, SortValue::Text(_)) == sort.text;
    if !cursor.is_empty() {
        match decode_cursor(&cursor).filter(fits) {
            Some(p) => q.after = Some(p),
            None => e.add("cursor", "invalid_cursor"),
        }
    } else if !before.is_empty() {
        match decode_cursor(&before).filter(fits) {
            Some(p) => q.before = Some(p),
            None => e.add("before", "invalid_cursor"),
        }
    }
    K::list_defaults(pairs, &mut q);
    let filtered = filters.keys().any(|k| k != "sort");
    e.into_result(ListSpec {
        query: q,
        sort,
        filters,
        filtered,
    })
}

/// A condition on records of another kind that point at this one (quotes of a customer): they
/// exist (`exists`) or not, matching `spec` — comma-separated `field=value`, `field>=value`,
/// `field<=value` over the related kind's declared fields, a date or a time also relative to
/// today (`-6m`, `-30d`, `+1y`). Archived related records do not count.
pub fn related_filter(kind: &Kind, rel: &str, spec: &str, exists: bool) -> Result<(String, Vec<Db>), &'static str> {
    let other = kervan_core::kinds::by_key(rel).ok_or("unknown_related")?;
    let link = other
        .fields
        .iter()
        .find(|f| f.ty == FieldType::Reference && f.refers == kind.key)
        .ok_or("unknown_related")?;
    let mut sql = format!("r_.{} = {}.id AND r_.archived_at IS NULL", link.key, kind.alias);
    let mut values: Vec<Db> = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, op, value) = ["<=", ">=", "="]
            .iter()
            .find_map(|op| part.split_once(op).map(|(f, v)| (f.trim(), *op, v.trim())))
            .ok_or("invalid_related")?;
        let f = other
            .field(field)
            .filter(|f| f.storage == Storage::Column && f.ty != FieldType::LongText)
            .ok_or("invalid_related")?;
        let bound: Db = match f.ty {
            FieldType::Date => relative_day(value)
                .or_else(|| chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
                .ok_or("invalid_date")?
                .format("%Y-%m-%d")
                .to_string()
                .into(),
            FieldType::DateTime => relative_day(value)
                .or_else(|| chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
                .map(day_start_ms)
                .ok_or("invalid_date")?
                .into(),
            FieldType::Choice if op == "=" => {
                if !f.options.contains(&value) {
                    return Err("invalid_choice");
                }
                value.to_string().into()
            }
            FieldType::Money => Money::parse(value).map_err(|_| "invalid_money")?.kurus().into(),
            FieldType::User | FieldType::Reference => value.parse::<i64>().map_err(|_| "invalid_number")?.into(),
            FieldType::Text if op == "=" => value.to_string().into(),
            _ => return Err("invalid_related"),
        };
        sql.push_str(&format!(" AND r_.{} {op} ?", f.key));
        values.push(bound);
    }
    let not = if exists { "" } else { "NOT " };
    Ok((
        format!("{not}EXISTS (SELECT 1 FROM {} r_ WHERE {sql})", other.table),
        values,
    ))
}

/// A related-record parameter: `has.KIND` (`true`, KIND) or `none.KIND` (`false`, KIND).
pub fn related_param(key: &str) -> Option<(bool, &str)> {
    key.strip_prefix("has.")
        .map(|r| (true, r))
        .or_else(|| key.strip_prefix("none.").map(|r| (false, r)))
}

/// `-6m`, `+1y`, `30d` as (sign, count, unit `d`/`m`/`y`); `None` for anything else.
pub fn relative_parts(s: &str) -> Option<(i64, i64, char)> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1i64, &s[1..]),
        b'+' => (1, &s[1..]),
        b'0'..=b'9' => (1, s),
        _ => return None,
    };
    let unit = rest.chars().last().filter(|u| matches!(u, 'd' | 'm' | 'y'))?;
    let n: i64 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
    (n <= 1200).then_some((sign, n, unit))
}

/// `-6m`, `-30d`, `+1y`, `0d`: a day relative to today (Istanbul).
fn relative_day(s: &str) -> Option<chrono::NaiveDate> {
    use chrono::Months;
    let (sign, n, unit) = relative_parts(s)?;
    let today = today_local(now_ms());
    let months = |m: i64| {
        let m = Months::new(u32::try_from(m.abs()).ok()?);
        if sign < 0 {
            today.checked_sub_months(m)
        } else {
            today.checked_add_months(m)
        }
    };
    match unit {
        'd' => today.checked_add_signed(chrono::Duration::days(sign * n)),
        'm' => months(n),
        'y' => months(n * 12),
        _ => None,
    }
}

fn created_range(
    e: &mut FieldErrors,
    q: &mut ListQuery,
    filters: &mut BTreeMap<String, String>,
    a: &str,
    created: &str,
    from: &str,
    to: &str,
) {
    let now = now_ms();
    let mut lower = None;
    match created {
        "" | "custom" => {}
        "today" => lower = Some(day_start_ms(today_local(now))),
        "7d" => lower = Some(now - 7 * 86_400_000),
        "month" => lower = Some(day_start_ms(month_start_local(now))),
        _ => e.add("created", "invalid_choice"),
    }
    if !created.is_empty() {
        filters.insert("created".into(), created.to_string());
    }
    let mut upper = None;
    if created.is_empty() || created == "custom" {
        if !from.is_empty() {
            match parse_date(from) {
                Some(d) => {
                    lower = Some(day_start_ms(d));
                    filters.insert("created_from".into(), from.to_string());
                }
                None => e.add("created_from", "invalid_date"),
            }
        }
        if !to.is_empty() {
            match parse_date(to).and_then(|d| d.succ_opt()) {
                Some(d) => {
                    upper = Some(day_start_ms(d));
                    filters.insert("created_to".into(), to.to_string());
                }
                None => e.add("created_to", "invalid_date"),
            }
        }
    }
    if let Some(l) = lower {
        q.conds.push((format!("{a}.created_at >= ?"), vec![l.into()]));
    }
    if let Some(u) = upper {
        q.conds.push((format!("{a}.created_at < ?"), vec![u.into()]));
    }
}

fn custom_filter(backend: DbBackend, kind: &Kind, d: &CustomDef, value: &str, q: &mut ListQuery) -> bool {
    let a = kind.alias;
    if matches!(d.ty, FieldType::MultiChoice | FieldType::User) {
        let ok = match d.ty {
            FieldType::User => value.parse::<i64>().is_ok(),
            _ => d.options.iter().any(|o| o.key == value),
        };
        if ok {
            q.conds.push((
                format!("{a}.id IN (SELECT record_id FROM custom_multi WHERE kind = ? AND key = ? AND value = ?)"),
                vec![kind.key.into(), d.key.clone().into(), value.into()],
            ));
        }
        return ok;
    }
    let Some(expr) = custom_key_expr(backend, a, d) else {
        return false;
    };
    let bound: Option<Db> = match d.ty {
        FieldType::Choice => d.options.iter().any(|o| o.key == value).then(|| value.into()),
        FieldType::Money => Money::parse(value).ok().map(|m| m.kurus().into()),
        FieldType::Number => Num::parse(value).map(|n| n.get().into()),
        FieldType::Bool => Some(truthy(value).into()),
        FieldType::Date => parse_date(value).map(|d| d.format("%Y-%m-%d").to_string().into()),
        _ => Some(value.into()),
    };
    match bound {
        Some(v) => {
            q.conds.push((format!("{expr} = ?"), vec![v]));
            true
        }
        None => false,
    }
}

fn read_sort<K: RecordKind>(
    backend: DbBackend,
    defs: &[CustomDef],
    raw: &str,
    q: &mut ListQuery,
    e: &mut FieldErrors,
) -> SortPick {
    let kind = K::KIND;
    let pick = |raw: &str| -> Option<(SortPick, Option<String>)> {
        let (desc, key) = match raw.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, raw),
        };
        if let Some(s) = kind.sort(key) {
            let col = s.column.map(|c| format!("{}.{c}", kind.alias));
            return Some((
                SortPick {
                    key: key.to_string(),
                    desc,
                    text: s.text,
                },
                col,
            ));
        }
        let ckey = key.strip_prefix("custom.")?;
        let d = defs
            .iter()
            .find(|d| d.key == ckey && custom_sortable(d) && d.index_state == "ready")?;
        let expr = custom_key_expr(backend, kind.alias, d)?;
        Some((
            SortPick {
                key: key.to_string(),
                desc,
                text: d.ty != FieldType::Money,
            },
            Some(expr),
        ))
    };
    let chosen = if raw.is_empty() {
        None
    } else {
        let p = pick(raw);
        if p.is_none() {
            e.add("sort", "invalid_choice");
        }
        p
    };
    let (sort, col) = chosen.or_else(|| pick(kind.default_sort)).unwrap_or((
        SortPick {
            key: "created_at".into(),
            desc: true,
            text: false,
        },
        None,
    ));
    q.sort = col;
    q.desc = sort.desc;
    sort
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
    fn typed_text_becomes_terms_or_a_phone() {
        let mut q = ListQuery::default();
        search_text(&mut q, "Şükrü IŞIK");
        assert_eq!(q.terms, vec!["sukru", "isik"]);
        let mut q = ListQuery::default();
        search_text(&mut q, "0532 123 45 67");
        assert_eq!(q.phone.as_deref(), Some("+905321234567"));
        let mut q = ListQuery::default();
        search_text(&mut q, "4567");
        assert_eq!(q.terms, vec!["4567"]);
    }
}

/// Whose records a personal page shows (Görevlerim, the calendar).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Whose {
    Mine,
    /// One person's (a manager looking at a team member; visibility still applies).
    Of(i64),
    /// Everyone's the actor may see (a manager: the team).
    Team,
    /// The people of one team (an admin looking at a team; visibility still applies).
    InTeam(i64),
}

/// The owners a personal page filters by (`None`: everyone the actor sees), among the people
/// the actor may give `module`'s records to; someone outside them is `NotFound`.
pub async fn owners(
    app: &crate::App,
    actor: &crate::Actor,
    whose: Whose,
    module: kervan_core::permissions::Module,
) -> crate::error::Result<Option<Vec<i64>>> {
    Ok(match whose {
        Whose::Mine => Some(vec![actor.user_id]),
        Whose::Of(id) => {
            let people = crate::users::assignable_in(app, actor, module).await?;
            if !people.iter().any(|u| u.id == id) {
                return Err(crate::error::AppError::NotFound);
            }
            Some(vec![id])
        }
        Whose::Team => {
            let people = crate::users::assignable_in(app, actor, module).await?;
            Some(people.iter().map(|u| u.id).collect())
        }
        Whose::InTeam(team) => {
            let people = crate::users::assignable_in(app, actor, module).await?;
            let ids: Vec<i64> = people
                .iter()
                .filter(|u| u.team_id == Some(team))
                .map(|u| u.id)
                .collect();
            if ids.is_empty() {
                return Err(crate::error::AppError::NotFound);
            }
            Some(ids)
        }
    })
}

/// Every record of `K` matching a list's parameters, a page at a time in the list's own keyset
/// order (an export, a bulk change's set): memory stays that of one page however long the list.
pub struct Pages<K> {
    params: Vec<(String, String)>,
    live: Vec<CustomDef>,
    size: u64,
    done: bool,
    _kind: std::marker::PhantomData<K>,
}

impl<K: RecordKind> Pages<K> {
    pub fn new(defs: &[CustomDef], params: &[(String, String)], size: u64) -> Pages<K> {
        let mut params: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "cursor" | "before" | "limit"))
            .cloned()
            .collect();
        params.push(("limit".into(), size.to_string()));
        Pages {
            params,
            live: defs.iter().filter(|d| d.active).cloned().collect(),
            size,
            done: false,
            _kind: std::marker::PhantomData,
        }
    }

    /// The next page the actor may reach for `action`; `None` after the last.
    pub async fn next(
        &mut self,
        app: &crate::App,
        actor: &crate::Actor,
        defs: &[CustomDef],
        action: kervan_core::permissions::Action,
    ) -> crate::error::Result<Option<Vec<crate::records::Record>>> {
        if self.done {
            return Ok(None);
        }
        let backend = app.db.conn.get_database_backend();
        let ls = parse::<K>(backend, &self.live, &self.params, self.size, self.size)
            .map_err(crate::error::AppError::Validation)?;
        let page = crate::records::list_for(app, actor, K::KIND, defs, &ls.query, action).await?;
        match page.records.last() {
            Some(last) if page.has_next => {
                let cursor = encode_cursor(&last.position(&ls.sort));
                self.params.retain(|(k, _)| k != "cursor");
                self.params.push(("cursor".into(), cursor));
            }
            _ => self.done = true,
        }
        Ok(Some(page.records))
    }
}
