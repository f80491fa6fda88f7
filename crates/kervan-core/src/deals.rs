//! Fırsatlar: deals moving through the stages of a pipeline, and the pipelines themselves.
//! Three kinds declared with the record kit — pipelines (Satış süreçleri), their stages
//! (Aşamalar) and deals — plus the templates a company starts its pipelines from.

use crate::fields;
use crate::permissions::Module;
use crate::record::{
    Field, FieldType as T, Kind, SORT_CREATED, SORT_NAME, SORT_UPDATED, SortDef, Suggest, Value, Values,
};
use crate::text::{search_key, sort_key};
use crate::validation::FieldErrors;

pub const STATUSES: &[&str] = &["open", "won", "lost"];
/// Forecast categories, narrowest first: commit ⊂ best case ⊂ pipeline (omitted: left out).
pub const FORECASTS: &[&str] = &["pipeline", "best_case", "commit", "omitted"];
pub const CURRENCIES: &[&str] = crate::products::CURRENCIES;
/// The company's default currency: board sums, the forecast and thresholds are in it.
pub const DEFAULT_CURRENCY: &str = "TRY";

/// Lost reasons a company starts with (Ayarlar changes the list).
pub const LOST_REASONS: &[&str] = &[
    "Fiyat yüksek bulundu",
    "Rakip tercih edildi",
    "Bütçe yok",
    "Proje ertelendi",
    "İhtiyaç kalmadı",
    "Yanıt alınamadı",
];

/// A pipeline's stages as a template gives them: name, probability %, stale after N days.
pub type StageTemplate = (&'static str, i64, i64);

/// The pipelines a company can start from: key, name, stages. The first is created with the
/// database; the others an admin adds from Ayarlar → Satış süreçleri.
pub const TEMPLATES: &[(&str, &str, &[StageTemplate])] = &[
    (
        "b2b",
        "B2B satış",
        &[
            ("Keşif", 10, 14),
            ("İhtiyaç Analizi", 20, 14),
            ("Teklif Hazırlama", 40, 10),
            ("Sunum/Demo", 50, 14),
            ("Müzakere", 70, 14),
            ("Karar", 85, 10),
            ("Kapanış", 95, 7),
        ],
    ),
    (
        "manufacturing",
        "Üretim",
        &[
            ("Teklif", 30, 14),
            ("Üretim emri", 80, 7),
            ("Üretim planlama", 85, 7),
            ("Üretim", 90, 21),
            ("Sevkiyat", 95, 7),
            ("Teslim", 98, 7),
        ],
    ),
    (
        "health_tourism",
        "Sağlık turizmi",
        &[
            ("Ön değerlendirme", 10, 7),
            ("Operasyon paketi", 30, 7),
            ("Doktor değerlendirmesi", 50, 7),
            ("Operasyon", 90, 30),
            ("Post-op takip", 95, 30),
        ],
    ),
    (
        "agency",
        "Ajans",
        &[
            ("Brief", 10, 7),
            ("Teklif", 30, 10),
            ("Kontrat", 70, 10),
            ("Proje", 85, 30),
            ("Revizyonlar", 90, 14),
            ("Teslim", 95, 7),
            ("Raporlama", 98, 14),
        ],
    ),
];

pub fn template(key: &str) -> Option<&'static (&'static str, &'static str, &'static [StageTemplate])> {
    TEMPLATES.iter().find(|t| t.0 == key)
}

fn name_field(v: &Values) -> String {
    v.get("name").and_then(|x| x.as_text()).unwrap_or_default().to_string()
}

fn name_keys(v: &Values) -> Vec<(&'static str, String)> {
    let name = name_field(v);
    vec![
        ("sort_name", sort_key(&name)),
        ("search_key", search_key(&[Some(&name)])),
    ]
}

fn no_rules(_v: &mut Values, _e: &mut FieldErrors) {}

/// Sorted by position: the order of the stages on the board.
pub const SORT_POSITION: SortDef = SortDef::by("position");

const PIPE: &str = "pipeline-section-main";

