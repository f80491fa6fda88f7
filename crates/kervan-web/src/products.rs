//! Ürünler: the catalogue, served entirely by the record kit.

use axum::Router;
use kervan_app::products::Products;
use kervan_app::records::Record;

use crate::AppState;
use crate::kit::{self, KitPages};

impl KitPages for Products {
    fn list_links(t: &crate::i18n::I18n) -> Vec<(&'static str, String)> {
        vec![("/price_lists", t.t("price_lists-title"))]
    }

    fn name_sub(rec: &Record) -> Option<String> {
        rec.text("sku").map(str::to_string)
    }
}

pub fn router() -> Router<AppState> {
    kit::pages::<Products>()
}
