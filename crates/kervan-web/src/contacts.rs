//! İlgili Kişiler: the kit serves the list, form, card and API; what is the contacts module's
//! own is the tab it adds to the customer card — the people, who decides, who supports us, whom
//! we last talked to, and the organisation chart — and, on the form, the manager picked among the
//! people of the same customer.

use askama::Template;

use kervan_app::AppError;
use kervan_app::contacts::{self as app_contacts, Contacts, OrgNode};
use kervan_app::records::{Record, RecordKind};
use kervan_core::contacts::BuyingRole;
use kervan_core::permissions::{Action, Module};
use kervan_core::text::initials;

use crate::AppState;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::kit::{self, Card, KitPages};
use crate::tabs::TabSpec;

pub fn router() -> axum::Router<AppState> {
    kit::pages::<Contacts>()
}

impl KitPages for Contacts {
    fn general_extra(c: &Card) -> kit::Facts<'_> {
        Box::pin(async move {
            let Some(account) = c.rec.id_of("account_id") else {
                return Ok(vec![]);
            };
            let people = match app_contacts::of_account(&c.state.app, &c.actor, account).await {
                Ok(p) => p,
                Err(AppError::NotFound | AppError::Forbidden { .. }) => return Ok(vec![]),
                Err(e) => return Err(e.into()),
            };
            let reports: Vec<(String, String)> = people
                .iter()
                .filter(|p| p.id_of("reports_to_id") == Some(c.rec.id))
                .map(|p| (format!("/contacts/{}", p.id), Contacts::name(&p.values)))
                .collect();
            if reports.is_empty() {
                return Ok(vec![]);
            }
            Ok(vec![kit::card::Fact {
                key: "direct_reports".into(),
                css: "direct_reports".into(),
                label: c.t.t("contact-direct-reports"),
                value: kit::display::Shown {
                    look: kit::display::Look::Links(reports),
                    ..Default::default()
                },
            }])
        })
    }

    fn ref_choices<'a>(
        state: &'a AppState,
        session: &'a crate::auth::Session,
        field: &'static str,
        posted: &'a kit::form::Posted,
        id: Option<i64>,
    ) -> kit::RefChoices<'a> {
        Box::pin(async move {
            let account = posted.one("account_id").trim().parse::<i64>().ok();
            let (Some(account), "reports_to_id") = (account, field) else {
                return Ok(None);
            };
            // A customer the person may not see (someone else's, with one of the person's own
            // contacts at it): the manager is typed by name instead.
            let people = match app_contacts::of_account(&state.app, &session.actor, account).await {
                Ok(p) => p,
                Err(AppError::NotFound | AppError::Forbidden { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            Ok(Some(
                people
                    .iter()
                    .filter(|r| Some(r.id) != id)
                    .map(|r| {
                        let name = Contacts::name(&r.values);
                        let label = match r.text("title") {
                            Some(title) => format!("{name} · {title}"),
                            None => name,
                        };
                        (r.id, label)
                    })
                    .collect(),
            ))
        })
    }

    fn name_sub(rec: &Record) -> Option<String> {
        rec.ref_names.get("account_id").cloned()
    }

    fn filter_any(t: &I18n, param: &str) -> Option<String> {
        (param == "buying_role").then(|| t.t("contact-filter-all-roles"))
    }
}

/// A person as the customer card's tab shows them.
pub struct Person {
    pub id: i64,
    pub name: String,
    pub initials: String,
    pub title: String,
    pub role: String,
    pub role_label: String,
    /// The number to call: the mobile if there is one, else the office line (with extension),
    /// else the WhatsApp number.
    pub phone: String,
    pub phone_raw: String,
    pub email: String,
    pub last_contact: String,
}

impl Person {
    fn from(t: &I18n, c: &Record) -> Person {
        let name = kervan_core::contacts::name(&c.values);
        let (phone, phone_raw) = match (c.phone("mobile"), c.phone("phone"), c.phone("whatsapp")) {
            (Some(m), _, _) => (m.display(), m.as_str().to_string()),
            (None, Some(p), _) => {
                let shown = match c.text("extension") {
                    Some(x) => format!("{} · {}", p.display(), t.t1("contact-ext", "ext", x)),
                    None => p.display(),
                };
                (shown, p.as_str().to_string())
            }
            (None, None, Some(w)) => (w.display(), w.as_str().to_string()),
            (None, None, None) => (String::new(), String::new()),
        };
        let role = c.text("buying_role").unwrap_or_default().to_string();
        Person {
            id: c.id,
            initials: initials(&name),
            name,
            title: c.text("title").unwrap_or_default().to_string(),
            role_label: if role.is_empty() {
                String::new()
            } else {
                t.t(&format!("contact-buying_role-{role}"))
            },
            role,
            phone,
            phone_raw,
            email: c.text("email").unwrap_or_default().to_string(),
            last_contact: c.datetime("last_contact_at").map(|ms| t.ago(ms)).unwrap_or_default(),
        }
    }
}

/// The tabs this module adds to the customer card (see `kit::registry`).
pub fn account_tabs() -> Vec<TabSpec<Card>> {
    vec![TabSpec {
        key: "contacts",
        label: "contact-tab-people",
        order: 20,
        visible: |c| c.actor.can(Module::Contacts, Action::View),
        render: |c| Box::pin(people_tab(c)),
    }]
}

/// The org chart as a flat run of steps, so the template draws nested lists without recursion.
pub enum OrgStep {
    Open,
    Item(Box<Person>),
    EndItem,
    Close,
}

fn flatten(t: &I18n, nodes: &[OrgNode], out: &mut Vec<OrgStep>) {
    if nodes.is_empty() {
        return;
    }
    out.push(OrgStep::Open);
    for n in nodes {
        out.push(OrgStep::Item(Box::new(Person::from(t, &n.contact))));
        flatten(t, &n.reports, out);
        out.push(OrgStep::EndItem);
    }
    out.push(OrgStep::Close);
}

#[derive(Template)]
#[template(path = "contacts/account_tab.html")]
struct PeoplePanel {
    t: I18n,
    account_id: i64,
    people: Vec<Person>,
    deciders: Vec<Person>,
    champions: Vec<Person>,
    blockers: Vec<Person>,
    last_talked: Option<Person>,
    org: Vec<OrgStep>,
    /// Whether anyone reports to anyone (otherwise the chart is a plain list and is left out).
    has_hierarchy: bool,
    can_add: bool,
}

async fn people_tab(c: &Card) -> Result<String, PageError> {
    let t = c.t;
    let people = app_contacts::of_account(&c.state.app, &c.actor, c.rec.id).await?;
    let with_role = |roles: &[BuyingRole]| -> Vec<Person> {
        people
            .iter()
            .filter(|p| {
                p.text("buying_role")
                    .and_then(BuyingRole::parse)
                    .is_some_and(|r| roles.contains(&r))
            })
            .map(|p| Person::from(&t, p))
            .collect()
    };
    let deciders = with_role(&[BuyingRole::DecisionMaker, BuyingRole::EconomicBuyer]);
    let champions = with_role(&[BuyingRole::Champion]);
    let blockers = with_role(&[BuyingRole::Blocker]);
    let last_talked = people
        .iter()
        .filter(|p| p.datetime("last_contact_at").is_some())
        .max_by_key(|p| p.datetime("last_contact_at"))
        .map(|p| Person::from(&t, p));
    let ids: std::collections::HashSet<i64> = people.iter().map(|p| p.id).collect();
    let has_hierarchy = people
        .iter()
        .any(|p| p.id_of("reports_to_id").is_some_and(|m| ids.contains(&m)));
    let mut org = Vec::new();
    flatten(&t, &app_contacts::org_chart(&people), &mut org);
    html(&PeoplePanel {
        t,
        account_id: c.rec.id,
        people: people.iter().map(|p| Person::from(&t, p)).collect(),
        deciders,
        champions,
        blockers,
        last_talked,
        org,
        has_hierarchy,
        can_add: c.actor.can(Module::Contacts, Action::Create) && !c.rec.is_archived(),
    })
    .map(|h| h.0)
}
