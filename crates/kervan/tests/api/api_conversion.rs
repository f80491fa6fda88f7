//! Lead conversion through the API, the conversion report and the search across modules. Each
//! test runs on SQLite and PostgreSQL.

use serde_json::{Value, json};

use crate::api_support::*;
use crate::db_test;

fn ayse() -> Value {
    json!({"first_name": "Ayşe", "last_name": "Yılmaz", "company": "Anadolu Metal A.Ş.", "title": "Satın Alma Müdürü",
           "phone": "0532 123 45 67", "email": "Ayse.Yilmaz@Anadolu-Metal.com.tr", "source": "fair",
           "source_detail": "Metal Expo 2025", "city": "Bursa", "sector": "Metal", "tags": ["İhracat", "Sıcak"],
           "notes": "Fuarda standımıza uğradı.\nTeklif bekliyor."})
}

async fn convert(t: &crate::helpers::TestApp, token: &str, lead: i64, body: Value) -> (u16, Value) {
    send(t.post(token, &format!("/api/v1/leads/{lead}/convert"), body)).await
}

db_test!(conversion_carries_every_field_and_links_both_ways, |t| {
    let lead = t.lead(&t.a_token, ayse()).await;
    let lid = id(&lead);
    assert!(lead["account_id"].is_null() && lead["contact_id"].is_null() && lead["converted_at"].is_null());

    // The preview: no similar account, and what would be created.
    let p = t.get_json(&t.a_token, &format!("/api/v1/leads/{lid}/convert")).await;
    assert_eq!(p["matches"], json!([]));
    assert_eq!(p["version"], 1);
    assert_eq!(p["account"]["name"], "Anadolu Metal A.Ş.");
    assert_eq!(p["account"]["kind"], "company");
    assert_eq!(p["contact"]["mobile"], "+905321234567");
    assert!(p["contact"]["phone"].is_null());

    let (s, v) = convert(t, &t.a_token, lid, json!({"create_deal": false})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["account_created"], true);
    assert!(v["deal_id"].is_null());
    let (acc_id, con_id) = (
        v["account_id"].as_i64().expect("account"),
        v["contact_id"].as_i64().expect("contact"),
    );

    let l = t.get_json(&t.a_token, &format!("/api/v1/leads/{lid}")).await;
    assert_eq!(l["status"], "converted");
    assert_eq!(l["account_id"], acc_id);
    assert_eq!(l["contact_id"], con_id);
    assert!(l["converted_at"].is_string());

    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc_id}")).await;
    assert_eq!(a["kind"], "company");
    assert_eq!(a["name"], "Anadolu Metal A.Ş.");
    assert_eq!(a["phone"], "+905321234567");
    assert_eq!(a["email"], "ayse.yilmaz@anadolu-metal.com.tr");
    assert_eq!(a["city"], "Bursa");
    assert_eq!(a["sector"], "Metal");
    assert_eq!(a["owner_id"], t.a_id);
    assert_eq!(a["tags"], json!(["İhracat", "Sıcak"]));
    assert_eq!(a["notes"], "Fuarda standımıza uğradı.\nTeklif bekliyor.");
    assert_eq!(a["lead_id"], lid);
    // A conversion is no conversation: "Son görüşme" comes from held activities only.
    assert!(a["last_contact_at"].is_null(), "{a}");

    let c = t.get_json(&t.a_token, &format!("/api/v1/contacts/{con_id}")).await;
    assert_eq!(c["first_name"], "Ayşe");
    assert_eq!(c["last_name"], "Yılmaz");
    assert_eq!(c["title"], "Satın Alma Müdürü");
    assert_eq!(c["email"], "ayse.yilmaz@anadolu-metal.com.tr");
    assert_eq!(c["mobile"], "+905321234567");
    assert!(c["phone"].is_null());
    assert_eq!(c["account_id"], acc_id);
    assert_eq!(c["account_name"], "Anadolu Metal A.Ş.");
    assert_eq!(c["owner_id"], t.a_id);
    assert_eq!(c["tags"], json!(["İhracat", "Sıcak"]));
    assert_eq!(c["notes"], "Fuarda standımıza uğradı.\nTeklif bekliyor.");
    assert_eq!(c["lead_id"], lid);

    // The lead's history records it.
    let h = t.get_json(&t.a_token, &format!("/api/v1/leads/{lid}/history")).await;
    let items = h["items"].as_array().expect("items");
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "status" && e["old"] == "new" && e["new"] == "converted")
    );
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "account_id" && e["new"].as_str() == Some(acc_id.to_string().as_str()))
    );

    // Twice: refused, and nothing more is written.
    let before = counts(t).await;
    let (s, p) = convert(
        t,
        &t.a_token,
        lid,
        json!({"create_deal": false, "allow_duplicate": true}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "status", "already_converted"), "{p}");
    let (s, p) = send(t.get(&t.a_token, &format!("/api/v1/leads/{lid}/convert"))).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "status", "already_converted"), "{p}");
    assert_eq!(counts(t).await, before);

    // It leaves the open-leads views; a patch that echoes the link fields back is fine.
    let open = t.get_json(&t.a_token, "/api/v1/leads?status=open").await;
    assert!(!ids(&open).contains(&lid));
    let conv = t.get_json(&t.a_token, "/api/v1/leads?status=converted").await;
    assert_eq!(ids(&conv), vec![lid]);
    let mut echo = l.clone();
    echo["notes"] = json!("Dönüştürüldü.");
    let (s, v) = send(t.patch(&t.a_token, &format!("/api/v1/leads/{lid}"), echo)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["account_id"], acc_id);
});

