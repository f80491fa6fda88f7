//! Contacts through the API: lifecycle, the org chart's reports-to rules, duplicates, lists,
//! merge and permissions. Each test runs on SQLite and PostgreSQL.

use serde_json::json;

use crate::api_support::*;
use crate::db_test;

db_test!(contact_lifecycle_and_reports_to, |t| {
    let acc = account(t, &t.a_token, json!({"kind": "company", "name": "Ege Seramik A.Ş."})).await;
    let other = account(t, &t.a_token, json!({"kind": "company", "name": "Trakya Cam"})).await;
    let aid = id(&acc);
    let boss = contact(
        t,
        &t.a_token,
        json!({"account_id": aid, "first_name": "Gülşen", "last_name": "Çağlar", "title": "Genel Müdür",
               "buying_role": "decision_maker", "influence": "high", "mobile": "0532 111 22 33",
               "email": "Gulsen@EgeSeramik.com.tr", "tags": ["VIP"]}),
    )
    .await;
    assert_eq!(boss["name"], "Gülşen Çağlar");
    assert_eq!(boss["mobile"], "+905321112233");
    assert_eq!(boss["email"], "gulsen@egeseramik.com.tr");
    assert_eq!(boss["account_name"], "Ege Seramik A.Ş.");
    assert_eq!(boss["owner_id"], t.a_id);
    assert_eq!(boss["version"], 1);
    let mid = contact(
        t,
        &t.a_token,
        json!({"account_id": aid, "first_name": "İsmail", "last_name": "Öztürk", "reports_to_id": id(&boss),
               "buying_role": "technical_evaluator", "phone": "0232 444 00 00", "extension": "123"}),
    )
    .await;
    let emp = contact(
        t,
        &t.a_token,
        json!({"account_id": aid, "first_name": "Ümit", "last_name": "Şahin", "reports_to_id": id(&mid)}),
    )
    .await;
    let elsewhere = contact(
        t,
        &t.a_token,
        json!({"account_id": id(&other), "first_name": "Deniz", "last_name": "Ak"}),
    )
    .await;

    // Loops are refused: the boss under the employee, or under herself.
    let bpath = format!("/api/v1/contacts/{}", id(&boss));
    for m in [id(&emp), id(&mid), id(&boss)] {
        let (s, p) = send(t.patch(&t.a_token, &bpath, json!({"version": 1, "reports_to_id": m}))).await;
        assert_eq!(s, 422, "{m}");
        assert!(has_error(&p, "reports_to_id", "reports_to_loop"), "{p}");
    }
    // A manager at another customer is refused; so is one who does not exist.
    let (s, p) = send(t.patch(
        &t.a_token,
        &bpath,
        json!({"version": 1, "reports_to_id": id(&elsewhere)}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "reports_to_id", "reports_to_other_account"), "{p}");
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/contacts",
        json!({"account_id": aid, "first_name": "A", "last_name": "B", "reports_to_id": 999_999}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "reports_to_id", "invalid_choice"), "{p}");
    // Moving someone to another customer while keeping a manager at the old one is refused too.
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/contacts/{}", id(&emp)),
        json!({"version": 1, "account_id": id(&other)}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "reports_to_id", "reports_to_other_account"), "{p}");

    // The people of the account, by name.
    let people = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{aid}/contacts"))
        .await;
    assert_eq!(ids(&people), vec![id(&boss), id(&mid), id(&emp)]);

    // Filters.
    for (q, want) in [
        (format!("account_id={aid}"), vec![id(&boss), id(&mid), id(&emp)]),
        ("buying_role=decision_maker".to_string(), vec![id(&boss)]),
        ("q=gulsen".to_string(), vec![id(&boss)]),
        ("q=0532 111 22 33".to_string(), vec![id(&boss)]),
        ("q=OZTURK".to_string(), vec![id(&mid)]),
        ("tag=vip".to_string(), vec![id(&boss)]),
        (
            "sort=-created_at".to_string(),
            vec![id(&elsewhere), id(&emp), id(&mid), id(&boss)],
        ),
        (format!("owner_id={}", t.b_id), vec![]),
    ] {
        let list = t
            .http
            .get(t.url("/api/v1/contacts"))
            .query(&serde_urlencoded_pairs(&q))
            .bearer_auth(&t.a_token)
            .send()
            .await
            .expect("send")
            .json::<serde_json::Value>()
            .await
            .expect("json");
        assert_eq!(ids(&list), want, "{q}");
    }
    for (q, field) in [
        ("buying_role=boss", "buying_role"),
        ("account_id=x", "account_id"),
        ("sort=age", "sort"),
        ("limit=1000", "limit"),
    ] {
        let (s, p) = send(t.get(&t.a_token, &format!("/api/v1/contacts?{q}"))).await;
        assert_eq!(s, 422, "{q}");
        assert_eq!(errors(&p)[0].0, field);
    }

    // Patch, stale version, history.
    let (s, v) = send(t.patch(
        &t.a_token,
        &bpath,
        json!({"version": 1, "title": "Yönetim Kurulu Başkanı"}),
    ))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    let (s, p) = send(t.patch(&t.a_token, &bpath, json!({"version": 1, "title": "X"}))).await;
    assert_eq!(s, 409);
    assert_eq!(p["current_version"], 2);
    let h = t.get_json(&t.a_token, &format!("{bpath}/history")).await;
    assert!(
        h["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["field"] == "title" && e["old"] == "Genel Müdür" && e["new"] == "Yönetim Kurulu Başkanı")
    );

    // Archive and restore.
    assert_eq!(delete(t, &t.a_token, &bpath).await, 204);
    let people = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{aid}/contacts"))
        .await;
    assert_eq!(ids(&people), vec![id(&mid), id(&emp)]);
    let s = t.get_json(&t.a_token, "/api/v1/search?q=gulsen").await;
    assert!(s["contacts"].as_array().expect("contacts").is_empty());
    let list = t.get_json(&t.a_token, "/api/v1/contacts?archived=1").await;
    assert_eq!(ids(&list), vec![id(&boss)]);
    let (s, v) = send(t.post(&t.a_token, &format!("{bpath}/restore"), json!({}))).await;
    assert_eq!(s, 200);
    assert!(v["archived_at"].is_null());
    let s = t.get_json(&t.a_token, "/api/v1/search?q=gulsen").await;
    assert_eq!(s["contacts"][0]["id"], id(&boss));
    assert_eq!(s["contacts"][0]["kind"], "contact");
});

