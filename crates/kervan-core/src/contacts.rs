//! Contacts (İlgili Kişiler): the people at a customer, with their part in the buying decision and how well we
//! know them.

use crate::fields::{self, text};
use crate::permissions::{Module, str_enum};
use crate::record::{Field, FieldType as T, Kind, SORT_CREATED, SORT_NAME, SORT_UPDATED, Value, Values};
use crate::text::{person_name, search_key, sort_key};
use crate::validation::FieldErrors;

str_enum!(
    /// The part a person plays in a purchase (the usual B2B buying-centre roles).
    BuyingRole {
        DecisionMaker => "decision_maker",
        EconomicBuyer => "economic_buyer",
        TechnicalEvaluator => "technical_evaluator",
        User => "user",
        Influencer => "influencer",
        Champion => "champion",
        Blocker => "blocker",
    }
);

str_enum!(
    /// How much the person's word weighs in the decision.
    Influence {
        High => "high",
        Medium => "medium",
        Low => "low",
    }
);

str_enum!(
    /// How well we know the person: just met, on good terms, close, or gone cold.
    Relationship {
        New => "new",
        Warm => "warm",
        Strong => "strong",
        Cold => "cold",
    }
);

/// Longest first or last name.
pub const MAX_NAME: usize = 100;
/// Longest job title.
pub const MAX_TITLE: usize = 200;
/// Longest department name.
pub const MAX_DEPARTMENT: usize = 100;
/// Longest internal (dahili) extension we accept, in digits.
pub const MAX_EXTENSION: usize = 6;

const ROLES: &[&str] = &[
    "decision_maker",
    "economic_buyer",
    "technical_evaluator",
    "user",
    "influencer",
    "champion",
    "blocker",
];
const LEVELS: &[&str] = &["high", "medium", "low"];
const RELATIONSHIPS: &[&str] = &["new", "warm", "strong", "cold"];

const PERSON: &str = "contact-section-person";
const REACH: &str = "contact-section-reach";
const ROLE: &str = "contact-section-role";
const NOTES: &str = "form-section-notes";

static FIELDS: &[Field] = &[
    Field::new("account_id", T::Reference)
        .refers("accounts")
        .list()
        .filter()
        .sticky()
        .section(PERSON)
        .import(&["Müşteri", "Firma", "Şirket", "Account", "Company"]),
    fields::first_name(MAX_NAME).required().search().section(PERSON),
    fields::last_name(MAX_NAME).required().search().section(PERSON),
    fields::title(MAX_TITLE).list().section(PERSON),
    Field::new("department", T::Text)
        .max(MAX_DEPARTMENT)
        .column()
        .section(PERSON)
        .import(&["Departman", "Bölüm", "Department"]),
    fields::email().list().section(REACH),
    fields::phone()
        .column()
        .section(REACH)
        .import(&["İş telefonu", "Telefon", "Phone"]),
    Field::new("extension", T::Text)
        .max(MAX_EXTENSION)
        .section(REACH)
        .placeholder("contact-ext-ph")
        .import(&["Dahili", "Extension"]),
    Field::new("mobile", T::Phone)
        .list()
        .search()
        .section(REACH)
        .import(&["Cep", "Cep telefonu", "GSM", "Mobile"]),
    Field::new("whatsapp", T::Phone)
        .column()
        .search()
        .section(REACH)
        .import(&["WhatsApp"]),
    Field::new("buying_role", T::Choice)
        .options(ROLES)
        .list()
        .filter()
        .section(ROLE)
        .import(&["Satın alma rolü", "Rol", "Buying role"]),
    Field::new("influence", T::Choice)
        .options(LEVELS)
        .column()
        .filter()
        .section(ROLE)
        .import(&["Etkisi", "Influence"]),
    Field::new("relationship", T::Choice)
        .options(RELATIONSHIPS)
        .column()
        .filter()
        .section(ROLE)
        .import(&["İlişki", "Relationship"]),
    Field::new("reports_to_id", T::Reference)
        .refers("contacts")
        .section(ROLE)
        .import(&["Bağlı olduğu kişi", "Yönetici"]),
    fields::owner().column().section(ROLE),
    fields::tags().column().section(ROLE),
    fields::notes(NOTES),
    fields::from_lead(),
    fields::last_contact(),
];

