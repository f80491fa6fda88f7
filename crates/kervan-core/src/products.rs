//! Products (Ürünler): the catalogue quotes will pick from. Declared with the record kit only.

use crate::permissions::Module;
use crate::record::{Field, FieldType as T, Kind, SORT_CREATED, SORT_NAME, SORT_UPDATED, SortDef, Suggest, Values};
use crate::text::{search_key, sort_key};
use crate::validation::FieldErrors;

pub const UNITS: &[&str] = &["adet", "kg", "m", "m2", "m3", "lt", "saat", "gun", "paket", "takim"];
pub const CURRENCIES: &[&str] = &["TRY", "EUR", "USD"];
pub const KDV_RATES: &[&str] = &["20", "10", "1", "0"];

const S: &str = "product-section-main";
const P: &str = "product-section-price";

static FIELDS: &[Field] = &[
    Field::new("sku", T::Text)
        .required()
        .max(64)
        .list()
        .sort()
        .search()
        .card()
        .section(S)
        .import(&["SKU", "Stok kodu", "Ürün kodu", "Kod", "Code"])
        .hint("product-hint-sku"),
    Field::new("name", T::Text)
        .required()
        .max(200)
        .search()
        .section(S)
        .import(&["Ürün adı", "Ad", "Name", "Product"]),
    Field::new("description", T::LongText)
        .max(5_000)
        .section(S)
        .import(&["Açıklama", "Description"]),
    Field::new("product_group", T::Text)
        .max(100)
        .list()
        .filter()
        .bulk()
        .section(S)
        .suggest(Suggest::Used)
        .import(&["Ürün grubu", "Grup", "Kategori", "Group", "Category"]),
    Field::new("unit", T::Choice)
        .options(UNITS)
        .required()
        .default("adet")
        .list()
        .filter()
        .section(S)
        .import(&["Birim", "Unit"]),
    Field::new("list_price", T::Money)
        .currency("currency")
        .list()
        .card()
        .section(P)
        .import(&["Liste fiyatı", "Fiyat", "Birim fiyat", "Price", "List price"]),
    Field::new("currency", T::Choice)
        .options(CURRENCIES)
        .required()
        .default("TRY")
        .filter()
        .section(P)
        .import(&["Para birimi", "Döviz", "Currency"]),
    Field::new("kdv_rate", T::Choice)
        .options(KDV_RATES)
        .required()
        .default("20")
        .list()
        .filter()
        .bulk()
        .card()
        .section(P)
        .import(&["KDV", "KDV oranı", "VAT", "Tax rate"]),
    Field::new("kdv_exemption_reason", T::Text)
        .max(200)
        .section(P)
        .shown_when("kdv_rate", &["0"])
        .import(&["İstisna sebebi", "KDV istisna", "Exemption"]),
    Field::new("active", T::Bool)
        .default("true")
        .list()
        .filter()
        .bulk()
        .section(P)
        .import(&["Aktif", "Active"]),
];

pub static KIND: Kind = Kind {
    key: "products",
    entity: "product",
    table: "products",
    alias: "p",
    module: Module::Products,
    fields: FIELDS,
    sorts: &[
        SORT_NAME,
        SortDef {
            key: "sku",
            column: Some("sku_key"),
            text: true,
        },
        SORT_CREATED,
        SORT_UPDATED,
    ],
    default_sort: "name",
    tag_table: "",
    tag_key: "",
    fts: "products_fts",
    owned: false,
    status: "active",
    name_sql: "{a}.name",
    derived: &["sort_name", "search_key", "sku_key"],
    merge: false,
    sections: &[(S, ""), (P, "")],
    hierarchy: "",
    follow_up: None,
    timeline: None,
    name_of: name,
    derive: derived,
    rules,
};

/// The rules beyond each field's own: a product without KDV says why (the e-invoice needs the
/// exemption reason); the reason is dropped when KDV applies.
pub fn rules(v: &mut Values, e: &mut FieldErrors) {
    let zero = v.get("kdv_rate").and_then(|x| x.as_text()) == Some("0");
    if zero && !v.contains_key("kdv_exemption_reason") && !e.has("kdv_exemption_reason") {
        e.add("kdv_exemption_reason", "required");
    }
    if !zero {
        v.remove("kdv_exemption_reason");
    }
}

/// The product's name as lists and searches show it.
pub fn name(v: &Values) -> String {
    v.get("name").and_then(|x| x.as_text()).unwrap_or_default().to_string()
}

/// The SKU compared without case or spaces (unique: two products never share one).
pub fn sku_key(v: &Values) -> String {
    v.get("sku")
        .and_then(|x| x.as_text())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Derived columns: name sort key, search text (SKU and name), the SKU key.
pub fn derived(v: &Values) -> Vec<(&'static str, String)> {
    let sku = v.get("sku").and_then(|x| x.as_text());
    let name_v = name(v);
    let group = v.get("product_group").and_then(|x| x.as_text());
    vec![
        ("sort_name", sort_key(&name_v)),
        ("search_key", search_key(&[sku, Some(name_v.as_str()), group])),
        ("sku_key", sku_key(v)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Value;

    fn parse(pairs: &[(&str, &str)]) -> Result<Values, FieldErrors> {
        crate::fields::parse_form(&KIND, pairs, rules)
    }

    #[test]
    fn a_product_gets_its_defaults() {
        let v = parse(&[("sku", "ab-12 x"), ("name", "Çelik Profil")]).unwrap();
        assert_eq!(v["unit"], Value::Choice("adet".into()));
        assert_eq!(v["kdv_rate"], Value::Choice("20".into()));
        assert_eq!(v["currency"], Value::Choice("TRY".into()));
        assert_eq!(v["active"], Value::Bool(true));
        assert_eq!(sku_key(&v), "AB-12X");
    }

    #[test]
    fn zero_kdv_needs_a_reason() {
        let e = parse(&[("sku", "A"), ("name", "B"), ("kdv_rate", "0")]).unwrap_err();
        assert!(e.has("kdv_exemption_reason"));
        let v = parse(&[
            ("sku", "A"),
            ("name", "B"),
            ("kdv_rate", "20"),
            ("kdv_exemption_reason", "x"),
        ])
        .unwrap();
        assert!(!v.contains_key("kdv_exemption_reason"));
        let e = parse(&[("sku", "A"), ("name", "B"), ("kdv_rate", "18"), ("unit", "ton")]).unwrap_err();
        assert!(e.has("kdv_rate") && e.has("unit"));
    }
}
