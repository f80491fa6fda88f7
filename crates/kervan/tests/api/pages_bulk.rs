//! Bulk actions on the lead, customer and contact lists, driven like a browser (form posts with
//! CSRF, redirects back to the list with a toast), on both databases.

use serde_json::{Value, json};

use crate::api_support::{account, contact, count, id};
use crate::db_test;
use crate::helpers::{Answer, Browser, TestApp};

trait Bulk {
    async fn bulk(&self, t: &TestApp, path: &str, ids: &[i64], fields: &[(&str, &str)]) -> Answer;
}

impl Bulk for Browser {
    /// Posts a bulk form: the ids as repeated `ids` fields, then the other fields.
    async fn bulk(&self, t: &TestApp, path: &str, ids: &[i64], fields: &[(&str, &str)]) -> Answer {
        let mut f: Vec<(String, String)> = ids.iter().map(|i| ("ids".to_string(), i.to_string())).collect();
        f.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.post_pairs(t, path, f).await
    }
}

/// A bulk answer's list URL without its run (`&run=ID`, there when something changed, to undo
/// it from the toast), and the run.
fn toast_url(location: &str) -> (String, Option<i64>) {
    match location.split_once("&run=") {
        Some((url, run)) => (url.to_string(), run.parse().ok()),
        None => (location.to_string(), None),
    }
}

async fn browser(t: &TestApp, email: &str) -> Browser {
    Browser::new(t, email).await
}

/// Creates a lead (with an e-mail of its own: a lead needs a phone or an e-mail).
async fn lead(t: &TestApp, token: &str, first: &str) -> i64 {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let v = t
        .lead(
            token,
            json!({"first_name": first, "last_name": "Yılmaz", "source": "fair", "email": format!("aday{n}@ornek.com.tr")}),
        )
        .await;
    id(&v)
}

async fn lead_json(t: &TestApp, id: i64) -> Value {
    t.get_json(&t.admin_token, &format!("/api/v1/leads/{id}")).await
}

