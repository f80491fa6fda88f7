//! Turkish public holidays and business days: what "call within two business days" means.
//!
//! The fixed holidays come from Law 2429 (Ulusal Bayram ve Genel Tatiller Hakkında Kanun):
//! 1 January, 23 April, 1 May, 19 May, 15 July, 30 August, 29 October, and the afternoon of
//! 28 October. Ramazan Bayramı (3 days) and Kurban Bayramı (4 days) follow the Hijri calendar;
//! their dates, and the afternoon off on the eve (arife) of each, are taken from the Diyanet
//! İşleri Başkanlığı's published calendar, year by year, in [`RELIGIOUS`]. A date past the last
//! year in that table is refused with [`BeyondCalendar`] rather than guessed: a first-call task
//! due on the first day of a Bayram is worse than a clear error asking for an update.

use chrono::{Datelike, NaiveDate, Weekday};

/// What a day is for work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A weekday without a holiday.
    Work,
    /// The morning is worked, the afternoon is off (arife, 28 October).
    HalfDay,
    /// Saturday or Sunday.
    Weekend,
    /// A public holiday.
    Holiday,
}

/// The first and last year whose holidays are known.
pub const FIRST_YEAR: i32 = 2024;
pub const LAST_YEAR: i32 = 2027;

/// `(year, Ramazan Bayramı's first day, Kurban Bayramı's first day)`, per Diyanet's calendar.
/// The arife is the day before each.
/// `(month, day)`.
type MonthDay = (u32, u32);

const RELIGIOUS: &[(i32, MonthDay, MonthDay)] = &[
    (2024, (4, 10), (6, 16)),
    (2025, (3, 30), (6, 6)),
    (2026, (3, 20), (5, 27)),
    (2027, (3, 9), (5, 16)),
];

/// The fixed holidays `(month, day)`.
const FIXED: &[(u32, u32)] = &[(1, 1), (4, 23), (5, 1), (5, 19), (7, 15), (8, 30), (10, 29)];

/// A date outside the years whose holidays the app knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Turkish public holidays are known for {FIRST_YEAR}–{LAST_YEAR}, not for {year}")]
pub struct BeyondCalendar {
    pub year: i32,
}

fn religious(year: i32) -> Result<(NaiveDate, NaiveDate), BeyondCalendar> {
    let (_, r, k) = RELIGIOUS
        .iter()
        .find(|(y, _, _)| *y == year)
        .ok_or(BeyondCalendar { year })?;
    let d = |(m, day): (u32, u32)| NaiveDate::from_ymd_opt(year, m, day).ok_or(BeyondCalendar { year });
    Ok((d(*r)?, d(*k)?))
}

/// What `date` is for work.
pub fn day_kind(date: NaiveDate) -> Result<DayKind, BeyondCalendar> {
    let (ramazan, kurban) = religious(date.year())?;
    let in_bayram = |first: NaiveDate, days: i64| {
        let off = (date - first).num_days();
        (0..days).contains(&off)
    };
    let fixed = FIXED.contains(&(date.month(), date.day()));
    if fixed || in_bayram(ramazan, 3) || in_bayram(kurban, 4) {
        return Ok(DayKind::Holiday);
    }
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return Ok(DayKind::Weekend);
    }
    let eve = date.succ_opt() == Some(ramazan) || date.succ_opt() == Some(kurban);
    if eve || (date.month(), date.day()) == (10, 28) {
        return Ok(DayKind::HalfDay);
    }
    Ok(DayKind::Work)
}

/// The `n`th business day after `from` (a half day counts: its morning is worked). `n = 0` is
/// `from` itself when it is a business day, else the next one.
pub fn add_business_days(from: NaiveDate, n: u32) -> Result<NaiveDate, BeyondCalendar> {
    let working = |d: NaiveDate| day_kind(d).map(|k| matches!(k, DayKind::Work | DayKind::HalfDay));
    let next = |d: NaiveDate| d.succ_opt().ok_or(BeyondCalendar { year: d.year() });
    let mut d = from;
    if n == 0 {
        while !working(d)? {
            d = next(d)?;
        }
        return Ok(d);
    }
    let mut left = n;
    while left > 0 {
        d = next(d)?;
        if working(d)? {
            left -= 1;
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn holidays_weekends_and_half_days() {
        assert_eq!(day_kind(d(2026, 1, 1)), Ok(DayKind::Holiday));
        assert_eq!(day_kind(d(2026, 10, 28)), Ok(DayKind::HalfDay));
        assert_eq!(day_kind(d(2026, 10, 29)), Ok(DayKind::Holiday));
        assert_eq!(day_kind(d(2026, 3, 19)), Ok(DayKind::HalfDay), "Ramazan arife");
        assert_eq!(day_kind(d(2026, 3, 20)), Ok(DayKind::Holiday));
        assert_eq!(day_kind(d(2026, 3, 22)), Ok(DayKind::Holiday));
        assert_eq!(day_kind(d(2026, 3, 23)), Ok(DayKind::Work));
        assert_eq!(day_kind(d(2026, 5, 26)), Ok(DayKind::HalfDay), "Kurban arife");
        assert_eq!(day_kind(d(2026, 5, 30)), Ok(DayKind::Holiday));
        assert_eq!(day_kind(d(2026, 12, 5)), Ok(DayKind::Weekend));
        assert_eq!(day_kind(d(2026, 12, 2)), Ok(DayKind::Work));
        assert_eq!(day_kind(d(2025, 6, 9)), Ok(DayKind::Holiday));
        assert_eq!(day_kind(d(2028, 1, 3)), Err(BeyondCalendar { year: 2028 }));
    }

    #[test]
    fn business_days_skip_weekends_and_bayram() {
        // Wednesday + 2 → Friday.
        assert_eq!(add_business_days(d(2026, 12, 2), 2), Ok(d(2026, 12, 4)));
        // Friday + 1 → Monday.
        assert_eq!(add_business_days(d(2026, 12, 4), 1), Ok(d(2026, 12, 7)));
        // Before Kurban Bayramı 2026 (arife Tue 26 May, Bayram Wed–Sat): Monday + 1 is the
        // arife's morning, + 2 is the Monday after.
        assert_eq!(add_business_days(d(2026, 5, 25), 1), Ok(d(2026, 5, 26)));
        assert_eq!(add_business_days(d(2026, 5, 25), 2), Ok(d(2026, 6, 1)));
        // 0 days: today if it is worked, else the next worked day.
        assert_eq!(add_business_days(d(2026, 12, 2), 0), Ok(d(2026, 12, 2)));
        assert_eq!(add_business_days(d(2026, 12, 5), 0), Ok(d(2026, 12, 7)));
        // Past the table: a clear error, not a guess.
        assert_eq!(
            add_business_days(d(2027, 12, 30), 3),
            Err(BeyondCalendar { year: 2028 })
        );
    }
}
