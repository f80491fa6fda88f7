//! Quotes (Teklifler): the exact input numbers of a quote line, the one arithmetic that turns lines into totals
//! (CONTRACT.md, "Quote arithmetic": screen, PDF, e-mail, API and later the e-invoice all call [`totals`], so a
//! total never differs by a kuruş between them), and the quote number with its revision.
//!
//! Everything is integers: quantities, prices and percentages are fixed-point (thousandths, ten-thousandths,
//! hundredths) read straight from their decimal text, amounts are kuruş ([`Money`]), and intermediate products
//! are `i128`. No float ever touches an amount, so `0.1 + 0.2` problems cannot reach an invoice.

use std::fmt;

use crate::money::Money;
use crate::validation::FieldErrors;

/// Why a quantity, price, percentage or KDV rate was refused. [`InputError::code`] is the Fluent id the form and
/// the API's 422 show (`err-<code>`), [`InputError::arg`] the value its message names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Nothing given.
    #[error("required")]
    Required,
    /// Not a plain decimal number (`1e3`, `+5`, `1,5` in the API, `.5`, letters, spaces inside).
    #[error("not a number")]
    InvalidNumber,
    /// More decimals than the field keeps; refused rather than rounded, so what was typed is what is priced.
    #[error("more than {max} decimals")]
    TooManyDecimals { max: u32 },
    /// A quantity must be more than zero.
    #[error("must be more than zero")]
    MustBePositive,
    /// A price or a percentage below zero.
    #[error("must not be negative")]
    Negative,
    /// Above the field's maximum (`max` in whole units: 1000000 pieces, 1000000000 lira, 100 %).
    #[error("more than {max}")]
    TooLarge { max: i64 },
    /// A KDV rate other than 20, 10, 1 or 0.
    #[error("not one of the choices")]
    InvalidChoice,
}

impl InputError {
    /// The stable error code. Not `out_of_range`: its existing message reads "a number from 1 to N", wrong for a
    /// price or percentage (0 is allowed) and for a quantity (0.5 is allowed), so each bound has its own code.
    pub fn code(self) -> &'static str {
        match self {
            InputError::Required => "required",
            InputError::InvalidNumber => "invalid_number",
            InputError::TooManyDecimals { .. } => "too_many_decimals",
            InputError::MustBePositive => "must_be_positive",
            InputError::Negative => "must_not_be_negative",
            InputError::TooLarge { .. } => "too_large",
            InputError::InvalidChoice => "invalid_choice",
        }
    }

    /// The value the message names: the number of decimals allowed, or the maximum.
    pub fn arg(self) -> Option<String> {
        match self {
            InputError::TooManyDecimals { max } => Some(max.to_string()),
            InputError::TooLarge { max } => Some(max.to_string()),
            _ => None,
        }
    }

    /// Records this error on `field` (`lines[2].quantity`), with its argument when it has one.
    pub fn record(self, errs: &mut FieldErrors, field: &str) {
        match self.arg() {
            Some(arg) => errs.add_with(field, self.code(), arg),
            None => errs.add(field, self.code()),
        }
    }
}

/// The number of a quote line: more than zero, up to 3 decimals, at most 1,000,000. Held as thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

/// The price of one unit: zero or more, up to 4 decimals (a screw at 0,0125 ₺), at most 1,000,000,000. Held as
/// ten-thousandths of the currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitPrice(i64);

/// A discount: 0 to 100 with up to 2 decimals. Held as hundredths of a percent (`12.5` % is 1250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(i64);

/// The KDV rates a quote line may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KdvRate {
    Twenty,
    Ten,
    One,
    /// Zero: the line needs an exemption reason (the e-invoice carries it).
    Zero,
}

/// Which separators a decimal text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// The API: digits and at most one `.` as the decimal point, nothing else (`1250.5`).
    Api,
    /// A Turkish form: `,` is the decimal comma and `.` groups thousands (`1.250,50`); without a comma a single
    /// `.` that does not group thousands is read as a decimal point (`0.125`, `2.5`).
    Turkish,
}

/// A decimal text read to a whole number of its last decimal place.
#[derive(Debug, Clone, Copy)]
struct Parsed {
    negative: bool,
    /// The magnitude times 10^decimals; saturates for absurdly long input, which is then simply too large.
    scaled: i128,
}

/// Longer input is not a number a person or a client means; the cap keeps the work per field small.
const MAX_INPUT: usize = 64;

/// Reads `input` as a non-exponent decimal with at most `decimals` significant decimals.
fn parse_decimal(input: &str, decimals: u32, style: Style) -> Result<Parsed, InputError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(InputError::Required);
    }
    if s.len() > MAX_INPUT {
        return Err(InputError::InvalidNumber);
    }
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = match style {
        Style::Api => split_point(body),
        Style::Turkish => split_turkish(body),
    }
    .ok_or(InputError::InvalidNumber)?;
    let frac = frac.unwrap_or("");
    // Trailing zeros past the allowed decimals change nothing (`1.50000` is exactly 1.5), so only a significant
    // digit there is refused; clients that print a fixed number of decimals still get through.
    let kept = frac.len().min(decimals as usize);
    let (kept_digits, dropped) = frac.split_at(kept);
    if dropped.bytes().any(|b| b != b'0') {
        return Err(InputError::TooManyDecimals { max: decimals });
    }
    let mut scaled: i128 = 0;
    let padding = std::iter::repeat_n(b'0', decimals as usize - kept);
    for b in int.bytes().chain(kept_digits.bytes()).chain(padding) {
        scaled = scaled.saturating_mul(10).saturating_add(i128::from(b - b'0'));
    }
    Ok(Parsed { negative, scaled })
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `1250.5` → (`1250`, `5`): digits, then optionally one `.` and more digits. `.5`, `5.`, `1.2.3` are refused.
fn split_point(s: &str) -> Option<(String, Option<&str>)> {
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    Some((int.to_string(), frac))
}

/// The Turkish reading (see [`Style::Turkish`]).
fn split_turkish(s: &str) -> Option<(String, Option<&str>)> {
    if let Some((int, frac)) = s.split_once(',') {
        let int = if all_digits(int) {
            int.to_string()
        } else {
            thousands(int)?
        };
        return all_digits(frac).then_some((int, Some(frac)));
    }
    // `1.250` is one thousand two hundred and fifty to a Turkish reader, as `Money::parse` reads it too
    if let Some(int) = thousands(s) {
        return Some((int, None));
    }
    split_point(s)
}

/// `1.250.000` → `1250000`: a first group of 1–3 digits not starting with 0 (`0.125` is a decimal, not a
/// grouping), then groups of exactly three. `None` when `s` is not grouped that way (or has no dot at all).
fn thousands(s: &str) -> Option<String> {
    if !s.contains('.') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for (i, group) in s.split('.').enumerate() {
        let ok = if i == 0 {
            (1..=3).contains(&group.len()) && !group.starts_with('0')
        } else {
            group.len() == 3
        };
        if !ok || !all_digits(group) {
            return None;
        }
        out.push_str(group);
    }
    Some(out)
}

/// `1250.5`: the value with a decimal point and no trailing zeros, as the API sends and the database stores it.
fn plain(scaled: i64, decimals: u32) -> String {
    let unit = 10_i64.pow(decimals);
    let sign = if scaled < 0 { "-" } else { "" };
    let abs = scaled.unsigned_abs();
    let unit = unit.unsigned_abs();
    let int = abs / unit;
    let frac = abs % unit;
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let digits = format!("{frac:0width$}", width = decimals as usize);
    format!("{sign}{int}.{}", digits.trim_end_matches('0'))
}

/// `1.250,5`: the value the Turkish way, for an edit form (`parse_tr` reads it back).
fn turkish(scaled: i64, decimals: u32) -> String {
    let text = plain(scaled, decimals);
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match text.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (text, None),
    };
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push(',');
        out.push_str(frac);
    }
    out
}

impl Quantity {
    /// Decimals a quantity may have.
    pub const DECIMALS: u32 = 3;
    /// 1,000,000: the largest quantity.
    pub const MAX: Quantity = Quantity(1_000_000_000);
    /// One piece.
    pub const ONE: Quantity = Quantity(1_000);

    /// Reads the API's decimal string (`"2"`, `"0.125"`, `"1250.5"`).
    pub fn parse(input: &str) -> Result<Quantity, InputError> {
        Quantity::check(parse_decimal(input, Quantity::DECIMALS, Style::Api)?)
    }

