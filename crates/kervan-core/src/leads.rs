//! Leads (Aday): the statuses, the sources and the rules of a valid lead.

use crate::fields::{self, text};
use crate::permissions::{Module, str_enum};
use crate::record::{Field, FieldType as T, Kind, SORT_CREATED, SORT_NAME, SORT_UPDATED, Suggest, Value, Values};
use crate::text::{fold, person_name};
use crate::validation::FieldErrors;

pub use crate::text::search_key;
pub use crate::validation::{MAX_TAG, MAX_TAGS};

str_enum!(LeadStatus {
    New => "new",
    Contacted => "contacted",
    InfoSent => "info_sent",
    Quoted => "quoted",
    Converted => "converted",
    Lost => "lost",
});

str_enum!(LeadSource {
    GoogleAds => "google_ads",
    Meta => "meta",
    WebForm => "web_form",
    Whatsapp => "whatsapp",
    Fair => "fair",
    Referral => "referral",
    Organic => "organic",
    Phone => "phone",
    Email => "email",
    Other => "other",
});

impl LeadStatus {
    /// Statuses a person may pick by hand. `converted` is reached only by converting the lead.
    pub const MANUAL: &'static [LeadStatus] = &[
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::InfoSent,
        LeadStatus::Quoted,
        LeadStatus::Lost,
    ];

    /// Open statuses: the lead is still being worked.
    pub fn is_open(self) -> bool {
        !matches!(self, LeadStatus::Converted | LeadStatus::Lost)
    }

    /// Whether a lead in `self` may be moved to `to` by an edit. Going back is allowed (people fix
    /// mistakes, a lost lead comes back), but a converted lead has become a customer and stays so.
    pub fn can_move_to(self, to: LeadStatus) -> bool {
        if self == to {
            return true;
        }
        self != LeadStatus::Converted && to != LeadStatus::Converted
    }
}

pub const MAX_NAME: usize = 100;
pub const MAX_COMPANY: usize = 200;
pub const MAX_SHORT: usize = 200;

const PERSON: &str = "form-section-person";
const REACH: &str = "form-section-contact";
const SALES: &str = "form-section-sales";
const NOTES: &str = "form-section-notes";

const STATUSES: &[&str] = &["new", "contacted", "info_sent", "quoted", "converted", "lost"];
const SOURCES: &[&str] = &[
    "google_ads",
    "meta",
    "web_form",
    "whatsapp",
    "fair",
    "referral",
    "organic",
    "phone",
    "email",
    "other",
];

static FIELDS: &[Field] = &[
    fields::first_name(MAX_NAME).section(PERSON),
    fields::last_name(MAX_NAME).section(PERSON),
    Field::new("company", T::Text)
        .max(MAX_COMPANY)
        .column()
        .section(PERSON)
        .import(&["Firma", "Şirket", "Firma adı", "Company"]),
    fields::title(MAX_SHORT).column().section(PERSON),
    fields::phone()
        .list()
        .section(REACH)
        .import(&["Telefon", "Tel", "GSM", "Cep", "Cep telefonu", "Phone", "Mobile"]),
    fields::email().column().section(REACH),
    fields::city(MAX_NAME).section(REACH),
    fields::sector(MAX_NAME).section(REACH),
    Field::new("source", T::Choice)
        .options(SOURCES)
        .required()
        .list()
        .filter()
        .sticky()
        .section(SALES)
        .import(&["Kaynak", "Source"]),
    Field::new("source_detail", T::Text)
        .max(MAX_SHORT)
        .column()
        .filter()
        .sticky()
        .section(SALES)
        .suggest(Suggest::Used)
        .placeholder("form-source-detail-ph")
        .import(&["Kaynak ayrıntısı", "Fuar", "Etkinlik", "Source detail", "Event"]),
    Field::new("campaign", T::Text)
        .max(MAX_SHORT)
        .column()
        .sticky()
        .section(SALES)
        .import(&["Kampanya", "Campaign"]),
    Field::new("product_interest", T::Text)
        .max(MAX_SHORT)
        .column()
        .section(SALES)
        .import(&["İlgilendiği ürün", "Ürün", "Product interest"]),
    Field::new("status", T::Choice)
        .options(STATUSES)
        .default("new")
        .list()
        .filter()
        .bulk()
        .section(SALES)
        .import(&["Durum", "Status"]),
    Field::new("lost_reason", T::Text)
        .max(MAX_SHORT)
        .shown_when("status", &["lost"])
        .section(SALES)
        .import(&["Kayıp nedeni", "Lost reason"]),
    fields::owner().list().section(SALES),
    fields::tags().list().section(SALES),
    fields::notes(NOTES),
    Field::new("account_id", T::Reference)
        .refers("accounts")
        .system()
        .no_export(),
    Field::new("contact_id", T::Reference)
        .refers("contacts")
        .system()
        .no_export(),
    Field::new("converted_at", T::DateTime).system(),
    fields::last_contact(),
];

pub static KIND: Kind = Kind {
    key: "leads",
    entity: "lead",
    table: "leads",
    alias: "l",
    module: Module::Leads,
    fields: FIELDS,
    sorts: &[SORT_CREATED, SORT_UPDATED, SORT_NAME],
    default_sort: "-created_at",
    tag_table: "lead_tags",
    tag_key: "lead_id",
    fts: "leads_fts",
    owned: true,
    status: "status",
    name_sql: "COALESCE(NULLIF(TRIM(COALESCE({a}.first_name, '') || ' ' || COALESCE({a}.last_name, '')), ''), {a}.company)",
    derived: &["sort_name", "search_key"],
    merge: false,
    sections: &[
        (PERSON, "form-hint-name"),
        (REACH, "form-hint-contact"),
        (SALES, ""),
        (NOTES, ""),
    ],
    hierarchy: "",
    follow_up: None,
    timeline: None,
    name_of: name,
    derive: derived,
    rules: |v, e| rules(v, e, None),
};

