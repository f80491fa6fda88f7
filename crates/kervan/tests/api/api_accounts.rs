//! Accounts through the API: lifecycle, tax ids, duplicates, lists, parents, addresses, merge,
//! permissions and bad input. Each test runs on SQLite and PostgreSQL.

use serde_json::{Value, json};

use crate::api_support::*;
use crate::db_test;

fn isik() -> Value {
    json!({"kind": "company", "name": "ŞÜKRÜ IŞIK TEKSTİL SAN. VE TİC. A.Ş.", "tax_office": "Bornova",
           "tax_number": "3900383669", "phone": "0232 555 12 12", "email": "Satis@IsikTekstil.com.tr",
           "website": "www.isiktekstil.com.tr", "city": "İZMİR", "sector": "Tekstil", "segment": "sme",
           "annual_revenue": "1.250.000,50", "tags": ["İhracat", "Fuar"], "notes": "Metal Expo'da tanıştık"})
}

db_test!(account_lifecycle_through_the_api, |t| {
    let v = account(t, &t.a_token, isik()).await;
    assert_eq!(v["name"], "ŞÜKRÜ IŞIK TEKSTİL SAN. VE TİC. A.Ş.");
    assert_eq!(v["kind"], "company");
    assert_eq!(v["tax_number"], "3900383669");
    assert_eq!(v["phone"], "+902325551212");
    assert_eq!(v["email"], "satis@isiktekstil.com.tr");
    assert_eq!(v["website"], "https://www.isiktekstil.com.tr");
    assert_eq!(v["annual_revenue"], "1250000.50");
    assert_eq!(v["lifecycle"], "active");
    assert_eq!(v["country"], "Türkiye");
    assert_eq!(v["owner_id"], t.a_id);
    assert_eq!(v["owner_name"], "Ali Çelik");
    assert_eq!(v["tags"], json!(["Fuar", "İhracat"]));
    assert_eq!(v["version"], 1);
    assert!(v["lead_id"].is_null() && v["archived_at"].is_null() && v["parent_name"].is_null());
    let aid = id(&v);
    let path = format!("/api/v1/accounts/{aid}");

    let got = t.get_json(&t.a_token, &path).await;
    assert_eq!(got, v);

    // A patch with the version read: an amount as a JSON number comes back as a decimal string.
    let (s, v) = send(t.patch(
        &t.a_token,
        &path,
        json!({"version": 1, "city": "Bursa", "annual_revenue": 2500000.5, "segment": null}),
    ))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["city"], "Bursa");
    assert_eq!(v["annual_revenue"], "2500000.50");
    assert!(v["segment"].is_null());
    assert_eq!(v["version"], 2);
    // Echoing the whole record back (with read-only fields) changes nothing but what differs.
    let mut echo = v.clone();
    echo["annual_revenue"] = json!("2500000.75");
    let (s, v) = send(t.patch(&t.a_token, &path, echo)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["annual_revenue"], "2500000.75");
    assert_eq!(v["version"], 3);

    // A stale version: 409 with the current one, and nothing changes.
    let (s, p) = send(t.patch(&t.a_token, &path, json!({"version": 1, "city": "Ankara"}))).await;
    assert_eq!(s, 409);
    assert_eq!(p["current_version"], 3);
    assert_eq!(t.get_json(&t.a_token, &path).await["city"], "Bursa");

    let h = t.get_json(&t.a_token, &format!("{path}/history")).await;
    let items = h["items"].as_array().expect("items");
    let city = items
        .iter()
        .find(|e| e["field"] == "city" && e["new"] == "Bursa")
        .expect("city change");
    assert_eq!(city["old"], "İZMİR");
    assert_eq!(city["user_id"], t.a_id);
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "name" && e["old"].is_null() && e["new"] == "ŞÜKRÜ IŞIK TEKSTİL SAN. VE TİC. A.Ş.")
    );
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "segment" && e["old"] == "sme" && e["new"].is_null())
    );

    // Archived: gone from the list and from search, still readable, listed under archived.
    assert_eq!(delete(t, &t.a_token, &path).await, 204);
    let list = t.get_json(&t.a_token, "/api/v1/accounts").await;
    assert!(!ids(&list).contains(&aid));
    let s = t.get_json(&t.a_token, "/api/v1/search?q=sukru%20isik").await;
    assert!(s["accounts"].as_array().expect("accounts").is_empty(), "{s}");
    let got = t.get_json(&t.a_token, &path).await;
    assert!(got["archived_at"].is_string());
    let list = t.get_json(&t.a_token, "/api/v1/accounts?archived=1").await;
    assert_eq!(ids(&list), vec![aid]);

    let (s, v) = send(t.post(&t.a_token, &format!("{path}/restore"), json!({}))).await;
    assert_eq!(s, 200);
    assert!(v["archived_at"].is_null());
    let list = t.get_json(&t.a_token, "/api/v1/accounts").await;
    assert_eq!(ids(&list), vec![aid]);
    let s = t.get_json(&t.a_token, "/api/v1/search?q=sukru%20isik").await;
    assert_eq!(ids(&json!({"items": s["accounts"]})), vec![aid]);
    assert_eq!(s["accounts"][0]["kind"], "account");
    assert_eq!(s["accounts"][0]["url"], format!("/accounts/{aid}"));
    let h = t.get_json(&t.a_token, &format!("{path}/history")).await;
    assert_eq!(
        h["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["field"] == "archived_at")
            .count(),
        2
    );
});

