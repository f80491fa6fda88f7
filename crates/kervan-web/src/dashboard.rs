//! The landing page: the signed-in user's own numbers.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use kervan_app::dashboard;

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::layout::Shell;
use kervan_app::leads::Leads;
use kervan_app::records::RecordKind;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(page))
}

pub struct Bar {
    pub label: String,
    pub code: String,
    pub n: i64,
    /// Width of the bar in percent of the largest.
    pub pct: i64,
}

/// A recent lead: link, name, status and where and when it came from.
pub struct Recent {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub status_label: String,
    pub source: String,
    pub created_ago: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    shell: Shell,
    has_leads: bool,
    open_leads: String,
    new_week: String,
    bars: Vec<Bar>,
    recent: Vec<Recent>,
    /// "Müşterilerim": count and the list link, when the user may see customers.
    my_accounts: Option<(String, String)>,
    /// My tasks due today and overdue, when the user has tasks at all.
    tasks: Option<(i64, i64)>,
    /// Open tasks the sleeping-customer rule made for me.
    dormant: i64,
    /// A manager's team: (person, overdue tasks, link to their Görevlerim).
    team_overdue: Vec<(String, i64, String)>,
}

async fn page(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let t = session.t;
    let nums = dashboard::my_numbers(&state.app, &session.actor).await?;
    let my_accounts = nums
        .as_ref()
        .and_then(|n| n.my_accounts)
        .map(|n| (t.num(n), format!("/accounts?owner_id={}", session.actor.user_id)));
    let (has_leads, open_leads, new_week, bars, recent) = match nums {
        None => (false, String::new(), String::new(), vec![], vec![]),
        Some(n) => {
            let max = n.new_this_week.iter().map(|s| s.n).max().unwrap_or(1).max(1);
            let bars = n
                .new_this_week
                .iter()
                .map(|s| Bar {
                    label: t.source(&s.source),
                    code: s.source.clone(),
                    n: s.n,
                    pct: (s.n * 100 / max).max(2),
                })
                .collect();
            (
                true,
                t.num(n.open_leads),
                t.num(n.new_this_week_total),
                bars,
                n.recent
                    .iter()
                    .map(|l| {
                        let status = l.text("status").unwrap_or("new").to_string();
                        Recent {
                            id: l.id,
                            name: Leads::name(&l.values),
                            status_label: t.status(&status),
                            status,
                            source: l.text("source").map(|s| t.source(s)).unwrap_or_default(),
                            created_ago: t.ago(l.created_at),
                        }
                    })
                    .collect(),
            )
        }
    };
    let task_numbers = kervan_app::tasks::numbers(&state.app, &session.actor, kervan_core::time::now_ms()).await?;
    let team_overdue = task_numbers
        .as_ref()
        .map(|n| {
            n.team_overdue
                .iter()
                .map(|o| (o.name.clone(), o.n, format!("/my-tasks?whose={}", o.owner_id)))
                .collect()
        })
        .unwrap_or_default();
    let page = Dashboard {
        tasks: task_numbers.map(|n| (n.today, n.overdue)),
        dormant: kervan_app::dormant::open_mine(&state.app, &session.actor).await?,
        team_overdue,
        shell: session.shell(t.t("dashboard-title")),
        has_leads,
        open_leads,
        new_week,
        bars,
        recent,
        my_accounts,
    };
    Ok(html(&page)?.into_response())
}
