//! Tasks (Görevler) through the API and Görevlerim, on both databases: who sees which task, the
//! agenda by the Istanbul day, one-click completion with undo, quick add with bad input, the
//! "Görev oluştur" action on a card, and tasks following a merged customer.

use kervan_core::time::{local_input, now_ms};
use serde_json::{Value, json};

use crate::api_support::{account, created, has_error, id, notes, send};
use crate::db_test;
use crate::helpers::{Browser, TestApp};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

async fn task(t: &TestApp, token: &str, body: Value) -> i64 {
    id(&created(t, token, "/api/v1/tasks", body).await)
}

/// A due time `offset` ms from now, as the API takes it.
fn due(offset: i64) -> String {
    kervan_core::time::rfc3339(now_ms() + offset)
}

db_test!(tasks_are_seen_by_their_assignee_and_the_team_manager, |t| {
    let lead = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Selin", "last_name": "Aydın", "phone": "05321112233", "source": "fair"}),
        )
        .await);
    let tid = task(
        t,
        &t.a_token,
        json!({"title": "Fiyat teklifini ara", "due_at": due(DAY), "lead_id": lead, "priority": "high"}),
    )
    .await;
    let v = t.get_json(&t.a_token, &format!("/api/v1/tasks/{tid}")).await;
    assert_eq!(v["status"], "open");
    assert_eq!(v["owner_id"], t.a_id);
    assert_eq!(v["lead_name"], "Selin Aydın", "{v}");
    // Found by a word of its title (Turkish letters folded), through the search index.
    let found = t.get_json(&t.a_token, "/api/v1/tasks?q=fiyat%20teklifi").await;
    assert_eq!(crate::api_support::ids(&found), vec![tid], "{found}");
    // Another team's rep: not found; the manager of the team: seen.
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/tasks/{tid}"))).await;
    assert_eq!(s, 404);
    let (s, _) = send(t.get(&t.m_token, &format!("/api/v1/tasks/{tid}"))).await;
    assert_eq!(s, 200);
    // A task is about a lead or a customer, not both; a title and a due time are needed.
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Deniz Tekstil A.Ş."})).await);
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/tasks",
        json!({"title": "İkisi", "due_at": due(DAY), "lead_id": lead, "account_id": acc}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "lead_id", "task_lead_or_customer"), "{p}");
    let (s, p) = send(t.post(&t.a_token, "/api/v1/tasks", json!({"title": "  ", "due_at": "dün"}))).await;
    assert_eq!(s, 422);
    assert!(
        has_error(&p, "title", "required") && has_error(&p, "due_at", "invalid_datetime"),
        "{p}"
    );
    // Someone else's lead cannot be named.
    let (s, p) = send(t.post(
        &t.b_token,
        "/api/v1/tasks",
        json!({"title": "Başkasının adayı", "due_at": due(DAY), "lead_id": lead}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "lead_id", "invalid_choice"), "{p}");
    // A viewer-less rep may not give a task to a colleague of another team.
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/tasks",
        json!({"title": "Berna yapsın", "due_at": due(DAY), "owner_id": t.b_id}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
});