static PIPELINE_FIELDS: &[Field] = &[
    Field::new("name", T::Text)
        .required()
        .max(100)
        .list()
        .search()
        .section(PIPE)
        .import(&["Süreç", "Ad", "Pipeline", "Name"]),
    Field::new("position", T::Number)
        .required()
        .default("1")
        .list()
        .sort()
        .section(PIPE)
        .hint("pipeline-hint-position"),
    // No filter: a company has a handful of pipelines, all on one page.
    Field::new("active", T::Bool)
        .default("true")
        .list()
        .section(PIPE)
        .import(&["Aktif", "Active"]),
];

pub static PIPELINES: Kind = Kind {
    key: "pipelines",
    entity: "pipeline",
    table: "pipelines",
    alias: "pl",
    module: Module::Pipelines,
    fields: PIPELINE_FIELDS,
    sorts: &[SORT_POSITION, SORT_NAME, SORT_CREATED, SORT_UPDATED],
    default_sort: "position",
    tag_table: "",
    tag_key: "",
    fts: "pipelines_fts",
    owned: false,
    status: "active",
    name_sql: "{a}.name",
    derived: &["sort_name", "search_key"],
    merge: false,
    sections: &[(PIPE, "")],
    hierarchy: "",
    follow_up: None,
    timeline: None,
    name_of: name_field,
    derive: name_keys,
    rules: no_rules,
};

const STAGE: &str = "stage-section-main";

static STAGE_FIELDS: &[Field] = &[
    Field::new("pipeline_id", T::Reference)
        .refers("pipelines")
        .required()
        .list()
        .filter()
        .sticky()
        .section(STAGE),
    Field::new("name", T::Text)
        .required()
        .max(100)
        .list()
        .search()
        .section(STAGE),
    Field::new("position", T::Number)
        .required()
        .default("1")
        .list()
        .sort()
        .section(STAGE)
        .hint("stage-hint-position"),
    Field::new("probability", T::Percent)
        .required()
        .default("10")
        .list()
        .section(STAGE)
        .hint("stage-hint-probability"),
    Field::new("rotting_days", T::Number)
        .list()
        .section(STAGE)
        .hint("stage-hint-rotting_days"),
    Field::new("active", T::Bool)
        .default("true")
        .list()
        .filter()
        .section(STAGE)
        .hint("stage-hint-active"),
];

pub static STAGES: Kind = Kind {
    key: "stages",
    entity: "stage",
    table: "stages",
    alias: "sg",
    module: Module::Pipelines,
    fields: STAGE_FIELDS,
    sorts: &[SORT_POSITION, SORT_NAME, SORT_CREATED, SORT_UPDATED],
    default_sort: "position",
    tag_table: "",
    tag_key: "",
    fts: "stages_fts",
    owned: false,
    status: "active",
    name_sql: "{a}.name",
    derived: &["sort_name", "search_key"],
    merge: false,
    sections: &[(STAGE, "")],
    hierarchy: "",
    follow_up: None,
    timeline: None,
    name_of: name_field,
    derive: name_keys,
    rules: stage_rules,
};

/// A stage is stale after a whole number of days (1–3650), or never.
fn stage_rules(v: &mut Values, e: &mut FieldErrors) {
    whole(v, e, "rotting_days", 1, 3650);
    whole(v, e, "position", 1, 1000);
}

/// A number field's value.
pub fn number(v: &Values, key: &str) -> Option<f64> {
    match v.get(key) {
        Some(Value::Number(n) | Value::Percent(n)) => Some(n.get()),
        _ => None,
    }
}

fn whole(v: &Values, e: &mut FieldErrors, key: &str, min: i64, max: i64) {
    if let Some(n) = number(v, key)
        && (n.fract() != 0.0 || n < min as f64 || n > max as f64)
        && !e.has(key)
    {
        e.add_with(key, "out_of_range", max.to_string());
    }
}

const MAIN: &str = "deal-section-main";
const MONEY: &str = "deal-section-money";
const CLOSE: &str = "deal-section-close";

/// Sorted by expected close date: what closes first comes first.
pub const SORT_CLOSE: SortDef = SortDef::by("expected_close_date");

pub const SORT_AMOUNT: SortDef = SortDef::by("amount");

