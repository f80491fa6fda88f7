//! Fırsatlar on both databases: pipelines and stages, deals moving with their history, the board's
//! sums in lira at each deal's own rate, the forecast rolled up, won and lost with a reason,
//! retiring a stage, conversion with a deal, visibility by team, bad input, and the pages.

use serde_json::{Value, json};

use crate::api_support::{account, count, has_error, id, send, viewer};
use crate::db_test;
use crate::helpers::{Browser, TestApp};

/// The default pipeline and its stage ids, in order.
async fn b2b(t: &TestApp) -> (i64, Vec<i64>) {
    let v = t.get_json(&t.a_token, "/api/v1/pipelines").await;
    let p = &v["items"][0];
    let stages = p["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    (p["id"].as_i64().expect("pipeline"), stages)
}

async fn deal(t: &TestApp, token: &str, body: Value) -> Value {
    let (s, v) = send(t.post(token, "/api/v1/deals", body)).await;
    assert_eq!(s, 201, "{v}");
    v
}

async fn patch(t: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    let cur = t.get_json(token, &format!("/api/v1/deals/{id}")).await;
    let mut b = body;
    b["version"] = cur["version"].clone();
    send(t.patch(token, &format!("/api/v1/deals/{id}"), b)).await
}

db_test!(deals_move_through_stages_and_add_up_on_the_board, |t| {
    let v = t.get_json(&t.a_token, "/api/v1/pipelines").await;
    let names: Vec<&str> = v["items"][0]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Keşif",
            "İhtiyaç Analizi",
            "Teklif Hazırlama",
            "Sunum/Demo",
            "Müzakere",
            "Karar",
            "Kapanış"
        ]
    );
    assert_eq!(v["items"][0]["stages"][0]["probability"], 10.0);
    let (pipeline, stages) = b2b(t).await;
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Anadolu Metal A.Ş."})).await);

    let d = deal(
        t,
        &t.a_token,
        json!({"name": "Hat yenileme", "account_id": acc, "stage_id": stages[0], "amount": "100.000,00"}),
    )
    .await;
    let did = id(&d);
    assert_eq!(d["pipeline_id"], pipeline, "{d}");
    assert_eq!(d["status"], "open");
    assert_eq!(d["currency"], "TRY");
    assert_eq!(d["amount"], "100000.00");
    assert_eq!(d["contact_ids"], json!([]));
    assert!(d["stage_entered_at"].is_string(), "{d}");
    assert!(d["probability"].is_null(), "the stage's default applies: {d}");

    // A move is timestamped: the history has both stays, the first one closed.
    let (s, v) = patch(t, &t.a_token, did, json!({"stage_id": stages[2]})).await;
    assert_eq!(s, 200, "{v}");
    let h = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}/stages")).await;
    let stays = h["items"].as_array().expect("items");
    assert_eq!(stays.len(), 2, "{h}");
    assert_eq!(stays[0]["stage"], "Keşif");
    assert!(stays[0]["left_at"].is_string());
    assert_eq!(stays[1]["stage"], "Teklif Hazırlama");
    assert!(stays[1]["left_at"].is_null());
    // The history of fields names the change too.
    let hist = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}/history")).await;
    assert!(hist.to_string().contains("stage_id"), "{hist}");

    // A euro deal at its own rate, with its own probability; a lost one is not on the board.
    deal(
        t,
        &t.a_token,
        json!({"name": "İhracat hattı", "account_id": acc, "stage_id": stages[2], "amount": "1000",
               "currency": "EUR", "exchange_rate": "35,50", "probability": "50"}),
    )
    .await;
    let lost = deal(
        t,
        &t.a_token,
        json!({"name": "Kaybedilen", "account_id": acc, "stage_id": stages[2], "amount": "999999"}),
    )
    .await;
    let (s, v) = patch(
        t,
        &t.a_token,
        id(&lost),
        json!({"status": "lost", "lost_reason": "Fiyat yüksek bulundu", "competitor": "Rakip A.Ş."}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["closed_at"].is_string(), "{v}");

    let b = t.get_json(&t.a_token, "/api/v1/deals/board").await;
    let col = b["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["stage_id"] == stages[2])
        .expect("column")
        .clone();
    assert_eq!(col["count"], 2, "{col}");
    // 100,000.00 ₺ + 1,000 € × 35.50 = 135,500.00 ₺; weighted 40 % and 50 %: 40,000 + 17,750.
    assert_eq!(col["total"], "135500.00", "{col}");
    assert_eq!(col["weighted"], "57750.00", "{col}");
    assert_eq!(col["deals"].as_array().map(Vec::len), Some(2));
    let first = b["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["stage_id"] == stages[0])
        .expect("first column")
        .clone();
    assert_eq!(first["count"], 0);

    // Won: closed, off the board; reopened: back.
    let (s, v) = patch(t, &t.a_token, did, json!({"status": "won"})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["closed_at"].is_string());
    assert!(v["lost_reason"].is_null());
    let (s, v) = patch(t, &t.a_token, did, json!({"status": "open"})).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["closed_at"].is_null(), "{v}");

    // The global search finds a deal by name.
    let found = t.get_json(&t.a_token, "/api/v1/search?q=ihracat%20hatti").await;
    assert_eq!(found["deals"].as_array().map(Vec::len), Some(1), "{found}");
});

