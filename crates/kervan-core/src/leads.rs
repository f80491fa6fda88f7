//! Leads (Aday): the statuses, the sources and the rules of a valid lead.

use crate::permissions::str_enum;
use crate::text::person_name;
use crate::validation::{FieldErrors, choice, clean_tags, clean_text, parse_opt};
use crate::{Email, Phone};

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

/// The fields in the order the lead form shows them.
const FORM_ORDER: &[&str] = &[
    "first_name",
    "last_name",
    "company",
    "title",
    "phone",
    "email",
    "city",
    "sector",
    "source",
    "source_detail",
    "campaign",
    "product_interest",
    "status",
    "lost_reason",
    "owner_id",
    "tags",
    "notes",
];

pub const MAX_NAME: usize = 100;
pub const MAX_COMPANY: usize = 200;
pub const MAX_SHORT: usize = 200;
pub const MAX_NOTES: usize = 10_000;

/// A lead as typed: every field raw, from a form or from JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadDraft {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub source_detail: Option<String>,
    pub campaign: Option<String>,
    pub product_interest: Option<String>,
    pub status: Option<String>,
    pub lost_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub city: Option<String>,
    pub sector: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

/// A lead that obeys every rule: only this can be written.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub source: LeadSource,
    pub source_detail: Option<String>,
    pub campaign: Option<String>,
    pub product_interest: Option<String>,
    pub status: LeadStatus,
    pub lost_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub city: Option<String>,
    pub sector: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

impl LeadDraft {
    pub fn validate(&self) -> Result<LeadFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let first_name = clean_text(&mut e, "first_name", self.first_name.as_deref(), MAX_NAME, false);
        let last_name = clean_text(&mut e, "last_name", self.last_name.as_deref(), MAX_NAME, false);
        let company = clean_text(&mut e, "company", self.company.as_deref(), MAX_COMPANY, false);
        let title = clean_text(&mut e, "title", self.title.as_deref(), MAX_SHORT, false);
        let source_detail = clean_text(&mut e, "source_detail", self.source_detail.as_deref(), MAX_SHORT, false);
        let campaign = clean_text(&mut e, "campaign", self.campaign.as_deref(), MAX_SHORT, false);
        let product_interest = clean_text(
            &mut e,
            "product_interest",
            self.product_interest.as_deref(),
            MAX_SHORT,
            false,
        );
        let lost_reason = clean_text(&mut e, "lost_reason", self.lost_reason.as_deref(), MAX_SHORT, true);
        let city = clean_text(&mut e, "city", self.city.as_deref(), MAX_NAME, false);
        let sector = clean_text(&mut e, "sector", self.sector.as_deref(), MAX_NAME, false);
        let notes = clean_text(&mut e, "notes", self.notes.as_deref(), MAX_NOTES, true);

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
        let source = choice(&mut e, "source", self.source.as_deref(), LeadSource::parse);
        if source.is_none() && !e.has("source") {
            e.add("source", "required");
        }
        let status = match choice(&mut e, "status", self.status.as_deref(), LeadStatus::parse) {
            None if !e.has("status") => Some(LeadStatus::New),
            other => other,
        };

        let has_person = first_name.is_some() && last_name.is_some();
        if !has_person && company.is_none() && !e.has("first_name") && !e.has("last_name") && !e.has("company") {
            // Point at whichever half of the name is missing, so the form marks the right box.
            let field = if first_name.is_some() {
                "last_name"
            } else {
                "first_name"
            };
            e.add(field, "name_or_company");
        }
        if email.is_none() && phone.is_none() && !e.has("email") && !e.has("phone") {
            e.add("phone", "phone_or_email");
        }
        if status == Some(LeadStatus::Lost) && lost_reason.is_none() && !e.has("lost_reason") {
            e.add("lost_reason", "required");
        }

        let tags = clean_tags(&mut e, "tags", &self.tags);

