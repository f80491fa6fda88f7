//! Accounts (Müşteriler): the customers, companies or individuals, with their tax identity, classification and
//! addresses; and the name and e-mail keys that find likely duplicates before a second record is made.

use crate::permissions::str_enum;
use crate::tax_id::TaxIdError;
use crate::text::{fold, search_key, sort_key};
use crate::validation::{FieldErrors, choice, clean_tags, clean_text, given, parse_opt};
use crate::website::Website;
use crate::{Email, Money, Phone, Tckn, Vkn};

str_enum!(
    /// A company (firma) or a private person (bireysel müşteri).
    AccountKind {
        Company => "company",
        Individual => "individual",
    }
);

str_enum!(
    /// The ABC class a company gives its customers by the business they bring (A the most).
    CustomerClass {
        A => "a",
        B => "b",
        C => "c",
    }
);

str_enum!(
    /// The market segment: large companies, small and medium ones (KOBİ), private persons.
    Segment {
        Corporate => "corporate",
        Sme => "sme",
        Individual => "individual",
    }
);

str_enum!(
    /// How much more business the customer could bring.
    Potential {
        High => "high",
        Medium => "medium",
        Low => "low",
    }
);

str_enum!(
    /// Where the customer stands with us: buying (active), buying for long (loyal), slipping (at risk), gone quiet.
    Lifecycle {
        Active => "active",
        Loyal => "loyal",
        AtRisk => "at_risk",
        Passive => "passive",
    }
);

str_enum!(
    /// What an address is for: invoices go to the billing address, goods to a delivery address.
    AddressKind {
        Billing => "billing",
        Delivery => "delivery",
    }
);

/// The country an account or address is in when none is given.
pub const DEFAULT_COUNTRY: &str = "Türkiye";

/// Longest account name (a Turkish trade name can be long: `… Sanayi ve Ticaret Anonim Şirketi`).
pub const MAX_NAME: usize = 200;
/// Longest short text: tax office, sector, country, region, city, district.
pub const MAX_SHORT: usize = 100;
/// Longest web address as typed.
pub const MAX_WEBSITE: usize = 300;
/// Longest notes.
pub const MAX_NOTES: usize = 10_000;
/// Longest street address.
pub const MAX_ADDRESS_LINE: usize = 300;
/// Longest foreign postal code.
pub const MAX_POSTAL_CODE: usize = 12;

/// The fields in the order the account form shows them.
const FORM_ORDER: &[&str] = &[
    "kind",
    "name",
    "tax_office",
    "tax_number",
    "national_id",
    "sector",
    "customer_class",
    "segment",
    "potential",
    "annual_revenue",
    "lifecycle",
    "parent_id",
    "owner_id",
    "phone",
    "email",
    "website",
    "country",
    "region",
    "city",
    "district",
    "tags",
    "notes",
];

/// The fields in the order the address form shows them.
const ADDRESS_FORM_ORDER: &[&str] = &["kind", "line", "country", "city", "district", "postal_code"];

/// An account as typed: every field raw, from a form or from JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountDraft {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub tax_office: Option<String>,
    pub tax_number: Option<String>,
    pub national_id: Option<String>,
    pub sector: Option<String>,
    pub customer_class: Option<String>,
    pub segment: Option<String>,
    pub potential: Option<String>,
    pub annual_revenue: Option<String>,
    pub lifecycle: Option<String>,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

/// An account that obeys every rule: only this can be written.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountFields {
    pub kind: AccountKind,
    /// Trade name (unvan) of a company, full name of an individual.
    pub name: String,
    pub tax_office: Option<String>,
    pub tax_number: Option<Vkn>,
    pub national_id: Option<Tckn>,
    pub sector: Option<String>,
    pub customer_class: Option<CustomerClass>,
    pub segment: Option<Segment>,
    pub potential: Option<Potential>,
    pub annual_revenue: Option<Money>,
    pub lifecycle: Lifecycle,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub region: Option<String>,
    pub country: String,
    pub city: Option<String>,
    pub district: Option<String>,
    pub website: Option<Website>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