db_test!(my_tasks_split_by_day_complete_with_one_click_and_undo, |t| {
    let overdue = task(t, &t.a_token, json!({"title": "Dünkü arama", "due_at": due(-2 * DAY)})).await;
    let later = task(t, &t.a_token, json!({"title": "Haftaya sunum", "due_at": due(7 * DAY)})).await;
    let other = task(t, &t.b_token, json!({"title": "Berna'nın işi", "due_at": due(DAY)})).await;
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let page = b.page(t, "/my-tasks").await;
    let section = |name: &str| {
        page.split(&format!("id=\"agenda-{name}\""))
            .nth(1)
            .and_then(|s| s.split("</ul>").next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(section("overdue").contains(&format!("id=\"task-{overdue}\"")), "{page}");
    assert!(section("upcoming").contains(&format!("id=\"task-{later}\"")), "{page}");
    assert!(
        !page.contains(&format!("id=\"task-{other}\"")),
        "another's task: {page}"
    );

    // Quick add: a task for today, then bad input kept with its messages.
    let today = local_input(now_ms() + 60_000);
    let a = b
        .post(t, "/my-tasks", &[("title", "Bugün teklif gönder"), ("due_at", &today)])
        .await;
    assert_eq!(
        (a.status, a.location.as_str()),
        (303, "/my-tasks?ok=task-added"),
        "{}",
        a.body
    );
    let a = b.post(t, "/my-tasks", &[("title", ""), ("due_at", "31.02.2026")]).await;
    assert_eq!(a.status, 422);
    assert!(
        a.body.contains("id=\"error-summary\"") && a.body.contains("value=\"31.02.2026\""),
        "{}",
        a.body
    );
    assert!(a.body.contains("Görev: "), "the summary names the field: {}", a.body);

    // One click completes; Görevlerim offers to take it back; the undo reopens it.
    let v = t.get_json(&t.a_token, &format!("/api/v1/tasks/{overdue}")).await;
    let version = v["version"].as_i64().unwrap_or_default().to_string();
    let a = b
        .post(
            t,
            &format!("/tasks/{overdue}/complete"),
            &[("version", &version), ("done", "1"), ("back", "/my-tasks?whose=me")],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.location.starts_with("/my-tasks?whose=me&undo="), "{}", a.location);
    let page = b.page(t, &a.location).await;
    assert!(page.contains("id=\"undo-bar\""), "{page}");
    let done = page.split("id=\"agenda-done\"").nth(1).unwrap_or_default();
    assert!(done.contains(&format!("id=\"task-{overdue}\"")), "{page}");
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/tasks/{overdue}")).await["status"],
        "done"
    );
    // The same click again with the old version: a conflict, nothing changes.
    let a2 = b
        .post(
            t,
            &format!("/tasks/{overdue}/complete"),
            &[("version", &version), ("done", "1")],
        )
        .await;
    assert_eq!(a2.status, 303, "{}", a2.body);
    assert_eq!(a2.location, format!("/tasks/{overdue}?ok=task-changed"));
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/tasks/{overdue}")).await["status"],
        "done"
    );
    let undo = a.location.split("undo=").nth(1).unwrap_or_default().to_string();
    let (uid, uv) = undo.split_once('.').unwrap_or_default();
    let a = b
        .post(
            t,
            &format!("/tasks/{uid}/complete"),
            &[("version", uv), ("done", "0"), ("back", "/my-tasks")],
        )
        .await;
    assert_eq!((a.status, a.location.as_str()), (303, "/my-tasks?ok=task-reopened"));
    assert_eq!(
        t.get_json(&t.a_token, &format!("/api/v1/tasks/{overdue}")).await["status"],
        "open"
    );
    // The history says who completed and reopened it.
    let h = t
        .get_json(&t.a_token, &format!("/api/v1/tasks/{overdue}/history"))
        .await;
    assert!(h.to_string().contains("\"done\""), "{h}");
    // Someone else's task cannot be completed.
    let a = b
        .post(
            t,
            &format!("/tasks/{other}/complete"),
            &[("version", "1"), ("done", "1")],
        )
        .await;
    assert_eq!(a.status, 404);

    // The manager looks at Ali's tasks, then the whole team's; a rep has no such choice.
    let m = Browser::new(t, "mehmet@ornek.com.tr").await;
    let page = m.page(t, &format!("/my-tasks?whose={}", t.a_id)).await;
    assert!(page.contains(&format!("id=\"task-{later}\"")), "{page}");
    let page = m.page(t, "/my-tasks?whose=team").await;
    assert!(
        page.contains(&format!("id=\"task-{later}\"")) && page.contains("Ali Çelik"),
        "{page}"
    );
    let page = m.page(t, &format!("/my-tasks?whose={}", t.b_id)).await;
    assert!(
        !page.contains(&format!("id=\"task-{other}\"")),
        "another team's: {page}"
    );
    assert!(!b.page(t, "/my-tasks").await.contains("id=\"agenda-whose\""));

    // An admin picks one team: its people's tasks, not the other team's.
    let team2 = kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT team_id FROM users WHERE id = ?",
        vec![t.b_id.into()],
    )
    .await
    .unwrap()
    .expect("Berna has a team");
    let ad = Browser::new(t, "admin@ornek.com.tr").await;
    let page = ad.page(t, &format!("/my-tasks?whose=team-{team2}")).await;
    assert!(page.contains(&format!("id=\"task-{other}\"")), "{page}");
    assert!(
        !page.contains(&format!("id=\"task-{later}\"")),
        "another team's: {page}"
    );
});

