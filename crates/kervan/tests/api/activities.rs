//! Activities (Görüşmeler) on both databases: "Son görüşme" from held conversations only, the
//! timeline of a customer with its people's activities and its own changes, who sees what (with
//! the record), bad input, @mentions, conversion, and "Bir sonraki adım?" creating the task.

use kervan_core::time::{local_input, now_ms, rfc3339};
use serde_json::{Value, json};

use crate::api_support::{account, contact, created, has_error, id, notes, send};
use crate::db_test;
use crate::helpers::{Browser, TestApp};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn activity(t: &TestApp, token: &str, body: Value) -> i64 {
    id(&created(t, token, "/api/v1/activities", body).await)
}

fn at(offset: i64) -> String {
    rfc3339(now_ms() + offset)
}

async fn timeline(t: &TestApp, token: &str, path: &str) -> Vec<String> {
    let v = t.get_json(token, path).await;
    v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["subject"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

db_test!(last_contact_comes_from_held_conversations_only, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Deniz Tekstil A.Ş."})).await);
    let per = id(&contact(
        t,
        &t.a_token,
        json!({"first_name": "Selin", "last_name": "Aydın", "account_id": acc}),
    )
    .await);
    let last = |v: &Value| v["last_contact_at"].clone();
    // A planned meeting, a note and a cancelled call say nothing about when we last talked.
    activity(
        t,
        &t.a_token,
        json!({"kind": "meeting", "status": "planned", "subject": "Fabrika turu", "at": at(3 * DAY), "account_id": acc}),
    )
    .await;
    activity(
        t,
        &t.a_token,
        json!({"kind": "note", "subject": "İç not", "at": at(-HOUR), "account_id": acc}),
    )
    .await;
    activity(
        t,
        &t.a_token,
        json!({"kind": "call", "status": "cancelled", "subject": "Vazgeçildi", "at": at(-HOUR), "account_id": acc}),
    )
    .await;
    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc}")).await;
    assert!(last(&a).is_null(), "{a}");
    // A held call with the person: the person's and the customer's last contact.
    let call_at = now_ms() - 2 * HOUR;
    let call = activity(
        t,
        &t.a_token,
        json!({"kind": "call", "subject": "Fiyat soruldu", "at": rfc3339(call_at), "contact_id": per,
               "account_id": acc, "direction": "inbound", "outcome": "reached", "duration_minutes": 12}),
    )
    .await;
    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc}")).await;
    assert_eq!(last(&a), json!(rfc3339(call_at)), "{a}");
    let c = t.get_json(&t.a_token, &format!("/api/v1/contacts/{per}")).await;
    assert_eq!(last(&c), json!(rfc3339(call_at)));
    // Archived (the everyday delete): no call; restored: the call again.
    assert_eq!(
        crate::api_support::delete(t, &t.a_token, &format!("/api/v1/activities/{call}")).await,
        204
    );
    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc}")).await;
    assert!(last(&a).is_null(), "{a}");
    let (s, _) = send(t.post(&t.a_token, &format!("/api/v1/activities/{call}/restore"), json!({}))).await;
    assert_eq!(s, 200);
    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc}")).await;
    assert_eq!(last(&a), json!(rfc3339(call_at)), "{a}");
    // The call turns out to have been cancelled: the date goes back to nothing.
    let version = t.get_json(&t.a_token, &format!("/api/v1/activities/{call}")).await["version"].clone();
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/activities/{call}"),
        json!({"version": version, "status": "cancelled"}),
    ))
    .await;
    assert_eq!(s, 200);
    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc}")).await;
    assert!(last(&a).is_null(), "{a}");
});

