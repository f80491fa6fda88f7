//! Takvim: month, week and day views of tasks and meetings — mine, a team member's or the whole
//! team's —, a click on a day to plan something there, dragging an item to another day (our own
//! script; without it every item opens its form), an agenda list on a phone; the private
//! iCalendar feed and its settings page; and `GET /api/v1/calendar`.

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use kervan_app::AppError;
use kervan_app::calendar::{self as app_cal, Item};
use kervan_app::lists::Whose;
use kervan_app::users as app_users;
use kervan_core::ical;
use kervan_core::permissions::{Action, Module};
use kervan_core::record::Value;
use kervan_core::time::{day_start_ms, now_ms, parse_calendar_date as parse_date, today_local};

use crate::AppState;
use crate::api::{ApiError, ApiUser};
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::{I18n, Lang};
use crate::layout::Shell;
use crate::redirect::see_other;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(page))
        .route("/calendar/move", post(move_submit))
        .route("/calendar/{file}", get(feed))
        .route("/account/calendar", get(feed_page))
        .route("/account/calendar/renew", post(feed_renew))
        .route("/account/calendar/revoke", post(feed_revoke))
}

pub fn api_routes() -> Router<AppState> {
    Router::new().route("/api/v1/calendar", get(api_list))
}

/// Most items one view shows (a month of a team of twenty is about 2,000).
const LIMIT: u64 = 3000;
/// Items a month cell lists before "+N daha".
const CELL: usize = 4;

/// One item as a view shows it.
struct Entry {
    kind: &'static str,
    id: i64,
    version: i64,
    /// `task`, `meeting`, `visit`: the colour.
    look: String,
    time: String,
    title: String,
    href: String,
    done: bool,
    owner: Option<String>,
    can_move: bool,
}

struct Day {
    date: String,
    number: u32,
    label: String,
    today: bool,
    /// Outside the month shown (the grid's leading and trailing days).
    other: bool,
    entries: Vec<Entry>,
    more: usize,
    new_task: Option<String>,
}

#[derive(Template)]
#[template(path = "calendar/page.html")]
struct Page {
    shell: Shell,
    view: String,
    heading: String,
    prev: String,
    next: String,
    today_href: String,
    views: Vec<(String, String, bool)>,
    weekdays: Vec<String>,
    /// Weeks of days (month), or one week, or one day.
    weeks: Vec<Vec<Day>>,
    whose: String,
    people: Vec<(String, String, bool)>,
    /// Teams an admin may look at: (value, name, selected).
    teams: Vec<(String, String, bool)>,
    more: bool,
    empty: bool,
    new_meeting: Option<String>,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    whose: String,
    #[serde(default)]
    ok: Option<String>,
}

fn month_name(t: &I18n, d: NaiveDate) -> String {
    t.t(&format!("month-{}", d.month()))
}

/// The first and last (exclusive) day a view covers, and the days it shows.
fn span(view: &str, d: NaiveDate) -> (NaiveDate, NaiveDate) {
    match view {
        "day" => (d, d + Days::new(1)),
        "week" => {
            let start = d - Days::new(d.weekday().num_days_from_monday() as u64);
            (start, start + Days::new(7))
        }
        _ => {
            let first = d.with_day(1).unwrap_or(d);
            let start = first - Days::new(first.weekday().num_days_from_monday() as u64);
            let next_month = first + Months::new(1);
            let mut end = next_month + Days::new((7 - next_month.weekday().num_days_from_monday() as u64) % 7);
            if end <= start {
                end = start + Days::new(42);
            }
            (start, end)
        }
    }
}

fn step(view: &str, d: NaiveDate, forward: bool) -> NaiveDate {
    let r = match (view, forward) {
        ("day", true) => d.checked_add_days(Days::new(1)),
        ("day", false) => d.checked_sub_days(Days::new(1)),
        ("week", true) => d.checked_add_days(Days::new(7)),
        ("week", false) => d.checked_sub_days(Days::new(7)),
        (_, true) => d.with_day(1).and_then(|x| x.checked_add_months(Months::new(1))),
        (_, false) => d.with_day(1).and_then(|x| x.checked_sub_months(Months::new(1))),
    };
    r.unwrap_or(d)
}