db_test!(a_card_creates_a_linked_task_and_tasks_follow_a_merge, |t| {
    let keep = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Yıldız Makina A.Ş."})).await);
    let gone = id(&account(
        t,
        &t.a_token,
        json!({"kind": "company", "name": "Yildiz Makina AS", "allow_duplicate": true}),
    )
    .await);
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let card = b.page(t, &format!("/accounts/{gone}")).await;
    let href = format!("/tasks/new?account_id={gone}");
    assert!(card.contains(&format!("href=\"{href}\"")), "{card}");
    let form = b.page(t, &href).await;
    assert!(
        form.contains(&format!("value=\"{gone}\"")),
        "the customer is filled in: {form}"
    );
    let due = local_input(now_ms() + DAY);
    let a = b
        .post(
            t,
            "/tasks",
            &[
                ("title", "Numune gönder"),
                ("due_at", &due),
                ("account_id", &gone.to_string()),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let tid = a.id();
    // The merge moves the task to the customer that stays.
    let (s, p) = send(t.post(
        &t.a_token,
        &format!("/api/v1/accounts/{keep}/merge"),
        json!({"merged_id": gone, "version": 1, "merged_version": 1}),
    ))
    .await;
    assert!(s == 200, "{s} {p}");
    let v = t.get_json(&t.a_token, &format!("/api/v1/tasks/{tid}")).await;
    assert_eq!(v["account_id"], keep, "{v}");
    // An archived record offers no new task.
    let card = b.page(t, &format!("/accounts/{gone}")).await;
    assert!(!card.contains(&href), "{card}");
});

/// Runs the worker's due jobs the way `kervan serve` does.
async fn run_jobs(t: &TestApp) {
    kervan_app::jobs::run_due(&t.app).await.expect("jobs");
}

/// Makes every waiting job due now (the clock moved on).
async fn time_passes(t: &TestApp) {
    kervan_store::db::exec(
        &t.app.db.conn,
        "UPDATE jobs SET run_at = 0 WHERE done_at IS NULL",
        vec![],
    )
    .await
    .expect("move the clock");
}

db_test!(a_reminder_fires_once_and_follows_the_due_time, |t| {
    // Due in ten minutes, reminded fifteen before: the reminder is due already and fires once.
    let soon = task(
        t,
        &t.a_token,
        json!({"title": "Numuneyi kargola", "due_at": due(10 * 60_000), "reminder": "15m"}),
    )
    .await;
    run_jobs(t).await;
    run_jobs(t).await;
    let got = notes(t, &t.a_token, "task_due").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Numuneyi kargola"),
        "{got:?}"
    );
    assert_eq!(got[0]["link"], format!("/tasks/{soon}"));
    // The same reminder queued again (a second server, a retry) notifies no one twice.
    time_passes(t).await;
    let payload = kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'task_reminder'",
        vec![],
    )
    .await
    .expect("jobs");
    assert_eq!(payload, Some(1));
    kervan_store::db::exec(
        &t.app.db.conn,
        "UPDATE jobs SET done_at = NULL, attempts = 0, run_at = 0 WHERE kind = 'task_reminder'",
        vec![],
    )
    .await
    .expect("run it again");
    run_jobs(t).await;
    assert_eq!(notes(t, &t.a_token, "task_due").await.len(), 1);

    // Due in two days: nothing yet. Moved to in five minutes: the reminder comes for the new
    // time, and the old one (when its time comes) does nothing.
    let later = task(
        t,
        &t.a_token,
        json!({"title": "Sözleşmeyi gözden geçir", "due_at": due(2 * DAY), "reminder": "1h"}),
    )
    .await;
    run_jobs(t).await;
    assert_eq!(notes(t, &t.a_token, "task_due").await.len(), 1);
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{later}"),
        json!({"version": 1, "due_at": due(5 * 60_000)}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    run_jobs(t).await;
    let got = notes(t, &t.a_token, "task_due").await;
    assert_eq!(got.len(), 2, "{got:?}");
    time_passes(t).await;
    run_jobs(t).await;
    assert_eq!(
        notes(t, &t.a_token, "task_due").await.len(),
        2,
        "the old reminder stays silent"
    );

    // A task done before its reminder, or without one, is not reminded.
    let done = task(
        t,
        &t.a_token,
        json!({"title": "Bitti bile", "due_at": due(3 * DAY), "reminder": "15m"}),
    )
    .await;
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{done}"),
        json!({"version": 1, "status": "done"}),
    ))
    .await;
    assert_eq!(s, 200);
    task(
        t,
        &t.a_token,
        json!({"title": "Sessiz", "due_at": due(60_000), "reminder": "none"}),
    )
    .await;
    time_passes(t).await;
    run_jobs(t).await;
    assert_eq!(notes(t, &t.a_token, "task_due").await.len(), 2);
    // Nothing failed on the way.
    let dead = kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND last_error IS NOT NULL",
        vec![],
    )
    .await
    .expect("count");
    assert_eq!(dead, Some(0));
});

