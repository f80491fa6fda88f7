//! Contacts (İlgili Kişiler): the people at a customer, with their part in the buying decision and how well we
//! know them.

use crate::permissions::str_enum;
use crate::text::{person_name, search_key, sort_key};
use crate::validation::{FieldErrors, choice, clean_tags, clean_text, given, parse_opt};
use crate::{Email, Phone};

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
/// Longest notes.
pub const MAX_NOTES: usize = 10_000;
/// Longest internal (dahili) extension we accept, in digits.
pub const MAX_EXTENSION: usize = 6;

/// The fields in the order the contact form shows them.
const FORM_ORDER: &[&str] = &[
    "account_id",
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "extension",
    "mobile",
    "whatsapp",
    "buying_role",
    "influence",
    "relationship",
    "reports_to_id",
    "owner_id",
    "tags",
    "notes",
];

/// A contact as typed: every field raw, from a form or from JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactDraft {
    pub account_id: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub extension: Option<String>,
    pub mobile: Option<String>,
    pub whatsapp: Option<String>,
    pub buying_role: Option<String>,
    pub influence: Option<String>,
    pub relationship: Option<String>,
    pub reports_to_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

/// A contact that obeys every rule: only this can be written. No way of reaching the person is required: a
/// business card may carry only a name and a title.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFields {
    pub account_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<Email>,
    /// The office line; `extension` is the internal number behind it.
    pub phone: Option<Phone>,
    pub extension: Option<String>,
    pub mobile: Option<Phone>,
    pub whatsapp: Option<Phone>,
    pub buying_role: Option<BuyingRole>,
    pub influence: Option<Influence>,
    pub relationship: Option<Relationship>,
    pub reports_to_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

impl ContactDraft {
    /// Checks every rule; errors come back in form order.
    pub fn validate(&self) -> Result<ContactFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let first_name = clean_text(&mut e, "first_name", self.first_name.as_deref(), MAX_NAME, false);
        if first_name.is_none() && !e.has("first_name") {
            e.add("first_name", "required");
        }
        let last_name = clean_text(&mut e, "last_name", self.last_name.as_deref(), MAX_NAME, false);
        if last_name.is_none() && !e.has("last_name") {
            e.add("last_name", "required");
        }
        let title = clean_text(&mut e, "title", self.title.as_deref(), MAX_TITLE, false);
        let department = clean_text(&mut e, "department", self.department.as_deref(), MAX_DEPARTMENT, false);
        let email = parse_opt(
            &mut e,
            "email",
            self.email.as_deref(),
            Email::parse,
            |_| "invalid_email",
        );
        let phone = parse_opt(
            &mut e,
            "phone",
            self.phone.as_deref(),
            Phone::parse,
            |_| "invalid_phone",
        );
        let extension = match given(self.extension.as_deref()) {
            None => None,
            Some(x) if x.len() <= MAX_EXTENSION && x.bytes().all(|b| b.is_ascii_digit()) => Some(x.to_string()),
            Some(_) => {
                e.add_with("extension", "invalid_extension", MAX_EXTENSION);
                None
            }
        };
        let mobile = parse_opt(
            &mut e,
            "mobile",
            self.mobile.as_deref(),
            Phone::parse,
            |_| "invalid_phone",
        );
        let whatsapp = parse_opt(
            &mut e,
            "whatsapp",
            self.whatsapp.as_deref(),
            Phone::parse,
            |_| "invalid_phone",
        );
        let buying_role = choice(&mut e, "buying_role", self.buying_role.as_deref(), BuyingRole::parse);
        let influence = choice(&mut e, "influence", self.influence.as_deref(), Influence::parse);
        let relationship = choice(
            &mut e,
            "relationship",
            self.relationship.as_deref(),
            Relationship::parse,
        );
        let tags = clean_tags(&mut e, "tags", &self.tags);
        let notes = clean_text(&mut e, "notes", self.notes.as_deref(), MAX_NOTES, true);

        if !e.is_empty() {
            e.sort_by_form(FORM_ORDER);
            return Err(e);
        }
        let (Some(first_name), Some(last_name)) = (first_name, last_name) else {
            return Err(e);
        };
        Ok(ContactFields {
            account_id: self.account_id,
            first_name,
            last_name,
            title,
            department,
            email,
            phone,
            extension,
            mobile,
            whatsapp,
            buying_role,
            influence,
            relationship,
            reports_to_id: self.reports_to_id,
            owner_id: self.owner_id,
            tags,
            notes,
        })
    }
}

impl ContactFields {
    /// `Ayşe Yılmaz`.
    pub fn display_name(&self) -> String {
        person_name(Some(&self.first_name), Some(&self.last_name))
    }

    /// The stored sort key of the name, first name first as the list shows it ([`sort_key`]).
    pub fn sort_name(&self) -> String {
        sort_key(&self.display_name())
    }

    /// What search matches: names, every phone in E.164 and with a leading 0, e-mail, title.
    pub fn search_key(&self) -> String {
        let phones: Vec<String> = [&self.phone, &self.mobile, &self.whatsapp]
            .into_iter()
            .flatten()
            .map(Phone::search_forms)
            .collect();
        let phones = phones.join(" ");
        search_key(&[
            Some(self.first_name.as_str()),
            Some(self.last_name.as_str()),
            (!phones.is_empty()).then_some(phones.as_str()),
            self.email.as_ref().map(Email::as_str),
            self.title.as_deref(),
        ])
    }

