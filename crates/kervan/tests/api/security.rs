//! The holes an outside security test found (issue 7), one test per class, on both databases:
//! open redirects, sign-in throttling, duplicate races, duplicate leaks, control characters,
//! errors outside the handlers, session lifetimes, language on GET, cache and transport headers.

use kervan_app::Config;
use kervan_store::ConnectionTrait;
use kervan_web::WebConfig;
use serde_json::{Value, json};

use crate::api_support::{account, contact, send};
use crate::db_test;
use crate::helpers::{PASSWORD, TestApp, hidden, test_config};

/// A fresh sign-in form: its CSRF cookie value and the token in the page (the same, double submit).
async fn login_form(t: &TestApp) -> (String, String) {
    let r = t.http.get(t.url("/login")).send().await.unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (kv, _) = v.split_once(';')?;
            let (k, val) = kv.split_once('=')?;
            k.ends_with("kervan_login_csrf").then(|| format!("{k}={val}"))
        })
        .expect("login CSRF cookie");
    let token = hidden(&r.text().await.unwrap(), "_csrf");
    (cookie, token)
}

/// Posts the sign-in form without a cookie jar; returns the response.
async fn post_login(
    t: &TestApp,
    form: &(String, String),
    email: &str,
    password: &str,
    next: &str,
    forwarded: Option<&str>,
) -> reqwest::Response {
    let mut r = t.http.post(t.url("/login")).header("cookie", &form.0).form(&[
        ("email", email),
        ("password", password),
        ("_csrf", &form.1),
        ("next", next),
    ]);
    if let Some(ip) = forwarded {
        r = r.header("x-forwarded-for", ip);
    }
    r.send().await.unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn sets_session(r: &reqwest::Response) -> bool {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("kervan_session=") && !v.contains("kervan_session=;"))
}

// ---- 1 and 7: redirects ----------------------------------------------------------------------

