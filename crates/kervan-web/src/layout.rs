//! The app shell every signed-in page sits in: navigation, top bar, user menu.

use kervan_app::Actor;
use kervan_core::permissions::{Action, Module};
use kervan_core::text::initials;

use crate::i18n::I18n;

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub icon: &'static str,
    pub active: bool,
}

/// What the base template needs.
pub struct Shell {
    pub t: I18n,
    pub signed_in: bool,
    pub user_name: String,
    pub user_initials: String,
    pub role: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub path: String,
    pub toast: Option<String>,
    /// A link the toast offers beside its text (undo a bulk change): `(href, label)`.
    pub toast_link: Option<(String, String)>,
    pub can_create_lead: bool,
    /// The top bar's "+ Yeni" menu: what the user may create, as (link, label), the one the
    /// current page is about first (a customer on the customer pages, a contact on the contact
    /// pages, otherwise a lead).
    pub quick_new: Vec<(&'static str, String)>,
    pub title: String,
    /// Unread notifications (the bell's count).
    pub unread: i64,
}

impl Shell {
    pub fn new(t: I18n, actor: &Actor, csrf: &str, path: &str, title: String) -> Shell {
        let mut nav = vec![NavItem {
            href: "/",
            label: t.t("nav-dashboard"),
            icon: crate::icons::HOME,
            active: path == "/",
        }];
        if actor.can(Module::Tasks, Action::View) {
            nav.push(NavItem {
                href: "/my-tasks",
                label: t.t("nav-agenda"),
                icon: crate::icons::TASKS,
                active: path.starts_with("/my-tasks") || path.starts_with("/tasks"),
            });
        }
        if actor.can(Module::Tasks, Action::View) {
            nav.push(NavItem {
                href: "/calendar",
                label: t.t("nav-calendar"),
                icon: crate::icons::CALENDAR,
                active: path.starts_with("/calendar"),
            });
        }
        if actor.can(Module::Leads, Action::View) {
            nav.push(NavItem {
                href: "/leads",
                label: t.t("nav-leads"),
                icon: crate::icons::LEADS,
                active: path.starts_with("/leads"),
            });
        }
        if actor.can(Module::Accounts, Action::View) {
            nav.push(NavItem {
                href: "/accounts",
                label: t.t("module-accounts"),
                icon: crate::icons::ACCOUNTS,
                active: path.starts_with("/accounts"),
            });
        }
        if actor.can(Module::Contacts, Action::View) {
            nav.push(NavItem {
                href: "/contacts",
                label: t.t("module-contacts"),
                icon: crate::icons::CONTACTS,
                active: path.starts_with("/contacts"),
            });
        }
        if actor.can(Module::Deals, Action::View) {
            nav.push(NavItem {
                href: "/deals/board",
                label: t.t("nav-deals"),
                icon: crate::icons::DEALS,
                active: path.starts_with("/deals"),
            });
        }
        if actor.can(Module::Quotes, Action::View) {
            nav.push(NavItem {
                href: "/quotes",
                label: t.t("nav-quotes"),
                icon: crate::icons::QUOTES,
                active: path.starts_with("/quotes"),
            });
        }
        if actor.can(Module::Products, Action::View) {
            nav.push(NavItem {
                href: "/products",
                label: t.t("nav-products"),
                icon: crate::icons::PRODUCTS,
                active: path.starts_with("/products"),
            });
        }
        if actor.can(Module::Users, Action::View) || actor.is_admin() {
            nav.push(NavItem {
                href: "/settings",
                label: t.t("nav-settings"),
                icon: crate::icons::SETTINGS,
                active: path.starts_with("/settings") || path.starts_with("/users"),
            });
        }
        Shell {
            t,
            signed_in: true,
            user_name: actor.name.clone(),
            user_initials: initials(&actor.name),
            role: t.role(actor.role.as_str()),
            csrf: csrf.to_string(),
            nav,
            path: path.to_string(),
            toast: None,
            toast_link: None,
            can_create_lead: actor.can(Module::Leads, Action::Create),
            quick_new: quick_new(&t, actor, path),
            title,
            unread: 0,
        }
    }

