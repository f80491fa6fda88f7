//! Notification e-mail and the sleeping-customer rule, on both databases: mail written to the
//! outbox once per notification and only as each person chose, the mail server settings with a
//! test mail whose failure is plain Turkish, the password kept out of the database; the rule
//! switched on only after its first run's count was seen, making one task per dormant period.

use kervan_core::time::{now_ms, rfc3339};
use serde_json::json;

use crate::api_support::{created, id, send};
use crate::db_test;
use crate::helpers::{Browser, TestApp};

const DAY: i64 = 86_400_000;

fn outbox(t: &TestApp) -> Vec<String> {
    let dir = t.app.config.data_dir.join("outbox");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

async fn send_mail(t: &TestApp) {
    kervan_app::mailing::send_due(&t.app).await.expect("send the mail");
}

db_test!(notifications_are_mailed_once_as_each_person_chose, |t| {
    // Mehmet (manager) gives Ali a task: Ali's bell rings and, by default, a mail goes out.
    created(
        t,
        &t.m_token,
        "/api/v1/tasks",
        json!({"title": "Teklifi gözden geçir", "due_at": rfc3339(now_ms() + 3 * DAY), "owner_id": t.a_id, "reminder": "none"}),
    )
    .await;
    // (The test server's worker may send it first: what counts is the outbox.)
    send_mail(t).await;
    send_mail(t).await;
    let mails = outbox(t);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("ali@ornek.com.tr"), "{}", mails[0]);
    assert!(mails[0].contains("Subject: "), "{}", mails[0]);
    // Ali turns task mails off: the next task rings the bell only.
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let page = b.page(t, "/account/notifications").await;
    assert!(page.contains("Bana bir görev verildiğinde"), "{page}");
    let ans = b.post(t, "/account/notifications", &[("email", "mention")]).await;
    assert_eq!(ans.status, 303);
    created(
        t,
        &t.m_token,
        "/api/v1/tasks",
        json!({"title": "İkinci görev", "due_at": rfc3339(now_ms() + 3 * DAY), "owner_id": t.a_id, "reminder": "none"}),
    )
    .await;
    send_mail(t).await;
    assert_eq!(outbox(t).len(), 1);
    let bell = t.get_json(&t.a_token, "/api/v1/notifications").await;
    assert_eq!(bell["items"].as_array().map(Vec::len), Some(2), "{bell}");
    // A lead given to Berna by the admin: "record assigned", mailed to her.
    created(
        t,
        &t.admin_token,
        "/api/v1/leads",
        json!({"company": "Verilen Firma", "phone": "05321110099", "source": "fair", "owner_id": t.b_id}),
    )
    .await;
    let bell = t.get_json(&t.b_token, "/api/v1/notifications").await;
    assert!(
        bell["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "record_assigned"
                && n["message"].as_str().unwrap_or_default().contains("Verilen Firma")),
        "{bell}"
    );
    send_mail(t).await;
    let mails = outbox(t);
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|m| m.contains("berna@ornek.com.tr")));
});

