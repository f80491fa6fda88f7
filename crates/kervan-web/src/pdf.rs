//! A quote as a PDF on the company's letterhead: A4, our own small layout (columns, wrapped
//! descriptions, a table header repeated on every page, "Sayfa x / N"), Noto Sans embedded from
//! the `notosans` crate so every Turkish letter, ₺ and € print. The texts and amounts arrive
//! ready (from the `.ftl` files and the one quote arithmetic); this module only places them.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

const W: f32 = 595.28;
const H: f32 = 841.89;
const MARGIN: f32 = 40.0;
const BODY: f32 = 9.0;
const LINE: f32 = 12.0;
/// The lowest baseline a table row may use before the footer.
const BOTTOM: f32 = H - 70.0;
/// Column widths of the lines table: #, description, quantity, unit price, discount, KDV, amount.
const COLS: [f32; 7] = [22.0, 199.0, 62.0, 72.0, 42.0, 36.0, 82.28];
/// The logo's height on the letterhead (its width follows, at most [`LOGO_W`]).
const LOGO_H: f32 = 44.0;
const LOGO_W: f32 = 200.0;

/// Everything the PDF prints, as text.
#[derive(Clone, Default)]
pub struct QuoteDoc {
    /// The company's logo, top left of the first page.
    pub logo: Option<krilla::image::Image>,
    /// "TEKLİF".
    pub title: String,
    /// `T-2026-0001-R2`.
    pub number: String,
    /// Printed across every page when the quote is not (validly) approved or sent.
    pub watermark: Option<String>,
    /// The letterhead: the company's name first, then its address, tax office and number, phone,
    /// e-mail, IBAN.
    pub company: Vec<String>,
    /// "Sayın" block: the customer's name first, then the contact, address, tax details.
    pub customer_heading: String,
    pub customer: Vec<String>,
    /// (label, value): date, valid until, currency and rate.
    pub meta: Vec<(String, String)>,
    pub heads: [String; 7],
    pub lines: Vec<[String; 7]>,
    /// (label, amount, bold).
    pub totals: Vec<(String, String, bool)>,
    /// (heading, text): delivery and payment terms, notes.
    pub terms: Vec<(String, String)>,
    /// "Sayfa {page} / {pages}" with those two placeholders.
    pub page_label: String,
}

enum Op {
    Text {
        bold: bool,
        size: f32,
        x: f32,
        y: f32,
        text: String,
        grey: u8,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        shade: (u8, u8, u8),
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
    },
}

struct Faces<'a> {
    regular: rustybuzz::Face<'a>,
    bold: rustybuzz::Face<'a>,
}

impl Faces<'_> {
    /// Width in points of `text` as krilla will draw it (the same shaper).
    fn width(&self, bold: bool, size: f32, text: &str) -> f32 {
        let face = if bold { &self.bold } else { &self.regular };
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        buf.guess_segment_properties();
        let out = rustybuzz::shape(face, &[], buf);
        let adv: i32 = out.glyph_positions().iter().map(|p| p.x_advance).sum();
        adv as f32 / f32::from(face.units_per_em() as u16) * size
    }

    /// `text` broken into lines no wider than `max` (a word longer than a line is cut).
    fn wrap(&self, size: f32, text: &str, max: f32) -> Vec<String> {
        let mut out = Vec::new();
        for para in text.lines() {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(false, size, &candidate) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                // A word wider than the column goes in pieces.
                let mut piece = String::new();
                for ch in word.chars() {
                    piece.push(ch);
                    if self.width(false, size, &piece) > max {
                        piece.pop();
                        out.push(std::mem::take(&mut piece));
                        piece.push(ch);
                    }
                }
                line = piece;
            }
            out.push(line);
        }
        if out.is_empty() {
            out.push(String::new());
        }
        out
    }
}

