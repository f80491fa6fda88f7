//! Dosyalar: files attached to records, through the API and the card tab, on both databases.

use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::api_support::{account, contact, count, has_error, id, send};
use crate::db_test;
use crate::helpers::{Browser, TestApp, test_config};
use kervan_app::Config;
use kervan_web::WebConfig;

/// A small but real PDF (one empty page).
fn pdf(filler: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        .to_vec();
    for i in 0..filler {
        b.push(b'%');
        b.extend_from_slice(format!("{:07}", i % 10_000_000).as_bytes());
        b.push(b'\n');
    }
    b.extend_from_slice(b"trailer << /Root 1 0 R >>\n%%EOF\n");
    b
}

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82";

/// The start of a Windows program.
fn exe() -> Vec<u8> {
    let mut b = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    b.resize(4096, 0);
    b
}

fn form(name: &str, bytes: &[u8]) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes.to_vec())
            .file_name(name.to_string())
            .mime_str("application/octet-stream")
            .expect("mime"),
    )
}

/// Uploads through the API; `(status, body)`.
async fn upload(t: &TestApp, token: &str, kind: &str, rid: i64, name: &str, bytes: &[u8]) -> (u16, Value) {
    send(
        t.http
            .post(t.url(&format!("/api/v1/{kind}/{rid}/files")))
            .bearer_auth(token)
            .multipart(form(name, bytes)),
    )
    .await
}

async fn uploaded(t: &TestApp, token: &str, kind: &str, rid: i64, name: &str, bytes: &[u8]) -> i64 {
    let (s, v) = upload(t, token, kind, rid, name, bytes).await;
    assert_eq!(s, 201, "upload of {name}: {v}");
    id(&v)
}

/// Every file under DATA/files, the temporary folder included.
fn stored(t: &TestApp) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&t.app.config.data_dir.join("files"), &mut out);
    out.sort();
    out
}

async fn download(t: &TestApp, token: &str, fid: i64, query: &str) -> reqwest::Response {
    t.get(token, &format!("/api/v1/files/{fid}{query}"))
        .send()
        .await
        .expect("download")
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn customer(t: &TestApp, token: &str, name: &str) -> i64 {
    id(&account(t, token, json!({"kind": "company", "name": name})).await)
}

db_test!(a_pdf_attached_to_a_customer_comes_back_byte_identical, |t| {
    let aid = customer(t, &t.a_token, "Işık Tekstil A.Ş.").await;
    let bytes = pdf(200);
    let (s, v) = upload(t, &t.a_token, "accounts", aid, "Teklif Işık 2026.pdf", &bytes).await;
    assert_eq!(s, 201, "{v}");
    let fid = id(&v);
    assert_eq!(v["name"], "Teklif Işık 2026.pdf");
    assert_eq!(v["size"], bytes.len() as i64);
    assert_eq!(v["mime"], "application/pdf");
    assert_eq!(v["uploaded_by"], t.a_id);
    assert_eq!(v["download_url"], format!("/api/v1/files/{fid}"));
    assert!(v["created_at"].as_str().unwrap_or_default().ends_with('Z'), "{v}");

    let list = t.get_json(&t.a_token, &format!("/api/v1/accounts/{aid}/files")).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["items"][0]["id"], fid);

    let r = download(t, &t.a_token, fid, "").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "application/pdf");
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    let cd = header(&r, "content-disposition");
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''Teklif%20I%C5%9F%C4%B1k%202026.pdf"),
        "{cd}"
    );
    assert!(cd.contains("filename=\"Teklif Isik 2026.pdf\""), "{cd}");
    assert_eq!(r.bytes().await.expect("body").as_ref(), bytes.as_slice());
    // A PDF is never shown inline, whatever is asked.
    let r = download(t, &t.a_token, fid, "?inline=1").await;
    assert!(header(&r, "content-disposition").starts_with("attachment;"));

    // The content sits under its SHA-256, two folder levels deep, and nothing else is left.
    let files = stored(t);
    assert_eq!(files.len(), 1, "{files:?}");
    let hash = files[0]
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    assert_eq!(hash.len(), 64);
    assert!(
        files[0].ends_with(format!("{}/{}/{hash}", &hash[0..2], &hash[2..4])),
        "{files:?}"
    );
    // Leads, contacts and tasks take files the same way.
    let lead = t
        .lead(
            &t.a_token,
            json!({"company": "Ege Metal", "phone": "0532 111 22 33", "source": "fair"}),
        )
        .await;
    uploaded(t, &t.a_token, "leads", id(&lead), "fiyat.pdf", &bytes).await;
    let c = contact(
        t,
        &t.a_token,
        json!({"first_name": "Ayşe", "last_name": "Kaya", "account_id": aid}),
    )
    .await;
    uploaded(t, &t.a_token, "contacts", id(&c), "kartvizit.png", PNG).await;
    assert_eq!(count(t, "files").await, 3);
    assert_eq!(stored(t).len(), 2, "the same PDF twice is stored once");
});

