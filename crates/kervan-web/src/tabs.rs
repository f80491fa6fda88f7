//! Tabs on a record card (the customer card, the contact card), registered per module so that a
//! new module adds its tab without touching the tabs of the others.
//!
//! A card is a context type `C` (for customers [`crate::accounts::AccountCard`]: the account, the
//! signed-in person, the query string) and a list of [`TabSpec<C>`]. The card sorts the specs by
//! `order`, keeps those `visible` to the person, draws the tab bar from them and awaits `render`
//! of the active one only, so a tab costs nothing until it is opened.
//!
//! How a later module adds a tab to the customer card (say Fırsatlar, from `deals.rs`):
//! 1. in `deals.rs`, write `pub fn account_tabs() -> Vec<TabSpec<AccountCard>>` returning a spec
//!    with a `key` (the `?tab=` value, e.g. `"deals"`), the .ftl id of its label, an `order`
//!    (gaps of ten leave room: Genel 10, İlgili Kişiler 20, Adresler 30, Alt Firmalar 40,
//!    Notlar 80, Geçmiş 90), who sees it, and a `render` function that returns the panel's HTML
//!    from the module's own template (`templates/deals/account_tab.html`);
//! 2. add `specs.extend(crate::deals::account_tabs());` to `accounts::card_tabs()`.
//!
//! The contacts module does exactly this for the İlgili Kişiler tab (`contacts::account_tabs`).

use std::future::Future;
use std::pin::Pin;

use crate::error::PageError;
use crate::i18n::I18n;

/// The HTML of one tab's panel, being rendered.
pub type Panel<'a> = Pin<Box<dyn Future<Output = Result<String, PageError>> + Send + 'a>>;

/// One tab a module offers on a card of context `C`.
pub struct TabSpec<C> {
    /// The value of `?tab=`; unique on the card.
    pub key: &'static str,
    /// The .ftl id of the label.
    pub label: &'static str,
    /// Position in the tab bar, smallest first.
    pub order: u16,
    /// Whether the person looking at the card gets this tab (e.g. has the module's view right).
    pub visible: fn(&C) -> bool,
    /// The panel's HTML (only called for the active tab).
    pub render: for<'a> fn(&'a C) -> Panel<'a>,
}

/// A tab as the tab bar shows it.
pub struct Tab {
    pub key: &'static str,
    pub label: String,
    pub href: String,
    pub active: bool,
}

/// Sorts and filters `specs` for `ctx`, and picks the asked tab (the first one when the asked key
/// is unknown or not visible). Returns the tab bar and the index of the active spec in `specs`.
pub fn pick<C>(t: &I18n, specs: &[TabSpec<C>], ctx: &C, base: &str, asked: Option<&str>) -> (Vec<Tab>, Option<usize>) {
    let mut order: Vec<usize> = (0..specs.len()).filter(|i| (specs[*i].visible)(ctx)).collect();
    order.sort_by_key(|i| (specs[*i].order, specs[*i].key));
    let active = asked
        .and_then(|k| order.iter().copied().find(|i| specs[*i].key == k))
        .or_else(|| order.first().copied());
    let first = order.first().copied();
    let tabs = order
        .iter()
        .map(|i| {
            let s = &specs[*i];
            Tab {
                key: s.key,
                label: t.t(s.label),
                // The first tab is the card's plain address, so a bare link opens it.
                href: if Some(*i) == first {
                    base.to_string()
                } else {
                    format!("{base}?tab={}", s.key)
                },
                active: Some(*i) == active,
            }
        })
        .collect();
    (tabs, active)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    struct Ctx {
        admin: bool,
    }

    fn empty(_: &Ctx) -> Panel<'_> {
        Box::pin(async { Ok(String::new()) })
    }

    fn specs() -> Vec<TabSpec<Ctx>> {
        vec![
            TabSpec {
                key: "history",
                label: "tab-history",
                order: 90,
                visible: |_| true,
                render: empty,
            },
            TabSpec {
                key: "general",
                label: "tab-general",
                order: 10,
                visible: |_| true,
                render: empty,
            },
            TabSpec {
                key: "secret",
                label: "tab-notes",
                order: 50,
                visible: |c| c.admin,
                render: empty,
            },
        ]
    }

    #[test]
    fn tabs_are_ordered_filtered_and_picked() {
        let t = I18n::new(Lang::Tr);
        let s = specs();
        let (tabs, active) = pick(&t, &s, &Ctx { admin: false }, "/x/1", Some("history"));
        assert_eq!(tabs.iter().map(|t| t.key).collect::<Vec<_>>(), ["general", "history"]);
        assert_eq!(active, Some(0));
        assert_eq!(tabs[0].href, "/x/1");
        assert_eq!(tabs[1].href, "/x/1?tab=history");
        assert!(tabs[1].active);
        // A tab the person may not see falls back to the first one.
        let (tabs, active) = pick(&t, &s, &Ctx { admin: false }, "/x/1", Some("secret"));
        assert_eq!(active, Some(1));
        assert!(tabs[0].active);
        let (tabs, _) = pick(&t, &s, &Ctx { admin: true }, "/x/1", None);
        assert_eq!(tabs.len(), 3);
        assert_eq!(tabs[0].label, "Genel");
    }
}