db_test!(amounts_read_as_numbers_or_strings, |t| {
    let base = json!({"kind": "individual", "name": "Ayşe Yılmaz", "allow_duplicate": true});
    for (input, out) in [
        (json!(1250000.5), "1250000.50"),
        (json!(1250000), "1250000.00"),
        (json!("1250000.50"), "1250000.50"),
        (json!("1.250.000,50"), "1250000.50"),
        (json!("1.250"), "1250.00"),
        (json!("0,5"), "0.50"),
    ] {
        let mut b = base.clone();
        b["annual_revenue"] = input.clone();
        let v = account(t, &t.a_token, b).await;
        assert_eq!(v["annual_revenue"], out, "{input}");
    }
    for input in [
        json!(12.345),
        json!(-5),
        json!(1e20),
        json!("1,250.00"),
        json!("on bin"),
        json!("12,345"),
    ] {
        let mut b = base.clone();
        b["annual_revenue"] = input.clone();
        let (s, p) = send(t.post(&t.a_token, "/api/v1/accounts", b)).await;
        assert_eq!(s, 422, "{input}");
        assert!(has_error(&p, "annual_revenue", "invalid_money"), "{input}: {p}");
    }
    let mut b = base.clone();
    b["annual_revenue"] = json!(true);
    let (s, p) = send(t.post(&t.a_token, "/api/v1/accounts", b)).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "annual_revenue", "invalid_type"), "{p}");
});

db_test!(tax_numbers_and_national_ids_are_checked, |t| {
    for (i, vkn) in ["1234567890", "3900383669", "3130557669", "4840847211", "314 159 26 50"]
        .into_iter()
        .enumerate()
    {
        let v = account(
            t,
            &t.a_token,
            json!({"kind": "company", "name": format!("Firma {}", ["Mavi", "Yeşil", "Kırmızı", "Turuncu", "Mor"][i]), "tax_number": vkn}),
        )
        .await;
        assert_eq!(v["tax_number"].as_str().map(str::len), Some(10), "{vkn}");
    }
    for tckn in ["10000000146", "11111111110", "12345678950"] {
        let v = account(
            t,
            &t.a_token,
            json!({"kind": "individual", "name": format!("Kişi {tckn}"), "national_id": tckn}),
        )
        .await;
        assert_eq!(v["national_id"], tckn);
    }
    let before = counts(t).await;
    let cases = [
        (
            json!({"kind": "company", "name": "Hatalı VKN", "tax_number": "1234567891"}),
            "tax_number",
            "vkn_checksum",
        ),
        (
            json!({"kind": "company", "name": "Kısa VKN", "tax_number": "12345"}),
            "tax_number",
            "vkn_length",
        ),
        (
            json!({"kind": "company", "name": "TCKN kutusu", "tax_number": "10000000146"}),
            "tax_number",
            "tax_number_is_tckn",
        ),
        (
            json!({"kind": "individual", "name": "Hatalı TCKN", "national_id": "10000000147"}),
            "national_id",
            "tckn_checksum",
        ),
        (
            json!({"kind": "individual", "name": "Sıfırlı", "national_id": "01234567890"}),
            "national_id",
            "tckn_leading_zero",
        ),
        (
            json!({"kind": "individual", "name": "Bireysel VKN", "tax_number": "1234567890"}),
            "tax_number",
            "tax_number_for_company_only",
        ),
    ];
    for (body, field, code) in cases {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/accounts", body.clone())).await;
        assert_eq!(s, 422, "{body}");
        assert!(has_error(&p, field, code), "{body}: {p}");
        assert!(!p["errors"][0]["message"].as_str().unwrap_or_default().is_empty());
    }
    // The message is Turkish by default and English on request.
    let (_, p) = send(t.post(
        &t.a_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "X", "tax_number": "1234567891"}),
    ))
    .await;
    assert!(
        p["errors"][0]["message"].as_str().unwrap_or_default().contains("Vergi"),
        "{p}"
    );
    let (_, p) = send(
        t.post(
            &t.a_token,
            "/api/v1/accounts",
            json!({"kind": "company", "name": "X", "tax_number": "1234567891"}),
        )
        .header("accept-language", "en"),
    )
    .await;
    assert!(
        !p["errors"][0]["message"].as_str().unwrap_or_default().contains("Vergi"),
        "{p}"
    );
    // A patch is checked the same way.
    let v = account(t, &t.a_token, json!({"kind": "company", "name": "Yama Testi"})).await;
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/accounts/{}", id(&v)),
        json!({"version": 1, "tax_number": "3900383668"}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "tax_number", "vkn_checksum"), "{p}");
    let mut after = counts(t).await;
    // Only "Yama Testi" (its row and its creation history) was written meanwhile.
    after[0] -= 1;
    after[5] = before[5];
    assert_eq!(after, before);
});

