//! Teklifler on both databases: the contract's arithmetic to the kuruş, numbers without gaps or
//! duplicates under 50 parallel creations, approvals that cannot be bypassed (edit after
//! approval, send without approval, revise), revisions and copies, the PDF's text, price lists,
//! team visibility and bad input that writes nothing.

use serde_json::{Value, json};

use crate::api_support::{account, count, delete, has_error, id, send, viewer};
use crate::db_test;
use crate::helpers::{Browser, TestApp};

/// The worked case of CONTRACT.md: 3 × 33.3333 @20 % and 1 × 0.005 @1 %, document 33.33 %.
fn worked_lines() -> Value {
    json!([
        {"description": "Danışmanlık (saat)", "quantity": "3", "unit": "saat", "unit_price": "33.3333", "kdv_rate": "20"},
        {"description": "Küçük parça", "quantity": "1", "unit_price": "0.005", "kdv_rate": "1"}
    ])
}

async fn quote(t: &TestApp, token: &str, body: Value) -> Value {
    let (s, v) = send(t.post(token, "/api/v1/quotes", body)).await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn act(t: &TestApp, token: &str, id: i64, action: &str, body: Value) -> (u16, Value) {
    send(t.post(token, &format!("/api/v1/quotes/{id}/{action}"), body)).await
}

/// The PDF's text as `pdftotext -raw` reads it (skipped with a note where poppler is missing
/// outside CI).
async fn pdf_text(t: &TestApp, token: &str, id: i64) -> Option<String> {
    let r = t
        .get(token, &format!("/api/v1/quotes/{id}/pdf"))
        .send()
        .await
        .expect("pdf");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let bytes = r.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF"));
    let dir = std::env::temp_dir().join(format!("kervan-pdf-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join(format!("q{}.pdf", rand_suffix()));
    std::fs::write(&file, &bytes).expect("write");
    match std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Err(_) if std::env::var("CI").is_err() => {
            eprintln!("pdftotext missing (apt-get install poppler-utils): the PDF's text is not checked");
            None
        }
        Err(e) => panic!("pdftotext: {e}"),
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

db_test!(quote_totals_follow_the_contract_and_numbers_follow_the_year, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Anadolu Metal A.Ş."})).await);
    let q = quote(
        t,
        &t.a_token,
        json!({"account_id": acc, "issue_date": "2026-12-01", "discount_percent": "33.33", "lines": worked_lines()}),
    )
    .await;
    assert_eq!(q["number"], "T-2026-0001", "{q}");
    assert_eq!(q["revision"], 1);
    assert_eq!(q["status"], "draft");
    let tot = &q["totals"];
    assert_eq!(tot["gross"], "100.01", "{tot}");
    assert_eq!(tot["document_discount"], "33.33");
    assert_eq!(tot["net"], "66.68");
    assert_eq!(
        tot["kdv"],
        json!([
            {"rate": "20", "base": "66.67", "amount": "13.33"},
            {"rate": "1", "base": "0.01", "amount": "0.00"}
        ])
    );
    assert_eq!(tot["grand_total"], "80.01");
    assert_eq!(q["lines"][0]["unit_price"], "33.3333");
    assert_eq!(q["lines"][1]["unit"], "adet");
    // The list's cached total is the same arithmetic.
    assert_eq!(q["grand_total"], "80.01");
    let q2 = quote(t, &t.a_token, json!({"account_id": acc, "issue_date": "2026-12-02"})).await;
    assert_eq!(q2["number"], "T-2026-0002");
    let q3 = quote(t, &t.a_token, json!({"account_id": acc, "issue_date": "2027-01-04"})).await;
    assert_eq!(q3["number"], "T-2027-0001");
    // The global search finds a number.
    let s = t.get_json(&t.a_token, "/api/v1/search?q=T-2026-0002").await;
    assert_eq!(s["quotes"].as_array().map(Vec::len), Some(1), "{s}");
    // The PDF: Turkish words and the amounts of the screen, a TASLAK while a draft.
    if let Some(text) = pdf_text(t, &t.a_token, id(&q)).await {
        for want in [
            "TEKLİF",
            "T-2026-0001",
            "Anadolu Metal A.Ş.",
            "Danışmanlık (saat)",
            "Küçük parça",
            "80,01 ₺",
            "13,33 ₺",
            "Genel toplam",
            "TASLAK",
            "Sayfa 1 / 1",
        ] {
            assert!(text.contains(want), "the PDF lacks {want:?}:\n{text}");
        }
    }
    // Quotes are never deleted, not even by an admin.
    assert_eq!(
        delete(t, &t.admin_token, &format!("/api/v1/quotes/{}?hard=true", id(&q))).await,
        422
    );
    assert_eq!(count(t, "quotes").await, 3);
});

db_test!(fifty_parallel_creations_take_fifty_consecutive_numbers, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Paralel Ltd."})).await);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let r = t.post(
                &t.a_token,
                "/api/v1/quotes",
                json!({"account_id": acc, "issue_date": "2026-06-15"}),
            );
            tokio::spawn(async move { send(r).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        let (s, v) = task.await.expect("join");
        assert_eq!(s, 201, "{v}");
        numbers.push(v["number"].as_str().unwrap_or_default().to_string());
    }
    numbers.sort();
    let want: Vec<String> = (1..=50).map(|i| format!("T-2026-{i:04}")).collect();
    assert_eq!(numbers, want);
});

db_test!(approval_cannot_be_bypassed, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Onay Makine"})).await);
    let (_, stages) = {
        let v = t.get_json(&t.a_token, "/api/v1/pipelines").await;
        (
            0,
            v["items"][0]["stages"]
                .as_array()
                .expect("stages")
                .iter()
                .map(|s| s["id"].as_i64().unwrap_or(0))
                .collect::<Vec<_>>(),
        )
    };
    let (s, d) = send(t.post(
        &t.a_token,
        "/api/v1/deals",
        json!({"name": "Pres hattı", "account_id": acc, "stage_id": stages[2]}),
    ))
    .await;
    assert_eq!(s, 201, "{d}");
    let lines = json!([
        {"description": "Hidrolik pres", "quantity": "1", "unit_price": "100000", "kdv_rate": "20", "discount_percent": "15"},
        {"description": "Kurulum", "quantity": "2", "unit_price": "2500", "kdv_rate": "20"},
        {"description": "Eğitim (ihracat)", "quantity": "1", "unit_price": "1000", "kdv_rate": "0", "kdv_exemption_reason": "İhracat istisnası"}
    ]);
    let q = quote(
        t,
        &t.a_token,
        json!({"account_id": acc, "deal_id": id(&d), "lines": lines}),
    )
    .await;
    let qid = id(&q);
    // Without approval: not sent, not accepted.
    let (s, p) = act(t, &t.a_token, qid, "send", json!({})).await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "status", "approval_required"), "{p}");
    // A status is not written through PATCH either.
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/quotes/{qid}"),
        json!({"version": q["version"], "status": "sent"}),
    ))
    .await;
    assert!(s == 422 || (s == 200 && p["status"] == "draft"), "{s} {p}");
    let (s, p) = act(t, &t.a_token, qid, "submit", json!({})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "pending_approval");
    // The requester, another team and a rep cannot approve; the team's manager can.
    let (s, p) = act(t, &t.a_token, qid, "approve", json!({})).await;
    assert_eq!(s, 403, "{p}");
    let (s, _) = act(t, &t.b_token, qid, "approve", json!({})).await;
    assert_eq!(s, 404);
    let queue = {
        let b = Browser::new(t, "mehmet@ornek.com.tr").await;
        b.page(t, "/quotes/approvals").await
    };
    assert!(queue.contains(q["number"].as_str().unwrap_or("?")), "{queue}");
    let (s, p) = act(t, &t.m_token, qid, "approve", json!({})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "approved");
    // The history names the manager who approved.
    let h = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}/history")).await;
    let approved = h["items"]
        .as_array()
        .and_then(|items| items.iter().find(|e| e["field"] == "status" && e["new"] == "approved"))
        .cloned()
        .unwrap_or_default();
    assert!(approved["user_id"].is_i64() && approved["user_id"] != t.a_id, "{h}");
    // The requester hears of it.
    let n: i64 = kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'quote_approved'",
        vec![t.a_id.into()],
    )
    .await
    .expect("count")
    .unwrap_or(0);
    assert_eq!(n, 1);
    // An edit after approval drops it: the content the manager saw is not what would go out.
    let cur = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    let mut edited = cur["lines"].clone();
    edited[0]["discount_percent"] = json!("20");
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/quotes/{qid}"),
        json!({"version": cur["version"], "lines": edited}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    let cur = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    assert_eq!(cur["status"], "pending_approval", "{cur}");
    let (s, p) = act(t, &t.a_token, qid, "send", json!({})).await;
    assert_eq!(s, 422, "{p}");
    // Even a change of terms only.
    let (s, p) = act(t, &t.m_token, qid, "approve", json!({})).await;
    assert_eq!(s, 200, "{p}");
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/quotes/{qid}"),
        json!({"version": p["version"], "payment_terms": "90 gün vade"}),
    ))
    .await;
    assert_eq!(s, 200);
    let cur = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    assert_eq!(cur["status"], "pending_approval");
    // The PDF of an unapproved quote is a TASLAK.
    if let Some(text) = pdf_text(t, &t.a_token, qid).await {
        assert!(text.contains("TASLAK"), "{text}");
    }
    // A rejection sends it back to draft with the reason.
    let (s, p) = act(t, &t.m_token, qid, "reject", json!({"reason": ""})).await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = act(t, &t.m_token, qid, "reject", json!({"reason": "İskonto çok yüksek"})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "draft");
    let (s, _) = act(t, &t.a_token, qid, "submit", json!({})).await;
    assert_eq!(s, 200);
    let (s, _) = act(t, &t.m_token, qid, "approve", json!({})).await;
    assert_eq!(s, 200);
    let (s, p) = act(t, &t.a_token, qid, "send", json!({})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "sent");
    if let Some(text) = pdf_text(t, &t.a_token, qid).await {
        assert!(!text.contains("TASLAK"), "{text}");
        assert!(
            text.contains("İhracat istisnası") || text.contains("Eğitim (ihracat)"),
            "{text}"
        );
        assert!(text.contains("%20") && text.contains("%0"), "KDV per rate: {text}");
    }
    // Sent: locked; a revision carries on with the same number.
    let cur = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/quotes/{qid}"),
        json!({"version": cur["version"], "notes": "x"}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "status", "quote_locked"), "{p}");
    let (s, r2) = act(t, &t.a_token, qid, "revise", json!({})).await;
    assert_eq!(s, 201, "{r2}");
    assert_eq!(r2["number"], cur["number"]);
    assert_eq!(r2["revision"], 2);
    assert_eq!(
        r2["display_number"],
        format!("{}-R2", cur["number"].as_str().unwrap_or_default())
    );
    assert_eq!(r2["status"], "draft");
    assert_eq!(r2["previous_id"], qid);
    // The revision needs its own approval: the old one's does not carry over.
    let (s, p) = act(t, &t.a_token, id(&r2), "send", json!({})).await;
    assert_eq!(s, 422, "{p}");
    let (s, _) = act(t, &t.a_token, qid, "revise", json!({})).await;
    assert_eq!(s, 422, "revised once");
    // Accepting R1 (the one the customer has) wins the deal.
    let (s, p) = act(t, &t.a_token, qid, "accept", json!({})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "accepted");
    let deal = t.get_json(&t.a_token, &format!("/api/v1/deals/{}", id(&d))).await;
    assert_eq!(deal["status"], "won", "{deal}");
    // A manager's own quote needs someone else: an admin.
    let own = quote(t, &t.m_token, json!({"account_id": acc, "lines": [{"description": "x", "quantity": "1", "unit_price": "10", "discount_percent": "50"}]})).await;
    let (s, _) = act(t, &t.m_token, id(&own), "submit", json!({})).await;
    assert_eq!(s, 200);
    let (s, p) = act(t, &t.m_token, id(&own), "approve", json!({})).await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "status", "own_approval"), "{p}");
    let (s, _) = act(t, &t.admin_token, id(&own), "approve", json!({})).await;
    assert_eq!(s, 200);
    // A copy has a new number and starts as a draft.
    let (s, c) = act(t, &t.a_token, qid, "copy", json!({})).await;
    assert_eq!(s, 201, "{c}");
    assert_ne!(c["number"], cur["number"]);
    assert_eq!(c["status"], "draft");
    assert_eq!(c["totals"]["grand_total"], cur["totals"]["grand_total"]);
    // The customer's revenue to date is the accepted quote.
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let tab = b.page(t, &format!("/accounts/{acc}?tab=quotes")).await;
    assert!(tab.contains("revenue-to-date"), "{tab}");
    let total = cur["totals"]["grand_total"]
        .as_str()
        .unwrap_or_default()
        .replace('.', ",");
    let (lira, kurus) = total.split_once(',').unwrap_or((&total, "00"));
    let lira: i64 = lira.parse().unwrap_or(0);
    let shown = format!("{}.{:03},{kurus} ₺", lira / 1000, lira % 1000);
    assert!(tab.contains(&shown), "{shown} in {tab}");
});