db_test!(conversion_shapes_follow_the_lead, |t| {
    // A landline goes to the contact's office phone.
    let l = t
        .lead(
            &t.a_token,
            json!({"first_name": "Kemal", "last_name": "Demir", "company": "Demir Döküm Ltd. Şti.",
                   "phone": "0216 555 12 12", "source": "phone"}),
        )
        .await;
    let (s, v) = convert(t, &t.a_token, id(&l), json!({})).await;
    assert_eq!(s, 201, "{v}");
    let c = t
        .get_json(&t.a_token, &format!("/api/v1/contacts/{}", v["contact_id"]))
        .await;
    assert_eq!(c["phone"], "+902165551212");
    assert!(c["mobile"].is_null());
    // A foreign number is never taken for a Turkish mobile, even when it starts with 5.
    let l = t
        .lead(
            &t.a_token,
            json!({"first_name": "João", "last_name": "Silva", "company": "Silva Importação",
                   "phone": "+55 11 3333 4444", "source": "email"}),
        )
        .await;
    let (s, v) = convert(t, &t.a_token, id(&l), json!({})).await;
    assert_eq!(s, 201, "{v}");
    let c = t
        .get_json(&t.a_token, &format!("/api/v1/contacts/{}", v["contact_id"]))
        .await;
    assert_eq!(c["phone"], "+551133334444");
    assert!(c["mobile"].is_null(), "{c}");
    // Only a company: an account and no contact.
    let l = t
        .lead(
            &t.a_token,
            json!({"company": "Yalnız Firma A.Ş.", "email": "info@yalnizfirma.com.tr", "source": "web_form"}),
        )
        .await;
    let (s, v) = convert(
        t,
        &t.a_token,
        id(&l),
        json!({"create_deal": true, "deal_name": "İlk sipariş", "amount": "250.000,00"}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert!(v["contact_id"].is_null());
    assert!(v["deal_id"].is_i64(), "{v}");
    // Only a person: an individual customer named after them.
    let l = t
        .lead(
            &t.a_token,
            json!({"first_name": "Elif", "last_name": "Kaya", "email": "elif.kaya@gmail.com", "source": "meta"}),
        )
        .await;
    let (s, v) = convert(t, &t.a_token, id(&l), json!({"version": 1})).await;
    assert_eq!(s, 201, "{v}");
    let a = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}", v["account_id"]))
        .await;
    assert_eq!(a["kind"], "individual");
    assert_eq!(a["name"], "Elif Kaya");
    // Stale version, bad deal fields.
    let l = t
        .lead(
            &t.a_token,
            json!({"first_name": "Can", "last_name": "Er", "phone": "05051112233", "source": "referral"}),
        )
        .await;
    let before = counts(t).await;
    let (s, p) = convert(t, &t.a_token, id(&l), json!({"version": 5})).await;
    assert_eq!(s, 409);
    assert_eq!(p["current_version"], 1);
    let (s, p) = convert(t, &t.a_token, id(&l), json!({"amount": "çok"})).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "amount", "invalid_money"), "{p}");
    let (s, p) = convert(t, &t.a_token, id(&l), json!({"deal_name": "x".repeat(201)})).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "deal_name", "too_long"), "{p}");
    let (s, _) = convert(t, &t.a_token, id(&l), json!({"create_deal": "yes"})).await;
    assert_eq!(s, 422);
    let (s, _) = convert(t, &t.a_token, id(&l), json!({"account": 1})).await;
    assert_eq!(s, 422);
    let (s, _) = send(
        t.http
            .post(t.url(&format!("/api/v1/leads/{}/convert", id(&l))))
            .bearer_auth(&t.a_token)
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(convert(t, &t.a_token, 999_999, json!({})).await.0, 404);
    assert_eq!(counts(t).await, before);
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/leads/{}", id(&l))).await["status"],
        "new"
    );
});