impl AccountDraft {
    /// Checks every rule; errors come back in form order.
    ///
    /// Tax identity: a company's tax number is its VKN; an individual has no VKN of its own in our records, so a
    /// tax number on an individual is refused (`tax_number_for_company_only`) and the TCKN goes to `national_id`.
    /// A company may carry a TCKN: a sole proprietorship (şahıs firması) is taxed under its owner's TCKN, and
    /// e-invoices to it name that number. An 11-digit valid TCKN typed into the tax number box gets its own code
    /// (`tax_number_is_tckn`) so the form can point to the right box.
    pub fn validate(&self) -> Result<AccountFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = choice(&mut e, "kind", self.kind.as_deref(), AccountKind::parse);
        if kind.is_none() && !e.has("kind") {
            e.add("kind", "required");
        }
        let name = clean_text(&mut e, "name", self.name.as_deref(), MAX_NAME, false);
        if name.is_none() && !e.has("name") {
            e.add("name", "required");
        }
        let tax_office = clean_text(&mut e, "tax_office", self.tax_office.as_deref(), MAX_SHORT, false);

        let raw_tax = self.tax_number.as_deref();
        let tax_number = if kind == Some(AccountKind::Individual) && given(raw_tax).is_some() {
            e.add("tax_number", "tax_number_for_company_only");
            None
        } else {
            parse_opt(&mut e, "tax_number", raw_tax, Vkn::parse, |err| match err {
                TaxIdError::Checksum => "vkn_checksum",
                // a TCKN typed into the VKN box: say so, rather than "must be 10 digits"
                _ if given(raw_tax).is_some_and(|s| Tckn::parse(s).is_ok()) => "tax_number_is_tckn",
                _ => "vkn_length",
            })
        };
        let national_id = parse_opt(
            &mut e,
            "national_id",
            self.national_id.as_deref(),
            Tckn::parse,
            |err| match err {
                TaxIdError::Length => "tckn_length",
                TaxIdError::LeadingZero => "tckn_leading_zero",
                TaxIdError::Checksum => "tckn_checksum",
            },
        );

        let sector = clean_text(&mut e, "sector", self.sector.as_deref(), MAX_SHORT, false);
        let customer_class = choice(
            &mut e,
            "customer_class",
            self.customer_class.as_deref(),
            CustomerClass::parse,
        );
        let segment = choice(&mut e, "segment", self.segment.as_deref(), Segment::parse);
        let potential = choice(&mut e, "potential", self.potential.as_deref(), Potential::parse);
        let annual_revenue = parse_opt(
            &mut e,
            "annual_revenue",
            self.annual_revenue.as_deref(),
            Money::parse,
            |_| "invalid_money",
        );
        let lifecycle =
            choice(&mut e, "lifecycle", self.lifecycle.as_deref(), Lifecycle::parse).unwrap_or(Lifecycle::Active);

        let phone = parse_opt(
            &mut e,
            "phone",
            self.phone.as_deref(),
            Phone::parse,
            |_| "invalid_phone",
        );
        let email = parse_opt(
            &mut e,
            "email",
            self.email.as_deref(),
            Email::parse,
            |_| "invalid_email",
        );
        let website = match clean_text(&mut e, "website", self.website.as_deref(), MAX_WEBSITE, false) {
            None => None,
            Some(w) => parse_opt(&mut e, "website", Some(&w), Website::parse, |_| "invalid_website"),
        };
        let country = clean_text(&mut e, "country", self.country.as_deref(), MAX_SHORT, false);
        let region = clean_text(&mut e, "region", self.region.as_deref(), MAX_SHORT, false);
        let city = clean_text(&mut e, "city", self.city.as_deref(), MAX_SHORT, false);
        let district = clean_text(&mut e, "district", self.district.as_deref(), MAX_SHORT, false);
        let tags = clean_tags(&mut e, "tags", &self.tags);
        let notes = clean_text(&mut e, "notes", self.notes.as_deref(), MAX_NOTES, true);