db_test!(bad_quotes_are_refused_and_write_nothing, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Hatalı Giriş"})).await);
    let before = count(t, "quotes").await;
    let line = |extra: Value| {
        let mut l = json!({"description": "Ürün", "quantity": "1", "unit_price": "10", "kdv_rate": "20"});
        for (k, v) in extra.as_object().expect("object") {
            l[k] = v.clone();
        }
        json!({"account_id": acc, "lines": [l]})
    };
    for (body, field, code) in [
        (line(json!({"quantity": "0"})), "lines[1].quantity", "must_be_positive"),
        (line(json!({"quantity": "-2"})), "lines[1].quantity", "must_be_positive"),
        (
            line(json!({"quantity": "1.2345"})),
            "lines[1].quantity",
            "too_many_decimals",
        ),
        (line(json!({"quantity": "1000001"})), "lines[1].quantity", "too_large"),
        (
            line(json!({"unit_price": "1.23456"})),
            "lines[1].unit_price",
            "too_many_decimals",
        ),
        (
            line(json!({"unit_price": "-1"})),
            "lines[1].unit_price",
            "must_not_be_negative",
        ),
        (
            line(json!({"discount_percent": "100.5"})),
            "lines[1].discount_percent",
            "too_large",
        ),
        (
            line(json!({"discount_percent": "5.125"})),
            "lines[1].discount_percent",
            "too_many_decimals",
        ),
        (line(json!({"kdv_rate": "18"})), "lines[1].kdv_rate", "invalid_choice"),
        (
            line(json!({"kdv_rate": "0"})),
            "lines[1].kdv_exemption_reason",
            "required",
        ),
        (line(json!({"quantity": "bir"})), "lines[1].quantity", "invalid_number"),
        (line(json!({"description": ""})), "lines[1].description", "required"),
        (json!({"account_id": acc, "lines": "çok"}), "lines", "invalid_type"),
        (
            json!({"account_id": acc, "currency": "GBP"}),
            "currency",
            "invalid_choice",
        ),
        (
            json!({"account_id": acc, "currency": "EUR"}),
            "exchange_rate",
            "rate_required",
        ),
        (
            json!({"account_id": acc, "discount_percent": "33.333"}),
            "discount_percent",
            "invalid_percent",
        ),
        (
            json!({"account_id": acc, "issue_date": "2026-12-10", "valid_until": "2026-12-01"}),
            "valid_until",
            "before_issue_date",
        ),
        (json!({"lines": []}), "account_id", "required"),
    ] {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/quotes", body.clone())).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert!(has_error(&p, field, code), "{body}: {p}");
    }
    // 1001 lines are too many.
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"description": "x", "quantity": "1", "unit_price": "1"}))
        .collect();
    let (s, p) = send(t.post(&t.a_token, "/api/v1/quotes", json!({"account_id": acc, "lines": many}))).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(count(t, "quotes").await, before, "nothing written, no number taken");
    // The next number is still the first: refused quotes took none.
    let q = quote(t, &t.a_token, json!({"account_id": acc, "issue_date": "2026-03-03"})).await;
    assert_eq!(q["number"], "T-2026-0001");
    // A foreign currency keeps its rate and the rate's date.
    let q = quote(
        t,
        &t.a_token,
        json!({"account_id": acc, "currency": "EUR", "exchange_rate": "35,5", "issue_date": "2026-03-04",
        "lines": [{"description": "Makine", "quantity": "1", "unit_price": "1000"}]}),
    )
    .await;
    assert_eq!(q["exchange_rate_date"], "2026-03-04");
    assert_eq!(q["totals"]["grand_total"], "1200.00");
    // Other teams see nothing; viewers create nothing; unknown actions are 404.
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/quotes/{}", id(&q)))).await;
    assert_eq!(s, 404);
    let (s, _) = act(t, &t.b_token, id(&q), "cancel", json!({})).await;
    assert_eq!(s, 404);
    let r = t
        .get(&t.b_token, &format!("/api/v1/quotes/{}/pdf", id(&q)))
        .send()
        .await
        .expect("pdf");
    assert_eq!(r.status().as_u16(), 404);
    let v = viewer(t).await;
    let (s, _) = send(t.post(&v, "/api/v1/quotes", json!({"account_id": acc}))).await;
    assert_eq!(s, 403);
    let (s, _) = act(t, &t.a_token, id(&q), "explode", json!({})).await;
    assert_eq!(s, 404);
    let (s, _) = act(t, &t.a_token, id(&q), "cancel", json!({"version": "x"})).await;
    assert_eq!(s, 400);
    let (s, p) = act(t, &t.a_token, id(&q), "cancel", json!({"version": 99})).await;
    assert_eq!(s, 409, "{p}");
    let (s, p) = act(t, &t.a_token, id(&q), "cancel", json!({})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "cancelled");
    let (s, _) = act(t, &t.a_token, id(&q), "send", json!({})).await;
    assert_eq!(s, 422, "a cancelled quote is not sent");
});

