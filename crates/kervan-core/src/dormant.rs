//! The sleeping-customer rule ("uyuyan müşteri"): an open lead or an active customer with no
//! held conversation for N days gets one follow-up task for its owner — once per dormant period,
//! a period being named by the last held activity (or the record's creation when there was none).

use serde::{Deserialize, Serialize};

/// Which records of a kind can sleep: those whose status is not one of `closed`.
pub struct Rule {
    pub kind: &'static str,
    pub status_col: &'static str,
    pub closed: &'static [&'static str],
}

pub const RULES: &[Rule] = &[
    Rule {
        kind: "leads",
        status_col: "status",
        closed: &["converted", "lost"],
    },
    Rule {
        kind: "accounts",
        status_col: "lifecycle",
        closed: &["passive"],
    },
];

pub const MIN_DAYS: i64 = 1;
pub const MAX_DAYS: i64 = 3650;
pub const MAX_TITLE: usize = 200;

/// One kind's setting: off until an admin has seen how many tasks the first run makes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Setting {
    pub enabled: bool,
    pub days: i64,
    /// The task's title; `{name}` is the record's name, `{days}` the setting's days.
    pub title: String,
}

impl Setting {
    pub fn off(title: &str) -> Setting {
        Setting {
            enabled: false,
            days: 30,
            title: title.to_string(),
        }
    }

    /// The title of the task for a record named `name`.
    pub fn title_for(&self, name: &str) -> String {
        let t = self
            .title
            .replace("{name}", name)
            .replace("{days}", &self.days.to_string());
        t.chars().take(MAX_TITLE).collect()
    }
}

pub fn rule(kind: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_names_the_record_and_stays_short() {
        let s = Setting {
            enabled: true,
            days: 45,
            title: "{name} ile {days} gündür görüşülmedi".into(),
        };
        assert_eq!(s.title_for("Ege Makina"), "Ege Makina ile 45 gündür görüşülmedi");
        assert_eq!(s.title_for(&"x".repeat(500)).chars().count(), MAX_TITLE);
        assert!(rule("leads").is_some() && rule("tasks").is_none());
    }
}