        if !e.is_empty() {
            e.sort_by_form(FORM_ORDER);
            return Err(e);
        }
        let (Some(kind), Some(name)) = (kind, name) else {
            return Err(e);
        };
        Ok(AccountFields {
            kind,
            name,
            tax_office,
            tax_number,
            national_id,
            sector,
            customer_class,
            segment,
            potential,
            annual_revenue,
            lifecycle,
            parent_id: self.parent_id,
            owner_id: self.owner_id,
            region,
            country: normalize_country(country),
            city,
            district,
            website,
            phone,
            email,
            tags,
            notes,
        })
    }
}

impl AccountFields {
    /// The stored sort key of the name ([`sort_key`]): Turkish alphabetical order in a plain text column.
    pub fn sort_name(&self) -> String {
        sort_key(&self.name)
    }

    /// What search matches: name, tax number, national id, the phone in E.164 and with a leading 0, e-mail, city.
    pub fn search_key(&self) -> String {
        let phone = self.phone.as_ref().map(Phone::search_forms);
        search_key(&[
            Some(self.name.as_str()),
            self.tax_number.as_ref().map(Vkn::as_str),
            self.national_id.as_ref().map(Tckn::as_str),
            phone.as_deref(),
            self.email.as_ref().map(Email::as_str),
            self.city.as_deref(),
        ])
    }

    /// The duplicate-detection key of the name ([`company_name_key`]).
    pub fn name_key(&self) -> String {
        company_name_key(&self.name)
    }

    /// Back to a draft, for editing.
    pub fn to_draft(&self) -> AccountDraft {
        AccountDraft {
            kind: Some(self.kind.as_str().into()),
            name: Some(self.name.clone()),
            tax_office: self.tax_office.clone(),
            tax_number: self.tax_number.as_ref().map(|v| v.to_string()),
            national_id: self.national_id.as_ref().map(|v| v.to_string()),
            sector: self.sector.clone(),
            customer_class: self.customer_class.map(|v| v.as_str().into()),
            segment: self.segment.map(|v| v.as_str().into()),
            potential: self.potential.map(|v| v.as_str().into()),
            annual_revenue: self.annual_revenue.map(Money::amount_text),
            lifecycle: Some(self.lifecycle.as_str().into()),
            parent_id: self.parent_id,
            owner_id: self.owner_id,
            region: self.region.clone(),
            country: Some(self.country.clone()),
            city: self.city.clone(),
            district: self.district.clone(),
            website: self.website.as_ref().map(|w| w.to_string()),
            phone: self.phone.as_ref().map(|p| p.to_string()),
            email: self.email.as_ref().map(|m| m.to_string()),
            tags: self.tags.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// Whether a country name means Türkiye (`Türkiye`, `TURKIYE`, `Turkey`, `TR`, …).
pub fn is_turkiye(country: &str) -> bool {
    matches!(
        fold(country).as_str(),
        "turkiye" | "turkey" | "tr" | "tur" | "turkiye cumhuriyeti" | "republic of turkiye" | "republic of turkey"
    )
}

/// The country as stored: Türkiye when empty, and every spelling of Türkiye as `Türkiye`, so filters and reports
/// see one country.
fn normalize_country(country: Option<String>) -> String {
    match country {
        Some(c) if !is_turkiye(&c) => c,
        _ => DEFAULT_COUNTRY.to_string(),
    }
}

/// An address as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressDraft {
    pub kind: Option<String>,
    pub line: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub postal_code: Option<String>,
}

/// An address of an account that obeys every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressFields {
    pub kind: AddressKind,
    /// Street, building, door: as written on an envelope or an invoice.
    pub line: String,
    pub country: String,
    pub city: String,
    pub district: Option<String>,
    pub postal_code: Option<String>,
}

impl AddressDraft {
    /// Checks every rule; errors come back in form order. A Turkish postal code is five digits starting with a
    /// province number (01–81); a foreign one is up to 12 letters, digits, spaces or dashes.
    pub fn validate(&self) -> Result<AddressFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = choice(&mut e, "kind", self.kind.as_deref(), AddressKind::parse);
        if kind.is_none() && !e.has("kind") {
            e.add("kind", "required");
        }
        // several lines are normal in an address (street on one, building and door on the next)
        let line = clean_text(&mut e, "line", self.line.as_deref(), MAX_ADDRESS_LINE, true);
        if line.is_none() && !e.has("line") {
            e.add("line", "required");
        }
        let country = normalize_country(clean_text(&mut e, "country", self.country.as_deref(), MAX_SHORT, false));
        let city = clean_text(&mut e, "city", self.city.as_deref(), MAX_SHORT, false);
        if city.is_none() && !e.has("city") {
            e.add("city", "required");
        }
        let district = clean_text(&mut e, "district", self.district.as_deref(), MAX_SHORT, false);
        let postal_code = match given(self.postal_code.as_deref()) {
            None => None,
            Some(p) if is_turkiye(&country) => {
                if turkish_postal_code_ok(p) {
                    Some(p.to_string())
                } else {
                    e.add("postal_code", "invalid_postal_code");
                    None
                }
            }
            Some(p) => {
                if p.chars().count() > MAX_POSTAL_CODE {
                    e.add_with("postal_code", "too_long", MAX_POSTAL_CODE);
                    None
                } else if !p.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-') {
                    e.add("postal_code", "invalid_postal_code");
                    None
                } else {
                    Some(p.to_uppercase())
                }
            }
        };