pub static KIND: Kind = Kind {
    key: "contacts",
    entity: "contact",
    table: "contacts",
    alias: "c",
    module: Module::Contacts,
    fields: FIELDS,
    sorts: &[SORT_NAME, SORT_CREATED, SORT_UPDATED],
    default_sort: "name",
    tag_table: "contact_tags",
    tag_key: "contact_id",
    fts: "contacts_fts",
    owned: true,
    status: "",
    name_sql: "{a}.first_name || ' ' || {a}.last_name",
    derived: &["sort_name", "search_key"],
    merge: true,
    sections: &[(PERSON, ""), (REACH, ""), (ROLE, ""), (NOTES, "")],
    hierarchy: "reports_to_id",
    follow_up: None,
    timeline: None,
    name_of: name,
    derive: derived,
    rules,
};

/// The rules beyond each field's own: an extension is the office line's internal number, digits
/// only. No way of reaching the person is required: a business card may carry only a name.
pub fn rules(v: &mut Values, e: &mut FieldErrors) {
    if let Some(x) = text(v, "extension")
        && !(x.len() <= MAX_EXTENSION && x.bytes().all(|b| b.is_ascii_digit()))
        && !e.has("extension")
    {
        e.add_with("extension", "invalid_extension", MAX_EXTENSION);
    }
}

/// `Ayşe Yılmaz`.
pub fn name(v: &Values) -> String {
    person_name(text(v, "first_name"), text(v, "last_name"))
}

/// Derived columns: the name's sort key (first name first, as the list shows it) and what search
/// matches (names, every phone in E.164 and with a leading 0, e-mail, title).
pub fn derived(v: &Values) -> Vec<(&'static str, String)> {
    let phones: Vec<String> = ["phone", "mobile", "whatsapp"]
        .iter()
        .filter_map(|k| match v.get(*k) {
            Some(Value::Phone(p)) => Some(p.search_forms()),
            _ => None,
        })
        .collect();
    let phones = phones.join(" ");
    let key = search_key(&[
        text(v, "first_name"),
        text(v, "last_name"),
        (!phones.is_empty()).then_some(phones.as_str()),
        text(v, "email"),
        text(v, "title"),
    ]);
    vec![("sort_name", sort_key(&name(v))), ("search_key", key)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Values, FieldErrors> {
        let mut all = vec![("first_name", "Ayşe"), ("last_name", "Yılmaz")];
        for p in pairs {
            all.retain(|(k, _)| k != &p.0);
            all.push(*p);
        }
        crate::fields::parse_form(&KIND, &all, rules)
    }

    #[test]
    fn names_are_enough() {
        let v = parse(&[]).unwrap();
        assert_eq!(name(&v), "Ayşe Yılmaz");
        assert!(!v.contains_key("phone") && !v.contains_key("relationship"));
    }

    #[test]
    fn both_names_are_required() {
        let e = parse(&[("first_name", " "), ("last_name", "")]).unwrap_err();
        assert!(e.has("first_name") && e.has("last_name"));
    }

    #[test]
    fn a_full_contact_is_typed_and_searchable() {
        let v = parse(&[
            ("phone", "0212 555 66 77"),
            ("extension", "204"),
            ("mobile", "0532 111 22 33"),
            ("whatsapp", "+49 30 901820"),
            ("buying_role", "decision_maker"),
            ("relationship", "warm"),
            ("title", "Satın Alma Müdürü"),
        ])
        .unwrap();
        assert_eq!(v["mobile"].canonical(), "+905321112233");
        let key = &derived(&v)[1].1;
        for part in ["ayse yilmaz", "05321112233", "+4930901820", "satin alma"] {
            assert!(key.contains(part), "{part} in {key}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        let e = parse(&[
            ("extension", "12a"),
            ("mobile", "12"),
            ("buying_role", "boss"),
            ("email", "x@"),
        ])
        .unwrap_err();
        for (f, c) in [
            ("extension", "invalid_extension"),
            ("mobile", "invalid_phone"),
            ("buying_role", "invalid_choice"),
            ("email", "invalid_email"),
        ] {
            assert!(e.0.iter().any(|x| x.field == f && x.code == c), "{f} {c}: {e:?}");
        }
    }

    #[test]
    fn enums_round_trip() {
        for r in BuyingRole::ALL {
            assert_eq!(BuyingRole::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Influence::parse("high"), Some(Influence::High));
        assert_eq!(Relationship::parse("cold"), Some(Relationship::Cold));
    }
}