fn entry(t: &I18n, session: &Session, i: &Item, show_owner: bool) -> Entry {
    let r = &i.record;
    let look = if i.kind.timeline.is_some() {
        r.text("kind").unwrap_or("meeting").to_string()
    } else {
        "task".into()
    };
    let done = matches!(r.text(i.kind.status), Some("done") | Some("held"));
    Entry {
        kind: i.kind.key,
        id: r.id,
        version: r.version,
        look,
        time: if i.all_day {
            t.t("calendar-all-day")
        } else {
            t.time(i.at)
        },
        title: (i.kind.name_of)(&r.values),
        href: format!("/{}/{}", i.kind.key, r.id),
        done,
        owner: show_owner.then(|| r.owner_name.clone()).flatten(),
        can_move: session.actor.can(i.kind.module, Action::Edit),
    }
}

async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let t = session.t;
    let actor = &session.actor;
    actor.require(Module::Tasks, Action::View)?;
    let view = match q.view.as_str() {
        "week" | "day" => q.view.clone(),
        _ => "month".to_string(),
    };
    let today = today_local(now_ms());
    let date = parse_date(&q.date).unwrap_or(today);
    let whose = crate::ui::whose_of(q.whose.trim(), actor.user_id);
    let (start, end) = span(&view, date);
    let (items, more) = app_cal::items(&state.app, actor, whose, day_start_ms(start), day_start_ms(end), LIMIT).await?;
    let show_owner = matches!(whose, Whose::Team | Whose::InTeam(_));
    let can_task = actor.can(Module::Tasks, Action::Create);
    let mut days: Vec<Day> = Vec::new();
    let mut d = start;
    while d < end {
        let (from, to) = (day_start_ms(d), day_start_ms(d + Days::new(1)));
        let all: Vec<Entry> = items
            .iter()
            .filter(|i| i.at >= from && i.at < to)
            .map(|i| entry(&t, &session, i, show_owner))
            .collect();
        let cap = if view == "month" { CELL } else { usize::MAX };
        let more = all.len().saturating_sub(cap);
        let iso = d.format("%Y-%m-%d").to_string();
        days.push(Day {
            label: format!(
                "{} {} {}",
                d.day(),
                month_name(&t, d),
                t.t(&format!("weekday-{}", d.weekday().number_from_monday()))
            ),
            number: d.day(),
            today: d == today,
            other: view == "month" && d.month() != date.month(),
            entries: all.into_iter().take(cap).collect(),
            more,
            new_task: can_task.then(|| format!("/tasks/new?due_at={iso}T10:00")),
            date: iso,
        });
        d = d + Days::new(1);
    }
    let weeks: Vec<Vec<Day>> = if view == "day" {
        vec![days]
    } else {
        let mut w = Vec::new();
        let mut it = days.into_iter().peekable();
        while it.peek().is_some() {
            w.push(it.by_ref().take(7).collect());
        }
        w
    };
    let whose_param = crate::ui::whose_param(whose);
    let link =
        |v: &str, dd: NaiveDate| format!("/calendar?view={v}&date={}&whose={whose_param}", dd.format("%Y-%m-%d"));
    let heading = match view.as_str() {
        "day" => format!(
            "{} {} {}, {}",
            date.day(),
            month_name(&t, date),
            date.year(),
            t.t(&format!("weekday-long-{}", date.weekday().number_from_monday()))
        ),
        "week" => {
            let last = start + Days::new(6);
            format!(
                "{} {} – {} {} {}",
                start.day(),
                month_name(&t, start),
                last.day(),
                month_name(&t, last),
                last.year()
            )
        }
        _ => format!("{} {}", month_name(&t, date), date.year()),
    };
    let people: Vec<(String, String, bool)> = app_users::assignable_in(&state.app, actor, Module::Tasks)
        .await?
        .into_iter()
        .filter(|u| u.id != actor.user_id)
        .map(|u| (u.id.to_string(), u.name, whose == Whose::Of(u.id)))
        .collect();
    let teams: Vec<(String, String, bool)> = if actor.is_admin() {
        app_users::teams(&state.app)
            .await?
            .into_iter()
            .map(|tm| (format!("team-{}", tm.id), tm.name, whose == Whose::InTeam(tm.id)))
            .collect()
    } else {
        vec![]
    };
    let empty = items.is_empty();
    let p = Page {
        teams,
        shell: session.shell(t.t("calendar-title")).with_toast(q.ok.as_deref()),
        prev: link(&view, step(&view, date, false)),
        next: link(&view, step(&view, date, true)),
        today_href: link(&view, today),
        views: ["month", "week", "day"]
            .iter()
            .map(|v| (link(v, date), t.t(&format!("calendar-view-{v}")), *v == view))
            .collect(),
        weekdays: (1..=7).map(|n| t.t(&format!("weekday-{n}"))).collect(),
        weeks,
        heading,
        whose: whose_param,
        people,
        more,
        empty,
        new_meeting: actor.can(Module::Activities, Action::Create).then(|| {
            format!(
                "/activities/new?kind=meeting&status=planned&at={}T10:00",
                date.format("%Y-%m-%d")
            )
        }),
        view,
    };
    Ok(html(&p)?.into_response())
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    back: String,
}