/// Lays the document out page by page (so "Sayfa x / N" knows N), then draws it.
pub fn render(doc: &QuoteDoc) -> Result<Vec<u8>, String> {
    let faces = Faces {
        regular: rustybuzz::Face::from_slice(notosans::REGULAR_TTF, 0).ok_or("the regular font")?,
        bold: rustybuzz::Face::from_slice(notosans::BOLD_TTF, 0).ok_or("the bold font")?,
    };
    let pages = layout(doc, &faces);
    let regular = Font::new(notosans::REGULAR_TTF.into(), 0).ok_or("the regular font")?;
    let bold = Font::new(notosans::BOLD_TTF.into(), 0).ok_or("the bold font")?;
    let mut pdf = Document::new();
    let total = pages.len();
    for (i, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(W, H).ok_or("page size")?;
        let mut page = pdf.start_page_with(settings);
        let mut s = page.surface();
        if let Some(mark) = &doc.watermark {
            let size = 120.0;
            let w = faces.width(true, size, mark);
            s.set_fill(Some(fill((236, 236, 240))));
            s.draw_text(
                Point::from_xy((W - w) / 2.0, H / 2.0 + 40.0),
                bold.clone(),
                size,
                mark,
                false,
                TextDirection::Auto,
            );
        }
        if i == 0
            && let Some(logo) = &doc.logo
        {
            let (w, h) = logo.size();
            let scale = (LOGO_H / h.max(1) as f32).min(LOGO_W / w.max(1) as f32);
            if let Some(size) = krilla::geom::Size::from_wh(w as f32 * scale, h as f32 * scale) {
                s.push_transform(&krilla::geom::Transform::from_translate(MARGIN, MARGIN - 6.0));
                s.draw_image(logo.clone(), size);
                s.pop();
            }
        }
        for op in ops {
            draw(&mut s, op, &regular, &bold);
        }
        // Continuation pages say whose they are.
        if i > 0 {
            let head = format!("{} {}", doc.title, doc.number);
            let w = faces.width(true, 9.0, &head);
            s.set_fill(Some(fill((110, 110, 120))));
            s.draw_text(
                Point::from_xy(W - MARGIN - w, MARGIN - 8.0),
                bold.clone(),
                9.0,
                &head,
                false,
                TextDirection::Auto,
            );
        }
        let label = doc
            .page_label
            .replace("{page}", &(i + 1).to_string())
            .replace("{pages}", &total.to_string());
        let w = faces.width(false, 8.0, &label);
        s.set_fill(Some(fill((110, 110, 120))));
        s.draw_text(
            Point::from_xy((W - w) / 2.0, H - 28.0),
            regular.clone(),
            8.0,
            &label,
            false,
            TextDirection::Auto,
        );
        if let Some(name) = doc.company.first() {
            s.draw_text(
                Point::from_xy(MARGIN, H - 28.0),
                regular.clone(),
                8.0,
                name,
                false,
                TextDirection::Auto,
            );
        }
        s.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| format!("{e:?}"))
}

fn fill((r, g, b): (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(s: &mut Surface, op: &Op, regular: &Font, bold: &Font) {
    match op {
        Op::Text {
            bold: b,
            size,
            x,
            y,
            text,
            grey,
        } => {
            s.set_fill(Some(fill((*grey, *grey, *grey + (*grey / 8)))));
            let font = if *b { bold } else { regular };
            s.draw_text(
                Point::from_xy(*x, *y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rect { x, y, w, h, shade } => {
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                let mut pb = PathBuilder::new();
                pb.push_rect(rect);
                if let Some(path) = pb.finish() {
                    s.set_fill(Some(fill(*shade)));
                    s.draw_path(&path);
                }
            }
        }
        Op::Rule { x1, x2, y } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y);
            pb.line_to(*x2, *y);
            if let Some(path) = pb.finish() {
                s.set_fill(None);
                s.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(200, 204, 212).into(),
                    width: 0.6,
                    ..Default::default()
                }));
                s.draw_path(&path);
                // Stroke settings stay: text after this would be outlined.
                s.set_stroke(None);
            }
        }
    }
}