db_test!(conversion_offers_the_existing_account, |t| {
    let existing = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Metal Sanayi ve Ticaret A.Ş.", "email": "info@anadolu-metal.com.tr"}),
    )
    .await;
    let eid = id(&existing);
    let lead = t.lead(&t.a_token, ayse()).await;
    let lid = id(&lead);
    let p = t.get_json(&t.a_token, &format!("/api/v1/leads/{lid}/convert")).await;
    assert_eq!(p["matches"][0]["id"], eid, "{p}");

    let before = counts(t).await;
    let (s, p) = convert(t, &t.a_token, lid, json!({"create_deal": false})).await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["duplicates"][0]["id"], eid);
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("Anadolu Metal Sanayi"),
        "{p}"
    );
    assert_eq!(counts(t).await, before, "nothing half-written");
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/leads/{lid}")).await["status"],
        "new"
    );

    // Attach to it.
    let (s, v) = convert(t, &t.a_token, lid, json!({"create_deal": false, "account_id": eid})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["account_id"], eid);
    assert_eq!(v["account_created"], false);
    let c = t
        .get_json(&t.a_token, &format!("/api/v1/contacts/{}", v["contact_id"]))
        .await;
    assert_eq!(c["account_id"], eid);
    let people = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{eid}/contacts"))
        .await;
    assert_eq!(ids(&people), vec![v["contact_id"].as_i64().unwrap_or_default()]);
    let h = t.get_json(&t.a_token, &format!("/api/v1/accounts/{eid}/history")).await;
    assert!(
        h["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["field"] == "converted_lead")
    );

    // Or create a new account anyway.
    let mut other = ayse();
    other["phone"] = json!("0533 000 00 01");
    other["email"] = json!("mehmet@anadolu-metal.com.tr");
    other["first_name"] = json!("Mehmet");
    let lead2 = t.lead(&t.a_token, other).await;
    let (s, _) = convert(t, &t.a_token, id(&lead2), json!({})).await;
    assert_eq!(s, 409);
    let (s, v) = convert(t, &t.a_token, id(&lead2), json!({"allow_duplicate": true})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["account_created"], true);
    assert_ne!(v["account_id"], eid);

    // An archived account is not a place to attach.
    let mut third = ayse();
    third["phone"] = json!("0533 000 00 02");
    third["email"] = json!("can@baska.com.tr");
    third["company"] = json!("Başka Firma");
    let lead3 = t.lead(&t.a_token, third).await;
    assert_eq!(delete(t, &t.a_token, &format!("/api/v1/accounts/{eid}")).await, 204);
    let (s, p) = convert(t, &t.a_token, id(&lead3), json!({"account_id": eid})).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "account_id", "invalid_choice"), "{p}");
});

