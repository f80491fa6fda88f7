//! Tabs a module offers on another kind's card (the people of a customer on the customer card),
//! gathered here so no module imports another: a new module adds its line.

use super::Card;
use crate::tabs::TabSpec;

/// The tabs other modules add to the cards of `kind`.
pub fn tabs_for(kind: &str) -> Vec<TabSpec<Card>> {
    match kind {
        "accounts" => crate::contacts::account_tabs()
            .into_iter()
            .chain(crate::deals::account_tabs())
            .chain(crate::quotes::account_tabs())
            .chain(crate::tasks::card_tabs())
            .collect(),
        "leads" | "contacts" | "deals" => crate::tasks::card_tabs(),
        _ => vec![],
    }
}