static FIELDS: &[Field] = &[
    Field::new("name", T::Text)
        .required()
        .max(200)
        .list()
        .search()
        .section(MAIN)
        .placeholder("deal-name-ph")
        .import(&["Fırsat", "Fırsat adı", "Ad", "Deal", "Name"]),
    fields::account().required().list().sticky().section(MAIN),
    fields::contact().column().section(MAIN).hint("deal-hint-contact"),
    fields::owner().list().section(MAIN),
    Field::new("stage_id", T::Reference)
        .refers("stages")
        .required()
        .list()
        .filter()
        .section(MAIN)
        .import(&["Aşama", "Stage"]),
    Field::new("pipeline_id", T::Reference)
        .refers("pipelines")
        .filter()
        .system(),
    Field::new("status", T::Choice)
        .options(STATUSES)
        .default("open")
        .list()
        .filter()
        .section(MAIN)
        .import(&["Durum", "Status"]),
    Field::new("amount", T::Money)
        .currency("currency")
        .list()
        .sort()
        .card()
        .section(MONEY)
        .import(&["Tutar", "Değer", "Amount", "Value"]),
    Field::new("currency", T::Choice)
        .options(CURRENCIES)
        .required()
        .default(DEFAULT_CURRENCY)
        .filter()
        .section(MONEY)
        .import(&["Para birimi", "Döviz", "Currency"]),
    Field::new("exchange_rate", T::Number)
        .section(MONEY)
        .shown_when("currency", &["EUR", "USD"])
        .hint("deal-hint-exchange_rate")
        .import(&["Kur", "Exchange rate"]),
    Field::new("probability", T::Percent)
        .list()
        .section(MONEY)
        .hint("deal-hint-probability")
        .import(&["Olasılık", "Probability"]),
    Field::new("forecast_category", T::Choice)
        .options(FORECASTS)
        .default("pipeline")
        .filter()
        .bulk()
        .section(MONEY)
        .import(&["Tahmin", "Forecast"]),
    Field::new("expected_close_date", T::Date)
        .list()
        .sort()
        .card()
        .section(CLOSE)
        .import(&["Beklenen kapanış", "Kapanış tarihi", "Close date"]),
    Field::new("next_step", T::Text)
        .max(200)
        .column()
        .section(CLOSE)
        .import(&["Sonraki adım", "Next step"]),
    Field::new("competitors", T::Text)
        .max(300)
        .section(CLOSE)
        .suggest(Suggest::Used)
        .import(&["Rakipler", "Competitors"]),
    Field::new("lost_reason", T::Text)
        .max(200)
        .filter()
        .section(CLOSE)
        .shown_when("status", &["lost"])
        .suggest(Suggest::Used)
        .import(&["Kayıp sebebi", "Lost reason"]),
    Field::new("competitor", T::Text)
        .max(200)
        .section(CLOSE)
        .shown_when("status", &["lost"])
        .hint("deal-hint-competitor")
        .import(&["Kazanan rakip", "Winner"]),
    Field::new("lead_id", T::Reference)
        .refers("leads")
        .column()
        .filter()
        .section(CLOSE)
        .import(&["Aday", "Lead"]),
    // The ids of the people taking part (`deal_contacts`), kept for the API's `contact_ids`.
    Field::new("stakeholders", T::Text).system().no_export().hidden(),
    Field::new("stage_entered_at", T::DateTime).system(),
    Field::new("closed_at", T::DateTime).system(),
    fields::tags().section(CLOSE),
];

pub static KIND: Kind = Kind {
    key: "deals",
    entity: "deal",
    table: "deals",
    alias: "dl",
    module: Module::Deals,
    fields: FIELDS,
    sorts: &[SORT_CREATED, SORT_UPDATED, SORT_NAME, SORT_CLOSE, SORT_AMOUNT],
    default_sort: "-created_at",
    tag_table: "deal_tags",
    tag_key: "deal_id",
    fts: "deals_fts",
    owned: true,
    status: "status",
    name_sql: "{a}.name",
    derived: &["sort_name", "search_key", "close_month"],
    merge: false,
    sections: &[(MAIN, ""), (MONEY, ""), (CLOSE, "")],
    hierarchy: "",
    follow_up: None,
    timeline: None,
    name_of: name_field,
    derive: deal_keys,
    rules,
};