db_test!(a_task_given_by_someone_else_is_announced_to_the_assignee, |t| {
    // The manager gives Ali a task: Ali's bell says so; Ali's own tasks say nothing.
    task(
        t,
        &t.m_token,
        json!({"title": "Fuar listesini ara", "due_at": due(DAY), "owner_id": t.a_id}),
    )
    .await;
    task(t, &t.a_token, json!({"title": "Kendi işim", "due_at": due(DAY)})).await;
    let got = notes(t, &t.a_token, "task_assigned").await;
    assert_eq!(got.len(), 1, "{got:?}");
    let msg = got[0]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("Mehmet Şahin") && msg.contains("Fuar listesini ara"),
        "{msg}"
    );
    assert!(notes(t, &t.m_token, "task_assigned").await.is_empty());
});

db_test!(a_broken_reminder_does_not_hold_back_the_others, |t| {
    for i in 0..5 {
        task(
            t,
            &t.a_token,
            json!({"title": format!("Hatırlat {i}"), "due_at": due(5 * 60_000), "reminder": "15m"}),
        )
        .await;
    }
    // A reminder job that cannot be read, between the others.
    kervan_store::jobs::enqueue(&t.app.db.conn, "task_reminder", "{bozuk", Some("broken"), 0, now_ms())
        .await
        .expect("enqueue");
    run_jobs(t).await;
    assert_eq!(notes(t, &t.a_token, "task_due").await.len(), 5);
    let failed = kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT attempts FROM jobs WHERE dedupe_key = 'broken' AND done_at IS NULL AND last_error IS NOT NULL",
        vec![],
    )
    .await
    .expect("the broken job");
    assert_eq!(failed, Some(1), "failed once, waits for its retry");
});

