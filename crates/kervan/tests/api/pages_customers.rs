//! Customer and contact pages, driven like a browser (forms, CSRF, redirects), on both databases.

use crate::db_test;
use crate::helpers::{Browser, TestApp};

async fn browser(t: &TestApp, email: &str) -> Browser {
    Browser::new(t, email).await
}

/// Form shortcuts of these tests.
trait Forms {
    async fn account(&self, t: &TestApp, form: &[(&str, &str)]) -> i64;
    async fn contact(&self, t: &TestApp, form: &[(&str, &str)]) -> i64;
}

impl Forms for Browser {
    /// Creates an account through the form; returns its id.
    async fn account(&self, t: &TestApp, form: &[(&str, &str)]) -> i64 {
        let a = self.post(t, "/accounts", form).await;
        assert_eq!(a.status, 303, "account form: {}", a.body);
        a.id()
    }

    /// Creates a contact through the form; returns its id.
    async fn contact(&self, t: &TestApp, form: &[(&str, &str)]) -> i64 {
        let a = self.post(t, "/contacts", form).await;
        assert_eq!(a.status, 303, "contact form: {}", a.body);
        a.id()
    }
}

async fn account_count(t: &TestApp) -> i64 {
    kervan_store::accounts::count_all(&t.app.db.conn).await.expect("count")
}

async fn contact_count(t: &TestApp) -> i64 {
    kervan_store::contacts::count_all(&t.app.db.conn).await.expect("count")
}

/// The part of a page after `marker` (to check what a section contains, in order).
fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    html.split_once(marker)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("{marker:?} not in page"))
}