        if !e.is_empty() {
            e.sort_by_form(ADDRESS_FORM_ORDER);
            return Err(e);
        }
        let (Some(kind), Some(line), Some(city)) = (kind, line, city) else {
            return Err(e);
        };
        Ok(AddressFields {
            kind,
            line,
            country,
            city,
            district,
            postal_code,
        })
    }
}

impl AddressFields {
    /// Back to a draft, for editing.
    pub fn to_draft(&self) -> AddressDraft {
        AddressDraft {
            kind: Some(self.kind.as_str().into()),
            line: Some(self.line.clone()),
            country: Some(self.country.clone()),
            city: Some(self.city.clone()),
            district: self.district.clone(),
            postal_code: self.postal_code.clone(),
        }
    }
}

/// Five ASCII digits whose first two are a province number (01–81), as every Turkish postal code is.
fn turkish_postal_code_ok(p: &str) -> bool {
    p.len() == 5
        && p.bytes().all(|b| b.is_ascii_digit())
        && p.get(..2)
            .and_then(|x| x.parse::<u8>().ok())
            .is_some_and(|n| (1..=81).contains(&n))
}

/// Words that say what kind of company it is, or that every other trade name carries too; they do not tell two
/// companies apart, so the duplicate key leaves them out. Folded (`şti` → `sti`). Words that describe the business
/// (`tekstil`, `gıda`, `holding`, `inşaat`) stay: they do tell companies apart.
const NAME_FILLER: &[&str] = &[
    "as",
    "ao",
    "anonim",
    "sirketi",
    "sirket",
    "ortakligi",
    "ltd",
    "limited",
    "sti",
    "ltdsti",
    "koll",
    "kollektif",
    "kom",
    "komandit",
    "koop",
    "kooperatifi",
    "san",
    "sanayi",
    "sanayii",
    "tic",
    "ticaret",
    "ve",
    "ith",
    "ihr",
    "ithalat",
    "ihracat",
    "paz",
    "pazarlama",
];