    /// Reads what a person types in a Turkish form (`1.250,5`, `1250,5`, `0,125`).
    pub fn parse_tr(input: &str) -> Result<Quantity, InputError> {
        Quantity::check(parse_decimal(input, Quantity::DECIMALS, Style::Turkish)?)
    }

    fn check(p: Parsed) -> Result<Quantity, InputError> {
        if p.negative || p.scaled == 0 {
            return Err(InputError::MustBePositive);
        }
        match i64::try_from(p.scaled) {
            Ok(v) if v <= Quantity::MAX.0 => Ok(Quantity(v)),
            _ => Err(InputError::TooLarge { max: 1_000_000 }),
        }
    }

    /// A quantity from thousandths, when they are in range (for tests and stored values).
    pub fn from_thousandths(thousandths: i64) -> Option<Quantity> {
        (1..=Quantity::MAX.0)
            .contains(&thousandths)
            .then_some(Quantity(thousandths))
    }

    pub fn thousandths(self) -> i64 {
        self.0
    }

    /// `1.250,5`, for an edit form.
    pub fn tr_text(self) -> String {
        turkish(self.0, Quantity::DECIMALS)
    }
}

/// `1250.5`: the API's and the database's form, which `parse` reads back.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&plain(self.0, Quantity::DECIMALS))
    }
}

impl UnitPrice {
    /// Decimals a unit price may have.
    pub const DECIMALS: u32 = 4;
    /// 1,000,000,000: the largest unit price.
    pub const MAX: UnitPrice = UnitPrice(10_000_000_000_000);
    pub const ZERO: UnitPrice = UnitPrice(0);

    /// Reads the API's decimal string (`"0.0125"`, `"1250.5"`).
    pub fn parse(input: &str) -> Result<UnitPrice, InputError> {
        UnitPrice::check(parse_decimal(input, UnitPrice::DECIMALS, Style::Api)?)
    }

    /// Reads what a person types in a Turkish form (`1.250,50`, `0,0125`).
    pub fn parse_tr(input: &str) -> Result<UnitPrice, InputError> {
        UnitPrice::check(parse_decimal(input, UnitPrice::DECIMALS, Style::Turkish)?)
    }

    fn check(p: Parsed) -> Result<UnitPrice, InputError> {
        if p.negative {
            return Err(InputError::Negative);
        }
        match i64::try_from(p.scaled) {
            Ok(v) if v <= UnitPrice::MAX.0 => Ok(UnitPrice(v)),
            _ => Err(InputError::TooLarge { max: 1_000_000_000 }),
        }
    }

    /// A unit price from ten-thousandths, when they are in range (for tests and stored values).
    pub fn from_ten_thousandths(ten_thousandths: i64) -> Option<UnitPrice> {
        (0..=UnitPrice::MAX.0)
            .contains(&ten_thousandths)
            .then_some(UnitPrice(ten_thousandths))
    }

    pub fn ten_thousandths(self) -> i64 {
        self.0
    }

    /// `1.250,5`, for an edit form.
    pub fn tr_text(self) -> String {
        turkish(self.0, UnitPrice::DECIMALS)
    }
}

/// `1250.5`: the API's and the database's form, which `parse` reads back.
impl fmt::Display for UnitPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&plain(self.0, UnitPrice::DECIMALS))
    }
}

impl Percent {
    /// Decimals a percentage may have.
    pub const DECIMALS: u32 = 2;
    pub const ZERO: Percent = Percent(0);
    pub const HUNDRED: Percent = Percent(10_000);

    /// Reads the API's decimal string (`"12.5"`).
    pub fn parse(input: &str) -> Result<Percent, InputError> {
        Percent::check(parse_decimal(input, Percent::DECIMALS, Style::Api)?)
    }

    /// Reads what a person types in a Turkish form (`12,5`), with the percent sign if they add one: Turkish
    /// writes it in front (`%12,5`), others after (`12,5%`).
    pub fn parse_tr(input: &str) -> Result<Percent, InputError> {
        let s = input.trim();
        let s = s.strip_prefix('%').or_else(|| s.strip_suffix('%')).unwrap_or(s);
        Percent::check(parse_decimal(s, Percent::DECIMALS, Style::Turkish)?)
    }

    fn check(p: Parsed) -> Result<Percent, InputError> {
        if p.negative {
            return Err(InputError::Negative);
        }
        match i64::try_from(p.scaled) {
            Ok(v) if v <= Percent::HUNDRED.0 => Ok(Percent(v)),
            _ => Err(InputError::TooLarge { max: 100 }),
        }
    }

    /// A percentage from hundredths, when they are in range (for tests and stored values).
    pub fn from_hundredths(hundredths: i64) -> Option<Percent> {
        (0..=Percent::HUNDRED.0)
            .contains(&hundredths)
            .then_some(Percent(hundredths))
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// `12,5`, for an edit form.
    pub fn tr_text(self) -> String {
        turkish(self.0, Percent::DECIMALS)
    }
}

/// `12.5`: the API's and the database's form, which `parse` reads back.
impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&plain(self.0, Percent::DECIMALS))
    }
}

impl KdvRate {
    /// Every rate, highest first: the order of the KDV groups in the totals.
    pub const ALL: [KdvRate; 4] = [KdvRate::Twenty, KdvRate::Ten, KdvRate::One, KdvRate::Zero];

    /// The rate in percent.
    pub fn percent(self) -> i64 {
        match self {
            KdvRate::Twenty => 20,
            KdvRate::Ten => 10,
            KdvRate::One => 1,
            KdvRate::Zero => 0,
        }
    }

    /// `"20"`, `"10"`, `"1"`, `"0"`: the values of a product's `kdv_rate` choice.
    pub fn as_str(self) -> &'static str {
        match self {
            KdvRate::Twenty => "20",
            KdvRate::Ten => "10",
            KdvRate::One => "1",
            KdvRate::Zero => "0",
        }
    }

    /// Reads `"20"`, `"10"`, `"1"` or `"0"`. Other figures are refused, not mapped: a former rate (18, 8) on a new
    /// quote is a mistake to show, not to correct silently.
    pub fn parse(input: &str) -> Result<KdvRate, InputError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(InputError::Required);
        }
        KdvRate::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(InputError::InvalidChoice)
    }

    /// A line without KDV must say why (the e-invoice carries the exemption reason).
    pub fn needs_exemption_reason(self) -> bool {
        self == KdvRate::Zero
    }
}

impl fmt::Display for KdvRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One quote line: what the arithmetic needs of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub quantity: Quantity,
    pub unit_price: UnitPrice,
    pub discount: Percent,
    pub kdv: KdvRate,
}

/// The KDV of one rate: the sum of its lines' bases and the sum of their KDV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdvGroup {
    pub rate: KdvRate,
    pub base: Money,
    pub amount: Money,
}

/// One line's figures, in kuruş.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineTotals {
    /// `round(quantity × unit price)`.
    pub gross: Money,
    /// The line's own discount.
    pub discount: Money,
    /// `gross − discount`.
    pub net: Money,
    /// The line's part of the document discount.
    pub doc_share: Money,
    /// `net − doc_share`: what KDV is charged on.
    pub base: Money,
    /// `round(base × rate / 100)`.
    pub kdv: Money,
}

/// A quote's totals, in kuruş (CONTRACT.md's `totals`, plus each line's figures).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Σ line gross.
    pub gross: Money,
    /// Σ line discounts.
    pub line_discounts: Money,
    /// The document discount, split over the lines.
    pub document_discount: Money,
    /// Σ base: after every discount, before KDV.
    pub net: Money,
    /// One group per rate that occurs on a line, highest rate first (a group may be all zero: a free line).
    pub kdv: Vec<KdvGroup>,
    /// Σ line KDV.
    pub kdv_total: Money,
    /// `net + kdv_total`.
    pub grand_total: Money,
    /// Each line's figures, in the order of the lines.
    pub lines: Vec<LineTotals>,
}

/// The totals do not fit in [`Money`]. Only absurd quotes get here (dozens of lines at the input maxima of a
/// million pieces at a billion lira); the caller answers 422 with [`TotalsTooLarge::CODE`] on the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the quote's totals are too large")]
pub struct TotalsTooLarge;

impl TotalsTooLarge {
    pub const CODE: &'static str = "total_too_large";
}

/// `floor(n / d + 1/2)` for `n ≥ 0`, `d > 0`: half-up rounding, so an exact half (0,5 kuruş) always goes up —
/// the rule Turkish invoices and the e-invoice validator expect — rather than to the even neighbour. Computed as
/// `(2n + d) / 2d` so it is exact for odd `d` too.
fn round_half_up(n: i128, d: i128) -> i128 {
    (2 * n + d) / (2 * d)
}

