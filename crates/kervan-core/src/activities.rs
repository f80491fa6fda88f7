//! Activities (Görüşmeler): what happened with a lead, a customer or a person — a call, a
//! meeting, a visit, an e-mail or WhatsApp message, a note. Declared with the record kit; the
//! owner is who logged it. A meeting or visit may be planned first and marked held later: only
//! held ones say when we last talked ("Son görüşme").

use crate::fields::{self, text};
use crate::permissions::Module;
use crate::record::{Field, FieldType as T, Kind, SORT_CREATED, SORT_UPDATED, SortDef, Values};
use crate::text::{search_key, sort_key};
use crate::validation::FieldErrors;

pub const MAX_SUBJECT: usize = 200;

pub const KINDS: &[&str] = &["call", "meeting", "visit", "email", "whatsapp", "note"];
pub const STATUSES: &[&str] = &["held", "planned", "cancelled"];
pub const DIRECTIONS: &[&str] = &["outbound", "inbound"];
pub const OUTCOMES: &[&str] = &["reached", "no_answer", "busy", "voicemail", "wrong_number"];

/// The kinds that are a conversation with the other side: a note is only ours.
pub const TALKS: &[&str] = &["call", "meeting", "visit", "email", "whatsapp"];
/// The kinds that are planned in the calendar before they happen.
pub const PLANNABLE: &[&str] = &["meeting", "visit"];

const MAIN: &str = "activity-section-main";
const ABOUT: &str = "activity-section-about";

/// Newest first is how a timeline reads.
pub const SORT_AT: SortDef = SortDef {
    key: "at",
    column: Some("at"),
    text: false,
};

static FIELDS: &[Field] = &[
    Field::new("kind", T::Choice)
        .options(KINDS)
        .required()
        .default("call")
        .list()
        .filter()
        .section(MAIN)
        .import(&["Tür", "Görüşme türü", "Type", "Kind"]),
    Field::new("subject", T::Text)
        .required()
        .max(MAX_SUBJECT)
        .list()
        .search()
        .section(MAIN)
        .placeholder("activity-subject-ph")
        .import(&["Konu", "Başlık", "Subject"]),
    Field::new("status", T::Choice)
        .options(STATUSES)
        .default("held")
        .list()
        .filter()
        .section(MAIN)
        .hint("activity-hint-status")
        .import(&["Durum", "Status"]),
    Field::new("at", T::DateTime)
        .required()
        .initial(crate::record::NOW)
        .list()
        .sort()
        .section(MAIN)
        .import(&["Tarih", "Zaman", "Date", "Time"]),
    Field::new("duration_minutes", T::Number)
        .section(MAIN)
        .shown_when("kind", &["call", "meeting", "visit"])
        .import(&["Süre", "Süre (dk)", "Duration"]),
    Field::new("direction", T::Choice)
        .options(DIRECTIONS)
        .default("outbound")
        .filter()
        .section(MAIN)
        .shown_when("kind", &["call", "email", "whatsapp"])
        .import(&["Yön", "Direction"]),
    Field::new("outcome", T::Choice)
        .options(OUTCOMES)
        .filter()
        .section(MAIN)
        .shown_when("kind", &["call"])
        .import(&["Sonuç", "Outcome"]),
    Field::new("location", T::Text)
        .max(200)
        .section(MAIN)
        .shown_when("kind", &["meeting", "visit"])
        .placeholder("activity-location-ph")
        .import(&["Yer", "Konum", "Stand", "Location"]),
    Field::new("online_link", T::Url)
        .section(MAIN)
        .shown_when("kind", &["meeting"])
        .import(&["Toplantı bağlantısı", "Link"]),
    Field::new("colleague_id", T::User)
        .section(MAIN)
        .shown_when("kind", &["meeting", "visit"])
        .hint("activity-hint-colleague"),
    Field::new("body", T::LongText)
        .max(fields::MAX_NOTES)
        .search()
        .section(MAIN)
        .placeholder("activity-body-ph")
        .hint("activity-hint-body")
        .import(&["Özet", "Not", "Açıklama", "Kararlar", "Summary", "Notes"]),
    fields::owner().list().section(MAIN).hint("activity-hint-owner"),
    Field::new("lead_id", T::Reference)
        .refers("leads")
        .column()
        .filter()
        .sticky()
        .section(ABOUT)
        .import(&["Aday", "Lead"]),
    fields::account().list().sticky().section(ABOUT),
    fields::contact().list().sticky().section(ABOUT),
    fields::deal().sticky().section(ABOUT),
];