/// The rules across fields: a name (person or company), a way to reach them, a reason when lost;
/// `converted` is reached only by converting, and a converted lead stays converted.
pub fn rules(v: &mut Values, e: &mut FieldErrors, old_status: Option<&str>) {
    let has_person = v.contains_key("first_name") && v.contains_key("last_name");
    if !has_person && !v.contains_key("company") && !["first_name", "last_name", "company"].iter().any(|k| e.has(k)) {
        // Point at whichever half of the name is missing, so the form marks the right box.
        let field = if v.contains_key("first_name") {
            "last_name"
        } else {
            "first_name"
        };
        e.add(field, "name_or_company");
    }
    if !v.contains_key("email") && !v.contains_key("phone") && !e.has("email") && !e.has("phone") {
        e.add("phone", "phone_or_email");
    }
    let status = text(v, "status").and_then(LeadStatus::parse).unwrap_or(LeadStatus::New);
    let before = old_status.and_then(LeadStatus::parse);
    match before {
        Some(b) if !b.can_move_to(status) => e.add("status", "status_not_allowed"),
        None if status == LeadStatus::Converted => e.add("status", "status_not_allowed"),
        _ => {}
    }
    if status == LeadStatus::Lost && !v.contains_key("lost_reason") && !e.has("lost_reason") {
        e.add("lost_reason", "required");
    }
    // A lost reason only makes sense on a lost lead.
    if status != LeadStatus::Lost {
        v.remove("lost_reason");
    }
}

/// `Ayşe Yılmaz`, else the company.
pub fn name(v: &Values) -> String {
    display_name(text(v, "first_name"), text(v, "last_name"), text(v, "company"))
}

/// Derived columns: the name's sort key and what search matches (names, company, e-mail, the
/// phone's digits in both forms, city).
pub fn derived(v: &Values) -> Vec<(&'static str, String)> {
    let phone = match v.get("phone") {
        Some(Value::Phone(p)) => Some(p.search_forms()),
        _ => None,
    };
    let key = search_key(&[
        text(v, "first_name"),
        text(v, "last_name"),
        text(v, "company"),
        text(v, "email"),
        phone.as_deref(),
        text(v, "city"),
    ]);
    vec![("sort_name", fold(&name(v))), ("search_key", key)]
}

/// The person's name if there is one, else the company.
pub fn display_name(first: Option<&str>, last: Option<&str>, company: Option<&str>) -> String {
    let person = person_name(first, last);
    if !person.is_empty() {
        person
    } else {
        company.unwrap_or("").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)], old: Option<&str>) -> Result<Values, FieldErrors> {
        crate::fields::parse_form(&KIND, pairs, |v, e| rules(v, e, old))
    }

    const OK: &[(&str, &str)] = &[
        ("first_name", "Şükrü"),
        ("last_name", "Işık"),
        ("phone", "0532 123 45 67"),
        ("source", "fair"),
    ];

    #[test]
    fn a_complete_lead_validates() {
        let v = parse(OK, None).unwrap();
        assert_eq!(v["status"], Value::Choice("new".into()));
        assert_eq!(v["phone"].canonical(), "+905321234567");
        assert_eq!(name(&v), "Şükrü Işık");
    }

    #[test]
    fn company_alone_is_a_name() {
        assert!(
            parse(
                &[
                    ("company", "Anadolu Metal A.Ş."),
                    ("email", "a@b.com"),
                    ("source", "meta")
                ],
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn missing_parts_are_named() {
        let e = parse(&[], None).unwrap_err();
        let codes: Vec<_> = e.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect();
        assert!(codes.contains(&("first_name", "name_or_company")));
        assert!(codes.contains(&("phone", "phone_or_email")));
        assert!(codes.contains(&("source", "required")));
    }

    #[test]
    fn bad_values_are_named() {
        let mut pairs = OK.to_vec();
        pairs.extend([
            ("email", "not-an-email"),
            ("phone", "12"),
            ("source", "tv"),
            ("status", "lost"),
        ]);
        let e = parse(&pairs, None).unwrap_err();
        for (f, c) in [
            ("email", "invalid_email"),
            ("phone", "invalid_phone"),
            ("source", "invalid_choice"),
            ("lost_reason", "required"),
        ] {
            assert!(e.0.iter().any(|x| x.field == f && x.code == c), "{f} {c}: {e:?}");
        }
    }

    #[test]
    fn converted_is_reached_only_by_conversion_and_stays() {
        let mut pairs = OK.to_vec();
        pairs.push(("status", "converted"));
        assert!(parse(&pairs, None).unwrap_err().has("status"));
        assert!(parse(&pairs, Some("new")).unwrap_err().has("status"));
        let mut back = OK.to_vec();
        back.push(("status", "new"));
        assert!(parse(&back, Some("converted")).unwrap_err().has("status"));
        assert!(!LeadStatus::Converted.can_move_to(LeadStatus::New));
        assert!(LeadStatus::Lost.can_move_to(LeadStatus::Contacted));
    }

    #[test]
    fn search_key_has_both_phone_forms() {
        let v = parse(OK, None).unwrap();
        let key = &derived(&v)[1].1;
        assert!(key.contains("sukru isik") && key.contains("05321234567") && key.contains("+905321234567"));
    }
}
