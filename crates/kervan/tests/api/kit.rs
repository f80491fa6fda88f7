//! The record kit through the API: custom fields of every type (valid, invalid, required,
//! history, filter, sort, search, meta), renaming and deactivating, saved views and their sharing
//! rules, and the OpenAPI document a generic client follows from create to delete.

use serde_json::{Value, json};

use crate::api_support::{delete, has_error, id, ids, send};
use crate::db_test;
use crate::helpers::TestApp;

/// Creates a custom field on `kind` as the admin; returns its definition.
async fn field(t: &TestApp, kind: &str, body: Value) -> Value {
    let (s, v) = send(t.post(&t.admin_token, &format!("/api/v1/meta/{kind}/fields"), body)).await;
    assert_eq!(s, 201, "{v}");
    v
}

/// Waits until every filterable custom field of `kind` has its index.
async fn indexes_ready(t: &TestApp, kind: &str) {
    let k = kervan_core::kinds::by_key(kind).expect("kind");
    crate::helpers::custom_indexes_ready(t, k).await;
}

fn lead_with(custom: Value) -> Value {
    json!({"first_name": "Deniz", "last_name": "Aksoy", "phone": "0532 555 44 33", "source": "fair",
           "source_detail": "Metal Expo 2025", "custom": custom})
}

