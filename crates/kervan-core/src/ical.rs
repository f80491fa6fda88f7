//! iCalendar (RFC 5545) feed writing: the private calendar URL that Google Calendar,
//! Thunderbird and Outlook subscribe to.
//!
//! Only `VEVENT`s are written, tasks included: Google Calendar silently drops `VTODO`.
//! The output is deterministic for the same input (no "now" inside), so the web layer can
//! hash it into an ETag and answer polling clients with 304.

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Europe::Istanbul;
use chrono_tz::Tz;

pub const PRODID: &str = "-//Kervan//Kervan CRM//TR";
pub const TZID: &str = "Europe/Istanbul";

/// RFC 5545 §3.1: a content line SHOULD NOT be longer than 75 octets, CRLF excluded.
const MAX_LINE_OCTETS: usize = 75;
/// Turkey's one offset since September 2016; the `VTIMEZONE` below promises exactly this.
const ISTANBUL_OFFSET_SECS: i32 = 3 * 3600;
/// Timed records without an end (a task's due time, a call) still need a visible block.
const DEFAULT_DURATION_MS: i64 = 30 * 60 * 1000;

/// One calendar entry: a task, an activity, a deal's close date…
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// Stable across renders, e.g. `task-42@kervan`: clients match updates by it.
    pub uid: String,
    /// The record's version, so clients replace their copy instead of ignoring the change.
    pub sequence: i64,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
    /// Unix ms, UTC.
    pub start_ms: i64,
    /// Unix ms, UTC. `None`, or not after the start: start + 30 min. Ignored for all-day events.
    pub end_ms: Option<i64>,
    /// A whole-day entry on the Istanbul local date of `start_ms`.
    pub all_day: bool,
    /// `"CONFIRMED"`, `"TENTATIVE"` or `"CANCELLED"`; anything else is left out.
    pub status: Option<&'static str>,
    /// Unix ms, UTC: written as both `LAST-MODIFIED` and `DTSTAMP`.
    pub updated_ms: i64,
}

/// The whole `VCALENDAR`, CRLF line endings, lines folded at 75 octets.
///
/// An event whose times chrono cannot represent (or that fall outside years 1–9999, which
/// iCalendar's four-digit years cannot write) is left out rather than breaking the feed.
pub fn feed(calendar_name: &str, events: &[Event]) -> String {
    let mut w = Writer::default();
    w.line("BEGIN:VCALENDAR");
    w.line("VERSION:2.0");
    w.prop("PRODID", PRODID);
    w.line("CALSCALE:GREGORIAN");
    w.line("METHOD:PUBLISH");
    w.prop("X-WR-CALNAME", &text(calendar_name));
    w.prop("X-WR-TIMEZONE", TZID);
    // Without a hint Outlook polls a subscription only every few hours; Google ignores both.
    w.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    w.line("X-PUBLISHED-TTL:PT1H");
    write_timezone(&mut w);
    for event in events {
        if let Some(lines) = event_lines(event) {
            for (name, value) in lines {
                w.prop(&name, &value);
            }
        }
    }
    w.line("END:VCALENDAR");
    w.out
}

/// Outlook resolves `TZID` only through the `VTIMEZONE` in the same file, so one must be
/// there. A single STANDARD rule is enough because every local time the feed writes with
/// `TZID` is at +03:00 (see [`date_time`]); older instants go out in UTC instead.
fn write_timezone(w: &mut Writer) {
    w.line("BEGIN:VTIMEZONE");
    w.prop("TZID", TZID);
    w.line("BEGIN:STANDARD");
    w.line("DTSTART:19700101T000000");
    w.line("TZOFFSETFROM:+0300");
    w.line("TZOFFSETTO:+0300");
    w.line("TZNAME:+03");
    w.line("END:STANDARD");
    w.line("END:VTIMEZONE");
}

