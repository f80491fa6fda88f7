//! The merge screen of any kind that offers one (customers, people): pick the other record
//! (suggested look-alikes or a search), then choose field by field which value the surviving
//! record keeps. A module mounts it with [`routes::<K>()`](routes) and puts a "Birleştir" action
//! on its card.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use kervan_app::records::{self as app_records, Record};
use kervan_app::{AppError, merge as app_merge, registry};
use kervan_core::permissions::Action;
use kervan_core::record::{CustomDef, Storage};

use super::display::{Names, Shown, show, show_custom};
use super::form::Posted;
use super::{KitPages, label, user_names};
use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, field_messages, html};
use crate::layout::Shell;

/// The card's "Birleştir" button: the survivor needs edit rights, and an archived record is not
/// one to merge into.
pub fn action(c: &super::Card) -> Option<super::HeaderAction> {
    c.can_edit().then(|| super::HeaderAction {
        id: "merge".into(),
        label: c.t.t("merge-action"),
        href: format!("{}/merge", c.base()),
        primary: false,
    })
}

pub fn routes<K: KitPages>() -> Router<AppState> {
    let k = K::KIND.key;
    Router::new().route(&format!("/{k}/{{id}}/merge"), get(page::<K>).post(submit::<K>))
}

/// One field on the merge screen.
pub struct Row {
    /// The field key (`custom.KEY` for a custom field); the pick is posted as `pick_<key>`.
    key: String,
    label: String,
    /// How the surviving (a) and the merged (b) record show it.
    a: Shown,
    b: Shown,
    /// The values differ and both are set: the person picks.
    choice: bool,
    /// Which side is picked now (`a` or `b`).
    pick: String,
}

/// A candidate to merge with.
pub struct Candidate {
    id: i64,
    name: String,
    why: String,
}

#[derive(Template)]
#[template(path = "merge/merge.html")]
struct MergePage {
    shell: Shell,
    /// The URL prefix (`accounts`, `contacts`).
    kind: &'static str,
    id: i64,
    name: String,
    /// Step one: choose the other record.
    candidates: Vec<Candidate>,
    q: String,
    searched: bool,
    /// Step two: the other record and the fields.
    other: Option<(i64, String)>,
    version: i64,
    other_version: i64,
    rows: Vec<Row>,
    /// What moves with the merge, as sentences.
    moves: Vec<String>,
    errors: Vec<(String, String)>,
    conflict: bool,
}

#[derive(Deserialize, Default)]
struct MergeQuery {
    #[serde(default)]
    with: Option<i64>,
    #[serde(default)]
    q: Option<String>,
}

/// Both records' values of every field either has: (key, label, a, b, a's and b's canonical
/// text). Tags are left out (the merge keeps both sides' tags) and so is what no person types.
fn sides(
    s: &Session,
    kind: &'static kervan_core::record::Kind,
    defs: &[CustomDef],
    names: &Names,
    a: &Record,
    b: &Record,
) -> Vec<(String, String, Shown, Shown, bool)> {
    let t = &s.t;
    let mut out = Vec::new();
    for f in kind
        .fields
        .iter()
        .filter(|f| f.writable && f.storage == Storage::Column)
    {
        let (va, vb) = (a.values.get(f.key), b.values.get(f.key));
        if va.is_none() && vb.is_none() {
            continue;
        }
        let shown = |r: &Record, v: Option<&kervan_core::record::Value>| {
            v.map(|v| show(t, kind, f, v, &r.values, &r.ref_names, names))
                .unwrap_or_default()
        };
        out.push((
            f.key.to_string(),
            label(t, kind, f.key),
            shown(a, va),
            shown(b, vb),
            va != vb,
        ));
    }
    for d in defs.iter().filter(|d| d.active) {
        let (va, vb) = (a.custom.get(&d.key), b.custom.get(&d.key));
        if va.is_none() && vb.is_none() {
            continue;
        }
        let shown = |v: Option<&kervan_core::record::Value>| v.map(|v| show_custom(t, d, v, names)).unwrap_or_default();
        out.push((d.path(), d.label.clone(), shown(va), shown(vb), va != vb));
    }
    out
}

/// The comparison rows. By default the survivor keeps its value and fills its gaps from the
/// other record; `picks` are what the person chose.
fn rows(sides: Vec<(String, String, Shown, Shown, bool)>, picks: &HashMap<String, String>) -> Vec<Row> {
    sides
        .into_iter()
        .map(|(key, label, a, b, differ)| {
            let default = if a.is_empty() { "b" } else { "a" };
            let pick = picks
                .get(&key)
                .filter(|p| *p == "a" || *p == "b")
                .cloned()
                .unwrap_or_else(|| default.to_string());
            let choice = differ && !a.is_empty() && !b.is_empty();
            Row {
                key,
                label,
                a,
                b,
                choice,
                pick,
            }
        })
        .collect()
}