db_test!(the_mail_server_settings_and_their_test_mail, |t| {
    let rep = Browser::new(t, "ali@ornek.com.tr").await;
    let (s, _) = rep.get(t, "/settings/mail").await;
    assert_eq!(s, 403);
    let a = Browser::new(t, "admin@ornek.com.tr").await;
    let page = a.page(t, "/settings/mail").await;
    assert!(page.contains("outbox"), "no server: the outbox is named: {page}");
    // Without a server the test mail lands in the outbox.
    let r = a.post(t, "/settings/mail/test", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("klasörüne yazıldı"), "{}", r.body);
    assert_eq!(outbox(t).len(), 1);
    // Bad input: explained, nothing saved.
    let bad = a
        .post(
            t,
            "/settings/mail",
            &[
                ("host", "smtp bozuk"),
                ("port", "99999"),
                ("security", "ssl3"),
                ("from", "adres-değil"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("1 ile 65535 arasında"), "{}", bad.body);
    // A server nobody listens on: the test mail says so in Turkish, the password is not in the DB.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(1);
    let ok = a
        .post(
            t,
            "/settings/mail",
            &[
                ("host", "127.0.0.1"),
                ("port", &port.to_string()),
                ("security", "none"),
                ("user", "crm"),
                ("password", "çok-gizli-parola"),
                ("from", "Kervan <crm@ornek.com.tr>"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let stored = kervan_store::settings::get(&t.app.db.conn, "smtp")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        stored.contains("127.0.0.1") && !stored.contains("çok-gizli"),
        "{stored}"
    );
    let secret = t.app.config.data_dir.join("secrets").join("smtp-password");
    assert_eq!(std::fs::read_to_string(&secret).unwrap_or_default(), "çok-gizli-parola");
    let r = a.post(t, "/settings/mail/test", &[]).await;
    assert_eq!(r.status, 502);
    assert!(r.body.contains("Sunucuya bağlanılamadı"), "{}", r.body);
    // Saving again without a password keeps it; asking to forget it removes the file.
    a.post(
        t,
        "/settings/mail",
        &[
            ("host", "127.0.0.1"),
            ("port", "25"),
            ("security", "none"),
            ("from", "crm@ornek.com.tr"),
        ],
    )
    .await;
    assert!(secret.is_file());
    a.post(
        t,
        "/settings/mail",
        &[
            ("host", ""),
            ("port", "25"),
            ("security", "none"),
            ("from", ""),
            ("clear_password", "1"),
        ],
    )
    .await;
    assert!(!secret.exists());
});

/// Makes a record look `days` old (created then, nobody talked since).
async fn age(t: &TestApp, table: &str, id: i64, days: i64) {
    kervan_store::db::exec(
        &t.app.db.conn,
        &format!("UPDATE {table} SET created_at = ? WHERE id = ?"),
        vec![(now_ms() - days * DAY).into(), id.into()],
    )
    .await
    .expect("age the record");
}

async fn tasks_about(t: &TestApp, field: &str, id: i64) -> usize {
    let v = t.get_json(&t.admin_token, &format!("/api/v1/tasks?{field}={id}")).await;
    v["items"].as_array().map(Vec::len).unwrap_or(0)
}

/// Waits until the lead has `n` tasks (the server's worker may be making one right now), then
/// checks that no more come.
async fn settled(t: &TestApp, lead: i64, n: usize) {
    for _ in 0..50 {
        if tasks_about(t, "lead_id", lead).await >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(tasks_about(t, "lead_id", lead).await, n);
}

db_test!(the_sleeping_customer_rule_makes_one_task_per_quiet_period, |t| {
    let sleepy = id(&t
        .lead(
            &t.a_token,
            json!({"company": "Uykucu Ltd.", "phone": "05320000101", "source": "fair"}),
        )
        .await);
    let awake = id(&t
        .lead(
            &t.a_token,
            json!({"company": "Uyanık A.Ş.", "phone": "05320000102", "source": "fair"}),
        )
        .await);
    age(t, "leads", sleepy, 40).await;
    age(t, "leads", awake, 40).await;
    created(
        t,
        &t.a_token,
        "/api/v1/activities",
        json!({"kind": "call", "subject": "Dün konuştuk", "at": rfc3339(now_ms() - DAY), "lead_id": awake}),
    )
    .await;
    let a = Browser::new(t, "admin@ornek.com.tr").await;
    let page = a.page(t, "/settings/dormant").await;
    assert!(page.contains("Şu an 1 kayıt kurala uyuyor"), "{page}");
    // Switching on without having seen the count: refused, and the count is shown.
    let r = a
        .post(
            t,
            "/settings/dormant/leads",
            &[("enabled", "1"), ("days", "30"), ("title", "{name} ile görüşülmedi")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("1 görev oluşturacak"), "{}", r.body);
    let r = a
        .post(
            t,
            "/settings/dormant/leads",
            &[
                ("enabled", "1"),
                ("days", "30"),
                ("title", "{name} ile görüşülmedi"),
                ("seen_count", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    // Switching on runs it at once (the server's worker); run it twice more here: one task for
    // the sleeper's owner, none for the awake one, none twice.
    kervan_app::dormant::run(&t.app).await.unwrap();
    assert_eq!(kervan_app::dormant::run(&t.app).await.unwrap(), 0);
    settled(t, sleepy, 1).await;
    assert_eq!(tasks_about(t, "lead_id", awake).await, 0);
    let v = t.get_json(&t.a_token, &format!("/api/v1/tasks?lead_id={sleepy}")).await;
    assert_eq!(v["items"][0]["owner_id"], t.a_id);
    assert_eq!(v["items"][0]["title"], "Uykucu Ltd. ile görüşülmedi");
    let dash = Browser::new(t, "ali@ornek.com.tr").await.page(t, "/").await;
    assert!(dash.contains("dormant-count"), "the dashboard counts them");
    // A call 35 days ago starts a new quiet period: that period gets its own task, once.
    created(
        t,
        &t.a_token,
        "/api/v1/activities",
        json!({"kind": "call", "subject": "Eski görüşme", "at": rfc3339(now_ms() - 35 * DAY), "lead_id": sleepy}),
    )
    .await;
    kervan_app::dormant::run(&t.app).await.unwrap();
    assert_eq!(kervan_app::dormant::run(&t.app).await.unwrap(), 0);
    settled(t, sleepy, 2).await;
    // Bad input and permissions.
    let r = a
        .post(
            t,
            "/settings/dormant/leads",
            &[("enabled", "1"), ("days", "0"), ("title", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    let (s, _) = Browser::new(t, "ali@ornek.com.tr")
        .await
        .get(t, "/settings/dormant")
        .await;
    assert_eq!(s, 403);
    let (s, _) = send(t.get(&t.a_token, "/api/v1/tasks")).await;
    assert_eq!(s, 200);
});

db_test!(two_servers_never_mail_a_notification_twice, |t| {
    for i in 0..30 {
        created(
            t,
            &t.m_token,
            "/api/v1/tasks",
            json!({"title": format!("Görev {i}"), "due_at": rfc3339(now_ms() + 3 * DAY), "owner_id": t.a_id, "reminder": "none"}),
        )
        .await;
    }
    // A second server: its own connection pool on the same database.
    let second = kervan_store::db::Db::connect(&t.db_url).await.expect("second pool");
    let other = kervan_app::App::new(second, t.app.config.clone());
    let (a, b) = tokio::join!(
        kervan_app::mailing::send_due(&t.app),
        kervan_app::mailing::send_due(&other)
    );
    let (a, b) = (a.expect("first"), b.expect("second"));
    // The test server's own worker may be sending some meanwhile (a batch it claimed is written
    // after our two runs return): wait for it to finish, then every notification is there once.
    let mut mails = outbox(t);
    for _ in 0..200 {
        if mails.len() >= 30 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        mails = outbox(t);
    }
    // A late duplicate would show up now.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = outbox(t);
    assert_eq!(mails.len(), 30, "{a} + {b} sent here");
    let mut subjects: Vec<&str> = mails
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID")))
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 30);
});