/// The duplicate-detection key of a company name: folded (Turkish-insensitive, accents dropped), punctuation gone,
/// legal-form and filler words dropped. `ŞÜKRÜ IŞIK TEKSTİL SAN. VE TİC. A.Ş.` and
/// `Sukru Isik Tekstil Sanayi ve Ticaret AŞ` both give `sukru isik tekstil`. A name made of nothing but such words
/// keeps them all, so it does not collapse into an empty key that would match every other such name.
pub fn company_name_key(name: &str) -> String {
    let folded = fold(name);
    let tokens: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut kept: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        // `A.Ş.` / `A.O.` split into single letters once the dots are gone
        if tokens[i] == "a" && matches!(tokens.get(i + 1), Some(&"s") | Some(&"o")) {
            i += 2;
            continue;
        }
        if !NAME_FILLER.contains(&tokens[i]) {
            kept.push(tokens[i]);
        }
        i += 1;
    }
    if kept.is_empty() {
        tokens.join(" ")
    } else {
        kept.join(" ")
    }
}

/// Whether two name keys ([`company_name_key`]) are close enough to ask "is this the same customer?": equal, or
/// a typo apart. The allowed edit distance grows with length, measured on the shorter key: none up to 3
/// characters (short names differ meaningfully by one letter), 1 up to 8, 2 beyond. Empty keys match nothing.
pub fn names_close(a_key: &str, b_key: &str) -> bool {
    if a_key.is_empty() || b_key.is_empty() {
        return false;
    }
    if a_key == b_key {
        return true;
    }
    let a: Vec<char> = a_key.chars().collect();
    let b: Vec<char> = b_key.chars().collect();
    let allowed = match a.len().min(b.len()) {
        0..=3 => 0,
        4..=8 => 1,
        _ => 2,
    };
    if a.len().abs_diff(b.len()) > allowed {
        return false;
    }
    levenshtein(&a, &b) <= allowed
}

/// Edit distance (insertions, deletions, substitutions), two rows of the classic table.
fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Mail providers anyone can sign up with: two customers on `gmail.com` are not the same company.
pub const PUBLIC_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "hotmail.com",
    "hotmail.com.tr",
    "hotmail.co.uk",
    "outlook.com",
    "outlook.com.tr",
    "live.com",
    "live.com.tr",
    "windowslive.com",
    "msn.com",
    "yahoo.com",
    "yahoo.com.tr",
    "ymail.com",
    "yandex.com",
    "yandex.com.tr",
    "yandex.ru",
    "icloud.com",
    "me.com",
    "mac.com",
    "mynet.com",
    "superonline.com",
    "ttmail.com",
    "mail.com",
    "mail.ru",
    "aol.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "proton.me",
    "protonmail.com",
    "zoho.com",
];