db_test!(a_customer_timeline_holds_its_people_newest_first, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Ege Makina Ltd."})).await);
    let per = id(&contact(
        t,
        &t.a_token,
        json!({"first_name": "Kemal", "last_name": "Su", "account_id": acc}),
    )
    .await);
    let other = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Başka Firma"})).await);
    activity(
        t,
        &t.a_token,
        json!({"kind": "visit", "subject": "Fabrika ziyareti", "at": at(-3 * DAY), "account_id": acc}),
    )
    .await;
    activity(
        t,
        &t.a_token,
        json!({"kind": "whatsapp", "subject": "Katalog gönderildi", "at": at(-DAY), "contact_id": per}),
    )
    .await;
    activity(
        t,
        &t.a_token,
        json!({"kind": "call", "subject": "İlk arama", "at": at(-5 * DAY), "account_id": acc}),
    )
    .await;
    activity(
        t,
        &t.a_token,
        json!({"kind": "call", "subject": "Başkasının araması", "at": at(-HOUR), "account_id": other}),
    )
    .await;
    let got = timeline(t, &t.a_token, &format!("/api/v1/accounts/{acc}/timeline")).await;
    assert_eq!(got, vec!["Katalog gönderildi", "Fabrika ziyareti", "İlk arama"]);
    // By kind.
    let got = timeline(
        t,
        &t.a_token,
        &format!("/api/v1/accounts/{acc}/timeline?kinds=call,visit"),
    )
    .await;
    assert_eq!(got, vec!["Fabrika ziyareti", "İlk arama"]);
    // The person's own timeline has only theirs.
    let got = timeline(t, &t.a_token, &format!("/api/v1/contacts/{per}/timeline")).await;
    assert_eq!(got, vec!["Katalog gönderildi"]);
    // Field changes on request.
    t.patch(
        &t.a_token,
        &format!("/api/v1/accounts/{acc}"),
        json!({"version": 1, "city": "İzmir"}),
    )
    .send()
    .await
    .unwrap();
    let v = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{acc}/timeline?changes=1"))
        .await;
    assert!(
        v["changes"].as_array().unwrap().iter().any(|c| c["field"] == "city"),
        "{v}"
    );
    // Pages: one cursor on, nothing twice.
    for i in 0..55 {
        activity(
            t,
            &t.a_token,
            json!({"kind": "note", "subject": format!("Not {i}"), "at": at(-10 * DAY - i * HOUR), "account_id": acc}),
        )
        .await;
    }
    let first = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{acc}/timeline"))
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = t
        .get_json(&t.a_token, &format!("/api/v1/accounts/{acc}/timeline?cursor={cursor}"))
        .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 8);
    assert!(second["next_cursor"].is_null());
    // The card's tab shows it.
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let html = b.page(t, &format!("/accounts/{acc}?tab=timeline&kind=whatsapp")).await;
    assert!(
        html.contains("Katalog gönderildi") && !html.contains("Fabrika ziyareti"),
        "{html}"
    );
    assert!(html.contains("Kemal Su"), "the person it was with is named");
    // Bad filters.
    let (s, p) = send(t.get(&t.a_token, &format!("/api/v1/accounts/{acc}/timeline?kinds=fax"))).await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "kinds", "invalid_choice"), "{p}");
    let (s, _) = send(t.get(&t.a_token, &format!("/api/v1/accounts/{acc}/timeline?cursor=abc"))).await;
    assert_eq!(s, 422);
});