db_test!(similar_accounts_are_caught_on_create, |t| {
    let first = account(t, &t.a_token, isik()).await;
    let fid = id(&first);
    let cases = [
        (
            json!({"kind": "company", "name": "Başka Unvan", "tax_number": "3900383669"}),
            "tax_number",
        ),
        (
            json!({"kind": "company", "name": "Ege Dokuma", "phone": "+90 (232) 555-12-12"}),
            "phone",
        ),
        (
            json!({"kind": "company", "name": "Kuzey Örme", "email": "muhasebe@isiktekstil.com.tr"}),
            "domain",
        ),
        (
            json!({"kind": "company", "name": "Güney Boya", "website": "https://isiktekstil.com.tr/iletisim"}),
            "domain",
        ),
        (
            json!({"kind": "company", "name": "Sukru Isik Tekstil Sanayi ve Ticaret AS"}),
            "name",
        ),
        (
            json!({"kind": "company", "name": "Şükrü Işık Tekstil Ltd. Şti."}),
            "name",
        ),
    ];
    let before = counts(t).await;
    for (body, field) in cases {
        // A rep of another team is told too — that the customer exists, not which one it is.
        let (s, p) = send(t.post(&t.b_token, "/api/v1/accounts", body.clone())).await;
        assert_eq!(s, 409, "{body}: {p}");
        assert_eq!(p["type"], "/problems/duplicate");
        assert_eq!(p["duplicates"][0]["hidden"], true, "{body}");
        assert_eq!(p["duplicates"][0]["field"], field, "{body}");
        assert!(!p.to_string().contains("ŞÜKRÜ"), "{p}");
        // The owner's manager is told which one.
        let (s, p) = send(t.post(&t.m_token, "/api/v1/accounts", body.clone())).await;
        assert_eq!(s, 409, "{body}: {p}");
        assert_eq!(p["duplicates"][0]["id"], fid, "{body}");
        assert_eq!(p["duplicates"][0]["field"], field, "{body}");
        assert_eq!(p["duplicates"][0]["owner_name"], "Ali Çelik");
        assert!(
            p["detail"].as_str().unwrap_or_default().contains("ŞÜKRÜ IŞIK TEKSTİL"),
            "{p}"
        );
    }
    assert_eq!(counts(t).await, before, "a refused duplicate writes nothing");
    // Public mail providers say nothing about the company.
    account(
        t,
        &t.a_token,
        json!({"kind": "individual", "name": "Ayşe Yılmaz", "email": "ayse@gmail.com"}),
    )
    .await;
    account(
        t,
        &t.a_token,
        json!({"kind": "individual", "name": "Mehmet Kaya", "email": "mehmet@gmail.com"}),
    )
    .await;
    // allow_duplicate creates it anyway.
    let v = account(
        t,
        &t.b_token,
        json!({"kind": "company", "name": "Sukru Isik Tekstil Sanayi ve Ticaret AS", "allow_duplicate": true}),
    )
    .await;
    assert_eq!(v["owner_id"], t.b_id);
    // A patch that makes an account look like another is caught too.
    let other = account(t, &t.a_token, json!({"kind": "company", "name": "Marmara Kimya"})).await;
    let path = format!("/api/v1/accounts/{}", id(&other));
    let (s, p) = send(t.patch(&t.a_token, &path, json!({"version": 1, "tax_number": "3900383669"}))).await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["duplicates"][0]["id"], fid);
    let (s, _) = send(t.patch(
        &t.a_token,
        &path,
        json!({"version": 1, "tax_number": "3900383669", "allow_duplicate": true}),
    ))
    .await;
    assert_eq!(s, 200);
});

