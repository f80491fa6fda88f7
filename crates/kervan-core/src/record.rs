//! The record kit's declarations: every record kind (lead, account, contact, product, …) is
//! declared once here — its fields with type, limits and what each takes part in — and the store,
//! the use cases, the pages and the API are all driven from that one declaration.
//!
//! A field is built with `const` methods so a kind is a plain `static`:
//!
//! ```
//! use kervan_core::record::{Field, FieldType};
//! const NAME: Field = Field::new("name", FieldType::Text).required().max(200).list().search().sort();
//! assert!(NAME.required && NAME.sort);
//! ```
//!
//! Values are typed ([`Value`]): a phone is a [`Phone`], an amount [`Money`], a tax number a
//! [`Vkn`]; they become text or integers only at the SQL boundary.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::permissions::Module;
use crate::tax_id::TaxIdError;
use crate::text::fold;
use crate::validation::{FieldErrors, MAX_TAG, MAX_TAGS, clean_tags};
use crate::{Email, Money, Phone, Tckn, Vkn, Website};

/// What a field holds. The API's meta endpoint names them in snake_case (`long_text`, …); `vkn`
/// and `tckn` are text there with a `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Text,
    LongText,
    Email,
    Phone,
    Url,
    Number,
    Money,
    Percent,
    Date,
    DateTime,
    Bool,
    Choice,
    MultiChoice,
    Tags,
    User,
    Reference,
    Vkn,
    Tckn,
}

impl FieldType {
    pub fn api_name(self) -> &'static str {
        match self {
            FieldType::Text | FieldType::Vkn | FieldType::Tckn => "text",
            FieldType::LongText => "long_text",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Percent => "percent",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Bool => "bool",
            FieldType::Choice => "choice",
            FieldType::MultiChoice => "multi_choice",
            FieldType::Tags => "tags",
            FieldType::User => "user",
            FieldType::Reference => "reference",
        }
    }

    /// The types an admin may give a custom field.
    pub const CUSTOM: &'static [FieldType] = &[
        FieldType::Text,
        FieldType::LongText,
        FieldType::Number,
        FieldType::Money,
        FieldType::Date,
        FieldType::Bool,
        FieldType::Choice,
        FieldType::MultiChoice,
        FieldType::User,
    ];

    /// A custom field's type from its API name.
    pub fn parse_custom(s: &str) -> Option<FieldType> {
        FieldType::CUSTOM.iter().copied().find(|t| t.api_name() == s)
    }

    /// Kept in a side table (one row per value), not in the row itself.
    pub fn is_multi(self) -> bool {
        matches!(self, FieldType::MultiChoice | FieldType::Tags)
    }

    /// The longest text a value of this type may have when no limit is declared.
    fn default_max(self) -> usize {
        match self {
            FieldType::LongText => 10_000,
            FieldType::Url => 300,
            FieldType::Email => 254,
            FieldType::Phone => 40,
            _ => 200,
        }
    }
}

/// Whether and how a field is a column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListRole {
    /// Never a list column.
    No,
    /// A column the user may add.
    Optional,
    /// Shown until the user picks other columns.
    Default,
}

/// Where a field's value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// A column of the kind's table named like the field.
    Column,
    /// The kind's tag table.
    Tags,
}

/// Suggestions a text input offers (a datalist): a list of our own, or values already used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggest {
    None,
    /// Türkiye's 81 provinces (foreign cities are still accepted).
    Provinces,
    /// Districts of the province in the field named here.
    Districts(&'static str),
    /// Values already stored in this field (kept up to date where they are written).
    Used,
}