db_test!(the_dashboard_counts_todays_and_overdue_tasks, |t| {
    task(t, &t.a_token, json!({"title": "Geciken", "due_at": due(-3 * DAY)})).await;
    task(t, &t.a_token, json!({"title": "Geciken 2", "due_at": due(-DAY - HOUR)})).await;
    // Today in Istanbul, a minute from now (unless the day ends sooner).
    let start_tomorrow = kervan_core::time::today_local(now_ms())
        .succ_opt()
        .map(kervan_core::time::day_start_ms)
        .unwrap_or(i64::MAX);
    let today_due = (now_ms() + 60_000).min(start_tomorrow - 1);
    task(
        t,
        &t.a_token,
        json!({"title": "Bugün", "due_at": kervan_core::time::rfc3339(today_due)}),
    )
    .await;
    task(
        t,
        &t.b_token,
        json!({"title": "Berna geciken", "due_at": due(-DAY * 2)}),
    )
    .await;
    let ali = Browser::new(t, "ali@ornek.com.tr").await;
    let page = ali.page(t, "/").await;
    assert!(page.contains("id=\"tasks-today\">1<"), "{page}");
    assert!(page.contains("id=\"tasks-overdue\">2<"), "{page}");
    assert!(!page.contains("id=\"team-overdue\""), "a rep sees no team card");
    // The manager of team 1 sees Ali's overdue tasks, not Berna's (team 2).
    let m = Browser::new(t, "mehmet@ornek.com.tr").await;
    let page = m.page(t, "/").await;
    let card = page.split("id=\"team-overdue\"").nth(1).unwrap_or_default();
    assert!(
        card.contains("Ali Çelik") && card.contains(&format!("/my-tasks?whose={}", t.a_id)),
        "{page}"
    );
    assert!(!card.contains("Berna"), "{card}");
});

db_test!(lists_show_each_records_next_step, |t| {
    let with = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Gökhan", "last_name": "Sarı", "phone": "05334445566", "source": "fair"}),
        )
        .await);
    let without = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Nilay", "last_name": "Kurt", "phone": "05337778899", "source": "fair"}),
        )
        .await);
    let late = due(-2 * DAY);
    let first = task(
        t,
        &t.a_token,
        json!({"title": "Geç kalan", "due_at": late, "lead_id": with}),
    )
    .await;
    task(
        t,
        &t.a_token,
        json!({"title": "Sonraki", "due_at": due(5 * DAY), "lead_id": with}),
    )
    .await;
    let v = t.get_json(&t.a_token, &format!("/api/v1/leads/{with}")).await;
    let at = v["next_step_at"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        kervan_core::time::parse_datetime(&at),
        kervan_core::time::parse_datetime(&late),
        "{v}"
    );
    assert!(t.get_json(&t.a_token, &format!("/api/v1/leads/{without}")).await["next_step_at"].is_null());
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let list = b.page(t, "/leads").await;
    let row = |id: i64| {
        list.split(&format!("href=\"/leads/{id}\""))
            .nth(1)
            .and_then(|s| s.split("</tr>").next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(list.contains("Sonraki adım"), "the column is there by default");
    assert!(row(with).contains("next-overdue"), "{}", row(with));
    assert!(
        row(without).contains("next-none") && row(without).contains(">Yok<"),
        "{}",
        row(without)
    );
    // Done with the late one: the next step is the later task.
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{first}"),
        json!({"version": 1, "status": "done"}),
    ))
    .await;
    assert_eq!(s, 200);
    let list = b.page(t, "/leads").await;
    let row = list
        .split(&format!("href=\"/leads/{with}\""))
        .nth(1)
        .and_then(|s| s.split("</tr>").next())
        .unwrap_or_default();
    assert!(row.contains("next-later"), "{row}");
    // Customers have it too; products do not.
    assert!(b.page(t, "/accounts").await.contains("Sonraki adım"));
    assert!(!b.page(t, "/products").await.contains("Sonraki adım"));
    assert!(
        t.get_json(&t.a_token, "/api/v1/openapi.json")
            .await
            .to_string()
            .contains("next_step_at")
    );
});