db_test!(lists_filter_sort_and_page, |t| {
    let mk = |name: &str, extra: Value| {
        let mut b = json!({"kind": "company", "name": name});
        if let Value::Object(m) = extra
            && let Some(o) = b.as_object_mut()
        {
            o.extend(m);
        }
        b
    };
    let a = account(
        t,
        &t.a_token,
        mk(
            "Çınar Gıda",
            json!({"city": "Konya", "segment": "sme", "potential": "high", "tags": ["Sıcak"]}),
        ),
    )
    .await;
    let b = account(
        t,
        &t.a_token,
        mk(
            "Ağaoğlu Yapı",
            json!({"city": "İstanbul", "segment": "corporate", "customer_class": "a"}),
        ),
    )
    .await;
    let c = account(
        t,
        &t.a_token,
        mk("Zeytin Dalı Tarım", json!({"lifecycle": "passive", "city": "Konya"})),
    )
    .await;
    let d = account(
        t,
        &t.a_token,
        json!({"kind": "individual", "name": "Ömer Şen", "lifecycle": "at_risk"}),
    )
    .await;
    let (a, b, c, d) = (id(&a), id(&b), id(&c), id(&d));

    // Passive customers stay out of the working list unless asked for.
    let list = t.get_json(&t.a_token, "/api/v1/accounts").await;
    assert_eq!(
        ids(&list),
        vec![b, a, d],
        "Turkish alphabetical order: Ağaoğlu, Çınar, Ömer"
    );
    let list = t.get_json(&t.a_token, "/api/v1/accounts?include_passive=1").await;
    assert_eq!(ids(&list), vec![b, a, d, c]);
    let list = t.get_json(&t.a_token, "/api/v1/accounts?lifecycle=passive").await;
    assert_eq!(ids(&list), vec![c]);
    let mine = format!("owner_id={}", t.a_id);
    let theirs = format!("owner_id={}", t.b_id);
    for (q, want) in [
        ("kind=individual", vec![d]),
        ("city=Konya", vec![a]),
        ("city=Konya&include_passive=true", vec![a, c]),
        ("segment=corporate", vec![b]),
        ("customer_class=a", vec![b]),
        ("potential=high", vec![a]),
        ("tag=sicak", vec![a]),
        ("q=cinar", vec![a]),
        ("q=AĞAOĞLU", vec![b]),
        (mine.as_str(), vec![b, a, d]),
        (theirs.as_str(), vec![]),
        ("sort=-name", vec![d, a, b]),
        ("sort=-created_at", vec![d, b, a]),
        ("sort=created_at", vec![a, b, d]),
    ] {
        let list = t.get_json(&t.a_token, &format!("/api/v1/accounts?{q}")).await;
        assert_eq!(ids(&list), want, "{q}");
    }
    // Keyset pages of one.
    let mut seen = vec![];
    let mut cursor = String::new();
    loop {
        let list = t
            .get_json(
                &t.a_token,
                &format!("/api/v1/accounts?limit=1&include_passive=1&cursor={cursor}"),
            )
            .await;
        seen.extend(ids(&list));
        match list["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, vec![b, a, d, c]);
    // Wrong filters are named.
    for (q, field) in [
        ("kind=firm", "kind"),
        ("lifecycle=dead", "lifecycle"),
        ("segment=kobi", "segment"),
        ("potential=huge", "potential"),
        ("customer_class=d", "customer_class"),
        ("sort=-price", "sort"),
        ("limit=201", "limit"),
        ("limit=0", "limit"),
        ("cursor=zz", "cursor"),
        ("owner_id=x", "owner_id"),
        ("parent_id=1.5", "parent_id"),
    ] {
        let (s, p) = send(t.get(&t.a_token, &format!("/api/v1/accounts?{q}"))).await;
        assert_eq!(s, 422, "{q}");
        assert_eq!(errors(&p)[0].0, field, "{q}: {p}");
    }
    // A cursor of the name order means nothing in the order of entry.
    let list = t.get_json(&t.a_token, "/api/v1/accounts?limit=1").await;
    let cur = list["next_cursor"].as_str().unwrap_or_default().to_string();
    let (s, _) = send(t.get(&t.a_token, &format!("/api/v1/accounts?sort=created_at&cursor={cur}"))).await;
    assert_eq!(s, 422);
});

db_test!(parents_subsidiaries_and_loops, |t| {
    let h = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Holding", "annual_revenue": "10.000.000"}),
    )
    .await;
    let hid = id(&h);
    let s1 = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Çelik", "parent_id": hid, "annual_revenue": "1.000.000,25"}),
    )
    .await;
    assert_eq!(s1["parent_id"], hid);
    assert_eq!(s1["parent_name"], "Anadolu Holding");
    let s2 = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Lojistik", "parent_id": hid, "lifecycle": "passive"}),
    )
    .await;
    // A subsidiary worked by another team: counted in the totals, not listed for A.
    let s3 = account(
        t,
        &t.admin_token,
        json!({"kind": "company", "name": "Anadolu Enerji", "parent_id": hid, "owner_id": t.b_id,
               "annual_revenue": 500000.5}),
    )
    .await;
    let sub = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{hid}/subsidiaries"))
        .await;
    assert_eq!(ids(&sub), vec![id(&s1), id(&s2)], "{sub}");
    assert_eq!(sub["totals"]["count"], 3);
    assert_eq!(sub["totals"]["annual_revenue"], "1500000.75");
    let sub = t
        .get_json(&t.admin_token, &format!("/api/v1/accounts/{hid}/subsidiaries"))
        .await;
    assert_eq!(ids(&sub), vec![id(&s1), id(&s3), id(&s2)]);
    let list = t
        .get_json(&t.a_token, &format!("/api/v1/accounts?parent_id={hid}"))
        .await;
    assert_eq!(ids(&list), vec![id(&s1)], "the list leaves the passive one out");
    // No subsidiaries: zero and no revenue.
    let none = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}/subsidiaries", id(&s1)))
        .await;
    assert_eq!(none["totals"]["count"], 0);
    assert!(none["totals"]["annual_revenue"].is_null());

    // Loops are refused: the holding under its own subsidiary, or under itself.
    let gs = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Çelik Dış Ticaret", "parent_id": id(&s1)}),
    )
    .await;
    for parent in [id(&s1), id(&gs), hid] {
        let (s, p) = send(t.patch(
            &t.a_token,
            &format!("/api/v1/accounts/{hid}"),
            json!({"version": 1, "parent_id": parent}),
        ))
        .await;
        assert_eq!(s, 422, "{parent}");
        assert!(has_error(&p, "parent_id", "parent_loop"), "{p}");
    }
    // A parent the caller cannot see, or that does not exist, is no choice.
    let theirs = account(t, &t.b_token, json!({"kind": "company", "name": "Berna Holding"})).await;
    for parent in [id(&theirs), 999_999] {
        let (s, p) = send(t.post(
            &t.a_token,
            "/api/v1/accounts",
            json!({"kind": "company", "name": "Yeni İştirak", "parent_id": parent}),
        ))
        .await;
        assert_eq!(s, 422);
        assert!(has_error(&p, "parent_id", "invalid_choice"), "{p}");
    }
    assert_eq!(
        send(t.get(&t.b_token, &format!("/api/v1/accounts/{hid}/subsidiaries")))
            .await
            .0,
        404
    );
});

