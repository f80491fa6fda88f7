//! Accounts (Müşteriler): the customers, companies or individuals, with their tax identity, classification and
//! addresses; and the name and e-mail keys that find likely duplicates before a second record is made.

use crate::fields::{self, text};
use crate::permissions::{Module, str_enum};
use crate::record::{Field, FieldType as T, Kind, SORT_CREATED, SORT_NAME, SORT_UPDATED, Suggest, Value, Values};
use crate::text::{fold, search_key, sort_key};
use crate::validation::{FieldErrors, choice, clean_text, given};

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
/// Longest street address.
pub const MAX_ADDRESS_LINE: usize = 300;
/// Longest foreign postal code.
pub const MAX_POSTAL_CODE: usize = 12;

/// The fields in the order the address form shows them.
const ADDRESS_FORM_ORDER: &[&str] = &["kind", "line", "country", "city", "district", "postal_code"];

const KINDS: &[&str] = &["company", "individual"];
const CLASSES: &[&str] = &["a", "b", "c"];
const SEGMENTS: &[&str] = &["corporate", "sme", "individual"];
const LEVELS: &[&str] = &["high", "medium", "low"];
const LIFECYCLES: &[&str] = &["active", "loyal", "at_risk", "passive"];

const IDENTITY: &str = "account-section-identity";
const SALES: &str = "account-section-sales";
const PLACE: &str = "account-section-contact";
const NOTES: &str = "form-section-notes";

static FIELDS: &[Field] = &[
    Field::new("kind", T::Choice)
        .options(KINDS)
        .required()
        .initial("company")
        .list()
        .filter()
        .section(IDENTITY)
        .import(&["Müşteri türü", "Tür", "Type"]),
    Field::new("name", T::Text)
        .required()
        .max(MAX_NAME)
        .search()
        .section(IDENTITY)
        .import(&["Unvan", "Firma", "Firma adı", "Ad soyad", "Name", "Company"]),
    Field::new("tax_office", T::Text)
        .max(MAX_SHORT)
        .section(IDENTITY)
        .import(&["Vergi dairesi", "Tax office"]),
    Field::new("tax_number", T::Vkn)
        .search()
        .section(IDENTITY)
        .hint("account-hint-tax_number")
        .shown_when("kind", &["company"])
        .import(&["Vergi no", "Vergi numarası", "VKN", "Tax number"]),
    Field::new("national_id", T::Tckn)
        .search()
        .section(IDENTITY)
        .hint("account-hint-national_id")
        .shown_when("kind", &["individual"])
        .import(&["TC kimlik no", "TCKN", "T.C. kimlik", "National id"]),
    fields::sector(MAX_SHORT).section(SALES),
    Field::new("customer_class", T::Choice)
        .options(CLASSES)
        .column()
        .filter()
        .bulk()
        .section(SALES)
        .import(&["Müşteri sınıfı", "Sınıf", "Class"]),
    Field::new("segment", T::Choice)
        .options(SEGMENTS)
        .column()
        .filter()
        .bulk()
        .section(SALES)
        .import(&["Segment"]),
    Field::new("potential", T::Choice)
        .options(LEVELS)
        .list()
        .filter()
        .bulk()
        .card()
        .section(SALES)
        .import(&["Potansiyel", "Potential"]),
    Field::new("annual_revenue", T::Money)
        .column()
        .section(SALES)
        .import(&["Yıllık ciro", "Ciro", "Revenue"]),
    Field::new("lifecycle", T::Choice)
        .options(LIFECYCLES)
        .default("active")
        .list()
        .filter()
        .bulk()
        .section(SALES)
        .import(&["Durum", "Yaşam döngüsü", "Lifecycle"]),
    Field::new("parent_id", T::Reference)
        .refers("accounts")
        .filter()
        .section(SALES)
        .hint("account-hint-parent")
        .import(&["Bağlı olduğu firma", "Ana firma", "Parent"]),
    fields::owner().list().section(SALES),
    fields::tags().column().section(SALES),
    fields::phone()
        .list()
        .card()
        .section(PLACE)
        .import(&["Telefon", "Tel", "Phone"]),
    fields::email().column().section(PLACE),
    Field::new("website", T::Url)
        .max(MAX_WEBSITE)
        .column()
        .section(PLACE)
        .import(&["Web sitesi", "Web", "Website"]),
    Field::new("country", T::Text)
        .max(MAX_SHORT)
        .default(DEFAULT_COUNTRY)
        .column()
        .section(PLACE)
        .import(&["Ülke", "Country"]),
    Field::new("region", T::Text)
        .max(MAX_SHORT)
        .column()
        .section(PLACE)
        .placeholder("account-region-ph")
        .import(&["Bölge", "Region"]),
    fields::city(MAX_SHORT).card().section(PLACE),
    Field::new("district", T::Text)
        .max(MAX_SHORT)
        .column()
        .section(PLACE)
        .suggest(Suggest::Districts("city"))
        .import(&["İlçe", "District"]),
    fields::notes(NOTES),
    fields::from_lead(),
    fields::last_contact(),
];