db_test!(bad_deals_are_refused_and_write_nothing, |t| {
    let (_, stages) = b2b(t).await;
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Kuzey Makine"})).await);
    let before = count(t, "deals").await;
    let base = json!({"name": "Deneme", "account_id": acc, "stage_id": stages[0]});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    for (body, field, code) in [
        (
            with(json!({"currency": "EUR", "amount": "100"})),
            "exchange_rate",
            "rate_required",
        ),
        (
            with(json!({"currency": "USD", "exchange_rate": "0"})),
            "exchange_rate",
            "invalid_rate",
        ),
        (with(json!({"currency": "GBP"})), "currency", "invalid_choice"),
        (with(json!({"amount": "-5"})), "amount", "invalid_money"),
        (with(json!({"amount": "12,345"})), "amount", "invalid_money"),
        (with(json!({"status": "lost"})), "lost_reason", "required"),
        (
            with(json!({"status": "lost", "lost_reason": "Canımız istedi"})),
            "lost_reason",
            "invalid_choice",
        ),
        (with(json!({"probability": "150"})), "probability", "invalid_percent"),
        (with(json!({"stage_id": 999999})), "stage_id", "invalid_choice"),
        (with(json!({"name": ""})), "name", "required"),
        (with(json!({"name": "x".repeat(201)})), "name", "too_long"),
        (
            json!({"name": "Müşterisiz", "stage_id": stages[0]}),
            "account_id",
            "required",
        ),
    ] {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/deals", body.clone())).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert!(has_error(&p, field, code), "{body}: {p}");
    }
    assert_eq!(count(t, "deals").await, before, "nothing half-written");
    // A stage in a retired state takes no new deals.
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/deals",
        json!({"name": "A", "account_id": acc, "stage_id": "abc"}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
});

db_test!(deals_follow_the_teams, |t| {
    let (_, stages) = b2b(t).await;
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Ege Tekstil"})).await);
    let d = deal(
        t,
        &t.a_token,
        json!({"name": "Ali'nin fırsatı", "account_id": acc, "stage_id": stages[1], "amount": "5000"}),
    )
    .await;
    let did = id(&d);
    // Berna (another team) neither sees it nor counts it on her board.
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/deals/{did}"))).await;
    assert_eq!(s, 404);
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/deals/{did}/stages"))).await;
    assert_eq!(s, 404);
    let (s, _) = send(t.patch(
        &t.b_token,
        &format!("/api/v1/deals/{did}"),
        json!({"version": 1, "name": "x"}),
    ))
    .await;
    assert_eq!(s, 404);
    let b = t.get_json(&t.b_token, "/api/v1/deals/board").await;
    assert!(
        b["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .all(|c| c["count"] == 0),
        "{b}"
    );
    let list = t.get_json(&t.b_token, "/api/v1/deals").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    // Nor may she open a deal on a customer she cannot see.
    let (s, p) = send(t.post(
        &t.b_token,
        "/api/v1/deals",
        json!({"name": "x", "account_id": acc, "stage_id": stages[0]}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "account_id", "invalid_choice"), "{p}");
    // Ali's manager sees it and its sums.
    let b = t.get_json(&t.m_token, "/api/v1/deals/board").await;
    let total: i64 = b["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(total, 1, "{b}");
    // A viewer sees deals but opens none; nobody but admins edits pipelines.
    let v = viewer(t).await;
    let (s, _) = send(t.post(
        &v,
        "/api/v1/deals",
        json!({"name": "x", "account_id": acc, "stage_id": stages[0]}),
    ))
    .await;
    assert_eq!(s, 403);
    let (s, _) = send(t.patch(
        &t.m_token,
        &format!("/api/v1/stages/{}", stages[0]),
        json!({"version": 1, "name": "Yeni"}),
    ))
    .await;
    assert_eq!(s, 403);
});

db_test!(forecast_rolls_commit_into_best_case_into_pipeline, |t| {
    let (_, stages) = b2b(t).await;
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Marmara Gıda"})).await);
    let today = kervan_core::time::today_local(kervan_core::time::now_ms())
        .format("%Y-%m")
        .to_string();
    let (y, m) = today.split_once('-').expect("month");
    let (y, m): (i32, u32) = (y.parse().expect("year"), m.parse().expect("month"));
    let month = if m == 12 {
        format!("{}-01", y + 1)
    } else {
        format!("{y}-{:02}", m + 1)
    };
    let day = format!("{month}-15");
    for (name, cat, amount, stage) in [
        ("Taahhüt", "commit", "1000", 6),
        ("En iyi", "best_case", "2000", 4),
        ("Süreç", "pipeline", "4000", 0),
        ("Hariç", "omitted", "8000", 0),
    ] {
        deal(
            t,
            &t.a_token,
            json!({"name": name, "account_id": acc, "stage_id": stages[stage], "amount": amount,
                   "forecast_category": cat, "expected_close_date": day}),
        )
        .await;
    }
    // One with a probability of its own (50 %, over its stage's 10 %), in EUR at its rate.
    deal(
        t,
        &t.a_token,
        json!({"name": "Kendi olasılığı", "account_id": acc, "stage_id": stages[0], "amount": "100",
               "currency": "EUR", "exchange_rate": "40", "probability": "50", "expected_close_date": day}),
    )
    .await;
    let f = t
        .get_json(&t.a_token, &format!("/api/v1/deals/forecast?from={month}&months=3"))
        .await;
    let m = &f["by_month"][0];
    assert_eq!(m["month"], month.as_str(), "{f}");
    assert_eq!(m["commit"]["total"], "1000.00", "{f}");
    assert_eq!(m["best_case"]["total"], "3000.00", "{f}");
    assert_eq!(m["pipeline"]["total"], "11000.00", "{f}");
    assert_eq!(m["pipeline"]["count"], 4);
    // Weighted at the stages' defaults: 1000 × 95 % + 2000 × 70 % + 4000 × 10 %, and 4000 × 50 %
    // for the one with its own.
    assert_eq!(m["commit"]["weighted"], "950.00", "{f}");
    assert_eq!(m["pipeline"]["weighted"], "4750.00", "{f}");
    assert_eq!(f["by_owner"][0]["owner_id"], t.a_id);
    assert_eq!(f["total"]["commit"]["total"], "1000.00");
    // Berna sees none of it; a period before them shows nothing.
    let f = t
        .get_json(&t.b_token, &format!("/api/v1/deals/forecast?from={month}&months=3"))
        .await;
    assert_eq!(f["by_month"], json!([]));
    let f = t
        .get_json(&t.a_token, "/api/v1/deals/forecast?from=2001-01&months=2")
        .await;
    assert_eq!(f["by_month"], json!([]));
    // Nonsense in the period falls back to this month, never an error.
    let (s, _) = send(t.get(&t.a_token, "/api/v1/deals/forecast?from=9999-99&months=abc")).await;
    assert_eq!(s, 200);
});

db_test!(retiring_a_stage_moves_its_deals, |t| {
    let (_, stages) = b2b(t).await;
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Trakya Cam"})).await);
    let mut ids = vec![];
    for n in ["Bir", "İki"] {
        ids.push(id(&deal(
            t,
            &t.a_token,
            json!({"name": n, "account_id": acc, "stage_id": stages[1]}),
        )
        .await));
    }
    // Switching the stage off under its deals is refused.
    let (s, p) = send(t.patch(
        &t.admin_token,
        &format!("/api/v1/stages/{}", stages[1]),
        json!({"version": 1, "active": false}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "active", "stage_has_open_deals"), "{p}");
    // Retire: the deals move on, with their history, and the stage takes no new ones.
    let retired = kervan_app::deals::retire_stage(&t.app, &kervan_app::Actor::system(), stages[1], stages[2])
        .await
        .expect("retire");
    assert_eq!(retired, 2);
    for d in &ids {
        let v = t.get_json(&t.a_token, &format!("/api/v1/deals/{d}")).await;
        assert_eq!(v["stage_id"], stages[2], "{v}");
        let h = t.get_json(&t.a_token, &format!("/api/v1/deals/{d}/stages")).await;
        assert_eq!(h["items"].as_array().map(Vec::len), Some(2));
    }
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/deals",
        json!({"name": "Üç", "account_id": acc, "stage_id": stages[1]}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "stage_id", "stage_retired"), "{p}");
    let v = t.get_json(&t.a_token, "/api/v1/pipelines").await;
    let st = &v["items"][0]["stages"][1];
    assert_eq!(st["active"], false);
    // The board no longer shows the empty retired stage.
    let b = t.get_json(&t.a_token, "/api/v1/deals/board").await;
    assert!(
        b["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .all(|c| c["stage_id"] != stages[1])
    );
    // A rep may not retire; an admin does it from the pipeline's card.
    let rep = Browser::new(t, "ali@ornek.com.tr").await;
    let to = stages[3].to_string();
    let a = rep
        .post(t, &format!("/stages/{}/retire", stages[2]), &[("to", &to)])
        .await;
    assert_eq!(a.status, 403);
    let admin = Browser::new(t, "admin@ornek.com.tr").await;
    let page = admin
        .page(t, &format!("/pipelines/{}?tab=stages", v["items"][0]["id"]))
        .await;
    assert!(page.contains(&format!("retire-{}", stages[2])), "{page}");
    let a = admin
        .post(
            t,
            &format!("/stages/{}/retire", stages[2]),
            &[("to", &stages[1].to_string()), ("back", "/")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(
        a.location.ends_with("ok=stage-not-retired"),
        "a retired stage takes no deals: {}",
        a.location
    );
    let a = admin
        .post(
            t,
            &format!("/stages/{}/retire", stages[2]),
            &[("to", &to), ("back", "/deals/board")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    for d in &ids {
        let v = t.get_json(&t.a_token, &format!("/api/v1/deals/{d}")).await;
        assert_eq!(v["stage_id"], stages[3], "{v}");
    }
});

db_test!(conversion_opens_a_deal_and_tasks_attach_to_it, |t| {
    let l = t
        .lead(
            &t.a_token,
            json!({"first_name": "Zeynep", "last_name": "Ak", "company": "Ak Plastik", "phone": "0532 765 43 21",
                   "source": "fair"}),
        )
        .await;
    let (s, v) = send(t.post(
        &t.a_token,
        &format!("/api/v1/leads/{}/convert", id(&l)),
        json!({"create_deal": true, "deal_name": "İlk sipariş", "amount": "250.000,00"}),
    ))
    .await;
    assert_eq!(s, 201, "{v}");
    let did = v["deal_id"].as_i64().expect("deal id");
    let d = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}")).await;
    assert_eq!(d["name"], "İlk sipariş");
    assert_eq!(d["amount"], "250000.00");
    assert_eq!(d["account_id"], v["account_id"]);
    assert_eq!(d["contact_id"], v["contact_id"]);
    assert_eq!(d["lead_id"], id(&l));
    assert_eq!(d["owner_id"], t.a_id);
    assert_eq!(d["stage_id"], b2b(t).await.1[0]);
    // The people of the customer on the deal, each in a buying role.
    let other = crate::api_support::contact(
        t,
        &t.a_token,
        json!({"account_id": v["account_id"], "first_name": "Kemal", "last_name": "Sert", "buying_role": "technical_evaluator"}),
    )
    .await;
    let (s, p) = send(
        t.http
            .put(t.url(&format!("/api/v1/deals/{did}/contacts/{}", id(&other))))
            .bearer_auth(&t.a_token)
            .json(&json!({})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        p["items"][0]["role"], "technical_evaluator",
        "their own role by default: {p}"
    );
    let (s, p) = send(
        t.http
            .put(t.url(&format!("/api/v1/deals/{did}/contacts/{}", v["contact_id"])))
            .bearer_auth(&t.a_token)
            .json(&json!({"role": "decision_maker"})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["items"].as_array().map(Vec::len), Some(2));
    let (s, p) = send(
        t.http
            .put(t.url(&format!("/api/v1/deals/{did}/contacts/{}", id(&other))))
            .bearer_auth(&t.a_token)
            .json(&json!({"role": "patron"})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    let stranger_acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Başka Firma"})).await);
    let stranger = crate::api_support::contact(
        t,
        &t.a_token,
        json!({"account_id": stranger_acc, "first_name": "Yabancı", "last_name": "Kişi"}),
    )
    .await;
    let (s, p) = send(
        t.http
            .put(t.url(&format!("/api/v1/deals/{did}/contacts/{}", id(&stranger))))
            .bearer_auth(&t.a_token)
            .json(&json!({})),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "contact_id", "stakeholder_other_account"), "{p}");
    let (s, _) = send(
        t.http
            .put(t.url(&format!("/api/v1/deals/{did}/contacts/{}", id(&other))))
            .bearer_auth(&t.b_token)
            .json(&json!({})),
    )
    .await;
    assert_eq!(s, 404);
    let d = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}")).await;
    assert_eq!(d["contact_ids"], json!([v["contact_id"], id(&other)]), "{d}");
    assert!(d.get("stakeholders").is_none());
    let r = t
        .http
        .delete(t.url(&format!("/api/v1/deals/{did}/contacts/{}", id(&other))))
        .bearer_auth(&t.a_token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status().as_u16(), 204);
    let d = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}")).await;
    assert_eq!(d["contact_ids"], json!([v["contact_id"]]), "{d}");
    // A task and a call on the deal.
    let (s, task) = send(t.post(
        &t.a_token,
        "/api/v1/tasks",
        json!({"title": "Teklifi gönder", "due_at": "2030-01-10T10:00", "deal_id": did}),
    ))
    .await;
    assert_eq!(s, 201, "{task}");
    let (s, call) = send(t.post(
        &t.a_token,
        "/api/v1/activities",
        json!({"subject": "Fiyat görüşmesi", "kind": "call", "at": "2026-01-10T10:00", "deal_id": did}),
    ))
    .await;
    assert_eq!(s, 201, "{call}");
    // Another team's rep cannot hang a task on it.
    let (s, p) = send(t.post(
        &t.b_token,
        "/api/v1/tasks",
        json!({"title": "x", "due_at": "2030-01-10T10:00", "deal_id": did}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    // The pages: the deal's card with its tasks tab, the customer's Fırsatlar tab.
    let br = Browser::new(t, "ali@ornek.com.tr").await;
    let card = br.page(t, &format!("/deals/{did}?tab=tasks")).await;
    assert!(card.contains("Teklifi gönder"), "{card}");
    let card = br.page(t, &format!("/accounts/{}?tab=deals", v["account_id"])).await;
    assert!(card.contains("İlk sipariş") && card.contains("250.000,00 ₺"), "{card}");
    let card = br.page(t, &format!("/deals/{did}?tab=people")).await;
    assert!(
        card.contains("Zeynep Ak") && card.contains("Karar verici") && card.contains("Kemal Sert"),
        "{card}"
    );
    let a = br
        .post(
            t,
            &format!("/deals/{did}/stakeholders"),
            &[("contact_id", &id(&other).to_string()), ("role", "champion")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let card = br.page(t, &format!("/deals/{did}?tab=people")).await;
    assert!(card.contains(&format!("person-{}", id(&other))), "{card}");
    let card = br.page(t, &format!("/deals/{did}")).await;
    assert!(
        !card.contains(&format!("{},", v["contact_id"])),
        "the people's ids are not shown as a fact"
    );
    let card = br.page(t, &format!("/deals/{did}?tab=stages")).await;
    assert!(card.contains("Keşif") && card.contains("stage-history"), "{card}");
});

db_test!(the_board_moves_and_closes_deals_from_its_forms, |t| {
    let (pipeline, stages) = b2b(t).await;
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Karadeniz Çay"})).await);
    let d = deal(
        t,
        &t.a_token,
        json!({"name": "Çay makinesi", "account_id": acc, "stage_id": stages[0], "amount": "12.500"}),
    )
    .await;
    let did = id(&d);
    let br = Browser::new(t, "ali@ornek.com.tr").await;
    let page = br.page(t, "/deals/board").await;
    assert!(page.contains("Çay makinesi") && page.contains("12.500,00 ₺"), "{page}");
    assert!(page.contains(&format!("id=\"deal-{did}\"")));
    // Without script: the stage selector.
    let back = format!("/deals/board?pipeline={pipeline}");
    let a = br
        .post(
            t,
            &format!("/deals/{did}/move"),
            &[("version", "1"), ("stage_id", &stages[3].to_string()), ("back", &back)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.location.starts_with(&back), "{}", a.location);
    let v = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}")).await;
    assert_eq!(v["stage_id"], stages[3]);
    // A stale version is a conflict, not a silent overwrite.
    let a = br
        .post(
            t,
            &format!("/deals/{did}/move"),
            &[("version", "1"), ("stage_id", &stages[4].to_string()), ("back", &back)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.location.ends_with("ok=deal-changed"), "{}", a.location);
    // The script's drop: 204, or 422 for a bad stage.
    let version = v["version"].as_i64().expect("version").to_string();
    let r = br
        .client()
        .post(t.url(&format!("/deals/{did}/move")))
        .header("x-csrf-token", br.csrf())
        .form(&[("version", version.as_str()), ("stage_id", "999999")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 422);
    // Lost without a reason: back to the form, still open.
    let a = br
        .post(
            t,
            &format!("/deals/{did}/close"),
            &[("version", &version), ("status", "lost"), ("back", &back)],
        )
        .await;
    assert_eq!(a.status, 303);
    assert!(a.location.contains("/edit"), "{}", a.location);
    let v = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}")).await;
    assert_eq!(v["status"], "open");
    let a = br
        .post(
            t,
            &format!("/deals/{did}/close"),
            &[
                ("version", &version),
                ("status", "lost"),
                ("lost_reason", "Bütçe yok"),
                ("back", &back),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let v = t.get_json(&t.a_token, &format!("/api/v1/deals/{did}")).await;
    assert_eq!(
        (v["status"].as_str(), v["lost_reason"].as_str()),
        (Some("lost"), Some("Bütçe yok"))
    );
    // The forecast page and the list's links.
    let page = br.page(t, "/deals/forecast").await;
    assert!(page.contains("forecast-filters"), "{page}");
    let page = br.page(t, "/deals").await;
    assert!(page.contains("/deals/board"), "{page}");
    // Another team's card is not found; the lost reasons are the admin's.
    let other = Browser::new(t, "berna@ornek.com.tr").await;
    assert_eq!(other.get(t, &format!("/deals/{did}")).await.0, 404);
    assert_eq!(br.get(t, "/settings/lost-reasons").await.0, 403);
    let admin = Browser::new(t, "admin@ornek.com.tr").await;
    let a = admin.post(t, "/settings/lost-reasons", &[("reasons", "  \n ")]).await;
    assert_eq!(a.status, 422);
    let a = admin
        .post(
            t,
            "/settings/lost-reasons",
            &[("reasons", "Fiyat\nTeslim süresi\nfiyat\n")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let reasons = kervan_app::deals::lost_reasons(&t.app.db.conn).await.expect("reasons");
    assert_eq!(reasons, ["Fiyat", "Teslim süresi"]);
    // A pipeline from a template, with its stages.
    let a = admin
        .post(t, "/pipelines/from-template", &[("template", "manufacturing")])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let v = t.get_json(&t.a_token, "/api/v1/pipelines").await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["items"][1]["stages"][1]["name"], "Üretim emri");
    let a = admin.post(t, "/pipelines/from-template", &[("template", "nope")]).await;
    assert_eq!(a.status, 400, "a template the select never offers");
    let a = br.post(t, "/pipelines/from-template", &[("template", "agency")]).await;
    assert_eq!(a.status, 403);
});
