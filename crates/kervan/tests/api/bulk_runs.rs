//! Bulk changes on everything matching a filter: the exact count frozen at confirmation, per
//! record permission, changed/skipped as done, undo; "Devret".

use kervan_app::AppError;
use kervan_app::bulk::{self, Planned};
use serde_json::json;

use crate::db_test;
use crate::helpers::{Browser, TestApp};

async fn lead(t: &TestApp, token: &str, first: &str, city: &str, n: u32) -> i64 {
    let v = t
        .lead(
            token,
            json!({"first_name": first, "last_name": "Kaya", "city": city, "source": "fair",
                   "email": format!("toplu{n}@ornek.com.tr")}),
        )
        .await;
    v["id"].as_i64().expect("id")
}

async fn done(t: &TestApp, actor: &kervan_app::Actor, id: i64) -> kervan_store::runs::RunRow {
    for _ in 0..400 {
        kervan_app::jobs::run_due(&t.app).await.expect("jobs");
        let (row, _) = bulk::get(&t.app, actor, id).await.expect("run");
        if row.status == "done" {
            return row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let (row, _) = bulk::get(&t.app, actor, id).await.expect("run");
    let jobs = kervan_store::jobs::dead(&t.app.db.conn, 0, 10).await.expect("jobs");
    panic!("bulk run {id} did not finish: {row:?} {jobs:?}");
}

async fn tagged(t: &TestApp, tag: &str) -> i64 {
    kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT COUNT(*) FROM lead_tags WHERE tag = ?",
        vec![tag.into()],
    )
    .await
    .unwrap()
    .unwrap_or(0)
}

db_test!(tag_everything_matching_the_filter_frozen_confirmed_undone, |t| {
    let mut n = 0;
    let mut ist = Vec::new();
    for i in 0..12 {
        n += 1;
        let city = if i % 3 == 0 { "Ankara" } else { "İstanbul" };
        let id = lead(t, &t.admin_token, &format!("K{i}"), city, n).await;
        if city == "İstanbul" {
            ist.push(id);
        }
    }
    // From the list's bar, "everything matching the filter" (İstanbul).
    let b = Browser::new(t, "admin@ornek.com.tr").await;
    let a = b
        .post(
            t,
            "/leads/bulk",
            &[
                ("scope", "all"),
                ("action", "tag_add"),
                ("tag", "Metal Expo"),
                ("back", "/leads?city=İstanbul"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.location.starts_with("/bulk/"), "{}", a.location);
    let run_id: i64 = a.location.trim_start_matches("/bulk/").parse().unwrap();
    let page = b.page(t, &a.location).await;
    assert!(page.contains("8 kayda uygula"), "the exact count is shown: {page}");
    // The set is frozen: a lead matching the filter after the count is not touched.
    n += 1;
    let late = lead(t, &t.admin_token, "Geç", "İstanbul", n).await;
    let before = t.get_json(&t.admin_token, &format!("/api/v1/leads/{}", ist[0])).await;
    let c = b.post(t, &format!("/bulk/{run_id}/confirm"), &[]).await;
    assert_eq!(c.status, 303);
    let admin = t.actor(t.admin_id).await;
    let row = done(t, &admin, run_id).await;
    assert_eq!((row.total, row.updated, row.skipped), (8, 8, 0));
    assert_eq!(tagged(t, "Metal Expo").await, 8);
    // A tag is not a new version of the record: a card opened before still saves.
    let after = t.get_json(&t.admin_token, &format!("/api/v1/leads/{}", ist[0])).await;
    assert_eq!(after["tags"], json!(["Metal Expo"]), "{after}");
    assert_eq!(
        (&after["version"], &after["updated_at"]),
        (&before["version"], &before["updated_at"])
    );
    let late_tags = t.get_json(&t.admin_token, &format!("/api/v1/leads/{late}")).await;
    assert_eq!(late_tags["tags"], json!([]), "{late_tags}");
    // Each change is in the record's history.
    let h = t
        .get_json(&t.admin_token, &format!("/api/v1/leads/{}/history", ist[0]))
        .await;
    assert!(h.to_string().contains("Metal Expo"), "{h}");
    // Again: every record already has it — nothing changed, and the count says so.
    let (again, total) = bulk::freeze(
        &t.app,
        &admin,
        &kervan_core::leads::KIND,
        &[("city".into(), "İstanbul".into())],
        &Planned::AddTag {
            tag: "Metal Expo".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(total, 9);
    bulk::confirm(&t.app, &admin, again).await.unwrap();
    let row2 = done(t, &admin, again).await;
    assert_eq!((row2.updated, row2.skipped), (1, 8), "only the late lead was new");
    // Somebody edits one of the first run's leads (its tag stays an undo's to take off), and
    // takes the tag off another by hand: undo leaves that one, and takes it off the rest.
    let v = t.get_json(&t.admin_token, &format!("/api/v1/leads/{}", ist[1])).await;
    for (id, body) in [
        (ist[1], json!({"version": v["version"], "title": "Müdür"})),
        (ist[2], json!({"version": 1, "tags": []})),
    ] {
        let r = t
            .patch(&t.admin_token, &format!("/api/v1/leads/{id}"), body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let u = b.post(t, &format!("/bulk/{run_id}/undo"), &[]).await;
    assert_eq!(u.status, 303);
    // The undo runs beside the request; its page shows it until it ends.
    let mut row = bulk::get(&t.app, &admin, run_id).await.unwrap().0;
    for _ in 0..400 {
        if row.status == "undone" && row.step.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        row = bulk::get(&t.app, &admin, run_id).await.unwrap().0;
    }
    assert_eq!(row.status, "undone");
    let report: kervan_app::imports::UndoReport = serde_json::from_str(row.undo_report.as_deref().unwrap()).unwrap();
    assert_eq!((report.restored, report.edited_since.len()), (7, 1));
    assert_eq!(report.edited_since[0].0, ist[2]);
    assert_eq!(report.edited_since[0].1, "K4 Kaya");
    // Left: the late lead of the second run.
    assert_eq!(tagged(t, "Metal Expo").await, 1);
    let v = t.get_json(&t.admin_token, &format!("/api/v1/leads/{}", ist[1])).await;
    assert_eq!((&v["title"], &v["tags"]), (&json!("Müdür"), &json!([])), "{v}");
    let page = b.page(t, &format!("/bulk/{run_id}")).await;
    assert!(page.contains("Geri alındı"), "{page}");
});

db_test!(bulk_by_filter_checks_every_record_and_counts_the_truth, |t| {
    // Ali's two leads, Berna's one; the manager of Ali's team archives "everything".
    let a1 = lead(t, &t.a_token, "A1", "Bursa", 101).await;
    lead(t, &t.a_token, "A2", "Bursa", 102).await;
    let b1 = lead(t, &t.b_token, "B1", "Bursa", 103).await;
    let manager = t.actor(t.manager_id().await).await;
    let (id, total) = bulk::freeze(
        &t.app,
        &manager,
        &kervan_core::leads::KIND,
        &[("city".into(), "Bursa".into())],
        &Planned::Archive,
    )
    .await
    .unwrap();
    assert_eq!(total, 2, "the manager's set holds only what the manager sees");
    bulk::confirm(&t.app, &manager, id).await.unwrap();
    let row = done(t, &manager, id).await;
    assert_eq!((row.updated, row.skipped), (2, 0));
    let archived = id;
    let v = t.get_json(&t.admin_token, &format!("/api/v1/leads/{b1}")).await;
    assert!(v["archived_at"].is_null(), "Berna's lead untouched");
    // A rep without the grant to archive is refused as a whole.
    let rep = t.actor(t.a_id).await;
    let r = bulk::freeze(
        &t.app,
        &rep,
        &kervan_core::leads::KIND,
        &[],
        &Planned::Set {
            field: "nonsense".into(),
            value: "x".into(),
        },
    )
    .await;
    assert!(matches!(r, Err(AppError::Validation(_))), "{r:?}");
    // Undo of the archive brings them back.
    let report = bulk::undo(&t.app, &manager, id).await.unwrap();
    assert_eq!(report.restored, 2);
    let v = t.get_json(&t.admin_token, &format!("/api/v1/leads/{a1}")).await;
    assert!(v["archived_at"].is_null(), "{v}");
    // Ticked ids of someone else's records are skipped with a reason, not changed.
    let (id, _) = bulk::freeze_ids(
        &t.app,
        &rep,
        &kervan_core::leads::KIND,
        &[b1, a1],
        &Planned::AddTag { tag: "Sıcak".into() },
    )
    .await
    .unwrap();
    bulk::confirm(&t.app, &rep, id).await.unwrap();
    let row = done(t, &rep, id).await;
    assert_eq!((row.updated, row.skipped), (1, 1));
    let skipped = bulk::skipped(&t.app, &rep, id, 10).await.unwrap();
    assert!(skipped[0].reason.as_deref().unwrap().contains("not_allowed"));
    // Somebody else's run is not there.
    assert!(matches!(
        bulk::get(&t.app, &rep, archived).await,
        Err(AppError::NotFound)
    ));
});

db_test!(handover_gives_open_work_to_colleagues_in_turn, |t| {
    let l1 = lead(t, &t.a_token, "H1", "Van", 201).await;
    let l2 = lead(t, &t.a_token, "H2", "Van", 202).await;
    let lost = lead(t, &t.a_token, "H3", "Van", 203).await;
    let v = t.get_json(&t.a_token, &format!("/api/v1/leads/{lost}")).await;
    let r = t
        .patch(
            &t.a_token,
            &format!("/api/v1/leads/{lost}"),
            json!({"version": v["version"], "status": "lost", "lost_reason": "Fiyat"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = t
        .post(
            &t.a_token,
            "/api/v1/tasks",
            json!({"title": "Ara", "due_at": "2027-01-05T10:00", "lead_id": l1}),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // A planned meeting and one already held.
    for (status, subject, at) in [
        ("planned", "Planlı ziyaret", "2027-01-06T10:00"),
        ("held", "Yapılan ziyaret", "2026-11-20T10:00"),
    ] {
        let r = t
            .post(
                &t.a_token,
                "/api/v1/activities",
                json!({"kind": "meeting", "status": status, "subject": subject, "at": at, "lead_id": l1}),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    let m = t.manager_id().await;
    let admin = t.actor(t.admin_id).await;
    // Only an admin hands over.
    let rep = t.actor(t.b_id).await;
    assert!(bulk::handover(&t.app, &rep, t.a_id, &[m]).await.is_err());
    let b = Browser::new(t, "admin@ornek.com.tr").await;
    let page = b.page(t, &format!("/users/{}/handover", t.a_id)).await;
    assert!(page.contains("Ali Çelik"), "{page}");
    let mf = m.to_string();
    let a = b.post(t, &format!("/users/{}/handover", t.a_id), &[("to", &mf)]).await;
    assert_eq!(a.status, 303, "{}", a.body);
    for r in bulk::recent(&t.app, &admin, 10).await.unwrap() {
        done(t, &admin, r.id).await;
    }
    let owner = |id: i64| async move {
        t.get_json(&t.admin_token, &format!("/api/v1/leads/{id}")).await["owner_id"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(owner(l1).await, m);
    assert_eq!(owner(l2).await, m);
    assert_eq!(owner(lost).await, t.a_id, "a lost lead is not open work");
    let task_owner =
        kervan_store::db::scalar_i64(&t.app.db.conn, "SELECT owner_id FROM tasks WHERE title = 'Ara'", vec![])
            .await
            .unwrap();
    assert_eq!(task_owner, Some(m));
    let call_owner = |subject: &'static str| async move {
        kervan_store::db::scalar_i64(
            &t.app.db.conn,
            "SELECT owner_id FROM activities WHERE subject = ?",
            vec![subject.into()],
        )
        .await
        .unwrap()
    };
    assert_eq!(
        call_owner("Planlı ziyaret").await,
        Some(m),
        "a planned meeting is open work"
    );
    assert_eq!(
        call_owner("Yapılan ziyaret").await,
        Some(t.a_id),
        "a held one stays with who held it"
    );
});

db_test!(a_card_opened_before_a_bulk_tag_saves_without_taking_the_tag_off, |t| {
    let id = t
        .lead(
            &t.admin_token,
            json!({"first_name": "Form", "last_name": "Açık", "source": "fair", "tags": ["Fuar"],
                   "email": "form@ornek.com.tr"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let b = Browser::new(t, "admin@ornek.com.tr").await;
    // The edit form carries the tags it was opened with.
    let form = b.page(t, &format!("/leads/{id}/edit")).await;
    assert!(form.contains(r#"name="tags.seen" value="Fuar""#), "{form}");
    // Meanwhile a bulk run tags the lead.
    let admin = t.actor(t.admin_id).await;
    let (run, _) = bulk::freeze_ids(
        &t.app,
        &admin,
        &kervan_core::leads::KIND,
        &[id],
        &Planned::AddTag {
            tag: "Metal Expo".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(bulk::run_now(&t.app, &admin, run).await.unwrap().changed, 1);
    // The card is saved with the city changed, one tag added and none removed by the editor.
    let a = b
        .post(
            t,
            &format!("/leads/{id}"),
            &[
                ("version", "1"),
                ("city", "Ankara"),
                ("tags", "Fuar, Sıcak"),
                ("tags.seen", "Fuar"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let v = t.get_json(&t.admin_token, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(v["city"], json!("Ankara"), "{v}");
    assert_eq!(v["tags"], json!(["Fuar", "Metal Expo", "Sıcak"]), "{v}");
    assert_eq!(v["version"], json!(2), "the city made a new version, the tags did not");
    // Taking a tag off on the card takes off only that one.
    let a = b
        .post(
            t,
            &format!("/leads/{id}"),
            &[
                ("version", "2"),
                ("tags", "Sıcak, Metal Expo"),
                ("tags.seen", "Fuar, Metal Expo, Sıcak"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let v = t.get_json(&t.admin_token, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(v["tags"], json!(["Metal Expo", "Sıcak"]), "{v}");
    assert_eq!(v["version"], json!(2));
    // The API's `tags` is the list: it replaces.
    let r = t
        .patch(
            &t.admin_token,
            &format!("/api/v1/leads/{id}"),
            json!({"version": 2, "tags": ["Yeni"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v = t.get_json(&t.admin_token, &format!("/api/v1/leads/{id}")).await;
    assert_eq!(v["tags"], json!(["Yeni"]), "{v}");
    // Each change is in the history.
    let h = t.get_json(&t.admin_token, &format!("/api/v1/leads/{id}/history")).await;
    assert!(h.to_string().contains("Metal Expo"), "{h}");
});

// Taking a tag off everything matching, archiving, and restoring what is archived: each a run
// with its count, each undone back to where it was.
db_test!(untag_archive_and_restore_by_filter_and_undo_each, |t| {
    let admin = t.actor(t.admin_id).await;
    for i in 0..4u32 {
        t.lead(
            &t.admin_token,
            json!({"first_name": format!("R{i}"), "last_name": "Kaya", "city": "Van", "source": "fair",
                   "email": format!("geri{i}@ornek.com.tr"), "tags": ["Eski fuar"]}),
        )
        .await;
    }
    let van = || vec![("city".to_string(), "Van".to_string())];
    let archived = || {
        vec![
            ("city".to_string(), "Van".to_string()),
            ("archived".to_string(), "true".to_string()),
        ]
    };
    let run = |planned: Planned, params: Vec<(String, String)>| {
        let admin = admin.clone();
        async move {
            let (id, total) = bulk::freeze(&t.app, &admin, &kervan_core::leads::KIND, &params, &planned)
                .await
                .unwrap();
            bulk::confirm(&t.app, &admin, id).await.unwrap();
            (id, total, done(t, &admin, id).await)
        }
    };
    let in_list = || async {
        let listed = t.get_json(&t.admin_token, "/api/v1/leads?city=Van").await;
        listed["items"].as_array().map_or(0, Vec::len)
    };
    // The tag off (however it is typed), and back on by its undo.
    let (untag, total, row) = run(
        Planned::RemoveTag {
            tag: "eski FUAR".into(),
        },
        van(),
    )
    .await;
    assert_eq!((total, row.updated), (4, 4));
    assert_eq!(tagged(t, "Eski fuar").await, 0);
    let report = bulk::undo(&t.app, &admin, untag).await.unwrap();
    assert_eq!(report.restored, 4, "{report:?}");
    assert_eq!(tagged(t, "Eski fuar").await, 4);
    // Archived: gone from the list; undone: back.
    let (archive, _, row) = run(Planned::Archive, van()).await;
    assert_eq!(row.updated, 4);
    assert_eq!(in_list().await, 0);
    let report = bulk::undo(&t.app, &admin, archive).await.unwrap();
    assert_eq!(report.restored, 4, "{report:?}");
    assert_eq!(in_list().await, 4);
    // Archived again, then restored from the archive view; that restore undone: archived.
    run(Planned::Archive, van()).await;
    let (restore, total, row) = run(Planned::Restore, archived()).await;
    assert_eq!((total, row.updated), (4, 4));
    assert_eq!(in_list().await, 4);
    let report = bulk::undo(&t.app, &admin, restore).await.unwrap();
    assert_eq!(report.restored, 4, "{report:?}");
    assert_eq!(in_list().await, 0);
});