/// Every line of one `VEVENT` as (name with parameters, value), or `None` when a time is out
/// of range. Built whole before anything is written so a bad event never leaves half a
/// component behind.
fn event_lines(e: &Event) -> Option<Vec<(String, String)>> {
    let stamp = utc_stamp(e.updated_ms)?;
    let (start, end) = if e.all_day {
        let day = local(e.start_ms)?.date_naive();
        let next = day.succ_opt().filter(|d| d.year() <= 9999)?;
        (
            ("DTSTART;VALUE=DATE".to_owned(), date(day)),
            ("DTEND;VALUE=DATE".to_owned(), date(next)),
        )
    } else {
        // RFC 5545 requires DTEND strictly after DTSTART; Google drops events that break it.
        let end_ms = match e.end_ms {
            Some(end) if end > e.start_ms => end,
            _ => e.start_ms.checked_add(DEFAULT_DURATION_MS)?,
        };
        (date_time("DTSTART", e.start_ms)?, date_time("DTEND", end_ms)?)
    };

    let mut lines = vec![
        ("BEGIN".to_owned(), "VEVENT".to_owned()),
        ("UID".to_owned(), text(&e.uid)),
        // SEQUENCE is a non-negative integer; a negative one makes strict parsers reject it.
        ("SEQUENCE".to_owned(), e.sequence.max(0).to_string()),
        ("DTSTAMP".to_owned(), stamp.clone()),
        ("LAST-MODIFIED".to_owned(), stamp),
        start,
        end,
        ("SUMMARY".to_owned(), text(&e.summary)),
    ];
    let optional = [
        ("DESCRIPTION", e.description.as_deref().map(text)),
        ("LOCATION", e.location.as_deref().map(text)),
        // URL is a URI, not TEXT: `\,` there would corrupt query strings.
        ("URL", e.url.as_deref().map(strip_controls)),
    ];
    for (name, value) in optional {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            lines.push((name.to_owned(), value));
        }
    }
    // Outlook rejects a VEVENT whose STATUS belongs to VTODO/VJOURNAL ("COMPLETED", "DRAFT").
    if let Some(status @ ("CONFIRMED" | "TENTATIVE" | "CANCELLED")) = e.status {
        lines.push(("STATUS".to_owned(), status.to_owned()));
    }
    lines.push(("END".to_owned(), "VEVENT".to_owned()));
    Some(lines)
}

fn utc(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .filter(|t| (1..=9999).contains(&t.year()))
}

fn local(ms: i64) -> Option<DateTime<Tz>> {
    utc(ms)
        .map(|t| t.with_timezone(&Istanbul))
        .filter(|t| (1..=9999).contains(&t.year()))
}

