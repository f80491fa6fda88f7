//! The kit's pages: Ayarlar → Özel alanlar (admins only), custom fields in the lead form, card,
//! list columns and filters, and saved views from the list.

use crate::db_test;
use crate::helpers::Browser as B;

db_test!(admins_shape_custom_fields_on_the_settings_page, |t| {
    let rep = B::new(t, "ali@ornek.com.tr").await;
    assert_eq!(rep.get(t, "/settings/fields").await.0, 403);
    let (s, _, _) = rep
        .post(t, "/settings/fields/leads", &[("label", "Gizli"), ("type", "text")])
        .await
        .parts();
    assert_eq!(s, 403);

    let admin = B::new(t, "admin@ornek.com.tr").await;
    let (s, hub) = admin.get(t, "/settings").await;
    assert_eq!(s, 200);
    assert!(
        hub.contains("href=\"/settings/fields\"") && hub.contains("href=\"/users\""),
        "{hub}"
    );
    let (s, page) = admin.get(t, "/settings/fields?kind=accounts").await;
    assert_eq!(s, 200);
    assert!(page.contains("Bu kayıt türünde henüz özel alan yok."), "{page}");
    assert_eq!(admin.get(t, "/settings/fields?kind=robots").await.0, 404);

    // Errors are named and the typed values kept.
    let (s, _, body) = admin
        .post(
            t,
            "/settings/fields/leads",
            &[("label", ""), ("type", "choice"), ("options", "")],
        )
        .await
        .parts();
    assert_eq!(s, 422);
    assert!(
        body.contains("id=\"error-summary\"") && body.contains("Alan adı: Bu alan zorunlu."),
        "{body}"
    );
    assert!(body.contains("<option value=\"choice\" selected>"), "{body}");

    let (s, location, _) = admin
        .post(
            t,
            "/settings/fields/leads",
            &[
                ("label", "Bütçe aralığı"),
                ("type", "choice"),
                ("options", "100 bin altı\n100-500 bin\n500 bin üstü"),
                ("filterable", "1"),
            ],
        )
        .await
        .parts();
    assert_eq!(
        (s, location.as_str()),
        (303, "/settings/fields?kind=leads&ok=field-created")
    );
    let (s, _, _) = admin
        .post(
            t,
            "/settings/fields/leads",
            &[("label", "Stand m²"), ("type", "number")],
        )
        .await
        .parts();
    assert_eq!(s, 303);
    let (_, page) = admin.get(t, "/settings/fields?kind=leads&ok=field-created").await;
    assert!(page.contains("Özel alan eklendi"), "toast");
    let budget = page.find("Bütçe aralığı").expect("listed");
    let stand = page.find("Stand m²").expect("listed");
    assert!(budget < stand, "in order of addition");

    // Reorder, rename, retire an option, deactivate and bring back.
    let (s, _, _) = admin
        .post(t, "/settings/fields/leads/stand_m/move", &[("dir", "up")])
        .await
        .parts();
    assert_eq!(s, 303);
    let (_, page) = admin.get(t, "/settings/fields?kind=leads").await;
    assert!(page.find("Stand m²") < page.find("Bütçe aralığı"), "moved up");
    let (s, edit) = admin.get(t, "/settings/fields/leads/butce_araligi").await;
    assert_eq!(s, 200);
    assert!(
        edit.contains("butce_araligi") && edit.contains("value=\"100 bin altı\""),
        "{edit}"
    );
    // The option inputs are named by the options' keys (read from the page, as a browser posts them).
    let keys: Vec<String> = edit
        .split("name=\"option.")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    assert_eq!(keys.len(), 3, "{edit}");
    let names: Vec<(String, String)> = keys
        .iter()
        .zip(["100 bin altı", "100-500 bin", "500 bin üstü"])
        .map(|(k, l)| (format!("option.{k}"), l.to_string()))
        .chain(
            keys.iter()
                .skip(1)
                .map(|k| (format!("option_active.{k}"), "1".to_string())),
        )
        .collect();
    let mut form: Vec<(&str, &str)> = names.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form.extend([
        ("label", "Bütçe"),
        ("new_options", "1 milyon üstü"),
        ("filterable", "1"),
    ]);
    let (s, location, body) = admin
        .post(t, "/settings/fields/leads/butce_araligi", &form)
        .await
        .parts();
    assert_eq!(s, 303, "{body}");
    assert_eq!(location, "/settings/fields?kind=leads&ok=field-saved");
    let meta = t.get_json(&t.a_token, "/api/v1/meta/leads").await;
    let f = meta["fields"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["key"] == "custom.butce_araligi"))
        .cloned()
        .expect("field");
    assert_eq!(f["label"], "Bütçe");
    let offered: Vec<&str> = f["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter_map(|o| o["label"].as_str())
        .collect();
    assert_eq!(offered, ["100-500 bin", "500 bin üstü", "1 milyon üstü"]);
    let (s, _, _) = admin
        .post(t, "/settings/fields/leads/stand_m/active", &[("active", "0")])
        .await
        .parts();
    assert_eq!(s, 303);
    let (_, page) = admin.get(t, "/settings/fields?kind=leads").await;
    assert!(page.contains("Pasif") && page.contains("Etkinleştir"), "{page}");
    let (_, form) = admin.get(t, "/leads/new").await;
    assert!(!form.contains("Stand m²"), "a deactivated field leaves the form");
    let (s, _, _) = admin
        .post(t, "/settings/fields/leads/stand_m/active", &[("active", "1")])
        .await
        .parts();
    assert_eq!(s, 303);
    let (_, form) = admin.get(t, "/leads/new").await;
    assert!(form.contains("Stand m²") && form.contains("Özel alanlar"), "{form}");
    // Forged or garbled posts are refused.
    let r = admin
        .c
        .post(t.url("/settings/fields/leads"))
        .form(&[("label", "CSRF yok"), ("type", "text")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let (s, _, _) = admin
        .post(t, "/settings/fields/leads/stand_m/move", &[("dir", "sideways")])
        .await
        .parts();
    assert_eq!(s, 400);
});

db_test!(custom_fields_in_the_lead_form_card_list_and_views, |t| {
    let admin = B::new(t, "admin@ornek.com.tr").await;
    for form in [
        vec![
            ("label", "Bütçe aralığı"),
            ("type", "choice"),
            ("options", "Küçük\nBüyük"),
            ("filterable", "1"),
        ],
        vec![("label", "Tahmini satın alma tarihi"), ("type", "date")],
    ] {
        let (s, _, body) = admin.post(t, "/settings/fields/leads", &form).await.parts();
        assert_eq!(s, 303, "{body}");
    }
    crate::helpers::custom_indexes_ready(t, &kervan_core::leads::KIND).await;

    let rep = B::new(t, "ali@ornek.com.tr").await;
    let (_, form) = rep.get(t, "/leads/new").await;
    assert!(
        form.contains("name=\"custom.butce_araligi\"") && form.contains("type=\"date\""),
        "{form}"
    );
    // A wrong date is named under its field, the rest kept.
    let lead = |date: &'static str| {
        vec![
            ("first_name", "Selin"),
            ("last_name", "Fuarcı"),
            ("phone", "0533 222 11 00"),
            ("source", "fair"),
            ("source_detail", "Metal Expo 2025"),
            ("status", "new"),
            ("custom.butce_araligi", "buyuk"),
            ("custom.tahmini_satin_alma_tarihi", date),
        ]
    };
    let (s, _, body) = rep.post(t, "/leads", &lead("2026-02-30")).await.parts();
    assert_eq!(s, 422);
    assert!(
        body.contains("Tahmini satın alma tarihi:"),
        "the summary names the field: {body}"
    );
    assert!(body.contains("value=\"Selin\""));
    let (s, location, _) = rep.post(t, "/leads", &lead("2026-03-15")).await.parts();
    assert_eq!(s, 303);
    let card_path = location.split('?').next().unwrap_or_default().to_string();
    let (_, card) = rep.get(t, &card_path).await;
    assert!(
        card.contains("Bütçe aralığı") && card.contains("Büyük") && card.contains("15.03.2026"),
        "{card}"
    );
    let (_, hist) = rep.get(t, &format!("{card_path}?tab=history")).await;
    assert!(hist.contains("Oluşturuldu") && hist.contains("Büyük"), "{hist}");

    // The budget as a column, then a filter on it, saved as a view.
    let (s, location, _) = rep
        .post(
            t,
            "/leads/columns",
            &[
                ("col", "name"),
                ("col", "phone"),
                ("col", "custom.butce_araligi"),
                ("back", "/leads"),
            ],
        )
        .await
        .parts();
    assert_eq!((s, location.as_str()), (303, "/leads"));
    let (_, list) = rep.get(t, "/leads?custom.butce_araligi=buyuk").await;
    assert!(
        list.contains("col-custom-butce_araligi") && list.contains("Selin Fuarcı"),
        "{list}"
    );
    let (_, none) = rep.get(t, "/leads?custom.butce_araligi=kucuk").await;
    assert!(!none.contains("Selin Fuarcı"));
    let (s, location, _) = rep
        .post(
            t,
            "/leads/views",
            &[
                ("name", "Büyük bütçeli fuar adayları"),
                ("query", "source=fair&custom.butce_araligi=buyuk"),
            ],
        )
        .await
        .parts();
    assert_eq!(s, 303);
    assert!(
        location.starts_with("/leads?view=") && location.ends_with("&ok=view"),
        "{location}"
    );
    let (_, viewed) = rep.get(t, &location).await;
    assert!(
        viewed.contains("Büyük bütçeli fuar adayları") && viewed.contains("Selin Fuarcı"),
        "{viewed}"
    );
    assert!(viewed.contains("Görünüm kaydedildi"), "toast");
    let view_id = location
        .trim_start_matches("/leads?view=")
        .trim_end_matches("&ok=view")
        .to_string();
    let v = t.get_json(&t.a_token, &format!("/api/v1/views/{view_id}")).await;
    assert_eq!(v["filters"]["custom.butce_araligi"], "buyuk", "{v}");
    assert_eq!(
        v["columns"],
        serde_json::json!(["name", "phone", "custom.butce_araligi"])
    );
    // Another team's rep cannot open it.
    let other = B::new(t, "berna@ornek.com.tr").await;
    let (s, _) = other.get(t, &format!("/leads?view={view_id}")).await;
    assert_eq!(s, 404);
    // An empty name is explained on the list.
    let (s, _, body) = rep
        .post(t, "/leads/views", &[("name", " "), ("query", "source=fair")])
        .await
        .parts();
    assert_eq!(s, 422);
    assert!(body.contains("Görünüm adı"), "{body}");
    let (s, _, _) = rep
        .post(t, &format!("/leads/views/{view_id}/delete"), &[])
        .await
        .parts();
    assert_eq!(s, 303);
});

db_test!(adding_a_user_is_explained_in_turkish_and_teams_are_chosen, |t| {
    let admin = B::new(t, "admin@ornek.com.tr").await;
    let (s, page) = admin.get(t, "/users").await;
    assert_eq!(s, 200);
    // The server explains errors (no browser bubbles in the browser's language), and the team is a
    // choice among the existing ones or a new one.
    assert!(page.contains("id=\"new-user\" novalidate"), "{page}");
    assert!(
        page.contains("<option value=\"Ekip 1\">Ekip 1</option>") && page.contains("value=\"__new\""),
        "{page}"
    );
    let (s, _, body) = admin
        .post(
            t,
            "/users",
            &[
                ("name", ""),
                ("email", "bozuk"),
                ("role", "sales"),
                ("team", "__new"),
                ("password", "kısa"),
            ],
        )
        .await
        .parts();
    assert_eq!(s, 422);
    assert!(
        body.contains("Yeni ekibin adı: Bu alan zorunlu.") || body.contains("Ekip: Bu alan zorunlu."),
        "{body}"
    );
    let (s, _, body) = admin
        .post(
            t,
            "/users",
            &[
                ("name", ""),
                ("email", "bozuk"),
                ("role", "sales"),
                ("team", "Ekip 1"),
                ("password", "kısa"),
            ],
        )
        .await
        .parts();
    assert_eq!(s, 422);
    assert!(body.contains("Ad soyad: Bu alan zorunlu."), "{body}");
    assert!(body.contains("E-posta:"), "{body}");
    assert!(body.contains("data-focus=\"nu-name\""), "{body}");
    let (s, _, body) = admin
        .post(
            t,
            "/users",
            &[
                ("name", "Zeynep Kaya"),
                ("email", "zeynep@ornek.com.tr"),
                ("role", "sales"),
                ("team", "__new"),
                ("new_team", "İhracat Ekibi"),
                ("password", "uzun-bir-parola-123"),
            ],
        )
        .await
        .parts();
    assert_eq!(s, 303, "{body}");
    let (_, page) = admin.get(t, "/users").await;
    assert!(
        page.contains("Zeynep Kaya") && page.contains("<option value=\"İhracat Ekibi\""),
        "{page}"
    );
});
