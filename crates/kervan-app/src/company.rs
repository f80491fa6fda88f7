//! The company's profile: what its documents carry on the letterhead (unvan, address, tax office
//! and number, phone, e-mail, IBAN) and the terms a new quote starts with.

use serde::{Deserialize, Serialize};

use kervan_core::permissions::{Action, Module};
use kervan_core::time::now_ms;
use kervan_store::{ConnectionTrait, settings};

use crate::error::{AppError, Result};
use crate::{Actor, App};

const KEY: &str = "company.profile";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Company {
    pub name: String,
    pub address: String,
    pub tax_office: String,
    pub tax_number: String,
    pub phone: String,
    pub email: String,
    pub iban: String,
    pub delivery_terms: String,
    pub payment_terms: String,
}

impl Company {
    /// Each field with its limit, in form order.
    pub fn fields(&self) -> [(&'static str, &str, usize); 9] {
        [
            ("name", &self.name, 200),
            ("address", &self.address, 500),
            ("tax_office", &self.tax_office, 100),
            ("tax_number", &self.tax_number, 20),
            ("phone", &self.phone, 40),
            ("email", &self.email, 200),
            ("iban", &self.iban, 40),
            ("delivery_terms", &self.delivery_terms, 2000),
            ("payment_terms", &self.payment_terms, 2000),
        ]
    }
}

pub async fn get<C: ConnectionTrait>(c: &C) -> Result<Company> {
    Ok(settings::get(c, KEY)
        .await?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// Saves the profile (admins): every field within its limit, no control characters but line
/// breaks in the address and terms; the VKN's checksum when one is given; IBAN as TR + 24 digits.
pub async fn set(app: &App, actor: &Actor, mut co: Company) -> Result<Company> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: Module::Users,
            action: Action::Edit,
        });
    }
    let mut e = kervan_core::FieldErrors::new();
    co.iban = co
        .iban
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    for (key, value, max) in co.fields() {
        let multi = matches!(key, "address" | "delivery_terms" | "payment_terms");
        if value.chars().count() > max {
            e.add_with(key, "too_long", max);
        } else if value
            .chars()
            .any(|c| c.is_control() && !(multi && (c == '\n' || c == '\r')))
        {
            e.add(key, "invalid_chars");
        }
    }
    if !co.tax_number.trim().is_empty() && kervan_core::tax_id::Vkn::parse(co.tax_number.trim()).is_err() {
        e.add("tax_number", "vkn_checksum");
    }
    if !co.iban.is_empty() && !turkish_iban(&co.iban) {
        e.add("iban", "invalid_iban");
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let json = serde_json::to_string(&co).map_err(|x| AppError::Internal(x.to_string()))?;
    settings::set(&app.db.conn, KEY, &json, actor.author(), now_ms()).await?;
    Ok(co)
}

/// `TR` and 24 digits (spaces already removed).
fn turkish_iban(s: &str) -> bool {
    s.len() == 26 && s.starts_with("TR") && s.bytes().skip(2).all(|b| b.is_ascii_digit())
}

const LOGO_KEY: &str = "company.logo";
/// The largest logo kept (it goes into every quote PDF).
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// A logo's picture format, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogoKind {
    Png,
    Jpeg,
}

impl LogoKind {
    pub fn sniff(bytes: &[u8]) -> Option<LogoKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(LogoKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(LogoKind::Jpeg)
        } else {
            None
        }
    }
}

#[derive(Serialize, Deserialize)]
struct StoredLogo {
    kind: LogoKind,
    hex: String,
}

/// The logo on the letterhead, when one was set.
pub async fn logo<C: ConnectionTrait>(c: &C) -> Result<Option<(LogoKind, Vec<u8>)>> {
    let stored = settings::get(c, LOGO_KEY)
        .await?
        .and_then(|s| serde_json::from_str::<StoredLogo>(&s).ok());
    Ok(stored.and_then(|l| Some((l.kind, hex::decode(l.hex).ok()?))))
}

/// Keeps a PNG or JPEG of at most [`MAX_LOGO_BYTES`] as the logo (admins); `None` removes it.
/// The caller has checked that the picture decodes.
pub async fn set_logo(app: &App, actor: &Actor, bytes: Option<&[u8]>) -> Result<()> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: Module::Users,
            action: Action::Edit,
        });
    }
    let value = match bytes {
        None => String::new(),
        Some([]) => return Err(AppError::field("file", "file_empty")),
        Some(b) if b.len() as u64 > MAX_LOGO_BYTES => {
            return Err(AppError::TooLarge {
                limit_bytes: MAX_LOGO_BYTES,
            });
        }
        Some(b) => {
            let kind = LogoKind::sniff(b).ok_or_else(|| AppError::field("file", "logo_not_image"))?;
            serde_json::to_string(&StoredLogo {
                kind,
                hex: hex::encode(b),
            })
            .map_err(|x| AppError::Internal(x.to_string()))?
        }
    };
    settings::set(&app.db.conn, LOGO_KEY, &value, actor.author(), now_ms()).await?;
    Ok(())
}