/// What moves with the merged record: what points at it, counted.
async fn moves(state: &AppState, s: &Session, kind: &str, id: i64) -> Result<Vec<String>, PageError> {
    let t = &s.t;
    let mut out = Vec::new();
    for (what, field, n) in registry::links_to(&state.app, kind, id).await? {
        let name = match kervan_core::kinds::by_key(what) {
            Some(k) => format!("{} ({})", t.t(&format!("{}-title", k.key)), label(t, k, field)),
            None => t.t(&format!("merge-link-{what}")),
        };
        out.push(t.t_args("merge-moves-count", &[("what", name), ("n", n.to_string())]));
    }
    out.push(t.t("merge-moves-rest"));
    Ok(out)
}

/// What the screen shows besides the two records: the picks, and an error or conflict to explain.
#[derive(Default)]
struct Outcome {
    picks: HashMap<String, String>,
    errors: Vec<(String, String)>,
    conflict: bool,
}

async fn view<K: KitPages>(
    state: &AppState,
    session: &Session,
    id: i64,
    q: MergeQuery,
    out: Outcome,
) -> Result<MergePage, PageError> {
    let t = session.t;
    let (app, actor, kind) = (&state.app, &session.actor, K::KIND);
    let a = app_records::get::<K>(app, actor, id).await?;
    let name = K::name(&a.values);
    let mut page = MergePage {
        shell: session.shell(t.t1("merge-title", "name", name.clone())),
        kind: kind.key,
        id,
        name,
        candidates: vec![],
        q: q.q.clone().unwrap_or_default(),
        searched: false,
        other: None,
        version: a.version,
        other_version: 0,
        rows: vec![],
        moves: vec![],
        errors: out.errors,
        conflict: out.conflict,
    };
    match q.with.filter(|w| *w != id) {
        Some(w) => {
            let b = app_records::get::<K>(app, actor, w).await?;
            let defs = app_records::defs(app, kind).await?;
            let names = user_names(state).await?;
            page.rows = rows(sides(session, kind, &defs, &names, &a, &b), &out.picks);
            page.moves = moves(state, session, kind.key, w).await?;
            page.other = Some((w, K::name(&b.values)));
            page.other_version = b.version;
        }
        None => {
            page.candidates = app_merge::similar::<K>(app, actor, id)
                .await?
                .iter()
                .map(|d| Candidate {
                    id: d.id,
                    name: d.name.clone(),
                    why: t.t(&format!("convert-match-{}", d.field)),
                })
                .collect();
            if let Some(text) = q.q.filter(|s| !s.trim().is_empty()) {
                page.searched = true;
                for (hit, name) in registry::find_by_name(app, actor, kind.key, &text, 20).await? {
                    if hit != id && !page.candidates.iter().any(|c| c.id == hit) {
                        page.candidates.push(Candidate {
                            id: hit,
                            name,
                            why: String::new(),
                        });
                    }
                }
            }
        }
    }
    Ok(page)
}

async fn page<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<MergeQuery>,
) -> Result<Response, PageError> {
    session.actor.require(K::KIND.module, Action::Edit)?;
    Ok(html(&view::<K>(&state, &session, id, q, Outcome::default()).await?)?.into_response())
}

/// The posted form: `with`, `version`, `other_version` and a `pick_<key>` (`a`/`b`) per field.
async fn submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let posted = Posted::parse(&body)?;
    let num = |k: &str| -> Result<i64, PageError> { posted.one(k).trim().parse().map_err(|_| PageError::BadRequest) };
    let (with, version, other_version) = (num("with")?, num("version")?, num("other_version")?);
    let picks: HashMap<String, String> = posted
        .0
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("pick_")?.to_string(), v.first()?.clone())))
        .collect();
    let (app, actor) = (&state.app, &session.actor);
    let a = app_records::get::<K>(app, actor, id).await?;
    let b = app_records::get::<K>(app, actor, with).await?;
    let defs = app_records::defs(app, K::KIND).await?;
    // The fields taken from the merged record: the ones picked, and the survivor's gaps.
    let take: Vec<String> = rows(sides(&session, K::KIND, &defs, &Names::new(), &a, &b), &picks)
        .into_iter()
        .filter(|r| r.pick == "b")
        .map(|r| r.key)
        .collect();
    let again = |out: Outcome| {
        let q = MergeQuery {
            with: Some(with),
            q: None,
        };
        view::<K>(&state, &session, id, q, out)
    };
    match app_records::merge::<K>(
        app,
        actor,
        (id, version),
        (with, other_version),
        &take,
        &Default::default(),
    )
    .await
    {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/{}/{id}?ok=merged", K::KIND.key)).into_response()),
        Err(AppError::Validation(e)) => {
            let out = Outcome {
                errors: field_messages(&session.t, &e),
                picks,
                conflict: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&again(out).await?)?).into_response())
        }
        Err(AppError::Conflict { .. }) => {
            let out = Outcome {
                picks,
                conflict: true,
                ..Default::default()
            };
            Ok((StatusCode::CONFLICT, html(&again(out).await?)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