/// Quantity (thousandths) × price (ten-thousandths) is in units of 10⁻⁷; a kuruş is 10⁻², so divide by 10⁵.
const QTY_PRICE_PER_KURUS: i128 = 100_000;
/// A percentage in hundredths: `x × p% = x × hundredths / 10,000`.
const PERCENT_DIVISOR: i128 = 10_000;

/// Splits `total` over `weights` in proportion by largest remainder: each gets `floor(total × w / Σw)`, then the
/// units left over go one each to the largest remainders, ties to the earlier index. The parts add up to `total`
/// exactly; a zero weight gets nothing (its remainder is zero and the leftover is always smaller than the number
/// of non-zero remainders), and no part exceeds its weight when `total ≤ Σw`.
fn split_by_largest_remainder(total: i128, weights: &[i128]) -> Vec<i128> {
    let sum: i128 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<i128> = weights.iter().map(|w| total * w / sum).collect();
    let remainders: Vec<i128> = weights.iter().map(|w| total * w % sum).collect();
    let mut leftover = total - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // a stable sort keeps equal remainders in line order: ties go to the earlier line
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]));
    for i in order {
        if leftover <= 0 {
            break;
        }
        parts[i] += 1;
        leftover -= 1;
    }
    parts
}

fn money(kurus: i128) -> Result<Money, TotalsTooLarge> {
    i64::try_from(kurus).map(Money::from_kurus).map_err(|_| TotalsTooLarge)
}

/// A quote's totals by CONTRACT.md's quote arithmetic, to the letter. Half-up to the kuruş at each step:
/// `gross = round(qty × price)`, `line_discount = round(gross × discount% / 100)`, `line_net = gross −
/// line_discount`; `doc = round(Σ line_net × doc% / 100)` split over the lines in proportion to `line_net` by
/// largest remainder (ties: the earlier line); `base = line_net − share`; `line_kdv = round(base × rate / 100)`;
/// per rate `{Σ base, Σ line_kdv}` (the sum of the lines' rounded KDV, not the rounded KDV of the sum); `net = Σ
/// base`; `grand_total = net + Σ line_kdv`.
///
/// Every intermediate is `i128`: one line at the maxima is 10⁹ × 10¹³ = 10²² before rounding. The result fails
/// only when an amount does not fit in `Money` (about 76 lines at the maxima).
pub fn totals(lines: &[Line], document_discount: Percent) -> Result<Totals, TotalsTooLarge> {
    let gross: Vec<i128> = lines
        .iter()
        .map(|l| {
            round_half_up(
                i128::from(l.quantity.0) * i128::from(l.unit_price.0),
                QTY_PRICE_PER_KURUS,
            )
        })
        .collect();
    let gross_sum: i128 = gross.iter().sum();
    // Each later amount is at most the gross (discounts only take away) except the grand total (checked when it
    // is converted). Stopping here also bounds `doc × line_net` in the split below 10³⁶, inside `i128`.
    if gross_sum > i128::from(i64::MAX) {
        return Err(TotalsTooLarge);
    }
    let discount: Vec<i128> = lines
        .iter()
        .zip(&gross)
        .map(|(l, g)| round_half_up(g * i128::from(l.discount.0), PERCENT_DIVISOR))
        .collect();
    let net: Vec<i128> = gross.iter().zip(&discount).map(|(g, d)| g - d).collect();
    let net_sum: i128 = net.iter().sum();
    let doc = round_half_up(net_sum * i128::from(document_discount.0), PERCENT_DIVISOR);
    let shares = split_by_largest_remainder(doc, &net);
    let base: Vec<i128> = net.iter().zip(&shares).map(|(n, s)| n - s).collect();
    let kdv: Vec<i128> = lines
        .iter()
        .zip(&base)
        .map(|(l, b)| round_half_up(b * i128::from(l.kdv.percent()), 100))
        .collect();

    let mut groups = Vec::new();
    for rate in KdvRate::ALL {
        if !lines.iter().any(|l| l.kdv == rate) {
            continue;
        }
        let of_rate = || {
            lines
                .iter()
                .enumerate()
                .filter(move |(_, l)| l.kdv == rate)
                .map(|(i, _)| i)
        };
        groups.push(KdvGroup {
            rate,
            base: money(of_rate().map(|i| base[i]).sum())?,
            amount: money(of_rate().map(|i| kdv[i]).sum())?,
        });
    }

    let mut line_totals = Vec::with_capacity(lines.len());
    for i in 0..lines.len() {
        line_totals.push(LineTotals {
            gross: money(gross[i])?,
            discount: money(discount[i])?,
            net: money(net[i])?,
            doc_share: money(shares[i])?,
            base: money(base[i])?,
            kdv: money(kdv[i])?,
        });
    }

    let base_sum: i128 = base.iter().sum();
    let kdv_sum: i128 = kdv.iter().sum();
    Ok(Totals {
        gross: money(gross_sum)?,
        line_discounts: money(discount.iter().sum())?,
        document_discount: money(doc)?,
        net: money(base_sum)?,
        kdv: groups,
        kdv_total: money(kdv_sum)?,
        grand_total: money(base_sum + kdv_sum)?,
        lines: line_totals,
    })
}

/// The quote number format used unless the company sets its own: `T-2026-0001`.
pub const DEFAULT_NUMBER_FORMAT: &str = "T-{year}-{seq:04}";

/// The widest zero padding `{seq:N}` takes; wider is a typo (and beyond any counter).
const MAX_SEQ_WIDTH: usize = 12;

/// A placeholder of a number format.
enum Piece {
    Year,
    /// The sequence number, zero-padded to this many digits (0: no padding).
    Seq(usize),
}

/// What `{name}` stands for, or why it is refused.
fn placeholder(name: &str) -> Result<Piece, &'static str> {
    match name {
        "year" => Ok(Piece::Year),
        "seq" => Ok(Piece::Seq(0)),
        // `{{seq}}`, `{a{seq}`: a brace inside a placeholder is a slip, not an unknown name
        _ if name.contains('{') => Err("invalid_format"),
        _ => match name.strip_prefix("seq:") {
            Some(width) if all_digits(width) => match width.parse::<usize>() {
                Ok(w) if (1..=MAX_SEQ_WIDTH).contains(&w) => Ok(Piece::Seq(w)),
                _ => Err("invalid_format"),
            },
            Some(_) => Err("invalid_format"),
            None => Err("unknown_placeholder"),
        },
    }
}

/// Checks a quote number format as it is saved in the settings: `{year}`, `{seq}` and `{seq:N}` (zero-padded to
/// N digits, 1–12) around plain text. The error code: `required` (empty), `missing_seq` (without the sequence
/// every quote of a year would get the same number), `unknown_placeholder`, `invalid_format` (a stray brace, a
/// bad padding, a control character).
pub fn valid_format(format: &str) -> Result<(), &'static str> {
    if format.trim().is_empty() {
        return Err("required");
    }
    if format.chars().any(char::is_control) {
        return Err("invalid_format");
    }
    let mut has_seq = false;
    let mut rest = format;
    while let Some(at) = rest.find(['{', '}']) {
        let tail = &rest[at..];
        if tail.starts_with('}') {
            return Err("invalid_format");
        }
        let close = tail.find('}').ok_or("invalid_format")?;
        has_seq |= matches!(placeholder(&tail[1..close])?, Piece::Seq(_));
        rest = &tail[close + 1..];
    }
    if has_seq { Ok(()) } else { Err("missing_seq") }
}