db_test!(a_repeating_task_comes_back_once_when_done, |t| {
    let yesterday = now_ms() - DAY;
    let weekly = task(
        t,
        &t.a_token,
        json!({"title": "Haftalık stok kontrolü", "due_at": kervan_core::time::rfc3339(yesterday), "repeat": "weekly"}),
    )
    .await;
    let (s, p) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{weekly}"),
        json!({"version": 1, "status": "done"}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    run_jobs(t).await;
    let open = t.get_json(&t.a_token, "/api/v1/tasks?status=open").await;
    let items = open["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{open}");
    assert_eq!(items[0]["title"], "Haftalık stok kontrolü");
    assert_eq!(items[0]["repeat"], "weekly");
    assert_eq!(items[0]["owner_id"], t.a_id);
    let next = kervan_core::time::parse_datetime(items[0]["due_at"].as_str().unwrap_or_default());
    assert_eq!(next, Some(yesterday + 7 * DAY), "{open}");
    // Reopened and done again: no second copy.
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{weekly}"),
        json!({"version": 2, "status": "open"}),
    ))
    .await;
    assert_eq!(s, 200);
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{weekly}"),
        json!({"version": 3, "status": "done"}),
    ))
    .await;
    assert_eq!(s, 200);
    run_jobs(t).await;
    let all = t.get_json(&t.a_token, "/api/v1/tasks?q=stok").await;
    assert_eq!(crate::api_support::ids(&all).len(), 2, "{all}");

    // A daily task done ten days late comes back once, tomorrow-ish — not ten times.
    let late = now_ms() - 10 * DAY;
    let daily = task(
        t,
        &t.a_token,
        json!({"title": "Günlük arama listesi", "due_at": kervan_core::time::rfc3339(late), "repeat": "daily"}),
    )
    .await;
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let a = b
        .post(
            t,
            &format!("/tasks/{daily}/complete"),
            &[("version", "1"), ("done", "1"), ("back", "/my-tasks")],
        )
        .await;
    assert_eq!(a.status, 303);
    // The click woke the worker; it (or this run) makes the next one.
    let mut found = Value::Null;
    for _ in 0..100 {
        run_jobs(t).await;
        found = t.get_json(&t.a_token, "/api/v1/tasks?q=gunluk&status=open").await;
        if found["items"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let items = found["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{found}");
    let next = kervan_core::time::parse_datetime(items[0]["due_at"].as_str().unwrap_or_default()).unwrap_or_default();
    assert!(next > now_ms() && next <= now_ms() + DAY, "due {next}");
    // The new one's history holds its initial values.
    let h = t
        .get_json(&t.a_token, &format!("/api/v1/tasks/{}/history", items[0]["id"]))
        .await;
    let rows = h["items"].as_array().cloned().unwrap_or_default();
    assert!(
        rows.iter()
            .any(|r| r["field"] == "title" && r["old"].is_null() && r["new"] == "Günlük arama listesi"),
        "{h}"
    );
    // A series whose task falls due undone comes back too, once: the due time passes, then the
    // late one is done.
    let soon = task(
        t,
        &t.a_token,
        json!({"title": "Aylık rapor", "due_at": due(HOUR), "repeat": "monthly"}),
    )
    .await;
    run_jobs(t).await;
    let count = |v: Value| crate::api_support::ids(&v).len();
    assert_eq!(
        count(t.get_json(&t.a_token, "/api/v1/tasks?q=aylik").await),
        1,
        "not due yet"
    );
    time_passes(t).await;
    run_jobs(t).await;
    assert_eq!(
        count(t.get_json(&t.a_token, "/api/v1/tasks?q=aylik").await),
        2,
        "fell due: the next one"
    );
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{soon}"),
        json!({"version": 1, "status": "done"}),
    ))
    .await;
    assert_eq!(s, 200);
    run_jobs(t).await;
    assert_eq!(
        count(t.get_json(&t.a_token, "/api/v1/tasks?q=aylik").await),
        2,
        "done late: no third"
    );
    // The next one goes on when it falls due in turn.
    time_passes(t).await;
    run_jobs(t).await;
    assert_eq!(count(t.get_json(&t.a_token, "/api/v1/tasks?q=aylik").await), 3);
    // A bad repeat value is refused in Turkish.
    let (s, p) = send(t.post(
        &t.a_token,
        "/api/v1/tasks",
        json!({"title": "x", "due_at": due(DAY), "repeat": "hourly"}),
    ))
    .await;
    assert_eq!(s, 422);
    assert!(has_error(&p, "repeat", "invalid_choice"), "{p}");
});