db_test!(custom_fields_of_every_type, |t| {
    // Only admins define fields.
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/meta/leads/fields",
        json!({"label": "Bütçe", "type": "money"}),
    ))
    .await;
    assert_eq!(s, 403, "{p}");

    let budget = field(
        t,
        "leads",
        json!({"label": "Bütçe aralığı", "type": "choice", "filterable": true, "searchable": true,
               "options": ["100 bin altı", "100-500 bin", "500 bin - 1 milyon", "1-5 milyon", "5 milyon üstü"]}),
    )
    .await;
    assert_eq!(budget["key"], "butce_araligi");
    let big = budget["options"][3]["key"].as_str().expect("option key").to_string();
    let small = budget["options"][0]["key"].as_str().expect("option key").to_string();
    field(
        t,
        "leads",
        json!({"label": "Tahmini satın alma tarihi", "type": "date"}),
    )
    .await;
    field(
        t,
        "leads",
        json!({"label": "Stand m²", "type": "number", "sortable": true}),
    )
    .await;
    field(
        t,
        "leads",
        json!({"label": "Ayrılan bütçe", "type": "money", "sortable": true}),
    )
    .await;
    field(
        t,
        "leads",
        json!({"label": "Karar verici mi", "type": "bool", "filterable": true}),
    )
    .await;
    field(
        t,
        "leads",
        json!({"label": "Ziyaret notu", "type": "long_text", "searchable": true}),
    )
    .await;
    field(t, "leads", json!({"label": "Salon", "type": "text"})).await;
    field(
        t,
        "leads",
        json!({"label": "İlgi alanları", "type": "multi_choice", "options": ["Pres", "Kaynak", "Boya"], "filterable": true}),
    )
    .await;
    field(t, "leads", json!({"label": "Teknik sorumlu", "type": "user"})).await;
    indexes_ready(t, "leads").await;

    // The meta endpoint lists them after the built-in fields, with types and options.
    let meta = t.get_json(&t.a_token, "/api/v1/meta/leads").await;
    let fields = meta["fields"].as_array().expect("fields");
    let m = fields
        .iter()
        .find(|f| f["key"] == "custom.butce_araligi")
        .expect("meta lists the field");
    assert_eq!(m["type"], "choice");
    assert_eq!(m["custom"], true);
    assert_eq!(m["filterable"], true);
    assert_eq!(m["options"].as_array().map(Vec::len), Some(5));
    assert!(fields.iter().any(|f| f["key"] == "phone" && f["custom"] == false));

    // Valid values of every type, stored typed and returned in `custom`.
    let v = t
        .lead(
            &t.a_token,
            lead_with(json!({
                "butce_araligi": big, "tahmini_satin_alma_tarihi": "2026-03-01", "stand_m": 24.5,
                "ayrilan_butce": "1.250.000,50", "karar_verici_mi": true, "ziyaret_notu": "Pres hattı\\nistiyor",
                "salon": "Hol 4", "ilgi_alanlari": ["pres", "boya"], "teknik_sorumlu": t.b_id,
            })),
        )
        .await;
    let c = &v["custom"];
    assert_eq!(c["butce_araligi"], big.as_str());
    assert_eq!(c["tahmini_satin_alma_tarihi"], "2026-03-01");
    assert_eq!(c["stand_m"], 24.5);
    assert_eq!(c["ayrilan_butce"], "1250000.50");
    assert_eq!(c["karar_verici_mi"], true);
    assert_eq!(c["ilgi_alanlari"], json!(["pres", "boya"]));
    assert_eq!(c["teknik_sorumlu"], t.b_id);
    let lead_id = id(&v);
    let other = t
        .lead(
            &t.a_token,
            json!({"company": "Başka Makine", "email": "satin@baska.com.tr", "source": "meta",
                   "custom": {"butce_araligi": small, "ayrilan_butce": 1000}}),
        )
        .await;

    // Invalid values: 422 naming `custom.KEY`, nothing written.
    let before = t.lead_count().await;
    for (custom, field, code) in [
        (
            json!({"butce_araligi": "yok_boyle"}),
            "custom.butce_araligi",
            "invalid_choice",
        ),
        (
            json!({"tahmini_satin_alma_tarihi": "31 Şubat"}),
            "custom.tahmini_satin_alma_tarihi",
            "invalid_date",
        ),
        (json!({"stand_m": "çok"}), "custom.stand_m", "invalid_number"),
        (
            json!({"ayrilan_butce": "12,345"}),
            "custom.ayrilan_butce",
            "invalid_money",
        ),
        (
            json!({"karar_verici_mi": "belki"}),
            "custom.karar_verici_mi",
            "invalid_bool",
        ),
        (
            json!({"ilgi_alanlari": ["pres", "roket"]}),
            "custom.ilgi_alanlari",
            "invalid_choice",
        ),
        (
            json!({"teknik_sorumlu": 999_999}),
            "custom.teknik_sorumlu",
            "invalid_choice",
        ),
        (json!({"salon": "x".repeat(201)}), "custom.salon", "too_long"),
        (json!({"nope": "1"}), "custom.nope", "unknown_field"),
        (json!({"salon": {"a": 1}}), "custom.salon", "invalid_type"),
    ] {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/leads", lead_with(custom.clone()))).await;
        assert_eq!(s, 422, "{custom}: {p}");
        assert!(has_error(&p, field, code), "{custom}: {p}");
    }
    assert_eq!(t.lead_count().await, before, "nothing written");

    // A change is a history entry under the field's key.
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/leads/{lead_id}"),
        json!({"version": 1, "custom": {"salon": "Hol 7"}}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["custom"]["salon"], "Hol 7");
    assert_eq!(
        p["custom"]["butce_araligi"],
        big.as_str(),
        "absent custom values are kept"
    );
    let h = t
        .get_json(&t.a_token, &format!("/api/v1/leads/{lead_id}/history"))
        .await;
    assert!(
        h["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["field"] == "custom.salon" && e["old"] == "Hol 4" && e["new"] == "Hol 7"),
        "{h}"
    );

    // Filters: the select, the checkbox and the multi-select; a sort by the amount.
    let l = t
        .get_json(&t.a_token, &format!("/api/v1/leads?custom.butce_araligi={big}"))
        .await;
    assert_eq!(ids(&l), vec![lead_id], "{l}");
    let l = t
        .get_json(&t.a_token, "/api/v1/leads?custom.karar_verici_mi=true")
        .await;
    assert_eq!(ids(&l), vec![lead_id], "{l}");
    let l = t.get_json(&t.a_token, "/api/v1/leads?custom.ilgi_alanlari=boya").await;
    assert_eq!(ids(&l), vec![lead_id], "{l}");
    let l = t.get_json(&t.a_token, "/api/v1/leads?sort=-custom.ayrilan_butce").await;
    assert_eq!(ids(&l), vec![lead_id, id(&other)], "{l}");
    let (s, p) = send(t.get(&t.a_token, "/api/v1/leads?custom.salon=Hol%207")).await;
    assert_eq!(s, 422, "not filterable: {p}");
    let (s, p) = send(t.get(&t.a_token, "/api/v1/leads?custom.butce_araligi=yok")).await;
    assert_eq!(s, 422, "{p}");

    // Searchable custom values are found by the list search and the global search (once the
    // background refresh has run for fields made searchable after records existed).
    indexes_ready(t, "leads").await;
    let l = t.get_json(&t.a_token, "/api/v1/leads?q=pres%20hatti").await;
    assert_eq!(ids(&l), vec![lead_id], "{l}");

    // Required from now on: a new lead must name it; an edit of an older one must fill it too.
    let (s, p) = send(t.patch(
        &t.admin_token,
        "/api/v1/meta/leads/fields/tahmini_satin_alma_tarihi",
        json!({"required": true}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/leads",
        json!({"company": "Üçüncü Ltd.", "phone": "0212 333 22 11", "source": "web_form"}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "custom.tahmini_satin_alma_tarihi", "required"), "{p}");
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/leads/{}", id(&other)),
        json!({"version": 1, "city": "Konya"}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "custom.tahmini_satin_alma_tarihi", "required"), "{p}");
    // A record not touched keeps reading fine.
    let got = t.get_json(&t.a_token, &format!("/api/v1/leads/{}", id(&other))).await;
    assert_eq!(got["custom"]["ayrilan_butce"], "1000.00");

    // Bad definitions are named.
    for (body, field, code) in [
        (json!({"label": "", "type": "text"}), "label", "required"),
        (json!({"label": "X", "type": "renk"}), "type", "invalid_choice"),
        (json!({"label": "Seçim", "type": "choice"}), "options", "required"),
        (
            json!({"label": "Y", "type": "text", "colour": 1}),
            "colour",
            "unknown_field",
        ),
    ] {
        let (s, p) = send(t.post(&t.admin_token, "/api/v1/meta/leads/fields", body.clone())).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert!(has_error(&p, field, code), "{body}: {p}");
    }
    let (s, p) = send(t.patch(
        &t.admin_token,
        "/api/v1/meta/leads/fields/salon",
        json!({"type": "number"}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "type", "type_fixed"), "{p}");
    let (s, _) = send(t.get(&t.admin_token, "/api/v1/meta/robots")).await;
    assert_eq!(s, 404);
});

db_test!(renaming_and_deactivating_keep_the_values, |t| {
    let f = field(
        t,
        "accounts",
        json!({"label": "Stand yeri", "type": "choice", "options": ["Salon 1", "Salon 2"], "filterable": true}),
    )
    .await;
    let key = f["key"].as_str().expect("key").to_string();
    let first = f["options"][0]["key"].as_str().expect("option").to_string();
    let second = f["options"][1]["key"].as_str().expect("option").to_string();
    let acc = crate::api_support::account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Stand Ltd.", "custom": {key.clone(): first}}),
    )
    .await;
    let path = format!("/api/v1/accounts/{}", id(&acc));

    // A new label and a renamed option change no stored value.
    let (s, p) = send(t.patch(
        &t.admin_token,
        &format!("/api/v1/meta/accounts/fields/{key}"),
        json!({"label": "Fuar standı", "options": [{"key": first, "label": "Ana salon"}]}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["key"], key.as_str(), "the key is stable");
    let got = t.get_json(&t.a_token, &path).await;
    assert_eq!(got["custom"][&key], first.as_str());
    let meta = t.get_json(&t.a_token, "/api/v1/meta/accounts").await;
    let m = meta["fields"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["key"] == format!("custom.{key}")))
        .cloned()
        .expect("field in meta");
    assert_eq!(m["label"], "Fuar standı");
    assert_eq!(m["options"][0]["label"], "Ana salon");

    // A retired option is no longer accepted on other records, but stays where it is.
    let (s, p) = send(t.patch(
        &t.admin_token,
        &format!("/api/v1/meta/accounts/fields/{key}"),
        json!({"options": [{"key": first, "label": "Ana salon", "active": false}]}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "Yeni Stand A.Ş.", "custom": {key.clone(): first}}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, &format!("custom.{key}"), "invalid_choice"), "{p}");
    let (s, p) = send(t.patch(&t.a_token, &path, json!({"version": 1, "city": "Bursa"}))).await;
    assert_eq!(s, 200, "the record keeping the retired option still saves: {p}");
    assert_eq!(p["custom"][&key], first.as_str());

    // Deactivated: gone from meta, forms and answers, the value kept; back when reactivated.
    let (s, _) = send(
        t.http
            .delete(t.url(&format!("/api/v1/meta/accounts/fields/{key}")))
            .bearer_auth(&t.admin_token),
    )
    .await;
    assert_eq!(s, 200);
    let got = t.get_json(&t.a_token, &path).await;
    assert!(got["custom"].get(&key).is_none(), "{got}");
    let meta = t.get_json(&t.a_token, "/api/v1/meta/accounts").await;
    assert!(!meta.to_string().contains(&format!("custom.{key}")));
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/accounts",
        json!({"kind": "company", "name": "Pasif Alan A.Ş.", "custom": {key.clone(): second}}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    let (s, p) = send(t.patch(
        &t.admin_token,
        &format!("/api/v1/meta/accounts/fields/{key}"),
        json!({"active": true}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    let got = t.get_json(&t.a_token, &path).await;
    assert_eq!(got["custom"][&key], first.as_str(), "{got}");
});

db_test!(views_follow_the_sharing_rules, |t| {
    for (first, status) in [("Ayla", "new"), ("Burak", "contacted")] {
        let mut body = json!({"first_name": first, "last_name": "Fuar", "source": "fair",
                              "source_detail": "Metal Expo 2025", "status": status});
        body["email"] = json!(format!("{}@fuar.com.tr", first.to_lowercase()));
        t.lead(&t.a_token, body).await;
    }
    // Ali's private view: his alone.
    let (s, mine) = send(t.post(
        &t.a_token,
        "/api/v1/views",
        json!({"kind": "leads", "name": "Yeni fuar adayları", "filters": {"source": "fair", "status": "new"},
               "columns": ["phone", "status"], "sort": "name"}),
    ))
    .await;
    assert_eq!(s, 201, "{mine}");
    assert_eq!(mine["shared"], false);
    let l = t
        .get_json(&t.a_token, &format!("/api/v1/leads?view={}", id(&mine)))
        .await;
    assert_eq!(l["items"].as_array().map(Vec::len), Some(1), "{l}");
    assert_eq!(l["items"][0]["first_name"], "Ayla");
    // Query parameters given beside the view win over its own.
    let l = t
        .get_json(
            &t.a_token,
            &format!("/api/v1/leads?view={}&status=contacted", id(&mine)),
        )
        .await;
    assert_eq!(l["items"][0]["first_name"], "Burak", "{l}");
    for token in [&t.m_token, &t.b_token] {
        let (s, _) = send(t.get(token, &format!("/api/v1/views/{}", id(&mine)))).await;
        assert_eq!(s, 404, "someone else's private view is not found");
    }

    // Shared with the team: Mehmet (same team) sees it and lists through it, within his own
    // visibility; Berna (other team) does not; only Ali or an admin may change it.
    let (s, shared) = send(t.post(
        &t.a_token,
        "/api/v1/views",
        json!({"kind": "leads", "name": "Ekip fuar listesi", "filters": {"source": "fair"}, "shared": true}),
    ))
    .await;
    assert_eq!(s, 201, "{shared}");
    let vs = t.get_json(&t.m_token, "/api/v1/views?kind=leads").await;
    assert!(
        ids(&vs).contains(&id(&shared)) && !ids(&vs).contains(&id(&mine)),
        "{vs}"
    );
    let l = t
        .get_json(&t.m_token, &format!("/api/v1/leads?view={}", id(&shared)))
        .await;
    assert_eq!(l["items"].as_array().map(Vec::len), Some(2), "{l}");
    let vs = t.get_json(&t.b_token, "/api/v1/views?kind=leads").await;
    assert!(!ids(&vs).contains(&id(&shared)), "{vs}");
    let l = t
        .get_json(&t.b_token, &format!("/api/v1/leads?view={}", id(&shared)))
        .await;
    assert_eq!(l["status"], 404, "{l}");
    let (s, p) = send(t.patch(
        &t.m_token,
        &format!("/api/v1/views/{}", id(&shared)),
        json!({"name": "Benim listem"}),
    ))
    .await;
    assert_eq!(s, 403, "{p}");
    assert_eq!(
        delete(t, &t.m_token, &format!("/api/v1/views/{}", id(&shared))).await,
        403
    );
    let (s, p) = send(t.patch(
        &t.admin_token,
        &format!("/api/v1/views/{}", id(&shared)),
        json!({"name": "Fuar listesi (yönetici)"}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["name"], "Fuar listesi (yönetici)");

    // Bad views are named: an unknown filter or column, no name, another kind's view.
    for (body, field) in [
        (
            json!({"kind": "leads", "name": "X", "filters": {"renk": "mavi"}}),
            "renk",
        ),
        (json!({"kind": "leads", "name": "X", "columns": ["maas"]}), "columns"),
        (json!({"kind": "leads", "name": ""}), "name"),
        (json!({"kind": "robots", "name": "X"}), "kind"),
    ] {
        let (s, p) = send(t.post(&t.a_token, "/api/v1/views", body.clone())).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert!(p.to_string().contains(field), "{body}: {p}");
    }
    let l = t
        .get_json(&t.a_token, &format!("/api/v1/accounts?view={}", id(&mine)))
        .await;
    assert_eq!(l["status"], 404, "a leads view does not list accounts: {l}");
    assert_eq!(
        delete(t, &t.a_token, &format!("/api/v1/views/{}", id(&mine))).await,
        204
    );
});

/// Evaluates a runtime expression of an OpenAPI link (`$response.body#/id`).
fn runtime(expr: &str, body: &Value) -> Value {
    match expr.strip_prefix("$response.body#") {
        Some(pointer) => body.pointer(pointer).cloned().unwrap_or(Value::Null),
        None => Value::Null,
    }
}

/// The path and method of an operation, found by its id.
fn operation(doc: &Value, operation_id: &str) -> Option<(String, String)> {
    for (path, item) in doc["paths"].as_object()? {
        for (method, op) in item.as_object()? {
            if op["operationId"] == operation_id {
                return Some((path.clone(), method.clone()));
            }
        }
    }
    None
}

db_test!(a_generic_client_follows_the_openapi_links_from_create_to_delete, |t| {
    let doc = t.get_json(&t.admin_token, "/api/v1/openapi.json").await;
    // A valid body per kind; everything else the client reads from the document.
    let bodies = [
        (
            "leads",
            json!({"company": "Link Makine", "phone": "0312 444 55 66", "source": "web_form"}),
        ),
        ("accounts", json!({"kind": "company", "name": "Link Holding A.Ş."})),
        ("contacts", json!({"first_name": "Lale", "last_name": "Link"})),
        (
            "products",
            json!({"sku": "LNK-1", "name": "Link vidası", "unit": "adet", "currency": "TRY", "kdv_rate": "20"}),
        ),
    ];
    for (kind, body) in bodies {
        let create = &doc["paths"][format!("/api/v1/{kind}")]["post"];
        assert!(create.is_object(), "{kind}: no create operation");
        // The request schema names every required field of the body.
        let schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .expect("schema ref");
        let schema = &doc["components"]["schemas"][schema_ref.trim_start_matches("#/components/schemas/")];
        for req in schema["required"].as_array().cloned().unwrap_or_default() {
            assert!(body.get(req.as_str().unwrap_or_default()).is_some(), "{kind}: {req}");
        }
        let (s, created) = send(t.post(&t.admin_token, &format!("/api/v1/{kind}"), body.clone())).await;
        assert_eq!(s, 201, "{kind}: {created}");
        let links = create["responses"]["201"]["links"].as_object().expect("links").clone();
        let mut current = created.clone();
        for step in ["get", "patch", "delete"] {
            let link = &links[step];
            let (path, method) = operation(&doc, link["operationId"].as_str().expect("operationId"))
                .unwrap_or_else(|| panic!("{kind}: {step} names no operation"));
            let mut url = path.clone();
            for (name, expr) in link["parameters"].as_object().expect("parameters") {
                let v = runtime(expr.as_str().unwrap_or_default(), &created);
                url = url.replace(&format!("{{{name}}}"), &v.to_string());
            }
            let (s, v) = match method.as_str() {
                "get" => send(t.get(&t.admin_token, &url)).await,
                "patch" => send(t.patch(&t.admin_token, &url, json!({"version": current["version"]}))).await,
                "delete" => send(t.http.delete(t.url(&url)).bearer_auth(&t.admin_token)).await,
                other => panic!("{other}"),
            };
            let expected = if method == "delete" { 204 } else { 200 };
            assert_eq!(s, expected, "{kind} {method} {url}: {v}");
            if method != "delete" {
                assert_eq!(v["id"], created["id"]);
                current = v;
            }
        }
        let gone = t
            .get_json(&t.admin_token, &format!("/api/v1/{kind}/{}", id(&created)))
            .await;
        assert!(!gone["archived_at"].is_null(), "{kind}: deleting archives: {gone}");
    }
});
