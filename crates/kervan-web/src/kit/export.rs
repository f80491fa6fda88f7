//! "Dışa aktar" on every list: the list as it is filtered (a saved view's too) with the columns
//! the person sees or every field, as CSV, XLSX or vCard — queued for the job worker, whose
//! progress and file are at `/exports/{id}`.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use kervan_app::exports::{self, Format, Spec};
use kervan_app::records as app_records;
use kervan_app::views as app_views;
use kervan_core::permissions::Action;
use kervan_core::record::{CustomDef, FieldType};

use super::KitPages;
use super::list::{column_label, shown_columns, with_view};
use crate::AppState;
use crate::auth::Session;
use crate::error::PageError;
use crate::redirect::see_other;
use crate::ui::query_pairs;

/// `GET /{kind}/export?format=csv|xlsx|vcf&columns=visible|all&…the list's parameters`.
pub async fn start<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let kind = K::KIND;
    let t = session.t;
    session.actor.require(kind.module, Action::Export)?;
    let url_pairs = query_pairs(&format!("?{}", raw.unwrap_or_default()));
    let get = |k: &str| {
        url_pairs
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let format = Format::parse(&get("format")).ok_or(PageError::BadRequest)?;
    let all = get("columns") == "all";
    let list_pairs: Vec<(String, String)> = url_pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "format" | "columns" | "cursor" | "before" | "limit" | "ok"))
        .cloned()
        .collect();
    let (_, view, params) = with_view(&state.app, &session.actor, &list_pairs).await?;
    let defs: Vec<CustomDef> = app_records::defs(&state.app, kind).await?.to_vec();
    let live: Vec<CustomDef> = defs.iter().filter(|d| d.active).cloned().collect();
    let columns = if all {
        exports::all_columns(kind, &live)
    } else {
        let chosen = match &view {
            Some(v) if !v.columns.is_empty() => Some(v.columns.clone()),
            _ => app_views::columns(&state.app, &session.actor, kind.key).await?,
        };
        shown_columns(kind, &live, chosen)
    };
    let spec = spec_for(&t, kind, &live, columns, all, format, params);
    let id = exports::start(&state.app, &session.actor, &spec).await?;
    Ok(see_other(&format!("/exports/{id}")).into_response())
}

/// An export's spec in the words of `t`: the headers of `columns` ("all fields" by each field's
/// label, so the file maps back on import), the choices' labels, yes and no.
pub fn spec_for(
    t: &crate::i18n::I18n,
    kind: &'static kervan_core::record::Kind,
    live: &[CustomDef],
    columns: Vec<String>,
    all: bool,
    format: Format,
    params: Vec<(String, String)>,
) -> Spec {
    let headers = columns
        .iter()
        .map(|c| match kind.field(c) {
            Some(_) if all => t.t(&kind.label_id(c)),
            _ => column_label(t, kind, live, c),
        })
        .collect();
    let options = kind
        .fields
        .iter()
        .filter(|f| f.ty == FieldType::Choice)
        .map(|f| {
            let labels = f
                .options
                .iter()
                .map(|o| (o.to_string(), t.t(&kind.option_id(f.key, o))))
                .collect();
            (f.key.to_string(), labels)
        })
        .collect();
    Spec {
        kind: kind.key.to_string(),
        format,
        params,
        columns,
        headers,
        options,
        yes_no: (t.t("value-yes"), t.t("value-no")),
    }
}