/// The domain of an e-mail address (`satis@firma.com.tr` → `firma.com.tr`) for "same company domain" duplicate
/// detection; `None` for public providers ([`PUBLIC_MAIL_DOMAINS`]) and for text with no plausible domain.
pub fn email_domain(email: &str) -> Option<String> {
    let lower = email.trim().to_ascii_lowercase();
    let (_, domain) = lower.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    if domain.is_empty() || !domain.contains('.') || PUBLIC_MAIL_DOMAINS.contains(&domain) {
        return None;
    }
    Some(domain.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> AccountDraft {
        AccountDraft {
            kind: Some("company".into()),
            name: Some("Şükrü Işık Tekstil San. ve Tic. A.Ş.".into()),
            ..Default::default()
        }
    }

    fn codes(e: &FieldErrors) -> Vec<(&str, &str)> {
        e.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect()
    }

    #[test]
    fn enums_round_trip() {
        for k in AccountKind::ALL {
            assert_eq!(AccountKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Lifecycle::AtRisk.as_str(), "at_risk");
        assert_eq!(Segment::parse("sme"), Some(Segment::Sme));
        assert_eq!(CustomerClass::parse("A"), None);
    }

    #[test]
    fn a_minimal_draft_validates_with_defaults() {
        let f = draft().validate().unwrap();
        assert_eq!(f.kind, AccountKind::Company);
        assert_eq!(f.lifecycle, Lifecycle::Active);
        assert_eq!(f.country, "Türkiye");
        assert!(f.tags.is_empty());
    }

    #[test]
    fn a_full_draft_validates_and_round_trips() {
        let d = AccountDraft {
            tax_office: Some("Bursa Osmangazi".into()),
            tax_number: Some("123 456 78 90".into()),
            sector: Some("Tekstil".into()),
            customer_class: Some("a".into()),
            segment: Some("sme".into()),
            potential: Some("high".into()),
            annual_revenue: Some("12.500.000,50".into()),
            lifecycle: Some("loyal".into()),
            parent_id: Some(3),
            owner_id: Some(7),
            region: Some("Marmara".into()),
            country: Some("turkey".into()),
            city: Some("Bursa".into()),
            district: Some("Osmangazi".into()),
            website: Some("WWW.Isiktekstil.com.tr/".into()),
            phone: Some("0224 555 12 12".into()),
            email: Some("Satis@IsikTekstil.com.tr".into()),
            tags: vec!["İhracat".into(), "ihracat".into()],
            notes: Some("Fuar\nziyareti".into()),
            ..draft()
        };
        let f = d.validate().unwrap();
        assert_eq!(f.tax_number.as_ref().map(Vkn::as_str), Some("1234567890"));
        assert_eq!(f.annual_revenue, Some(Money::from_kurus(1_250_000_050)));
        assert_eq!(f.country, "Türkiye");
        assert_eq!(
            f.website.as_ref().map(Website::as_str),
            Some("https://www.isiktekstil.com.tr")
        );
        assert_eq!(f.email.as_ref().map(Email::as_str), Some("satis@isiktekstil.com.tr"));
        assert_eq!(f.tags, vec!["İhracat".to_string()]);
        assert_eq!(f.to_draft().validate(), Ok(f.clone()));
    }

    #[test]
    fn required_and_choices() {
        let e = AccountDraft::default().validate().unwrap_err();
        assert_eq!(codes(&e), vec![("kind", "required"), ("name", "required")]);
        let d = AccountDraft {
            customer_class: Some("d".into()),
            segment: Some("kobi".into()),
            potential: Some("huge".into()),
            lifecycle: Some("dead".into()),
            kind: Some("firm".into()),
            ..draft()
        };
        let e = d.validate().unwrap_err();
        assert_eq!(
            codes(&e),
            vec![
                ("kind", "invalid_choice"),
                ("customer_class", "invalid_choice"),
                ("segment", "invalid_choice"),
                ("potential", "invalid_choice"),
                ("lifecycle", "invalid_choice"),
            ]
        );
    }

    #[test]
    fn tax_identity_rules() {
        let err = |d: AccountDraft| {
            codes(&d.validate().unwrap_err())
                .into_iter()
                .map(|(f, c)| format!("{f}:{c}"))
                .collect::<Vec<_>>()
        };
        let with = |tax: Option<&str>, national: Option<&str>, kind: &str| AccountDraft {
            kind: Some(kind.into()),
            tax_number: tax.map(Into::into),
            national_id: national.map(Into::into),
            ..draft()
        };
        assert_eq!(
            err(with(Some("1234567891"), None, "company")),
            vec!["tax_number:vkn_checksum"]
        );
        assert_eq!(err(with(Some("12345"), None, "company")), vec!["tax_number:vkn_length"]);
        assert_eq!(
            err(with(Some("12345abcde"), None, "company")),
            vec!["tax_number:vkn_length"]
        );
        assert_eq!(
            err(with(Some("10000000146"), None, "company")),
            vec!["tax_number:tax_number_is_tckn"]
        );
        assert_eq!(
            err(with(Some("10000000147"), None, "company")),
            vec!["tax_number:vkn_length"]
        );
        assert_eq!(
            err(with(Some("1234567890"), None, "individual")),
            vec!["tax_number:tax_number_for_company_only"]
        );
        assert_eq!(
            err(with(None, Some("10000000147"), "individual")),
            vec!["national_id:tckn_checksum"]
        );
        assert_eq!(
            err(with(None, Some("1000000014"), "individual")),
            vec!["national_id:tckn_length"]
        );
        assert_eq!(
            err(with(None, Some("01234567840"), "individual")),
            vec!["national_id:tckn_leading_zero"]
        );
        let f = with(None, Some("100 000 001 46"), "individual").validate().unwrap();
        assert_eq!(f.national_id.as_ref().map(Tckn::as_str), Some("10000000146"));
        // a sole proprietorship: a company known by its owner's TCKN
        assert!(with(None, Some("10000000146"), "company").validate().is_ok());
        assert!(with(Some(" "), None, "individual").validate().is_ok());
    }

    #[test]
    fn bad_values_are_named_in_form_order() {
        let d = AccountDraft {
            notes: Some("a\u{0}b".into()),
            tags: vec!["a,b".into()],
            district: Some("x".repeat(101)),
            website: Some("javascript:alert(1)".into()),
            email: Some("satis@".into()),
            phone: Some("12".into()),
            annual_revenue: Some("1.250.000,505".into()),
            name: Some("ş".repeat(201)),
            ..draft()
        };
        let e = d.validate().unwrap_err();
        assert_eq!(
            codes(&e),
            vec![
                ("name", "too_long"),
                ("annual_revenue", "invalid_money"),
                ("phone", "invalid_phone"),
                ("email", "invalid_email"),
                ("website", "invalid_website"),
                ("district", "too_long"),
                ("tags", "invalid_tag"),
                ("notes", "invalid_chars"),
            ]
        );
        let long_site = AccountDraft {
            website: Some(format!("firma.com/{}", "a".repeat(300))),
            ..draft()
        };
        assert_eq!(codes(&long_site.validate().unwrap_err()), vec![("website", "too_long")]);
    }

    #[test]
    fn foreign_country_is_kept() {
        let d = AccountDraft {
            country: Some(" Almanya ".into()),
            ..draft()
        };
        assert_eq!(d.validate().unwrap().country, "Almanya");
        assert!(is_turkiye("TÜRKİYE") && is_turkiye("Turkiye") && is_turkiye("TR") && !is_turkiye("Türkmenistan"));
    }

    #[test]
    fn search_and_sort_keys() {
        let d = AccountDraft {
            tax_number: Some("1234567890".into()),
            phone: Some("0532 123 45 67".into()),
            email: Some("info@isik.com.tr".into()),
            city: Some("İZMİR".into()),
            ..draft()
        };
        let f = d.validate().unwrap();
        let k = f.search_key();
        for part in [
            "sukru isik tekstil",
            "1234567890",
            "+905321234567",
            "05321234567",
            "info@isik.com.tr",
            "izmir",
        ] {
            assert!(k.contains(part), "{part} in {k}");
        }
        assert_eq!(f.sort_name(), sort_key("Şükrü Işık Tekstil San. ve Tic. A.Ş."));
        assert!(f.sort_name() > sort_key("Sükrü"));
        assert_eq!(f.name_key(), "sukru isik tekstil");
    }

    #[test]
    fn company_name_keys_ignore_legal_form_and_case() {
        let a = company_name_key("ŞÜKRÜ IŞIK TEKSTİL SAN. VE TİC. A.Ş.");
        assert_eq!(a, "sukru isik tekstil");
        for same in [
            "Sukru Isik Tekstil Sanayi ve Ticaret AŞ",
            "Şükrü Işık Tekstil Anonim Şirketi",
            "şükrü ışık tekstil ith. ihr. paz. ltd. şti.",
            "Şükrü Işık Tekstil Tic.Ltd.Şti.",
            "ŞÜKRÜ IŞIK TEKSTİL İTHALAT İHRACAT SANAYİ VE TİCARET LİMİTED ŞİRKETİ",
            "Şükrü Işık Tekstil A.O.",
        ] {
            assert_eq!(company_name_key(same), a, "{same}");
        }
        // business words stay: a holding and a textile firm of one family are different customers
        assert_eq!(company_name_key("Işık Holding A.Ş."), "isik holding");
        assert_ne!(
            company_name_key("Işık Gıda San. A.Ş."),
            company_name_key("Işık Tekstil San. A.Ş.")
        );
        // nothing but filler: keep it rather than an empty key
        assert_eq!(company_name_key("Ticaret Ltd. Şti."), "ticaret ltd sti");
        assert_eq!(company_name_key("  "), "");
    }

    #[test]
    fn close_names() {
        let k = |s| company_name_key(s);
        assert!(names_close(&k("Şükrü Işık Tekstil A.Ş."), &k("Sukru Isık Tekstıl Ltd")));
        assert!(names_close(&k("Şükrü Işık Tekstil"), &k("Şükrü Işik Teksil")));
        assert!(names_close(&k("Öztürk Metal"), &k("Özturk Metall")));
        assert!(names_close("akar", "akat"));
        assert!(!names_close("akar", "abat"));
        assert!(!names_close("ali", "alp"));
        assert!(names_close("ali", "ali"));
        assert!(!names_close(&k("Anadolu Metal"), &k("Anadolu Plastik")));
        assert!(!names_close("", ""));
        assert!(!names_close("sukru isik tekstil", "sukru isik"));
        assert_eq!(
            levenshtein(&['k', 'i', 't', 't', 'e', 'n'], &['s', 'i', 't', 't', 'i', 'n', 'g']),
            3
        );
    }

    #[test]
    fn email_domains() {
        assert_eq!(
            email_domain("Satis@IsikTekstil.com.tr"),
            Some("isiktekstil.com.tr".into())
        );
        assert_eq!(email_domain("ayse@gmail.com"), None);
        assert_eq!(email_domain("ayse@HOTMAIL.com.tr"), None);
        assert_eq!(email_domain("ayse@yandex.com.tr"), None);
        assert_eq!(email_domain("ayse"), None);
        assert_eq!(email_domain("ayse@localhost"), None);
    }

    #[test]
    fn addresses() {
        let ok = AddressDraft {
            kind: Some("billing".into()),
            line: Some("Organize Sanayi Bölgesi\n3. Cadde No: 12".into()),
            city: Some("Bursa".into()),
            district: Some("Nilüfer".into()),
            postal_code: Some(" 16140 ".into()),
            ..Default::default()
        };
        let f = ok.validate().unwrap();
        assert_eq!(
            (f.country.as_str(), f.postal_code.as_deref()),
            ("Türkiye", Some("16140"))
        );
        assert_eq!(f.to_draft().validate(), Ok(f.clone()));

        let e = AddressDraft::default().validate().unwrap_err();
        assert_eq!(
            codes(&e),
            vec![("kind", "required"), ("line", "required"), ("city", "required")]
        );

        for bad in ["1614", "161400", "00140", "82000", "16 140", "ABCDE"] {
            let d = AddressDraft {
                postal_code: Some(bad.into()),
                ..ok.clone()
            };
            assert_eq!(
                codes(&d.validate().unwrap_err()),
                vec![("postal_code", "invalid_postal_code")],
                "{bad}"
            );
        }
        let abroad = AddressDraft {
            country: Some("Birleşik Krallık".into()),
            postal_code: Some("sw1a 1aa".into()),
            ..ok.clone()
        };
        assert_eq!(abroad.validate().unwrap().postal_code.as_deref(), Some("SW1A 1AA"));
        let too_long = AddressDraft {
            postal_code: Some("1234567890123".into()),
            ..abroad.clone()
        };
        assert_eq!(
            codes(&too_long.validate().unwrap_err()),
            vec![("postal_code", "too_long")]
        );
        let bad_chars = AddressDraft {
            postal_code: Some("12/34".into()),
            ..abroad
        };
        assert_eq!(
            codes(&bad_chars.validate().unwrap_err()),
            vec![("postal_code", "invalid_postal_code")]
        );
        let d = AddressDraft {
            kind: Some("home".into()),
            line: Some("x".repeat(301)),
            ..ok
        };
        assert_eq!(
            codes(&d.validate().unwrap_err()),
            vec![("kind", "invalid_choice"), ("line", "too_long")]
        );
    }
}