db_test!(addresses_belong_to_their_account, |t| {
    let acc = account(t, &t.a_token, json!({"kind": "company", "name": "Boğaziçi Lojistik"})).await;
    let other = account(t, &t.a_token, json!({"kind": "company", "name": "Kapadokya Turizm"})).await;
    let base = format!("/api/v1/accounts/{}/addresses", id(&acc));
    let ad = created(
        t,
        &t.a_token,
        &base,
        json!({"kind": "billing", "line": "Barbaros Bulvarı No: 12\nKat 3", "city": "İstanbul",
               "district": "Beşiktaş", "postal_code": "34353"}),
    )
    .await;
    assert_eq!(ad["account_id"], id(&acc));
    assert_eq!(ad["country"], "Türkiye");
    assert_eq!(ad["version"], 1);
    let foreign = created(
        t,
        &t.a_token,
        &base,
        json!({"kind": "delivery", "line": "Hauptstraße 5", "city": "Berlin", "country": "Deutschland",
               "postal_code": "10115"}),
    )
    .await;
    let list = t.get_json(&t.a_token, &base).await;
    assert_eq!(ids(&list), vec![id(&ad), id(&foreign)]);

    let one = format!("{base}/{}", id(&ad));
    let (s, v) = send(t.patch(&t.a_token, &one, json!({"version": 1, "postal_code": "34357"}))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["postal_code"], "34357");
    assert_eq!(v["district"], "Beşiktaş");
    assert_eq!(v["version"], 2);
    let (s, _) = send(t.patch(&t.a_token, &one, json!({"version": 1, "district": "Şişli"}))).await;
    assert_eq!(s, 409);
    let (s, p) = send(t.patch(&t.a_token, &one, json!({"version": 2, "postal_code": "99999"}))).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "postal_code", "invalid_postal_code"), "{p}");
    let (s, p) = send(t.patch(&t.a_token, &one, json!({"postal_code": "34000"}))).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "version", "required"), "{p}");
    for (body, field, code) in [
        (
            json!({"kind": "billing", "line": "X", "city": "Ankara", "postal_code": "6"}),
            "postal_code",
            "invalid_postal_code",
        ),
        (
            json!({"kind": "home", "line": "X", "city": "Ankara"}),
            "kind",
            "invalid_choice",
        ),
        (json!({"kind": "billing", "city": "Ankara"}), "line", "required"),
        (json!({"kind": "billing", "line": "X"}), "city", "required"),
    ] {
        let (s, p) = send(t.post(&t.a_token, &base, body.clone())).await;
        assert_eq!(s, 422, "{body}");
        assert!(has_error(&p, field, code), "{body}: {p}");
    }
    let (s, _) = send(t.post(
        &t.a_token,
        &base,
        json!({"kind": "billing", "line": "X", "city": "Y", "floor": 3}),
    ))
    .await;
    assert_eq!(s, 422);

    // Another account's address, through this account: not found, and untouched.
    let other_path = format!("/api/v1/accounts/{}/addresses/{}", id(&other), id(&ad));
    let (s, _) = send(t.patch(&t.a_token, &other_path, json!({"version": 2, "city": "İzmir"}))).await;
    assert_eq!(s, 404);
    assert_eq!(delete(t, &t.a_token, &other_path).await, 404);
    assert_eq!(delete(t, &t.a_token, &format!("{base}/999999")).await, 404);
    // Somebody else's account's addresses: not found either.
    assert_eq!(send(t.get(&t.b_token, &base)).await.0, 404);
    assert_eq!(delete(t, &t.b_token, &one).await, 404);
    let (s, _) = send(t.post(&t.b_token, &base, json!({"kind": "billing", "line": "X", "city": "Y"}))).await;
    assert_eq!(s, 404);

    assert_eq!(delete(t, &t.a_token, &one).await, 204);
    let list = t.get_json(&t.a_token, &base).await;
    assert_eq!(ids(&list), vec![id(&foreign)]);
    // The account's history tells the story.
    let h = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{}/history", id(&acc)))
        .await;
    let addr: Vec<&Value> = h["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["field"] == "address")
        .collect();
    assert_eq!(addr.len(), 4, "{h}");
});