db_test!(conversion_respects_permissions, |t| {
    let lead = t.lead(&t.a_token, ayse()).await;
    let lid = id(&lead);
    let before = counts(t).await;
    // Another team's rep: the lead does not exist for them.
    assert_eq!(convert(t, &t.b_token, lid, json!({})).await.0, 404);
    assert_eq!(
        send(t.get(&t.b_token, &format!("/api/v1/leads/{lid}/convert"))).await.0,
        404
    );
    // A viewer sees the lead but may not convert it.
    let v = viewer(t).await;
    assert_eq!(convert(t, &v, lid, json!({})).await.0, 403);
    // B cannot attach B's own lead to A's account.
    let acc = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Metal Sanayi A.Ş.", "email": "info@anadolu-metal.com.tr"}),
    )
    .await;
    let blead = t
        .lead(
            &t.b_token,
            json!({"first_name": "Berk", "last_name": "Acar", "phone": "05427778899", "source": "organic"}),
        )
        .await;
    let (s, p) = convert(t, &t.b_token, id(&blead), json!({"account_id": id(&acc)})).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "account_id", "invalid_choice"), "{p}");
    // B's conversion offers no match B cannot see: A's similar account stays hidden.
    let mut similar = ayse();
    similar["phone"] = json!("0542 000 11 22");
    similar["email"] = json!("berk@anadolu-metal.com.tr");
    let blead2 = t.lead(&t.b_token, similar).await;
    let p = t
        .get_json(&t.b_token, &format!("/api/v1/leads/{}/convert", id(&blead2)))
        .await;
    assert_eq!(p["matches"], json!([]));
    let mut after = counts(t).await;
    // Only A's account was written meanwhile.
    after[0] -= 1;
    after[5] = before[5];
    assert_eq!(after, before);
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/leads/{lid}")).await["status"],
        "new"
    );
});