pub static KIND: Kind = Kind {
    key: "accounts",
    entity: "account",
    table: "accounts",
    alias: "a",
    module: Module::Accounts,
    fields: FIELDS,
    sorts: &[SORT_NAME, SORT_CREATED, SORT_UPDATED],
    default_sort: "name",
    tag_table: "account_tags",
    tag_key: "account_id",
    fts: "accounts_fts",
    owned: true,
    status: "lifecycle",
    name_sql: "{a}.name",
    derived: &["sort_name", "search_key", "name_key", "email_domain", "website_domain"],
    merge: true,
    sections: &[(IDENTITY, ""), (SALES, ""), (PLACE, ""), (NOTES, "")],
    hierarchy: "parent_id",
    follow_up: None,
    timeline: None,
    name_of: name,
    derive: derived,
    rules,
};

/// The rules across fields. Tax identity: a company's tax number is its VKN; an individual has
/// no VKN of its own in our records, so a tax number on an individual is refused
/// (`tax_number_for_company_only`) and the TCKN goes to `national_id`. A company may carry a
/// TCKN: a sole proprietorship (şahıs firması) is taxed under its owner's TCKN. Every spelling of
/// Türkiye is stored as `Türkiye`, so filters and reports see one country.
pub fn rules(v: &mut Values, e: &mut FieldErrors) {
    if text(v, "kind") == Some("individual") && v.contains_key("tax_number") && !e.has("tax_number") {
        e.add("tax_number", "tax_number_for_company_only");
    }
    let country = normalize_country(text(v, "country").map(str::to_string));
    v.insert("country", Value::Text(country));
}

/// The trade name (unvan) of a company, the full name of a person.
pub fn name(v: &Values) -> String {
    text(v, "name").unwrap_or_default().to_string()
}