db_test!(an_image_is_previewed_inline, |t| {
    let aid = customer(t, &t.a_token, "Resimli Ltd.").await;
    let fid = uploaded(t, &t.a_token, "accounts", aid, "vitrin.png", PNG).await;
    let r = download(t, &t.a_token, fid, "?inline=1").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "image/png");
    assert!(header(&r, "content-disposition").starts_with("inline;"));
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert_eq!(r.bytes().await.expect("body").as_ref(), PNG);
    let r = download(t, &t.a_token, fid, "").await;
    assert!(header(&r, "content-disposition").starts_with("attachment;"));
});

db_test!(a_lying_name_or_a_program_is_refused_and_nothing_is_kept, |t| {
    let aid = customer(t, &t.a_token, "Dikkatli A.Ş.").await;
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let cases: [(&str, &[u8], &str, &str); 5] = [
        ("teklif.pdf", PNG, "file_name_mismatch", "uyuşmuyor"),
        ("kurulum.exe", &exe(), "file_type_not_allowed", "eklenemez"),
        ("fatura.pdf", &exe(), "file_type_not_allowed", "eklenemez"),
        ("logo.svg", svg, "file_type_not_allowed", "eklenemez"),
        ("teklif", &pdf(1), "file_no_name", "uzantılı"),
    ];
    for (name, bytes, code, words) in cases {
        let (s, p) = upload(t, &t.a_token, "accounts", aid, name, bytes).await;
        assert_eq!(s, 422, "{name}: {p}");
        assert!(has_error(&p, "file", code), "{name}: {p}");
        let message = p["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{name}: {message}");
    }
    // No part called `file` at all.
    let (s, p) = send(
        t.http
            .post(t.url(&format!("/api/v1/accounts/{aid}/files")))
            .bearer_auth(&t.a_token)
            .multipart(Form::new().text("note", "x")),
    )
    .await;
    assert_eq!(s, 422, "{p}");
    assert!(has_error(&p, "file", "file_missing"), "{p}");
    // Not multipart.
    let (s, _) = send(t.post(
        &t.a_token,
        &format!("/api/v1/accounts/{aid}/files"),
        json!({"file": "x"}),
    ))
    .await;
    assert_eq!(s, 415);
    assert_eq!(count(t, "files").await, 0);
    assert_eq!(stored(t), Vec::<PathBuf>::new(), "no content and no temporary file");
});