/// One field of a record kind.
/// The `initial` of a date-time field that a new form fills with the present moment.
pub const NOW: &str = "now";

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// Longest text (characters); 0 means the type's default.
    pub max: usize,
    /// The keys of a choice; labels are `.ftl` ids `{entity}-{key}-{option}`.
    pub options: &'static [&'static str],
    /// The kind a reference points at.
    pub refers: &'static str,
    pub list: ListRole,
    pub filter: bool,
    pub sort: bool,
    pub search: bool,
    /// Shown among the key facts of the card header.
    pub card: bool,
    /// May be set on many records at once from the list.
    pub bulk: bool,
    pub export: bool,
    /// Header aliases an import recognises (Turkish and English), besides the label.
    pub import: &'static [&'static str],
    /// Written by people (form, API); `false` for what the system sets (conversion links …).
    pub writable: bool,
    /// The form section (`.ftl` id of its heading).
    pub section: &'static str,
    /// The value a new record starts with.
    pub default: Option<&'static str>,
    /// The choice a new form starts with, for a field whoever writes must still name (an
    /// account's kind: the API has no default for it).
    pub initial: Option<&'static str>,
    pub storage: Storage,
    /// `.ftl` id of a placeholder, and of a hint under the input.
    pub placeholder: &'static str,
    pub hint: &'static str,
    /// Shown on the form only while another field has one of these values.
    pub shown_when: Option<(&'static str, &'static [&'static str])>,
    pub suggest: Suggest,
    /// For money: the field holding its currency.
    pub currency: &'static str,
    /// Takes a whole row of the form (long texts, tags).
    pub wide: bool,
    /// "Kaydet ve Yeni" carries the value over to the next new record (the fair's name …).
    pub sticky: bool,
    /// Kept for the module (a quote's lines as JSON, a deal's list of people): never shown as
    /// such on the card, the generic form or in the API's fields (absent from a form, it keeps
    /// its value on save); the module shows and takes it its own way.
    pub hidden: bool,
}

impl Field {
    pub const fn new(key: &'static str, ty: FieldType) -> Field {
        Field {
            key,
            ty,
            required: false,
            max: 0,
            options: &[],
            refers: "",
            list: ListRole::No,
            filter: false,
            sort: false,
            search: false,
            card: false,
            bulk: false,
            export: true,
            import: &[],
            writable: true,
            section: "",
            default: None,
            initial: None,
            storage: if matches!(ty, FieldType::Tags) {
                Storage::Tags
            } else {
                Storage::Column
            },
            placeholder: "",
            hint: "",
            shown_when: None,
            suggest: Suggest::None,
            currency: "",
            wide: matches!(ty, FieldType::LongText | FieldType::Tags),
            sticky: false,
            hidden: false,
        }
    }
    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub const fn max(mut self, n: usize) -> Field {
        self.max = n;
        self
    }
    pub const fn options(mut self, o: &'static [&'static str]) -> Field {
        self.options = o;
        self
    }
    pub const fn refers(mut self, kind: &'static str) -> Field {
        self.refers = kind;
        self
    }
    /// A default list column.
    pub const fn list(mut self) -> Field {
        self.list = ListRole::Default;
        self
    }
    /// A list column the user may add.
    pub const fn column(mut self) -> Field {
        self.list = ListRole::Optional;
        self
    }
    pub const fn filter(mut self) -> Field {
        self.filter = true;
        self
    }
    pub const fn sort(mut self) -> Field {
        self.sort = true;
        self
    }
    pub const fn search(mut self) -> Field {
        self.search = true;
        self
    }
    pub const fn card(mut self) -> Field {
        self.card = true;
        self
    }
    pub const fn bulk(mut self) -> Field {
        self.bulk = true;
        self
    }
    pub const fn no_export(mut self) -> Field {
        self.export = false;
        self
    }
    pub const fn import(mut self, aliases: &'static [&'static str]) -> Field {
        self.import = aliases;
        self
    }
    /// Set by the system only: read from the row, never from a form or the API.
    pub const fn system(mut self) -> Field {
        self.writable = false;
        self
    }
    pub const fn section(mut self, s: &'static str) -> Field {
        self.section = s;
        self
    }
    pub const fn default(mut self, v: &'static str) -> Field {
        self.default = Some(v);
        self
    }
    pub const fn initial(mut self, v: &'static str) -> Field {
        self.initial = Some(v);
        self
    }
    pub const fn placeholder(mut self, id: &'static str) -> Field {
        self.placeholder = id;
        self
    }
    pub const fn hint(mut self, id: &'static str) -> Field {
        self.hint = id;
        self
    }
    pub const fn shown_when(mut self, field: &'static str, values: &'static [&'static str]) -> Field {
        self.shown_when = Some((field, values));
        self
    }
    pub const fn suggest(mut self, s: Suggest) -> Field {
        self.suggest = s;
        self
    }
    pub const fn currency(mut self, field: &'static str) -> Field {
        self.currency = field;
        self
    }
    pub const fn wide(mut self) -> Field {
        self.wide = true;
        self
    }
    pub const fn hidden(mut self) -> Field {
        self.hidden = true;
        self
    }

    pub const fn sticky(mut self) -> Field {
        self.sticky = true;
        self
    }

    pub fn max_len(&self) -> usize {
        if self.max > 0 { self.max } else { self.ty.default_max() }
    }
}

/// A way to sort a list: the key in `?sort=` and the column (none: the order of entry, the id).
#[derive(Debug, Clone, Copy)]
pub struct SortDef {
    pub key: &'static str,
    pub column: Option<&'static str>,
    /// The column holds text (a cursor carries text) rather than an integer.
    pub text: bool,
}

impl SortDef {
    /// A sort by the column of the same name holding a number or an ISO date.
    pub const fn by(key: &'static str) -> SortDef {
        SortDef {
            key,
            column: Some(key),
            text: false,
        }
    }
}

pub const SORT_CREATED: SortDef = SortDef {
    key: "created_at",
    column: None,
    text: false,
};
pub const SORT_UPDATED: SortDef = SortDef {
    key: "updated_at",
    column: Some("updated_at"),
    text: false,
};
pub const SORT_NAME: SortDef = SortDef {
    key: "name",
    column: Some("sort_name"),
    text: true,
};

/// A record kind, declared once.
#[derive(Debug)]
pub struct Kind {
    /// The plural key: URL segment (`/leads`), API path, meta and view kind.
    pub key: &'static str,
    /// The singular: history entity and `.ftl` prefix (`lead-field-city`).
    pub entity: &'static str,
    pub table: &'static str,
    /// The table's alias in SQL.
    pub alias: &'static str,
    pub module: Module,
    pub fields: &'static [Field],
    pub sorts: &'static [SortDef],
    /// `?sort=` when none is given (`-created_at`, `name`).
    pub default_sort: &'static str,
    /// The tag table and its key column, when the kind has tags.
    pub tag_table: &'static str,
    pub tag_key: &'static str,
    /// SQLite's trigram index over `search_key`.
    pub fts: &'static str,
    /// The records have an owner (`owner_id`): visibility by own/team/all.
    pub owned: bool,
    /// The field shown as the status badge (list and card).
    pub status: &'static str,
    /// SQL of the display name, `{a}` standing for the alias (for references' names).
    pub name_sql: &'static str,
    /// Columns the kind derives from its values on every write (sort and search keys …).
    pub derived: &'static [&'static str],
    /// Form sections in order: `.ftl` id of the heading and of a hint under it ("" for none).
    pub sections: &'static [(&'static str, &'static str)],
    /// Two records of the kind may be merged into one (a merge screen, a card action and
    /// `POST /api/v1/{kind}/{id}/merge`).
    pub merge: bool,
    /// The reference to the kind itself that makes a tree (a parent company, the manager a person
    /// reports to), or "": the kit refuses a loop (`{field without _id}_loop`) on every write and
    /// keeps the tree whole when two records merge.
    pub hierarchy: &'static str,
    /// Records of this kind are the next step with the records they refer to: the cards of
    /// those kinds offer to create one already linked ("Görev oluştur" on a customer's card), and
    /// their lists get a "Sonraki adım" column (the earliest open one's due time).
    pub follow_up: Option<FollowUp>,
    /// The time field of a kind that records what happened (activities): its records make up the
    /// timeline of the records they refer to, newest first.
    pub timeline: Option<&'static str>,
    /// The display name (a lead without a person is its company …).
    pub name_of: fn(&Values) -> String,
    /// The derived columns' values, written with every save (`sort_name`, `search_key` …).
    pub derive: fn(&Values) -> Vec<(&'static str, String)>,
    /// Rules across fields and normalisation, after every field parsed.
    pub rules: fn(&mut Values, &mut FieldErrors),
}