db_test!(the_line_editor_prices_from_price_lists, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Fiyat Müşterisi"})).await);
    let other = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Başka Müşteri"})).await);
    let (s, p) = send(t.post(
        &t.admin_token,
        "/api/v1/products",
        json!({"sku": "VLF-1", "name": "Vana 1\"", "list_price": "100", "unit": "adet"}),
    ))
    .await;
    assert_eq!(s, 201, "{p}");
    let prod = id(&p);
    for body in [
        json!({"label": "Kademe", "product_id": prod, "min_quantity": "10", "unit_price": "90"}),
        json!({"label": "Özel", "product_id": prod, "account_id": acc, "min_quantity": "1", "unit_price": "85"}),
        json!({"label": "Eski", "product_id": prod, "min_quantity": "1", "unit_price": "50", "valid_to": "2020-01-01"}),
    ] {
        let (s, p) = send(t.post(&t.admin_token, "/api/v1/price-lists", body)).await;
        assert_eq!(s, 201, "{p}");
    }
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/price-lists",
        json!({"label": "x", "product_id": prod, "min_quantity": "1", "unit_price": "1"}),
    ))
    .await;
    assert_eq!(s, 403, "reps do not set prices: {p}");
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let price_of = |q: &Value| q["lines"][0]["unit_price"].as_str().unwrap_or_default().to_string();
    for (customer, quantity, want, source) in [
        (acc, "2", "85", "Müşteri fiyatı"),
        (other, "12", "90", "10+ adet kademesi"),
        (other, "2", "100", "Liste fiyatı"),
    ] {
        let q = quote(t, &t.a_token, json!({"account_id": customer})).await;
        let qid = id(&q);
        let page = b.page(t, &format!("/quotes/{qid}/lines")).await;
        assert!(page.contains("data-ref-kind=\"products\""), "{page}");
        let a = b
            .post(
                t,
                &format!("/quotes/{qid}/lines"),
                &[
                    ("version", "1"),
                    ("rows", "1"),
                    ("product_0", &prod.to_string()),
                    ("quantity_0", quantity),
                ],
            )
            .await;
        assert_eq!(a.status, 303, "{}", a.body);
        let q = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
        assert_eq!(price_of(&q), want, "{q}");
        assert_eq!(q["lines"][0]["price_source"], source, "{q}");
        assert_eq!(q["lines"][0]["description"], "Vana 1\"");
        let card = b.page(t, &format!("/quotes/{qid}")).await;
        assert!(card.contains(source) && card.contains("quote-grand-total"), "{card}");
    }
    // A product typed by name (no suggestion picked) is found, Turkish-insensitively; an unknown
    // name comes back on its row.
    let q = quote(t, &t.a_token, json!({"account_id": acc})).await;
    let qid = id(&q);
    let a = b
        .post(
            t,
            &format!("/quotes/{qid}/lines"),
            &[
                ("version", "1"),
                ("rows", "1"),
                ("product_0", ""),
                ("product_0__name", "VANA 1\""),
                ("quantity_0", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let q = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    assert_eq!(q["lines"][0]["product_id"], prod, "{q}");
    assert_eq!(price_of(&q), "85");
    let a = b
        .post(
            t,
            &format!("/quotes/{qid}/lines"),
            &[
                ("version", "2"),
                ("rows", "1"),
                ("product_0", ""),
                ("product_0__name", "Olmayan ürün"),
                ("quantity_0", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.body.contains("Olmayan ürün") && a.body.contains("line-error-0-1"),
        "{}",
        a.body
    );
    // Turkish numbers on the form; a bad cell comes back on its row with the typed values.
    let q = quote(t, &t.a_token, json!({"account_id": acc})).await;
    let qid = id(&q);
    let a = b
        .post(
            t,
            &format!("/quotes/{qid}/lines"),
            &[
                ("version", "1"),
                ("rows", "2"),
                ("description_0", "Montaj"),
                ("quantity_0", "1,5"),
                ("unit_price_0", "1.234,5678"),
                ("kdv_0", "20"),
                ("description_1", "Nakliye"),
                ("quantity_1", "0"),
                ("unit_price_1", "10"),
            ],
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.body.contains("Montaj") && a.body.contains("1.234,5678") && a.body.contains("line-error-1-1"),
        "{}",
        a.body
    );
    let a = b
        .post(
            t,
            &format!("/quotes/{qid}/lines"),
            &[
                ("version", "1"),
                ("rows", "1"),
                ("description_0", "Montaj"),
                ("quantity_0", "1,5"),
                ("unit_price_0", "1.234,5678"),
                ("kdv_0", "20"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let q = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    assert_eq!(q["lines"][0]["quantity"], "1.5");
    assert_eq!(q["lines"][0]["unit_price"], "1234.5678");
    // 1.5 × 1234.5678 = 1851.8517 → 1851.85; KDV 370.37.
    assert_eq!(q["totals"]["grand_total"], "2222.22", "{q}");
    // Settings: the admin sets the format and thresholds; a rep may not.
    assert_eq!(b.get(t, "/settings/quotes").await.0, 403);
    let admin = Browser::new(t, "admin@ornek.com.tr").await;
    let page = admin.page(t, "/settings/quotes").await;
    assert!(page.contains("T-{year}-{seq:04}"), "{page}");
    let a = admin
        .post(
            t,
            "/settings/quotes",
            &[
                ("name", "Örnek A.Ş."),
                ("tax_number", "123"),
                ("number_format", "T-{year}-{seq:04}"),
                ("max_discount", "10"),
                ("max_total", "500.000"),
            ],
        )
        .await;
    assert_eq!(a.status, 422, "a bad VKN: {}", a.body);
    let a = admin
        .post(
            t,
            "/settings/quotes",
            &[
                ("name", "Örnek Sanayi A.Ş."),
                ("iban", "TR33 0006 1005 1978 6457 8413 26"),
                ("number_format", "TKL/{year}/{seq:05}"),
                ("max_discount", "12,5"),
                ("max_total", "750.000"),
                ("payment_terms", "30 gün vade"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let q = quote(t, &t.a_token, json!({"account_id": acc, "issue_date": "2026-05-05"})).await;
    assert_eq!(q["number"], "TKL/2026/00001");
    assert_eq!(q["payment_terms"], "30 gün vade");
});

db_test!(a_quote_goes_out_by_email_with_its_pdf, |t| {
    let acc = id(&account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "E-posta Makine", "email": "satinalma@eposta-makine.com.tr"}),
    )
    .await);
    let q = quote(t, &t.a_token, json!({"account_id": acc, "lines": [{"description": "Pompa", "quantity": "2", "unit_price": "1500", "kdv_rate": "20"}]})).await;
    let qid = id(&q);
    let big = quote(t, &t.a_token, json!({"account_id": acc, "lines": [{"description": "Pompa", "quantity": "1", "unit_price": "1500", "discount_percent": "40"}]})).await;
    // Not without approval; not to a bad address.
    let (s, p) = act(t, &t.a_token, id(&big), "email", json!({})).await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "status", "approval_required"), "{p}");
    let (s, p) = act(t, &t.a_token, qid, "email", json!({"to": "değil-bir-adres"})).await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "to", "invalid_email"), "{p}");
    let (s, p) = act(t, &t.a_token, qid, "email", json!({"subject": ""})).await;
    assert_eq!(s, 422, "{p}");
    // To the customer's address by default, through the outbox (no SMTP server set).
    let (s, p) = act(t, &t.a_token, qid, "email", json!({})).await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "sent");
    let outbox = kervan_app::mailing::outbox_dir(&t.app);
    let mails: Vec<String> = std::fs::read_dir(&outbox)
        .expect("outbox")
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .filter(|m| m.contains("satinalma@eposta-makine.com.tr"))
        .collect();
    assert_eq!(mails.len(), 1, "one mail to the customer");
    let mail = &mails[0];
    assert!(
        mail.contains("application/pdf") && mail.contains("attachment"),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("{}.pdf", q["number"].as_str().unwrap_or_default())),
        "{mail}"
    );
    // Logged on the customer's timeline as an e-mail.
    let tl = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{acc}/timeline"))
        .await;
    assert!(tl.to_string().contains(q["number"].as_str().unwrap_or("?")), "{tl}");
    // Another team's rep cannot mail it.
    let (s, _) = act(t, &t.b_token, qid, "email", json!({})).await;
    assert_eq!(s, 404);
    // The page: the form comes with the defaults, a bad address comes back, a good one sends.
    let q2 = quote(
        t,
        &t.a_token,
        json!({"account_id": acc, "lines": [{"description": "Filtre", "quantity": "1", "unit_price": "100"}]}),
    )
    .await;
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let card = b.page(t, &format!("/quotes/{}", id(&q2))).await;
    assert!(card.contains("quote-email"), "{card}");
    let a = b
        .post(t, &format!("/quotes/{}/email", id(&q2)), &[("version", "1")])
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.body.contains("satinalma@eposta-makine.com.tr") && a.body.contains("Sayın"),
        "{}",
        a.body
    );
    let a = b
        .post(
            t,
            &format!("/quotes/{}/email", id(&q2)),
            &[("version", "1"), ("to", "x"), ("subject", "Teklif"), ("text", "Ekte")],
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("email-errors"), "{}", a.body);
    let a = b
        .post(
            t,
            &format!("/quotes/{}/email", id(&q2)),
            &[
                ("version", "1"),
                ("to", "ayse@musteri.com.tr"),
                ("subject", "Teklifimiz"),
                ("text", "Ekte"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.location.ends_with("ok=quote-emailed"), "{}", a.location);
});

db_test!(sent_quotes_remind_their_owner_then_expire, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Süre Makine"})).await);
    let now = kervan_core::time::now_ms();
    let day = |offset: i64| {
        kervan_core::time::today_local(now + offset * 86_400_000)
            .format("%Y-%m-%d")
            .to_string()
    };
    let soon = day(2);
    let q = quote(t, &t.a_token, json!({"account_id": acc, "valid_until": soon, "lines": [{"description": "Vana", "quantity": "1", "unit_price": "10"}]})).await;
    let qid = id(&q);
    let (s, _) = act(t, &t.a_token, qid, "send", json!({})).await;
    assert_eq!(s, 200);
    // The server's own worker runs the same daily job: counts are read from what it leaves.
    kervan_app::quotes::run_expiry(&t.app).await.expect("run");
    // Reminded once, however often the job runs.
    kervan_app::quotes::run_expiry(&t.app).await.expect("run");
    let v = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    assert_eq!(v["status"], "sent", "not expired before its day");
    let n = kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'quote_expiring'",
        vec![t.a_id.into()],
    )
    .await
    .expect("count")
    .unwrap_or(0);
    assert_eq!(n, 1);
    // Past its validity it expires, and may be revised.
    let yesterday = day(-1);
    kervan_store::db::exec(
        &t.app.db.conn,
        "UPDATE quotes SET valid_until = ? WHERE id = ?",
        vec![yesterday.into(), qid.into()],
    )
    .await
    .expect("age it");
    kervan_app::quotes::run_expiry(&t.app).await.expect("run");
    let v = t.get_json(&t.a_token, &format!("/api/v1/quotes/{qid}")).await;
    assert_eq!(v["status"], "expired");
    let (s, p) = act(t, &t.a_token, qid, "accept", json!({})).await;
    assert_eq!(s, 422, "an expired quote is not accepted: {p}");
    let (s, r2) = act(t, &t.a_token, qid, "revise", json!({})).await;
    assert_eq!(s, 201, "{r2}");
});