fn utc_stamp(ms: i64) -> Option<String> {
    utc(ms).map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// `DTSTART;TZID=Europe/Istanbul:20261202T003000` — local time, so clients show the event on
/// the right day even when the viewer's device is set to another zone. Before 2016 Turkey
/// had summer time, which the one-rule `VTIMEZONE` does not describe: an instant at any
/// offset other than +03:00 is written in UTC, which every client reads the same way.
fn date_time(name: &str, ms: i64) -> Option<(String, String)> {
    let t = local(ms)?;
    if t.offset().fix().local_minus_utc() == ISTANBUL_OFFSET_SECS {
        Some((format!("{name};TZID={TZID}"), t.format("%Y%m%dT%H%M%S").to_string()))
    } else {
        Some((name.to_owned(), utc_stamp(ms)?))
    }
}

/// RFC 5545 §3.3.11 TEXT escaping. Control characters other than tab are not allowed in
/// TEXT at all, and a raw CR or LF would end the content line early, so they are dropped
/// or turned into `\n`.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // Windows line ends from pasted text count as one break, not two.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Values that are not TEXT (URIs) get no escaping, but a control character would still
/// break the line structure.
fn strip_controls(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn line(&mut self, line: &str) {
        fold_into(&mut self.out, line);
    }

    fn prop(&mut self, name: &str, value: &str) {
        let mut line = String::with_capacity(name.len() + 1 + value.len());
        line.push_str(name);
        line.push(':');
        line.push_str(value);
        fold_into(&mut self.out, &line);
    }
}

/// Appends one content line, folded into physical lines of at most 75 octets, each ending in
/// CRLF, continuations starting with one space (RFC 5545 §3.1). Cuts fall on character
/// boundaries: a Turkish letter is two octets, and a split one turns into U+FFFD in clients
/// that decode each physical line on its own.
fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut room = MAX_LINE_OCTETS;
    while rest.len() > room {
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // Some parsers (the `ical` crate among them) trim each physical line before
        // unfolding, which would eat a space that happens to sit at the cut. Moving the
        // whitespace to the start of the next line keeps it: only the first space there is
        // the fold marker.
        let kept = rest[..cut].trim_end_matches([' ', '\t']).len();
        if kept > 0 {
            cut = kept;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        room = MAX_LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use ical::parser::ical::component::{IcalCalendar, IcalEvent};
    use ical::property::Property;

    const MIN: i64 = 60 * 1000;

    /// 2026-12-01T21:30:00Z
    const LATE_EVENING_UTC: i64 = 1_796_160_600_000;

    fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid test date")
            .timestamp_millis()
    }

    fn event(uid: &str, start_ms: i64) -> Event {
        Event {
            uid: uid.to_owned(),
            sequence: 1,
            summary: "Görüşme".to_owned(),
            start_ms,
            updated_ms: ms(2026, 11, 20, 8, 0),
            ..Event::default()
        }
    }

    fn parse(feed: &str) -> IcalCalendar {
        let mut calendars = ical::IcalParser::new(feed.as_bytes());
        let calendar = calendars.next().expect("one calendar").expect("the feed parses");
        assert!(calendars.next().is_none(), "exactly one VCALENDAR");
        calendar
    }

    fn prop<'a>(props: &'a [Property], name: &str) -> &'a Property {
        props
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    fn value<'a>(props: &'a [Property], name: &str) -> &'a str {
        prop(props, name).value.as_deref().unwrap_or("")
    }

    fn params(props: &[Property], name: &str) -> Vec<(String, Vec<String>)> {
        prop(props, name).params.clone().unwrap_or_default()
    }

    fn tzid() -> Vec<(String, Vec<String>)> {
        vec![("TZID".to_owned(), vec!["Europe/Istanbul".to_owned()])]
    }

    fn find_event<'a>(cal: &'a IcalCalendar, uid: &str) -> &'a IcalEvent {
        cal.events
            .iter()
            .find(|e| value(&e.properties, "UID") == uid)
            .unwrap_or_else(|| panic!("event {uid} missing"))
    }

    /// The reverse of TEXT escaping, written from RFC 5545 §3.3.11 rather than from `text`,
    /// because the `ical` crate hands values back still escaped.
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => panic!("dangling backslash in {s:?}"),
            }
        }
        out
    }

    fn assert_physical_lines(feed: &str) {
        assert!(feed.ends_with("\r\n"), "the feed ends with CRLF");
        let body = &feed[..feed.len() - 2];
        for line in body.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
            assert!(!line.contains(['\r', '\n']), "bare CR or LF in {line:?}");
        }
    }

    #[test]
    fn late_evening_utc_is_next_day_in_istanbul() {
        assert_eq!(
            date_time("DTSTART", LATE_EVENING_UTC),
            Some(("DTSTART;TZID=Europe/Istanbul".to_owned(), "20261202T003000".to_owned()))
        );
        let out = feed("Takvim", &[event("late@kervan", LATE_EVENING_UTC)]);
        assert!(out.contains("\r\nDTSTART;TZID=Europe/Istanbul:20261202T003000\r\n"));
        // No end given: half an hour.
        assert!(out.contains("\r\nDTEND;TZID=Europe/Istanbul:20261202T010000\r\n"));
    }

    #[test]
    fn feed_parses_with_independent_parser() {
        let mut task = event("task-42@kervan", LATE_EVENING_UTC);
        task.sequence = 7;
        task.end_ms = Some(LATE_EVENING_UTC + 90 * MIN);
        task.status = Some("TENTATIVE");
        task.url = Some("https://kervan.example/tasks/42?a=1,2;b".to_owned());
        task.location = Some("İstanbul, Kadıköy".to_owned());
        let other = event("activity-9@kervan", ms(2026, 6, 15, 7, 0));

        let cal = parse(&feed("Ayşe'nin takvimi", &[task, other]));

        let p = &cal.properties;
        assert_eq!(value(p, "VERSION"), "2.0");
        assert_eq!(value(p, "PRODID"), "-//Kervan//Kervan CRM//TR");
        assert_eq!(value(p, "CALSCALE"), "GREGORIAN");
        assert_eq!(value(p, "METHOD"), "PUBLISH");
        assert_eq!(value(p, "X-WR-CALNAME"), "Ayşe'nin takvimi");
        assert_eq!(value(p, "X-WR-TIMEZONE"), "Europe/Istanbul");
        assert!(cal.todos.is_empty());

        assert_eq!(cal.timezones.len(), 1);
        let tz = &cal.timezones[0];
        assert_eq!(value(&tz.properties, "TZID"), "Europe/Istanbul");
        assert_eq!(tz.transitions.len(), 1);
        let std = &tz.transitions[0];
        assert!(matches!(
            std.transition,
            ical::parser::ical::component::IcalTimeZoneTransitionType::STANDARD
        ));
        assert_eq!(value(&std.properties, "DTSTART"), "19700101T000000");
        assert_eq!(value(&std.properties, "TZOFFSETFROM"), "+0300");
        assert_eq!(value(&std.properties, "TZOFFSETTO"), "+0300");
        assert_eq!(value(&std.properties, "TZNAME"), "+03");

        assert_eq!(cal.events.len(), 2);
        let e = &find_event(&cal, "task-42@kervan").properties;
        assert_eq!(value(e, "SEQUENCE"), "7");
        assert_eq!(params(e, "DTSTART"), tzid());
        assert_eq!(value(e, "DTSTART"), "20261202T003000");
        assert_eq!(params(e, "DTEND"), tzid());
        assert_eq!(value(e, "DTEND"), "20261202T020000");
        assert_eq!(value(e, "DTSTAMP"), "20261120T080000Z");
        assert_eq!(value(e, "LAST-MODIFIED"), "20261120T080000Z");
        assert_eq!(value(e, "STATUS"), "TENTATIVE");
        assert_eq!(value(e, "URL"), "https://kervan.example/tasks/42?a=1,2;b");
        assert_eq!(unescape(value(e, "LOCATION")), "İstanbul, Kadıköy");
        assert_eq!(unescape(value(e, "SUMMARY")), "Görüşme");

        let e = &find_event(&cal, "activity-9@kervan").properties;
        assert_eq!(value(e, "DTSTART"), "20260615T100000");
        assert_eq!(value(e, "DTEND"), "20260615T103000");
        assert!(e.iter().all(|p| p.name != "STATUS"));
        assert!(e.iter().all(|p| p.name != "DESCRIPTION"));
    }

    #[test]
    fn all_day_event_is_a_local_date_ending_next_day() {
        // 22:30Z on New Year's Eve is already 1 January in Istanbul.
        let mut e = event("deal-5@kervan", ms(2026, 12, 31, 22, 30));
        e.all_day = true;
        e.end_ms = Some(ms(2027, 1, 5, 0, 0));
        let cal = parse(&feed("Takvim", &[e]));
        let p = &cal.events[0].properties;
        let date = vec![("VALUE".to_owned(), vec!["DATE".to_owned()])];
        assert_eq!(params(p, "DTSTART"), date);
        assert_eq!(value(p, "DTSTART"), "20270101");
        assert_eq!(params(p, "DTEND"), date);
        assert_eq!(value(p, "DTEND"), "20270102");
    }

    #[test]
    fn long_turkish_summary_folds_and_unfolds_intact() {
        let summary = "Ağustos ayı Çağrı Öztürk ile İĞÜŞÖÇ ğüşıöç görüşmesi, \
                       Şişli şubesinde ürün sunumu; ödeme planı ve teslimat \
                       çizelgesi üzerinde uzlaşı — Iğdır ve Üsküdar depoları";
        // Shifting the text by a few octets makes the folds land inside two-octet
        // letters and on spaces, whichever way the line lengths fall.
        for pad in 0..6 {
            let mut e = event(&format!("uid-{}@kervan", "x".repeat(pad)), LATE_EVENING_UTC);
            e.summary = format!("{}{summary}", "ı".repeat(pad));
            e.description = Some(summary.repeat(3));
            let out = feed("Takvim", std::slice::from_ref(&e));
            assert_physical_lines(&out);
            assert!(out.split("\r\n").any(|l| l.starts_with(' ')), "something was folded");
            let cal = parse(&out);
            let p = &cal.events[0].properties;
            assert_eq!(unescape(value(p, "SUMMARY")), e.summary);
            assert_eq!(unescape(value(p, "DESCRIPTION")), summary.repeat(3));
        }
    }

    #[test]
    fn text_escaping_round_trips() {
        let mut e = event("esc@kervan", LATE_EVENING_UTC);
        e.summary = r"Teklif; KDV %20, iskonto \ net".to_owned();
        e.description = Some("Satır 1\nSatır 2\r\nSatır 3;a,b\\c\u{7}".to_owned());
        e.location = Some("Kat 3\\B; Blok, No:5".to_owned());
        let out = feed("A;B,C\\D", &[e]);
        assert!(out.contains(r"SUMMARY:Teklif\; KDV %20\, iskonto \\ net"));
        assert!(out.contains(r"X-WR-CALNAME:A\;B\,C\\D"));
        assert_physical_lines(&out);

        let cal = parse(&out);
        assert_eq!(unescape(value(&cal.properties, "X-WR-CALNAME")), "A;B,C\\D");
        let p = &cal.events[0].properties;
        assert_eq!(unescape(value(p, "SUMMARY")), r"Teklif; KDV %20, iskonto \ net");
        // CRLF counts as one break; the BEL control character is dropped.
        assert_eq!(unescape(value(p, "DESCRIPTION")), "Satır 1\nSatır 2\nSatır 3;a,b\\c");
        assert_eq!(unescape(value(p, "LOCATION")), "Kat 3\\B; Blok, No:5");
    }

    #[test]
    fn every_physical_line_fits_and_ends_in_crlf() {
        let mut events = Vec::new();
        for pad in 0..80 {
            let mut e = event(&format!("n{pad}@kervan"), LATE_EVENING_UTC + pad as i64 * MIN);
            e.summary = format!("{}{}", "a".repeat(pad), "ğüşıöçİĞÜŞÖÇ ".repeat(12));
            e.location = Some(format!("{}{}", "b".repeat(pad), "€😀".repeat(30)));
            e.url = Some(format!("https://kervan.example/{}", "q".repeat(pad * 3)));
            events.push(e);
        }
        let out = feed(&"Çok uzun bir takvim adı ".repeat(8), &events);
        assert_physical_lines(&out);
        assert!(out.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(out.ends_with("END:VCALENDAR\r\n"));
        // No stray CR or LF hiding anywhere: every LF is part of a CRLF.
        assert_eq!(out.matches('\n').count(), out.matches("\r\n").count());
        assert_eq!(out.matches('\r').count(), out.matches("\r\n").count());
        assert_eq!(parse(&out).events.len(), 80);
    }

    #[test]
    fn fold_keeps_characters_and_spaces_whole() {
        for pad in 0..8 {
            let line = format!("SUMMARY:{}{}", "x".repeat(pad), "ğ ü ş ı ö ç İ Ğ Ü Ş Ö Ç   ".repeat(10));
            let mut out = String::new();
            fold_into(&mut out, &line);
            let physical: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
            assert!(physical.len() > 1);
            for (i, l) in physical.iter().enumerate() {
                assert!(l.len() <= 75);
                assert_eq!(i > 0, l.starts_with(' '), "{l:?}");
                if i + 1 < physical.len() {
                    assert!(!l.ends_with(' '), "trailing space would be trimmed: {l:?}");
                }
            }
            let unfolded: String = physical
                .iter()
                .enumerate()
                .map(|(i, l)| if i == 0 { *l } else { &l[1..] })
                .collect();
            assert_eq!(unfolded, line);
        }
    }

    #[test]
    fn end_missing_or_not_after_start_gets_half_an_hour() {
        let start = ms(2026, 3, 10, 9, 0);
        for end in [None, Some(start), Some(start - 60 * MIN)] {
            let mut e = event("end@kervan", start);
            e.end_ms = end;
            let cal = parse(&feed("Takvim", &[e]));
            let p = &cal.events[0].properties;
            assert_eq!(value(p, "DTSTART"), "20260310T120000");
            assert_eq!(value(p, "DTEND"), "20260310T123000");
        }
    }

    #[test]
    fn instants_before_permanent_plus_three_are_written_in_utc() {
        // January 2015: Turkey was on EET (+02), which the VTIMEZONE does not describe.
        let mut e = event("old@kervan", ms(2015, 1, 15, 10, 0));
        e.end_ms = Some(ms(2015, 1, 15, 11, 0));
        let cal = parse(&feed("Takvim", &[e]));
        let p = &cal.events[0].properties;
        assert_eq!(params(p, "DTSTART"), vec![]);
        assert_eq!(value(p, "DTSTART"), "20150115T100000Z");
        assert_eq!(value(p, "DTEND"), "20150115T110000Z");
    }

    #[test]
    fn unknown_status_negative_sequence_and_bad_times_are_safe() {
        let mut odd = event("odd@kervan", LATE_EVENING_UTC);
        odd.status = Some("COMPLETED");
        odd.sequence = -3;
        odd.description = Some(String::new());
        let far = event("far@kervan", i64::MAX);
        let mut stale = event("stale@kervan", LATE_EVENING_UTC);
        stale.updated_ms = i64::MIN;
        let cancelled = Event {
            status: Some("CANCELLED"),
            ..event("gone@kervan", LATE_EVENING_UTC)
        };

        let cal = parse(&feed("Takvim", &[odd, far, stale, cancelled]));
        assert_eq!(cal.events.len(), 2, "out-of-range events are left out");
        let p = &find_event(&cal, "odd@kervan").properties;
        assert!(p.iter().all(|p| p.name != "STATUS"));
        assert!(p.iter().all(|p| p.name != "DESCRIPTION"));
        assert_eq!(value(p, "SEQUENCE"), "0");
        let p = &find_event(&cal, "gone@kervan").properties;
        assert_eq!(value(p, "STATUS"), "CANCELLED");
    }

    #[test]
    fn empty_feed_still_has_calendar_and_timezone() {
        let cal = parse(&feed("Boş", &[]));
        assert!(cal.events.is_empty());
        assert_eq!(cal.timezones.len(), 1);
    }
}