/// The number of the `seq`th quote of `year` (the issue date's year in Istanbul): `number("T-{year}-{seq:04}",
/// 2026, 1)` is `T-2026-0001`; a sequence longer than the padding keeps all its digits (`T-2026-12345`). A format
/// that [`valid_format`] refuses is not expected here (it is checked when saved); should one come, the known
/// placeholders are still filled and everything else is kept as written, so the number stays readable and
/// different per sequence (rather than a panic or an empty number).
pub fn number(prefix_format: &str, year: i32, seq: i64) -> String {
    let mut out = String::with_capacity(prefix_format.len() + 8);
    let mut rest = prefix_format;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        let known = tail
            .find('}')
            .and_then(|close| Some((placeholder(&tail[1..close]).ok()?, close)));
        match known {
            Some((Piece::Year, close)) => {
                out.push_str(&year.to_string());
                rest = &tail[close + 1..];
            }
            Some((Piece::Seq(width), close)) => {
                out.push_str(&format!("{seq:0width$}"));
                rest = &tail[close + 1..];
            }
            None => {
                out.push('{');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The number as shown with its revision: the first revision is the number itself, later ones add `-R2`, `-R3`, …
pub fn with_revision(number: &str, revision: i64) -> String {
    if revision >= 2 {
        format!("{number}-R{revision}")
    } else {
        number.to_string()
    }
}

// ---------- The quote as a record (the record kit serves it) ----------

use crate::fields;
use crate::permissions::Module;
use crate::record::{Field, FieldType as T, Kind, SORT_CREATED, SORT_UPDATED, SortDef, Value, Values};
use crate::text::{fold, search_key, sort_key};

/// Statuses (CONTRACT.md): taslak → (onay bekliyor → onaylandı) → gönderildi → kabul / red /
/// süresi doldu / iptal.
pub const STATUSES: &[&str] = &[
    "draft",
    "pending_approval",
    "approved",
    "sent",
    "accepted",
    "declined",
    "expired",
    "cancelled",
];

/// Statuses whose content may still change (an edit of an approved quote drops its approval).
pub const EDITABLE: &[&str] = &["draft", "pending_approval", "approved"];

/// The discount above which a quote needs a manager's approval until an admin sets another: 10 %.
pub const DEFAULT_MAX_DISCOUNT: Percent = Percent(1000);

/// Most lines a quote holds.
pub const MAX_LINES: usize = 1000;

const MAIN: &str = "quote-section-main";
const MONEY: &str = "quote-section-money";
const TERMS: &str = "quote-section-terms";

pub const SORT_NUMBER: SortDef = SortDef {
    key: "number",
    column: Some("sort_name"),
    text: true,
};

pub const SORT_TOTAL: SortDef = SortDef::by("grand_total");

pub const SORT_ISSUE: SortDef = SortDef::by("issue_date");

static FIELDS: &[Field] = &[
    Field::new("number", T::Text).system().list().search(),
    Field::new("revision", T::Number).system(),
    fields::account().required().list().sticky().section(MAIN),
    fields::contact().column().section(MAIN),
    fields::deal().section(MAIN),
    fields::owner().list().section(MAIN),
    Field::new("status", T::Choice)
        .options(STATUSES)
        .default("draft")
        .system()
        .list()
        .filter(),
    Field::new("issue_date", T::Date)
        .list()
        .sort()
        .section(MAIN)
        .hint("quote-hint-issue_date"),
    Field::new("valid_until", T::Date)
        .column()
        .section(MAIN)
        .hint("quote-hint-valid_until"),
    Field::new("currency", T::Choice)
        .options(crate::products::CURRENCIES)
        .required()
        .default("TRY")
        .filter()
        .section(MONEY),
    Field::new("exchange_rate", T::Number)
        .section(MONEY)
        .shown_when("currency", &["EUR", "USD"])
        .hint("quote-hint-exchange_rate"),
    Field::new("exchange_rate_date", T::Date)
        .section(MONEY)
        .shown_when("currency", &["EUR", "USD"]),
    Field::new("discount_percent", T::Percent)
        .section(MONEY)
        .hint("quote-hint-discount_percent"),
    Field::new("delivery_terms", T::LongText).max(2000).section(TERMS),
    Field::new("payment_terms", T::LongText).max(2000).section(TERMS),
    fields::notes(TERMS),
    // The lines as canonical JSON (the quote editor writes them; the API takes an array).
    Field::new("lines", T::LongText).max(2_000_000).no_export().hidden(),
    Field::new("grand_total", T::Money)
        .currency("currency")
        .system()
        .list()
        .sort(),
    Field::new("net_total", T::Money).currency("currency").system(),
    Field::new("kdv_total", T::Money).currency("currency").system(),
    Field::new("submitted_by", T::User).system(),
    Field::new("approved_by", T::User).system(),
    Field::new("approved_at", T::DateTime).system(),
    Field::new("rejection_reason", T::Text).system(),
    Field::new("sent_at", T::DateTime).system(),
    Field::new("previous_id", T::Reference).refers("quotes").system(),
];

pub static KIND: Kind = Kind {
    key: "quotes",
    entity: "quote",
    table: "quotes",
    alias: "q",
    module: Module::Quotes,
    fields: FIELDS,
    sorts: &[SORT_CREATED, SORT_UPDATED, SORT_NUMBER, SORT_ISSUE, SORT_TOTAL],
    default_sort: "-created_at",
    tag_table: "",
    tag_key: "",
    fts: "quotes_fts",
    owned: true,
    status: "status",
    name_sql: "{a}.number",
    derived: &["sort_name", "search_key"],
    merge: false,
    sections: &[(MAIN, ""), (MONEY, ""), (TERMS, "")],
    hierarchy: "",
    follow_up: None,
    timeline: None,
    name_of: quote_name,
    derive: quote_keys,
    rules: quote_rules,
};

/// `T-2026-0001-R2`: the number with its revision (empty until the number is given).
pub fn quote_name(v: &Values) -> String {
    let number = v.get("number").and_then(Value::as_text).unwrap_or_default();
    let revision = match v.get("revision") {
        Some(Value::Number(n)) => n.get() as i64,
        _ => 1,
    };
    with_revision(number, revision)
}

fn quote_keys(v: &Values) -> Vec<(&'static str, String)> {
    let name = quote_name(v);
    vec![
        ("sort_name", sort_key(&name)),
        ("search_key", search_key(&[Some(&name)])),
    ]
}

/// One line as stored and as the API gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuoteLine {
    pub product_id: Option<i64>,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub discount_percent: String,
    pub kdv_rate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdv_exemption_reason: Option<String>,
    /// Where the price came from ("Liste fiyatı", "Müşteri fiyatı", "10+ adet kademesi").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_source: Option<String>,
}

impl QuoteLine {
    /// What the arithmetic needs (the line was checked when it was stored).
    pub fn line(&self) -> Option<Line> {
        Some(Line {
            quantity: Quantity::parse(&self.quantity).ok()?,
            unit_price: UnitPrice::parse(&self.unit_price).ok()?,
            discount: Percent::parse(&self.discount_percent).ok()?,
            kdv: KdvRate::parse(&self.kdv_rate).ok()?,
        })
    }
}

/// A JSON value as the text of a number field: strings as they are, numbers as written.
fn num_text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Null => None,
        _ => Some("?".into()),
    }
}

fn text_of(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// Reads the lines of a quote from their JSON text (an array of objects), every problem named
/// `lines[N].field` (N from 1, as the form counts), into the canonical lines.
pub fn parse_lines(text: &str, e: &mut FieldErrors) -> Vec<QuoteLine> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(text) else {
        e.add("lines", "invalid_type");
        return vec![];
    };
    if items.len() > MAX_LINES {
        e.add_with("lines", "too_many", MAX_LINES);
        return vec![];
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("lines[{}].{f}", i + 1);
        let Some(o) = item.as_object() else {
            e.add(&at("description"), "invalid_type");
            continue;
        };
        let product_id = match o.get("product_id") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => match v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())) {
                Some(id) if id > 0 => Some(id),
                _ => {
                    e.add(&at("product_id"), "invalid_choice");
                    None
                }
            },
        };
        let description = text_of(o.get("description")).unwrap_or_default();
        if description.is_empty() {
            e.add(&at("description"), "required");
        } else if description.chars().count() > 1000 {
            e.add_with(&at("description"), "too_long", 1000);
        } else if description.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            e.add(&at("description"), "invalid_chars");
        }
        let unit = text_of(o.get("unit")).unwrap_or_else(|| "adet".into());
        if unit.chars().count() > 20 || unit.chars().any(char::is_control) {
            e.add_with(&at("unit"), "too_long", 20);
        }
        let quantity = match num_text(o.get("quantity")) {
            None => {
                e.add(&at("quantity"), "required");
                None
            }
            Some(t) => Quantity::parse(&t).map_err(|x| x.record(e, &at("quantity"))).ok(),
        };
        let unit_price = match num_text(o.get("unit_price")) {
            None => {
                e.add(&at("unit_price"), "required");
                None
            }
            Some(t) => UnitPrice::parse(&t).map_err(|x| x.record(e, &at("unit_price"))).ok(),
        };
        let discount = match num_text(o.get("discount_percent")) {
            None => Some(Percent::ZERO),
            Some(t) => Percent::parse(&t)
                .map_err(|x| x.record(e, &at("discount_percent")))
                .ok(),
        };
        let kdv = match num_text(o.get("kdv_rate")) {
            None => Some(KdvRate::Twenty),
            Some(t) => KdvRate::parse(&t).map_err(|x| x.record(e, &at("kdv_rate"))).ok(),
        };
        let exemption = text_of(o.get("kdv_exemption_reason"));
        if kdv == Some(KdvRate::Zero) && exemption.is_none() {
            e.add(&at("kdv_exemption_reason"), "required");
        }
        let price_source = text_of(o.get("price_source")).filter(|s| s.chars().count() <= 100);
        if let (Some(q), Some(p), Some(d), Some(k)) = (quantity, unit_price, discount, kdv) {
            out.push(QuoteLine {
                product_id,
                description,
                quantity: q.to_string(),
                unit,
                unit_price: p.to_string(),
                discount_percent: d.to_string(),
                kdv_rate: k.as_str().to_string(),
                kdv_exemption_reason: exemption.filter(|_| k.needs_exemption_reason()),
                price_source,
            });
        }
    }
    out
}

