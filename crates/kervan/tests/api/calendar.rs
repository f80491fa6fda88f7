//! Takvim on both databases: what the calendar shows to whom (API and pages), moving an item to
//! another day, and the private iCalendar feed — read back with an independent parser — with its
//! forged, renewed and revoked addresses.

use kervan_core::time::{local_input, now_ms, parse_datetime, rfc3339, today_local};
use serde_json::json;

use crate::api_support::{account, created, id, send};
use crate::db_test;
use crate::helpers::{Browser, TestApp};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn day(offset_days: i64) -> String {
    today_local(now_ms() + offset_days * DAY).format("%Y-%m-%d").to_string()
}

async fn names(t: &TestApp, token: &str, query: &str) -> Vec<String> {
    let v = t.get_json(token, &format!("/api/v1/calendar?{query}")).await;
    v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["name"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Ali's things: a task tomorrow at 09:30, an all-day task, a planned visit, a logged call
/// (not on the calendar) and a cancelled task (neither).
async fn alis_week(t: &TestApp) -> (i64, i64) {
    let acc = id(&account(t, &t.a_token, json!({"kind": "company", "name": "Takvim Tekstil"})).await);
    let tomorrow = today_local(now_ms() + DAY).format("%Y-%m-%d").to_string();
    let task = id(&created(
        t,
        &t.a_token,
        "/api/v1/tasks",
        json!({"title": "Numune gönder", "due_at": format!("{tomorrow}T09:30"), "account_id": acc}),
    )
    .await);
    created(
        t,
        &t.a_token,
        "/api/v1/tasks",
        json!({"title": "Fuar hazırlığı", "due_at": format!("{tomorrow}T00:00"), "all_day": true}),
    )
    .await;
    created(
        t,
        &t.a_token,
        "/api/v1/tasks",
        json!({"title": "Vazgeçilen iş", "due_at": format!("{tomorrow}T11:00"), "status": "cancelled"}),
    )
    .await;
    created(
        t,
        &t.a_token,
        "/api/v1/activities",
        json!({"kind": "visit", "status": "planned", "subject": "Fabrika ziyareti", "at": rfc3339(now_ms() + 2 * DAY),
               "account_id": acc, "location": "OSB, Bursa"}),
    )
    .await;
    created(
        t,
        &t.a_token,
        "/api/v1/activities",
        json!({"kind": "call", "subject": "Sadece arama", "at": rfc3339(now_ms() - HOUR), "account_id": acc}),
    )
    .await;
    (acc, task)
}

db_test!(the_calendar_shows_each_what_they_may_see, |t| {
    alis_week(t).await;
    let q = format!("from={}&to={}", day(-1), day(7));
    let mut mine = names(t, &t.a_token, &q).await;
    mine.sort();
    assert_eq!(mine, vec!["Fabrika ziyareti", "Fuar hazırlığı", "Numune gönder"]);
    // Berna (another team) sees nothing of Ali's, asked for him or not.
    assert!(names(t, &t.b_token, &q).await.is_empty());
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/calendar?{q}&user_id={}", t.a_id))).await;
    assert_eq!(s, 404);
    // Ali's manager: Ali's calendar, and the team's.
    assert_eq!(names(t, &t.m_token, &format!("{q}&user_id={}", t.a_id)).await.len(), 3);
    let team = t.get_json(&t.m_token, "/api/v1/me").await;
    assert!(team["calendar_feed_url"].is_null());
    // Bad ranges.
    for bad in [
        "from=dün&to=2026-01-01",
        "from=2026-01-10&to=2026-01-01",
        "from=2026-01-01&to=2026-12-31",
        "from=9999-12-01&to=9999-12-31",
        "from=0001-01-01&to=0001-01-31",
    ] {
        let (s, p) = send(t.get(&t.a_token, &format!("/api/v1/calendar?{bad}"))).await;
        assert_eq!(s, 422, "{bad}: {p}");
    }
    // The pages: month, week, day; a stranger's calendar is not there.
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    for view in ["month", "week", "day"] {
        let date = day(if view == "day" { 1 } else { 0 });
        let html = b.page(t, &format!("/calendar?view={view}&date={date}")).await;
        assert!(html.contains("Numune gönder"), "{view}: {html}");
        assert!(
            !html.contains("Sadece arama") && !html.contains("Vazgeçilen iş"),
            "{view}"
        );
    }
    // Dates no calendar can page from fall back to today instead of failing.
    for view in ["month", "week", "day"] {
        for date in ["9999-12-31", "0001-01-01", "262143-12-31"] {
            let (s, _) = b.get(t, &format!("/calendar?view={view}&date={date}")).await;
            assert_eq!(s, 200, "{view} {date}");
        }
    }
    let html = b.page(t, &format!("/calendar?view=week&date={}", day(0))).await;
    assert!(html.contains("09:30") && html.contains("Tüm gün"), "{html}");
    let bb = Browser::new(t, "berna@ornek.com.tr").await;
    let (s, _) = bb.get(t, &format!("/calendar?whose={}", t.a_id)).await;
    assert_eq!(s, 404);
    let html = bb.page(t, "/calendar").await;
    assert!(!html.contains("Numune gönder"));
});

db_test!(an_item_moves_to_another_day_at_the_same_time, |t| {
    let (_, task) = alis_week(t).await;
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let target = day(5);
    let r = b
        .client()
        .post(t.url("/calendar/move"))
        .header("x-csrf-token", b.csrf())
        .form(&[
            ("kind", "tasks"),
            ("id", &task.to_string()),
            ("version", "1"),
            ("date", &target),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let v = t.get_json(&t.a_token, &format!("/api/v1/tasks/{task}")).await;
    let due = parse_datetime(v["due_at"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(local_input(due), format!("{target}T09:30"));
    // The same move on the old version: a conflict, nothing changes.
    let r = b
        .client()
        .post(t.url("/calendar/move"))
        .header("x-csrf-token", b.csrf())
        .form(&[
            ("kind", "tasks"),
            ("id", &task.to_string()),
            ("version", "1"),
            ("date", &day(6)),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(status, 409, "{}", r.text().await.unwrap_or_default());
    // Berna may not move Ali's task.
    let bb = Browser::new(t, "berna@ornek.com.tr").await;
    let ans = bb
        .post(
            t,
            "/calendar/move",
            &[
                ("kind", "tasks"),
                ("id", &task.to_string()),
                ("version", "2"),
                ("date", &day(6)),
            ],
        )
        .await;
    assert_eq!(ans.status, 404);
});

/// A property as the parser gives it: (name, value, params).
type Prop = (String, String, Vec<(String, Vec<String>)>);

fn feed_events(body: &str) -> Vec<Vec<Prop>> {
    let mut cals = ical::IcalParser::new(body.as_bytes());
    let cal = cals.next().expect("a calendar").expect("the feed parses");
    assert!(cal.timezones.iter().any(|tz| {
        tz.properties
            .iter()
            .any(|p| p.name == "TZID" && p.value.as_deref() == Some("Europe/Istanbul"))
    }));
    cal.events
        .iter()
        .map(|e| {
            e.properties
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.value.clone().unwrap_or_default(),
                        p.params.clone().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .collect()
}

fn prop<'a>(e: &'a [Prop], name: &str) -> Option<&'a Prop> {
    e.iter().find(|p| p.0 == name)
}

db_test!(the_private_feed_is_rfc5545_and_only_for_its_owner, |t| {
    let (_, task) = alis_week(t).await;
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let page = b.page(t, "/account/calendar").await;
    assert!(page.contains("Abonelik adresi oluştur"), "{page}");
    let ans = b.post(t, "/account/calendar/renew", &[]).await;
    assert_eq!(ans.status, 303);
    let me = t.get_json(&t.a_token, "/api/v1/me").await;
    let url = me["calendar_feed_url"].as_str().expect("a feed address").to_string();
    let path = url
        .split_once("/calendar/")
        .map(|(_, p)| format!("/calendar/{p}"))
        .unwrap_or_default();
    assert!(path.ends_with(".ics"), "{url}");
    // Read without any session, as a calendar program does.
    let r = t.http.get(t.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/calendar")
    );
    let body = r.text().await.unwrap();
    assert!(body.contains("\r\n"), "CRLF lines");
    let events = feed_events(&body);
    assert_eq!(events.len(), 3, "{body}");
    let task_event = events
        .iter()
        .find(|e| prop(e, "UID").map(|p| p.1.as_str()) == Some(&format!("task-{task}@kervan")))
        .expect("the task by its stable UID");
    assert_eq!(prop(task_event, "SEQUENCE").map(|p| p.1.as_str()), Some("1"));
    let start = prop(task_event, "DTSTART").expect("DTSTART");
    assert!(start.1.ends_with("T093000"), "{start:?}");
    assert!(
        start
            .2
            .iter()
            .any(|(k, v)| k == "TZID" && v == &vec!["Europe/Istanbul".to_string()]),
        "{start:?}"
    );
    let all_day = events
        .iter()
        .find(|e| prop(e, "SUMMARY").map(|p| p.1.as_str()) == Some("Fuar hazırlığı"))
        .expect("the all-day task");
    let s = prop(all_day, "DTSTART").expect("DTSTART");
    assert!(
        s.2.iter().any(|(k, v)| k == "VALUE" && v == &vec!["DATE".to_string()]),
        "{s:?}"
    );
    assert_eq!(s.1.len(), 8, "a DATE: {s:?}");
    let visit = events
        .iter()
        .find(|e| prop(e, "SUMMARY").is_some_and(|p| p.1.contains("Fabrika ziyareti")))
        .expect("the planned visit");
    assert_eq!(prop(visit, "STATUS").map(|p| p.1.as_str()), Some("TENTATIVE"));
    assert_eq!(prop(visit, "LOCATION").map(|p| p.1.as_str()), Some("OSB\\, Bursa"));
    // An edit raises SEQUENCE, the UID stays.
    t.patch(
        &t.a_token,
        &format!("/api/v1/tasks/{task}"),
        json!({"version": 1, "title": "Numuneyi gönder"}),
    )
    .send()
    .await
    .unwrap();
    let body = t.http.get(t.url(&path)).send().await.unwrap().text().await.unwrap();
    let again = feed_events(&body);
    let e = again
        .iter()
        .find(|e| prop(e, "UID").map(|p| p.1.as_str()) == Some(&format!("task-{task}@kervan")))
        .expect("same UID");
    assert_eq!(prop(e, "SEQUENCE").map(|p| p.1.as_str()), Some("2"));
    // Forged and malformed addresses: 404, telling nothing.
    for bad in [
        "/calendar/0000000000000000000000000000000000000000000000000000000000000000.ics",
        "/calendar/x.ics",
        "/calendar/abc",
        "/calendar/%27or%201=1.ics",
    ] {
        let r = t.http.get(t.url(bad)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }
    // Berna's own feed has none of Ali's.
    let bb = Browser::new(t, "berna@ornek.com.tr").await;
    bb.post(t, "/account/calendar/renew", &[]).await;
    let bu = t.get_json(&t.b_token, "/api/v1/me").await["calendar_feed_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bpath = bu
        .split_once("/calendar/")
        .map(|(_, p)| format!("/calendar/{p}"))
        .unwrap_or_default();
    let body = t.http.get(t.url(&bpath)).send().await.unwrap().text().await.unwrap();
    assert!(feed_events(&body).is_empty(), "{body}");
    // Renewed: the old address is dead. Revoked: no address at all.
    b.post(t, "/account/calendar/renew", &[]).await;
    assert_eq!(t.http.get(t.url(&path)).send().await.unwrap().status(), 404);
    let new = t.get_json(&t.a_token, "/api/v1/me").await["calendar_feed_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(new, url);
    let npath = new
        .split_once("/calendar/")
        .map(|(_, p)| format!("/calendar/{p}"))
        .unwrap_or_default();
    assert_eq!(t.http.get(t.url(&npath)).send().await.unwrap().status(), 200);
    b.post(t, "/account/calendar/revoke", &[]).await;
    assert_eq!(t.http.get(t.url(&npath)).send().await.unwrap().status(), 404);
    assert!(t.get_json(&t.a_token, "/api/v1/me").await["calendar_feed_url"].is_null());
});