/// Drag and drop: the item goes to another day at the same time. Answers 204 to the script (a
/// stale version 409, so the page reloads and shows what is there now).
async fn move_submit(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    axum::Form(f): axum::Form<MoveForm>,
) -> Result<Response, PageError> {
    let (Ok(id), Ok(version)) = (f.id.trim().parse::<i64>(), f.version.trim().parse::<i64>()) else {
        return Err(PageError::BadRequest);
    };
    let scripted = headers.contains_key("x-csrf-token");
    match app_cal::move_to(&state.app, &session.actor, &f.kind, id, version, &f.date).await {
        Ok(()) if scripted => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(()) => Ok(see_other(&crate::redirect::safe_path(&f.back)).into_response()),
        // An answer of our own (HTML, so the session layer leaves it as it is): the script reloads.
        Err(AppError::Conflict { .. }) if scripted => {
            Ok((StatusCode::CONFLICT, axum::response::Html("")).into_response())
        }
        Err(AppError::Validation(_)) if scripted => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html("")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The address a feed is read at, as the person's calendar program should call it.
pub fn feed_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let scheme = if state.web.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/calendar/{token}.ics")
}

#[derive(Template)]
#[template(path = "calendar/feed.html")]
struct FeedPage {
    shell: Shell,
    url: Option<String>,
}

async fn feed_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let token = app_cal::feed_token(&state.app, &session.actor).await?;
    let p = FeedPage {
        shell: session.shell(session.t.t("feed-title")).with_toast(q.ok.as_deref()),
        url: token.map(|t| feed_url(&state, &headers, &t)),
    };
    Ok(html(&p)?.into_response())
}

async fn feed_renew(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    app_cal::renew_feed(&state.app, &session.actor).await?;
    Ok(see_other("/account/calendar?ok=feed-renewed").into_response())
}

async fn feed_revoke(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    app_cal::revoke_feed(&state.app, &session.actor).await?;
    Ok(see_other("/account/calendar?ok=feed-revoked").into_response())
}

/// `GET /calendar/{token}.ics`: no session — the secret in the address is the key. Anything
/// else (a forged, revoked or malformed token) is a bare 404 that tells nothing.
async fn feed(State(state): State<AppState>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "").into_response();
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    let (actor, items) = match app_cal::feed(&state.app, token).await {
        Ok(x) => x,
        Err(AppError::NotFound) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "").into_response();
        }
    };
    let t = I18n::new(Lang::parse(&actor.language).unwrap_or(Lang::Tr));
    let base = feed_url(&state, &headers, "x");
    let base = base.trim_end_matches("/calendar/x.ics");
    let events: Vec<ical::Event> = items.iter().map(|i| event(&t, base, i)).collect();
    let body = ical::feed(&t.t1("feed-name", "name", actor.name.as_str()), &events);
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"kervan.ics\""),
    );
    resp
}