/// The pages' drawing operations.
fn layout(doc: &QuoteDoc, f: &Faces) -> Vec<Vec<Op>> {
    let mut pages: Vec<Vec<Op>> = vec![];
    let mut ops: Vec<Op> = vec![];
    let right = W - MARGIN;
    let text = |ops: &mut Vec<Op>, bold: bool, size: f32, x: f32, y: f32, t: &str| {
        ops.push(Op::Text {
            bold,
            size,
            x,
            y,
            text: t.to_string(),
            grey: 20,
        })
    };
    let right_text = |ops: &mut Vec<Op>, bold: bool, size: f32, x_right: f32, y: f32, t: &str| {
        let w = f.width(bold, size, t);
        ops.push(Op::Text {
            bold,
            size,
            x: x_right - w,
            y,
            text: t.to_string(),
            grey: 20,
        })
    };

    // Letterhead: the logo and the company on the left, the title and number on the right.
    let mut y = MARGIN + 14.0;
    if doc.logo.is_some() {
        y += LOGO_H + 6.0;
    }
    for (i, l) in doc.company.iter().enumerate() {
        if i == 0 {
            text(&mut ops, true, 13.0, MARGIN, y, l);
            y += 16.0;
        } else {
            for part in f.wrap(8.5, l, 300.0) {
                ops.push(Op::Text {
                    bold: false,
                    size: 8.5,
                    x: MARGIN,
                    y,
                    text: part,
                    grey: 80,
                });
                y += 11.0;
            }
        }
    }
    right_text(&mut ops, true, 20.0, right, MARGIN + 16.0, &doc.title);
    right_text(&mut ops, true, 11.0, right, MARGIN + 34.0, &doc.number);
    let mut my = MARGIN + 52.0;
    for (label, value) in &doc.meta {
        let v = format!("{label}: {value}");
        right_text(&mut ops, false, 9.0, right, my, &v);
        my += 12.0;
    }
    y = y.max(my) + 10.0;
    ops.push(Op::Rule {
        x1: MARGIN,
        x2: right,
        y,
    });
    y += 18.0;
    text(&mut ops, true, 9.0, MARGIN, y, &doc.customer_heading);
    y += 13.0;
    for (i, l) in doc.customer.iter().enumerate() {
        for part in f.wrap(10.0, l, 320.0) {
            text(&mut ops, i == 0, 10.0, MARGIN, y, &part);
            y += 13.0;
        }
    }
    y += 12.0;

    // The lines table, its header again on every page.
    let head = |ops: &mut Vec<Op>, y: f32| -> f32 {
        ops.push(Op::Rect {
            x: MARGIN,
            y,
            w: right - MARGIN,
            h: 18.0,
            shade: (232, 236, 246),
        });
        let mut x = MARGIN;
        for (i, h) in doc.heads.iter().enumerate() {
            if i <= 1 {
                text(ops, true, 8.5, x + 4.0, y + 12.5, h);
            } else {
                right_text(ops, true, 8.5, x + COLS[i] - 4.0, y + 12.5, h);
            }
            x += COLS[i];
        }
        y + 18.0
    };
    y = head(&mut ops, y);
    for row in &doc.lines {
        let desc = f.wrap(BODY, &row[1], COLS[1] - 8.0);
        let height = desc.len() as f32 * LINE + 9.0;
        if y + height > BOTTOM {
            pages.push(std::mem::take(&mut ops));
            y = head(&mut ops, MARGIN + 10.0);
        }
        let base = y + LINE;
        let mut x = MARGIN;
        for (i, cell) in row.iter().enumerate() {
            match i {
                0 => text(&mut ops, false, BODY, x + 4.0, base, cell),
                1 => {
                    for (k, l) in desc.iter().enumerate() {
                        text(&mut ops, false, BODY, x + 4.0, base + k as f32 * LINE, l);
                    }
                }
                _ => right_text(&mut ops, i == 6, BODY, x + COLS[i] - 4.0, base, cell),
            }
            x += COLS[i];
        }
        y += height;
        ops.push(Op::Rule {
            x1: MARGIN,
            x2: right,
            y: y - 2.0,
        });
    }

    // Totals, kept together.
    let needed = doc.totals.len() as f32 * 15.0 + 16.0;
    if y + needed > BOTTOM {
        pages.push(std::mem::take(&mut ops));
        y = MARGIN + 10.0;
    }
    y += 14.0;
    for (label, amount, bold) in &doc.totals {
        let size = if *bold { 11.0 } else { 9.5 };
        if *bold {
            ops.push(Op::Rect {
                x: right - 250.0,
                y: y - 12.0,
                w: 250.0,
                h: 17.0,
                shade: (232, 236, 246),
            });
        }
        right_text(&mut ops, *bold, size, right - 100.0, y, label);
        right_text(&mut ops, *bold, size, right - 4.0, y, amount);
        y += 15.0;
    }
    y += 10.0;

    // Terms and notes, wrapped over pages as needed.
    for (heading, body) in &doc.terms {
        if body.trim().is_empty() {
            continue;
        }
        if y + 30.0 > BOTTOM {
            pages.push(std::mem::take(&mut ops));
            y = MARGIN + 10.0;
        }
        y += 8.0;
        text(&mut ops, true, 9.5, MARGIN, y, heading);
        y += 13.0;
        for l in f.wrap(BODY, body, right - MARGIN) {
            if y > BOTTOM {
                pages.push(std::mem::take(&mut ops));
                y = MARGIN + 10.0;
            }
            text(&mut ops, false, BODY, MARGIN, y, &l);
            y += LINE;
        }
    }
    pages.push(ops);
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG.
    pub const TINY_PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00,
        0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D,
        0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    fn doc(lines: usize) -> QuoteDoc {
        QuoteDoc {
            logo: krilla::image::Image::from_png(TINY_PNG.to_vec().into(), true).ok(),
            title: "TEKLİF".into(),
            number: "T-2026-0001-R2".into(),
            watermark: Some("TASLAK".into()),
            company: vec!["Örnek Şirket A.Ş.".into(), "Kozyatağı, İstanbul".into()],
            customer_heading: "Sayın".into(),
            customer: vec!["Çağlayan Makine".into()],
            meta: vec![("Tarih".into(), "01.12.2026".into())],
            heads: ["#", "Açıklama", "Miktar", "Birim fiyat", "İsk.", "KDV", "Tutar"].map(String::from),
            lines: (0..lines)
                .map(|i| {
                    [
                        (i + 1).to_string(),
                        "Hidrolik pres için yedek conta takımı, özel ölçü".into(),
                        "3 adet".into(),
                        "1.234,56 ₺".into(),
                        "%5".into(),
                        "%20".into(),
                        "3.518,50 ₺".into(),
                    ]
                })
                .collect(),
            totals: vec![("Genel toplam".into(), "80,01 ₺".into(), true)],
            terms: vec![("Ödeme".into(), "Peşin".into())],
            page_label: "Sayfa {page} / {pages}".into(),
        }
    }

    #[test]
    fn long_quotes_break_into_pages_and_every_page_is_numbered() {
        let f = Faces {
            regular: rustybuzz::Face::from_slice(notosans::REGULAR_TTF, 0).unwrap(),
            bold: rustybuzz::Face::from_slice(notosans::BOLD_TTF, 0).unwrap(),
        };
        assert_eq!(layout(&doc(3), &f).len(), 1);
        assert!(doc(1).logo.is_some(), "the test logo decodes");
        let pages = layout(&doc(120), &f);
        assert!(pages.len() >= 3, "{}", pages.len());
        let pdf = render(&doc(120)).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        if let Ok(path) = std::env::var("KERVAN_PDF_SAMPLE") {
            std::fs::write(path, &pdf).unwrap();
        }
    }

    #[test]
    fn words_wrap_inside_their_column() {
        let f = Faces {
            regular: rustybuzz::Face::from_slice(notosans::REGULAR_TTF, 0).unwrap(),
            bold: rustybuzz::Face::from_slice(notosans::BOLD_TTF, 0).unwrap(),
        };
        let lines = f.wrap(
            9.0,
            "Şişli İstanbul Çağlayan Makine Sanayi ve Ticaret Anonim Şirketi",
            80.0,
        );
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| f.width(false, 9.0, l) <= 80.0));
        let long = f.wrap(9.0, &"x".repeat(200), 50.0);
        assert!(long.len() > 3);
    }
}