/// The lines of stored values (checked when they were written).
pub fn lines_of(v: &Values) -> Vec<QuoteLine> {
    v.get("lines")
        .and_then(Value::as_text)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The document discount of stored values, exact (the kit keeps percentages as numbers; two
/// decimals at most were let in).
pub fn document_discount(v: &Values) -> Percent {
    match v.get("discount_percent") {
        Some(Value::Percent(n) | Value::Number(n)) => {
            Percent::from_hundredths((n.get() * 100.0).round() as i64).unwrap_or(Percent::ZERO)
        }
        _ => Percent::ZERO,
    }
}

/// The totals of stored values: the one arithmetic.
pub fn totals_of(v: &Values) -> Result<Totals, TotalsTooLarge> {
    let lines: Vec<Line> = lines_of(v).iter().filter_map(QuoteLine::line).collect();
    totals(&lines, document_discount(v))
}

/// The rate a foreign-currency quote converts at (1 for lira).
pub fn rate_of(v: &Values) -> f64 {
    match v.get("exchange_rate") {
        Some(Value::Number(n)) if v.get("currency").and_then(Value::as_text) != Some("TRY") => n.get(),
        _ => 1.0,
    }
}

/// The rules of a quote: lines read and made canonical; a document discount of 0–100 % with two
/// decimals; a foreign currency with its rate and the rate's date; dates in order.
pub fn quote_rules(v: &mut Values, e: &mut FieldErrors) {
    match v.get("lines").and_then(Value::as_text).map(str::to_string) {
        Some(text) => {
            let lines = parse_lines(&text, e);
            let canonical = serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into());
            v.insert("lines", Value::Text(canonical));
        }
        None => {
            v.insert("lines", Value::Text("[]".into()));
        }
    }
    if let Some(Value::Percent(n) | Value::Number(n)) = v.get("discount_percent") {
        let x = n.get();
        let hundredths = x * 100.0;
        if !(0.0..=100.0).contains(&x) {
            e.add("discount_percent", "invalid_percent");
        } else if (hundredths - hundredths.round()).abs() > 1e-6 {
            e.add_with("discount_percent", "too_many_decimals", 2);
        }
    }
    let currency = v.get("currency").and_then(Value::as_text).unwrap_or("TRY").to_string();
    if currency == "TRY" {
        v.remove("exchange_rate");
        v.remove("exchange_rate_date");
    } else {
        match v.get("exchange_rate") {
            Some(Value::Number(n)) if n.get() > 0.0 && n.get() < 1_000_000.0 => {}
            Some(_) => e.add("exchange_rate", "invalid_rate"),
            None => e.add("exchange_rate", "rate_required"),
        }
    }
    let today = crate::time::today_local(crate::time::now_ms());
    if !v.contains_key("issue_date") {
        v.insert("issue_date", Value::Date(today));
    }
    if currency != "TRY"
        && !v.contains_key("exchange_rate_date")
        && let Some(d) = v.get("issue_date").cloned()
    {
        v.insert("exchange_rate_date", d);
    }
    if let (Some(Value::Date(a)), Some(Value::Date(b))) = (v.get("issue_date"), v.get("valid_until"))
        && b < a
    {
        e.add("valid_until", "before_issue_date");
    }
    if e.is_empty() && totals_of(v).is_err() {
        e.add("lines", "too_large");
    }
}

/// The content an approval is bound to: lines, discounts, currency and rate, terms, customer.
/// Any change to one of these changes the text (its hash is stored with the approval).
pub fn approval_content(v: &Values) -> String {
    let t = |k: &str| v.get(k).map(Value::canonical).unwrap_or_default();
    [
        t("account_id"),
        t("contact_id"),
        t("currency"),
        t("exchange_rate"),
        t("exchange_rate_date"),
        document_discount(v).to_string(),
        t("delivery_terms"),
        t("payment_terms"),
        serde_json::to_string(&lines_of(v)).unwrap_or_default(),
    ]
    .join("\u{1f}")
}

/// Why a quote needs a manager's approval: a line or document discount above `max_discount`, or a
/// grand total above `max_total` (kuruş, in the default currency at the quote's rate).
pub fn needs_approval(v: &Values, max_discount: Percent, max_total: i64) -> bool {
    if document_discount(v) > max_discount {
        return true;
    }
    if lines_of(v)
        .iter()
        .filter_map(QuoteLine::line)
        .any(|l| l.discount > max_discount)
    {
        return true;
    }
    match totals_of(v) {
        Ok(t) => (t.grand_total.kurus() as f64 * rate_of(v)).round() as i64 > max_total,
        Err(_) => true,
    }
}

/// The folded number, for the search key of a number given after the insert.
pub fn number_key(number: &str) -> String {
    fold(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap()
    }
    fn p(s: &str) -> UnitPrice {
        UnitPrice::parse(s).unwrap()
    }
    fn pct(s: &str) -> Percent {
        Percent::parse(s).unwrap()
    }
    fn line(quantity: &str, price: &str, discount: &str, kdv: KdvRate) -> Line {
        Line {
            quantity: q(quantity),
            unit_price: p(price),
            discount: pct(discount),
            kdv,
        }
    }
    fn k(kurus: i64) -> Money {
        Money::from_kurus(kurus)
    }
    fn group(rate: KdvRate, base: i64, amount: i64) -> KdvGroup {
        KdvGroup {
            rate,
            base: k(base),
            amount: k(amount),
        }
    }

    #[test]
    fn the_contracts_worked_case() {
        let lines = [
            line("3", "33.3333", "0", KdvRate::Twenty),
            line("1", "0.005", "0", KdvRate::One),
        ];
        let t = totals(&lines, pct("33.33")).unwrap();
        assert_eq!(t.gross, k(10_001));
        assert_eq!(t.document_discount, k(3_333));
        assert_eq!((t.lines[0].doc_share, t.lines[1].doc_share), (k(3_333), k(0)));
        assert_eq!(t.net, k(6_668));
        assert_eq!(
            t.kdv,
            vec![group(KdvRate::Twenty, 6_667, 1_333), group(KdvRate::One, 1, 0)]
        );
        assert_eq!(t.grand_total, k(8_001));
        assert_eq!(t.grand_total.plain_text(), "80.01");
    }

    #[test]
    fn a_quote_with_line_discounts() {
        // 2 × 1250.50 − 10 %: 2501.00 − 250.10 = 2250.90, KDV 20 % 450.18
        // 3.5 × 12.3456 = 43.2096 → 43.21; − 7.5 % = 3.240 75 → 3.24; 39.97, KDV 10 % 3.997 → 4.00
        // 0.125 × 80 = 10.00, KDV 1 % 0.10
        let lines = [
            line("2", "1250.50", "10", KdvRate::Twenty),
            line("3.5", "12.3456", "7.5", KdvRate::Ten),
            line("0.125", "80", "0", KdvRate::One),
        ];
        let t = totals(&lines, Percent::ZERO).unwrap();
        let row = |l: &LineTotals| {
            (
                l.gross.kurus(),
                l.discount.kurus(),
                l.net.kurus(),
                l.base.kurus(),
                l.kdv.kurus(),
            )
        };
        assert_eq!(row(&t.lines[0]), (250_100, 25_010, 225_090, 225_090, 45_018));
        assert_eq!(row(&t.lines[1]), (4_321, 324, 3_997, 3_997, 400));
        assert_eq!(row(&t.lines[2]), (1_000, 0, 1_000, 1_000, 10));
        assert_eq!(t.gross, k(255_421));
        assert_eq!(t.line_discounts, k(25_334));
        assert_eq!(t.document_discount, k(0));
        assert_eq!(t.net, k(230_087));
        assert_eq!(
            t.kdv,
            vec![
                group(KdvRate::Twenty, 225_090, 45_018),
                group(KdvRate::Ten, 3_997, 400),
                group(KdvRate::One, 1_000, 10),
            ]
        );
        assert_eq!(t.kdv_total, k(45_428));
        assert_eq!(t.grand_total, k(275_515));
    }

    #[test]
    fn the_document_discount_goes_to_the_largest_remainders_and_ties_to_the_earlier_line() {
        // nets 3.00, 1.00, 1.00; 0.6 % of 5.00 is 3 kuruş: exact shares 1.8, 0.6, 0.6 → floors 1, 0, 0,
        // remainders 0.8, 0.6, 0.6; the two kuruş left go to the first line, then the second (tie with the third)
        let lines = [
            line("1", "3", "0", KdvRate::Twenty),
            line("1", "1", "0", KdvRate::Twenty),
            line("1", "1", "0", KdvRate::Twenty),
        ];
        let t = totals(&lines, pct("0.6")).unwrap();
        assert_eq!(t.document_discount, k(3));
        let shares: Vec<i64> = t.lines.iter().map(|l| l.doc_share.kurus()).collect();
        assert_eq!(shares, vec![2, 1, 0]);
        let bases: Vec<i64> = t.lines.iter().map(|l| l.base.kurus()).collect();
        assert_eq!(bases, vec![298, 99, 100]);
        // KDV per line: 59.6 → 60, 19.8 → 20, 20
        assert_eq!(t.kdv, vec![group(KdvRate::Twenty, 497, 100)]);
        assert_eq!((t.net, t.grand_total), (k(497), k(597)));

        // equal nets all tie: the earliest lines get the kuruş
        assert_eq!(split_by_largest_remainder(2, &[100, 100, 100]), vec![1, 1, 0]);
        assert_eq!(split_by_largest_remainder(5, &[0, 7, 0, 7]), vec![0, 3, 0, 2]);
    }

    #[test]
    fn kdv_groups_come_highest_rate_first_and_add_up_the_lines_rounded_kdv() {
        let lines = [
            line("1", "100", "0", KdvRate::Zero),
            line("1", "10.55", "0", KdvRate::One),
            line("1", "0.97", "0", KdvRate::Twenty),
            line("1", "2.25", "0", KdvRate::Ten),
            line("1", "0.97", "0", KdvRate::Twenty),
        ];
        let t = totals(&lines, Percent::ZERO).unwrap();
        // 20 %: 0.194 → 0.19 per line, so 0.38 for the group, although 20 % of its 1.94 would be 0.39
        // 10 %: 0.225 → 0.23 (an exact half goes up); 1 %: 0.1055 → 0.11; 0 %: nothing
        assert_eq!(
            t.kdv,
            vec![
                group(KdvRate::Twenty, 194, 38),
                group(KdvRate::Ten, 225, 23),
                group(KdvRate::One, 1_055, 11),
                group(KdvRate::Zero, 10_000, 0),
            ]
        );
        assert_eq!(t.kdv_total, k(72));
        assert_eq!(t.net, k(11_474));
        assert_eq!(t.grand_total, k(11_546));
    }

    #[test]
    fn a_quote_worth_nothing() {
        let lines = [
            line("2", "0", "0", KdvRate::Twenty),
            line("1", "500", "100", KdvRate::Ten),
        ];
        let t = totals(&lines, pct("50")).unwrap();
        assert_eq!(t.gross, k(50_000));
        assert_eq!(t.line_discounts, k(50_000));
        assert_eq!(t.document_discount, k(0));
        assert!(t.lines.iter().all(|l| l.doc_share == k(0) && l.base == k(0)));
        assert_eq!(t.kdv, vec![group(KdvRate::Twenty, 0, 0), group(KdvRate::Ten, 0, 0)]);
        assert_eq!((t.net, t.kdv_total, t.grand_total), (k(0), k(0), k(0)));

        let empty = totals(&[], pct("10")).unwrap();
        assert_eq!(empty, Totals::default());
    }

    #[test]
    fn a_full_document_discount_leaves_nothing_to_tax() {
        let lines = [
            line("3", "33.3333", "0", KdvRate::Twenty),
            line("1", "0.005", "0", KdvRate::One),
        ];
        let t = totals(&lines, Percent::HUNDRED).unwrap();
        assert_eq!(t.document_discount, t.gross);
        assert!(
            t.lines
                .iter()
                .all(|l| l.doc_share == l.net && l.base == k(0) && l.kdv == k(0))
        );
        assert_eq!(t.grand_total, k(0));
    }

    #[test]
    fn an_exact_half_kurus_rounds_up() {
        let gross = |qty: &str, price: &str| {
            totals(&[line(qty, price, "0", KdvRate::Zero)], Percent::ZERO)
                .unwrap()
                .gross
        };
        assert_eq!(gross("1", "0.005"), k(1));
        assert_eq!(gross("1", "0.0049"), k(0));
        assert_eq!(gross("3", "0.0015"), k(0)); // 0.0045
        assert_eq!(gross("1", "0.015"), k(2)); // 1.5 kuruş
        assert_eq!(gross("0.001", "0.0001"), k(0));
        // a 50 % discount of 1 kuruş is half a kuruş: the discount takes it
        let t = totals(&[line("1", "0.01", "50", KdvRate::Zero)], Percent::ZERO).unwrap();
        assert_eq!((t.line_discounts, t.net), (k(1), k(0)));
        assert_eq!(round_half_up(5, 10), 1);
        assert_eq!(round_half_up(4, 10), 0);
        assert_eq!(round_half_up(3, 3), 1);
        assert_eq!(round_half_up(1, 3), 0);
        assert_eq!(round_half_up(2, 3), 1);
    }

    #[test]
    fn the_maxima_do_not_overflow() {
        let max = Line {
            quantity: Quantity::MAX,
            unit_price: UnitPrice::MAX,
            discount: Percent::ZERO,
            kdv: KdvRate::Twenty,
        };
        // a million pieces at a billion lira: 10¹⁵ lira, 10¹⁷ kuruş, KDV 2 × 10¹⁶
        let t = totals(&[max], Percent::ZERO).unwrap();
        assert_eq!(t.gross, k(100_000_000_000_000_000));
        assert_eq!(t.kdv_total, k(20_000_000_000_000_000));
        assert_eq!(t.grand_total, k(120_000_000_000_000_000));
        assert_eq!(t.grand_total.plain_text(), "1200000000000000.00");

        let odd = Line {
            discount: pct("33.33"),
            ..max
        };
        let lines = vec![odd; 10];
        let t = totals(&lines, pct("99.99")).unwrap();
        check_invariants(&lines, pct("99.99"), &t);

        // 76 such lines still fit in an i64 of kuruş (9.12 × 10¹⁸ with KDV); 77 do not, and say so
        assert!(totals(&vec![max; 76], Percent::ZERO).is_ok());
        assert_eq!(totals(&vec![max; 77], Percent::ZERO), Err(TotalsTooLarge));
        let untaxed = Line {
            kdv: KdvRate::Zero,
            ..max
        };
        assert_eq!(totals(&vec![untaxed; 100], pct("50")), Err(TotalsTooLarge));
    }

    /// splitmix64: a few lines of deterministic pseudo-randomness, so a failure replays exactly.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: i64) -> i64 {
            (self.next() % n as u64) as i64
        }
        /// Mostly small everyday values, sometimes the edges, sometimes anything in range.
        fn value(&mut self, max: i64, everyday: &[i64]) -> i64 {
            match self.below(10) {
                0 => 0,
                1 => max,
                2..=4 => self.below(max + 1),
                _ => everyday[self.below(everyday.len() as i64) as usize],
            }
        }
    }

    fn random_line(rng: &mut Rng) -> Line {
        let quantity = rng
            .value(Quantity::MAX.0, &[1_000, 2_000, 3_000, 500, 125, 12_345, 1])
            .max(1);
        let price = rng.value(UnitPrice::MAX.0, &[333_333, 10_000, 50, 12_505_000, 99_900, 1, 7]);
        let discount = rng.value(Percent::HUNDRED.0, &[0, 0, 1_000, 750, 3_333, 5_000, 1]);
        Line {
            quantity: Quantity::from_thousandths(quantity).unwrap(),
            unit_price: UnitPrice::from_ten_thousandths(price).unwrap(),
            discount: Percent::from_hundredths(discount).unwrap(),
            kdv: KdvRate::ALL[rng.below(4) as usize],
        }
    }

    /// `n / d` rounded half up is `r` exactly when `r·d − d/2 ≤ n < r·d + d/2` (all terms doubled: odd `d`).
    fn is_half_up(r: i64, n: i128, d: i128) -> bool {
        let r = i128::from(r);
        2 * r * d - d <= 2 * n && 2 * n < 2 * r * d + d
    }

    fn check_invariants(lines: &[Line], doc: Percent, t: &Totals) {
        let sum = |f: fn(&LineTotals) -> Money| t.lines.iter().map(|l| i128::from(f(l).kurus())).sum::<i128>();
        assert_eq!(t.lines.len(), lines.len());
        for (l, lt) in lines.iter().zip(&t.lines) {
            let qp = i128::from(l.quantity.0) * i128::from(l.unit_price.0);
            assert!(is_half_up(lt.gross.kurus(), qp, QTY_PRICE_PER_KURUS), "{l:?} {lt:?}");
            let gd = i128::from(lt.gross.kurus()) * i128::from(l.discount.0);
            assert!(is_half_up(lt.discount.kurus(), gd, PERCENT_DIVISOR), "{l:?} {lt:?}");
            assert_eq!(lt.net.kurus(), lt.gross.kurus() - lt.discount.kurus());
            assert!(lt.doc_share.kurus() >= 0 && lt.doc_share <= lt.net, "{l:?} {lt:?}");
            assert_eq!(lt.base.kurus(), lt.net.kurus() - lt.doc_share.kurus());
            let bk = i128::from(lt.base.kurus()) * i128::from(l.kdv.percent());
            assert!(is_half_up(lt.kdv.kurus(), bk, 100), "{l:?} {lt:?}");
        }
        let net_sum = sum(|l| l.net);
        assert!(is_half_up(
            t.document_discount.kurus(),
            net_sum * i128::from(doc.0),
            PERCENT_DIVISOR
        ));
        assert_eq!(sum(|l| l.doc_share), i128::from(t.document_discount.kurus()));
        // largest remainder: every share is its floor or one more, and the extra kuruş went to the largest
        // remainders, ties to the earlier line
        if net_sum > 0 {
            let doc = i128::from(t.document_discount.kurus());
            let extra: Vec<(bool, i128)> = t
                .lines
                .iter()
                .map(|l| {
                    let exact = doc * i128::from(l.net.kurus());
                    let floor = exact / net_sum;
                    let got = i128::from(l.doc_share.kurus());
                    assert!(got == floor || got == floor + 1);
                    (got == floor + 1, exact % net_sum)
                })
                .collect();
            for (i, &(gi, ri)) in extra.iter().enumerate() {
                for (j, &(gj, rj)) in extra.iter().enumerate() {
                    if gi && !gj {
                        assert!(ri > rj || (ri == rj && i < j), "line {i} got a kuruş before line {j}");
                    }
                }
            }
        } else {
            assert_eq!(t.document_discount, k(0));
        }
        assert_eq!(i128::from(t.gross.kurus()), sum(|l| l.gross));
        assert_eq!(i128::from(t.line_discounts.kurus()), sum(|l| l.discount));
        assert_eq!(i128::from(t.net.kurus()), sum(|l| l.base));
        assert_eq!(i128::from(t.kdv_total.kurus()), sum(|l| l.kdv));
        let groups_amount: i64 = t.kdv.iter().map(|g| g.amount.kurus()).sum();
        assert_eq!(t.grand_total.kurus(), t.net.kurus() + groups_amount);
        assert_eq!(t.kdv_total.kurus(), groups_amount);
        // one group per rate present, highest first, each the sum of its lines
        let present: Vec<KdvRate> = KdvRate::ALL
            .into_iter()
            .filter(|r| lines.iter().any(|l| l.kdv == *r))
            .collect();
        assert_eq!(t.kdv.iter().map(|g| g.rate).collect::<Vec<_>>(), present);
        for g in &t.kdv {
            let of = |f: fn(&LineTotals) -> Money| -> i64 {
                lines
                    .iter()
                    .zip(&t.lines)
                    .filter(|(l, _)| l.kdv == g.rate)
                    .map(|(_, lt)| f(lt).kurus())
                    .sum()
            };
            assert_eq!(g.base.kurus(), of(|l| l.base));
            assert_eq!(g.amount.kurus(), of(|l| l.kdv));
        }
    }

    #[test]
    fn the_invariants_hold_for_many_generated_quotes() {
        let mut rng = Rng(0x4B45_5256_414E); // "KERVAN"
        let mut checked = 0;
        for _ in 0..20_000 {
            let n = rng.below(13) as usize;
            let lines: Vec<Line> = (0..n).map(|_| random_line(&mut rng)).collect();
            let doc = Percent::from_hundredths(rng.value(Percent::HUNDRED.0, &[0, 500, 1_000, 3_333, 60, 1])).unwrap();
            match totals(&lines, doc) {
                Ok(t) => {
                    check_invariants(&lines, doc, &t);
                    checked += 1;
                }
                // only when the amounts really do not fit: more than i64::MAX kuruş of gross or grand total
                Err(TotalsTooLarge) => {
                    let gross: i128 = lines
                        .iter()
                        .map(|l| i128::from(l.quantity.0) * i128::from(l.unit_price.0) / QTY_PRICE_PER_KURUS)
                        .sum();
                    assert!(gross * 6 / 5 + i128::from(n as u32) > i128::from(i64::MAX), "{lines:?}");
                }
            }
        }
        assert!(checked > 19_000, "{checked}");
    }

    #[test]
    fn api_numbers_are_read_exactly() {
        for (s, want) in [
            ("1", 1_000),
            ("0.125", 125),
            ("1250.5", 1_250_500),
            ("0.001", 1),
            ("1000000", 1_000_000_000),
            ("1000000.000", 1_000_000_000),
            (" 2 ", 2_000),
            ("007", 7_000),
            ("1.50000", 1_500),
        ] {
            assert_eq!(Quantity::parse(s).map(Quantity::thousandths), Ok(want), "{s}");
        }
        for (s, want) in [
            ("0", 0),
            ("0.0001", 1),
            ("0.0125", 125),
            ("1250.50", 12_505_000),
            ("1000000000", 10_000_000_000_000),
        ] {
            assert_eq!(UnitPrice::parse(s).map(UnitPrice::ten_thousandths), Ok(want), "{s}");
        }
        for (s, want) in [
            ("0", 0),
            ("100", 10_000),
            ("100.00", 10_000),
            ("12.5", 1_250),
            ("0.01", 1),
        ] {
            assert_eq!(Percent::parse(s).map(Percent::hundredths), Ok(want), "{s}");
        }
        for (s, want) in [
            ("20", KdvRate::Twenty),
            ("10", KdvRate::Ten),
            (" 1 ", KdvRate::One),
            ("0", KdvRate::Zero),
        ] {
            assert_eq!(KdvRate::parse(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn api_numbers_are_refused_with_the_reason() {
        use InputError::*;
        for (s, want) in [
            ("", Required),
            ("   ", Required),
            ("0", MustBePositive),
            ("0.000", MustBePositive),
            ("-1", MustBePositive),
            ("-0", MustBePositive),
            ("0.0001", TooManyDecimals { max: 3 }),
            ("1000000.001", TooLarge { max: 1_000_000 }),
            (
                "99999999999999999999999999999999999999999999",
                TooLarge { max: 1_000_000 },
            ),
            ("1e3", InvalidNumber),
            ("1E3", InvalidNumber),
            ("1,5", InvalidNumber),
            ("1.250,50", InvalidNumber),
            ("+1", InvalidNumber),
            (".5", InvalidNumber),
            ("5.", InvalidNumber),
            ("1.2.3", InvalidNumber),
            ("1 000", InvalidNumber),
            ("--1", InvalidNumber),
            ("NaN", InvalidNumber),
            ("inf", InvalidNumber),
            ("0x10", InvalidNumber),
            ("١٢", InvalidNumber),
            ("½", InvalidNumber),
            (&"1".repeat(65), InvalidNumber),
        ] {
            assert_eq!(Quantity::parse(s), Err(want), "{s:?}");
        }
        for (s, want) in [
            ("", Required),
            ("0.00001", TooManyDecimals { max: 4 }),
            ("-1", Negative),
            ("-0.0001", Negative),
            ("1000000000.0001", TooLarge { max: 1_000_000_000 }),
            ("1e3", InvalidNumber),
        ] {
            assert_eq!(UnitPrice::parse(s), Err(want), "{s:?}");
        }
        for (s, want) in [
            ("100.01", TooLarge { max: 100 }),
            ("101", TooLarge { max: 100 }),
            ("-1", Negative),
            ("0.001", TooManyDecimals { max: 2 }),
            ("%10", InvalidNumber),
            ("", Required),
        ] {
            assert_eq!(Percent::parse(s), Err(want), "{s:?}");
        }
        for (s, want) in [
            ("18", InvalidChoice),
            ("8", InvalidChoice),
            ("20.0", InvalidChoice),
            ("%20", InvalidChoice),
            ("", Required),
        ] {
            assert_eq!(KdvRate::parse(s), Err(want), "{s:?}");
        }
    }

    #[test]
    fn turkish_form_numbers_are_read() {
        for (s, want) in [
            ("1.250,5", 1_250_500),
            ("1250,5", 1_250_500),
            ("0,125", 125),
            ("1.250", 1_250_000),
            ("1.000.000", 1_000_000_000),
            ("0.125", 125),
            ("2.5", 2_500),
            ("12", 12_000),
        ] {
            assert_eq!(Quantity::parse_tr(s).map(Quantity::thousandths), Ok(want), "{s}");
        }
        assert_eq!(
            UnitPrice::parse_tr("1.250,50").map(UnitPrice::ten_thousandths),
            Ok(12_505_000)
        );
        assert_eq!(UnitPrice::parse_tr("0,0001").map(UnitPrice::ten_thousandths), Ok(1));
        for (s, want) in [("%18,5", 1_850), ("12,5%", 1_250), ("% 20", 2_000), ("100", 10_000)] {
            assert_eq!(Percent::parse_tr(s).map(Percent::hundredths), Ok(want), "{s}");
        }
        use InputError::*;
        for (s, want) in [
            ("1,250.50", InvalidNumber),
            ("1.25.0", InvalidNumber),
            ("1,2,3", InvalidNumber),
            (",5", InvalidNumber),
            ("5,", InvalidNumber),
            ("1.250,5.0", InvalidNumber),
            ("0.250,5", InvalidNumber),
            ("1 250,5", InvalidNumber),
            ("1.000.000,001", TooLarge { max: 1_000_000 }),
            ("0,0001", TooManyDecimals { max: 3 }),
            ("0,000", MustBePositive),
            ("-1,5", MustBePositive),
            ("", Required),
        ] {
            assert_eq!(Quantity::parse_tr(s), Err(want), "{s:?}");
        }
        assert_eq!(Percent::parse_tr("%100,01"), Err(TooLarge { max: 100 }));
    }

    #[test]
    fn numbers_are_written_back_as_they_are_read() {
        for th in [1, 125, 1_000, 1_500, 1_250_500, 1_234_567, Quantity::MAX.0] {
            let v = Quantity::from_thousandths(th).unwrap();
            assert_eq!(Quantity::parse(&v.to_string()), Ok(v));
            assert_eq!(Quantity::parse_tr(&v.tr_text()), Ok(v));
        }
        for tt in [0, 1, 125, 10_000, 12_505_000, UnitPrice::MAX.0] {
            let v = UnitPrice::from_ten_thousandths(tt).unwrap();
            assert_eq!(UnitPrice::parse(&v.to_string()), Ok(v));
            assert_eq!(UnitPrice::parse_tr(&v.tr_text()), Ok(v));
        }
        for h in [0, 1, 1_250, 3_333, 10_000] {
            let v = Percent::from_hundredths(h).unwrap();
            assert_eq!(Percent::parse(&v.to_string()), Ok(v));
            assert_eq!(Percent::parse_tr(&v.tr_text()), Ok(v));
        }
        assert_eq!(q("1250.5").to_string(), "1250.5");
        assert_eq!(q("1250.5").tr_text(), "1.250,5");
        assert_eq!(p("1250.50").to_string(), "1250.5");
        assert_eq!(p("0.0001").to_string(), "0.0001");
        assert_eq!(p("1000000000").tr_text(), "1.000.000.000");
        assert_eq!(pct("12.50").to_string(), "12.5");
        assert_eq!(Quantity::from_thousandths(0), None);
        assert_eq!(UnitPrice::from_ten_thousandths(-1), None);
        assert_eq!(Percent::from_hundredths(10_001), None);
    }

    #[test]
    fn errors_carry_their_code_and_argument() {
        let mut e = FieldErrors::new();
        InputError::TooManyDecimals { max: 4 }.record(&mut e, "lines[0].unit_price");
        InputError::Required.record(&mut e, "lines[1].quantity");
        assert_eq!(
            (e.0[0].field.as_str(), e.0[0].code.as_str(), e.0[0].arg.as_deref()),
            ("lines[0].unit_price", "too_many_decimals", Some("4"))
        );
        assert_eq!((e.0[1].code.as_str(), e.0[1].arg.as_deref()), ("required", None));
        assert_eq!(InputError::TooLarge { max: 100 }.arg().as_deref(), Some("100"));
        assert_eq!(TotalsTooLarge::CODE, "total_too_large");
    }

    #[test]
    fn kdv_rates_are_the_products_rates() {
        let ours: Vec<&str> = KdvRate::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(ours, crate::products::KDV_RATES);
        assert!(KdvRate::Zero.needs_exemption_reason());
        assert!(!KdvRate::One.needs_exemption_reason());
        assert_eq!(KdvRate::Ten.to_string(), "10");
    }

    #[test]
    fn money_is_written_as_lira_with_two_decimals() {
        assert_eq!(k(125_000_050).plain_text(), "1250000.50");
        assert_eq!(k(5).plain_text(), "0.05");
        assert_eq!(k(0).plain_text(), "0.00");
        assert_eq!(k(-5).plain_text(), "-0.05");
        assert_eq!(k(i64::MIN).plain_text(), "-92233720368547758.08");
    }

    #[test]
    fn quote_numbers_follow_the_format() {
        assert_eq!(number(DEFAULT_NUMBER_FORMAT, 2026, 1), "T-2026-0001");
        assert_eq!(number(DEFAULT_NUMBER_FORMAT, 2026, 42), "T-2026-0042");
        assert_eq!(number(DEFAULT_NUMBER_FORMAT, 2027, 12_345), "T-2027-12345");
        assert_eq!(number("{seq}", 2026, 7), "7");
        assert_eq!(number("TKL/{year}/{seq:6}", 2026, 42), "TKL/2026/000042");
        assert_eq!(number("{year}{seq:03}", 2026, 5), "2026005");
        assert_eq!(number("Teklif-{seq:2}-{year}", 2026, 3), "Teklif-03-2026");
        // not expected (refused when saved), but still a readable number
        assert_eq!(number("X-{ay}-{seq}", 2026, 5), "X-{ay}-5");
        assert_eq!(number("X-{seq:99}-{seq}}", 2026, 5), "X-{seq:99}-5}");
        assert_eq!(number("Ş{year{seq}", 2026, 5), "Ş{year5");
    }

    #[test]
    fn number_formats_are_checked() {
        for ok in [
            DEFAULT_NUMBER_FORMAT,
            "{seq}",
            "TKL/{year}/{seq:6}",
            "{seq:12}",
            "Şube-{seq:1}",
        ] {
            assert_eq!(valid_format(ok), Ok(()), "{ok}");
        }
        for (bad, code) in [
            ("", "required"),
            ("  ", "required"),
            ("T-{year}", "missing_seq"),
            ("T-2026", "missing_seq"),
            ("T-{year}-{seq}-{month}", "unknown_placeholder"),
            ("T-{Seq}", "unknown_placeholder"),
            ("T-{}", "unknown_placeholder"),
            ("T-{seq", "invalid_format"),
            ("T-}{seq}", "invalid_format"),
            ("T-{{seq}}", "invalid_format"),
            ("{seq:0}", "invalid_format"),
            ("{seq:13}", "invalid_format"),
            ("{seq:x}", "invalid_format"),
            ("{seq:+4}", "invalid_format"),
            ("T-\n{seq}", "invalid_format"),
        ] {
            assert_eq!(valid_format(bad), Err(code), "{bad:?}");
        }
    }

    #[test]
    fn revisions_after_the_first_are_marked() {
        assert_eq!(with_revision("T-2026-0001", 1), "T-2026-0001");
        assert_eq!(with_revision("T-2026-0001", 2), "T-2026-0001-R2");
        assert_eq!(with_revision("T-2026-0001", 10), "T-2026-0001-R10");
        assert_eq!(with_revision("T-2026-0001", 0), "T-2026-0001");
    }
}