        if !e.is_empty() {
            e.sort_by_form(FORM_ORDER);
            return Err(e);
        }
        let (Some(source), Some(status)) = (source, status) else {
            return Err(e);
        };
        Ok(LeadFields {
            first_name,
            last_name,
            company,
            title,
            email,
            phone,
            source,
            source_detail,
            campaign,
            product_interest,
            // a lost reason only makes sense on a lost lead
            lost_reason: if status == LeadStatus::Lost { lost_reason } else { None },
            status,
            owner_id: self.owner_id,
            city,
            sector,
            tags,
            notes,
        })
    }
}

impl LeadFields {
    /// `Ayşe Yılmaz`, else the company.
    pub fn display_name(&self) -> String {
        display_name(
            self.first_name.as_deref(),
            self.last_name.as_deref(),
            self.company.as_deref(),
        )
    }

    /// What search matches: names, company, e-mail, the phone's digits, city.
    pub fn search_key(&self) -> String {
        let phone = self.phone.as_ref().map(Phone::search_forms);
        search_key(&[
            self.first_name.as_deref(),
            self.last_name.as_deref(),
            self.company.as_deref(),
            self.email.as_ref().map(|e| e.as_str()),
            phone.as_deref(),
            self.city.as_deref(),
        ])
    }

    /// Back to a draft, for editing.
    pub fn to_draft(&self) -> LeadDraft {
        LeadDraft {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            company: self.company.clone(),
            title: self.title.clone(),
            email: self.email.as_ref().map(|e| e.to_string()),
            phone: self.phone.as_ref().map(|p| p.to_string()),
            source: Some(self.source.as_str().into()),
            source_detail: self.source_detail.clone(),
            campaign: self.campaign.clone(),
            product_interest: self.product_interest.clone(),
            status: Some(self.status.as_str().into()),
            lost_reason: self.lost_reason.clone(),
            owner_id: self.owner_id,
            city: self.city.clone(),
            sector: self.sector.clone(),
            tags: self.tags.clone(),
            notes: self.notes.clone(),
        }
    }
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

    fn draft() -> LeadDraft {
        LeadDraft {
            first_name: Some("Şükrü".into()),
            last_name: Some("Işık".into()),
            phone: Some("0532 123 45 67".into()),
            source: Some("fair".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_draft_validates() {
        let f = draft().validate().unwrap();
        assert_eq!(f.status, LeadStatus::New);
        assert_eq!(f.phone.unwrap().as_str(), "+905321234567");
    }

    #[test]
    fn company_alone_is_a_name() {
        let d = LeadDraft {
            first_name: None,
            last_name: None,
            company: Some("Anadolu Metal A.Ş.".into()),
            ..draft()
        };
        assert!(d.validate().is_ok());
    }

    #[test]
    fn missing_parts_are_named() {
        let d = LeadDraft {
            first_name: None,
            last_name: None,
            phone: None,
            source: None,
            ..Default::default()
        };
        let e = d.validate().unwrap_err();
        let codes: Vec<_> = e.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect();
        assert!(codes.contains(&("first_name", "name_or_company")));
        assert!(codes.contains(&("phone", "phone_or_email")));
        assert!(codes.contains(&("source", "required")));
    }

    #[test]
    fn bad_values_are_named() {
        let d = LeadDraft {
            email: Some("not-an-email".into()),
            phone: Some("12".into()),
            source: Some("tv".into()),
            status: Some("lost".into()),
            ..draft()
        };
        let e = d.validate().unwrap_err();
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
    fn tags_are_deduplicated_turkish_insensitively() {
        let d = LeadDraft {
            tags: vec!["İhracat".into(), "ihracat".into(), " ".into(), "Fuar".into()],
            ..draft()
        };
        assert_eq!(
            d.validate().unwrap().tags,
            vec!["İhracat".to_string(), "Fuar".to_string()]
        );
    }

    #[test]
    fn search_key_contains_phone_forms() {
        let f = draft().validate().unwrap();
        let k = f.search_key();
        assert!(k.contains("sukru isik"));
        assert!(k.contains("05321234567"));
        assert!(k.contains("+905321234567"));
    }

    #[test]
    fn converted_is_terminal() {
        assert!(!LeadStatus::Converted.can_move_to(LeadStatus::New));
        assert!(!LeadStatus::New.can_move_to(LeadStatus::Converted));
        assert!(LeadStatus::Lost.can_move_to(LeadStatus::Contacted));
    }
}
