//! Tasks (Görevler): the next step with a lead, a customer or a person — who does what by when.
//! Declared with the record kit; the owner is the assignee (own/team scopes follow them).

use crate::fields::{self, text};
use crate::permissions::Module;
use crate::record::{Field, FieldType as T, FollowUp, Kind, SORT_CREATED, SORT_NAME, SORT_UPDATED, SortDef, Values};
use crate::text::{search_key, sort_key};
use crate::validation::FieldErrors;

/// Longest task title.
pub const MAX_TITLE: usize = 200;

pub const STATUSES: &[&str] = &["open", "done", "cancelled"];
pub const PRIORITIES: &[&str] = &["high", "normal", "low"];
/// How a task comes back once done: the next one is due a day, a week, a month or a year later.
pub const REPEATS: &[&str] = &["none", "daily", "weekly", "monthly", "yearly"];

/// When the assignee is reminded, before the due time.
pub const REMINDERS: &[&str] = &["none", "at_due", "15m", "1h", "1d"];

const MAIN: &str = "task-section-main";
const ABOUT: &str = "task-section-about";

/// Sorted by due time: what is due first is what to do first.
pub const SORT_DUE: SortDef = SortDef {
    key: "due_at",
    column: Some("due_at"),
    text: false,
};

static FIELDS: &[Field] = &[
    Field::new("title", T::Text)
        .required()
        .max(MAX_TITLE)
        .list()
        .search()
        .section(MAIN)
        .placeholder("task-title-ph")
        .import(&["Görev", "Başlık", "Konu", "Task", "Title", "Subject"]),
    Field::new("due_at", T::DateTime)
        .required()
        .list()
        .sort()
        .section(MAIN)
        .import(&["Bitiş", "Son tarih", "Tarih", "Due", "Due date"]),
    Field::new("all_day", T::Bool)
        .default("false")
        .section(MAIN)
        .hint("task-hint-all_day")
        .import(&["Tüm gün", "All day"]),
    Field::new("priority", T::Choice)
        .options(PRIORITIES)
        .default("normal")
        .list()
        .filter()
        .bulk()
        .section(MAIN)
        .import(&["Öncelik", "Priority"]),
    fields::owner().list().section(MAIN).hint("task-hint-owner"),
    Field::new("status", T::Choice)
        .options(STATUSES)
        .default("open")
        .list()
        .filter()
        .bulk()
        .section(MAIN)
        .import(&["Durum", "Status"]),
    Field::new("reminder", T::Choice)
        .options(REMINDERS)
        .default("15m")
        .section(MAIN)
        .import(&["Hatırlatma", "Reminder"]),
    Field::new("repeat", T::Choice)
        .options(REPEATS)
        .default("none")
        .section(MAIN)
        .import(&["Tekrar", "Repeat"]),
    Field::new("description", T::LongText)
        .max(fields::MAX_NOTES)
        .section(MAIN)
        .import(&["Açıklama", "Not", "Description", "Notes"]),
    Field::new("lead_id", T::Reference)
        .refers("leads")
        .list()
        .filter()
        .sticky()
        .section(ABOUT)
        .import(&["Aday", "Lead"]),
    fields::account().list().sticky().section(ABOUT),
    fields::contact().column().sticky().section(ABOUT),
    fields::deal().sticky().section(ABOUT),
];

pub static KIND: Kind = Kind {
    key: "tasks",
    entity: "task",
    table: "tasks",
    alias: "k",
    module: Module::Tasks,
    fields: FIELDS,
    sorts: &[SORT_DUE, SORT_CREATED, SORT_UPDATED, SORT_NAME],
    default_sort: "due_at",
    tag_table: "",
    tag_key: "",
    fts: "tasks_fts",
    owned: true,
    status: "status",
    name_sql: "{a}.title",
    derived: &["sort_name", "search_key"],
    merge: false,
    sections: &[(MAIN, ""), (ABOUT, "task-section-about-hint")],
    hierarchy: "",
    follow_up: Some(FollowUp {
        due: "due_at",
        open: "open",
    }),
    timeline: None,
    name_of: name,
    derive: derived,
    rules,
};

/// A task is about at most one lead, or a customer and (optionally) one of its people.
pub fn rules(v: &mut Values, e: &mut FieldErrors) {
    if v.contains_key("lead_id") && (v.contains_key("account_id") || v.contains_key("contact_id")) && !e.has("lead_id")
    {
        e.add("lead_id", "task_lead_or_customer");
    }
}