db_test!(conversion_rates_by_source, |t| {
    let mk = |first: &str, phone: &str, source: &str| json!({"first_name": first, "last_name": "Test", "phone": phone, "source": source});
    let l1 = t.lead(&t.a_token, mk("Bir", "05300000001", "fair")).await;
    t.lead(&t.a_token, mk("İki", "05300000002", "fair")).await;
    t.lead(&t.a_token, mk("Üç", "05300000003", "meta")).await;
    t.lead(&t.b_token, mk("Dört", "05300000004", "fair")).await;
    let (s, v) = convert(t, &t.a_token, id(&l1), json!({})).await;
    assert_eq!(s, 201, "{v}");
    let r = t.get_json(&t.admin_token, "/api/v1/reports/conversion-by-source").await;
    let items = r["items"].as_array().expect("items");
    assert_eq!(items[0]["source"], "fair");
    assert_eq!(items[0]["leads"], 3);
    assert_eq!(items[0]["converted"], 1);
    assert_eq!(items[0]["rate"], 0.3333);
    assert_eq!(items[1]["source"], "meta");
    assert_eq!(items[1]["rate"], 0.0);
    // Days are Istanbul days; a window in the past holds nothing.
    let r = t
        .get_json(
            &t.admin_token,
            "/api/v1/reports/conversion-by-source?from=2020-01-01&to=2020-12-31",
        )
        .await;
    assert_eq!(r["items"], json!([]));
    assert_eq!(r["from"], "2019-12-31T21:00:00.000Z");
    assert_eq!(r["to"], "2020-12-31T21:00:00.000Z");
    let r = t
        .get_json(
            &t.admin_token,
            "/api/v1/reports/conversion-by-source?from=2020-01-01T00:00:00Z&to=2100-01-01",
        )
        .await;
    assert_eq!(r["items"].as_array().map(Vec::len), Some(2));
    for (q, field) in [
        ("from=dün", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-02-01&to=2026-01-01", "from"),
    ] {
        let (s, p) = send(t.get(&t.admin_token, &format!("/api/v1/reports/conversion-by-source?{q}"))).await;
        assert_eq!(s, 422, "{q}");
        assert_eq!(errors(&p)[0].0, field, "{q}: {p}");
    }
    // A rep sees only their own leads, so the company-wide report is not theirs.
    assert_eq!(
        send(t.get(&t.a_token, "/api/v1/reports/conversion-by-source")).await.0,
        403
    );
});

db_test!(search_finds_leads_accounts_and_contacts, |t| {
    t.lead(
        &t.a_token,
        json!({"first_name": "ŞÜKRÜ", "last_name": "IŞIK", "phone": "0532 111 22 33", "source": "fair"}),
    )
    .await;
    let acc = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "ŞÜKRÜ IŞIK TEKSTİL SAN. VE TİC. A.Ş.", "phone": "0232 555 12 12",
               "city": "İZMİR"}),
    )
    .await;
    let c = contact(
        t,
        &t.a_token,
        json!({"first_name": "Şükrü", "last_name": "Işıkçı", "account_id": id(&acc), "mobile": "0555 444 33 22"}),
    )
    .await;
    let s = t.get_json(&t.a_token, "/api/v1/search?q=sukru%20isik").await;
    assert_eq!(s["items"].as_array().map(Vec::len), Some(1), "{s}");
    assert_eq!(s["items"][0]["kind"], "lead");
    assert_eq!(s["accounts"][0]["id"], id(&acc));
    assert_eq!(s["contacts"][0]["id"], id(&c));
    assert!(
        s["contacts"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("ŞÜKRÜ IŞIK TEKSTİL")
    );
    // Phones in any form.
    for q in ["0232 555 12 12", "+902325551212", "(232) 555-1212"] {
        let s = t
            .http
            .get(t.url("/api/v1/search"))
            .query(&[("q", q)])
            .bearer_auth(&t.a_token)
            .send()
            .await
            .expect("send")
            .json::<Value>()
            .await
            .expect("json");
        assert_eq!(ids(&json!({"items": s["accounts"]})), vec![id(&acc)], "{q}");
    }
    let s = t.get_json(&t.a_token, "/api/v1/search?q=05554443322").await;
    assert_eq!(ids(&json!({"items": s["contacts"]})), vec![id(&c)]);
    let s = t.get_json(&t.a_token, "/api/v1/search?q=izmir").await;
    assert_eq!(ids(&json!({"items": s["accounts"]})), vec![id(&acc)]);
    // Another team's rep finds none of it.
    let s = t.get_json(&t.b_token, "/api/v1/search?q=sukru").await;
    assert_eq!(
        s,
        json!({"items": [], "accounts": [], "contacts": [], "deals": [], "quotes": [], "products": []})
    );
});

db_test!(openapi_documents_the_customer_endpoints, |t| {
    let doc = t.get_json(&t.a_token, "/api/v1/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with("3.1"));
    for (path, method) in [
        ("/api/v1/accounts", "get"),
        ("/api/v1/accounts", "post"),
        ("/api/v1/accounts/{id}", "patch"),
        ("/api/v1/accounts/{id}", "delete"),
        ("/api/v1/accounts/{id}/restore", "post"),
        ("/api/v1/accounts/{id}/history", "get"),
        ("/api/v1/accounts/{id}/contacts", "get"),
        ("/api/v1/accounts/{id}/addresses", "post"),
        ("/api/v1/accounts/{id}/addresses/{address_id}", "patch"),
        ("/api/v1/accounts/{id}/subsidiaries", "get"),
        ("/api/v1/accounts/{id}/merge", "post"),
        ("/api/v1/contacts", "get"),
        ("/api/v1/contacts/{id}", "patch"),
        ("/api/v1/contacts/{id}/merge", "post"),
        ("/api/v1/leads/{id}/convert", "post"),
        ("/api/v1/leads/{id}/convert", "get"),
        ("/api/v1/reports/conversion-by-source", "get"),
        ("/api/v1/search", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    for schema in [
        "AccountOut",
        "AccountIn",
        "ContactOut",
        "ContactIn",
        "AddressOut",
        "ConvertIn",
        "ConvertOut",
        "SearchList",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    let desc = doc["components"]["schemas"]["AccountIn"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(desc.contains("1.250.000,50"), "{desc}");
    assert!(doc["components"]["schemas"]["LeadOut"]["properties"]["converted_at"].is_object());
});
