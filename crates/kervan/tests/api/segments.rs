//! The seeds' segments as saved views, exported: "İstanbul'daki sağlık sektörü yüksek
//! potansiyelli müşteriler", "Metal Expo 2025 adayları", and "son 6 ayda teklif verip
//! kazanamadığımız müşteriler" (a filter on related records).

use serde_json::{Value, json};

use crate::api_support::{account, id, send};
use crate::db_test;
use crate::helpers::TestApp;

async fn view(t: &TestApp, kind: &str, name: &str, filters: Value) -> i64 {
    let (s, v) = send(t.post(
        &t.admin_token,
        "/api/v1/views",
        json!({"kind": kind, "name": name, "filters": filters}),
    ))
    .await;
    assert_eq!(s, 201, "{v}");
    id(&v)
}

/// The names a saved view lists, through the API as a script would read them.
async fn names(t: &TestApp, kind: &str, view_id: i64) -> Vec<String> {
    let v = t.get_json(&t.admin_token, &format!("/api/v1/views/{view_id}")).await;
    let filters = v["filters"].as_object().cloned().unwrap_or_default();
    let pairs: Vec<(String, String)> = filters
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let q = serde_urlencoded::to_string(&pairs).unwrap();
    let list = t.get_json(&t.admin_token, &format!("/api/v1/{kind}?{q}")).await;
    let mut out: Vec<String> = list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| {
            r["name"]
                .as_str()
                .or(r["first_name"].as_str())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    out.sort();
    out
}

async fn export_view(t: &TestApp, kind: &str, view_id: i64) -> String {
    let admin = t.actor(t.admin_id).await;
    let k = kervan_core::kinds::by_key(kind).unwrap();
    let v = kervan_app::views::get(&t.app, &admin, view_id).await.unwrap();
    let tr = kervan_web::i18n::I18n::new(kervan_web::i18n::Lang::Tr);
    let spec = kervan_web::kit::export::spec_for(
        &tr,
        k,
        &[],
        vec!["name".into(), "city".into()],
        false,
        kervan_app::exports::Format::Csv,
        v.params(),
    );
    let out = t.app.config.data_dir.join(format!("segment-{view_id}.csv"));
    kervan_app::exports::run_now(&t.app, &admin, &spec, &out).await.unwrap();
    String::from_utf8(std::fs::read(out).unwrap()).unwrap()
}

db_test!(the_seed_segments_are_saved_views_and_export, |t| {
    let acc = |name: &str, city: &str, potential: &str| json!({"kind": "company", "name": name, "city": city, "sector": "Sağlık", "potential": potential});
    let a = id(&account(t, &t.admin_token, acc("Anadolu Hastanesi", "İstanbul", "high")).await);
    account(t, &t.admin_token, acc("Boğaz Kliniği", "İstanbul", "low")).await;
    let c = id(&account(t, &t.admin_token, acc("Çankaya Tıp", "Ankara", "high")).await);
    let d = id(&account(
        t,
        &t.admin_token,
        json!({"kind": "company", "name": "Deniz Lojistik", "city": "İzmir"}),
    )
    .await);
    let s1 = view(
        t,
        "accounts",
        "İstanbul'daki sağlık sektörü yüksek potansiyelli müşteriler",
        json!({"city": "İstanbul", "sector": "Sağlık", "potential": "high"}),
    )
    .await;
    assert_eq!(names(t, "accounts", s1).await, vec!["Anadolu Hastanesi"]);
    let csv = export_view(t, "accounts", s1).await;
    assert!(
        csv.contains("Anadolu Hastanesi;İstanbul") && !csv.contains("Boğaz"),
        "{csv}"
    );

    // Fair leads.
    for (first, detail) in [
        ("Ece", "Metal Expo 2025"),
        ("Ozan", "Metal Expo 2025"),
        ("Pelin", "Win Eurasia 2025"),
    ] {
        t.lead(
            &t.admin_token,
            json!({"first_name": first, "last_name": "Fuar", "source": "fair", "source_detail": detail,
            "email": format!("{}@fuar.com.tr", first.to_lowercase())}),
        )
        .await;
    }
    let s2 = view(
        t,
        "leads",
        "Metal Expo 2025 adayları",
        json!({"source": "fair", "source_detail": "Metal Expo 2025"}),
    )
    .await;
    assert_eq!(names(t, "leads", s2).await, vec!["Ece Fuar", "Ozan Fuar"]);

    // Quotes: A has one sent and not won; C had one accepted; D none.
    let line = json!([{"description": "Cihaz bakımı", "quantity": "1", "unit_price": "1000", "kdv_rate": "20"}]);
    for acc_id in [a, c] {
        let (s, q) = send(t.post(
            &t.admin_token,
            "/api/v1/quotes",
            json!({"account_id": acc_id, "lines": line}),
        ))
        .await;
        assert_eq!(s, 201, "{q}");
        let (s, p) = send(t.post(&t.admin_token, &format!("/api/v1/quotes/{}/send", id(&q)), json!({}))).await;
        assert_eq!(s, 200, "{p}");
        if acc_id == c {
            let (s, p) = send(t.post(&t.admin_token, &format!("/api/v1/quotes/{}/accept", id(&q)), json!({}))).await;
            assert_eq!(s, 200, "{p}");
        }
    }
    let s3 = view(
        t,
        "accounts",
        "Son 6 ayda teklif verip kazanamadığımız müşteriler",
        json!({"has.quotes": "issue_date>=-6m", "none.quotes": "status=accepted,issue_date>=-6m"}),
    )
    .await;
    assert_eq!(names(t, "accounts", s3).await, vec!["Anadolu Hastanesi"]);
    let csv = export_view(t, "accounts", s3).await;
    assert!(
        csv.contains("Anadolu Hastanesi") && !csv.contains("Çankaya") && !csv.contains("Deniz"),
        "{csv}"
    );
    let _ = d;
    // A wrong related filter is a clear 422, not an empty list.
    for bad in [
        "has.nothing=x",
        "has.quotes=colour=red",
        "none.quotes=status=maybe",
        "has.quotes=issue_date>=yesterday",
    ] {
        let (k, v) = bad.split_once('=').unwrap();
        let q = serde_urlencoded::to_string([(k, v)]).unwrap();
        let (s, p) = send(t.get(&t.admin_token, &format!("/api/v1/accounts?{q}"))).await;
        assert_eq!(s, 422, "{bad}: {p}");
    }
});

db_test!(related_conditions_are_added_in_the_filter_bar_and_shown_as_chips, |t| {
    let b = crate::helpers::Browser::new(t, "admin@ornek.com.tr").await;
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    // The builder's row: a choice typed as it reads becomes the list's own parameter.
    let q = serde_urlencoded::to_string([
        ("city", "İstanbul"),
        ("rel_mode", "none"),
        ("rel_field", "quotes.status"),
        ("rel_op", "="),
        ("rel_value", "kabul edildi"),
    ])
    .unwrap();
    let r = b.c.get(t.url(&format!("/accounts?{q}"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = location(&r);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(
        pairs,
        vec![
            ("city".to_string(), "İstanbul".to_string()),
            ("none.quotes".to_string(), "status=accepted".to_string())
        ],
        "{to}"
    );
    // A second condition on the same kind joins the first; a comma in a value cannot start a third.
    let q = serde_urlencoded::to_string([
        ("none.quotes", "status=accepted"),
        ("rel_mode", "none"),
        ("rel_field", "quotes.issue_date"),
        ("rel_op", ">="),
        ("rel_value", "-6m,status=draft"),
    ])
    .unwrap();
    let r = b.c.get(t.url(&format!("/accounts?{q}"))).send().await.unwrap();
    let to = location(&r);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(to.split_once('?').unwrap().1).unwrap();
    assert_eq!(
        pairs,
        vec![(
            "none.quotes".to_string(),
            "status=accepted,issue_date>=-6m status=draft".to_string()
        )]
    );
    // …which the list then refuses with its own message, not a wrong list.
    let page = b.page(t, &to).await;
    assert!(page.contains("alert-error"), "{page}");
    // A field that is not offered, or no value: the row adds nothing.
    for (field, value) in [
        ("users.password_hash", "x"),
        ("quotes.status", ""),
        ("quotes.notes", "x"),
    ] {
        let q = serde_urlencoded::to_string([
            ("rel_mode", "has"),
            ("rel_field", field),
            ("rel_op", "="),
            ("rel_value", value),
        ])
        .unwrap();
        let r = b.c.get(t.url(&format!("/accounts?{q}"))).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/accounts?", "{field}");
    }
    // In force, each condition reads as words, is kept by the filter form and can be removed.
    let q = serde_urlencoded::to_string([
        ("has.quotes", "issue_date>=-6m"),
        ("none.quotes", "status=accepted,issue_date>=-6m"),
    ])
    .unwrap();
    let page = b.page(t, &format!("/accounts?{q}")).await;
    assert!(
        page.contains("Teklifler: en az biri: Teklif tarihi ≥ 6 ay önce"),
        "{page}"
    );
    assert!(
        page.contains("Teklifler: hiçbiri: Durum = Kabul edildi, Teklif tarihi ≥ 6 ay önce"),
        "{page}"
    );
    assert!(
        page.contains("<input type=\"hidden\" name=\"has.quotes\" value=\"issue_date&#62;=-6m\">"),
        "{page}"
    );
    let keep = serde_urlencoded::to_string([("none.quotes", "status=accepted,issue_date>=-6m")]).unwrap();
    assert!(
        page.contains(&format!("href=\"/accounts?{}\"", keep.replace('&', "&amp;"))),
        "{page}"
    );
    // The builder offers the related kinds' dates, choices and amounts, not their notes.
    assert!(page.contains("value=\"quotes.issue_date\""), "{page}");
    assert!(!page.contains("value=\"quotes.notes\""), "{page}");
    // The row has its own form carrying the list as it is: filtering as usual never sends it.
    assert!(page.contains("name=\"rel_value\" form=\"related-form\""), "{page}");
    let related_form = page.split("id=\"related-form\"").nth(1).unwrap_or_default();
    assert!(
        related_form
            .split("</form>")
            .next()
            .unwrap_or_default()
            .contains("name=\"none.quotes\""),
        "{related_form}"
    );
});
