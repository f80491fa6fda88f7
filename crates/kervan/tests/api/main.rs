//! API and page tests, each on SQLite and PostgreSQL.

mod activities;
mod api_accounts;
mod api_contacts;
mod api_conversion;
mod api_support;
mod bulk_runs;
mod calendar;
mod conformance;
mod deals;
mod files;
mod helpers;
mod imports;
mod jobs;
mod kit;
mod mail_rules;
mod pages_bulk;
mod pages_convert_merge;
mod pages_customers;
mod pages_kit;
mod products;
mod quotes;
mod security;
mod segments;
mod tasks;

use serde_json::{Value, json};

fn ayse() -> Value {
    json!({"first_name": "Ayşe", "last_name": "Yılmaz", "company": "Anadolu Metal A.Ş.", "phone": "0532 123 45 67",
           "email": "Ayse.Yilmaz@Anadolu-Metal.com.tr", "source": "fair", "source_detail": "Metal Expo 2025",
           "city": "İSTANBUL", "tags": ["İhracat", "Sıcak"]})
}

db_test!(health_and_readiness, |t| {
    assert_eq!(
        t.http
            .get(t.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(t.http.get(t.url("/readyz")).send().await.unwrap().status(), 200);
});

db_test!(api_needs_a_valid_token, |t| {
    for token in ["", "kvn_forged", "Bearer nonsense"] {
        let r = t.get(token, "/api/v1/leads").send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], 401);
        assert!(v["detail"].as_str().unwrap().contains("API anahtarı"), "{v}");
    }
    let r = t.http.get(t.url("/api/v1/leads")).send().await.unwrap();
    assert_eq!(r.status(), 401);
});

