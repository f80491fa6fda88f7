//! İçe aktarma: the import wizard of every importable list (upload → mapping and preview →
//! progress → report, assignment, first calls, undo). The work is [`kervan_app::imports`]'s;
//! this module gives it words and pages.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::AppError;
use kervan_app::imports::{self as app_imports, Assign, Changes, FULL_NAME, Policy, PreviewRow, Words};
use kervan_core::permissions::Action;
use kervan_core::record::{FieldType, Kind};
use kervan_core::{FieldError, kinds};

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::{I18n, Lang};
use crate::kit::form::Posted;
use crate::layout::Shell;
use crate::redirect::see_other;

/// The page uploads stream to (outside the ordinary body limit; see [`crate::files::streaming`]).
pub const UPLOAD_PREFIX: &str = "/imports/upload/";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list_page))
        .route("/imports/{id}", get(run_page))
        .route("/imports/{id}/progress", get(progress))
        .route("/imports/{id}/configure", post(configure))
        .route("/imports/{id}/undo", post(undo))
        .route("/imports/{id}/assign", post(assign))
        .route("/imports/{id}/tasks", post(first_calls))
        .route("/imports/{id}/rejected.xlsx", get(rejected))
}

/// The words people use for a kind's fields and choices, in every language Kervan speaks: what
/// the importer recognises in headers and cells.
pub fn words(kind: &Kind) -> Words {
    let langs = [I18n::new(Lang::Tr), I18n::new(Lang::En)];
    let mut w = Words::default();
    for f in kind.writable() {
        let labels: Vec<String> = langs
            .iter()
            .map(|t| t.t(&kind.label_id(f.key)))
            .filter(|l| !l.contains("-field-"))
            .collect();
        w.fields.push((f.key.to_string(), labels));
        if f.ty == FieldType::Choice {
            let mut opts = Vec::new();
            for o in f.options {
                for t in &langs {
                    let label = t.t(&kind.option_id(f.key, o));
                    if label != kind.option_id(f.key, o) {
                        opts.push((label, o.to_string()));
                    }
                }
            }
            w.options.push((f.key.to_string(), opts));
        }
    }
    w
}

/// A field a column may fill, for the mapping select.
struct Target {
    path: String,
    label: String,
}

fn targets(t: &I18n, kind: &Kind, defs: &[kervan_core::record::CustomDef]) -> Vec<Target> {
    app_imports::mappable(kind, defs)
        .into_iter()
        .map(|path| {
            let label = if path == FULL_NAME {
                t.t("import-full-name")
            } else if let Some(k) = path.strip_prefix("custom.") {
                defs.iter()
                    .find(|d| d.key == k)
                    .map_or(k.to_string(), |d| d.label.clone())
            } else {
                t.t(&kind.label_id(&path))
            };
            Target { path, label }
        })
        .collect()
}

struct RunLine {
    id: i64,
    kind_label: String,
    file_name: String,
    status: String,
    status_key: String,
    when: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "imports/list.html")]