db_test!(merging_accounts_moves_everything, |t| {
    let keep = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Metal A.Ş.", "city": "Bursa", "tags": ["Sıcak"]}),
    )
    .await;
    let gone = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Metal Sanayi", "phone": "0224 444 55 66", "city": "Kocaeli",
               "sector": "Metal", "tags": ["İhracat"], "allow_duplicate": true}),
    )
    .await;
    let (kid, gid) = (id(&keep), id(&gone));
    let c1 = contact(
        t,
        &t.a_token,
        json!({"first_name": "Ayşe", "last_name": "Yılmaz", "account_id": kid}),
    )
    .await;
    let c2 = contact(
        t,
        &t.a_token,
        json!({"first_name": "Mehmet", "last_name": "Öztürk", "account_id": gid}),
    )
    .await;
    created(
        t,
        &t.a_token,
        &format!("/api/v1/accounts/{gid}/addresses"),
        json!({"kind": "delivery", "line": "OSB 5. Cadde No: 7", "city": "Kocaeli", "district": "Gebze"}),
    )
    .await;
    let sub = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Anadolu Metal Lojistik", "parent_id": gid}),
    )
    .await;
    let merge = format!("/api/v1/accounts/{kid}/merge");

    // Stale versions and merging with itself are refused, and nothing moves.
    let before = counts(t).await;
    let (s, p) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": gid, "version": 1, "merged_version": 7}),
    ))
    .await;
    assert_eq!(s, 409, "{p}");
    let (s, p) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": kid, "version": 1, "merged_version": 1}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "merged_id", "merge_same"), "{p}");
    let (s, p) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": gid, "version": 1, "merged_version": 1, "fields": {"tax_number": "1234567891"}}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "tax_number", "vkn_checksum"), "{p}");
    let (s, _) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": gid, "version": 1, "merged_version": 1, "fields": {"colour": "red"}}),
    ))
    .await;
    assert_eq!(s, 422);
    assert_eq!(counts(t).await, before);
    let c2_now = t.get_json(&t.a_token, &format!("/api/v1/contacts/{}", id(&c2))).await;
    assert_eq!(c2_now["account_id"], gid);

    // The merge: picked city, empty fields filled from the merged account.
    let (s, v) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": gid, "version": 1, "merged_version": 1, "fields": {"city": "Kocaeli"}}),
    ))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["name"], "Anadolu Metal A.Ş.");
    assert_eq!(v["city"], "Kocaeli");
    assert_eq!(v["phone"], "+902244445566");
    assert_eq!(v["sector"], "Metal");
    assert_eq!(v["tags"], json!(["İhracat", "Sıcak"]));
    let people = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{kid}/contacts"))
        .await;
    let mut got = ids(&people);
    got.sort();
    assert_eq!(got, vec![id(&c1), id(&c2)]);
    assert_eq!(people["items"][0]["account_name"], "Anadolu Metal A.Ş.");
    let addrs = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{kid}/addresses"))
        .await;
    assert_eq!(addrs["items"][0]["city"], "Kocaeli");
    let sub_now = t.get_json(&t.a_token, &format!("/api/v1/accounts/{}", id(&sub))).await;
    assert_eq!(sub_now["parent_id"], kid);
    let gone_now = t.get_json(&t.a_token, &format!("/api/v1/accounts/{gid}")).await;
    assert!(gone_now["archived_at"].is_string());
    assert!(!ids(&t.get_json(&t.a_token, "/api/v1/accounts").await).contains(&gid));

    // Both histories record it; the merged account's past moved with it.
    let h = t.get_json(&t.a_token, &format!("/api/v1/accounts/{kid}/history")).await;
    let items = h["items"].as_array().expect("items");
    let from = items.iter().find(|e| e["field"] == "merged_from").expect("merged_from");
    assert!(
        from["new"]
            .as_str()
            .unwrap_or_default()
            .contains("Anadolu Metal Sanayi"),
        "{from}"
    );
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "name" && e["new"] == "Anadolu Metal Sanayi"),
        "the merged account's creation moved over: {h}"
    );
    assert!(
        items
            .iter()
            .any(|e| e["field"] == "city" && e["old"] == "Bursa" && e["new"] == "Kocaeli")
    );
    let h = t.get_json(&t.a_token, &format!("/api/v1/accounts/{gid}/history")).await;
    assert!(
        h["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["field"] == "merged_into" && e["new"].as_str().unwrap_or_default().contains(&format!("#{kid}"))),
        "{h}"
    );
    // Merging again: the merged one is archived now, its version moved on.
    let (s, _) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": gid, "version": 2, "merged_version": 1}),
    ))
    .await;
    assert_eq!(s, 409);
});