db_test!(account_form_creates_and_explains_errors, |t| {
    let b = browser(t, "ali@ornek.com.tr").await;
    let page = b.page(t, "/accounts/new").await;
    assert!(page.contains("Yeni Müşteri") && page.contains("Kaydet ve Yeni"));
    assert!(page.contains("Vergi numarası (VKN)") && page.contains("T.C. kimlik no"));

    // A wrong VKN checksum: a 422 with the reason under the field, the input kept, nothing written.
    let before = account_count(t).await;
    let bad = [
        ("kind", "company"),
        ("name", "Çağlayan Yazılım Ltd. Şti."),
        ("tax_office", "Kadıköy"),
        ("tax_number", "1234567891"),
        ("city", "İstanbul"),
        ("annual_revenue", "1.250.000,50"),
    ];
    let a = b.post(t, "/accounts", &bad).await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("kontrol hanesi"), "{}", a.body);
    assert!(a.body.contains("id=\"tax_number-error\""));
    assert!(
        a.body.contains("value=\"Çağlayan Yazılım Ltd. Şti.\""),
        "typed values are kept"
    );
    assert!(a.body.contains("value=\"1.250.000,50\""));
    assert_eq!(account_count(t).await, before, "nothing written");

    // Several problems at once: a summary at the top, each message under its field.
    let a = b
        .post(
            t,
            "/accounts",
            &[
                ("kind", "company"),
                ("name", ""),
                ("email", "bozuk@"),
                ("annual_revenue", "12,345"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("id=\"error-summary\""));
    assert!(a.body.contains("Bu alan zorunlu."));
    assert!(a.body.contains("Geçerli bir e-posta adresi yazın"));
    assert!(a.body.contains("Geçerli bir tutar yazın"));
    assert!(
        a.body.contains("data-focus=\"name\""),
        "focus goes to the first invalid field"
    );

    // The right VKN: saved, and the card shows it with Turkish text intact.
    let good = [
        ("kind", "company"),
        ("name", "Çağlayan Yazılım Ltd. Şti."),
        ("tax_office", "Kadıköy"),
        ("tax_number", "1234567890"),
        ("city", "İstanbul"),
        ("annual_revenue", "1.250.000,50"),
        ("potential", "high"),
        ("tags", "Yazılım, İhracat"),
    ];
    let a = b.post(t, "/accounts", &good).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.location.ends_with("?ok=created"), "{}", a.location);
    let id = a.id();
    assert_eq!(account_count(t).await, before + 1);
    let card = b.page(t, &a.location).await;
    assert!(card.contains("Çağlayan Yazılım Ltd. Şti."));
    assert!(card.contains("Müşteri eklendi"), "toast");
    assert!(card.contains("1.250.000,50 ₺"), "money in Turkish format");
    assert!(card.contains("1234567890"));
    assert!(card.contains(">İhracat</a>"));
    assert!(
        card.contains(&format!("href=\"/accounts/{id}/merge\"")),
        "merge link for an editor"
    );

    // The same VKN again: a duplicate warning linking to the match; confirming saves anyway.
    let dup = [
        ("kind", "company"),
        ("name", "Caglayan Yazilim"),
        ("tax_number", "1234567890"),
    ];
    let a = b.post(t, "/accounts", &dup).await;
    assert_eq!(a.status, 409);
    assert!(a.body.contains("Aynı vergi numarası:"), "{}", a.body);
    assert!(a.body.contains(&format!("href=\"/accounts/{id}\"")));
    assert!(a.body.contains("name=\"confirm_duplicate\""));
    assert_eq!(account_count(t).await, before + 1);
    let mut confirmed = dup.to_vec();
    confirmed.push(("confirm_duplicate", "1"));
    confirmed.push(("after", "new"));
    let a = b.post(t, "/accounts", &confirmed).await;
    assert_eq!(a.status, 303);
    assert_eq!(
        a.location, "/accounts/new?ok=created",
        "Kaydet ve Yeni opens an empty form"
    );
    assert_eq!(account_count(t).await, before + 2);

    // An individual: a wrong TCKN is explained; a VKN left in the company box is ignored.
    let a = b
        .post(
            t,
            "/accounts",
            &[
                ("kind", "individual"),
                ("name", "Şükrü Işık"),
                ("national_id", "10000000145"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("T.C. kimlik numarası geçerli değil"), "{}", a.body);
    let person = b
        .account(
            t,
            &[
                ("kind", "individual"),
                ("name", "Şükrü Işık"),
                ("national_id", "10000000146"),
                ("tax_number", "1234567890"),
            ],
        )
        .await;
    let card = b.page(t, &format!("/accounts/{person}")).await;
    assert!(card.contains("Bireysel") && card.contains("10000000146"));

    // An edit on a stale version: the friendly conflict, the typed values kept, the version moved on.
    let owner = t.a_id.to_string();
    let edit = |name: &'static str, version: &'static str| {
        vec![
            ("kind", "company"),
            ("name", name),
            ("tax_office", "Kadıköy"),
            ("tax_number", "1234567890"),
            ("city", "İstanbul"),
            ("owner_id", owner.as_str()),
            ("version", version),
            ("confirm_duplicate", "1"),
        ]
    };
    let a = b
        .post(t, &format!("/accounts/{id}"), &edit("Çağlayan Yazılım A.Ş.", "1"))
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location, format!("/accounts/{id}?ok=saved"));
    let a = b
        .post(t, &format!("/accounts/{id}"), &edit("Çağlayan Bilişim A.Ş.", "1"))
        .await;
    assert_eq!(a.status, 409);
    assert!(a.body.contains("Bu kayıt siz düzenlerken değişti."), "{}", a.body);
    assert!(a.body.contains("value=\"Çağlayan Bilişim A.Ş.\""));
    assert!(a.body.contains("name=\"version\" value=\"2\""));

    // The history names the fields in Turkish.
    let hist = b.page(t, &format!("/accounts/{id}?tab=history")).await;
    assert!(hist.contains("Unvan / Ad soyad") && hist.contains("Çağlayan Yazılım A.Ş."));
    assert!(hist.contains("Vergi numarası (VKN)"));
    // English works too.
    let en = b.page(t, &format!("/accounts/{id}?lang=en")).await;
    assert!(en.contains("Customers") && en.contains("Subsidiaries"));
    b.page(t, "/accounts?lang=tr").await;
});

db_test!(card_tabs_show_people_and_org_chart, |t| {
    let b = browser(t, "ali@ornek.com.tr").await;
    let acc = b
        .account(
            t,
            &[
                ("kind", "company"),
                ("name", "Anadolu Makine San. A.Ş."),
                ("city", "Konya"),
            ],
        )
        .await;
    let other = b
        .account(t, &[("kind", "company"), ("name", "Başka Firma Ltd. Şti.")])
        .await;
    let acc_s = acc.to_string();
    // The contact form opened from the card has the customer filled in.
    let form = b.page(t, &format!("/contacts/new?account_id={acc}")).await;
    assert!(form.contains("value=\"Anadolu Makine San. A.Ş.\""));

    let boss = b
        .contact(
            t,
            &[
                ("account_id", &acc_s),
                ("account_id__name", "Anadolu Makine San. A.Ş."),
                ("first_name", "Gülşen"),
                ("last_name", "Öztürk"),
                ("title", "Genel Müdür"),
                ("buying_role", "decision_maker"),
                ("mobile", "0532 111 22 33"),
            ],
        )
        .await;
    let boss_s = boss.to_string();
    // The reports-to choice lists the people of the same customer.
    let form = b.page(t, &format!("/contacts/new?account_id={acc}")).await;
    assert!(form.contains(&format!(
        "<option value=\"{boss}\">Gülşen Öztürk · Genel Müdür</option>"
    )));
    // The customer typed by name without Turkish letters is found.
    let manager = b
        .contact(
            t,
            &[
                ("account_id__name", "anadolu makine"),
                ("first_name", "Çetin"),
                ("last_name", "Şahin"),
                ("title", "Satın Alma Müdürü"),
                ("buying_role", "economic_buyer"),
                ("reports_to_id", &boss_s),
                ("phone", "0332 444 55 66"),
                ("extension", "204"),
            ],
        )
        .await;
    let manager_s = manager.to_string();
    let champion = b
        .contact(
            t,
            &[
                ("account_id", &acc_s),
                ("account_id__name", "Anadolu Makine San. A.Ş."),
                ("first_name", "İrem"),
                ("last_name", "Yıldız"),
                ("title", "Planlama Uzmanı"),
                ("buying_role", "champion"),
                ("reports_to_id", &manager_s),
                ("email", "irem@anadolumakine.com.tr"),
            ],
        )
        .await;

    // A manager from another customer is refused, with the reason, and nothing is written.
    let before = contact_count(t).await;
    let a = b
        .post(
            t,
            "/contacts",
            &[
                ("account_id", &other.to_string()),
                ("account_id__name", "Başka Firma Ltd. Şti."),
                ("first_name", "Ozan"),
                ("last_name", "Er"),
                ("reports_to_id", &boss_s),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(
        a.body.contains("Bağlı olunan kişi aynı müşteride çalışmalı."),
        "{}",
        a.body
    );
    assert_eq!(contact_count(t).await, before);
    // A loop (the boss reporting to her own report's report) is refused too.
    let a = b
        .post(
            t,
            &format!("/contacts/{boss}"),
            &[
                ("account_id", &acc_s),
                ("account_id__name", "Anadolu Makine San. A.Ş."),
                ("first_name", "Gülşen"),
                ("last_name", "Öztürk"),
                ("reports_to_id", &champion.to_string()),
                ("owner_id", &t.a_id.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("döngü"), "{}", a.body);

    // The İlgili Kişiler tab: who decides, the champion, the people and the org chart, nested.
    let tab = b.page(t, &format!("/accounts/{acc}?tab=contacts")).await;
    let answer = |question: &str| -> String {
        let rest = after(&tab, question);
        rest[..rest.find("</dd>").expect("an answer")].to_string()
    };
    let deciders = answer("Kim karar veriyor?");
    assert!(
        deciders.contains("Gülşen Öztürk") && deciders.contains("Çetin Şahin"),
        "{deciders}"
    );
    assert!(!deciders.contains("İrem Yıldız"));
    assert!(answer("Bizi kim destekliyor?").contains("İrem Yıldız"));
    assert!(tab.contains("Kayıtlı görüşme yok"), "no contact yet: said so");
    assert!(tab.contains("0332 444 55 66 · dahili 204"));
    assert!(tab.contains("mailto:irem@anadolumakine.com.tr"));
    let chart = after(&tab, "id=\"org-chart\"");
    let (g, c, i) = (
        chart.find("Gülşen Öztürk").expect("boss in chart"),
        chart.find("Çetin Şahin").expect("manager in chart"),
        chart.find("İrem Yıldız").expect("champion in chart"),
    );
    assert!(g < c && c < i, "the chart runs from the boss down");
    // Three levels: the champion sits inside two nested lists below the boss.
    let depth_at = |pos: usize| {
        let before = &chart[..pos];
        before.matches("<ul").count() - before.matches("</ul>").count()
    };
    assert_eq!((depth_at(g), depth_at(c), depth_at(i)), (1, 2, 3));
    assert!(tab.contains(&format!("href=\"/contacts/new?account_id={acc}\"")));

    // Every tab of the card renders; the tab bar is built from the registry in order (notes
    // are part of Genel).
    let card = b.page(t, &format!("/accounts/{acc}")).await;
    let bar = after(&card, "class=\"tabs\"");
    let order: Vec<usize> = ["Genel", "İlgili Kişiler", "Adresler", "Alt Firmalar", "Geçmiş"]
        .iter()
        .map(|l| bar.find(&format!(">{l}</a>")).unwrap_or_else(|| panic!("tab {l}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    for tab in [
        "general",
        "contacts",
        "addresses",
        "subsidiaries",
        "notes",
        "history",
        "nonsense",
    ] {
        b.page(t, &format!("/accounts/{acc}?tab={tab}")).await;
    }

    // The contact card: its customer, its manager, its reports, and the tabs.
    let card = b.page(t, &format!("/contacts/{manager}")).await;
    assert!(card.contains(&format!("href=\"/accounts/{acc}\"")));
    assert!(card.contains(&format!("href=\"/contacts/{boss}\">Gülşen Öztürk</a>")));
    assert!(card.contains("Ona bağlı çalışanlar") && card.contains("İrem Yıldız"));
    assert!(card.contains(&format!("href=\"/contacts/{manager}/merge\"")));
    let hist = b.page(t, &format!("/contacts/{manager}?tab=history")).await;
    assert!(
        hist.contains("Bağlı olduğu kişi") && hist.contains("Gülşen Öztürk"),
        "{hist}"
    );
    b.page(t, &format!("/contacts/{manager}?tab=notes")).await;
    b.page(t, &format!("/contacts/{manager}/edit")).await;

    // The contact list narrows to the customer and finds people without Turkish letters.
    let list = b.page(t, &format!("/contacts?account_id={acc}")).await;
    assert!(list.contains("Çetin Şahin") && list.contains("İrem Yıldız"));
    assert!(
        list.contains("Anadolu Makine San. A.Ş."),
        "the filter says which customer"
    );
    let list = b.page(t, "/contacts?q=cetin+sahin").await;
    assert!(list.contains("Çetin Şahin") && !list.contains("İrem Yıldız"));
    let list = b.page(t, "/contacts?buying_role=champion").await;
    assert!(list.contains("İrem Yıldız") && !list.contains("Çetin Şahin"));
});

db_test!(addresses_are_added_edited_and_deleted, |t| {
    let b = browser(t, "ali@ornek.com.tr").await;
    let acc = b
        .account(
            t,
            &[("kind", "company"), ("name", "Ege Tekstil A.Ş."), ("city", "İzmir")],
        )
        .await;
    let tab = b.page(t, &format!("/accounts/{acc}?tab=addresses")).await;
    assert!(tab.contains("Henüz adres eklenmedi."));

    let a = b
        .post(
            t,
            &format!("/accounts/{acc}/addresses"),
            &[
                ("kind", "billing"),
                ("line", "Atatürk Cad. No: 12 Kat: 3"),
                ("district", "Konak"),
                ("city", "İzmir"),
                ("postal_code", "35220"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location, format!("/accounts/{acc}?tab=addresses&ok=address-added"));
    let tab = b.page(t, &a.location).await;
    assert!(tab.contains("Atatürk Cad. No: 12 Kat: 3"));
    assert!(tab.contains("35220 Konak / İzmir"));
    assert!(tab.contains("Adres eklendi"));

    // A bad postal code: 422 on the card's tab, the message under the field, the input kept.
    let a = b
        .post(
            t,
            &format!("/accounts/{acc}/addresses"),
            &[
                ("kind", "delivery"),
                ("line", "Kemalpaşa OSB 5. Sokak No: 8"),
                ("city", "İzmir"),
                ("postal_code", "3517"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("Geçerli bir posta kodu yazın"), "{}", a.body);
    assert!(a.body.contains("Kemalpaşa OSB 5. Sokak No: 8"));
    assert!(
        a.body.contains("aria-current=\"page\">Adresler"),
        "the Adresler tab is open"
    );

    let addresses = kervan_store::accounts::addresses_of(&t.app.db.conn, acc).await.unwrap();
    assert_eq!(addresses.len(), 1);
    let aid = addresses[0].id;
    // Editing: the tab opens the address as a form, the save is versioned.
    let tab = b.page(t, &format!("/accounts/{acc}?tab=addresses&edit={aid}")).await;
    assert!(tab.contains(&format!("id=\"address-form-{aid}\"")));
    let edit = |line: &'static str, version: &'static str| {
        [
            ("kind", "billing"),
            ("line", line),
            ("district", "Bornova"),
            ("city", "İzmir"),
            ("postal_code", "35040"),
            ("version", version),
        ]
    };
    let a = b
        .post(
            t,
            &format!("/accounts/{acc}/addresses/{aid}"),
            &edit("Kazım Dirik Mah. 372. Sok. No: 5", "1"),
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let tab = b.page(t, &a.location).await;
    assert!(tab.contains("Kazım Dirik Mah. 372. Sok. No: 5") && tab.contains("35040 Bornova / İzmir"));
    let a = b
        .post(
            t,
            &format!("/accounts/{acc}/addresses/{aid}"),
            &edit("Eski sürümden yazılan", "1"),
        )
        .await;
    assert_eq!(a.status, 409);
    assert!(a.body.contains("Bu adres siz düzenlerken değişti."));
    assert!(a.body.contains("Eski sürümden yazılan"));

    // Someone else's address id under this account is not found.
    let other = b.account(t, &[("kind", "company"), ("name", "Diğer Firma")]).await;
    let (status, _) = b.get(t, &format!("/accounts/{other}?tab=addresses&edit={aid}")).await;
    assert_eq!(status, 200, "an unknown edit id only leaves the list as it is");
    let a = b
        .post(t, &format!("/accounts/{other}/addresses/{aid}/delete"), &[])
        .await;
    assert_eq!(a.status, 404);

    // Deleting.
    let a = b.post(t, &format!("/accounts/{acc}/addresses/{aid}/delete"), &[]).await;
    assert_eq!(a.status, 303);
    let tab = b.page(t, &a.location).await;
    assert!(tab.contains("Adres silindi") && !tab.contains("Kazım Dirik"));
    assert!(
        kervan_store::accounts::addresses_of(&t.app.db.conn, acc)
            .await
            .unwrap()
            .is_empty()
    );
    // The history tells the whole story, with the kind in Turkish.
    let hist = b.page(t, &format!("/accounts/{acc}?tab=history")).await;
    assert!(hist.contains("Fatura adresi: Atatürk Cad. No: 12 Kat: 3"), "{hist}");
    assert!(hist.contains("Fatura adresi: Kazım Dirik Mah. 372. Sok. No: 5"));
});

db_test!(subsidiaries_show_totals, |t| {
    let b = browser(t, "ali@ornek.com.tr").await;
    let parent = b
        .account(
            t,
            &[
                ("kind", "company"),
                ("name", "Karadeniz Holding A.Ş."),
                ("annual_revenue", "2.000.000.000"),
            ],
        )
        .await;
    // The "Alt firma ekle" link opens the form with the parent filled in.
    let form = b.page(t, &format!("/accounts/new?parent_id={parent}")).await;
    assert!(form.contains("value=\"Karadeniz Holding A.Ş.\""));
    // The parent typed by name, without Turkish letters, is found.
    let s1 = b
        .account(
            t,
            &[
                ("kind", "company"),
                ("name", "Karadeniz Çay Sanayi A.Ş."),
                ("parent_id__name", "karadeniz holding"),
                ("annual_revenue", "350.000.000,50"),
            ],
        )
        .await;
    let s2 = b
        .account(
            t,
            &[
                ("kind", "company"),
                ("name", "Karadeniz Lojistik Ltd. Şti."),
                ("parent_id", &parent.to_string()),
                ("parent_id__name", "Karadeniz Holding A.Ş."),
                ("annual_revenue", "120.500.000"),
                ("lifecycle", "at_risk"),
            ],
        )
        .await;
    // A name matching several customers offers them; picking one saves.
    let a = b
        .post(
            t,
            "/accounts",
            &[
                ("kind", "company"),
                ("name", "Karadeniz Gıda"),
                ("parent_id__name", "Karadeniz"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("birden çok müşteri var"), "{}", a.body);
    for id in [parent, s1, s2] {
        assert!(a.body.contains(&format!("name=\"parent_id\" value=\"{id}\"")));
    }
    let a = b
        .post(
            t,
            "/accounts",
            &[
                ("kind", "company"),
                ("name", "Karadeniz Gıda"),
                ("parent_id__name", "Karadeniz"),
                ("parent_id", &s1.to_string()),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    // A parent nobody has is explained.
    let a = b
        .post(
            t,
            "/accounts",
            &[
                ("kind", "company"),
                ("name", "Yalnız Firma"),
                ("parent_id__name", "Olmayan Grup"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("Bu adla bir müşteri bulunamadı."));

    let tab = b.page(t, &format!("/accounts/{parent}?tab=subsidiaries")).await;
    let totals = after(&tab, "id=\"subsidiary-totals\"");
    // The group's totals count every level: two subsidiaries and Karadeniz Gıda under one of them.
    assert!(totals.contains("<dd>3</dd>"), "{totals}");
    assert!(totals.contains("470.500.000,50 ₺"));
    assert!(tab.contains("Karadeniz Çay Sanayi A.Ş.") && tab.contains("Karadeniz Lojistik Ltd. Şti."));
    assert!(tab.contains("120.500.000,00 ₺"));
    // The subsidiary's card says where it belongs.
    let card = b.page(t, &format!("/accounts/{s1}?tab=subsidiaries")).await;
    assert!(card.contains(&format!("href=\"/accounts/{parent}\">Karadeniz Holding A.Ş.</a>")));
    assert!(card.contains("Karadeniz Gıda"), "its own subsidiary");
    // A parent below itself is refused.
    let a = b
        .post(
            t,
            &format!("/accounts/{parent}"),
            &[
                ("kind", "company"),
                ("name", "Karadeniz Holding A.Ş."),
                ("parent_id__name", "Karadeniz Çay Sanayi A.Ş."),
                ("annual_revenue", "2.000.000.000"),
                ("owner_id", &t.a_id.to_string()),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("kendi alt firmasının alt firması olamaz"), "{}", a.body);
});

db_test!(sales_reps_see_only_their_own_customers, |t| {
    let ali = browser(t, "ali@ornek.com.tr").await;
    let berna = browser(t, "berna@ornek.com.tr").await;
    let acc = ali
        .account(
            t,
            &[("kind", "company"), ("name", "Gizli Müşteri A.Ş."), ("city", "Bursa")],
        )
        .await;
    let person = ali
        .contact(
            t,
            &[
                ("account_id", &acc.to_string()),
                ("account_id__name", "Gizli Müşteri A.Ş."),
                ("first_name", "Saklı"),
                ("last_name", "Kişi"),
            ],
        )
        .await;
    berna
        .account(t, &[("kind", "company"), ("name", "Berna Müşterisi Ltd.")])
        .await;

    // Both see the modules in the navigation.
    let list = berna.page(t, "/accounts").await;
    assert!(list.contains("href=\"/accounts\"") && list.contains("href=\"/contacts\""));
    // Another team's rep: not in the list, not in a search, 404 on the card and its pages.
    assert!(!list.contains("Gizli Müşteri") && list.contains("Berna Müşterisi"));
    assert!(!berna.page(t, "/accounts?q=gizli").await.contains("Gizli Müşteri"));
    assert!(
        !berna
            .page(t, "/accounts?lifecycle=any&q=bursa")
            .await
            .contains("Gizli Müşteri")
    );
    for path in [
        format!("/accounts/{acc}"),
        format!("/accounts/{acc}?tab=contacts"),
        format!("/accounts/{acc}/edit"),
        format!("/contacts/{person}"),
        format!("/contacts/{person}/edit"),
    ] {
        let (status, body) = berna.get(t, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Sayfa bulunamadı"));
        assert!(!body.contains("Gizli Müşteri"));
    }
    assert!(!berna.page(t, "/contacts").await.contains("Saklı Kişi"));
    // Writes to it are refused the same way, and change nothing.
    let a = berna
        .post(t, &format!("/accounts/{acc}/archive"), &[("version", "1")])
        .await;
    assert_eq!(a.status, 404);
    let a = berna
        .post(
            t,
            &format!("/accounts/{acc}/addresses"),
            &[("kind", "billing"), ("line", "Sızma Sok. 1"), ("city", "Bursa")],
        )
        .await;
    assert_eq!(a.status, 404);
    // Choosing it as a parent by name finds nothing.
    let a = berna
        .post(
            t,
            "/accounts",
            &[
                ("kind", "company"),
                ("name", "Berna Alt Firma"),
                ("parent_id__name", "Gizli Müşteri A.Ş."),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("Bu adla bir müşteri bulunamadı."));
    // Nor by a forged id.
    let a = berna
        .post(
            t,
            "/accounts",
            &[
                ("kind", "company"),
                ("name", "Berna Alt Firma"),
                ("parent_id__name", "x"),
                ("parent_id", &acc.to_string()),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("Listeden geçerli bir seçenek seçin."), "{}", a.body);

    // Handed to another rep, the customer leaves Ali's sight, but Ali's contact there stays
    // editable by Ali: an unchanged customer link is kept without being checked again.
    let admin = browser(t, "admin@ornek.com.tr").await;
    let b_id = t.b_id.to_string();
    let a = admin
        .post(
            t,
            &format!("/accounts/{acc}"),
            &[
                ("kind", "company"),
                ("name", "Gizli Müşteri A.Ş."),
                ("city", "Bursa"),
                ("owner_id", &b_id),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(ali.get(t, &format!("/accounts/{acc}")).await.0, 404);
    let form = ali.page(t, &format!("/contacts/{person}/edit")).await;
    assert!(form.contains("value=\"Gizli Müşteri A.Ş.\""));
    let a_id = t.a_id.to_string();
    let acc_s = acc.to_string();
    let a = ali
        .post(
            t,
            &format!("/contacts/{person}"),
            &[
                ("account_id", &acc_s),
                ("account_id__name", "Gizli Müşteri A.Ş."),
                ("first_name", "Saklı"),
                ("last_name", "Kişi"),
                ("title", "Muhasebe Müdürü"),
                ("owner_id", &a_id),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(
        ali.page(t, &format!("/contacts/{person}"))
            .await
            .contains("Muhasebe Müdürü")
    );

    // The manager of Ali's team sees it.
    let (c, _) = t.browser("mehmet@ornek.com.tr").await;
    let r = c.get(t.url(&format!("/contacts/{person}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Saklı Kişi"));
});

db_test!(customer_forms_refuse_missing_or_forged_csrf, |t| {
    let b = browser(t, "ali@ornek.com.tr").await;
    let form = |token: &str| {
        vec![
            ("kind", "company".to_string()),
            ("name", "Sahte İstek A.Ş.".to_string()),
            ("_csrf", token.to_string()),
        ]
    };
    let before = account_count(t).await;
    for bad in ["", "forged", &b.csrf[..b.csrf.len() - 1]] {
        let r = b.c.post(t.url("/accounts")).form(&form(bad)).send().await.unwrap();
        assert_eq!(r.status(), 403, "token {bad:?}");
        assert!(r.text().await.unwrap().contains("Güvenlik doğrulaması başarısız"));
    }
    // Without a session at all, a post goes to the sign-in page.
    let r = t
        .http
        .post(t.url("/accounts"))
        .form(&form(&b.csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(account_count(t).await, before);
    let r = b.c.post(t.url("/accounts")).form(&form(&b.csrf)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(account_count(t).await, before + 1);
    // The contact and address forms and the archive button are guarded the same way.
    let acc = 1;
    for path in [
        "/contacts".to_string(),
        format!("/accounts/{acc}/addresses"),
        format!("/accounts/{acc}/archive"),
    ] {
        let r =
            b.c.post(t.url(&path))
                .form(&[("first_name", "A"), ("last_name", "B"), ("_csrf", "forged")])
                .send()
                .await
                .unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
});

db_test!(archived_and_passive_customers_are_hidden_by_default, |t| {
    let b = browser(t, "ali@ornek.com.tr").await;
    let active = b
        .account(t, &[("kind", "company"), ("name", "Aktif Ticaret A.Ş.")])
        .await;
    b.account(
        t,
        &[
            ("kind", "company"),
            ("name", "Pasif Ticaret A.Ş."),
            ("lifecycle", "passive"),
        ],
    )
    .await;
    let archived = b
        .account(t, &[("kind", "company"), ("name", "Arşiv Ticaret A.Ş.")])
        .await;
    let a = b
        .post(t, &format!("/accounts/{archived}/archive"), &[("version", "1")])
        .await;
    assert_eq!(a.status, 303);
    assert_eq!(a.location, format!("/accounts/{archived}?ok=archived"));
    let card = b.page(t, &a.location).await;
    assert!(card.contains("Müşteri arşivlendi") && card.contains("Arşivden çıkar"));
    assert!(
        !card.contains("id=\"edit\""),
        "an archived customer is restored before editing"
    );

    let list = b.page(t, "/accounts").await;
    assert!(list.contains("Aktif Ticaret"));
    assert!(
        !list.contains("Pasif Ticaret"),
        "passive customers are hidden by default"
    );
    assert!(
        !list.contains("Arşiv Ticaret"),
        "archived customers are hidden by default"
    );
    let list = b.page(t, "/accounts?lifecycle=any").await;
    assert!(list.contains("Aktif Ticaret") && list.contains("Pasif Ticaret") && !list.contains("Arşiv Ticaret"));
    let list = b.page(t, "/accounts?lifecycle=passive").await;
    assert!(!list.contains("Aktif Ticaret") && list.contains("Pasif Ticaret"));
    let list = b.page(t, "/accounts?archived=1").await;
    assert!(list.contains("Arşiv Ticaret") && !list.contains("Aktif Ticaret"));
    // A search that finds nothing says so, and hints at the hidden passive customers.
    let list = b.page(t, "/accounts?q=pasif").await;
    assert!(list.contains("Bu filtrelere uyan müşteri yok."));
    assert!(list.contains("Pasifler dahil tümü"));
    // A bad filter value is named, and the list still shows.
    let list = b.page(t, "/accounts?kind=robot&sort=-fiyat").await;
    assert!(list.contains("Listeden geçerli bir seçenek seçin.") && list.contains("Aktif Ticaret"));

    // Restoring brings it back.
    let a = b
        .post(t, &format!("/accounts/{archived}/restore"), &[("version", "2")])
        .await;
    assert_eq!(a.status, 303);
    assert!(b.page(t, "/accounts").await.contains("Arşiv Ticaret"));

    // Keyset pages: one customer a page, forwards to the end and back, by name.
    let first = b.page(t, "/accounts?limit=1").await;
    assert!(first.contains("Aktif Ticaret"), "Turkish order: Aktif < Arşiv");
    assert!(!first.contains("rel=\"prev\""));
    let before_next = first.split("rel=\"next\"").next().expect("a next link");
    let href = after(before_next.rsplit_once("<a ").expect("the link").1, "href=\"")
        .split('"')
        .next()
        .expect("href")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(href.starts_with("/accounts?") && href.contains("cursor="), "{href}");
    let second = b.page(t, &href).await;
    assert!(
        second.contains("Arşiv Ticaret") && !second.contains("Aktif Ticaret"),
        "{href}: {second}"
    );
    assert!(second.contains("rel=\"prev\""));
    assert!(!second.contains("rel=\"next\""), "two customers in the working list");
    let card = b.page(t, &format!("/accounts/{active}")).await;
    assert!(card.contains("id=\"edit\""));
});