db_test!(activities_are_seen_with_their_record, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Ali'nin Müşterisi"})).await);
    // The manager logs a visit on Ali's customer: Ali sees it with the customer, may not edit it.
    let vid = activity(
        t,
        &t.m_token,
        json!({"kind": "visit", "subject": "Müdür ziyareti", "at": at(-HOUR), "account_id": acc}),
    )
    .await;
    let (s, v) = send(t.get(&t.a_token, &format!("/api/v1/activities/{vid}"))).await;
    assert_eq!(s, 200, "{v}");
    let list = t.get_json(&t.a_token, "/api/v1/activities").await;
    assert_eq!(crate::api_support::ids(&list), vec![vid]);
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/activities/{vid}"),
        json!({"version": 1, "subject": "X"}),
    ))
    .await;
    assert_eq!(s, 403);
    assert_eq!(
        timeline(t, &t.a_token, &format!("/api/v1/accounts/{acc}/timeline")).await,
        vec!["Müdür ziyareti"]
    );
    // Berna (another team): nothing.
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/activities/{vid}"))).await;
    assert_eq!(s, 404);
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/accounts/{acc}/timeline"))).await;
    assert_eq!(s, 404);
    let list = t.get_json(&t.b_token, "/api/v1/activities").await;
    assert!(crate::api_support::ids(&list).is_empty());
    let (c, _) = t.browser("berna@ornek.com.tr").await;
    let r = c.get(t.url(&format!("/activities/{vid}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
});

db_test!(bad_activities_are_refused_and_nothing_is_written, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Kuzey Gıda"})).await);
    let bernas = id(&account(t, &t.b_token, json!({"kind": "company", "name": "Berna'nın Müşterisi"})).await);
    let before = crate::api_support::count(t, "activities").await;
    let cases = [
        (
            json!({"kind": "call", "subject": "Kimle?", "at": at(-HOUR)}),
            "account_id",
            "activity_needs_record",
        ),
        (
            json!({"kind": "call", "status": "planned", "subject": "Ara", "at": at(DAY), "account_id": acc}),
            "status",
            "activity_not_plannable",
        ),
        (
            json!({"kind": "meeting", "subject": "Toplantı", "at": at(3 * DAY), "account_id": acc}),
            "at",
            "activity_held_in_future",
        ),
        (
            json!({"kind": "meeting", "subject": "Ortak", "at": at(-HOUR), "account_id": acc, "colleague_id": t.b_id}),
            "colleague_id",
            "invalid_choice",
        ),
        (
            json!({"kind": "call", "subject": "Başkasının", "at": at(-HOUR), "account_id": bernas}),
            "account_id",
            "invalid_choice",
        ),
        (
            json!({"kind": "fax", "subject": "Faks", "at": at(-HOUR), "account_id": acc}),
            "kind",
            "invalid_choice",
        ),
        (
            json!({"kind": "note", "subject": "x".repeat(201), "at": at(-HOUR), "account_id": acc}),
            "subject",
            "too_long",
        ),
        (
            json!({"kind": "note", "subject": "Tarih", "at": "dün", "account_id": acc}),
            "at",
            "invalid_datetime",
        ),
    ];
    for (body, field, code) in cases {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/activities", body.clone())).await;
        assert_eq!(s, 422, "{body}");
        assert!(
            p["errors"].as_array().unwrap().iter().any(|e| e["field"] == field),
            "{field}/{code}: {p}"
        );
    }
    assert_eq!(crate::api_support::count(t, "activities").await, before);
});

db_test!(a_mention_notifies_a_colleague_once, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Marmara Kimya"})).await);
    let vid = activity(
        t,
        &t.a_token,
        json!({"kind": "note", "subject": "Bütçe onayı", "at": at(-HOUR), "account_id": acc,
               "body": "@mehmet bütçeyi onaylar mısınız? (ali@ornek.com.tr değil)"}),
    )
    .await;
    let got = notes(t, &t.m_token, "mention").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["link"], format!("/activities/{vid}"));
    assert!(
        got[0]["message"].as_str().unwrap_or_default().contains("Ali Çelik"),
        "{got:?}"
    );
    // Edited, still naming him: no second ring. The writer is never told of themself.
    t.patch(
        &t.a_token,
        &format!("/api/v1/activities/{vid}"),
        json!({"version": 1, "body": "@mehmet.şahin bütçe? @ali"}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(notes(t, &t.m_token, "mention").await.len(), 1);
    assert!(notes(t, &t.a_token, "mention").await.is_empty());
    // Berna (another team) cannot open Ali's customer: named or not, she is not told of it.
    activity(
        t,
        &t.a_token,
        json!({"kind": "note", "subject": "Gizli fiyat", "at": at(-HOUR), "account_id": acc,
               "body": "@berna fiyatı sen de bil"}),
    )
    .await;
    assert!(notes(t, &t.b_token, "mention").await.is_empty());
});