/// What makes a follow-up record the next step: its due-time field, and the value of the kind's
/// status field while it is still to be done.
#[derive(Debug, Clone, Copy)]
pub struct FollowUp {
    pub due: &'static str,
    pub open: &'static str,
}

/// The next step of a record of `kind`: the follow-up kind that refers to it and the referring
/// field (tasks' `lead_id` for leads); `None` when nothing follows up on this kind.
pub fn next_step_of(kind: &Kind) -> Option<(&'static Kind, &'static Field, FollowUp)> {
    crate::kinds::ALL.iter().find_map(|k| {
        let fu = k.follow_up?;
        let f = k
            .fields
            .iter()
            .find(|f| f.ty == FieldType::Reference && f.refers == kind.key)?;
        Some((*k, f, fu))
    })
}

impl Kind {
    /// Whether the kind's records ride along with the records they refer to: anyone who sees a
    /// customer sees its tasks and activities, whoever owns them.
    pub fn rides_along(&self) -> bool {
        self.follow_up.is_some() || self.timeline.is_some()
    }

    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// `.ftl` id of a field's label.
    pub fn label_id(&self, key: &str) -> String {
        format!("{}-field-{key}", self.entity)
    }

    /// `.ftl` id of a choice option's label.
    pub fn option_id(&self, key: &str, option: &str) -> String {
        format!("{}-{key}-{option}", self.entity)
    }

    /// The columns of the default list order (`sort_name, id` or `id`): filter indexes end
    /// with them, so a filtered list comes out of the index already in order.
    pub fn order_columns(&self) -> String {
        match self
            .sort(self.default_sort.trim_start_matches('-'))
            .and_then(|s| s.column)
        {
            Some(col) => format!("{col}, id"),
            None => "id".to_string(),
        }
    }

    pub fn sort(&self, key: &str) -> Option<&'static SortDef> {
        self.sorts.iter().find(|s| s.key == key)
    }

    /// The field that alone is the record's name (a task's title, a deal's name), if one is:
    /// a list shows it as its name column, not a second time.
    pub fn name_field(&self) -> Option<&'static str> {
        let key = self.name_sql.strip_prefix("{a}.")?;
        self.fields.iter().map(|f| f.key).find(|k| *k == key)
    }

    /// The fields that are columns of the table (what insert and update write).
    pub fn columns(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.storage == Storage::Column)
    }

    /// The fields people write.
    pub fn writable(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.writable)
    }
}

/// An option of a custom choice: a stable key and a label an admin may rename; a retired
/// option stays on the records that have it but is no longer offered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomOption {
    pub key: String,
    pub label: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A custom field an admin defined.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomDef {
    pub id: i64,
    pub kind: String,
    /// Stable: `[a-z][a-z0-9_]*`, at most 40 characters; SQL names its JSON path literally.
    pub key: String,
    pub label: String,
    pub ty: FieldType,
    pub options: Vec<CustomOption>,
    pub required: bool,
    pub filterable: bool,
    pub searchable: bool,
    pub sortable: bool,
    pub position: i64,
    pub active: bool,
    /// The index that serves filtering and sorting exists (`ready`), is being built (`pending`), or none is needed.
    pub index_state: String,
}

impl CustomDef {
    /// The field key as it appears in errors, filters and history: `custom.KEY`.
    pub fn path(&self) -> String {
        format!("custom.{}", self.key)
    }

    pub fn option_label(&self, key: &str) -> Option<&str> {
        self.options.iter().find(|o| o.key == key).map(|o| o.label.as_str())
    }

    /// The shape the kit validates it with.
    pub fn as_field(&self) -> Field {
        let mut f = Field::new("", self.ty);
        f.required = self.required;
        f
    }
}

/// Whether `key` may name a custom field (and so be written into SQL as a JSON path).
pub fn valid_custom_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some('a'..='z'))
        && key.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A key from a label: `Bütçe aralığı` → `butce_araligi`. Unique among `taken` (`_2`, `_3` …).
pub fn custom_key_for(label: &str, taken: &[String]) -> String {
    let folded = fold(label);
    let mut key = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    let mut key: String = key.trim_end_matches('_').chars().take(34).collect();
    key = key.trim_end_matches('_').to_string();
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        key = format!("f_{key}");
    }
    if key == "f_" {
        key = "alan".into();
    }
    let mut candidate = key.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{key}_{n}");
        n += 1;
    }
    candidate
}

/// A number as typed and stored: at most 15 significant digits and 4 decimals, finite.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Num(f64);

impl Num {
    /// Reads `1234,5`, `1.234,5` (Turkish), `1234.5` (a single dot with up to 4 digits after it
    /// is a decimal point), `-3`.
    pub fn parse(s: &str) -> Option<Num> {
        let s = s.trim();
        if s.is_empty() || s.len() > 24 {
            return None;
        }
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if !body.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',') {
            return None;
        }
        let normal = match body.split_once(',') {
            Some((int, frac)) => format!("{}.{frac}", int.replace('.', "")),
            None => match body.split_once('.') {
                // `1.234` is a thousand (Turkish grouping), `.5` and `12.5` decimals.
                Some((i, f)) if !f.contains('.') && (1..=4).contains(&f.len()) && (f.len() != 3 || i.is_empty()) => {
                    format!("{i}.{f}")
                }
                _ => body.replace('.', ""),
            },
        };
        let (int, frac) = normal.split_once('.').unwrap_or((&normal, ""));
        if int.is_empty() || frac.len() > 4 || frac.contains('.') || int.len() + frac.len() > 15 {
            return None;
        }
        let v: f64 = normal.parse().ok()?;
        Num::from_f64(if neg { -v } else { v })
    }

    pub fn from_f64(v: f64) -> Option<Num> {
        (v.is_finite() && v.abs() < 1e15).then_some(Num((v * 10_000.0).round() / 10_000.0))
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// `1234.5` as JSON and in the database.
    pub fn plain(self) -> String {
        let s = format!("{:.4}", self.0);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" { "0".into() } else { s.to_string() }
    }

    /// `1.234,5` the Turkish way.
    pub fn display_tr(self) -> String {
        let plain = self.plain();
        let (neg, plain) = match plain.strip_prefix('-') {
            Some(p) => ("-", p.to_string()),
            None => ("", plain),
        };
        let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        if frac.is_empty() {
            format!("{neg}{grouped}")
        } else {
            format!("{neg}{grouped},{frac}")
        }
    }
}