db_test!(assigning_an_owner_to_several_leads, |t| {
    let ids = [
        lead(t, &t.a_token, "Şule").await,
        lead(t, &t.a_token, "Ömer").await,
        lead(t, &t.a_token, "İsmail").await,
    ];
    let b = browser(t, "admin@ornek.com.tr").await;
    // The list offers the checkboxes and Berna among the owners to assign.
    let list = b.page(t, "/leads?sort=name").await;
    assert!(list.contains(&format!("name=\"ids\" value=\"{}\"", ids[0])), "{list}");
    assert!(list.contains(&format!("value=\"owner_id:{}\"", t.b_id)), "{list}");
    assert!(list.contains("name=\"back\" value=\"/leads?sort=name\""), "{list}");

    let back = "/leads?sort=name&status=new";
    let r = b
        .bulk(
            t,
            "/leads/bulk",
            &ids,
            &[("action", &format!("owner:{}", t.b_id)), ("back", back)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(toast_url(&r.location).0, format!("{back}&ok=bulk&n=3&skipped=0"));
    let run = toast_url(&r.location).1.expect("the run to undo, in the URL");
    let page = b.page(t, &r.location).await;
    assert!(page.contains("3 kayıt güncellendi"), "{page}");
    // The toast offers the way back: the run's page, whose undo asks first.
    assert!(
        page.contains(&format!("<a class=\"toast-link\" href=\"/bulk/{run}\">Geri al</a>")),
        "{page}"
    );
    // The list keeps its filters: the status filter is still chosen.
    assert!(page.contains("<option value=\"new\" selected>"), "{page}");

    for id in ids {
        let v = lead_json(t, id).await;
        assert_eq!(v["owner_id"], t.b_id, "{v}");
        assert_eq!(v["version"], 2, "{v}");
        let hist = b.page(t, &format!("/leads/{id}?tab=history")).await;
        assert!(hist.contains("Sorumlu"), "{hist}");
        assert!(hist.contains("Ali Çelik") && hist.contains("Berna Öz"), "{hist}");
    }

    // Berna already owns them: doing it again changes nothing and writes no history.
    let audit = count(t, "audit_log").await;
    let r = b
        .bulk(
            t,
            "/leads/bulk",
            &ids,
            &[("action", &format!("owner:{}", t.b_id)), ("back", "/leads")],
        )
        .await;
    assert_eq!(toast_url(&r.location).0, "/leads?ok=bulk&n=3&skipped=0");
    assert_eq!(toast_url(&r.location).1, None, "nothing changed, nothing to undo");
    assert_eq!(count(t, "audit_log").await, audit);

    // Undone from the run's page: Ali owns them again, each with the change in its history.
    let u = b.post(t, &format!("/bulk/{run}/undo"), &[]).await;
    assert_eq!(u.status, 303, "{}", u.body);
    for _ in 0..400 {
        if lead_json(t, ids[2]).await["owner_id"] == t.a_id {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    for id in ids {
        let v = lead_json(t, id).await;
        assert_eq!(v["owner_id"], t.a_id, "{v}");
        assert_eq!(v["version"], 3, "{v}");
    }
    assert!(count(t, "audit_log").await > audit);
});

db_test!(archiving_several_accounts_and_assigning_contacts, |t| {
    let a1 = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Anadolu Makine"})).await);
    let a2 = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Boğaziçi Lojistik"})).await);
    let a3 = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Çukurova Tekstil"})).await);
    let b = browser(t, "ali@ornek.com.tr").await;
    let list = b.page(t, "/accounts").await;
    assert!(list.contains("id=\"account-bulk\""), "{list}");
    assert!(list.contains("data-confirm="), "archive asks first: {list}");

    let r = b
        .bulk(
            t,
            "/accounts/bulk",
            &[a1, a2],
            &[("archive", "1"), ("back", "/accounts")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(toast_url(&r.location).0, "/accounts?ok=bulk&n=2&skipped=0");
    let page = b.page(t, &r.location).await;
    assert!(page.contains("2 kayıt güncellendi"), "{page}");
    assert!(
        !page.contains("Anadolu Makine") && !page.contains("Boğaziçi Lojistik"),
        "{page}"
    );
    assert!(page.contains("Çukurova Tekstil"), "{page}");
    for (aid, archived) in [(a1, true), (a2, true), (a3, false)] {
        let v = t.get_json(&t.a_token, &format!("/api/v1/accounts/{aid}")).await;
        assert_eq!(v["archived_at"].is_string(), archived, "{v}");
    }
    let hist = b.page(t, &format!("/accounts/{a1}?tab=history")).await;
    assert!(hist.contains("Ali Çelik"), "{hist}");
    // The archive is a run like any bulk change: undone, both are back.
    let run = toast_url(&r.location).1.expect("the run to undo");
    let u = b.post(t, &format!("/bulk/{run}/undo"), &[]).await;
    assert_eq!(u.status, 303, "{}", u.body);
    for _ in 0..400 {
        let v = t.get_json(&t.a_token, &format!("/api/v1/accounts/{a2}")).await;
        if v["archived_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    for aid in [a1, a2] {
        let v = t.get_json(&t.a_token, &format!("/api/v1/accounts/{aid}")).await;
        assert!(v["archived_at"].is_null(), "{v}");
    }

    // Contacts: the manager of Ali's team gives two of Ali's people to himself.
    let c1 = id(&contact(t, &t.a_token, json!({"first_name": "Gül", "last_name": "Ak"})).await);
    let c2 = id(&contact(t, &t.a_token, json!({"first_name": "Can", "last_name": "Er"})).await);
    let m = browser(t, "mehmet@ornek.com.tr").await;
    let list = m.page(t, "/contacts").await;
    let mehmet = list
        .split("value=\"owner_id:")
        .skip(1)
        .find(|s| s.split('<').next().unwrap_or_default().contains("Mehmet Şahin"))
        .and_then(|s| s.split('"').next())
        .expect("Mehmet among the owners to assign")
        .to_string();
    let r = m
        .bulk(
            t,
            "/contacts/bulk",
            &[c1, c2],
            &[("action", &format!("owner:{mehmet}")), ("back", "/contacts")],
        )
        .await;
    assert_eq!(
        toast_url(&r.location).0,
        "/contacts?ok=bulk&n=2&skipped=0",
        "{}",
        r.body
    );
    let v = t.get_json(&t.m_token, &format!("/api/v1/contacts/{c1}")).await;
    assert_eq!(v["owner_id"].to_string(), mehmet, "{v}");
});

db_test!(another_teams_lead_in_the_selection_is_skipped, |t| {
    let mine = [lead(t, &t.a_token, "Şule").await, lead(t, &t.a_token, "Ömer").await];
    let theirs = lead(t, &t.b_token, "Berk").await;
    let before = lead_json(t, theirs).await;
    let b = browser(t, "ali@ornek.com.tr").await;
    // A sales rep may only keep records: the owner list is Ali alone, the statuses are there.
    let list = b.page(t, "/leads").await;
    assert!(list.contains("value=\"status:contacted\""), "{list}");
    assert!(!list.contains("value=\"status:lost\""), "{list}");
    assert!(!list.contains(&format!("value=\"owner_id:{}\"", t.b_id)), "{list}");

    let r = b
        .bulk(
            t,
            "/leads/bulk",
            &[mine[0], theirs, mine[1]],
            &[("action", "status:contacted"), ("back", "/leads")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(toast_url(&r.location).0, "/leads?ok=bulk&n=2&skipped=1&nf=1");
    let page = b.page(t, &r.location).await;
    assert!(page.contains("2 kayıt güncellendi, 1 kayıt atlandı"), "{page}");
    for id in mine {
        assert_eq!(lead_json(t, id).await["status"], "contacted");
    }
    assert_eq!(lead_json(t, theirs).await, before, "Berna's lead must not change");

    // Giving Ali's leads to Berna is not his to do: both are skipped as invalid, nothing changes.
    let r = b
        .bulk(t, "/leads/bulk", &mine, &[("action", &format!("owner:{}", t.b_id))])
        .await;
    assert_eq!(toast_url(&r.location).0, "/leads?ok=bulk&n=0&skipped=2&inv=2");
    assert_eq!(lead_json(t, mine[0]).await["owner_id"], t.a_id);

    // "Lost" needs a reason per lead: refused with a clear message, nothing changes.
    let r = b.bulk(t, "/leads/bulk", &mine, &[("action", "status:lost")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("toplu olarak"), "{}", r.body);
    assert_eq!(lead_json(t, mine[0]).await["status"], "contacted");

    // A viewer has no checkboxes and may not post.
    crate::api_support::viewer(t).await;
    let v = browser(t, "izleyici@ornek.com.tr").await;
    let list = v.page(t, "/leads").await;
    assert!(!list.contains("name=\"ids\""), "{list}");
    let r = v.bulk(t, "/leads/bulk", &mine, &[("archive", "1")]).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(lead_json(t, mine[0]).await["archived_at"].is_null());
});

db_test!(bulk_requests_that_are_refused_whole, |t| {
    let l = lead(t, &t.a_token, "Şule").await;
    let b = browser(t, "ali@ornek.com.tr").await;
    let audit = count(t, "audit_log").await;

    // More than 200 ids.
    let many: Vec<i64> = (0..200).map(|i| l + 1000 + i).chain([l]).collect();
    let r = b
        .bulk(
            t,
            "/leads/bulk",
            &many,
            &[("archive", "1"), ("back", "/leads?q=%C5%9Fule")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("en çok 200 kayıt"), "{}", r.body);
    assert!(r.body.contains("201 kayıt seçtiniz"), "{}", r.body);
    // The list is shown again with its filter.
    assert!(r.body.contains("value=\"şule\""), "{}", r.body);

    // Nothing selected.
    let r = b
        .bulk(t, "/leads/bulk", &[], &[("archive", "1"), ("back", "/leads")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Önce listeden en az bir kayıt seçin."), "{}", r.body);
    let r = b.bulk(t, "/accounts/bulk", &[], &[("action", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Önce listeden en az bir kayıt seçin."), "{}", r.body);

    // No action chosen; an action the list does not have; an id that is not a number.
    let r = b.bulk(t, "/leads/bulk", &[l], &[("action", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Uygulanacak işlemi seçin."), "{}", r.body);
    let r = b.bulk(t, "/contacts/bulk", &[l], &[("action", "status:new")]).await;
    assert_eq!(r.status, 422);
    let r = b
        .bulk(t, "/leads/bulk", &[], &[("ids", "1 OR 1=1"), ("archive", "1")])
        .await;
    assert_eq!(r.status, 400);

    assert_eq!(count(t, "audit_log").await, audit, "a refused request writes nothing");
    assert!(lead_json(t, l).await["archived_at"].is_null());
});

db_test!(bulk_redirect_target_is_the_list_itself, |t| {
    let l = lead(t, &t.a_token, "Şule").await;
    let b = browser(t, "ali@ornek.com.tr").await;
    for forged in [
        "https://evil.example/leads",
        "//evil.example/leads",
        "/\\evil.example",
        "/accounts",
        "/leads/../login",
        "javascript:alert(1)",
    ] {
        let r = b
            .bulk(
                t,
                "/leads/bulk",
                &[l],
                &[("action", "status:contacted"), ("back", forged)],
            )
            .await;
        assert_eq!(r.status, 303, "{forged}: {}", r.body);
        assert_eq!(toast_url(&r.location).0, "/leads?ok=bulk&n=1&skipped=0", "{forged}");
    }
    // The toast shows numbers only, whatever the URL carries.
    let page = b.page(t, "/leads?ok=bulk&n=%3Cscript%3E&skipped=7").await;
    assert!(page.contains("0 kayıt güncellendi, 7 kayıt atlandı"), "{page}");
    assert!(!page.contains("<script>"), "{page}");
});

db_test!(bulk_forms_refuse_missing_or_forged_csrf, |t| {
    let l = lead(t, &t.a_token, "Şule").await;
    let b = browser(t, "ali@ornek.com.tr").await;
    for path in ["/leads/bulk", "/accounts/bulk", "/contacts/bulk"] {
        for token in [None, Some("forged")] {
            let mut f = vec![("ids", l.to_string()), ("archive", "1".to_string())];
            if let Some(tok) = token {
                f.push(("_csrf", tok.to_string()));
            }
            let r = b.c.post(t.url(path)).form(&f).send().await.expect("post");
            assert_eq!(r.status(), 403, "{path} {token:?}");
        }
    }
    assert!(lead_json(t, l).await["archived_at"].is_null());
});

db_test!(the_search_page_shows_twenty_per_kind_and_links_to_the_rest, |t| {
    for _ in 0..22 {
        lead(t, &t.a_token, "Zeliha").await;
    }
    lead(t, &t.a_token, "Nurcan").await;
    let b = browser(t, "ali@ornek.com.tr").await;
    let page = b.page(t, "/search?q=zeliha").await;
    let list = page
        .split("id=\"search-page-leads\"")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .expect("the leads section");
    assert_eq!(list.matches("<li>").count(), 20, "{list}");
    assert!(
        page.contains("<a href=\"/leads?q=zeliha\" id=\"search-more-leads\">"),
        "{page}"
    );
    // The link opens the list searched by the same text, with all 22 there.
    let all = b.page(t, "/leads?q=zeliha").await;
    let ids: std::collections::BTreeSet<i64> = all
        .split("href=\"/leads/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    assert_eq!(ids.len(), 22, "{all}");
    // Fewer than twenty: no link.
    let few = b.page(t, "/search?q=nurcan").await;
    assert!(!few.contains("search-more-leads"), "{few}");
});

// The admin's own choice field is set on the ticked leads from the list's bulk bar, like a
// built-in one; a field that does not exist is refused with a message, nothing changed.
db_test!(a_custom_choice_is_set_in_bulk_from_the_list, |t| {
    let r = t
        .post(
            &t.admin_token,
            "/api/v1/meta/leads/fields",
            json!({"label": "Bütçe aralığı", "type": "choice", "options": ["0-500 bin", "500 bin-1 milyon"]}),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let def: Value = r.json().await.unwrap();
    let key = def["key"].as_str().unwrap().to_string();
    let option = def["options"][1]["key"].as_str().unwrap().to_string();
    let ids = [lead(t, &t.a_token, "Nur").await, lead(t, &t.a_token, "Efe").await];
    let b = browser(t, "admin@ornek.com.tr").await;
    let list = b.page(t, "/leads").await;
    let action = format!("custom.{key}:{option}");
    assert!(list.contains(&format!("value=\"{action}\"")), "{list}");
    assert!(list.contains("500 bin-1 milyon"), "{list}");
    let r = b
        .bulk(t, "/leads/bulk", &ids, &[("action", &action), ("back", "/leads")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    for id in ids {
        let v = lead_json(t, id).await;
        assert_eq!(v["custom"][&key], option.as_str(), "{v}");
    }
    let r = b
        .bulk(
            t,
            "/leads/bulk",
            &ids,
            &[("action", "custom.yok_boyle:1"), ("back", "/leads")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("Listeden geçerli bir seçenek seçin."), "{}", r.body);
});