db_test!(
    an_oversized_file_is_refused_with_413_and_nothing_is_kept,
    Config {
        max_file_bytes: 64 * 1024,
        ..test_config()
    },
    WebConfig::default(),
    |t| {
        let aid = customer(t, &t.a_token, "Büyük Dosya A.Ş.").await;
        // Announced small enough to be read, found too large while it streams in.
        let (s, p) = upload(t, &t.a_token, "accounts", aid, "rapor.pdf", &pdf(12_000)).await;
        assert_eq!(s, 413, "{p}");
        assert_eq!(p["status"], 413);
        assert!(
            p["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("Dosya çok büyük: en fazla 64 KB"),
            "{p}"
        );
        assert!(has_error(&p, "file", "file_too_large"), "{p}");
        // Announced too large: refused before it is read.
        let (s, p) = upload(t, &t.a_token, "accounts", aid, "arsiv.pdf", &pdf(100_000)).await;
        assert_eq!(s, 413, "{p}");
        assert_eq!(count(t, "files").await, 0);
        assert_eq!(stored(t), Vec::<PathBuf>::new(), "no content and no temporary file");
        // The limit itself is allowed.
        let mut exact = pdf(0);
        exact.resize(64 * 1024, b' ');
        uploaded(t, &t.a_token, "accounts", aid, "tam.pdf", &exact).await;
        // The page says so too.
        let b = Browser::new(t, "ali@ornek.com.tr").await;
        let page = b.page(t, &format!("/accounts/{aid}?tab=files")).await;
        assert!(page.contains("en fazla 64 KB"), "{page}");
        let r =
            b.c.post(t.url(&format!("/accounts/{aid}/files")))
                .multipart(
                    Form::new().text("_csrf", b.csrf.clone()).part(
                        "file",
                        Part::bytes(pdf(12_000))
                            .file_name("rapor.pdf")
                            .mime_str("application/pdf")
                            .expect("mime"),
                    ),
                )
                .send()
                .await
                .expect("post");
        assert_eq!(r.status(), 303);
        let to = header(&r, "location");
        assert_eq!(to, format!("/accounts/{aid}?tab=files&err=file_too_large"));
        let page = b.page(t, &to).await;
        assert!(
            page.contains("Dosya çok büyük: en fazla 64 KB yükleyebilirsiniz."),
            "{page}"
        );
        assert_eq!(count(t, "files").await, 1);
    }
);

db_test!(someone_elses_record_and_its_files_answer_404, |t| {
    let aid = customer(t, &t.a_token, "Ali'nin Müşterisi").await;
    let fid = uploaded(t, &t.a_token, "accounts", aid, "gizli.pdf", &pdf(10)).await;
    // Berna (another team) can neither list, add, download nor delete.
    let (s, _) = send(t.get(&t.b_token, &format!("/api/v1/accounts/{aid}/files"))).await;
    assert_eq!(s, 404);
    let (s, _) = upload(t, &t.b_token, "accounts", aid, "benim.pdf", &pdf(10)).await;
    assert_eq!(s, 404);
    assert_eq!(download(t, &t.b_token, fid, "").await.status(), 404);
    let (s, _) = send(
        t.http
            .delete(t.url(&format!("/api/v1/files/{fid}")))
            .bearer_auth(&t.b_token),
    )
    .await;
    assert_eq!(s, 404);
    let b = Browser::new(t, "berna@ornek.com.tr").await;
    let (s, _) = b.get(t, &format!("/files/{fid}")).await;
    assert_eq!(s, 404);
    let answer = b.post(t, &format!("/files/{fid}/delete"), &[]).await;
    assert_eq!(answer.status, 404);
    let r =
        b.c.post(t.url(&format!("/accounts/{aid}/files")))
            .multipart(
                Form::new().text("_csrf", b.csrf.clone()).part(
                    "file",
                    Part::bytes(pdf(10))
                        .file_name("benim.pdf")
                        .mime_str("application/pdf")
                        .expect("mime"),
                ),
            )
            .send()
            .await
            .expect("post");
    assert_eq!(r.status(), 404);
    // Unknown ids are the same 404.
    assert_eq!(download(t, &t.a_token, fid + 1000, "").await.status(), 404);
    // Ali's manager sees them; the rows are untouched.
    assert_eq!(download(t, &t.m_token, fid, "").await.status(), 200);
    assert_eq!(count(t, "files").await, 1);
    assert_eq!(stored(t).len(), 1);
});

db_test!(the_same_content_is_stored_once_and_goes_with_its_last_attachment, |t| {
    let one = customer(t, &t.a_token, "Birinci Ltd.").await;
    let two = customer(t, &t.a_token, "İkinci Ltd.").await;
    let bytes = pdf(500);
    let f1 = uploaded(t, &t.a_token, "accounts", one, "sozlesme.pdf", &bytes).await;
    let f2 = uploaded(t, &t.a_token, "accounts", two, "sözleşme kopyası.pdf", &bytes).await;
    assert_eq!(stored(t).len(), 1, "one content for two attachments");
    let (s, _) = send(
        t.http
            .delete(t.url(&format!("/api/v1/files/{f1}")))
            .bearer_auth(&t.a_token),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(stored(t).len(), 1, "still used by the other attachment");
    assert_eq!(download(t, &t.a_token, f1, "").await.status(), 404);
    let r = download(t, &t.a_token, f2, "").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.expect("body").as_ref(), bytes.as_slice());
    let (s, _) = send(
        t.http
            .delete(t.url(&format!("/api/v1/files/{f2}")))
            .bearer_auth(&t.a_token),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        stored(t),
        Vec::<PathBuf>::new(),
        "the last attachment took the content with it"
    );
    assert_eq!(count(t, "files").await, 0);

    // An admin's hard delete of a record takes its attachments, and their content when unshared.
    let kept = uploaded(t, &t.a_token, "accounts", one, "ortak.pdf", &bytes).await;
    uploaded(t, &t.a_token, "accounts", two, "ortak.pdf", &bytes).await;
    uploaded(t, &t.a_token, "accounts", two, "yalniz.png", PNG).await;
    assert_eq!(stored(t).len(), 2);
    let (s, _) = send(
        t.http
            .delete(t.url(&format!("/api/v1/accounts/{two}?hard=true")))
            .bearer_auth(&t.admin_token),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(count(t, "files").await, 1);
    assert_eq!(stored(t).len(), 1, "the PNG went, the shared PDF stayed");
    assert_eq!(download(t, &t.a_token, kept, "").await.status(), 200);
});

db_test!(a_merge_carries_the_files_to_the_record_that_stays, |t| {
    let keep = id(&contact(t, &t.a_token, json!({"first_name": "Hatice", "last_name": "Kılıç"})).await);
    let gone = id(&contact(t, &t.a_token, json!({"first_name": "Hatice", "last_name": "K."})).await);
    let f = uploaded(t, &t.a_token, "contacts", gone, "kartvizit.png", PNG).await;
    uploaded(t, &t.a_token, "contacts", keep, "not.txt", b"Fuarda tanistik.\n").await;
    // The merge screen tells what will move.
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let page = b.page(t, &format!("/contacts/{keep}/merge?with={gone}")).await;
    assert!(page.contains("Dosyalar"), "{page}");
    let (s, p) = send(t.post(
        &t.a_token,
        &format!("/api/v1/contacts/{keep}/merge"),
        json!({"merged_id": gone, "version": 1, "merged_version": 1}),
    ))
    .await;
    assert_eq!(s, 200, "{p}");
    let list = t.get_json(&t.a_token, &format!("/api/v1/contacts/{keep}/files")).await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["not.txt", "kartvizit.png"]);
    let list = t.get_json(&t.a_token, &format!("/api/v1/contacts/{gone}/files")).await;
    assert_eq!(list["items"], json!([]));
    assert_eq!(download(t, &t.a_token, f, "").await.status(), 200);
});

db_test!(the_card_tab_lists_files_and_takes_uploads, |t| {
    let aid = customer(t, &t.a_token, "Kartlı Ticaret").await;
    let b = Browser::new(t, "ali@ornek.com.tr").await;
    let page = b.page(t, &format!("/accounts/{aid}?tab=files")).await;
    assert!(page.contains("id=\"tab-files\""), "the tab is there");
    assert!(page.contains("Henüz dosya yok"), "{page}");
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("accept=\".pdf,.png,.jpg"), "{page}");
    assert!(page.contains("en fazla 25 MB"), "{page}");
    // Every kind of card has the tab.
    let lead = t
        .lead(
            &t.a_token,
            json!({"company": "Sekmeli", "phone": "0532 999 88 77", "source": "fair"}),
        )
        .await;
    let lead_page = b.page(t, &format!("/leads/{}?tab=files", id(&lead))).await;
    assert!(lead_page.contains("id=\"files-upload\""), "{lead_page}");

    let post = |f: Form| b.c.post(t.url(&format!("/accounts/{aid}/files"))).multipart(f).send();
    let with_token = |name: &str, bytes: &[u8]| {
        Form::new().text("_csrf", b.csrf.clone()).part(
            "file",
            Part::bytes(bytes.to_vec())
                .file_name(name.to_string())
                .mime_str("application/pdf")
                .expect("mime"),
        )
    };
    let r = post(with_token("Fiyat Listesi Ağustos.pdf", &pdf(1000)))
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    assert_eq!(
        header(&r, "location"),
        format!("/accounts/{aid}?tab=files&ok=file-added")
    );
    let r = post(with_token("vitrin.png", PNG)).await.expect("post");
    assert_eq!(r.status(), 303);
    let page = b.page(t, &format!("/accounts/{aid}?tab=files&ok=file-added")).await;
    assert!(page.contains("Dosya eklendi."));
    assert!(page.contains("Fiyat Listesi Ağustos.pdf"), "{page}");
    assert!(page.contains(">9 KB<"), "{page}");
    assert!(page.contains("Ali Çelik"));
    let list = t.get_json(&t.a_token, &format!("/api/v1/accounts/{aid}/files")).await;
    let (png_id, pdf_id) = (
        list["items"][0]["id"].as_i64().unwrap_or(0),
        list["items"][1]["id"].as_i64().unwrap_or(0),
    );
    assert!(page.contains(&format!("href=\"/files/{pdf_id}\"")), "download link");
    assert!(page.contains(&format!("src=\"/files/{png_id}?inline=1\"")), "thumbnail");
    assert!(page.contains("data-confirm="), "delete asks first");
    // The page download is the same file.
    let r = b.c.get(t.url(&format!("/files/{pdf_id}"))).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-disposition").starts_with("attachment;"));
    assert_eq!(r.bytes().await.expect("body").as_ref(), pdf(1000).as_slice());

    // A lying name comes back to the tab with the reason, in Turkish.
    let r = post(with_token("teklif.pdf", PNG)).await.expect("post");
    assert_eq!(r.status(), 303);
    let to = header(&r, "location");
    assert_eq!(to, format!("/accounts/{aid}?tab=files&err=file_name_mismatch"));
    let page = b.page(t, &to).await;
    assert!(page.contains("Dosyanın adı içeriğiyle uyuşmuyor"), "{page}");
    // The query cannot put words on the page.
    let page = b.page(t, &format!("/accounts/{aid}?tab=files&err=%3Cscript%3E")).await;
    assert!(!page.contains("files-error"));

    // The form's token is checked before the file is read: missing, wrong, or after the file.
    let before = count(t, "files").await;
    let no_token = Form::new().part("file", Part::bytes(pdf(1)).file_name("x.pdf"));
    assert_eq!(post(no_token).await.expect("post").status(), 403);
    let wrong = Form::new()
        .text("_csrf", "sahte")
        .part("file", Part::bytes(pdf(1)).file_name("x.pdf"));
    assert_eq!(post(wrong).await.expect("post").status(), 403);
    let late = Form::new()
        .part("file", Part::bytes(pdf(1)).file_name("x.pdf"))
        .text("_csrf", b.csrf.clone());
    assert_eq!(post(late).await.expect("post").status(), 403);
    // Without a session it goes to sign in.
    let r = t
        .http
        .post(t.url(&format!("/accounts/{aid}/files")))
        .multipart(
            Form::new()
                .text("_csrf", b.csrf.clone())
                .part("file", Part::bytes(pdf(1)).file_name("x.pdf")),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    assert!(header(&r, "location").starts_with("/login"));
    assert_eq!(count(t, "files").await, before);
    // The token in the header (a script's upload) does as well as the field.
    let r =
        b.c.post(t.url(&format!("/accounts/{aid}/files")))
            .header("x-csrf-token", b.csrf.clone())
            .multipart(Form::new().part("file", Part::bytes(b"a;b\n1;2\n".to_vec()).file_name("liste.csv")))
            .send()
            .await
            .expect("post");
    assert_eq!(r.status(), 303);
    assert_eq!(count(t, "files").await, before + 1);

    // Deleting from the tab.
    let answer = b.post(t, &format!("/files/{pdf_id}/delete"), &[]).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location, format!("/accounts/{aid}?tab=files&ok=file-deleted"));
    let page = b.page(t, &answer.location).await;
    assert!(page.contains("Dosya silindi."));
    assert!(!page.contains("Fiyat Listesi Ağustos.pdf"));
});
