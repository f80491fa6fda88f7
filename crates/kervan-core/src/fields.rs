//! Fields that several kinds share, declared once: the same key, type and import headers
//! wherever they appear (a trade-fair Excel's "GSM" or "Sorumlu" column maps alike onto a lead,
//! a customer or a contact). A kind adds what is its own (section, list column, filter, limit).

use crate::record::{Field, FieldType as T, Suggest, Value, Values};

/// Longest notes on any record.
pub const MAX_NOTES: usize = 10_000;

pub const fn first_name(max: usize) -> Field {
    Field::new("first_name", T::Text)
        .max(max)
        .import(&["Ad", "Adı", "İsim", "First name"])
}

pub const fn last_name(max: usize) -> Field {
    Field::new("last_name", T::Text)
        .max(max)
        .import(&["Soyad", "Soyadı", "Last name", "Surname"])
}

/// A person's job title (Görevi), never the company's legal name (Unvan).
pub const fn title(max: usize) -> Field {
    Field::new("title", T::Text)
        .max(max)
        .import(&["Görevi", "Görev", "Pozisyon", "Title", "Job title"])
}

pub const fn phone() -> Field {
    Field::new("phone", T::Phone).search().placeholder("form-phone-ph")
}

pub const fn email() -> Field {
    Field::new("email", T::Email)
        .search()
        .import(&["E-posta", "Eposta", "Mail", "E-mail", "Email"])
}

/// A city: one of the 81 provinces offered, a foreign city accepted.
pub const fn city(max: usize) -> Field {
    Field::new("city", T::Text)
        .max(max)
        .list()
        .filter()
        .suggest(Suggest::Provinces)
        .import(&["Şehir", "İl", "City"])
}

/// A sector, offered from the values already in use.
pub const fn sector(max: usize) -> Field {
    Field::new("sector", T::Text)
        .max(max)
        .column()
        .filter()
        .suggest(Suggest::Used)
        .import(&["Sektör", "Sector", "Industry"])
}

/// The user responsible for the record; what own/team scopes are decided by.
pub const fn owner() -> Field {
    Field::new("owner_id", T::User)
        .filter()
        .bulk()
        .import(&["Sorumlu", "Owner"])
}

pub const fn tags() -> Field {
    Field::new("tags", T::Tags)
        .filter()
        .placeholder("form-tags-ph")
        .import(&["Etiketler", "Etiket", "Tags"])
}

pub const fn notes(section: &'static str) -> Field {
    Field::new("notes", T::LongText)
        .max(MAX_NOTES)
        .section(section)
        .import(&["Not", "Notlar", "Açıklama", "Notes"])
}

/// A link to a customer, recognised by an import under the same names everywhere.
pub const fn account() -> Field {
    Field::new("account_id", T::Reference)
        .refers("accounts")
        .filter()
        .import(&["Müşteri", "Firma", "Account", "Company"])
}

/// A link to a person of a customer.
pub const fn contact() -> Field {
    Field::new("contact_id", T::Reference)
        .refers("contacts")
        .filter()
        .import(&["Kişi", "İlgili kişi", "Contact"])
}

/// A link to a deal (what is done for it: tasks, activities, quotes).
pub const fn deal() -> Field {
    Field::new("deal_id", T::Reference)
        .refers("deals")
        .column()
        .filter()
        .import(&["Fırsat", "Deal"])
}

/// The lead a customer or contact was converted from (kept by the conversion, not typed).
pub const fn from_lead() -> Field {
    Field::new("lead_id", T::Reference).refers("leads").system().no_export()
}

/// When we last talked to the customer or person (held activities set it).
pub const fn last_contact() -> Field {
    Field::new("last_contact_at", T::DateTime).system().card()
}

/// A field's text, when it has one.
pub fn text<'a>(v: &'a Values, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_text)
}

/// Test helper: what a kind's form makes of these text inputs, its own rules included.
#[cfg(test)]
pub(crate) fn parse_form(
    kind: &'static crate::record::Kind,
    pairs: &[(&str, &str)],
    rules: impl FnOnce(&mut Values, &mut crate::FieldErrors),
) -> Result<Values, crate::FieldErrors> {
    use crate::record::{CustomValues, Input, Inputs, read_inputs};
    let inputs = Inputs {
        fields: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Input::Text(v.to_string())))
            .collect(),
        custom: Default::default(),
        ..Default::default()
    };
    let (mut v, _, mut e) = read_inputs(kind, &[], &inputs, (&Values::new(), &CustomValues::new()), true);
    rules(&mut v, &mut e);
    let order: Vec<&str> = kind.fields.iter().map(|f| f.key).collect();
    e.sort_by_form(&order);
    e.into_result(v)
}
