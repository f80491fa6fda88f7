//! The conversion and merge screens, through the browser's forms (session, CSRF), on both databases.

use serde_json::{Value, json};

use crate::api_support::{account, contact, id, send};
use crate::db_test;
use crate::helpers::hidden;

async fn text(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

db_test!(convert_screen_offers_the_existing_customer_then_converts, |t| {
    let lead = t
        .lead(
            &t.a_token,
            json!({"first_name": "Şükrü", "last_name": "Işık", "company": "IŞIK TEKSTİL SAN. VE TİC. A.Ş.",
                   "phone": "0532 111 22 33", "email": "sukru@isiktekstil.com.tr", "source": "fair",
                   "city": "Bursa", "sector": "Tekstil", "tags": ["Fuar"]}),
        )
        .await;
    let lead_id = id(&lead);
    // The same company, written differently, is already a customer of the same rep.
    let existing = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Işık Tekstil Sanayi ve Ticaret AŞ", "city": "Bursa"}),
    )
    .await;
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;

    // The lead card offers the conversion.
    let (s, card) = text(&c, t.url(&format!("/leads/{lead_id}"))).await;
    assert_eq!(s, 200);
    assert!(card.contains(&format!("/leads/{lead_id}/convert")), "no convert button");

    let (s, page) = text(&c, t.url(&format!("/leads/{lead_id}/convert"))).await;
    assert_eq!(s, 200);
    assert!(page.contains("zaten kayıtlı olabilir"), "{page}");
    assert!(page.contains("Işık Tekstil Sanayi ve Ticaret AŞ"));
    assert!(page.contains("benzer unvan"));
    // The existing customer is pre-selected: a duplicate is the costlier mistake.
    assert!(page.contains(&format!("value=\"{}\" checked", id(&existing))), "{page}");
    assert!(page.contains("0532 111 22 33"), "preview shows the mobile");

    // Without the CSRF token nothing happens.
    let version = hidden(&page, "version");
    let r = c
        .post(t.url(&format!("/leads/{lead_id}/convert")))
        .form(&[("version", version.as_str()), ("target", "new")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let l = t.get_json(&t.a_token, &format!("/api/v1/leads/{lead_id}")).await;
    assert_eq!(l["status"], "new");

    // A made-up target is a bad request, not a crash.
    let r = c
        .post(t.url(&format!("/leads/{lead_id}/convert")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("target", "abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Attach to the existing customer.
    let target = id(&existing).to_string();
    let r = c
        .post(t.url(&format!("/leads/{lead_id}/convert")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("target", target.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, format!("/accounts/{}?ok=converted", id(&existing)));
    let l = t.get_json(&t.a_token, &format!("/api/v1/leads/{lead_id}")).await;
    assert_eq!(l["status"], "converted");
    assert_eq!(l["account_id"], id(&existing));
    let people = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}/contacts", id(&existing)))
        .await;
    let items = people["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{people}");
    assert_eq!(items[0]["first_name"], "Şükrü");
    assert_eq!(items[0]["mobile"], "+905321112233");
    assert!(
        items[0]["last_contact_at"].is_null(),
        "converting is not talking to them (only held activities are)"
    );
    let (_, card) = text(&c, t.url(&format!("/accounts/{}?tab=contacts", id(&existing)))).await;
    assert!(card.contains("Kayıtlı görüşme yok"), "{card}");

    // The lead card now links to what it became, and the convert screen sends there.
    let (_, card) = text(&c, t.url(&format!("/leads/{lead_id}"))).await;
    assert!(card.contains(&format!("/accounts/{}", id(&existing))));
    assert!(
        !card.contains(&format!("/leads/{lead_id}/convert\"")),
        "no second conversion"
    );
    let r = c.get(t.url(&format!("/leads/{lead_id}/convert"))).send().await.unwrap();
    assert_eq!(r.status(), 303);

    // Another team's rep cannot see the screen at all.
    let other = t
        .lead(
            &t.a_token,
            json!({"company": "Başka Firma", "phone": "0212 555 44 33", "source": "phone"}),
        )
        .await;
    let (cb, _) = t.browser("berna@ornek.com.tr").await;
    let (s, _) = text(&cb, t.url(&format!("/leads/{}/convert", id(&other)))).await;
    assert_eq!(s, 404);
});

db_test!(convert_screen_creates_a_new_customer_when_nothing_matches, |t| {
    let lead = t
        .lead(
            &t.a_token,
            json!({"company": "Zirve Makine Ltd. Şti.", "phone": "0224 333 22 11", "source": "web_form"}),
        )
        .await;
    let lead_id = id(&lead);
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;
    let (_, page) = text(&c, t.url(&format!("/leads/{lead_id}/convert"))).await;
    assert!(!page.contains("zaten kayıtlı olabilir"));
    assert!(
        page.contains("yalnızca müşteri oluşturulur"),
        "no person on the lead: no contact"
    );
    let version = hidden(&page, "version");
    let r = c
        .post(t.url(&format!("/leads/{lead_id}/convert")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("target", "new"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let l = t.get_json(&t.a_token, &format!("/api/v1/leads/{lead_id}")).await;
    let acc = l["account_id"].as_i64().expect("linked");
    assert!(l["contact_id"].is_null());
    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc}")).await;
    assert_eq!(a["name"], "Zirve Makine Ltd. Şti.");
    assert_eq!(a["phone"], "+902243332211");
    assert_eq!(a["lead_id"], lead_id);

    // A stale version (someone converted or edited meanwhile) is explained, not lost.
    let lead2 = t
        .lead(
            &t.a_token,
            json!({"company": "Ekin Gıda A.Ş.", "phone": "0312 444 55 66", "source": "phone"}),
        )
        .await;
    let r = c
        .post(t.url(&format!("/leads/{}/convert", id(&lead2))))
        .form(&[("_csrf", csrf.as_str()), ("version", "7"), ("target", "new")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("değiştirildi"));
});

/// Two accounts of one company, each with a person and an address.
async fn twins(t: &crate::helpers::TestApp) -> (Value, Value) {
    let a = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Doruk Metal San. Tic. A.Ş.", "city": "Kocaeli", "tax_number": "1234567890",
               "potential": "high"}),
    )
    .await;
    let b = send(t.post(
        &t.a_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "DORUK METAL SANAYİ VE TİCARET A.Ş.", "city": "İzmit",
               "phone": "0262 111 22 33", "website": "dorukmetal.com.tr", "allow_duplicate": true}),
    ))
    .await
    .1;
    contact(
        t,
        &t.a_token,
        json!({"account_id": id(&b), "first_name": "Gül", "last_name": "Şen", "title": "Satın Alma Müdürü"}),
    )
    .await;
    let (s, _) = send(t.post(
        &t.a_token,
        &format!("/api/v1/accounts/{}/addresses", id(&b)),
        json!({"kind": "delivery", "line": "Organize Sanayi Bölgesi 3. Cadde No: 5", "city": "Kocaeli",
               "district": "Gebze", "postal_code": "41400"}),
    ))
    .await;
    assert_eq!(s, 201);
    (a, b)
}

db_test!(merge_screen_picks_fields_and_moves_everything, |t| {
    let (a, b) = twins(t).await;
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;

    // Step one suggests the look-alike.
    let (s, page) = text(&c, t.url(&format!("/accounts/{}/merge", id(&a)))).await;
    assert_eq!(s, 200);
    assert!(
        page.contains(&format!("/accounts/{}/merge?with={}", id(&a), id(&b))),
        "{page}"
    );
    // And a search finds others by folded name.
    let (_, page) = text(&c, t.url(&format!("/accounts/{}/merge?q=doruk", id(&a)))).await;
    assert!(page.contains("DORUK METAL SANAYİ VE TİCARET A.Ş."));

    // Step two: field by field.
    let (s, page) = text(&c, t.url(&format!("/accounts/{}/merge?with={}", id(&a), id(&b)))).await;
    assert_eq!(s, 200);
    assert!(page.contains("name=\"pick_name\""), "names differ: a choice");
    assert!(page.contains("name=\"pick_city\""));
    assert!(
        !page.contains("name=\"pick_phone\""),
        "only one side has a phone: no choice, it is kept"
    );
    // What points at the merged record is counted: its person and its address.
    assert!(page.contains("İlgili Kişiler (Müşteri): 1 kayıt taşınır"), "{page}");
    assert!(page.contains("Adresler: 1 kayıt taşınır"), "{page}");
    let version = hidden(&page, "version");
    let other_version = hidden(&page, "other_version");
    let with = id(&b).to_string();

    // Missing CSRF: refused, nothing merged.
    let r = c
        .post(t.url(&format!("/accounts/{}/merge", id(&a))))
        .form(&[
            ("with", with.as_str()),
            ("version", &version),
            ("other_version", &other_version),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let r = c
        .post(t.url(&format!("/accounts/{}/merge", id(&a))))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("with", with.as_str()),
            ("version", &version),
            ("other_version", &other_version),
            ("pick_name", "a"),
            ("pick_city", "b"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let merged: Value = t.get_json(&t.a_token, &format!("/api/v1/accounts/{}", id(&a))).await;
    assert_eq!(merged["name"], "Doruk Metal San. Tic. A.Ş.");
    assert_eq!(merged["city"], "İzmit", "picked from the other record");
    assert_eq!(merged["phone"], "+902621112233", "gap filled from the other record");
    assert_eq!(merged["tax_number"], "1234567890");
    let people = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}/contacts", id(&a)))
        .await;
    assert_eq!(people["items"].as_array().map(Vec::len), Some(1));
    let places = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}/addresses", id(&a)))
        .await;
    assert_eq!(places["items"].as_array().map(Vec::len), Some(1), "{places}");
    let gone = t.get_json(&t.a_token, &format!("/api/v1/accounts/{}", id(&b))).await;
    assert!(!gone["archived_at"].is_null(), "the merged record is archived");
    let h: Value = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}/history", id(&a)))
        .await;
    assert!(h.to_string().contains("merged_from"), "{h}");
    let h: Value = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}/history", id(&b)))
        .await;
    assert!(h.to_string().contains("merged_into"), "{h}");

    // A rep of the other team cannot open the screen.
    let (cb, _) = t.browser("berna@ornek.com.tr").await;
    let (s, _) = text(&cb, t.url(&format!("/accounts/{}/merge", id(&a)))).await;
    assert_eq!(s, 404);
    // Garbage in the form is a 400, not a crash.
    let r = c
        .post(t.url(&format!("/accounts/{}/merge", id(&a))))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("with", "x"),
            ("version", "1"),
            ("other_version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
});

db_test!(contact_merge_screen, |t| {
    let acc = account(t, &t.a_token, json!({"kind": "company", "name": "Ufuk Lojistik A.Ş."})).await;
    let x = contact(
        t,
        &t.a_token,
        json!({"account_id": id(&acc), "first_name": "Zeynep", "last_name": "Kaya", "mobile": "0533 222 11 00"}),
    )
    .await;
    let y = send(t.post(
        &t.a_token,
        "/api/v1/contacts",
        json!({"account_id": id(&acc), "first_name": "Zeynep", "last_name": "Kaya", "whatsapp": "+90 533 222 11 00",
               "email": "zeynep@ufuklojistik.com", "allow_duplicate": true}),
    ))
    .await
    .1;
    let (c, csrf) = t.browser("ali@ornek.com.tr").await;
    let (_, page) = text(&c, t.url(&format!("/contacts/{}/merge", id(&x)))).await;
    assert!(
        page.contains(&format!("?with={}", id(&y))),
        "same number suggested: {page}"
    );
    let (_, page) = text(&c, t.url(&format!("/contacts/{}/merge?with={}", id(&x), id(&y)))).await;
    let r = c
        .post(t.url(&format!("/contacts/{}/merge", id(&x))))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("with", id(&y).to_string().as_str()),
            ("version", hidden(&page, "version").as_str()),
            ("other_version", hidden(&page, "other_version").as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let kept = t.get_json(&t.a_token, &format!("/api/v1/contacts/{}", id(&x))).await;
    assert_eq!(kept["email"], "zeynep@ufuklojistik.com");
    assert_eq!(kept["whatsapp"], "+905332221100");
    let gone = t.get_json(&t.a_token, &format!("/api/v1/contacts/{}", id(&y))).await;
    assert!(!gone["archived_at"].is_null());
});

db_test!(global_search_finds_customers_and_people, |t| {
    let acc = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "ŞÜKRÜ IŞIK OTOMOTİV A.Ş.", "phone": "0216 444 33 22", "city": "İSTANBUL"}),
    )
    .await;
    contact(
        t,
        &t.a_token,
        json!({"account_id": id(&acc), "first_name": "Çağla", "last_name": "Öztürk", "mobile": "0544 123 45 67"}),
    )
    .await;
    let (c, _) = t.browser("ali@ornek.com.tr").await;
    let (_, html) = text(&c, t.url("/search?q=sukru+isik&partial=1")).await;
    assert!(html.contains("ŞÜKRÜ IŞIK OTOMOTİV A.Ş."), "{html}");
    let (_, html) = text(&c, t.url("/search?q=0544+123+4567")).await;
    assert!(html.contains("Çağla Öztürk"), "{html}");
    assert!(
        html.contains("ŞÜKRÜ IŞIK OTOMOTİV A.Ş."),
        "the person's company is shown"
    );
    let (_, html) = text(&c, t.url("/search?q=cagla")).await;
    assert!(html.contains("Çağla Öztürk"));
    // Someone else's customers stay out of another team's results.
    let (cb, _) = t.browser("berna@ornek.com.tr").await;
    let (_, html) = text(&cb, t.url("/search?q=sukru+isik")).await;
    assert!(!html.contains("ŞÜKRÜ IŞIK OTOMOTİV"));
});

db_test!(top_bar_new_button_follows_the_page, |t| {
    let (c, _) = t.browser("ali@ornek.com.tr").await;
    for (page, target) in [
        ("/accounts", "/accounts/new"),
        ("/contacts", "/contacts/new"),
        ("/leads", "/leads/new"),
        ("/", "/leads/new"),
    ] {
        let (s, html) = text(&c, t.url(page)).await;
        assert_eq!(s, 200, "{page}");
        // A sales rep may create all three: a menu, with what the page is about first.
        let menu = html
            .split("id=\"quick-new-menu\">")
            .nth(1)
            .and_then(|m| m.split("</div>").next())
            .unwrap_or_default();
        let first = menu.split("href=\"").nth(1).and_then(|s| s.split('"').next());
        assert_eq!(first, Some(target), "on {page}");
        for other in ["/leads/new", "/accounts/new", "/contacts/new"] {
            assert!(menu.contains(other), "{other} missing on {page}");
        }
    }
});

db_test!(dashboard_counts_my_customers, |t| {
    account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Atlas Kalıp Ltd. Şti."}),
    )
    .await;
    account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Eski Müşteri A.Ş.", "lifecycle": "passive"}),
    )
    .await;
    account(
        t,
        &t.b_token,
        json!({"kind": "company", "name": "Başkasının Firması A.Ş."}),
    )
    .await;
    let (c, _) = t.browser("ali@ornek.com.tr").await;
    let (_, html) = text(&c, t.url("/")).await;
    let n = html
        .split("id=\"my-accounts\">")
        .nth(1)
        .and_then(|s| s.split('<').next());
    assert_eq!(
        n,
        Some("1"),
        "one working customer of Ali's (the passive one and Berna's do not count)"
    );
    let (s, list) = text(&c, t.url(&format!("/accounts?owner_id={}", t.a_id))).await;
    assert_eq!(s, 200);
    assert!(list.contains("Atlas Kalıp Ltd. Şti."));
});