db_test!(accounts_are_private_to_their_owners, |t| {
    let mine = account(t, &t.a_token, isik()).await;
    let aid = id(&mine);
    let path = format!("/api/v1/accounts/{aid}");
    // Rep B (another team): 404 everywhere, never a hint that it exists.
    for p in [
        path.clone(),
        format!("{path}/history"),
        format!("{path}/contacts"),
        format!("{path}/addresses"),
        format!("{path}/subsidiaries"),
    ] {
        assert_eq!(send(t.get(&t.b_token, &p)).await.0, 404, "{p}");
    }
    assert_eq!(
        send(t.patch(&t.b_token, &path, json!({"version": 1, "city": "X"})))
            .await
            .0,
        404
    );
    assert_eq!(delete(t, &t.b_token, &path).await, 404);
    assert_eq!(
        send(t.post(&t.b_token, &format!("{path}/restore"), json!({}))).await.0,
        404
    );
    let theirs = account(t, &t.b_token, json!({"kind": "company", "name": "Berna Ticaret"})).await;
    assert_eq!(
        send(t.post(
            &t.b_token,
            &format!("/api/v1/accounts/{}/merge", id(&theirs)),
            json!({"merged_id": aid, "version": 1, "merged_version": 1}),
        ))
        .await
        .0,
        422
    );
    assert_eq!(
        send(t.post(
            &t.b_token,
            &format!("{path}/merge"),
            json!({"merged_id": id(&theirs), "version": 1, "merged_version": 1}),
        ))
        .await
        .0,
        404
    );
    assert_eq!(
        ids(&t.get_json(&t.b_token, "/api/v1/accounts").await),
        vec![id(&theirs)]
    );
    let s = t.get_json(&t.b_token, "/api/v1/search?q=isik").await;
    assert!(s["accounts"].as_array().expect("accounts").is_empty());

    // The manager of A's team sees it; the admin sees both.
    assert_eq!(send(t.get(&t.m_token, &path)).await.0, 200);
    assert_eq!(ids(&t.get_json(&t.m_token, "/api/v1/accounts").await), vec![aid]);
    assert_eq!(
        t.get_json(&t.admin_token, "/api/v1/accounts").await["items"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // A rep cannot give an account to someone else.
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "Başkasına", "owner_id": t.b_id}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "owner_id", "owner_not_allowed"), "{p}");
    let (s, p) = send(t.patch(&t.a_token, &path, json!({"version": 1, "owner_id": t.b_id}))).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "owner_id", "owner_not_allowed"), "{p}");

    // A viewer reads but never writes: 403.
    let v = viewer(t).await;
    assert_eq!(send(t.get(&v, &path)).await.0, 200);
    let before = counts(t).await;
    let (s, p) = send(t.post(
        &v,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "İzleyici A.Ş."}),
    ))
    .await;
    assert_eq!(s, 403, "{p}");
    assert_eq!(p["module"], "accounts");
    assert_eq!(
        send(t.patch(&v, &path, json!({"version": 1, "city": "X"}))).await.0,
        403
    );
    assert_eq!(delete(t, &v, &path).await, 403);
    assert_eq!(
        send(t.post(
            &v,
            &format!("{path}/addresses"),
            json!({"kind": "billing", "line": "X", "city": "Y"})
        ))
        .await
        .0,
        403
    );
    assert_eq!(counts(t).await, before);

    // Deleting for good: admins only.
    assert_eq!(delete(t, &t.a_token, &format!("{path}?hard=true")).await, 403);
    let c = contact(
        t,
        &t.a_token,
        json!({"first_name": "Kalan", "last_name": "Kişi", "account_id": aid}),
    )
    .await;
    assert_eq!(delete(t, &t.admin_token, &format!("{path}?hard=true")).await, 204);
    assert_eq!(send(t.get(&t.admin_token, &path)).await.0, 404);
    // The people stay, without the company.
    let c = t.get_json(&t.a_token, &format!("/api/v1/contacts/{}", id(&c))).await;
    assert!(c["account_id"].is_null(), "{c}");
});

db_test!(bad_account_input_gets_clear_4xx_and_writes_nothing, |t| {
    let acc = account(t, &t.a_token, json!({"kind": "company", "name": "Sağlam Yapı"})).await;
    let path = format!("/api/v1/accounts/{}", id(&acc));
    let before = counts(t).await;
    let raw = |method: reqwest::Method, path: &str, body: &'static str| {
        t.http
            .request(method, t.url(path))
            .bearer_auth(&t.a_token)
            .header("content-type", "application/json")
            .body(body)
    };
    let (s, p) = send(raw(reqwest::Method::POST, "/api/v1/accounts", "{\"name\": ")).await;
    assert_eq!(s, 400);
    assert_eq!(p["type"], "/problems/malformed");
    assert_eq!(send(raw(reqwest::Method::PATCH, &path, "{\"version\": ")).await.0, 400);
    assert_eq!(
        send(raw(
            reqwest::Method::POST,
            "/api/v1/accounts",
            "{\"kind\": \"company\", \"name\": 42}"
        ))
        .await
        .0,
        422
    );
    assert_eq!(
        send(raw(
            reqwest::Method::POST,
            "/api/v1/accounts",
            "{\"kind\": \"company\", \"name\": \"X\", \"parent_id\": \"1\"}"
        ))
        .await
        .0,
        422
    );
    assert_eq!(
        send(raw(
            reqwest::Method::POST,
            "/api/v1/accounts",
            "{\"kind\": \"company\", \"name\": \"X\", \"colour\": 1}"
        ))
        .await
        .0,
        422
    );
    assert_eq!(
        send(raw(reqwest::Method::POST, "/api/v1/accounts", "[1, 2]")).await.0,
        422
    );
    assert_eq!(send(raw(reqwest::Method::PATCH, &path, "[1, 2]")).await.0, 422);
    let (s, _) = send(
        t.http
            .post(t.url("/api/v1/accounts"))
            .bearer_auth(&t.a_token)
            .body("kind=company&name=X"),
    )
    .await;
    assert_eq!(s, 415);
    let cases = [
        (json!({}), vec![("kind", "required"), ("name", "required")]),
        (json!({"kind": "firm", "name": "X"}), vec![("kind", "invalid_choice")]),
        (
            json!({"kind": "company", "name": "X", "segment": "kobi", "lifecycle": "dead", "potential": "huge",
                   "customer_class": "d"}),
            vec![
                ("segment", "invalid_choice"),
                ("lifecycle", "invalid_choice"),
                ("potential", "invalid_choice"),
                ("customer_class", "invalid_choice"),
            ],
        ),
        (
            json!({"kind": "company", "name": "X".repeat(201)}),
            vec![("name", "too_long")],
        ),
        (
            json!({"kind": "company", "name": "X", "notes": "n".repeat(10_001)}),
            vec![("notes", "too_long")],
        ),
        (
            json!({"kind": "company", "name": "A\u{0000}B"}),
            vec![("name", "invalid_chars")],
        ),
        (
            json!({"kind": "company", "name": "X", "phone": "12", "email": "yok", "website": "http://"}),
            vec![
                ("phone", "invalid_phone"),
                ("email", "invalid_email"),
                ("website", "invalid_website"),
            ],
        ),
        (
            json!({"kind": "company", "name": "X", "tags": ["a,b"]}),
            vec![("tags", "invalid_tag")],
        ),
        (
            json!({"kind": "company", "name": "X", "owner_id": 999_999}),
            vec![("owner_id", "invalid_choice")],
        ),
    ];
    for (body, want) in cases {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/accounts", body.clone())).await;
        assert_eq!(s, 422, "{body}");
        for (f, c) in want {
            assert!(has_error(&p, f, c), "{f}/{c} missing in {p}");
        }
    }
    for body in [
        json!({"city": "X"}),
        json!({"version": "1"}),
        json!({"version": 1, "name": null}),
        json!({"version": 1, "tags": "a"}),
        json!({"version": 1, "owner_id": null}),
        json!({"version": 1, "lead_id": 5, "colour": 1}),
    ] {
        let (s, _) = send(t.patch(&t.a_token, &path, body.clone())).await;
        assert_eq!(s, 422, "{body}");
    }
    // Too large a body: announced with Content-Length, refused before it is read.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = t.base.trim_start_matches("http://").to_string();
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let req = format!(
            "POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{",
            t.a_token,
            2 * 1024 * 1024
        );
        s.write_all(req.as_bytes()).await.expect("write");
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.expect("read");
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    }
    for p in ["/api/v1/accounts/abc", "/api/v1/accounts/1.5/history"] {
        let s = send(t.get(&t.a_token, p)).await.0;
        assert!((400..500).contains(&s), "{p}: {s}");
    }
    assert_eq!(send(t.get(&t.a_token, "/api/v1/accounts/999999")).await.0, 404);
    assert_eq!(counts(t).await, before, "nothing may be half-written");
});

