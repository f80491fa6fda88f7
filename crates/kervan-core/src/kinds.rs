//! Every declared record kind, by its key: the registry the store joins references through and
//! the web layer mounts its pages and API from.

use crate::record::Kind;

pub static ALL: &[&Kind] = &[
    &crate::leads::KIND,
    &crate::accounts::KIND,
    &crate::contacts::KIND,
    &crate::products::KIND,
    &crate::tasks::KIND,
    &crate::activities::KIND,
    &crate::deals::PIPELINES,
    &crate::deals::STAGES,
    &crate::deals::KIND,
    &crate::quotes::KIND,
    &crate::price_lists::KIND,
];

pub fn by_key(key: &str) -> Option<&'static Kind> {
    ALL.iter().copied().find(|k| k.key == key)
}
