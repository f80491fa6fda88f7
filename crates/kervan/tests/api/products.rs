//! Products (Ürünler), the first module built only with the record kit: create, read, change,
//! archive and delete by role, defaults, the rules of KDV, unique SKUs, search, bad input.

use serde_json::json;

use crate::api_support::{delete, has_error, id, ids, send, viewer};
use crate::db_test;

db_test!(products_by_role_with_their_rules, |t| {
    // Admins and managers add products; everyone sees them; reps and viewers change nothing.
    let (s, p) = send(t.post(
        &t.admin_token,
        "/api/v1/products",
        json!({"sku": "PRS-100", "name": "Hidrolik pres 100 ton", "list_price": "1.250.000,50",
               "currency": "EUR", "product_group": "Presler", "description": "Çift kolonlu"}),
    ))
    .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(
        (p["unit"].as_str(), p["kdv_rate"].as_str(), p["active"].as_bool()),
        (Some("adet"), Some("20"), Some(true))
    );
    assert_eq!(p["list_price"], "1250000.50");
    assert_eq!(p["currency"], "EUR");
    let press = id(&p);
    let (s, p) = send(t.post(
        &t.m_token,
        "/api/v1/products",
        json!({"sku": "kyn-7", "name": "Kaynak teli 1,2 mm", "unit": "kg", "list_price": 185.5,
               "kdv_rate": "0", "kdv_exemption_reason": "İhracat kaydıyla teslim"}),
    ))
    .await;
    assert_eq!(s, 201, "{p}");
    let wire = id(&p);
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/products",
        json!({"sku": "X-1", "name": "Yetkisiz"}),
    ))
    .await;
    assert_eq!(s, 403, "{p}");
    let view_token = viewer(t).await;
    let list = t.get_json(&view_token, "/api/v1/products").await;
    assert_eq!(ids(&list), vec![press, wire], "by name: {list}");
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/products/{press}"),
        json!({"version": 1, "name": "Pres"}),
    ))
    .await;
    assert_eq!(s, 403);

    // SKUs are unique without regard to case or spaces, archived products included.
    let (s, p) = send(t.post(
        &t.admin_token,
        "/api/v1/products",
        json!({"sku": " prs-100 ", "name": "Kopya pres"}),
    ))
    .await;
    assert_eq!(s, 409, "{p}");
    assert_eq!(p["duplicates"][0]["field"], "sku", "{p}");

    // KDV 0 needs the exemption reason; another rate drops it.
    let (s, p) = send(t.post(
        &t.admin_token,
        "/api/v1/products",
        json!({"sku": "BOY-1", "name": "Boya", "kdv_rate": "0"}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "kdv_exemption_reason", "required"), "{p}");
    let (s, p) = send(t.patch(
        &t.m_token,
        &format!("/api/v1/products/{wire}"),
        json!({"version": 1, "kdv_rate": "10"}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    assert!(p["kdv_exemption_reason"].is_null(), "{p}");

    // Bad input is named, field by field, and writes nothing.
    let before = crate::api_support::count(t, "products").await;
    for (body, field, code) in [
        (json!({"name": "SKU yok"}), "sku", "required"),
        (json!({"sku": "A-1"}), "name", "required"),
        (
            json!({"sku": "A-2", "name": "X", "unit": "varil"}),
            "unit",
            "invalid_choice",
        ),
        (
            json!({"sku": "A-3", "name": "X", "currency": "GBP"}),
            "currency",
            "invalid_choice",
        ),
        (
            json!({"sku": "A-4", "name": "X", "kdv_rate": "18"}),
            "kdv_rate",
            "invalid_choice",
        ),
        (
            json!({"sku": "A-5", "name": "X", "list_price": "on bin"}),
            "list_price",
            "invalid_money",
        ),
        (
            json!({"sku": "A-6", "name": "X", "active": "evet"}),
            "active",
            "invalid_type",
        ),
        (json!({"sku": "A".repeat(101), "name": "X"}), "sku", "too_long"),
        (
            json!({"sku": "A-7", "name": "X", "barcode": "1"}),
            "barcode",
            "unknown_field",
        ),
    ] {
        let (s, p) = send(t.post(&t.admin_token, "/api/v1/products", body.clone())).await;
        assert_eq!(s, 422, "{body}: {p}");
        assert!(has_error(&p, field, code), "{body}: {p}");
    }
    assert_eq!(crate::api_support::count(t, "products").await, before);

    // Found by SKU (any case) and by name, in the list and in the global search.
    let l = t.get_json(&t.a_token, "/api/v1/products?q=prs-100").await;
    assert_eq!(ids(&l), vec![press], "{l}");
    let l = t.get_json(&t.a_token, "/api/v1/products?q=kaynak").await;
    assert_eq!(ids(&l), vec![wire], "{l}");
    let g = t.get_json(&t.a_token, "/api/v1/search?q=PRS-100").await;
    assert_eq!(g["products"][0]["id"], press, "{g}");
    assert_eq!(g["products"][0]["url"], format!("/products/{press}"));
    let l = t.get_json(&t.a_token, "/api/v1/products?unit=kg&sort=-sku").await;
    assert_eq!(ids(&l), vec![wire], "{l}");

    // Archive and delete: admins only; an archived product leaves the list and comes back.
    assert_eq!(delete(t, &t.m_token, &format!("/api/v1/products/{press}")).await, 403);
    assert_eq!(
        delete(t, &t.admin_token, &format!("/api/v1/products/{press}")).await,
        204
    );
    let l = t.get_json(&t.a_token, "/api/v1/products").await;
    assert_eq!(ids(&l), vec![wire]);
    let (s, p) = send(t.post(&t.admin_token, &format!("/api/v1/products/{press}/restore"), json!({}))).await;
    assert_eq!(s, 200, "{p}");
    assert!(p["archived_at"].is_null());
    assert_eq!(
        delete(t, &t.admin_token, &format!("/api/v1/products/{wire}?hard=true")).await,
        204
    );
    let (s, _) = send(t.get(&t.admin_token, &format!("/api/v1/products/{wire}"))).await;
    assert_eq!(s, 404);
    let h = t
        .get_json(&t.a_token, &format!("/api/v1/products/{press}/history"))
        .await;
    assert!(h.to_string().contains("archived_at"), "{h}");
});

db_test!(product_pages_follow_the_roles, |t| {
    let (rep, _) = t.browser("ali@ornek.com.tr").await;
    let list = rep.get(t.url("/products")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(
        html.contains("Ürünler") && !html.contains("href=\"/products/new\""),
        "{html}"
    );
    let r = rep.get(t.url("/products/new")).send().await.unwrap();
    assert_eq!(r.status(), 403);

    let (admin, csrf) = t.browser("admin@ornek.com.tr").await;
    let form = admin
        .get(t.url("/products/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("name=\"sku\"") && form.contains("KDV"), "{form}");
    let r = admin
        .post(t.url("/products"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("sku", "VDA-8"),
            ("name", "Vida M8"),
            ("unit", "paket"),
            ("list_price", "12,50"),
            ("currency", "TRY"),
            ("kdv_rate", "0"),
            ("active", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "KDV 0 asks for the reason");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"error-summary\"") && html.contains("value=\"Vida M8\""),
        "{html}"
    );
    let r = admin
        .post(t.url("/products"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("sku", "VDA-8"),
            ("name", "Vida M8"),
            ("unit", "paket"),
            ("list_price", "12,50"),
            ("currency", "TRY"),
            ("kdv_rate", "20"),
            ("active", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let card_path = r.headers()["location"].to_str().unwrap().to_string();
    let card = admin.get(t.url(&card_path)).send().await.unwrap().text().await.unwrap();
    assert!(
        card.contains("Vida M8") && card.contains("12,50 ₺") && card.contains("Paket"),
        "{card}"
    );
});