db_test!(lead_lifecycle_through_the_api, |t| {
    let v = t.lead(&t.a_token, ayse()).await;
    assert_eq!(v["phone"], "+905321234567");
    assert_eq!(v["email"], "ayse.yilmaz@anadolu-metal.com.tr");
    assert_eq!(v["status"], "new");
    assert_eq!(v["owner_id"], t.a_id);
    assert_eq!(v["tags"], json!(["İhracat", "Sıcak"]));
    assert_eq!(v["version"], 1);
    let id = v["id"].as_i64().unwrap();

    let got: Value = t.get_json(&t.a_token, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(got["name"], "Ayşe Yılmaz");

    let r = t
        .patch(
            &t.a_token,
            &format!("/api/v1/leads/{id}"),
            json!({"version": 1, "city": "Ankara", "status": "contacted"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["city"], "Ankara");
    assert_eq!(v["version"], 2);

    // A stale version is a conflict, and nothing changes.
    let r = t
        .patch(
            &t.a_token,
            &format!("/api/v1/leads/{id}"),
            json!({"version": 1, "city": "İzmir"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["current_version"], 2);
    let got: Value = t.get_json(&t.a_token, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(got["city"], "Ankara");

    // Lost needs a reason.
    let r = t
        .patch(
            &t.a_token,
            &format!("/api/v1/leads/{id}"),
            json!({"version": 2, "status": "lost"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "lost_reason");
    // Converted is reached only by conversion.
    let r = t
        .patch(
            &t.a_token,
            &format!("/api/v1/leads/{id}"),
            json!({"version": 2, "status": "converted"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    let h: Value = t.get_json(&t.a_token, &format!("/api/v1/leads/{id}/history")).await;
    let items = h["items"].as_array().unwrap();
    let city = items
        .iter()
        .find(|e| e["field"] == "city" && e["new"] == "Ankara")
        .expect("city change in history");
    assert_eq!(city["old"], "İSTANBUL");
    assert_eq!(city["user_id"], t.a_id);
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "status" && e["old"] == "new" && e["new"] == "contacted")
    );
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "first_name" && e["old"].is_null() && e["new"] == "Ayşe")
    );
});

db_test!(bad_input_gets_clear_4xx_and_writes_nothing, |t| {
    let before = t.lead_count().await;
    let send_raw = |body: &'static str| {
        t.http
            .post(t.url("/api/v1/leads"))
            .bearer_auth(&t.a_token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = send_raw("{\"first_name\": ").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = send_raw("{\"first_name\": 42, \"source\": \"fair\"}").await.unwrap();
    assert_eq!(r.status(), 422);
    let r = send_raw("{\"company\": \"X\", \"phone\": \"05321234567\", \"source\": \"fair\", \"colour\": 1}")
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = t
        .http
        .post(t.url("/api/v1/leads"))
        .bearer_auth(&t.a_token)
        .body("company=X")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    let cases = [
        (json!({}), vec!["first_name", "phone", "source"]),
        (json!({"company": "X", "phone": "12", "source": "fair"}), vec!["phone"]),
        (
            json!({"company": "X", "email": "not-an-email", "source": "fair"}),
            vec!["email"],
        ),
        (
            json!({"company": "X", "phone": "05321234567", "source": "tv"}),
            vec!["source"],
        ),
        (
            json!({"company": "X", "phone": "05321234567", "source": "fair", "status": "won"}),
            vec!["status"],
        ),
        (
            json!({"company": "X".repeat(201), "phone": "05321234567", "source": "fair"}),
            vec!["company"],
        ),
        (
            json!({"company": "A\u{0000}B", "phone": "05321234567", "source": "fair"}),
            vec!["company"],
        ),
        (
            json!({"company": "X", "phone": "05321234567", "source": "fair", "owner_id": t.b_id}),
            vec!["owner_id"],
        ),
    ];
    for (body, fields) in cases {
        let r = t.post(&t.a_token, "/api/v1/leads", body.clone()).send().await.unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let p: Value = r.json().await.unwrap();
        let got: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for f in fields {
            assert!(got.contains(&f), "{f} missing in {p}");
        }
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| "ışğüçöİ".contains(c))
                || !p["errors"][0]["message"].as_str().unwrap().is_empty()
        );
    }
    // Too large a body: announced with Content-Length, refused before it is read.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = t.base.trim_start_matches("http://").to_string();
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
            t.a_token,
            2 * 1024 * 1024
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.unwrap();
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    }
    // Unknown filters and cursors.
    for q in [
        "status=won",
        "sort=-price",
        "limit=500",
        "cursor=zzz",
        "owner_id=abc",
        "created_from=31/31/2026",
    ] {
        let r = t.get(&t.a_token, &format!("/api/v1/leads?{q}")).send().await.unwrap();
        assert_eq!(r.status(), 422, "{q}");
    }
    let r = t.get(&t.a_token, "/api/v1/leads/abc").send().await.unwrap();
    assert!(r.status().is_client_error());
    assert_eq!(t.lead_count().await, before, "nothing may be half-written");
});

db_test!(duplicates_are_caught_by_phone_and_email, |t| {
    let first = t.lead(&t.a_token, ayse()).await;
    let body = json!({"company": "Başka Firma", "phone": "+90 (532) 123-45-67", "source": "meta"});
    // Ali's manager sees Ali's lead, so is told which one it is.
    let r = t.post(&t.m_token, "/api/v1/leads", body.clone()).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["duplicates"][0]["id"], first["id"]);
    assert_eq!(p["duplicates"][0]["field"], "phone");
    assert!(p["detail"].as_str().unwrap().contains("Ayşe Yılmaz"));
    // A rep of another team only that the phone is taken.
    let r = t.post(&t.b_token, "/api/v1/leads", body.clone()).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["duplicates"], json!([{"field": "phone", "hidden": true}]));
    let r = t
        .post(
            &t.b_token,
            "/api/v1/leads",
            json!({"company": "Y", "email": "AYSE.YILMAZ@anadolu-metal.com.tr", "source": "meta"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let mut forced = body;
    forced["allow_duplicate"] = json!(true);
    assert_eq!(
        t.post(&t.b_token, "/api/v1/leads", forced)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
});

db_test!(sales_reps_see_only_their_own_managers_their_team, |t| {
    let a = t.lead(&t.a_token, ayse()).await;
    let id = a["id"].as_i64().unwrap();
    let b = t
        .lead(
            &t.b_token,
            json!({"company": "Berna'nın Firması", "phone": "05339998877", "source": "web_form"}),
        )
        .await;

    // B cannot read, change, archive or see A's lead: 404 everywhere, and the list omits it.
    assert_eq!(
        t.get(&t.b_token, &format!("/api/v1/leads/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        t.patch(
            &t.b_token,
            &format!("/api/v1/leads/{id}"),
            json!({"version": 1, "city": "X"})
        )
        .send()
        .await
        .unwrap()
        .status(),
        404
    );
    assert_eq!(
        t.http
            .delete(t.url(&format!("/api/v1/leads/{id}")))
            .bearer_auth(&t.b_token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        t.get(&t.b_token, &format!("/api/v1/leads/{id}/history"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let list: Value = t.get_json(&t.b_token, "/api/v1/leads").await;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![b["id"].as_i64().unwrap()]);
    let s: Value = t.get_json(&t.b_token, "/api/v1/search?q=ayse").await;
    assert!(s["items"].as_array().unwrap().is_empty());

    // The manager of A's team sees A's lead but not B's; the admin sees both.
    let m: Value = t.get_json(&t.m_token, "/api/v1/leads").await;
    let ids: Vec<i64> = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id]);
    let all: Value = t.get_json(&t.admin_token, "/api/v1/leads").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    // Nobody but an admin deletes for good.
    let r = t
        .http
        .delete(t.url(&format!("/api/v1/leads/{id}?hard=true")))
        .bearer_auth(&t.a_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The page of B's lead is a 404 for A as well.
    let (c, _) = t.browser("ali@ornek.com.tr").await;
    let r = c.get(t.url(&format!("/leads/{}", b["id"]))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Sayfa bulunamadı"));
});

db_test!(search_is_turkish_insensitive_and_reads_phones, |t| {
    t.lead(&t.a_token, json!({"first_name": "ŞÜKRÜ", "last_name": "IŞIK", "phone": "0532 111 22 33", "source": "fair", "city": "İSTANBUL"})).await;
    t.lead(&t.a_token, json!({"first_name": "Mehmet", "last_name": "Kaya", "phone": "0216 555 12 12", "source": "referral", "city": "Bursa"})).await;
    let hits = |q: &str| {
        let q = q.to_string();
        async move {
            let v: Value = t
                .http
                .get(t.url("/api/v1/search"))
                .query(&[("q", q.as_str())])
                .bearer_auth(&t.a_token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    for q in [
        "sukru isik",
        "SUKRU",
        "şükrü ışık",
        "isik",
        "istanbul",
        "İstanbul",
        "0532 111 22 33",
        "+905321112233",
        "05321112233",
        "532 111 2233",
        "111 22 33",
    ] {
        assert_eq!(hits(q).await, vec!["ŞÜKRÜ IŞIK".to_string()], "query {q}");
    }
    assert_eq!(hits("bursa").await, vec!["Mehmet Kaya".to_string()]);
    assert!(hits("yok böyle biri").await.is_empty());
    // The list's quick search uses the same rules.
    let v: Value = t.get_json(&t.a_token, "/api/v1/leads?q=sukru%20isik").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
});

db_test!(keyset_pages_cover_everything_once, |t| {
    for i in 0..7 {
        t.lead(&t.a_token, json!({"company": format!("Firma {i}"), "phone": format!("0532 000 00 {:02}", 10 + i), "source": "organic", "city": if i % 2 == 0 { "Konya" } else { "Kayseri" }})).await;
    }
    for sort in ["-created_at", "created_at", "name", "-name", "-updated_at"] {
        let mut seen = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("/api/v1/leads?limit=3&sort={sort}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let v: Value = t.get_json(&t.a_token, &url).await;
            seen.extend(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["company"].as_str().unwrap().to_string()),
            );
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 7, "{sort}: {seen:?}");
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), 7, "{sort}");
        if sort == "name" {
            assert_eq!(seen.first().map(String::as_str), Some("Firma 0"));
        }
    }
    let v: Value = t.get_json(&t.a_token, "/api/v1/leads?city=Konya&source=organic").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 4);
    let v: Value = t.get_json(&t.a_token, "/api/v1/leads?created=today&status=new").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 7);
});

db_test!(archive_restore_and_admin_delete, |t| {
    let id = t.lead(&t.a_token, ayse()).await["id"].as_i64().unwrap();
    assert_eq!(
        t.http
            .delete(t.url(&format!("/api/v1/leads/{id}")))
            .bearer_auth(&t.a_token)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let v: Value = t.get_json(&t.a_token, "/api/v1/leads").await;
    assert!(v["items"].as_array().unwrap().is_empty());
    let v: Value = t.get_json(&t.a_token, "/api/v1/leads?archived=true").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let r = t
        .http
        .post(t.url(&format!("/api/v1/leads/{id}/restore")))
        .bearer_auth(&t.a_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = t
        .http
        .delete(t.url(&format!("/api/v1/leads/{id}?hard=true")))
        .bearer_auth(&t.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.get(&t.admin_token, &format!("/api/v1/leads/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
});

db_test!(forms_refuse_missing_or_forged_csrf, |t| {
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;
    assert!(!csrf.is_empty());
    let form = |token: &str| {
        vec![
            ("first_name", "Çağla".to_string()),
            ("last_name", "Doğan".into()),
            ("phone", "0532 765 43 21".into()),
            ("source", "whatsapp".into()),
            ("_csrf", token.to_string()),
        ]
    };
    let before = t.lead_count().await;
    for bad in ["", "forged", &csrf[..csrf.len() - 1]] {
        let r = c.post(t.url("/leads")).form(&form(bad)).send().await.unwrap();
        assert_eq!(r.status(), 403, "token {bad:?}");
    }
    // Without a session at all, a post goes to the sign-in page.
    let r = t.http.post(t.url("/leads")).form(&form(&csrf)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(t.lead_count().await, before);
    let r = c.post(t.url("/leads")).form(&form(&csrf)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(t.lead_count().await, before + 1);
});

db_test!(the_lead_form_keeps_input_and_explains_errors, |t| {
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;
    let r = c
        .post(t.url("/leads"))
        .form(&[("title", "Satın Alma Müdürü"), ("email", "bozuk@"), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ad ve soyad ya da firma adı yazın."), "{html}");
    assert!(html.contains("Geçerli bir e-posta adresi yazın"));
    assert!(html.contains("value=\"Satın Alma Müdürü\""), "typed values are kept");
    assert!(html.contains("value=\"bozuk@\""));

    // Save and New goes back to an empty form; Save goes to the card.
    let ok = [
        ("company", "Ege Tekstil"),
        ("phone", "0232 444 55 66"),
        ("source", "fair"),
        ("after", "new"),
        ("_csrf", &csrf),
    ];
    let r = c.post(t.url("/leads")).form(&ok).send().await.unwrap();
    // The sticky fields of the last save come along (a fair's cards are typed one after another).
    assert_eq!(r.headers()["location"], "/leads/new?ok=created&source=fair");

    // A duplicate phone shows a warning linking to the existing lead.
    let dup = [
        ("company", "Ege Tekstil 2"),
        ("phone", "+902324445566"),
        ("source", "fair"),
        ("_csrf", &csrf),
    ];
    let r = c.post(t.url("/leads")).form(&dup).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Bu telefon başka bir adayda kayıtlı"));
    assert!(html.contains(">Ege Tekstil</a>"));

    // An edit on a stale version is a friendly conflict that keeps the typed values.
    let list: Value = t.get_json(&t.a_token, "/api/v1/leads").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    t.patch(
        &t.a_token,
        &format!("/api/v1/leads/{id}"),
        json!({"version": 1, "city": "İzmir"}),
    )
    .send()
    .await
    .unwrap();
    let edit = [
        ("company", "Ege Tekstil A.Ş."),
        ("phone", "0232 444 55 66"),
        ("source", "fair"),
        ("status", "new"),
        ("owner_id", &t.a_id.to_string()),
        ("version", "1"),
        ("_csrf", &csrf),
    ];
    let r = c.post(t.url(&format!("/leads/{id}"))).form(&edit).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Bu aday siz düzenlerken değişti."));
    assert!(html.contains("value=\"Ege Tekstil A.Ş.\""));
    assert!(
        html.contains("name=\"version\" value=\"2\""),
        "saving again overwrites on purpose"
    );
});

db_test!(repeated_failed_sign_ins_are_refused, |t| {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut last = 0;
    for i in 0..12 {
        let page = c.get(t.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = helpers::hidden(&page, "_csrf");
        let r = c
            .post(t.url("/login"))
            .form(&[
                ("email", "ali@ornek.com.tr"),
                ("password", "yanlış-parola"),
                ("_csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
        if i < 10 {
            assert_eq!(last, 401, "attempt {i}");
            assert!(r.text().await.unwrap().contains("E-posta ya da parola hatalı"));
        }
    }
    assert_eq!(last, 429);
    // Even the right password is refused now, from this address.
    let page = c.get(t.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = helpers::hidden(&page, "_csrf");
    let r = c
        .post(t.url("/login"))
        .form(&[
            ("email", "ali@ornek.com.tr"),
            ("password", helpers::PASSWORD),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // A login post without its CSRF cookie/token is refused.
    let r = t
        .http
        .post(t.url("/login"))
        .form(&[("email", "ali@ornek.com.tr"), ("password", helpers::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
});

db_test!(deactivating_a_user_ends_sessions_and_tokens, |t| {
    let (c, _) = t.browser("berna@ornek.com.tr").await;
    assert_eq!(c.get(t.url("/leads")).send().await.unwrap().status(), 200);
    let (admin, csrf) = t.browser("admin@ornek.com.tr").await;
    let r = admin
        .post(t.url(&format!("/users/{}/active", t.b_id)))
        .form(&[("active", "0"), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        c.get(t.url("/leads")).send().await.unwrap().status(),
        303,
        "session ended"
    );
    assert_eq!(
        t.get(&t.b_token, "/api/v1/leads").send().await.unwrap().status(),
        401,
        "token revoked"
    );
    // A sales rep may not open the user admin.
    let (a, _) = t.browser("ali@ornek.com.tr").await;
    let r = a.get(t.url("/users")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Bu işlem için yetkiniz yok"));
});

db_test!(pages_render_for_a_signed_in_user, |t| {
    t.lead(&t.a_token, ayse()).await;
    let (c, _) = t.browser("ali@ornek.com.tr").await;
    for (path, needle) in [
        ("/", "Açık adaylarım"),
        ("/leads", "Ayşe Yılmaz"),
        ("/leads?status=open&created=7d&sort=name", "Ayşe Yılmaz"),
        ("/leads/new", "Kaydet ve Yeni"),
        ("/search?q=ayse", "Ayşe Yılmaz"),
        ("/search?q=ayse&partial=1", "Ayşe Yılmaz"),
        ("/account/password", "Şu anki parola"),
        ("/leads?lang=en", "New Lead"),
    ] {
        let r = c.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().await.unwrap().contains(needle), "{path} lacks {needle}");
    }
    let doc: Value = t
        .http
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
});