struct ListPage {
    shell: Shell,
    kinds: Vec<(&'static str, String)>,
    chosen: String,
    error: Option<String>,
    max_mb: u64,
    runs: Vec<RunLine>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    kind: String,
}

/// The kinds the actor may import.
fn importable(session: &Session) -> Vec<(&'static str, String)> {
    app_imports::KINDS
        .iter()
        .filter_map(|k| kinds::by_key(k))
        .filter(|k| session.actor.can(k.module, Action::Import))
        .map(|k| (k.key, session.t.t(&format!("module-{}", k.key))))
        .collect()
}

fn summary(t: &I18n, r: &kervan_store::runs::RunRow) -> String {
    t.t_nums(
        "import-summary",
        &[
            ("created", r.created),
            ("updated", r.updated),
            ("skipped", r.skipped),
            ("rejected", r.rejected),
        ],
    )
}

async fn list_view(
    state: &AppState,
    session: &Session,
    chosen: &str,
    error: Option<String>,
) -> Result<ListPage, PageError> {
    let t = session.t;
    let kinds = importable(session);
    if kinds.is_empty() {
        return Err(PageError::Forbidden {
            module: kervan_core::permissions::Module::Leads,
            action: Action::Import,
        });
    }
    let runs = app_imports::recent(&state.app, &session.actor, 30)
        .await?
        .into_iter()
        .map(|r| RunLine {
            id: r.row.id,
            kind_label: t.t(&format!("module-{}", r.row.kind)),
            file_name: r.row.file_name.clone().unwrap_or_default(),
            status: t.t(&format!("import-status-{}", r.row.status)),
            status_key: r.row.status.clone(),
            when: t.datetime(r.row.created_at),
            summary: summary(&t, &r.row),
        })
        .collect();
    Ok(ListPage {
        shell: session.shell(t.t("import-title")),
        chosen: if chosen.is_empty() {
            "leads".into()
        } else {
            chosen.to_string()
        },
        kinds,
        error,
        max_mb: state.app.config.max_import_bytes / (1024 * 1024),
        runs,
    })
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    Ok(html(&list_view(&state, &session, &q.kind, None).await?)?.into_response())
}

/// `POST /imports/upload/{kind}`: the file, streamed within the import limit.
pub async fn upload(
    state: AppState,
    session: Session,
    pending: Option<String>,
    kind: String,
    req: Request,
) -> Result<Response, PageError> {
    let t = session.t;
    let max = state.app.config.max_import_bytes;
    let refused = |code: &str, arg: Option<String>| {
        let e = FieldError {
            field: "file".into(),
            code: code.into(),
            arg,
        };
        t.err(&e)
    };
    let got = crate::files::receive_named(&state.app, &session.actor, pending, req, max).await;
    let (name, bytes) = match got {
        Ok(x) => x,
        Err(PageError::TooLarge) => {
            let msg = refused("import_too_large", Some((max / (1024 * 1024)).to_string()));
            let page = list_view(&state, &session, &kind, Some(msg)).await?;
            return Ok((StatusCode::PAYLOAD_TOO_LARGE, html(&page)?).into_response());
        }
        Err(PageError::BadRequest) => {
            let page = list_view(&state, &session, &kind, Some(refused("import_not_spreadsheet", None))).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
        Err(e) => return Err(e),
    };
    let Some(k) = kinds::by_key(&kind) else {
        return Err(PageError::NotFound);
    };
    match app_imports::upload(&state.app, &session.actor, &kind, &name, &bytes, &words(k)).await {
        Ok(id) => Ok(see_other(&format!("/imports/{id}")).into_response()),
        Err(AppError::Validation(e)) => {
            let msg = e.0.iter().map(|x| t.err(x)).collect::<Vec<_>>().join(" ");
            let page = list_view(&state, &session, &kind, Some(msg)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A column of the mapping table.
struct Column {
    index: usize,
    header: String,
    samples: String,
    mapped: String,
}

/// A preview row's cell.
struct Cell {
    text: String,
    problem: String,
}

struct Row {
    row_no: i64,
    cells: Vec<Cell>,
    outcome: &'static str,
    outcome_label: String,
    /// Problems not tied to a column, and why a row is skipped.
    note: String,
}

#[derive(Template)]
#[template(path = "imports/draft.html")]
struct DraftPage {
    shell: Shell,
    id: i64,
    kind_label: String,
    file_name: String,
    total: i64,
    sheets_note: String,
    is_csv: bool,
    encoding: String,
    delimiter: String,
    encodings: Vec<(&'static str, String)>,
    delimiters: Vec<(&'static str, String)>,
    columns: Vec<Column>,
    targets: Vec<Target>,
    policy: &'static str,
    policies: Vec<(&'static str, String)>,
    has_source: bool,
    sources: Vec<(String, String)>,
    source: String,
    source_detail: String,
    owner_id: String,
    owners: Vec<(i64, String)>,
    tags: String,
    counts: kervan_store::runs::Counts,
    rows: Vec<Row>,
    errors: Vec<String>,
    templates: Vec<(i64, String)>,
    confirm: String,
}

#[derive(Template)]
#[template(path = "imports/progress.html")]
struct ProgressPage {
    shell: Shell,
    id: i64,
    file_name: String,
    kind_label: String,
    total: i64,
    processed: i64,
    percent: i64,
    text: String,
}

struct ReportLine {
    row_no: i64,
    outcome: String,
    outcome_label: String,
    text: String,
    link: Option<String>,
}

#[derive(Template)]
#[template(path = "imports/report.html")]
struct ReportPage {
    shell: Shell,
    id: i64,
    kind: String,
    kind_label: String,
    file_name: String,
    status: String,
    status_label: String,
    error: String,
    row: kervan_store::runs::RunRow,
    lines: Vec<ReportLine>,
    more: bool,
    undo: Option<app_imports::UndoReport>,
    can_assign: bool,
    assign_by: String,
    assign_fields: Vec<(&'static str, String)>,
    values: Vec<(String, String, i64)>,
    reps: Vec<(i64, String)>,
    is_leads: bool,
    message: String,
    /// The message tells of a step that did not finish.
    failed: bool,
    task_title: String,
    undo_text: String,
    /// A step running in the background ("Geri alınıyor…").
    busy: Option<String>,
}

#[derive(Deserialize, Default)]
struct RunQuery {
    #[serde(default)]
    by: String,
    #[serde(default)]
    ok: String,
}

fn explain_skip(t: &I18n, reason: &serde_json::Value, kind: &Kind) -> (String, Option<String>) {
    let code = reason.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let field = reason
        .get("field")
        .and_then(|f| f.as_str())
        .map(|f| t.t(&kind.label_id(f)))
        .unwrap_or_default();
    let name = reason.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string();
    let row = reason.get("row").and_then(|n| n.as_i64()).unwrap_or(0).to_string();
    let link = reason
        .get("id")
        .and_then(|i| i.as_i64())
        .filter(|_| code != "duplicate_hidden")
        .map(|i| format!("/{}/{i}", kind.key));
    let text = t.t_args(
        &format!("import-skip-{code}"),
        &[("field", field), ("name", name), ("row", row)],
    );
    (text, link)
}

fn explain_problems(t: &I18n, kind: &Kind, problems: &[FieldError]) -> String {
    problems
        .iter()
        .map(|p| {
            let label = if let Some(k) = p.field.strip_prefix("custom.") {
                k.to_string()
            } else {
                t.t(&kind.label_id(&p.field))
            };
            format!("{label}: {}", t.err(p))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The column a problem of `field` belongs to.
fn column_of(mapping: &[String], field: &str) -> Option<usize> {
    mapping
        .iter()
        .position(|p| p == field || (p == FULL_NAME && (field == "first_name" || field == "last_name")))
}

fn preview_rows(t: &I18n, kind: &Kind, mapping: &[String], rows: Vec<PreviewRow>) -> Vec<Row> {
    rows.into_iter()
        .map(|r| {
            let mut cells: Vec<Cell> = r
                .cells
                .iter()
                .map(|c| Cell {
                    text: c.clone(),
                    problem: String::new(),
                })
                .collect();
            let mut loose = Vec::new();
            for p in &r.problems {
                match column_of(mapping, &p.field).and_then(|i| cells.get_mut(i)) {
                    Some(c) => {
                        if !c.problem.is_empty() {
                            c.problem.push(' ');
                        }
                        c.problem.push_str(&t.err(p));
                    }
                    None => loose.push(p.clone()),
                }
            }
            let mut note = explain_problems(t, kind, &loose);
            if let Some(reason) = &r.reason {
                note = explain_skip(t, reason, kind).0;
            }
            Row {
                row_no: r.row_no,
                cells,
                outcome: r.outcome,
                outcome_label: t.t(&format!("import-outcome-{}", r.outcome)),
                note,
            }
        })
        .collect()
}

async fn run_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<RunQuery>,
) -> Result<Response, PageError> {
    let run = app_imports::get(&state.app, &session.actor, id).await?;
    let page = match run.row.status.as_str() {
        "draft" => html(&draft_view(&state, &session, id, vec![]).await?)?.into_response(),
        "queued" | "running" => html(&progress_view(&session, &run))?.into_response(),
        _ => html(&report_view(&state, &session, &run, &q).await?)?.into_response(),
    };
    Ok(page)
}

fn progress_view(session: &Session, run: &app_imports::Run) -> ProgressPage {
    let t = session.t;
    let total = run.row.total.max(1);
    ProgressPage {
        shell: session.shell(t.t("import-running-title")),
        id: run.row.id,
        file_name: run.row.file_name.clone().unwrap_or_default(),
        kind_label: t.t(&format!("module-{}", run.row.kind)),
        total: run.row.total,
        processed: run.row.processed,
        percent: run.row.processed * 100 / total,
        text: t.t_nums(
            "import-progress",
            &[("processed", run.row.processed), ("total", run.row.total)],
        ),
    }
}

async fn draft_view(state: &AppState, session: &Session, id: i64, errors: Vec<String>) -> Result<DraftPage, PageError> {
    let t = session.t;
    let run = app_imports::get(&state.app, &session.actor, id).await?;
    let kind = kinds::by_key(&run.row.kind).ok_or(PageError::NotFound)?;
    let defs = kervan_app::records::custom_defs(&state.app.db.conn, kind).await?;
    let (preview, errors) = match app_imports::preview(&state.app, &session.actor, id).await {
        Ok(p) => (p, errors),
        Err(AppError::Validation(e)) => {
            let mut errors = errors;
            errors.extend(e.0.iter().map(|x| t.err(x)));
            (app_imports::Preview::default(), errors)
        }
        Err(e) => return Err(e.into()),
    };
    let s = &run.settings;
    let columns = s
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| Column {
            index: i,
            header: if h.is_empty() {
                t.t1("import-column-n", "n", i + 1)
            } else {
                h.clone()
            },
            samples: preview
                .rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .filter(|c| !c.trim().is_empty())
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(" · "),
            mapped: s.mapping.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    let has_source = kind.field("source").is_some();
    let sources = kind
        .field("source")
        .map(|f| {
            f.options
                .iter()
                .map(|o| (o.to_string(), t.t(&kind.option_id("source", o))))
                .collect()
        })
        .unwrap_or_default();
    let owners = if kind.owned {
        kervan_app::users::assignable_in(&state.app, &session.actor, kind.module)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        vec![]
    };
    let templates = app_imports::templates(&state.app, &session.actor, kind.key)
        .await?
        .into_iter()
        .map(|x| (x.id, x.name))
        .collect();
    let v = |k: &str| s.values.get(k).cloned().unwrap_or_default();
    Ok(DraftPage {
        shell: session.shell(t.t("import-map-title")),
        id,
        kind_label: t.t(&format!("module-{}", kind.key)),
        file_name: run.row.file_name.clone().unwrap_or_default(),
        total: run.row.total,
        // Only the first worksheet is read: the others are named, so nobody thinks they went in.
        sheets_note: match s.sheets.split_first() {
            Some((first, rest)) if !rest.is_empty() => t.t_args(
                "import-other-sheets",
                &[("first", first.clone()), ("others", rest.join(", "))],
            ),
            _ => String::new(),
        },
        is_csv: s.format == "csv",
        encoding: s.encoding.clone().unwrap_or_default(),
        delimiter: match s.delimiter.as_deref() {
            Some("\t") => "tab".to_string(),
            Some(d) => d.to_string(),
            None => String::new(),
        },
        encodings: kervan_io::sheet::TextEncoding::ALL
            .iter()
            .map(|e| (e.key(), t.t(&format!("import-encoding-{}", e.key()))))
            .collect(),
        delimiters: vec![
            (";", t.t("import-delimiter-semicolon")),
            (",", t.t("import-delimiter-comma")),
            ("tab", t.t("import-delimiter-tab")),
        ],
        columns,
        targets: targets(&t, kind, &defs),
        policy: s.policy.key(),
        policies: Policy::ALL
            .iter()
            .map(|p| (p.key(), t.t(&format!("import-policy-{}", p.key()))))
            .collect(),
        has_source,
        sources,
        source: v("source"),
        source_detail: v("source_detail"),
        owner_id: v("owner_id"),
        owners,
        tags: v("tags"),
        confirm: t.t_nums(
            "import-confirm",
            &[("created", preview.counts.created), ("updated", preview.counts.updated)],
        ),
        counts: preview.counts,
        rows: preview_rows(&t, kind, &s.mapping, preview.rows),
        errors,
        templates,
    })
}

async fn report_view(
    state: &AppState,
    session: &Session,
    run: &app_imports::Run,
    q: &RunQuery,
) -> Result<ReportPage, PageError> {
    let t = session.t;
    let kind = kinds::by_key(&run.row.kind).ok_or(PageError::NotFound)?;
    let items = app_imports::report_rows(
        &state.app,
        &session.actor,
        run.row.id,
        &["skipped", "rejected"],
        i64::MIN,
        501,
    )
    .await?;
    let more = items.len() > 500;
    let lines = items
        .into_iter()
        .take(500)
        .map(|it| {
            let (text, link) = match it.outcome.as_str() {
                "rejected" => {
                    let problems: Vec<FieldError> = it
                        .reason
                        .as_deref()
                        .and_then(|r| serde_json::from_str(r).ok())
                        .unwrap_or_default();
                    (explain_problems(&t, kind, &problems), None)
                }
                _ => {
                    let reason: serde_json::Value = it
                        .reason
                        .as_deref()
                        .and_then(|r| serde_json::from_str(r).ok())
                        .unwrap_or_default();
                    explain_skip(&t, &reason, kind)
                }
            };
            ReportLine {
                row_no: it.row_no,
                outcome_label: t.t(&format!("import-result-{}", it.outcome)),
                outcome: it.outcome,
                text,
                link,
            }
        })
        .collect();
    let mut assign_fields: Vec<(&'static str, String)> = ["city", "sector"]
        .into_iter()
        .filter(|f| kind.field(f).is_some())
        .map(|f| (f, t.t(&kind.label_id(f))))
        .collect();
    if kind.field("city").is_some() {
        assign_fields.insert(1, (app_imports::REGION, t.t("import-assign-by-region")));
    }
    let by = if assign_fields.iter().any(|(f, _)| *f == q.by) {
        q.by.clone()
    } else {
        assign_fields.first().map(|f| f.0.to_string()).unwrap_or_default()
    };
    let done = run.row.status == "done";
    let can_assign = done && kind.owned && session.actor.can(kind.module, Action::Edit) && run.row.created > 0;
    let values = if can_assign && !by.is_empty() {
        app_imports::created_values(&state.app, &session.actor, run.row.id, &by)
            .await?
            .into_iter()
            .map(|(v, n)| {
                // A region shows its name; the rule keeps its key.
                let shown = if by == app_imports::REGION && !v.is_empty() {
                    t.t(&format!("region-{v}"))
                } else {
                    v.clone()
                };
                (kervan_core::text::fold(&v), shown, n)
            })
            .collect()
    } else {
        vec![]
    };
    let reps = if can_assign {
        kervan_app::users::assignable_in(&state.app, &session.actor, kind.module)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    } else {
        vec![]
    };
    let _ = &q.ok;
    let step: serde_json::Value = run
        .row
        .step_report
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let failed = step["ok"].as_bool() == Some(false);
    let message = match (step["step"].as_str(), step["ok"].as_bool()) {
        (Some(what @ ("assign" | "first_calls")), Some(true)) => t.t_nums(
            if what == "assign" {
                "import-done-assigned"
            } else {
                "import-done-tasks"
            },
            &[
                ("changed", step["changed"].as_i64().unwrap_or(0)),
                ("skipped", step["skipped"].as_i64().unwrap_or(0)),
            ],
        ),
        (Some(_), Some(false)) => {
            let problems: Vec<kervan_core::FieldError> =
                serde_json::from_value(step["problems"].clone()).unwrap_or_default();
            if !problems.is_empty() {
                problems.iter().map(|p| t.err(p)).collect::<Vec<_>>().join(" ")
            } else if step["error"] == "interrupted" {
                t.t("import-step-interrupted")
            } else {
                t.t("import-step-failed")
            }
        }
        _ => String::new(),
    };
    let busy = run.row.step.as_deref().map(|s| t.t(&format!("import-step-{s}")));
    let undo: Option<app_imports::UndoReport> = run
        .row
        .undo_report
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    let undo_text = undo_text(&t, undo.as_ref());
    Ok(ReportPage {
        busy,
        undo_text,
        shell: session.shell(t.t("import-report-title")),
        id: run.row.id,
        kind: kind.key.to_string(),
        kind_label: t.t(&format!("module-{}", kind.key)),
        file_name: run.row.file_name.clone().unwrap_or_default(),
        status: run.row.status.clone(),
        status_label: t.t(&format!("import-status-{}", run.row.status)),
        error: run.row.error.clone().unwrap_or_default(),
        row: run.row.clone(),
        lines,
        more,
        undo,
        can_assign,
        assign_by: by,
        assign_fields,
        values,
        reps,
        is_leads: done && kind.key == "leads" && run.row.created > 0,
        message,
        failed,
        task_title: t.t("import-first-call-title"),
    })
}

/// What an undo did, in words (imports and bulk changes alike).
pub fn undo_text(t: &I18n, undo: Option<&app_imports::UndoReport>) -> String {
    undo.map_or(String::new(), |u| {
        // The records and the tasks made with them, each counted as what it is.
        let key = if u.removed_tasks > 0 {
            "import-undo-summary-tasks"
        } else {
            "import-undo-summary"
        };
        t.t_nums(
            key,
            &[
                ("removed", u.removed - u.removed_tasks),
                ("tasks", u.removed_tasks),
                ("restored", u.restored),
                ("edited", u.edited_since.len() as i64),
            ],
        )
    })
}

/// `GET /imports/{id}/progress`: how far a run is, for the progress bar.
async fn progress(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let run = app_imports::get(&state.app, &session.actor, id).await?;
    let r = &run.row;
    // While a step runs on a finished run, the page's poll sees it as running.
    let status = if r.step.is_some() { "running" } else { r.status.as_str() };
    let body = serde_json::json!({
        "status": status, "step": r.step, "total": r.total, "processed": r.processed, "created": r.created,
        "updated": r.updated, "skipped": r.skipped, "rejected": r.rejected,
    });
    Ok(axum::Json(body).into_response())
}

async fn configure(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let run = app_imports::get(&state.app, &session.actor, id).await?;
    let kind = kinds::by_key(&run.row.kind).ok_or(PageError::NotFound)?;
    let w = words(kind);
    let action = p.one("do");
    let t = session.t;
    if action == "apply_template" {
        let tid: i64 = p.one("template_id").trim().parse().unwrap_or(0);
        app_imports::apply_template(&state.app, &session.actor, id, tid, &w).await?;
        return Ok(see_other(&format!("/imports/{id}")).into_response());
    }
    let mapping: Vec<String> = (0..run.settings.headers.len())
        .map(|i| p.one(&format!("map_{i}")))
        .collect();
    let mut values = std::collections::BTreeMap::new();
    for k in ["source", "source_detail", "owner_id", "tags"] {
        if kind.field(k).is_some() {
            values.insert(k.to_string(), p.one(&format!("value_{k}")));
        }
    }
    let ch = Changes {
        encoding: Some(p.one("encoding")).filter(|e| !e.is_empty() && run.settings.format == "csv"),
        delimiter: Some(p.one("delimiter")).filter(|e| !e.is_empty() && run.settings.format == "csv"),
        mapping: Some(mapping),
        policy: Policy::parse(&p.one("policy")),
        values: Some(values),
    };
    let result = async {
        app_imports::configure(&state.app, &session.actor, id, &ch, &w).await?;
        match action.as_str() {
            "start" => app_imports::start(&state.app, &session.actor, id).await,
            "template" => app_imports::save_template(&state.app, &session.actor, id, &p.one("template_name")).await,
            _ => Ok(()),
        }
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/imports/{id}")).into_response()),
        Err(AppError::Validation(e)) => {
            let errors = e.0.iter().map(|x| t.err(x)).collect();
            let page = draft_view(&state, &session, id, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn undo(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let run = app_imports::get(&state.app, &session.actor, id).await?;
    if run.row.status == "done" {
        let (app, actor) = (state.app.clone(), session.actor.clone());
        let work = async move { Ok(serde_json::json!(app_imports::undo(&app, &actor, id).await?)) };
        match kervan_app::runs::detach(&state.app, id, "undo", work).await {
            Ok(()) | Err(AppError::Validation(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(see_other(&format!("/imports/{id}")).into_response())
}

async fn assign(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let by = p.one("by");
    let mut rules = Vec::new();
    for (k, vs) in &p.0 {
        if let Some(value) = k.strip_prefix("rule:")
            && let Some(uid) = vs.last().and_then(|v| v.trim().parse::<i64>().ok())
        {
            rules.push((value.to_string(), uid));
        }
    }
    let rest: Vec<i64> = p.all("rest").iter().filter_map(|v| v.trim().parse().ok()).collect();
    let a = Assign {
        by: Some(by.clone()).filter(|b| !b.is_empty()),
        rules,
        rest,
    };
    app_imports::get(&state.app, &session.actor, id).await?;
    let (app, actor) = (state.app.clone(), session.actor.clone());
    let work = async move {
        let t = app_imports::assign(&app, &actor, id, &a).await?;
        Ok(serde_json::json!({ "changed": t.changed, "skipped": t.skipped }))
    };
    match kervan_app::runs::detach(&state.app, id, "assign", work).await {
        Ok(()) | Err(AppError::Validation(_)) => Ok(see_other(&format!("/imports/{id}?by={by}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn first_calls(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let days: u32 = p.one("days").trim().parse().unwrap_or(2);
    let title = Some(p.one("title").trim().to_string())
        .filter(|x| !x.is_empty())
        .unwrap_or_else(|| session.t.t("import-first-call-title"));
    app_imports::get(&state.app, &session.actor, id).await?;
    let (app, actor) = (state.app.clone(), session.actor.clone());
    let work = async move {
        let t = app_imports::first_calls(&app, &actor, id, days, &title).await?;
        Ok(serde_json::json!({ "changed": t.changed, "skipped": t.skipped }))
    };
    match kervan_app::runs::detach(&state.app, id, "first_calls", work).await {
        Ok(()) | Err(AppError::Validation(_)) => Ok(see_other(&format!("/imports/{id}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn rejected(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let t = session.t;
    let run = app_imports::get(&state.app, &session.actor, id).await?;
    let kind = kinds::by_key(&run.row.kind).ok_or(PageError::NotFound)?;
    let bytes = app_imports::rejected_xlsx(&state.app, &session.actor, id, &t.t("import-reason-column"), |p| {
        explain_problems(&t, kind, std::slice::from_ref(p))
    })
    .await?;
    let name = format!("hatali-satirlar-{id}.xlsx");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