db_test!(a_records_card_lists_its_tasks, |t| {
    let lead = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Levent", "last_name": "Koç", "phone": "05351112233", "source": "fair"}),
        )
        .await);
    let quiet = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Sessiz", "last_name": "Aday", "phone": "05351112244", "source": "fair"}),
        )
        .await);
    let tid = task(
        t,
        &t.a_token,
        json!({"title": "Katalog yolla", "due_at": due(DAY), "lead_id": lead}),
    )
    .await;
    task(
        t,
        &t.m_token,
        json!({"title": "Başka adayın işi", "due_at": due(DAY), "lead_id": quiet, "owner_id": t.a_id}),
    )
    .await;
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let tab = b.page(t, &format!("/leads/{lead}?tab=tasks")).await;
    let open = tab.split("id=\"tab-tasks-open\"").nth(1).unwrap_or_default();
    assert!(
        open.contains("Katalog yolla") && !open.contains("Başka adayın işi"),
        "{tab}"
    );
    assert!(tab.contains(&format!("href=\"/tasks/new?lead_id={lead}\"")), "{tab}");
    // Completed from the tab, back on the tab, under done.
    let a = b
        .post(
            t,
            &format!("/tasks/{tid}/complete"),
            &[
                ("version", "1"),
                ("done", "1"),
                ("back", &format!("/leads/{lead}?tab=tasks")),
            ],
        )
        .await;
    assert!(
        a.location.starts_with(&format!("/leads/{lead}?tab=tasks&undo=")),
        "{}",
        a.location
    );
    let tab = b.page(t, &format!("/leads/{lead}?tab=tasks")).await;
    assert!(
        tab.contains("id=\"tab-tasks-closed\"") && tab.contains("Katalog yolla"),
        "{tab}"
    );
    // A lead without tasks says so.
    let other = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Boş", "last_name": "Kart", "phone": "05351112255", "source": "fair"}),
        )
        .await);
    assert!(
        b.page(t, &format!("/leads/{other}?tab=tasks"))
            .await
            .contains("id=\"tasks-none\"")
    );
});

db_test!(a_stale_click_on_a_card_says_the_task_changed, |t| {
    let lead = id(&t
        .lead(
            &t.a_token,
            json!({"first_name": "Eda", "last_name": "Tan", "phone": "05359990011", "source": "fair"}),
        )
        .await);
    let tid = task(
        t,
        &t.a_token,
        json!({"title": "Bilgi gönder", "due_at": due(DAY), "lead_id": lead}),
    )
    .await;
    let (s, _) = send(t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{tid}"),
        json!({"version": 1, "title": "Bilgi ve fiyat gönder"}),
    ))
    .await;
    assert_eq!(s, 200);
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let back = format!("/leads/{lead}?tab=tasks");
    let a = b
        .post(
            t,
            &format!("/tasks/{tid}/complete"),
            &[("version", "1"), ("done", "1"), ("back", &back)],
        )
        .await;
    assert_eq!(a.location, format!("{back}&ok=task-changed"));
    let page = b.page(t, &a.location).await;
    assert!(page.contains("Görev bu arada değişmiş"), "{page}");
    assert!(page.contains("Bilgi ve fiyat gönder"), "the tab shows it as it is now");
});
