//! Small helpers for the account, contact and conversion API tests.

use kervan_app::users::UserDraft;
use kervan_app::{Actor, auth, users};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp};

/// Sends a request; returns the status and the JSON body (`null` when there is none).
pub async fn send(r: reqwest::RequestBuilder) -> (u16, Value) {
    let r = r.send().await.expect("send");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, v)
}

/// POSTs and expects 201; returns the body.
pub async fn created(t: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (status, v) = send(t.post(token, path, body)).await;
    assert_eq!(status, 201, "POST {path} failed: {v}");
    v
}

pub async fn account(t: &TestApp, token: &str, body: Value) -> Value {
    created(t, token, "/api/v1/accounts", body).await
}

pub async fn contact(t: &TestApp, token: &str, body: Value) -> Value {
    created(t, token, "/api/v1/contacts", body).await
}

pub async fn delete(t: &TestApp, token: &str, path: &str) -> u16 {
    send(t.http.delete(t.url(path)).bearer_auth(token)).await.0
}

pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

/// The ids of a list's `items`.
pub fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// `(field, code)` of a problem's errors.
pub fn errors(p: &Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_string(),
                        e["code"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn has_error(p: &Value, field: &str, code: &str) -> bool {
    errors(p).iter().any(|(f, c)| f == field && c == code)
}

/// A read-only user (role viewer) and their API token.
pub async fn viewer(t: &TestApp) -> String {
    let id = users::create(
        &t.app,
        &Actor::system(),
        &UserDraft {
            email: "izleyici@ornek.com.tr".into(),
            name: "İzleyici Kişi".into(),
            role: "viewer".into(),
            team: None,
            password: PASSWORD.into(),
        },
    )
    .await
    .expect("viewer");
    auth::create_token(&t.app, id, None).await.expect("token")
}

/// Rows in a table (to prove a failed request wrote nothing).
pub async fn count(t: &TestApp, table: &str) -> i64 {
    kervan_store::db::scalar_i64(&t.app.db.conn, &format!("SELECT COUNT(*) FROM {table}"), vec![])
        .await
        .expect("count")
        .unwrap_or(0)
}

/// Row counts of everything a customer write touches.
pub async fn counts(t: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "accounts",
        "contacts",
        "addresses",
        "account_tags",
        "contact_tags",
        "audit_log",
    ] {
        out.push(count(t, table).await);
    }
    out
}

/// The caller's notifications of one kind (`task_due`, `mention` …).
pub async fn notes(t: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let v = t.get_json(token, "/api/v1/notifications").await;
    v["items"]
        .as_array()
        .map(|a| a.iter().filter(|n| n["kind"] == kind).cloned().collect())
        .unwrap_or_default()
}