db_test!(redirects_stay_on_the_site, |t| {
    let form = login_form(t).await;
    // The hidden `next` of a successful sign-in, in every shape that left the site.
    for next in [
        "/\t/evil.example/phish",
        "/\t\\evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        let r = post_login(t, &form, "ali@ornek.com.tr", PASSWORD, next, None).await;
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(location(&r), "/", "{next:?}");
    }
    // CR/LF: no 500, no header injection, back to the start page.
    let r = post_login(t, &form, "ali@ornek.com.tr", PASSWORD, "/\r\nSet-Cookie: x=1", None).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    // A vertical tab is refused before anything happens: 400, and no session is made.
    let r = post_login(t, &form, "ali@ornek.com.tr", PASSWORD, "/\u{b}/evil.example", None).await;
    assert_eq!(r.status(), 400);
    assert!(!sets_session(&r), "a refused sign-in must not set a session");
    // A good local target is kept, with Turkish letters encoded.
    let r = post_login(t, &form, "ali@ornek.com.tr", PASSWORD, "/leads?q=Işık", None).await;
    assert_eq!(location(&r), "/leads?q=I%C5%9F%C4%B1k");

    // Signed in, `GET /login?next=…` redirects at once: same rules. A control character in a
    // query string is refused at the boundary (400 page) before the redirect is even considered.
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;
    for q in [
        "next=//evil.example",
        "next=/%5c/evil.example",
        "next=https://evil.example",
    ] {
        let r = c.get(t.url(&format!("/login?{q}"))).send().await.unwrap();
        assert_eq!(r.status(), 303, "{q}");
        assert_eq!(location(&r), "/", "{q}");
    }
    for q in ["next=/%09/evil.example/phish", "next=/%0d%0a/evil", "next=/%0b/evil"] {
        let r = c.get(t.url(&format!("/login?{q}"))).send().await.unwrap();
        assert_eq!(r.status(), 400, "{q}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    }
    // The language menu's `back` is the same class.
    for back in ["/\t/evil.example", "//evil.example", "/\r\n/x"] {
        let r = c
            .post(t.url("/account/language"))
            .form(&[("_csrf", csrf.as_str()), ("language", "tr"), ("back", back)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{back:?}");
        assert_eq!(location(&r), "/", "{back:?}");
    }
});

// ---- 2: throttling ---------------------------------------------------------------------------

db_test!(parallel_wrong_passwords_hit_the_limit, |t| {
    let form = login_form(t).await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let (base, form) = (t.base.clone(), form.clone());
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            c.post(format!("{base}/login"))
                .header("cookie", &form.0)
                .form(&[
                    ("email", "ali@ornek.com.tr"),
                    ("password", "yanlis-parola-1"),
                    ("_csrf", &form.1),
                    ("next", ""),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut counts = std::collections::BTreeMap::new();
    for task in tasks {
        *counts.entry(task.await.unwrap()).or_insert(0) += 1;
    }
    let mut checked = counts.get(&401).copied().unwrap_or(0);
    let refused = counts.get(&429).copied().unwrap_or(0);
    assert!(
        checked <= 10,
        "at most 10 passwords checked from one address: {counts:?}"
    );
    assert_eq!(checked + refused, 40, "{counts:?}");
    // Guess on one by one: the address gets exactly ten checked guesses in all, burst included.
    loop {
        let r = post_login(t, &form, "ali@ornek.com.tr", "yanlis-parola-2", "", None).await;
        match r.status().as_u16() {
            401 => checked += 1,
            429 => break,
            other => panic!("{other}"),
        }
        assert!(checked <= 10, "more than ten guesses checked");
    }
    assert_eq!(checked, 10);
    // And the right password is refused too now, from this address.
    let r = post_login(t, &form, "ali@ornek.com.tr", PASSWORD, "", None).await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
});

db_test!(own_sign_in_does_not_reset_the_address, |t| {
    let form = login_form(t).await;
    for _ in 0..9 {
        let r = post_login(t, &form, "berna@ornek.com.tr", "tahmin-123456", "", None).await;
        assert_eq!(r.status(), 401);
    }
    // The attacker signs into their own account from the same address…
    let r = post_login(t, &form, "ali@ornek.com.tr", PASSWORD, "", None).await;
    assert_eq!(r.status(), 303);
    // …which clears nothing of the address: one more guess, then the door shuts.
    let r = post_login(t, &form, "berna@ornek.com.tr", "tahmin-123456", "", None).await;
    assert_eq!(r.status(), 401);
    let r = post_login(t, &form, "berna@ornek.com.tr", "tahmin-123456", "", None).await;
    assert_eq!(r.status(), 429);
});

db_test!(
    guesses_at_one_account_from_many_addresses_slow_it_and_tell_the_admins,
    Config {
        login_account_failures: 5,
        ..test_config()
    },
    WebConfig {
        trust_proxy: true,
        ..WebConfig::default()
    },
    |t| {
        let form = login_form(t).await;
        // Seven addresses, one guess each: no address reaches its own limit.
        for i in 0..7 {
            let ip = format!("203.0.113.{i}");
            let r = post_login(t, &form, "berna@ornek.com.tr", "tahmin-123456", "", Some(&ip)).await;
            assert_eq!(r.status(), 401, "guess {i}");
        }
        // An unknown address answers exactly like a known one (no 429, no other text).
        let r = post_login(t, &form, "yok@ornek.com.tr", "tahmin-123456", "", Some("203.0.113.50")).await;
        assert_eq!(r.status(), 401);
        // The admins heard of it once, not once per guess; the rep did not.
        let n = t.get_json(&t.admin_token, "/api/v1/notifications").await;
        let items = n["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{n}");
        assert_eq!(items[0]["kind"], "login_attack");
        assert_eq!(items[0]["params"]["email"], "berna@ornek.com.tr");
        assert!(items[0]["message"].as_str().unwrap().contains("berna@ornek.com.tr"));
        assert_eq!(n["unread"], 1);
        let mine = t.get_json(&t.b_token, "/api/v1/notifications").await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 0);
        // Slowed, never locked: the rep still signs in with the right password…
        let r = post_login(t, &form, "berna@ornek.com.tr", PASSWORD, "", Some("198.51.100.7")).await;
        assert_eq!(r.status(), 303);
        // …and that cleared the account's count, not the addresses': no new warning for one more.
        let r = post_login(t, &form, "berna@ornek.com.tr", "tahmin-123456", "", Some("203.0.113.1")).await;
        assert_eq!(r.status(), 401);
        let left = kervan_store::login_failures::count_account_since(&t.app.db.conn, "berna@ornek.com.tr", 0)
            .await
            .unwrap();
        assert_eq!(left, 1);
        let by_ip = kervan_store::login_failures::count_ip_since(&t.app.db.conn, "203.0.113.1", 0)
            .await
            .unwrap();
        assert_eq!(by_ip, 2);
        // Marking read: one's own only.
        let id = items[0]["id"].as_i64().unwrap();
        let (status, _) = send(
            t.http
                .post(t.url(&format!("/api/v1/notifications/{id}/read")))
                .bearer_auth(&t.b_token),
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) = send(
            t.http
                .post(t.url(&format!("/api/v1/notifications/{id}/read")))
                .bearer_auth(&t.admin_token),
        )
        .await;
        assert_eq!(status, 204);
        assert_eq!(t.get_json(&t.admin_token, "/api/v1/notifications").await["unread"], 0);
    }
);

// ---- 4: duplicate races ----------------------------------------------------------------------

/// Fires `n` identical creates at once; returns the statuses.
async fn parallel_creates(t: &TestApp, path: &str, body: Value, n: usize) -> Vec<u16> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (url, token, body) = (t.url(path), t.a_token.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

fn tally(statuses: &[u16]) -> (usize, usize) {
    (
        statuses.iter().filter(|s| **s == 201).count(),
        statuses.iter().filter(|s| **s == 409).count(),
    )
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    kervan_store::db::scalar_i64(&t.app.db.conn, sql, vec![])
        .await
        .unwrap()
        .unwrap_or(0)
}

db_test!(parallel_creates_with_one_identity_store_one_record, |t| {
    let lead = json!({"first_name": "Yarış", "last_name": "Testi", "phone": "0532 999 88 77", "source": "fair"});
    let got = parallel_creates(t, "/api/v1/leads", lead, 30).await;
    assert_eq!(tally(&got), (1, 29), "{got:?}");
    assert_eq!(
        count(t, "SELECT COUNT(*) FROM leads WHERE phone = '+905329998877'").await,
        1
    );

    let acc = json!({"kind": "company", "name": "Yarış Makina A.Ş.", "tax_number": "3900383669"});
    let got = parallel_creates(t, "/api/v1/accounts", acc, 30).await;
    assert_eq!(tally(&got), (1, 29), "{got:?}");
    assert_eq!(
        count(t, "SELECT COUNT(*) FROM accounts WHERE tax_number = '3900383669'").await,
        1
    );

    let person = json!({"first_name": "Aynı", "last_name": "Kişi", "mobile": "0533 111 22 33"});
    let got = parallel_creates(t, "/api/v1/contacts", person, 30).await;
    assert_eq!(tally(&got), (1, 29), "{got:?}");
    assert_eq!(
        count(t, "SELECT COUNT(*) FROM contacts WHERE mobile = '+905331112233'").await,
        1
    );

    // `allow_duplicate` still stores a second one on purpose (branches share a VKN).
    let acc = json!({"kind": "company", "name": "Yarış Makina İzmir Şubesi", "tax_number": "3900383669",
                     "allow_duplicate": true});
    account(t, &t.a_token, acc).await;
    assert_eq!(
        count(t, "SELECT COUNT(*) FROM accounts WHERE tax_number = '3900383669'").await,
        2
    );
});

// ---- 5: duplicates of records the user may not see -------------------------------------------

db_test!(duplicate_warnings_do_not_reveal_hidden_records, |t| {
    let secret = t
        .lead(
            &t.a_token,
            json!({"first_name": "Gizli", "last_name": "Müşteri", "phone": "0532 444 55 66", "source": "referral"}),
        )
        .await;
    let body = json!({"company": "Başka Firma", "phone": "+90 532 444 55 66", "source": "meta"});
    let (status, p) = send(t.post(&t.b_token, "/api/v1/leads", body.clone())).await;
    assert_eq!(status, 409);
    let text = p.to_string();
    assert!(!text.contains("Gizli") && !text.contains("Ali Çelik"), "{p}");
    assert!(!text.contains(&format!("\"id\":{}", secret["id"])), "{p}");
    assert_eq!(p["duplicates"], json!([{"field": "phone", "hidden": true}]));
    assert!(p["detail"].as_str().unwrap().contains("başka bir ekibin"), "{p}");
    // The owner's manager sees the record, so is told which one it is.
    let (status, p) = send(t.post(&t.m_token, "/api/v1/leads", body.clone())).await;
    assert_eq!(status, 409);
    assert_eq!(p["duplicates"][0]["id"], secret["id"]);
    // With the explicit confirmation the rep may still save.
    let mut body = body;
    body["allow_duplicate"] = json!(true);
    let (status, _) = send(t.post(&t.b_token, "/api/v1/leads", body)).await;
    assert_eq!(status, 201);

    account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Gizli Holding A.Ş.", "tax_number": "3900383669"}),
    )
    .await;
    let (status, p) = send(t.post(
        &t.b_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "Bambaşka Ltd.", "tax_number": "3900383669"}),
    ))
    .await;
    assert_eq!(status, 409);
    assert!(!p.to_string().contains("Gizli Holding"), "{p}");
    assert_eq!(p["duplicates"][0]["field"], "tax_number");
    assert_eq!(p["duplicates"][0]["hidden"], true);

    contact(
        t,
        &t.a_token,
        json!({"first_name": "Saklı", "last_name": "Kişi", "mobile": "0535 777 66 55"}),
    )
    .await;
    let (status, p) = send(t.post(
        &t.b_token,
        "/api/v1/contacts",
        json!({"first_name": "Ben", "last_name": "Başkası", "mobile": "05357776655"}),
    ))
    .await;
    assert_eq!(status, 409);
    assert!(!p.to_string().contains("Saklı"), "{p}");
    assert_eq!(p["duplicates"], json!([{"field": "phone", "hidden": true}]));

    // The HTML form says the same and nothing more.
    let (c, csrf) = t.browser("berna@ornek.com.tr").await;
    let r = c
        .post(t.url("/leads"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("company", "Form Firma"),
            ("phone", "0532 444 55 66"),
            ("source", "fair"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("başka bir ekibin"), "hidden duplicate message");
    assert!(!page.contains("Gizli") && !page.contains(&format!("/leads/{}", secret["id"])));
});

// ---- 6 and 11: control characters and encodings ----------------------------------------------

db_test!(control_characters_and_bad_encodings_are_refused, |t| {
    let before = t.lead_count().await;
    for q in ["city=a%00b", "sector=%00", "cursor=%00abc", "q=x%01y", "source=fair%7f"] {
        let r = t.get(&t.a_token, &format!("/api/v1/leads?{q}")).send().await.unwrap();
        assert!(r.status() == 400 || r.status() == 422, "{q}: {}", r.status());
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{q}");
    }
    let r = t.get(&t.a_token, "/api/v1/accounts?city=%FF%FE").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;
    for path in ["/leads?city=a%00b", "/accounts?sector=%00", "/search?q=%00"] {
        let r = c.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.text().await.unwrap().contains("İstek anlaşılamadı"), "{path}");
    }
    // JSON: NUL anywhere is refused naming the field; a tab is fine in notes, not in a city.
    let (status, p) = send(t.post(
        &t.a_token,
        "/api/v1/leads",
        json!({"company": "X", "phone": "05321234567", "source": "fair", "notes": "a\u{0}b"}),
    ))
    .await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "notes");
    let (status, p) = send(t.post(
        &t.a_token,
        "/api/v1/leads",
        json!({"company": "X", "phone": "05321234567", "source": "fair", "city": "İst\tanbul"}),
    ))
    .await;
    assert_eq!(status, 422);
    assert_eq!(p["errors"][0]["field"], "city");
    assert_eq!(t.lead_count().await, before);
    let (status, v) = send(t.post(
        &t.a_token,
        "/api/v1/leads",
        json!({"company": "Sekme A.Ş.", "phone": "05321234567", "source": "fair", "notes": "satır 1\n\tsatır 2"}),
    ))
    .await;
    assert_eq!(status, 201);
    assert_eq!(v["notes"], "satır 1\n\tsatır 2");
    // The login e-mail with a NUL: 400, not a database error.
    let form = login_form(t).await;
    let r = post_login(t, &form, "ali\u{0}@ornek.com.tr", PASSWORD, "", None).await;
    assert_eq!(r.status(), 400);
    // Invalid UTF-8 in a form: 400, never a stored "��".
    let r = c
        .post(t.url("/leads"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "_csrf={csrf}&company=K%C3%28t%C3%BCk&phone=05321234599&source=fair"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        count(t, "SELECT COUNT(*) FROM leads WHERE company LIKE '%\u{FFFD}%'").await,
        0
    );
    assert_eq!(t.lead_count().await, before + 1);
});

// ---- 8: errors outside the handlers -----------------------------------------------------------

db_test!(every_api_error_is_problem_json, |t| {
    let problem = |r: &reqwest::Response| {
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    for path in [
        "/api/v1/leads/abc",
        "/api/v1/leads/123456789012345678901",
        "/api/v1/accounts/1.5",
    ] {
        let r = t.get(&t.a_token, path).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        assert_eq!(problem(&r), "application/problem+json", "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], 400);
        assert!(!v["detail"].as_str().unwrap().is_empty());
    }
    let r = t
        .http
        .put(t.url("/api/v1/leads"))
        .bearer_auth(&t.a_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(problem(&r), "application/problem+json");
    assert!(r.headers().get("allow").is_some());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], 405);
    // A Content-Length over the limit: 413 problem+json, before the body is read.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = t.base.trim_start_matches("http://").to_string();
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
            t.a_token,
            5 * 1024 * 1024
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = s.read(&mut buf).await.unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
        assert!(head.starts_with("http/1.1 413"), "{head}");
        assert!(head.contains("content-type: application/problem+json"), "{head}");
    }
    // Pages: a Turkish page instead.
    let (c, _) = t.browser("ali@ornek.com.tr").await;
    let r = c.get(t.url("/leads/abc")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let r = c
        .delete(t.url("/leads"))
        .header("x-csrf-token", "x")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let r = c.put(t.url("/leads")).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
});

// ---- 9: session lifetimes --------------------------------------------------------------------

db_test!(
    sessions_end_after_their_lifetime_but_not_while_in_use,
    Config {
        session_idle_ms: 60_000,
        ..test_config()
    },
    WebConfig::default(),
    |t| {
        let (c, _) = t.browser("ali@ornek.com.tr").await;
        let set = |sql: String| async move { t.app.db.conn.execute_unprepared(&sql).await.unwrap() };
        let now = kervan_core::time::now_ms();
        // In use every 20 s with a one-minute idle limit: the visit is written, the session lives.
        set(format!("UPDATE sessions SET last_seen_at = {}", now - 20_000)).await;
        let r = c.get(t.url("/leads")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let seen = count(t, "SELECT MAX(last_seen_at) FROM sessions").await;
        assert!(seen >= now, "last-seen written after a quarter of the idle limit");
        // Busy, but signed in 31 days ago: over.
        set(format!(
            "UPDATE sessions SET created_at = {}",
            now - 31 * 24 * 3600 * 1000
        ))
        .await;
        let r = c.get(t.url("/leads")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with("/login"));
        assert_eq!(count(t, "SELECT COUNT(*) FROM sessions").await, 0);
    }
);

// ---- 10: tokens after a password change; language on GET --------------------------------------

db_test!(tokens_survive_password_changes_and_get_changes_nothing, |t| {
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;
    let r = c
        .post(t.url("/account/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", "yepyeni-parola-456"),
            ("repeat_password", "yepyeni-parola-456"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = t.get(&t.a_token, "/api/v1/me").send().await.unwrap();
    assert_eq!(r.status(), 200, "an API token is a separate credential");

    let r = c.get(t.url("/leads?lang=en")).send().await.unwrap();
    assert!(r.headers().get("set-cookie").is_none(), "a GET sets nothing");
    assert!(r.text().await.unwrap().contains("<html lang=\"en\">"));
    let lang = kervan_store::users::by_id(&t.app.db.conn, t.a_id)
        .await
        .unwrap()
        .unwrap()
        .language;
    assert_eq!(lang, "tr", "a GET changes nothing");
    let page = c.get(t.url("/leads")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<html lang=\"tr\">"));
    // The language menu (a POST) stores the choice.
    let r = c
        .post(t.url("/account/language"))
        .form(&[("_csrf", csrf.as_str()), ("language", "en"), ("back", "/leads")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/leads");
    let lang = kervan_store::users::by_id(&t.app.db.conn, t.a_id)
        .await
        .unwrap()
        .unwrap()
        .language;
    assert_eq!(lang, "en");
});

// ---- 11: headers -------------------------------------------------------------------------------

db_test!(authenticated_answers_are_not_cached, |t| {
    let (c, _) = t.browser("ali@ornek.com.tr").await;
    for path in ["/", "/leads", "/accounts", "/notifications", "/leads/999999"] {
        let r = c.get(t.url(path)).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    for path in ["/api/v1/leads", "/api/v1/me", "/api/v1/leads/999999"] {
        let r = t.get(&t.a_token, path).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let r = t.http.get(t.url("/static/app.css")).send().await.unwrap();
    assert_ne!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers().get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
});

db_test!(
    behind_https_cookies_are_host_prefixed_and_hsts_is_sent,
    test_config(),
    WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    },
    |t| {
        let r = t.http.get(t.url("/login")).send().await.unwrap();
        assert!(r.headers().get("strict-transport-security").is_some());
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("__Host-kervan_login_csrf="), "{cookie}");
        assert!(cookie.contains("Secure") && cookie.contains("Path=/"), "{cookie}");
        // The prefixed cookie is the one the form checks.
        let form = login_form(t).await;
        let r = post_login(t, &form, "ali@ornek.com.tr", PASSWORD, "", None).await;
        assert_eq!(r.status(), 303);
        let session = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(session.starts_with("__Host-kervan_session="), "{session}");
        let r = t.get(&t.a_token, "/api/v1/me").send().await.unwrap();
        assert!(r.headers().get("strict-transport-security").is_some());
    }
);

db_test!(
    a_burst_across_the_windows_edge_rings_the_bell_once,
    Config {
        login_account_failures: 3,
        ..test_config()
    },
    WebConfig {
        trust_proxy: true,
        ..WebConfig::default()
    },
    |t| {
        // The admins were told a minute ago, in the previous clock bucket of the window.
        let now = kervan_core::time::now_ms();
        let window = test_config().login_window_ms;
        let key = format!("login-attack:{}:{}:u{}", t.b_id, now / window - 1, t.admin_id);
        kervan_store::db::exec(
            &t.app.db.conn,
            "INSERT INTO notifications (user_id, kind, params, link, dedupe_key, created_at) VALUES (?, 'login_attack', '{}', '/users', ?, ?)",
            vec![t.admin_id.into(), key.into(), (now - 60_000).into()],
        )
        .await
        .expect("an earlier notice");
        let form = login_form(t).await;
        for i in 0..5 {
            let ip = format!("203.0.113.{i}");
            post_login(t, &form, "berna@ornek.com.tr", "tahmin-123456", "", Some(&ip)).await;
        }
        let n = t.get_json(&t.admin_token, "/api/v1/notifications").await;
        assert_eq!(n["items"].as_array().map(Vec::len), Some(1), "{n}");
    }
);