pub fn name(v: &Values) -> String {
    text(v, "title").unwrap_or_default().to_string()
}

/// Derived columns: the title's sort key and what search matches.
pub fn derived(v: &Values) -> Vec<(&'static str, String)> {
    let title = text(v, "title");
    vec![
        ("sort_name", sort_key(title.unwrap_or_default())),
        ("search_key", search_key(&[title])),
    ]
}

/// How long before the due time the reminder goes off (`None`: no reminder).
pub fn reminder_offset_ms(reminder: &str) -> Option<i64> {
    match reminder {
        "at_due" => Some(0),
        "15m" => Some(15 * 60_000),
        "1h" => Some(3_600_000),
        "1d" => Some(86_400_000),
        _ => None,
    }
}

/// The due time of the next task of a series: one period after `due`, and further periods until
/// it is after `now` — missed ones are not made up (a daily call done a week late comes back
/// tomorrow, not seven times). `None` for a task that does not repeat.
pub fn next_due(due: i64, repeat: &str, now: i64) -> Option<i64> {
    let step = |ms: i64| match repeat {
        "daily" => crate::time::add_local(ms, 1, 0),
        "weekly" => crate::time::add_local(ms, 7, 0),
        "monthly" => crate::time::add_local(ms, 0, 1),
        "yearly" => crate::time::add_local(ms, 0, 12),
        _ => None,
    };
    let mut next = step(due)?;
    // Bounded: a yearly series due in 1970 still ends in a few dozen steps.
    for _ in 0..10_000 {
        if next > now {
            return Some(next);
        }
        next = step(next)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Value;

    fn parse(pairs: &[(&str, &str)]) -> Result<Values, FieldErrors> {
        crate::fields::parse_form(&KIND, pairs, rules)
    }

    #[test]
    fn a_task_needs_a_title_and_a_due_time() {
        let e = parse(&[]).unwrap_err();
        assert!(e.has("title") && e.has("due_at"));
        let v = parse(&[("title", "Tekrar ara"), ("due_at", "2026-12-03T10:00")]).unwrap();
        assert_eq!(v["status"], Value::Choice("open".into()));
        assert_eq!(v["priority"], Value::Choice("normal".into()));
        assert_eq!(name(&v), "Tekrar ara");
    }

    #[test]
    fn the_title_is_the_name_column_not_a_second_one() {
        assert_eq!(KIND.name_field(), Some("title"));
        assert_eq!(crate::leads::KIND.name_field(), None);
        assert_eq!(crate::deals::KIND.name_field(), Some("name"));
    }

    #[test]
    fn a_lead_task_is_not_also_a_customer_task() {
        let e = parse(&[
            ("title", "Ara"),
            ("due_at", "2026-12-03T10:00"),
            ("lead_id", "4"),
            ("account_id", "7"),
        ])
        .unwrap_err();
        assert!(e.has("lead_id"));
        assert!(
            parse(&[
                ("title", "Ara"),
                ("due_at", "2026-12-03T10:00"),
                ("account_id", "7"),
                ("contact_id", "9")
            ])
            .is_ok()
        );
    }

    #[test]
    fn a_series_comes_back_without_making_up_missed_ones() {
        let due = crate::time::parse_datetime("2026-01-31T10:00").unwrap_or_default();
        let day = 86_400_000;
        // Done on time: one period later.
        assert_eq!(next_due(due, "weekly", due), Some(due + 7 * day));
        // A month after the 31st of January is the last day of February, same time.
        let feb = crate::time::parse_datetime("2026-02-28T10:00").unwrap_or_default();
        assert_eq!(next_due(due, "monthly", due), Some(feb));
        // A daily task done ten days late comes back tomorrow, once.
        let late = due + 10 * day + 3_600_000;
        assert_eq!(next_due(due, "daily", late), Some(due + 11 * day));
        assert_eq!(next_due(due, "none", due), None);
    }

    #[test]
    fn reminders_go_off_before_the_due_time() {
        assert_eq!(reminder_offset_ms("1h"), Some(3_600_000));
        assert_eq!(reminder_offset_ms("none"), None);
        for r in REMINDERS {
            assert!(*r == "none" || reminder_offset_ms(r).is_some());
        }
    }
}