/// A typed value of a field. Text-like values are trimmed and non-empty.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Email(Email),
    Phone(Phone),
    Url(Website),
    Number(Num),
    Money(Money),
    /// 0–100 with at most two decimals.
    Percent(Num),
    Date(NaiveDate),
    /// Milliseconds since the epoch.
    DateTime(i64),
    Bool(bool),
    Choice(String),
    Multi(Vec<String>),
    Tags(Vec<String>),
    /// A user id (the owner, a custom user field).
    User(i64),
    /// The id of a record of another (or the same) kind.
    Ref(i64),
    Vkn(Vkn),
    Tckn(Tckn),
}

impl Value {
    /// The value as one line of text: what history stores and compares (stable, language-free).
    pub fn canonical(&self) -> String {
        match self {
            Value::Text(s) | Value::Choice(s) => s.clone(),
            Value::Email(e) => e.as_str().to_string(),
            Value::Phone(p) => p.as_str().to_string(),
            Value::Url(w) => w.as_str().to_string(),
            Value::Number(n) | Value::Percent(n) => n.plain(),
            Value::Money(m) => m.kurus().to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(ms) => crate::time::rfc3339(*ms),
            Value::Bool(b) => b.to_string(),
            Value::Multi(v) => v.join(", "),
            Value::Tags(v) => v.join(", "),
            Value::User(i) | Value::Ref(i) => i.to_string(),
            Value::Vkn(v) => v.as_str().to_string(),
            Value::Tckn(v) => v.as_str().to_string(),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Choice(s) => Some(s),
            Value::Email(e) => Some(e.as_str()),
            Value::Phone(p) => Some(p.as_str()),
            Value::Url(w) => Some(w.as_str()),
            Value::Vkn(v) => Some(v.as_str()),
            Value::Tckn(v) => Some(v.as_str()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_id(&self) -> Option<i64> {
        match self {
            Value::User(i) | Value::Ref(i) => Some(*i),
            _ => None,
        }
    }

    /// A date-time's milliseconds.
    pub fn as_datetime(&self) -> Option<i64> {
        match self {
            Value::DateTime(ms) => Some(*ms),
            _ => None,
        }
    }

    pub fn as_list(&self) -> &[String] {
        match self {
            Value::Multi(v) | Value::Tags(v) => v,
            _ => &[],
        }
    }

    /// The value in a custom field's JSON: numbers as numbers, money as whole kuruş, dates as ISO
    /// text, choices by key, users by id.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Value::Number(n) | Value::Percent(n) => json!(n.get()),
            Value::Money(m) => json!(m.kurus()),
            Value::Bool(b) => json!(b),
            Value::User(i) | Value::Ref(i) => json!(i),
            Value::Multi(v) | Value::Tags(v) => json!(v),
            Value::DateTime(ms) => json!(crate::time::rfc3339(*ms)),
            other => json!(other.canonical()),
        }
    }

    /// Reads a value back from a custom field's JSON (as [`Value::to_json`] wrote it).
    pub fn from_json(ty: FieldType, v: &serde_json::Value) -> Option<Value> {
        use serde_json::Value as J;
        Some(match (ty, v) {
            (_, J::Null) => return None,
            (FieldType::Number, J::Number(n)) => Value::Number(Num::from_f64(n.as_f64()?)?),
            (FieldType::Percent, J::Number(n)) => Value::Percent(Num::from_f64(n.as_f64()?)?),
            (FieldType::Money, J::Number(n)) => Value::Money(Money::from_kurus(n.as_i64()?)),
            (FieldType::Bool, J::Bool(b)) => Value::Bool(*b),
            (FieldType::User, J::Number(n)) => Value::User(n.as_i64()?),
            (FieldType::Reference, J::Number(n)) => Value::Ref(n.as_i64()?),
            (FieldType::Date, J::String(s)) => Value::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?),
            (FieldType::MultiChoice, J::Array(a)) => {
                Value::Multi(a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            }
            (FieldType::Choice, J::String(s)) => Value::Choice(s.clone()),
            (FieldType::Text | FieldType::LongText, J::String(s)) => Value::Text(s.clone()),
            _ => return None,
        })
    }
}

/// A raw value as it arrives: from a form (always text, lists for multi-values) or from JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Present but empty (`null` in JSON, a blank box in a form): clears the field.
    Null,
    Text(String),
    /// A JSON number, kept as written so nothing is rounded on the way.
    Number(String),
    Bool(bool),
    List(Vec<String>),
    /// A JSON value of a shape no field takes (an object, a list of numbers …).
    Invalid,
}