    /// A shell for pages seen before signing in (login, errors).
    pub fn anonymous(t: I18n, title: String) -> Shell {
        Shell {
            t,
            signed_in: false,
            user_name: String::new(),
            user_initials: String::new(),
            role: String::new(),
            csrf: String::new(),
            nav: vec![],
            path: String::new(),
            toast: None,
            toast_link: None,
            can_create_lead: false,
            quick_new: vec![],
            title,
            unread: 0,
        }
    }

    pub fn with_unread(mut self, n: i64) -> Shell {
        self.unread = n;
        self
    }

    pub fn with_toast(mut self, key: Option<&str>) -> Shell {
        // Only known toast keys are shown; the query string is not a place to inject text.
        self.toast = key
            .filter(|k| TOASTS.contains(k))
            .map(|k| self.t.t(&format!("toast-{k}")));
        self
    }
}

fn quick_new(t: &I18n, actor: &Actor, path: &str) -> Vec<(&'static str, String)> {
    let kinds = [
        ("/leads", Module::Leads, "/leads/new", "lead-new"),
        ("/accounts", Module::Accounts, "/accounts/new", "account-new"),
        ("/contacts", Module::Contacts, "/contacts/new", "contact-new"),
        ("/deals", Module::Deals, "/deals/new", "deal-new"),
        ("/quotes", Module::Quotes, "/quotes/new", "quote-new"),
        ("/products", Module::Products, "/products/new", "product-new"),
        ("/my-tasks", Module::Tasks, "/tasks/new", "task-new"),
        ("/activities", Module::Activities, "/activities/new", "activity-new"),
    ];
    let mut out: Vec<(&'static str, String)> = kinds
        .iter()
        .filter(|(_, module, _, _)| actor.can(*module, Action::Create))
        .map(|(_, _, href, label)| (*href, t.t(label)))
        .collect();
    if let Some(i) = kinds
        .iter()
        .filter(|(_, module, _, _)| actor.can(*module, Action::Create))
        .position(|(prefix, _, _, _)| path.starts_with(prefix))
    {
        let here = out.remove(i);
        out.insert(0, here);
    }
    out
}

/// Whether `key` is one of the toasts any page may show (`?ok=key`).
pub fn is_known_toast(key: &str) -> bool {
    TOASTS.contains(&key)
}

const TOASTS: &[&str] = &[
    "saved",
    "created",
    "archived",
    "restored",
    "deleted",
    "password",
    "user-saved",
    "status",
    "converted",
    "merged",
    "job-retried",
    "task-reopened",
    "task-added",
    "task-changed",
    "next-step-added",
    "feed-renewed",
    "feed-revoked",
    "mail-saved",
    "prefs-saved",
    "dormant-saved",
    "deal-moved",
    "deal-won",
    "deal-lost",
    "deal-reopened",
    "deal-changed",
    "deal-not-moved",
    "stage-not-retired",
    "stage-retired",
    "pipeline-created",
    "lost-reasons-saved",
    "quote-submit",
    "quote-approve",
    "quote-reject",
    "quote-send",
    "quote-accept",
    "quote-decline",
    "quote-cancel",
    "quote-revise",
    "quote-copy",
    "quote-changed",
    "quote-emailed",
    "logo-saved",
    "logo-removed",
    "logo-too-large",
    "logo-not-image",
    "quote-settings-saved",
    "quote-refused-approval_required",
    "quote-refused-approval_not_needed",
    "quote-refused-own_approval",
    "quote-refused-status_not_allowed",
    "quote-refused-already_revised",
    "quote-refused-quote_locked",
    "quote-refused-required",
    "quote-refused-too_long",
];
