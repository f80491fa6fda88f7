//! The background worker's queue: two workers never take the same job, a job that fails every
//! attempt lands under Ayarlar → İşler, and an admin retries it.

use std::collections::BTreeSet;

use kervan_core::time::now_ms;
use kervan_store::jobs;

use crate::db_test;
use crate::helpers::Browser;

const DAY: i64 = 24 * 3600 * 1000;

/// Claims and finishes jobs until none is due at `at`; returns the ids it ran.
async fn drain(db: kervan_store::db::Db, at: i64) -> Vec<i64> {
    let mut ran = Vec::new();
    loop {
        let batch = jobs::claim_batch(&db.conn, at, 60_000, 5, 7).await.expect("claim");
        if batch.is_empty() {
            return ran;
        }
        for job in batch {
            // The server's own daily jobs (quote expiry …) are due too; only the probes count.
            if job.kind == "probe" {
                ran.push(job.id);
            }
            jobs::finish(&db.conn, job.id, at).await.expect("finish");
        }
    }
}

db_test!(two_workers_never_run_a_job_twice, |t| {
    // Due tomorrow, so the test app's own worker (which looks at today) leaves them alone; the
    // two workers below look at the day after.
    let now = now_ms();
    for i in 0..300 {
        jobs::enqueue(&t.app.db.conn, "probe", &format!("{{\"n\":{i}}}"), None, now + DAY, now)
            .await
            .expect("enqueue");
    }
    let first = t.app.db.clone();
    let second = kervan_store::db::Db::connect(&t.db_url).await.expect("second pool");
    let a = tokio::spawn(drain(first, now + 2 * DAY));
    let b = tokio::spawn(drain(second, now + 2 * DAY));
    let (a, b) = (a.await.expect("worker a"), b.await.expect("worker b"));
    let all: BTreeSet<i64> = a.iter().chain(&b).copied().collect();
    assert_eq!(a.len() + b.len(), 300, "a ran {}, b ran {}", a.len(), b.len());
    assert_eq!(all.len(), 300, "a job ran twice");
    // Both took part (the claim does not serialise them into one).
    assert!(!a.is_empty() && !b.is_empty(), "a {} b {}", a.len(), b.len());
    // A dedupe key queues once only.
    for _ in 0..3 {
        jobs::enqueue(&t.app.db.conn, "probe", "{}", Some("once"), now + DAY, now)
            .await
            .expect("enqueue");
    }
    assert_eq!(drain(t.app.db.clone(), now + 2 * DAY).await.len(), 1);
});

db_test!(a_job_failing_every_attempt_waits_for_an_admin_retry, |t| {
    let now = now_ms();
    // An index for a kind that does not exist: the job fails each time it runs.
    jobs::enqueue(
        &t.app.db.conn,
        "custom_index",
        r#"{"kind":"robots","key":"boy"}"#,
        Some("doomed"),
        now,
        now,
    )
    .await
    .expect("enqueue");
    let id = kervan_store::db::scalar_i64(
        &t.app.db.conn,
        "SELECT id FROM jobs WHERE dedupe_key = 'doomed'",
        vec![],
    )
    .await
    .expect("query")
    .expect("the job");
    // The clock moved past each backoff until five attempts ran (the test app's own worker may
    // take a turn too), then more rounds never run it a sixth time.
    let attempts_now = || async {
        kervan_store::db::scalar_i64(
            &t.app.db.conn,
            "SELECT attempts FROM jobs WHERE id = ?",
            vec![id.into()],
        )
        .await
        .expect("attempts")
        .unwrap_or_default()
    };
    let round = || async {
        kervan_store::db::exec(
            &t.app.db.conn,
            "UPDATE jobs SET run_at = 0 WHERE id = ?",
            vec![id.into()],
        )
        .await
        .expect("move the clock");
        kervan_app::jobs::run_due(&t.app).await.expect("run");
    };
    for _ in 0..200 {
        if attempts_now().await >= 5 {
            break;
        }
        round().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(attempts_now().await, 5);
    for _ in 0..3 {
        round().await;
    }
    assert_eq!(attempts_now().await, 5, "no sixth attempt");

    // A sales rep may not look.
    let rep = Browser::new(t, "ali@ornek.com.tr").await;
    assert_eq!(rep.get(t, "/settings/jobs").await.0, 403);
    assert_eq!(
        rep.post(t, &format!("/settings/jobs/{id}/retry"), &[]).await.status,
        403
    );

    let admin = Browser::new(t, "admin@ornek.com.tr").await;
    let hub = admin.page(t, "/settings").await;
    assert!(hub.contains("href=\"/settings/jobs\""), "{hub}");
    let page = admin.page(t, "/settings/jobs").await;
    let row = page
        .split(&format!("id=\"job-{id}\""))
        .nth(1)
        .and_then(|s| s.split("</tr>").next())
        .unwrap_or_else(|| panic!("the dead job is listed: {page}"));
    assert!(row.contains("Özel alan dizini") && row.contains("robots"), "{row}");
    assert!(row.contains("5 deneme"), "{row}");

    let a = admin.post(t, &format!("/settings/jobs/{id}/retry"), &[]).await;
    assert_eq!(
        (a.status, a.location.as_str()),
        (303, "/settings/jobs?ok=job-retried"),
        "{}",
        a.body
    );
    let page = admin.page(t, "/settings/jobs?ok=job-retried").await;
    assert!(page.contains("İş yeniden sıraya alındı"), "{page}");
    // It ran again at once (and failed again: one attempt of a fresh round).
    let mut attempts = None;
    for _ in 0..50 {
        attempts = kervan_store::db::scalar_i64(
            &t.app.db.conn,
            "SELECT attempts FROM jobs WHERE id = ?",
            vec![id.into()],
        )
        .await
        .expect("attempts");
        if attempts == Some(1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(attempts, Some(1));
    // A job that does not exist.
    assert_eq!(admin.post(t, "/settings/jobs/999999/retry", &[]).await.status, 404);
    let empty = kervan_store::db::exec(&t.app.db.conn, "DELETE FROM jobs", vec![])
        .await
        .expect("clear");
    assert!(empty >= 1);
    let page = admin.page(t, "/settings/jobs").await;
    assert!(page.contains("Başarısız iş yok."), "{page}");
});