impl Input {
    pub fn from_json(v: &serde_json::Value) -> Input {
        use serde_json::Value as J;
        match v {
            J::Null => Input::Null,
            J::String(s) => Input::Text(s.clone()),
            J::Number(n) => Input::Number(n.to_string()),
            J::Bool(b) => Input::Bool(*b),
            J::Array(items) => {
                let texts: Option<Vec<String>> = items
                    .iter()
                    .map(|x| match x {
                        J::String(s) => Some(s.clone()),
                        J::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect();
                texts.map(Input::List).unwrap_or(Input::Invalid)
            }
            J::Object(_) => Input::Invalid,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Input::Text(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            _ => None,
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            Input::Null => true,
            Input::Text(s) => s.trim().is_empty(),
            Input::List(v) => v.iter().all(|s| s.trim().is_empty()),
            _ => false,
        }
    }
}

/// Values of a record's built-in fields; a field without a value is absent.
pub type Values = BTreeMap<&'static str, Value>;
/// Values of a record's custom fields, by key.
pub type CustomValues = BTreeMap<String, Value>;

/// Reads one field's input into a typed value. `None` means empty; an error is a code for the
/// field (`invalid_phone`, `too_long` with its limit …).
pub fn parse_value(
    f: &Field,
    options: &[&str],
    input: &Input,
) -> Result<Option<Value>, (&'static str, Option<String>)> {
    if input.is_blank() {
        return Ok(None);
    }
    if matches!(input, Input::Invalid) {
        return Err(("invalid_type", None));
    }
    let max = f.max_len();
    let text = |input: &Input| -> Result<String, (&'static str, Option<String>)> {
        match input {
            Input::Text(s) => {
                let t = s.trim();
                if t.chars().count() > max {
                    return Err(("too_long", Some(max.to_string())));
                }
                let multiline = f.ty == FieldType::LongText;
                let bad = t
                    .chars()
                    .any(|c| !(multiline && matches!(c, '\n' | '\r' | '\t')) && (c.is_control() || c == '\u{FEFF}'));
                if bad {
                    return Err(("invalid_chars", None));
                }
                Ok(t.to_string())
            }
            _ => Err(("invalid_type", None)),
        }
    };
    let number_text = |input: &Input| -> Option<String> {
        match input {
            Input::Text(s) => Some(s.trim().to_string()),
            // A JSON number's dot is a decimal point, never a Turkish thousands separator.
            Input::Number(n) => Some(n.replacen('.', ",", 1)),
            _ => None,
        }
    };
    let id = |input: &Input| -> Result<i64, (&'static str, Option<String>)> {
        match input {
            Input::Text(s) | Input::Number(s) => s.trim().parse::<i64>().map_err(|_| ("invalid_choice", None)),
            _ => Err(("invalid_type", None)),
        }
    };
    let value = match f.ty {
        FieldType::Text | FieldType::LongText => Value::Text(text(input)?),
        FieldType::Email => Value::Email(Email::parse(&text(input)?).map_err(|_| ("invalid_email", None))?),
        FieldType::Phone => Value::Phone(Phone::parse(&text(input)?).map_err(|_| ("invalid_phone", None))?),
        FieldType::Url => Value::Url(Website::parse(&text(input)?).map_err(|_| ("invalid_website", None))?),
        FieldType::Vkn => {
            let t = text(input)?;
            Value::Vkn(Vkn::parse(&t).map_err(|e| match e {
                TaxIdError::Checksum => ("vkn_checksum", None),
                // a TCKN typed into the VKN box: say so, rather than "must be 10 digits"
                _ if Tckn::parse(&t).is_ok() => ("tax_number_is_tckn", None),
                _ => ("vkn_length", None),
            })?)
        }
        FieldType::Tckn => Value::Tckn(Tckn::parse(&text(input)?).map_err(|e| match e {
            TaxIdError::Length => ("tckn_length", None),
            TaxIdError::LeadingZero => ("tckn_leading_zero", None),
            TaxIdError::Checksum => ("tckn_checksum", None),
        })?),
        FieldType::Number => {
            let t = number_text(input).ok_or(("invalid_type", None))?;
            Value::Number(Num::parse(&t).ok_or(("invalid_number", None))?)
        }
        FieldType::Percent => {
            let t = number_text(input).ok_or(("invalid_type", None))?;
            let n = Num::parse(&t).ok_or(("invalid_percent", None))?;
            let hundredths = n.get() * 100.0;
            if !(0.0..=100.0).contains(&n.get()) || (hundredths - hundredths.round()).abs() > 1e-6 {
                return Err(("invalid_percent", None));
            }
            Value::Percent(n)
        }
        FieldType::Money => {
            let t = number_text(input).ok_or(("invalid_type", None))?;
            Value::Money(Money::parse(&t).map_err(|_| ("invalid_money", None))?)
        }
        FieldType::Date => {
            let t = input.text().ok_or(("invalid_type", None))?;
            Value::Date(crate::time::parse_date(t).ok_or(("invalid_date", None))?)
        }
        FieldType::DateTime => {
            let t = input.text().ok_or(("invalid_type", None))?;
            Value::DateTime(crate::time::parse_datetime(t).ok_or(("invalid_datetime", None))?)
        }
        FieldType::Bool => match input {
            Input::Bool(b) => Value::Bool(*b),
            Input::Text(s) => match s.trim() {
                "1" | "true" | "on" | "yes" | "evet" => Value::Bool(true),
                "0" | "false" | "off" | "no" | "hayır" => Value::Bool(false),
                _ => return Err(("invalid_bool", None)),
            },
            _ => return Err(("invalid_type", None)),
        },
        FieldType::Choice => {
            let t = match input {
                Input::Text(s) | Input::Number(s) => s.trim().to_string(),
                _ => return Err(("invalid_type", None)),
            };
            if !options.contains(&t.as_str()) {
                return Err(("invalid_choice", None));
            }
            Value::Choice(t)
        }
        FieldType::MultiChoice => {
            let items: Vec<String> = match input {
                Input::List(v) => v.clone(),
                Input::Text(s) => s.split(',').map(str::to_string).collect(),
                _ => return Err(("invalid_type", None)),
            };
            let mut out: Vec<String> = Vec::new();
            for i in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                if !options.contains(&i) {
                    return Err(("invalid_choice", None));
                }
                if !out.iter().any(|x| x == i) {
                    out.push(i.to_string());
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Multi(out)
        }
        FieldType::Tags => {
            let items: Vec<String> = match input {
                Input::List(v) => v.clone(),
                Input::Text(s) => s.split(',').map(str::to_string).collect(),
                _ => return Err(("invalid_type", None)),
            };
            let mut e = FieldErrors::new();
            let tags = clean_tags(&mut e, "tags", &items);
            if let Some(err) = e.0.first() {
                return Err(if err.code == "too_many" {
                    ("too_many", Some(MAX_TAGS.to_string()))
                } else {
                    ("invalid_tag", Some(MAX_TAG.to_string()))
                });
            }
            if tags.is_empty() {
                return Ok(None);
            }
            Value::Tags(tags)
        }
        FieldType::User => Value::User(id(input)?),
        FieldType::Reference => Value::Ref(id(input)?),
    };
    Ok(Some(value))
}

/// The inputs of one write: built-in fields by key, custom fields by their key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub fields: BTreeMap<String, Input>,
    pub custom: BTreeMap<String, Input>,
    /// What a set of tags was when the editor opened the form, by field key. With it, a write
    /// applies only the tags the editor added and removed to the record's current ones: tags
    /// change without a new version of the record (a bulk run tags thousands at once), so a card
    /// open meanwhile must not write back the list it was opened with.
    pub seen: BTreeMap<String, Input>,
}

/// Parses every input of a write over `base` (the record's current values, empty for a new
/// one): a present input replaces the value, an absent one keeps it. Reports each field's
/// problem under its key (`custom.KEY` for custom fields), unknown keys as `unknown_field`, and
/// required fields left empty. Custom options are checked against the definition (retired
/// options stay valid on a record that already had them).
pub fn apply_inputs(
    kind: &Kind,
    defs: &[CustomDef],
    inputs: &Inputs,
    base: (&Values, &CustomValues),
    new: bool,
) -> Result<(Values, CustomValues), FieldErrors> {
    let (values, custom, e) = read_inputs(kind, defs, inputs, base, new);
    if e.is_empty() { Ok((values, custom)) } else { Err(e) }
}

/// [`apply_inputs`] that hands back the values read so far with the problems, so a module's
/// rules can add theirs to the same list.
pub fn read_inputs(
    kind: &Kind,
    defs: &[CustomDef],
    inputs: &Inputs,
    base: (&Values, &CustomValues),
    new: bool,
) -> (Values, CustomValues, FieldErrors) {
    let mut e = FieldErrors::new();
    let (mut values, mut custom) = (base.0.clone(), base.1.clone());
    for (key, input) in &inputs.fields {
        let Some(f) = kind.field(key).filter(|f| f.writable) else {
            e.add(key, "unknown_field");
            continue;
        };
        let seen = inputs.seen.get(key).filter(|_| f.storage == Storage::Tags);
        let parsed =
            parse_value(f, f.options, input).map(|now| match seen.and_then(|s| parse_value(f, f.options, s).ok()) {
                Some(seen) => {
                    let list = |v: &Option<Value>| v.as_ref().map(|v| v.as_list().to_vec()).unwrap_or_default();
                    let current = base.0.get(f.key).map(Value::as_list).unwrap_or_default();
                    let merged = merge_tags(current, &list(&seen), &list(&now));
                    (!merged.is_empty()).then_some(Value::Tags(merged))
                }
                None => now,
            });
        match parsed {
            Ok(Some(v)) => {
                values.insert(f.key, v);
            }
            Ok(None) => {
                values.remove(f.key);
            }
            Err((code, arg)) => match arg {
                Some(a) => e.add_with(f.key, code, a),
                None => e.add(f.key, code),
            },
        }
    }
    if new {
        for f in kind.writable() {
            if let Some(d) = f.default
                && !values.contains_key(f.key)
                && !inputs.fields.contains_key(f.key)
                && let Ok(Some(v)) = parse_value(f, f.options, &Input::Text(d.to_string()))
            {
                values.insert(f.key, v);
            }
        }
    }
    for (key, input) in &inputs.custom {
        let Some(def) = defs.iter().find(|d| &d.key == key && d.active) else {
            e.add(&format!("custom.{key}"), "unknown_field");
            continue;
        };
        let mut allowed: Vec<&str> = def
            .options
            .iter()
            .filter(|o| o.active)
            .map(|o| o.key.as_str())
            .collect();
        // An option retired since keeps validating on the record that already carries it.
        if let Some(current) = custom.get(key) {
            for k in current.as_list().iter().map(String::as_str).chain(current.as_text()) {
                if !allowed.contains(&k) && def.options.iter().any(|o| o.key == k) {
                    allowed.push(k);
                }
            }
        }
        let f = def.as_field();
        match parse_value(&f, &allowed, input) {
            Ok(Some(v)) => {
                custom.insert(key.clone(), v);
            }
            Ok(None) => {
                custom.remove(key);
            }
            Err((code, arg)) => match arg {
                Some(a) => e.add_with(&def.path(), code, a),
                None => e.add(&def.path(), code),
            },
        }
    }
    for f in kind.writable().filter(|f| f.required) {
        if !values.contains_key(f.key) && !e.has(f.key) {
            e.add(f.key, "required");
        }
    }
    // Required custom fields bind records created or edited from then on; an edit that does not
    // touch such a field must still fill it (the form shows it).
    for d in defs.iter().filter(|d| d.active && d.required) {
        if !custom.contains_key(&d.key) && !e.has(&d.path()) {
            e.add(&d.path(), "required");
        }
    }
    (values, custom, e)
}

/// Tags `current` after an editor who saw `seen` left `edited`: the ones they removed go, the
/// ones they added come (Turkish-insensitive), the rest of `current` stays as it is.
pub fn merge_tags(current: &[String], seen: &[String], edited: &[String]) -> Vec<String> {
    let key = |t: &String| fold(t);
    let seen: std::collections::HashSet<String> = seen.iter().map(key).collect();
    let kept: std::collections::HashSet<String> = edited.iter().map(key).collect();
    let mut out: Vec<String> = current
        .iter()
        .filter(|t| !seen.contains(&key(t)) || kept.contains(&key(t)))
        .cloned()
        .collect();
    for t in edited {
        if !seen.contains(&key(t)) && !out.iter().any(|o| key(o) == key(t)) {
            out.push(t.clone());
        }
    }
    out
}

/// Field-by-field differences between two states of a record (either may be empty: a create, a
/// delete), in declaration order, custom fields after: `(field, old, new)` as canonical text.
pub fn diff(
    kind: &Kind,
    old: (&Values, &CustomValues),
    new: (&Values, &CustomValues),
) -> Vec<(String, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    for f in kind.fields.iter().filter(|f| f.writable) {
        let o = old.0.get(f.key).map(Value::canonical);
        let n = new.0.get(f.key).map(Value::canonical);
        if o != n {
            out.push((f.key.to_string(), o, n));
        }
    }
    let keys: std::collections::BTreeSet<&String> = old.1.keys().chain(new.1.keys()).collect();
    for k in keys {
        let o = old.1.get(k).map(Value::canonical);
        let n = new.1.get(k).map(Value::canonical);
        if o != n {
            out.push((format!("custom.{k}"), o, n));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &[&str] = &["a", "b"];
    static FIELDS: &[Field] = &[
        Field::new("name", FieldType::Text).required().max(10),
        Field::new("notes", FieldType::LongText),
        Field::new("phone", FieldType::Phone),
        Field::new("revenue", FieldType::Money),
        Field::new("level", FieldType::Choice).options(OPTIONS).default("a"),
        Field::new("tags", FieldType::Tags),
        Field::new("vkn", FieldType::Vkn),
        Field::new("lead_id", FieldType::Reference).refers("leads").system(),
    ];
    static KIND: Kind = Kind {
        key: "things",
        entity: "thing",
        table: "things",
        alias: "t",
        module: Module::Leads,
        fields: FIELDS,
        sorts: &[SORT_CREATED],
        default_sort: "-created_at",
        tag_table: "",
        tag_key: "",
        fts: "",
        owned: true,
        status: "",
        name_sql: "{a}.name",
        derived: &[],
        sections: &[],
        merge: false,
        hierarchy: "",
        follow_up: None,
        timeline: None,
        name_of: |_| String::new(),
        derive: |_| vec![],
        rules: |_, _| {},
    };

    fn inputs(pairs: &[(&str, Input)]) -> Inputs {
        Inputs {
            fields: pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn tags_merge_what_the_editor_changed_into_the_current_ones() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Opened with [fuar, vip]; meanwhile a bulk run added "istanbul"; the editor took "vip"
        // off and put "sıcak" on: "istanbul" stays.
        let merged = merge_tags(
            &l(&["fuar", "vip", "istanbul"]),
            &l(&["fuar", "vip"]),
            &l(&["fuar", "sıcak"]),
        );
        assert_eq!(merged, l(&["fuar", "istanbul", "sıcak"]));
        // Folded: "VİP" is the tag "vip".
        assert_eq!(merge_tags(&l(&["vip"]), &l(&["vip"]), &l(&["VİP"])), l(&["vip"]));
        // Removed meanwhile by somebody else and not touched by the editor: stays off.
        assert_eq!(merge_tags(&l(&[]), &l(&["vip"]), &l(&["vip"])), l(&[]));
    }

    #[test]
    fn a_seen_tags_input_applies_only_the_editors_changes() {
        let mut base = Values::new();
        base.insert("tags", Value::Tags(vec!["a".into(), "bulk".into()]));
        base.insert("name", Value::Text("X".into()));
        let mut i = inputs(&[("tags", Input::Text("a, b".into()))]);
        i.seen.insert("tags".into(), Input::Text("a".into()));
        let (v, _) = apply_inputs(&KIND, &[], &i, (&base, &CustomValues::new()), false).unwrap();
        assert_eq!(
            v.get("tags"),
            Some(&Value::Tags(vec!["a".into(), "bulk".into(), "b".into()]))
        );
        // Without what was seen, the list sent is the list.
        let i = inputs(&[("tags", Input::Text("a, b".into()))]);
        let (v, _) = apply_inputs(&KIND, &[], &i, (&base, &CustomValues::new()), false).unwrap();
        assert_eq!(v.get("tags"), Some(&Value::Tags(vec!["a".into(), "b".into()])));
    }

    #[test]
    fn values_are_typed_and_defaults_applied() {
        let i = inputs(&[
            ("name", Input::Text(" Ayşe ".into())),
            ("phone", Input::Text("0532 123 45 67".into())),
            ("revenue", Input::Number("1250.5".into())),
            ("tags", Input::Text("İhracat, ihracat, Fuar".into())),
            ("vkn", Input::Text("3900383669".into())),
        ]);
        let (v, _) = apply_inputs(&KIND, &[], &i, (&Values::new(), &CustomValues::new()), true).unwrap();
        assert_eq!(v["name"], Value::Text("Ayşe".into()));
        assert_eq!(v["phone"].canonical(), "+905321234567");
        assert_eq!(v["revenue"], Value::Money(Money::from_kurus(125_050)));
        assert_eq!(v["level"], Value::Choice("a".into()));
        assert_eq!(v["tags"], Value::Tags(vec!["İhracat".into(), "Fuar".into()]));
        assert!(matches!(v["vkn"], Value::Vkn(_)));
    }

    #[test]
    fn problems_are_named_per_field() {
        let i = inputs(&[
            ("name", Input::Text("x".repeat(11))),
            ("phone", Input::Text("12".into())),
            ("revenue", Input::Text("-5".into())),
            ("level", Input::Text("z".into())),
            ("vkn", Input::Text("10000000146".into())),
            ("lead_id", Input::Number("3".into())),
            ("colour", Input::Text("red".into())),
            ("notes", Input::Bool(true)),
        ]);
        let e = apply_inputs(&KIND, &[], &i, (&Values::new(), &CustomValues::new()), true).unwrap_err();
        let got: Vec<(&str, &str)> = e.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect();
        for want in [
            ("name", "too_long"),
            ("phone", "invalid_phone"),
            ("revenue", "invalid_money"),
            ("level", "invalid_choice"),
            ("vkn", "tax_number_is_tckn"),
            ("lead_id", "unknown_field"),
            ("colour", "unknown_field"),
            ("notes", "invalid_type"),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
        let e = apply_inputs(
            &KIND,
            &[],
            &Inputs::default(),
            (&Values::new(), &CustomValues::new()),
            true,
        )
        .unwrap_err();
        assert!(e.0.iter().any(|x| x.field == "name" && x.code == "required"));
    }

    #[test]
    fn an_absent_input_keeps_a_null_clears() {
        let mut base = Values::new();
        base.insert("name", Value::Text("Ali".into()));
        base.insert("notes", Value::Text("eski".into()));
        let i = inputs(&[("notes", Input::Null)]);
        let (v, _) = apply_inputs(&KIND, &[], &i, (&base, &CustomValues::new()), false).unwrap();
        assert_eq!(v.get("name"), Some(&Value::Text("Ali".into())));
        assert_eq!(v.get("notes"), None);
    }

    fn def(key: &str, ty: FieldType) -> CustomDef {
        CustomDef {
            id: 1,
            kind: "things".into(),
            key: key.into(),
            label: key.into(),
            ty,
            options: vec![
                CustomOption {
                    key: "kucuk".into(),
                    label: "Küçük".into(),
                    active: true,
                },
                CustomOption {
                    key: "eski".into(),
                    label: "Eski".into(),
                    active: false,
                },
            ],
            required: false,
            filterable: false,
            searchable: false,
            sortable: false,
            position: 0,
            active: true,
            index_state: "none".into(),
        }
    }

    #[test]
    fn custom_values_check_types_and_options() {
        let defs = vec![def("butce", FieldType::Choice), def("tarih", FieldType::Date)];
        let mut i = inputs(&[("name", Input::Text("A".into()))]);
        i.custom.insert("butce".into(), Input::Text("kucuk".into()));
        i.custom.insert("tarih".into(), Input::Text("2026-03-01".into()));
        let (_, c) = apply_inputs(&KIND, &defs, &i, (&Values::new(), &CustomValues::new()), true).unwrap();
        assert_eq!(c["butce"], Value::Choice("kucuk".into()));
        assert_eq!(c["tarih"].to_json(), serde_json::json!("2026-03-01"));
        i.custom.insert("butce".into(), Input::Text("eski".into()));
        i.custom.insert("tarih".into(), Input::Number("5".into()));
        i.custom.insert("yok".into(), Input::Text("x".into()));
        let e = apply_inputs(&KIND, &defs, &i, (&Values::new(), &CustomValues::new()), true).unwrap_err();
        let got: Vec<(&str, &str)> = e.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect();
        assert!(got.contains(&("custom.butce", "invalid_choice")), "{got:?}");
        assert!(got.contains(&("custom.tarih", "invalid_type")), "{got:?}");
        assert!(got.contains(&("custom.yok", "unknown_field")), "{got:?}");
        // A retired option stays valid where it already is.
        let mut base = CustomValues::new();
        base.insert("butce".into(), Value::Choice("eski".into()));
        let mut i = inputs(&[("name", Input::Text("A".into()))]);
        i.custom.insert("butce".into(), Input::Text("eski".into()));
        assert!(apply_inputs(&KIND, &defs, &i, (&Values::new(), &base), false).is_ok());
    }

    #[test]
    fn numbers_read_the_turkish_way() {
        assert_eq!(Num::parse("1.234,5").unwrap().plain(), "1234.5");
        assert_eq!(Num::parse("1234.5").unwrap().plain(), "1234.5");
        assert_eq!(Num::parse("1.234").unwrap().plain(), "1234");
        assert_eq!(Num::parse("-3").unwrap().plain(), "-3");
        assert_eq!(Num::parse("12,5").unwrap().display_tr(), "12,5");
        assert_eq!(Num::parse("1234567,25").unwrap().display_tr(), "1.234.567,25");
        for bad in ["", "abc", "1,2,3", "1.2.3,4,5", "1,23456"] {
            assert_eq!(Num::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn custom_keys_are_stable_and_safe() {
        assert_eq!(custom_key_for("Bütçe aralığı", &[]), "butce_araligi");
        assert_eq!(custom_key_for("Stand (m2)", &[]), "stand_m2");
        assert_eq!(
            custom_key_for("Bütçe aralığı", &["butce_araligi".into()]),
            "butce_araligi_2"
        );
        assert_eq!(custom_key_for("2026 hedefi", &[]), "f_2026_hedefi");
        assert_eq!(custom_key_for("!!!", &[]), "alan");
        assert!(valid_custom_key("butce_araligi"));
        for bad in ["", "Butce", "a-b", "a'b", "a b", &"a".repeat(41)] {
            assert!(!valid_custom_key(bad), "{bad}");
        }
    }

    #[test]
    fn diffs_name_fields_in_order() {
        let mut a = Values::new();
        a.insert("name", Value::Text("A".into()));
        let mut b = a.clone();
        b.insert("name", Value::Text("B".into()));
        b.insert("phone", Value::Phone(Phone::parse("05321234567").unwrap()));
        let mut c = CustomValues::new();
        c.insert("butce".into(), Value::Choice("kucuk".into()));
        let d = diff(&KIND, (&a, &CustomValues::new()), (&b, &c));
        assert_eq!(
            d,
            vec![
                ("name".into(), Some("A".into()), Some("B".into())),
                ("phone".into(), None, Some("+905321234567".into())),
                ("custom.butce".into(), None, Some("kucuk".into())),
            ]
        );
    }
}