    /// Back to a draft, for editing.
    pub fn to_draft(&self) -> ContactDraft {
        ContactDraft {
            account_id: self.account_id,
            first_name: Some(self.first_name.clone()),
            last_name: Some(self.last_name.clone()),
            title: self.title.clone(),
            department: self.department.clone(),
            email: self.email.as_ref().map(|m| m.to_string()),
            phone: self.phone.as_ref().map(|p| p.to_string()),
            extension: self.extension.clone(),
            mobile: self.mobile.as_ref().map(|p| p.to_string()),
            whatsapp: self.whatsapp.as_ref().map(|p| p.to_string()),
            buying_role: self.buying_role.map(|v| v.as_str().into()),
            influence: self.influence.map(|v| v.as_str().into()),
            relationship: self.relationship.map(|v| v.as_str().into()),
            reports_to_id: self.reports_to_id,
            owner_id: self.owner_id,
            tags: self.tags.clone(),
            notes: self.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ContactDraft {
        ContactDraft {
            first_name: Some(" Ayşe ".into()),
            last_name: Some("YILMAZ".into()),
            ..Default::default()
        }
    }

    fn codes(e: &FieldErrors) -> Vec<(&str, &str)> {
        e.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect()
    }

    #[test]
    fn names_are_enough() {
        let f = draft().validate().unwrap();
        assert_eq!(f.display_name(), "Ayşe YILMAZ");
        assert!(f.phone.is_none() && f.email.is_none() && f.relationship.is_none());
    }

    #[test]
    fn both_names_are_required() {
        let e = ContactDraft::default().validate().unwrap_err();
        assert_eq!(codes(&e), vec![("first_name", "required"), ("last_name", "required")]);
        let e = ContactDraft {
            last_name: Some("  ".into()),
            ..draft()
        }
        .validate()
        .unwrap_err();
        assert_eq!(codes(&e), vec![("last_name", "required")]);
    }

    #[test]
    fn a_full_contact_validates_and_round_trips() {
        let d = ContactDraft {
            account_id: Some(4),
            title: Some("Satın Alma Müdürü".into()),
            department: Some("Satın Alma".into()),
            email: Some("Ayse.Yilmaz@Firma.com.tr".into()),
            phone: Some("0212 555 12 12".into()),
            extension: Some(" 1234 ".into()),
            mobile: Some("0532 123 45 67".into()),
            whatsapp: Some("+90 533 765 43 21".into()),
            buying_role: Some("decision_maker".into()),
            influence: Some("high".into()),
            relationship: Some("warm".into()),
            reports_to_id: Some(9),
            owner_id: Some(2),
            tags: vec!["Fuar".into()],
            notes: Some("Çay sever.".into()),
            ..draft()
        };
        let f = d.validate().unwrap();
        assert_eq!(f.extension.as_deref(), Some("1234"));
        assert_eq!(f.buying_role, Some(BuyingRole::DecisionMaker));
        assert_eq!(f.relationship, Some(Relationship::Warm));
        assert_eq!(f.to_draft().validate(), Ok(f.clone()));

        let k = f.search_key();
        for part in [
            "ayse yilmaz",
            "+902125551212",
            "02125551212",
            "05321234567",
            "+905337654321",
            "ayse.yilmaz@firma.com.tr",
            "satin alma muduru",
        ] {
            assert!(k.contains(part), "{part} in {k}");
        }
        assert_eq!(f.sort_name(), sort_key("Ayşe Yılmaz"));
    }

    #[test]
    fn bad_values_are_named_in_form_order() {
        let d = ContactDraft {
            relationship: Some("friend".into()),
            influence: Some("max".into()),
            buying_role: Some("boss".into()),
            whatsapp: Some("abc".into()),
            mobile: Some("12".into()),
            extension: Some("1234567".into()),
            phone: Some("0".into()),
            email: Some("x@y".into()),
            title: Some("u".repeat(201)),
            ..draft()
        };
        let e = d.validate().unwrap_err();
        assert_eq!(
            codes(&e),
            vec![
                ("title", "too_long"),
                ("email", "invalid_email"),
                ("phone", "invalid_phone"),
                ("extension", "invalid_extension"),
                ("mobile", "invalid_phone"),
                ("whatsapp", "invalid_phone"),
                ("buying_role", "invalid_choice"),
                ("influence", "invalid_choice"),
                ("relationship", "invalid_choice"),
            ]
        );
        assert_eq!(e.0[3].arg.as_deref(), Some("6"));
        for bad in ["12a", "12 34", "-1", "１２"] {
            let d = ContactDraft {
                extension: Some(bad.into()),
                ..draft()
            };
            assert_eq!(
                codes(&d.validate().unwrap_err()),
                vec![("extension", "invalid_extension")],
                "{bad}"
            );
        }
    }

    #[test]
    fn enums_round_trip() {
        for r in BuyingRole::ALL {
            assert_eq!(BuyingRole::parse(r.as_str()), Some(*r));
        }
        assert_eq!(BuyingRole::ALL.len(), 7);
        assert_eq!(Influence::parse("medium"), Some(Influence::Medium));
        assert_eq!(Relationship::parse("cold"), Some(Relationship::Cold));
    }
}