/// A 1×1 PNG.
const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

async fn upload_logo(t: &TestApp, b: &Browser, bytes: Vec<u8>, csrf: &str) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("logo.png"));
    let r = b
        .client()
        .post(t.url("/settings/quotes/logo"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location)
}

db_test!(the_letterhead_carries_the_company_logo, |t| {
    let admin = Browser::new(t, "admin@ornek.com.tr").await;
    let csrf = admin.csrf().to_string();
    let (s, loc) = upload_logo(t, &admin, TINY_PNG.to_vec(), &csrf).await;
    assert_eq!((s, loc.as_str()), (303, "/settings/quotes?ok=logo-saved"));
    let page = admin.page(t, "/settings/quotes").await;
    assert!(page.contains("logo-remove"), "{page}");
    // Not a picture, a picture too big, a forged form, a rep: refused, the logo stays.
    let (s, loc) = upload_logo(t, &admin, b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(), &csrf).await;
    assert_eq!((s, loc.as_str()), (303, "/settings/quotes?ok=logo-not-image"));
    let mut big = TINY_PNG.to_vec();
    big.resize(600 * 1024, 0);
    let (s, loc) = upload_logo(t, &admin, big, &csrf).await;
    assert_eq!((s, loc.as_str()), (303, "/settings/quotes?ok=logo-too-large"));
    let (s, _) = upload_logo(t, &admin, TINY_PNG.to_vec(), "sahte").await;
    assert_eq!(s, 403);
    let rep = Browser::new(t, "ali@ornek.com.tr").await;
    let rep_csrf = rep.csrf().to_string();
    let (s, _) = upload_logo(t, &rep, TINY_PNG.to_vec(), &rep_csrf).await;
    assert_eq!(s, 403);
    // The quote PDF has the picture.
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Logo Müşterisi"})).await);
    let q = quote(
        t,
        &t.a_token,
        json!({"account_id": acc, "lines": [{"description": "Kalem", "quantity": "1", "unit_price": "5"}]}),
    )
    .await;
    let r = t
        .get(&t.a_token, &format!("/api/v1/quotes/{}/pdf", id(&q)))
        .send()
        .await
        .expect("pdf");
    let bytes = r.bytes().await.expect("bytes");
    let file = std::env::temp_dir().join(format!("kervan-logo-{}-{}.pdf", std::process::id(), id(&q)));
    std::fs::write(&file, &bytes).expect("write");
    match std::process::Command::new("pdfimages").arg("-list").arg(&file).output() {
        Ok(o) => {
            let list = String::from_utf8_lossy(&o.stdout);
            assert!(
                list.lines().count() >= 3,
                "one image listed after the two header lines:\n{list}"
            );
        }
        Err(_) => eprintln!("pdfimages missing: the logo in the PDF is not checked"),
    }
    let a = admin.post(t, "/settings/quotes/logo/remove", &[]).await;
    assert_eq!(a.status, 303);
    let page = admin.page(t, "/settings/quotes").await;
    assert!(!page.contains("id=\"logo-remove\""), "{page}");
});
