//! Reading what a person typed into a search box.

use kervan_core::Phone;
use kervan_core::text::{digits, fold};
use kervan_store::leads::LeadQuery;

use kervan_core::permissions::{Action, Module};
use kervan_store::accounts::{AccountQuery, SortKey as AccountSort};
use kervan_store::contacts::{ContactQuery, SortKey as ContactSort};

use crate::accounts::{self, Account};
use crate::contacts::{self, Contact};
use crate::leads::{self, Lead};
use crate::{Actor, App, Result};

/// Puts a typed query into `q`: a whole phone number in any form becomes an exact E.164 match;
/// a fragment of digits matches the phone digits in the search key; anything else is split
/// into folded terms that must all occur.
pub fn apply_query(q: &mut LeadQuery, text: &str) {
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

pub struct Results {
    pub leads: Vec<Lead>,
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
}

impl Results {
    pub fn is_empty(&self) -> bool {
        self.leads.is_empty() && self.accounts.is_empty() && self.contacts.is_empty()
    }
}

/// Puts a typed query into an account query (same reading as for leads).
pub fn account_query(text: &str, limit: u64) -> AccountQuery {
    let mut lq = LeadQuery::default();
    apply_query(&mut lq, text);
    AccountQuery {
        terms: lq.terms,
        phone: lq.phone,
        // A search looks for a customer by name, passive or not.
        include_passive: true,
        sort: AccountSort::Created,
        desc: true,
        limit,
        ..Default::default()
    }
}

/// Puts a typed query into a contact query (same reading as for leads).
pub fn contact_query(text: &str, limit: u64) -> ContactQuery {
    let mut lq = LeadQuery::default();
    apply_query(&mut lq, text);
    ContactQuery {
        terms: lq.terms,
        phone: lq.phone,
        sort: ContactSort::Created,
        desc: true,
        limit,
        ..Default::default()
    }
}

/// The global search: every module the actor can see, a few hits each, newest first.
pub async fn global(app: &App, actor: &Actor, text: &str, per_kind: u64) -> Result<Results> {
    let mut q = LeadQuery {
        limit: per_kind,
        desc: true,
        ..Default::default()
    };
    apply_query(&mut q, text);
    let mut out = Results {
        leads: vec![],
        accounts: vec![],
        contacts: vec![],
    };
    if q.terms.is_empty() && q.phone.is_none() {
        return Ok(out);
    }
    if actor.can(Module::Leads, Action::View) {
        out.leads = leads::list(app, actor, &q).await?.leads;
    }
    if actor.can(Module::Accounts, Action::View) {
        out.accounts = accounts::list(app, actor, &account_query(text, per_kind))
            .await?
            .accounts;
    }
    if actor.can(Module::Contacts, Action::View) {
        out.contacts = contacts::list(app, actor, &contact_query(text, per_kind))
            .await?
            .contacts;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_read_as_people_mean_them() {
        let mut q = LeadQuery::default();
        apply_query(&mut q, "0532 123 45 67");
        assert_eq!(q.phone.as_deref(), Some("+905321234567"));
        let mut q = LeadQuery::default();
        apply_query(&mut q, "123 45 67");
        assert_eq!(q.terms, vec!["1234567"]);
        let mut q = LeadQuery::default();
        apply_query(&mut q, "ŞÜKRÜ  Işık");
        assert_eq!(q.terms, vec!["sukru", "isik"]);
    }
}