/// A calendar item as a feed event: a stable UID per record, its version as SEQUENCE.
fn event(t: &I18n, base: &str, i: &Item) -> ical::Event {
    let r = &i.record;
    let k = i.kind;
    let name = (k.name_of)(&r.values);
    let (summary, status) = if k.timeline.is_some() {
        let sort = r.text("kind").unwrap_or("meeting");
        let planned = r.text(k.status) == Some("planned");
        (
            format!("{}: {name}", t.t(&k.option_id("kind", sort))),
            Some(if planned { "TENTATIVE" } else { "CONFIRMED" }),
        )
    } else if r.text(k.status) == Some("done") {
        (format!("✓ {name}"), Some("CONFIRMED"))
    } else {
        (name, Some("CONFIRMED"))
    };
    let about: Vec<String> = k
        .fields
        .iter()
        .filter(|f| f.ty == kervan_core::record::FieldType::Reference)
        .filter_map(|f| r.ref_names.get(f.key).cloned())
        .collect();
    let text: Vec<String> = k
        .fields
        .iter()
        .filter(|f| f.ty == kervan_core::record::FieldType::LongText)
        .filter_map(|f| r.text(f.key).map(str::to_string))
        .collect();
    let description = [about.join(", "), text.join("\n")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let minutes = match r.values.get("duration_minutes") {
        Some(Value::Number(n)) => n.get().round() as i64,
        _ => 30,
    };
    ical::Event {
        uid: format!("{}-{}@kervan", k.entity, r.id),
        sequence: r.version,
        summary,
        description: (!description.is_empty()).then_some(description),
        location: r.text("location").or(r.text("online_link")).map(str::to_string),
        url: Some(format!("{base}/{}/{}", k.key, r.id)),
        start_ms: i.at,
        end_ms: Some(i.at + minutes.clamp(5, 24 * 60) * 60_000),
        all_day: i.all_day,
        status,
        updated_ms: r.updated_at,
    }
}

#[derive(Deserialize, Default)]
struct ApiQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
}

/// `GET /api/v1/calendar?from=YYYY-MM-DD&to=YYYY-MM-DD&user_id=|team_id=`: at most 92 days.
async fn api_list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ApiQuery>,
) -> Result<Json<Json_>, ApiError> {
    let mut e = kervan_core::FieldErrors::new();
    let from = parse_date(&q.from);
    let to = parse_date(&q.to);
    if from.is_none() {
        e.add("from", "invalid_date");
    }
    if to.is_none() {
        e.add("to", "invalid_date");
    }
    let whose = match (&q.user_id, &q.team_id) {
        (Some(u), _) => match u.parse::<i64>() {
            Ok(id) if id == actor.user_id => Whose::Mine,
            Ok(id) => Whose::Of(id),
            Err(_) => {
                e.add("user_id", "invalid_type");
                Whose::Mine
            }
        },
        (None, Some(team)) => match team.parse::<i64>() {
            Ok(id) => Whose::InTeam(id),
            Err(_) => {
                e.add("team_id", "invalid_type");
                Whose::Team
            }
        },
        (None, None) => Whose::Mine,
    };
    let (Some(from), Some(to)) = (from, to) else {
        return Err(e.into());
    };
    if to < from || (to - from).num_days() > 92 {
        e.add("to", "calendar_span");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let (items, more) = app_cal::items(
        &state.app,
        &actor,
        whose,
        day_start_ms(from),
        day_start_ms(to + Days::new(1)),
        LIMIT,
    )
    .await?;
    let out: Vec<Json_> = items
        .iter()
        .map(|i| {
            json!({"type": i.kind.entity, "id": i.record.id, "name": (i.kind.name_of)(&i.record.values),
                   "at": kervan_core::time::rfc3339(i.at), "all_day": i.all_day,
                   "status": i.record.text(i.kind.status), "owner_id": i.record.owner_id(),
                   "version": i.record.version, "link": format!("/{}/{}", i.kind.key, i.record.id)})
        })
        .collect();
    Ok(Json(json!({"items": out, "truncated": more})))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn a_month_grid_starts_on_monday_and_ends_on_sunday() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap_or_default();
        let (s, e) = span("month", d);
        assert_eq!(s, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default());
        assert_eq!(e.weekday(), Weekday::Mon);
        assert_eq!((e - s).num_days() % 7, 0);
        assert!(e > NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default());
        let (s, e) = span("week", d);
        assert_eq!(s.weekday(), Weekday::Mon);
        assert_eq!((e - s).num_days(), 7);
        assert_eq!(
            step("month", NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(), true).month(),
            2
        );
    }
}
