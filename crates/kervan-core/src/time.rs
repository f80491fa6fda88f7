//! Time is stored as UTC epoch milliseconds (one comparable integer on both databases,
//! which keeps keyset pagination identical on SQLite and PostgreSQL) and shown in
//! Europe/Istanbul as `31.01.2026 14:30`.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Istanbul;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn local(ms: i64) -> Option<DateTime<chrono_tz::Tz>> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&Istanbul))
}

/// `31.01.2026`
pub fn date(ms: i64) -> String {
    local(ms).map(|t| t.format("%d.%m.%Y").to_string()).unwrap_or_default()
}

/// `31.01.2026 14:30`
pub fn datetime(ms: i64) -> String {
    local(ms)
        .map(|t| t.format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// RFC 3339 in UTC, for the API.
pub fn rfc3339(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// Start of the given local (Istanbul) day, as epoch ms.
pub fn day_start_ms(d: NaiveDate) -> i64 {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    Istanbul
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
        .unwrap_or(0)
}

/// Start and end (exclusive) of the local (Istanbul) day containing `now_ms`, as epoch ms:
/// what "overdue", "today" and "later" are told apart by.
pub fn today_bounds(now_ms: i64) -> (i64, i64) {
    let today = today_local(now_ms);
    let end = today.succ_opt().map(day_start_ms).unwrap_or(i64::MAX);
    (day_start_ms(today), end)
}

pub fn today_local(now_ms: i64) -> NaiveDate {
    local(now_ms).map(|t| t.date_naive()).unwrap_or_default()
}

/// First day of the local month containing `now_ms`.
pub fn month_start_local(now_ms: i64) -> NaiveDate {
    let d = today_local(now_ms);
    d.with_day(1).unwrap_or(d)
}

/// Parses `2026-01-31` (HTML date input) or `31.01.2026` (typed by a person).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

/// A day a calendar shows: [`parse_date`] within 1900–2200, so paging a week or a month from it
/// never runs off the dates the calendar can count.
pub fn parse_calendar_date(s: &str) -> Option<NaiveDate> {
    parse_date(s).filter(|d| (1900..=2200).contains(&d.year()))
}

/// Parses a moment: RFC 3339 (`2026-01-31T11:30:00Z`, the API), or a local Istanbul time as a
/// browser's `datetime-local` sends it (`2026-01-31T14:30`) or a person types it (`31.01.2026 14:30`).
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%d.%m.%Y %H:%M"))
        .ok()?;
    Istanbul
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
}

/// A moment as a browser's `datetime-local` input shows it, in Istanbul: `2026-01-31T14:30`.
pub fn local_input(ms: i64) -> String {
    local(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// Relative time in whole units, for "2 gün önce" style labels: (amount, unit).
pub fn ago(now_ms: i64, then_ms: i64) -> (i64, &'static str) {
    let secs = (now_ms - then_ms).max(0) / 1000;
    match secs {
        s if s < 60 => (0, "now"),
        s if s < 3600 => (s / 60, "minutes"),
        s if s < 86_400 => (s / 3600, "hours"),
        s if s < 86_400 * 30 => (s / 86_400, "days"),
        s => (s / (86_400 * 30), "months"),
    }
}

/// `ms` moved by whole local (Istanbul) days or calendar months at the same wall-clock time; the
/// 31st of a month falls back to the month's last day.
pub fn add_local(ms: i64, days: i64, months: u32) -> Option<i64> {
    let t = local(ms)?.naive_local();
    let t = if months > 0 {
        let m0 = t.month0() + months;
        let (year, month0) = (t.year() + (m0 / 12) as i32, m0 % 12);
        let last = (28..=31)
            .rev()
            .find(|d| NaiveDate::from_ymd_opt(year, month0 + 1, *d).is_some())?;
        let date = NaiveDate::from_ymd_opt(year, month0 + 1, t.day().min(last))?;
        date.and_time(t.time())
    } else {
        t
    };
    let t = t.checked_add_signed(chrono::Duration::days(days))?;
    Istanbul
        .from_local_datetime(&t)
        .earliest()
        .map(|z| z.with_timezone(&Utc).timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_istanbul() {
        // 2026-01-31 11:30 UTC is 14:30 in Istanbul (UTC+3 all year).
        let ms = Utc.with_ymd_and_hms(2026, 1, 31, 11, 30, 0).unwrap().timestamp_millis();
        assert_eq!(date(ms), "31.01.2026");
        assert_eq!(datetime(ms), "31.01.2026 14:30");
        assert_eq!(rfc3339(ms), "2026-01-31T11:30:00.000Z");
    }

    #[test]
    fn parses_moments() {
        let ms = Utc.with_ymd_and_hms(2026, 1, 31, 11, 30, 0).unwrap().timestamp_millis();
        assert_eq!(parse_datetime("2026-01-31T11:30:00Z"), Some(ms));
        assert_eq!(parse_datetime("2026-01-31T14:30"), Some(ms));
        assert_eq!(parse_datetime("31.01.2026 14:30"), Some(ms));
        assert_eq!(local_input(ms), "2026-01-31T14:30");
        assert_eq!(parse_datetime("yarın"), None);
    }

    #[test]
    fn parses_both_date_forms() {
        assert_eq!(parse_date("2026-01-31"), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(parse_date("31.01.2026"), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(parse_date("31/31/2026"), None);
        let start = day_start_ms(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap());
        assert_eq!(datetime(start), "31.01.2026 00:00");
    }
}
