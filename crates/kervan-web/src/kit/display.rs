//! How a value looks on a page, the same in a list cell, a card and the history: phones the
//! Turkish way with a `tel:` link, amounts `1.234,56 ₺`, dates `31.01.2026`, choices by their
//! label, owners by name, references as links to the record.

use std::collections::HashMap;

use kervan_core::Money;
use kervan_core::record::{CustomDef, Field, FieldType, Kind, Num, Value, Values};
use kervan_core::text::initials;

use crate::i18n::I18n;

/// A value ready for a template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shown {
    pub text: String,
    pub href: Option<String>,
    pub look: Look,
}

/// How the template draws it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Look {
    #[default]
    Plain,
    /// A status badge (`status-new` …: the colour is the meaning, the same in every module).
    Badge(String),
    Tags(Vec<String>),
    /// A phone: `tel:` link, and a `wa.me` link for WhatsApp numbers.
    Phone {
        tel: String,
        wa: Option<String>,
    },
    /// A person with initials in an avatar.
    Person(String),
    /// Several lines kept as typed.
    Long,
    /// Several records, each a link: `(href, text)`.
    Links(Vec<(String, String)>),
    Mail,
}

impl Shown {
    pub fn plain(text: String) -> Shown {
        Shown {
            text,
            ..Default::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
            && !matches!(&self.look, Look::Tags(t) if !t.is_empty())
            && !matches!(&self.look, Look::Links(l) if !l.is_empty())
    }
}

/// Users by id, for owner and user fields.
pub type Names = HashMap<i64, String>;

/// The label of a choice option of a built-in field.
pub fn option_label(t: &I18n, kind: &Kind, key: &str, option: &str) -> String {
    t.t(&kind.option_id(key, option))
}

/// `1.234,56 ₺`, `1.234,56 €`, `1.234,56 $`.
pub fn money_text(m: Money, currency: Option<&str>) -> String {
    format!("{} {}", m.amount_text(), currency_symbol(currency))
}

/// `₺`, `€`, `$` (another code as it is).
pub fn currency_symbol(currency: Option<&str>) -> &str {
    match currency {
        None | Some("TRY") => "₺",
        Some("EUR") => "€",
        Some("USD") => "$",
        Some(other) => other,
    }
}

fn num_text(t: &I18n, n: Num) -> String {
    if t.code() == "tr" { n.display_tr() } else { n.plain() }
}

fn phone_shown(p: &kervan_core::Phone, whatsapp: bool) -> Shown {
    let digits: String = p.as_str().trim_start_matches('+').to_string();
    Shown {
        text: p.display(),
        href: None,
        look: Look::Phone {
            tel: p.as_str().to_string(),
            wa: whatsapp.then(|| format!("https://wa.me/{digits}")),
        },
    }
}

/// What is shared by built-in and custom values; `label` turns a choice key into its label.
fn shown_value(t: &I18n, v: &Value, names: &Names, label: &dyn Fn(&str) -> String, currency: Option<&str>) -> Shown {
    match v {
        Value::Text(s) => Shown::plain(s.clone()),
        Value::Email(e) => Shown {
            text: e.as_str().to_string(),
            href: Some(format!("mailto:{}", e.as_str())),
            look: Look::Mail,
        },
        Value::Phone(p) => phone_shown(p, false),
        Value::Url(w) => Shown {
            text: w.host().to_string(),
            href: Some(w.as_str().to_string()),
            look: Look::Plain,
        },
        Value::Number(n) => Shown::plain(num_text(t, *n)),
        Value::Percent(n) => Shown::plain(format!("%{}", num_text(t, *n))),
        Value::Money(m) => Shown::plain(money_text(*m, currency)),
        Value::Date(d) => Shown::plain(d.format("%d.%m.%Y").to_string()),
        Value::DateTime(ms) => Shown::plain(t.datetime(*ms)),
        Value::Bool(b) => Shown::plain(t.t(if *b { "value-yes" } else { "value-no" })),
        Value::Choice(c) => Shown::plain(label(c)),
        Value::Multi(v) => Shown::plain(v.iter().map(|c| label(c)).collect::<Vec<_>>().join(", ")),
        Value::Tags(v) => Shown {
            text: String::new(),
            href: None,
            look: Look::Tags(v.clone()),
        },
        Value::User(id) => {
            let name = names.get(id).cloned().unwrap_or_else(|| format!("#{id}"));
            Shown {
                text: name.clone(),
                href: None,
                look: Look::Person(initials(&name)),
            }
        }
        Value::Ref(id) => Shown::plain(format!("#{id}")),
        Value::Vkn(x) => Shown::plain(x.as_str().to_string()),
        Value::Tckn(x) => Shown::plain(x.as_str().to_string()),
    }
}

/// A built-in field's value. `values` gives the currency of money; `refs` the names of the
/// records references point at.
pub fn show(
    t: &I18n,
    kind: &Kind,
    f: &Field,
    v: &Value,
    values: &Values,
    refs: &HashMap<&'static str, String>,
    names: &Names,
) -> Shown {
    let currency = (!f.currency.is_empty())
        .then(|| values.get(f.currency).and_then(Value::as_text))
        .flatten();
    let label = |c: &str| option_label(t, kind, f.key, c);
    let mut s = shown_value(t, v, names, &label, currency);
    match v {
        Value::Phone(p) => s = phone_shown(p, f.key.contains("whatsapp")),
        Value::Ref(id) => {
            let href = format!("/{}/{id}", f.refers);
            s.text = refs.get(f.key).cloned().unwrap_or_else(|| format!("#{id}"));
            s.href = Some(href);
        }
        Value::Choice(c) if kind.status == f.key => s.look = Look::Badge(format!("status-{c}")),
        Value::Bool(b) if kind.status == f.key => {
            s.look = Look::Badge(if *b {
                "status-won".into()
            } else {
                "status-archived".into()
            })
        }
        Value::Text(_) if f.ty == FieldType::LongText => s.look = Look::Long,
        _ => {}
    }
    s
}

/// A custom field's value.
pub fn show_custom(t: &I18n, d: &CustomDef, v: &Value, names: &Names) -> Shown {
    let label = |c: &str| d.option_label(c).unwrap_or(c).to_string();
    let mut s = shown_value(t, v, names, &label, None);
    if d.ty == FieldType::LongText {
        s.look = Look::Long;
    }
    s
}

/// A value as the history stored it (canonical text) turned back into its type, for display.
pub fn from_canonical(ty: FieldType, s: &str) -> Option<Value> {
    use kervan_core::record::{Input, parse_value};
    match ty {
        FieldType::Money => s.parse().ok().map(|k| Value::Money(Money::from_kurus(k))),
        FieldType::DateTime => kervan_core::time::parse_datetime(s).map(Value::DateTime),
        FieldType::Tags | FieldType::MultiChoice => {
            let items: Vec<String> = s.split(", ").map(str::to_string).collect();
            Some(if ty == FieldType::Tags {
                Value::Tags(items)
            } else {
                Value::Multi(items)
            })
        }
        FieldType::Choice => Some(Value::Choice(s.to_string())),
        FieldType::Bool => Some(Value::Bool(s == "true")),
        _ => {
            // Anything else reads back with its own parser (no option or length limits apply).
            let mut f = Field::new("", ty);
            f.max = usize::MAX;
            parse_value(&f, &[], &Input::Text(s.to_string())).ok().flatten()
        }
    }
}

/// The non-empty values of a record that is not stored yet (what a conversion will create), as
/// (label, value) in declaration order; `skip` leaves keys out.
pub fn preview(t: &I18n, kind: &Kind, values: &Values, names: &Names, skip: &[&str]) -> Vec<(String, Shown)> {
    let refs = HashMap::new();
    kind.fields
        .iter()
        .filter(|f| !skip.contains(&f.key))
        .filter_map(|f| {
            let v = values.get(f.key)?;
            let shown = show(t, kind, f, v, values, &refs, names);
            (!shown.is_empty()).then(|| (t.t(&kind.label_id(f.key)), shown))
        })
        .collect()
}