db_test!(merges_never_make_loops, |t| {
    // M has a subsidiary X, and the survivor S sits below X: after the merge X would be below S.
    let m = account(t, &t.a_token, json!({"kind": "company", "name": "Marmara Grup"})).await;
    let x = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Ege Dağıtım", "parent_id": id(&m)}),
    )
    .await;
    let s = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Karadeniz Pazarlama", "parent_id": id(&x)}),
    )
    .await;
    let before = counts(t).await;
    let (st, p) = send(t.post(
        &t.a_token,
        &format!("/api/v1/accounts/{}/merge", id(&s)),
        json!({"merged_id": id(&m), "version": 1, "merged_version": 1}),
    ))
    .await;
    assert_eq!(st, 422, "{p}");
    assert!(has_error(&p, "parent_id", "parent_loop"), "{p}");
    assert_eq!(counts(t).await, before);
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/accounts/{}", id(&x))).await["parent_id"],
        id(&m)
    );
    // Picking no parent for the survivor makes it fine.
    let (st, v) = send(t.post(
        &t.a_token,
        &format!("/api/v1/accounts/{}/merge", id(&s)),
        json!({"merged_id": id(&m), "version": 1, "merged_version": 1, "fields": {"parent_id": null}}),
    ))
    .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["parent_id"].is_null());
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/accounts/{}", id(&x))).await["parent_id"],
        id(&s)
    );

    // The same with people: M manages X, and S reports to X.
    let m = contact(t, &t.a_token, json!({"first_name": "Murat", "last_name": "Bey"})).await;
    let x = contact(
        t,
        &t.a_token,
        json!({"first_name": "Xavier", "last_name": "Ak", "reports_to_id": id(&m)}),
    )
    .await;
    let s = contact(
        t,
        &t.a_token,
        json!({"first_name": "Selin", "last_name": "Su", "reports_to_id": id(&x)}),
    )
    .await;
    let (st, p) = send(t.post(
        &t.a_token,
        &format!("/api/v1/contacts/{}/merge", id(&s)),
        json!({"merged_id": id(&m), "version": 1, "merged_version": 1}),
    ))
    .await;
    assert_eq!(st, 422, "{p}");
    assert!(has_error(&p, "reports_to_id", "reports_to_loop"), "{p}");
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/contacts/{}", id(&m))).await["archived_at"],
        Value::Null
    );
});

db_test!(duplicate_check_sees_past_common_names, |t| {
    // Hundreds of customers whose names start alike, then one with a tax number: a new
    // "Anadolu …" with that tax number must still be caught.
    let sys = kervan_app::Actor::system();
    for n in 0..230 {
        let mut d = kervan_core::record::Inputs::default();
        d.fields
            .insert("kind".into(), kervan_core::record::Input::Text("company".into()));
        d.fields.insert(
            "name".into(),
            kervan_core::record::Input::Text(format!("Anadolu {n:03} Ticaret")),
        );
        let opts = kervan_app::records::WriteOptions { allow_duplicate: true };
        kervan_app::records::create::<kervan_app::accounts::Accounts>(&t.app, &sys, &d, &opts)
            .await
            .expect("create");
    }
    let z = account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Zeta Kimya", "tax_number": "4840847211"}),
    )
    .await;
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "Anadolu Kimya", "tax_number": "4840847211"}),
    ))
    .await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["duplicates"][0]["id"], id(&z));
    assert_eq!(p["duplicates"][0]["field"], "tax_number");
    // And an equal name far down the alphabet of its prefix.
    let (s, p) = send(t.post(
        &t.admin_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "ANADOLU 229 TİC. A.Ş."}),
    ))
    .await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["duplicates"][0]["name"], "Anadolu 229 Ticaret");
});