/// Derived columns: sort and search keys, the duplicate key of the name, company domains.
pub fn derived(v: &Values) -> Vec<(&'static str, String)> {
    let phone = match v.get("phone") {
        Some(Value::Phone(p)) => Some(p.search_forms()),
        _ => None,
    };
    let n = name(v);
    let key = search_key(&[
        Some(n.as_str()),
        text(v, "tax_number"),
        text(v, "national_id"),
        phone.as_deref(),
        text(v, "email"),
        text(v, "city"),
    ]);
    let website_domain = match v.get("website") {
        Some(Value::Url(w)) => w.domain().to_string(),
        _ => String::new(),
    };
    vec![
        ("sort_name", sort_key(&n)),
        ("search_key", key),
        ("name_key", company_name_key(&n)),
        (
            "email_domain",
            text(v, "email").and_then(email_domain).unwrap_or_default(),
        ),
        ("website_domain", website_domain),
    ]
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
pub fn normalize_country(country: Option<String>) -> String {
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

    use crate::{Money, Tckn, Vkn, Website};

    fn parse(pairs: &[(&str, &str)]) -> Result<Values, FieldErrors> {
        let mut all = vec![("kind", "company"), ("name", "Şükrü Işık Tekstil San. ve Tic. A.Ş.")];
        for p in pairs {
            all.retain(|(k, _)| k != &p.0);
            all.push(*p);
        }
        crate::fields::parse_form(&KIND, &all, rules)
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
    fn a_minimal_account_gets_its_defaults() {
        let v = parse(&[]).unwrap();
        assert_eq!(v["kind"], Value::Choice("company".into()));
        assert_eq!(v["lifecycle"], Value::Choice("active".into()));
        assert_eq!(v["country"], Value::Text("Türkiye".into()));
    }

    #[test]
    fn a_full_account_is_typed() {
        let v = parse(&[
            ("tax_number", "123 456 78 90"),
            ("annual_revenue", "12.500.000,50"),
            ("country", "turkey"),
            ("website", "WWW.Isiktekstil.com.tr/"),
            ("email", "Satis@IsikTekstil.com.tr"),
            ("tags", "İhracat, ihracat"),
        ])
        .unwrap();
        assert_eq!(v["tax_number"], Value::Vkn(Vkn::parse("1234567890").unwrap()));
        assert_eq!(v["annual_revenue"], Value::Money(Money::from_kurus(1_250_000_050)));
        assert_eq!(v["country"], Value::Text("Türkiye".into()));
        assert_eq!(
            v["website"],
            Value::Url(Website::parse("https://www.isiktekstil.com.tr").unwrap())
        );
        assert_eq!(v["email"].canonical(), "satis@isiktekstil.com.tr");
        assert_eq!(v["tags"], Value::Tags(vec!["İhracat".into()]));
    }

    #[test]
    fn required_and_choices() {
        let e = parse(&[("kind", ""), ("name", "")]).unwrap_err();
        assert_eq!(codes(&e), vec![("kind", "required"), ("name", "required")]);
        let e = parse(&[
            ("customer_class", "d"),
            ("segment", "kobi"),
            ("potential", "huge"),
            ("lifecycle", "dead"),
            ("kind", "firm"),
        ])
        .unwrap_err();
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
        let err = |pairs: &[(&str, &str)]| {
            codes(&parse(pairs).unwrap_err())
                .into_iter()
                .map(|(f, c)| format!("{f}:{c}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(err(&[("tax_number", "1234567891")]), vec!["tax_number:vkn_checksum"]);
        assert_eq!(err(&[("tax_number", "12345")]), vec!["tax_number:vkn_length"]);
        assert_eq!(err(&[("tax_number", "12345abcde")]), vec!["tax_number:vkn_length"]);
        assert_eq!(
            err(&[("tax_number", "10000000146")]),
            vec!["tax_number:tax_number_is_tckn"]
        );
        assert_eq!(err(&[("tax_number", "10000000147")]), vec!["tax_number:vkn_length"]);
        assert_eq!(
            err(&[("tax_number", "1234567890"), ("kind", "individual")]),
            vec!["tax_number:tax_number_for_company_only"]
        );
        assert_eq!(
            err(&[("national_id", "10000000147"), ("kind", "individual")]),
            vec!["national_id:tckn_checksum"]
        );
        assert_eq!(err(&[("national_id", "1000000014")]), vec!["national_id:tckn_length"]);
        assert_eq!(
            err(&[("national_id", "01234567840")]),
            vec!["national_id:tckn_leading_zero"]
        );
        let v = parse(&[("national_id", "100 000 001 46"), ("kind", "individual")]).unwrap();
        assert_eq!(v["national_id"], Value::Tckn(Tckn::parse("10000000146").unwrap()));
        // a sole proprietorship: a company known by its owner's TCKN
        assert!(parse(&[("national_id", "10000000146")]).is_ok());
        assert!(parse(&[("tax_number", " "), ("kind", "individual")]).is_ok());
    }

    #[test]
    fn bad_values_are_named_in_form_order() {
        let long_district = "x".repeat(101);
        let long_name = "ş".repeat(201);
        let e = parse(&[
            ("notes", "a\u{0}b"),
            ("tags", "a,b".repeat(30).as_str()),
            ("district", &long_district),
            ("website", "javascript:alert(1)"),
            ("email", "satis@"),
            ("phone", "12"),
            ("annual_revenue", "1.250.000,505"),
            ("name", &long_name),
        ])
        .unwrap_err();
        let got = codes(&e);
        for want in [
            ("name", "too_long"),
            ("annual_revenue", "invalid_money"),
            ("phone", "invalid_phone"),
            ("email", "invalid_email"),
            ("website", "invalid_website"),
            ("district", "too_long"),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
        let pos = |f: &str| got.iter().position(|x| x.0 == f).unwrap();
        assert!(pos("name") < pos("annual_revenue") && pos("phone") < pos("district"));
    }

    #[test]
    fn foreign_country_is_kept() {
        assert_eq!(
            parse(&[("country", " Almanya ")]).unwrap()["country"],
            Value::Text("Almanya".into())
        );
        assert!(is_turkiye("TÜRKİYE") && is_turkiye("Turkiye") && is_turkiye("TR") && !is_turkiye("Türkmenistan"));
    }

    #[test]
    fn search_and_sort_keys() {
        let v = parse(&[
            ("tax_number", "1234567890"),
            ("phone", "0532 123 45 67"),
            ("email", "info@isik.com.tr"),
            ("city", "İZMİR"),
        ])
        .unwrap();
        let d = derived(&v);
        let get = |k: &str| d.iter().find(|x| x.0 == k).unwrap().1.clone();
        let k = get("search_key");
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
        assert_eq!(get("sort_name"), sort_key("Şükrü Işık Tekstil San. ve Tic. A.Ş."));
        assert_eq!(get("name_key"), "sukru isik tekstil");
        assert_eq!(get("email_domain"), "isik.com.tr");
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