/// `a=b` as query pairs (so reqwest encodes spaces and Turkish letters).
fn serde_urlencoded_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

db_test!(contact_duplicates_merge_and_bad_input, |t| {
    let acc = account(t, &t.a_token, json!({"kind": "company", "name": "Karadeniz Fındık"})).await;
    let aid = id(&acc);
    let first = contact(
        t,
        &t.a_token,
        json!({"account_id": aid, "first_name": "Hatice", "last_name": "Kılıç", "mobile": "0533 222 33 44",
               "email": "hatice@karadenizfindik.com.tr", "tags": ["Sıcak"]}),
    )
    .await;
    // The same number written differently, in any of the three phone fields.
    let before = counts(t).await;
    for body in [
        json!({"first_name": "Hatice", "last_name": "K.", "whatsapp": "+90 533 222 3344"}),
        json!({"first_name": "H.", "last_name": "Kılıç", "email": "HATICE@karadenizfindik.com.tr"}),
    ] {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/contacts", body.clone())).await;
        assert_eq!(s, 409, "{body}");
        assert_eq!(p["duplicates"][0]["id"], id(&first));
        assert!(p["detail"].as_str().unwrap_or_default().contains("Hatice Kılıç"), "{p}");
    }
    assert_eq!(counts(t).await, before);
    let second = contact(
        t,
        &t.a_token,
        json!({"first_name": "Hatice", "last_name": "Kılıç", "whatsapp": "05332223344", "title": "Satın Alma",
               "tags": ["Fuar"], "allow_duplicate": true}),
    )
    .await;
    let report = contact(
        t,
        &t.a_token,
        json!({"first_name": "Sevgi", "last_name": "Tan", "reports_to_id": id(&second)}),
    )
    .await;

    // Merge the second into the first: the gaps fill, the tags join, reports move.
    let merge = format!("/api/v1/contacts/{}/merge", id(&first));
    let (s, p) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": id(&second), "version": 1, "merged_version": 9}),
    ))
    .await;
    assert_eq!(s, 409, "{p}");
    let (s, v) = send(t.post(
        &t.a_token,
        &merge,
        json!({"merged_id": id(&second), "version": 1, "merged_version": 1, "fields": {"last_name": "Kılıç Yıldız"}}),
    ))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["last_name"], "Kılıç Yıldız");
    assert_eq!(v["title"], "Satın Alma");
    assert_eq!(v["whatsapp"], "+905332223344");
    assert_eq!(v["account_id"], aid);
    assert_eq!(v["tags"], json!(["Fuar", "Sıcak"]));
    let r = t
        .get_json(&t.a_token, &format!("/api/v1/contacts/{}", id(&report)))
        .await;
    assert_eq!(r["reports_to_id"], id(&first));
    let gone = t
        .get_json(&t.a_token, &format!("/api/v1/contacts/{}", id(&second)))
        .await;
    assert!(gone["archived_at"].is_string());
    let h = t
        .get_json(&t.a_token, &format!("/api/v1/contacts/{}/history", id(&first)))
        .await;
    assert!(
        h["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["field"] == "merged_from")
    );
    let h = t
        .get_json(&t.a_token, &format!("/api/v1/contacts/{}/history", id(&second)))
        .await;
    assert!(
        h["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["field"] == "merged_into")
    );

    // Bad input.
    let before = counts(t).await;
    for (body, field, code) in [
        (json!({"last_name": "X"}), "first_name", "required"),
        (
            json!({"first_name": "X", "last_name": "Y", "buying_role": "boss"}),
            "buying_role",
            "invalid_choice",
        ),
        (
            json!({"first_name": "X", "last_name": "Y", "influence": "huge"}),
            "influence",
            "invalid_choice",
        ),
        (
            json!({"first_name": "X", "last_name": "Y", "extension": "12a"}),
            "extension",
            "invalid_extension",
        ),
        (
            json!({"first_name": "X", "last_name": "Y", "mobile": "12"}),
            "mobile",
            "invalid_phone",
        ),
        (
            json!({"first_name": "X".repeat(101), "last_name": "Y"}),
            "first_name",
            "too_long",
        ),
        (
            json!({"first_name": "X", "last_name": "Y", "account_id": 999_999}),
            "account_id",
            "invalid_choice",
        ),
    ] {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/contacts", body.clone())).await;
        assert_eq!(s, 422, "{body}");
        assert!(has_error(&p, field, code), "{body}: {p}");
    }
    let (s, _) = send(t.post(
        &t.a_token,
        "/api/v1/contacts",
        json!({"first_name": 1, "last_name": "Y"}),
    ))
    .await;
    assert_eq!(s, 422);
    let (s, _) = send(t.post(
        &t.a_token,
        "/api/v1/contacts",
        json!({"first_name": "X", "last_name": "Y", "age": 3}),
    ))
    .await;
    assert_eq!(s, 422);
    let (s, _) = send(
        t.http
            .post(t.url("/api/v1/contacts"))
            .bearer_auth(&t.a_token)
            .header("content-type", "application/json")
            .body("{\"first_name\""),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(counts(t).await, before);
});

db_test!(contacts_are_private_to_their_owners, |t| {
    let acc = account(t, &t.a_token, json!({"kind": "company", "name": "Akdeniz Narenciye"})).await;
    let c = contact(
        t,
        &t.a_token,
        json!({"account_id": id(&acc), "first_name": "Levent", "last_name": "Aydın", "mobile": "05441234567"}),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", id(&c));
    for p in [path.clone(), format!("{path}/history")] {
        assert_eq!(send(t.get(&t.b_token, &p)).await.0, 404, "{p}");
    }
    assert_eq!(
        send(t.patch(&t.b_token, &path, json!({"version": 1, "title": "X"})))
            .await
            .0,
        404
    );
    assert_eq!(delete(t, &t.b_token, &path).await, 404);
    assert!(ids(&t.get_json(&t.b_token, "/api/v1/contacts").await).is_empty());
    let s = t.get_json(&t.b_token, "/api/v1/search?q=05441234567").await;
    assert!(s["contacts"].as_array().expect("contacts").is_empty());
    // B cannot hang a person on A's account, or under A's contact.
    let (s, p) = send(t.post(
        &t.b_token,
        "/api/v1/contacts",
        json!({"first_name": "B", "last_name": "Kişi", "account_id": id(&acc)}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "account_id", "invalid_choice"), "{p}");
    let (s, p) = send(t.post(
        &t.b_token,
        "/api/v1/contacts",
        json!({"first_name": "B", "last_name": "Kişi", "reports_to_id": id(&c)}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "reports_to_id", "invalid_choice"), "{p}");
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/contacts",
        json!({"first_name": "Devir", "last_name": "Deneme", "owner_id": t.b_id}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "owner_id", "owner_not_allowed"), "{p}");
    // The manager of A's team sees the person; a viewer reads but cannot write.
    assert_eq!(send(t.get(&t.m_token, &path)).await.0, 200);
    let v = viewer(t).await;
    assert_eq!(send(t.get(&v, &path)).await.0, 200);
    assert_eq!(
        send(t.post(&v, "/api/v1/contacts", json!({"first_name": "V", "last_name": "W"})))
            .await
            .0,
        403
    );
    assert_eq!(
        send(t.patch(&v, &path, json!({"version": 1, "title": "X"}))).await.0,
        403
    );
    assert_eq!(delete(t, &v, &path).await, 403);
    assert_eq!(delete(t, &t.a_token, &format!("{path}?hard=1")).await, 403);
    assert_eq!(delete(t, &t.admin_token, &format!("{path}?hard=1")).await, 204);
    assert_eq!(send(t.get(&t.a_token, &path)).await.0, 404);
});