pub static KIND: Kind = Kind {
    key: "activities",
    entity: "activity",
    table: "activities",
    alias: "v",
    module: Module::Activities,
    fields: FIELDS,
    sorts: &[SORT_AT, SORT_CREATED, SORT_UPDATED],
    default_sort: "-at",
    tag_table: "",
    tag_key: "",
    fts: "activities_fts",
    owned: true,
    status: "status",
    name_sql: "{a}.subject",
    derived: &["sort_name", "search_key"],
    merge: false,
    sections: &[(MAIN, ""), (ABOUT, "activity-section-about-hint")],
    hierarchy: "",
    follow_up: None,
    timeline: Some("at"),
    name_of: name,
    derive: derived,
    rules,
};

/// An activity is about something, and a held one has happened (a planned one is for later).
pub fn rules(v: &mut Values, e: &mut FieldErrors) {
    if !["lead_id", "account_id", "contact_id", "deal_id"]
        .iter()
        .any(|k| v.contains_key(*k))
    {
        e.add("account_id", "activity_needs_record");
    }
    let kind = text(v, "kind").unwrap_or("call");
    let status = text(v, "status").unwrap_or("held");
    if status == "planned" && !PLANNABLE.contains(&kind) && !e.has("status") {
        e.add("status", "activity_not_plannable");
    }
    // A few minutes' grace: a call logged "now" on a clock a little ahead is still held.
    if status == "held"
        && let Some(at) = v.get("at").and_then(crate::record::Value::as_datetime)
        && at > crate::time::now_ms() + 10 * 60_000
        && !e.has("at")
    {
        e.add("at", "activity_held_in_future");
    }
}

pub fn name(v: &Values) -> String {
    text(v, "subject").unwrap_or_default().to_string()
}

pub fn derived(v: &Values) -> Vec<(&'static str, String)> {
    let subject = text(v, "subject");
    vec![
        ("sort_name", sort_key(subject.unwrap_or_default())),
        ("search_key", search_key(&[subject])),
    ]
}

/// Whether an activity says we talked to the other side at `at`: held, and a conversation.
pub fn is_contact(kind: &str, status: &str) -> bool {
    status == "held" && TALKS.contains(&kind)
}

/// The people named in a text with `@`: `@ayşe` or `@ayşe.yılmaz` (letters, digits, `.`, `_`,
/// `-`), folded the Turkish way (`ayse`), each once, in order.
pub fn mentions(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // An address (ayse@firma.com) is not a mention: the @ must start a word.
        let starts = chars[i] == '@' && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if starts {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_alphanumeric() || matches!(chars[j], '.' | '_' | '-')) {
                j += 1;
            }
            let word: String = chars[i + 1..j].iter().collect();
            let word = word.trim_end_matches(['.', '-', '_']);
            if !word.is_empty() {
                let key = crate::text::fold(word);
                if !out.contains(&key) {
                    out.push(key);
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Values, FieldErrors> {
        crate::fields::parse_form(&KIND, pairs, rules)
    }

    #[test]
    fn an_activity_is_about_a_record() {
        let e = parse(&[
            ("kind", "call"),
            ("subject", "Fiyat soruldu"),
            ("at", "2026-11-30T10:00"),
        ])
        .unwrap_err();
        assert!(e.has("account_id"));
        assert!(
            parse(&[
                ("kind", "call"),
                ("subject", "Fiyat soruldu"),
                ("at", "2026-11-30T10:00"),
                ("account_id", "3")
            ])
            .is_ok()
        );
    }

    #[test]
    fn only_meetings_and_visits_are_planned_and_held_ones_are_past() {
        let base = [("subject", "Ziyaret"), ("at", "2036-01-10T10:00"), ("lead_id", "1")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut p: Vec<(&str, &str)> = base.to_vec();
            p.extend_from_slice(extra);
            parse(&p)
        };
        assert!(with(&[("kind", "visit"), ("status", "planned")]).is_ok());
        assert!(
            with(&[("kind", "call"), ("status", "planned")])
                .unwrap_err()
                .has("status")
        );
        assert!(with(&[("kind", "meeting"), ("status", "held")]).unwrap_err().has("at"));
    }

    #[test]
    fn talks_are_held_conversations() {
        assert!(is_contact("call", "held"));
        assert!(!is_contact("meeting", "planned"));
        assert!(!is_contact("note", "held"));
    }

    #[test]
    fn mentions_are_words_after_an_at_sign() {
        assert_eq!(
            mentions("@Ayşe ve @mehmet.kaya bakar mı? ayse@firma.com değil. @AYŞE tekrar."),
            vec!["ayse".to_string(), "mehmet.kaya".to_string()]
        );
        assert!(mentions("@ yalnız").is_empty());
    }
}