db_test!(a_teammate_comes_along_and_sees_it_in_their_calendar, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Ege Makina"})).await);
    let m_id = t.get_json(&t.m_token, "/api/v1/me").await["id"].as_i64().expect("id");
    // A rep may name a teammate as the colleague who comes along (not only themself).
    activity(
        t,
        &t.a_token,
        json!({"kind": "meeting", "status": "planned", "subject": "Ortak ziyaret", "at": at(DAY),
               "account_id": acc, "colleague_id": m_id}),
    )
    .await;
    let from = kervan_core::time::today_local(now_ms()).format("%Y-%m-%d").to_string();
    let to = kervan_core::time::today_local(now_ms() + 3 * DAY)
        .format("%Y-%m-%d")
        .to_string();
    let cal = t
        .get_json(&t.m_token, &format!("/api/v1/calendar?from={from}&to={to}"))
        .await;
    assert!(cal.to_string().contains("Ortak ziyaret"), "{cal}");
});

db_test!(a_converted_leads_activities_join_the_customer, |t| {
    let lead = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Oya", "last_name": "Tan", "company": "Tan Mobilya", "phone": "05327778899", "source": "fair"}),
        )
        .await);
    let call_at = now_ms() - DAY;
    activity(
        t,
        &t.a_token,
        json!({"kind": "call", "subject": "Fuar sonrası arama", "at": rfc3339(call_at), "lead_id": lead}),
    )
    .await;
    let l = t.get_json(&t.a_token, &format!("/api/v1/leads/{lead}")).await;
    assert_eq!(l["last_contact_at"], json!(rfc3339(call_at)));
    let (s, v) = send(t.post(
        &t.a_token,
        &format!("/api/v1/leads/{lead}/convert"),
        json!({"create_deal": false}),
    ))
    .await;
    assert_eq!(s, 201, "{v}");
    let acc = v["account_id"].as_i64().unwrap();
    let a = t.get_json(&t.a_token, &format!("/api/v1/accounts/{acc}")).await;
    assert_eq!(
        a["last_contact_at"],
        json!(rfc3339(call_at)),
        "the lead's last call, not the conversion"
    );
    assert_eq!(
        timeline(t, &t.a_token, &format!("/api/v1/accounts/{acc}/timeline")).await,
        vec!["Fuar sonrası arama"]
    );
});

db_test!(the_next_step_prompt_creates_the_follow_up_task, |t| {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Yıldız Lojistik"})).await);
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let when = local_input(now_ms() - HOUR);
    let ans = b
        .post(
            t,
            "/activities",
            &[
                ("kind", "call"),
                ("subject", "Teklif soruldu"),
                ("status", "held"),
                ("at", &when),
                ("direction", "outbound"),
                ("account_id", &acc.to_string()),
            ],
        )
        .await;
    assert_eq!(ans.status, 303, "{}", ans.body);
    let next = ans.location.clone();
    assert!(next.ends_with("/next"), "{next}");
    let page = b.page(t, &next).await;
    assert!(
        page.contains("Bir sonraki adım?") && page.contains("Tekrar ara: Teklif soruldu"),
        "{page}"
    );
    // A custom date that is not a date: explained, nothing created.
    let bad = b
        .post(
            t,
            &next,
            &[("title", "Tekrar ara"), ("when", "custom"), ("due_at", "yarın")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let ans = b
        .post(t, &next, &[("title", "Tekrar ara: Teklif soruldu"), ("when", "3d")])
        .await;
    assert_eq!(ans.status, 303);
    assert_eq!(ans.location, format!("/accounts/{acc}?tab=timeline&ok=next-step-added"));
    let tasks = t.get_json(&t.a_token, &format!("/api/v1/tasks?account_id={acc}")).await;
    let items = tasks["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{tasks}");
    assert_eq!(items[0]["title"], "Tekrar ara: Teklif soruldu");
    assert_eq!(items[0]["owner_id"], t.a_id);
    let due = kervan_core::time::parse_datetime(items[0]["due_at"].as_str().unwrap_or_default()).unwrap();
    let today = kervan_core::time::today_local(now_ms());
    let in3 = today.succ_opt().and_then(|d| d.succ_opt()).and_then(|d| d.succ_opt());
    assert_eq!(Some(kervan_core::time::today_local(due)), in3);
    assert_eq!(local_input(due).split('T').nth(1), Some("10:00"));
});
