//! Fiyat listeleri: a product's price for one customer or for everyone, from a quantity on
//! (volume tiers), within validity dates. A quote line takes the best applicable one and says
//! where it came from.

use crate::fields;
use crate::permissions::Module;
use crate::record::{Field, FieldType as T, Kind, SORT_CREATED, SORT_UPDATED, Value, Values};
use crate::text::{search_key, sort_key};
use crate::validation::FieldErrors;

const MAIN: &str = "price_list-section-main";

static FIELDS: &[Field] = &[
    Field::new("label", T::Text)
        .required()
        .max(100)
        .list()
        .search()
        .section(MAIN)
        .placeholder("price_list-label-ph")
        .import(&["Liste", "Ad", "Label"]),
    Field::new("product_id", T::Reference)
        .refers("products")
        .required()
        .list()
        .filter()
        .sticky()
        .section(MAIN)
        .import(&["Ürün", "Product"]),
    fields::account().list().section(MAIN).hint("price_list-hint-account"),
    Field::new("min_quantity", T::Number)
        .required()
        .default("1")
        .list()
        .section(MAIN)
        .hint("price_list-hint-min_quantity"),
    Field::new("unit_price", T::Money)
        .currency("currency")
        .required()
        .list()
        .section(MAIN),
    Field::new("currency", T::Choice)
        .options(crate::products::CURRENCIES)
        .required()
        .default("TRY")
        .section(MAIN),
    Field::new("valid_from", T::Date).list().section(MAIN),
    Field::new("valid_to", T::Date).list().section(MAIN),
    Field::new("active", T::Bool)
        .default("true")
        .list()
        .filter()
        .section(MAIN),
    fields::notes(MAIN),
];

pub static KIND: Kind = Kind {
    key: "price_lists",
    entity: "price_list",
    table: "price_list_items",
    alias: "pli",
    module: Module::Products,
    fields: FIELDS,
    sorts: &[crate::record::SORT_NAME, SORT_CREATED, SORT_UPDATED],
    default_sort: "name",
    tag_table: "",
    tag_key: "",
    fts: "price_list_items_fts",
    owned: false,
    status: "active",
    name_sql: "{a}.label",
    derived: &["sort_name", "search_key"],
    merge: false,
    sections: &[(MAIN, "")],
    hierarchy: "",
    follow_up: None,
    timeline: None,
    name_of: name,
    derive: derived,
    rules,
};

pub fn name(v: &Values) -> String {
    fields::text(v, "label").unwrap_or_default().to_string()
}

fn derived(v: &Values) -> Vec<(&'static str, String)> {
    let n = name(v);
    vec![("sort_name", sort_key(&n)), ("search_key", search_key(&[Some(&n)]))]
}

/// A tier starts at a positive whole-or-decimal quantity; a price is not negative; the validity
/// runs forward.
pub fn rules(v: &mut Values, e: &mut FieldErrors) {
    if let Some(Value::Number(n)) = v.get("min_quantity")
        && !(n.get() > 0.0 && n.get() <= 1_000_000.0)
        && !e.has("min_quantity")
    {
        e.add("min_quantity", "must_be_positive");
    }
    if let Some(Value::Money(m)) = v.get("unit_price")
        && m.kurus() < 0
        && !e.has("unit_price")
    {
        e.add("unit_price", "must_not_be_negative");
    }
    if let (Some(Value::Date(a)), Some(Value::Date(b))) = (v.get("valid_from"), v.get("valid_to"))
        && b < a
    {
        e.add("valid_to", "invalid_range");
    }
}

/// Where a line's price came from, as the quote shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceSource {
    /// The product's own list price.
    List,
    /// A price list entry for everyone, from `min` pieces on (1: no tier).
    Tier { min: String },
    /// A price list entry for this customer, from `min` pieces on.
    Customer { min: String },
}