/// A deal's keys: its name's, and the month it is expected to close in (`2027-03`, empty
/// without a date), which the forecast groups by.
fn deal_keys(v: &Values) -> Vec<(&'static str, String)> {
    let mut keys = name_keys(v);
    let month = match v.get("expected_close_date") {
        Some(Value::Date(d)) => d.format("%Y-%m").to_string(),
        _ => String::new(),
    };
    keys.push(("close_month", month));
    keys
}

/// A lost deal says why; a deal in a foreign currency carries its rate (never today's rate
/// guessed later); a rate only where it converts something.
pub fn rules(v: &mut Values, e: &mut FieldErrors) {
    let status = v.get("status").and_then(|x| x.as_text()).unwrap_or("open").to_string();
    if status == "lost" && !v.contains_key("lost_reason") && !e.has("lost_reason") {
        e.add("lost_reason", "required");
    }
    if status != "lost" {
        v.remove("lost_reason");
        v.remove("competitor");
    }
    let currency = v.get("currency").and_then(|x| x.as_text()).unwrap_or(DEFAULT_CURRENCY);
    if currency == DEFAULT_CURRENCY {
        v.remove("exchange_rate");
    } else {
        match number(v, "exchange_rate") {
            None if !e.has("exchange_rate") => e.add("exchange_rate", "rate_required"),
            // Above zero and below a million (NaN is neither).
            Some(r) if (r <= 0.0 || !(0.0..1_000_000.0).contains(&r)) && !e.has("exchange_rate") => {
                e.add("exchange_rate", "invalid_rate")
            }
            _ => {}
        }
    }
    if let Some(Value::Money(m)) = v.get("amount")
        && m.kurus() < 0
        && !e.has("amount")
    {
        e.add("amount", "must_not_be_negative");
    }
}

/// An amount in the company's currency at a stored rate, half-up to the kuruş.
pub fn in_default_currency(kurus: i64, rate: Option<f64>) -> i64 {
    match rate {
        Some(r) if r > 0.0 => (kurus as f64 * r).round() as i64,
        _ => kurus,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::record::Num;

    fn deal(pairs: &[(&'static str, Value)]) -> (Values, FieldErrors) {
        let mut v: Values = pairs.iter().cloned().collect();
        let mut e = FieldErrors::new();
        rules(&mut v, &mut e);
        (v, e)
    }

    #[test]
    fn a_lost_deal_needs_a_reason() {
        let (_, e) = deal(&[("status", Value::Choice("lost".into()))]);
        assert!(e.has("lost_reason"));
        let (v, e) = deal(&[
            ("status", Value::Choice("won".into())),
            ("lost_reason", Value::Text("Fiyat".into())),
        ]);
        assert!(!e.has("lost_reason"));
        assert!(!v.contains_key("lost_reason"), "a won deal keeps no lost reason");
    }

    #[test]
    fn a_foreign_currency_needs_a_rate() {
        let (_, e) = deal(&[("currency", Value::Choice("EUR".into()))]);
        assert!(e.has("exchange_rate"));
        let rate = Num::parse("35,1234").expect("rate");
        let (_, e) = deal(&[
            ("currency", Value::Choice("EUR".into())),
            ("exchange_rate", Value::Number(rate)),
        ]);
        assert!(!e.has("exchange_rate"));
        let (v, _) = deal(&[
            ("currency", Value::Choice("TRY".into())),
            ("exchange_rate", Value::Number(rate)),
        ]);
        assert!(!v.contains_key("exchange_rate"), "lira needs no rate");
        let (_, e) = deal(&[("amount", Value::Money(Money::from_kurus(-100)))]);
        assert!(e.has("amount"));
    }

    #[test]
    fn amounts_convert_at_the_stored_rate() {
        assert_eq!(in_default_currency(1_000_000, Some(35.1234)), 35_123_400);
        assert_eq!(in_default_currency(1, Some(0.5)), 1);
        assert_eq!(in_default_currency(12_345, None), 12_345);
    }

    #[test]
    fn every_template_has_rising_probabilities() {
        for (key, _, stages) in TEMPLATES {
            assert!(stages.windows(2).all(|w| w[0].1 <= w[1].1), "{key}");
            assert!(stages.iter().all(|s| (0..=100).contains(&s.1) && s.2 > 0), "{key}");
        }
        assert_eq!(TEMPLATES[0].2.len(), 7);
    }
}
