//! İçe aktarma: files in every encoding and delimiter, duplicates inside the file and against
//! the database, policies, undo with a record edited since, hostile files, permissions.

use kervan_app::imports::{self, Changes, Policy};
use kervan_app::{Actor, AppError};
use kervan_io::write::XlsxOut;
use kervan_store::runs::RunRow;
use serde_json::json;

use crate::db_test;
use crate::helpers::{Browser, TestApp};

fn words(kind: &str) -> imports::Words {
    kervan_web::imports::words(kervan_core::kinds::by_key(kind).expect("kind"))
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut out = XlsxOut::new("Fuar").expect("xlsx");
    for r in rows {
        out.row(r).expect("row");
    }
    out.to_bytes().expect("bytes")
}

/// Uploads, configures, runs to the end through the job worker; returns the finished run.
async fn import(t: &TestApp, actor: &Actor, kind: &str, name: &str, bytes: &[u8], ch: Changes) -> RunRow {
    let id = imports::upload(&t.app, actor, kind, name, bytes, &words(kind))
        .await
        .expect("upload");
    imports::configure(&t.app, actor, id, &ch, &words(kind))
        .await
        .expect("configure");
    imports::start(&t.app, actor, id).await.expect("start");
    finish(t, actor, id).await
}

async fn finish(t: &TestApp, actor: &Actor, id: i64) -> RunRow {
    for _ in 0..400 {
        kervan_app::jobs::run_due(&t.app).await.expect("jobs");
        let run = imports::get(&t.app, actor, id).await.expect("run");
        if !matches!(run.row.status.as_str(), "queued" | "running") {
            assert_eq!(run.row.status, "done", "{:?}", run.row.error);
            return run.row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

fn fair_values() -> Changes {
    Changes {
        values: Some(
            [
                ("source".to_string(), "fair".to_string()),
                ("source_detail".to_string(), "Metal Expo 2025".to_string()),
                ("tags".to_string(), "Fuar 2025".to_string()),
            ]
            .into_iter()
            .collect(),
        ),
        ..Changes::default()
    }
}

/// One number a query answers (`None` for no row or NULL).
async fn scalar(t: &TestApp, sql: &str, args: Vec<sea_orm::Value>) -> Option<i64> {
    kervan_store::db::scalar_i64(&t.app.db.conn, sql, args)
        .await
        .expect("query")
}

async fn lead_count(t: &TestApp) -> i64 {
    t.lead_count().await
}

db_test!(encodings_and_delimiters_are_read_and_shown, |t| {
    let admin = t.actor(t.admin_id).await;
    let text = "Ad;Soyad;Firma;Telefon;Şehir\nGülşen;Işık;Çağ Öğretim;0532 111 22 33;İzmir\n";
    let (cp1254, _, _) = encoding_rs::WINDOWS_1254.encode(text);
    let utf8_bom = format!("\u{FEFF}{}", text.replace(';', ","));
    let tabs = text.replace(';', "\t").replace("0532 111 22 33", "0533 111 22 33");
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("a.csv", cp1254.to_vec(), "windows-1254", ";"),
        ("b.csv", utf8_bom.into_bytes(), "utf-8-bom", ","),
        ("c.txt", tabs.into_bytes(), "utf-8", "\t"),
    ];
    let mut created = 0;
    for (name, bytes, enc, delim) in cases {
        let id = imports::upload(&t.app, &admin, "leads", name, &bytes, &words("leads"))
            .await
            .expect("upload");
        let run = imports::get(&t.app, &admin, id).await.unwrap();
        assert_eq!(run.settings.encoding.as_deref(), Some(enc), "{name}");
        assert_eq!(run.settings.delimiter.as_deref(), Some(delim), "{name}");
        assert_eq!(run.settings.headers[4], "Şehir");
        assert_eq!(
            run.settings.mapping,
            vec!["first_name", "last_name", "company", "phone", "city"]
        );
        let mut ch = fair_values();
        ch.policy = Some(Policy::Create);
        imports::configure(&t.app, &admin, id, &ch, &words("leads"))
            .await
            .unwrap();
        let p = imports::preview(&t.app, &admin, id).await.unwrap();
        assert_eq!((p.counts.created, p.counts.rejected), (1, 0), "{name}: {:?}", p.rows);
        imports::start(&t.app, &admin, id).await.unwrap();
        let row = finish(t, &admin, id).await;
        assert_eq!(row.created, 1);
        created += 1;
    }
    assert_eq!(lead_count(t).await, created);
    // Turkish letters arrive intact whatever the encoding.
    let names = scalar(t, "SELECT COUNT(*) FROM leads WHERE first_name = 'Gülşen' AND last_name = 'Işık' AND company = 'Çağ Öğretim' AND city = 'İzmir'", vec![]).await;
    assert_eq!(names, Some(3));
    // A wrong choice of encoding is changeable and shows at once in the headers.
    let id = imports::upload(&t.app, &admin, "leads", "a.csv", &cp1254, &words("leads"))
        .await
        .unwrap();
    let ch = Changes {
        encoding: Some("utf-8".into()),
        ..Changes::default()
    };
    let run = imports::configure(&t.app, &admin, id, &ch, &words("leads"))
        .await
        .unwrap();
    assert_ne!(
        run.settings.headers[4], "Şehir",
        "read as UTF-8, the Windows-1254 bytes are not Ş"
    );
});

db_test!(the_fair_file_duplicates_problems_report_and_undo, |t| {
    let manager = t.actor(t.manager_id().await).await;
    // Already known: a lead of Ali's (the manager's team) and one of Berna's (another team).
    t.lead(
        &t.a_token,
        json!({"first_name": "Kemal", "last_name": "Sunal", "phone": "0532 000 00 01", "source": "phone"}),
    )
    .await;
    t.lead(
        &t.b_token,
        json!({"first_name": "Türkan", "last_name": "Şoray", "phone": "0532 000 00 02", "source": "phone"}),
    )
    .await;
    let long = "x".repeat(201);
    let file = xlsx(&[
        &["Ad Soyad", "Firma", "GSM", "E-posta", "Şehir", "Bütçe"],
        &[
            "Ayşe Nur Yılmaz",
            "Kara Metal",
            "0532 111 22 33",
            "ayse@karametal.com.tr",
            "İstanbul",
            "",
        ],
        &["Mehmet Öz", "Öz Makina", "0533 444 55 66", "mehmet@", "Ankara", ""],
        &["Zeynep Kaya", "Kaya Ltd", "12345", "", "Bursa", ""],
        &["Ali Veli", &long, "0534 777 88 99", "", "İzmir", ""],
        &[
            "Ayşe Yılmaz",
            "Kara Metal A.Ş.",
            "+90 532 111 22 33",
            "",
            "İstanbul",
            "",
        ],
        &["Kemal Sunal", "", "05320000001", "", "İstanbul", ""],
        &["Türkan Şoray", "", "0532 000 00 02", "", "İstanbul", ""],
        &["Cem", "", "0535 000 00 03", "", "", ""],
        &[
            "Deniz Ak",
            "Ak Pres",
            "0536 100 20 30",
            "deniz@akpres.com.tr",
            "Ankara",
            "",
        ],
    ]);
    let id = imports::upload(&t.app, &manager, "leads", "metal-expo.xlsx", &file, &words("leads"))
        .await
        .unwrap();
    let run = imports::get(&t.app, &manager, id).await.unwrap();
    assert_eq!(
        run.settings.mapping[..5],
        ["full_name", "company", "phone", "email", "city"]
    );
    imports::configure(&t.app, &manager, id, &fair_values(), &words("leads"))
        .await
        .unwrap();
    let p = imports::preview(&t.app, &manager, id).await.unwrap();
    assert_eq!(
        (p.counts.created, p.counts.skipped, p.counts.rejected),
        (2, 3, 4),
        "{:#?}",
        p.rows
    );
    // Each problem on its own cell, in the person's terms.
    let codes = |row: i64| -> Vec<String> {
        p.rows
            .iter()
            .find(|r| r.row_no == row)
            .map(|r| r.problems.iter().map(|e| format!("{}:{}", e.field, e.code)).collect())
            .unwrap_or_default()
    };
    assert_eq!(codes(3), vec!["email:invalid_email"]);
    assert_eq!(codes(4), vec!["phone:invalid_phone"]);
    assert_eq!(codes(5), vec!["company:too_long"]);
    assert_eq!(codes(9), vec!["last_name:name_or_company"]);
    let reason = |row: i64| {
        p.rows
            .iter()
            .find(|r| r.row_no == row)
            .and_then(|r| r.reason.clone())
            .unwrap()
    };
    assert_eq!(reason(6)["code"], "duplicate_in_file");
    assert_eq!(reason(6)["row"], 2);
    assert_eq!(reason(7)["code"], "duplicate");
    assert_eq!(reason(7)["name"], "Kemal Sunal");
    // Berna's lead is outside the manager's team: a duplicate, without a name, id or owner.
    assert_eq!(reason(8), json!({"code": "duplicate_hidden", "field": "phone"}));
    // Nothing was written by looking.
    assert_eq!(lead_count(t).await, 2);

    imports::start(&t.app, &manager, id).await.unwrap();
    let row = finish(t, &manager, id).await;
    assert_eq!((row.created, row.updated, row.skipped, row.rejected), (2, 0, 3, 4));
    assert_eq!(lead_count(t).await, 4);
    let ayse = t.get_json(&t.admin_token, "/api/v1/leads?q=Ayşe").await;
    let a = &ayse["items"][0];
    assert_eq!(a["first_name"], "Ayşe Nur");
    assert_eq!(a["last_name"], "Yılmaz");
    assert_eq!(a["phone"], "+905321112233");
    assert_eq!(a["source"], "fair");
    assert_eq!(a["source_detail"], "Metal Expo 2025");
    assert_eq!(a["tags"], json!(["Fuar 2025"]));
    // History and search keys as any create gives them.
    let hist = t
        .get_json(&t.admin_token, &format!("/api/v1/leads/{}/history", a["id"]))
        .await;
    assert!(hist.to_string().contains("Ayşe Nur"), "{hist}");
    let found = t.get_json(&t.admin_token, "/api/v1/leads?q=karametal").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // The refused rows, downloaded, with the reason in a last column, the cells as they were.
    let bytes = imports::rejected_xlsx(&t.app, &manager, id, "Hata", |e| format!("{}: {}", e.field, e.code))
        .await
        .unwrap();
    let back = kervan_io::sheet::read(&bytes, &Default::default()).unwrap();
    assert_eq!(back.headers.last().map(String::as_str), Some("Hata"));
    assert_eq!(back.rows.len(), 4);
    assert_eq!(back.rows[0][3], "mehmet@");
    assert_eq!(back.rows[0][6], "email: invalid_email");
    // Fixed and imported again as it is: the fixed row goes in, the others are still refused.
    let mut fixed: Vec<Vec<String>> = vec![back.headers.clone()];
    for (i, r) in back.rows.iter().enumerate() {
        let mut r = r.clone();
        if i == 0 {
            r[3] = "mehmet@ozmakina.com.tr".into();
        }
        fixed.push(r);
    }
    let refs: Vec<Vec<&str>> = fixed.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
    let rows: Vec<&[&str]> = refs.iter().map(|r| r.as_slice()).collect();
    let again = import(t, &manager, "leads", "duzeltilmis.xlsx", &xlsx(&rows), fair_values()).await;
    assert_eq!((again.created, again.rejected), (1, 3));
    assert_eq!(lead_count(t).await, 5);

    // The first file again: nothing new.
    let twice = import(t, &manager, "leads", "metal-expo.xlsx", &file, fair_values()).await;
    assert_eq!(twice.created, 0);
    assert_eq!(lead_count(t).await, 5);

    // Undo of the first import: its two leads go; the re-import's lead stays.
    let report = imports::undo(&t.app, &manager, id).await.unwrap();
    assert_eq!((report.removed, report.restored), (2, 0));
    assert!(report.edited_since.is_empty());
    assert_eq!(lead_count(t).await, 3);
    let undone = imports::get(&t.app, &manager, id).await.unwrap();
    assert_eq!(undone.row.status, "undone");
    // Not twice.
    assert!(matches!(
        imports::undo(&t.app, &manager, id).await,
        Err(AppError::Validation(_))
    ));
});

db_test!(
    update_policy_fills_empty_fields_and_undo_spares_records_edited_since,
    |t| {
        let admin = t.actor(t.admin_id).await;
        let l1 = t
            .lead(
                &t.admin_token,
                json!({"first_name": "Oya", "last_name": "Ak", "email": "oya@ak.com.tr", "source": "phone"}),
            )
            .await;
        let l2 = t
        .lead(&t.admin_token, json!({"first_name": "Can", "last_name": "Er", "email": "can@er.com.tr", "source": "phone", "city": "Van"}))
        .await;
        let file = "E-posta;Şehir;Sektör;Ad\noya@ak.com.tr;Konya;Tekstil;Başka\nCAN@ER.COM.TR;Muş;Gıda;Başka\n";
        let mut ch = fair_values();
        ch.policy = Some(Policy::Update);
        let row = import(t, &admin, "leads", "guncel.csv", file.as_bytes(), ch).await;
        assert_eq!((row.created, row.updated), (0, 2));
        let get = |id: &serde_json::Value| format!("/api/v1/leads/{id}");
        let v1 = t.get_json(&t.admin_token, &get(&l1["id"])).await;
        // Empty fields filled; what was there stays (the name, the source, Can's city).
        assert_eq!(
            (v1["city"].as_str(), v1["sector"].as_str(), v1["first_name"].as_str()),
            (Some("Konya"), Some("Tekstil"), Some("Oya"))
        );
        assert_eq!(v1["source"], "phone");
        let v2 = t.get_json(&t.admin_token, &get(&l2["id"])).await;
        assert_eq!(
            (v2["city"].as_str(), v2["sector"].as_str()),
            (Some("Van"), Some("Gıda"))
        );
        // Somebody works on Can's lead after the import.
        let r = t
            .patch(
                &t.admin_token,
                &get(&l2["id"]),
                json!({"version": v2["version"], "title": "Satın alma"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let report = imports::undo(&t.app, &admin, row.id).await.unwrap();
        assert_eq!(report.restored, 1);
        assert_eq!(report.edited_since.len(), 1);
        assert_eq!(report.edited_since[0].1, "Can Er");
        let v1 = t.get_json(&t.admin_token, &get(&l1["id"])).await;
        assert!(v1["city"].is_null() && v1["sector"].is_null(), "{v1}");
        let v2 = t.get_json(&t.admin_token, &get(&l2["id"])).await;
        assert_eq!(v2["sector"], "Gıda", "edited since: left alone");

        // Overwrite: the file's values win.
        let mut ch = fair_values();
        ch.policy = Some(Policy::Overwrite);
        let row = import(
            t,
            &admin,
            "leads",
            "ustune.csv",
            "E-posta;Şehir\ncan@er.com.tr;Muş\n".as_bytes(),
            ch,
        )
        .await;
        assert_eq!(row.updated, 1);
        let v2 = t.get_json(&t.admin_token, &get(&l2["id"])).await;
        assert_eq!(v2["city"], "Muş");
    }
);

db_test!(hostile_files_are_refused_with_nothing_written, |t| {
    let admin = t.actor(t.admin_id).await;
    let refused = |r: Result<i64, AppError>| match r {
        Err(AppError::Validation(e)) => e.0[0].code.clone(),
        other => panic!("expected a refusal, got {other:?}"),
    };
    // A zip bomb: a tiny XLSX whose sheet inflates past the limit.
    let mut buf = Vec::new();
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("xl/workbook.xml", o).unwrap();
        z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..600 {
            z.write_all(&spaces).unwrap();
        }
        z.finish().unwrap();
    }
    assert!(buf.len() < 2 << 20);
    let w = words("leads");
    assert_eq!(
        refused(imports::upload(&t.app, &admin, "leads", "bomba.xlsx", &buf, &w).await),
        "import_zip_bomb"
    );
    // 100 MB of CSV: over the 50 MB limit.
    let big = vec![b'a'; 100 << 20];
    assert_eq!(
        refused(imports::upload(&t.app, &admin, "leads", "buyuk.csv", &big, &w).await),
        "import_too_large"
    );
    drop(big);
    // A picture named .csv.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    assert_eq!(
        refused(imports::upload(&t.app, &admin, "leads", "liste.csv", &png, &w).await),
        "import_not_spreadsheet"
    );
    // 10,000 columns.
    let wide = format!("{}\n{}\n", vec!["Ad"; 10_000].join(";"), vec!["x"; 10_000].join(";"));
    assert_eq!(
        refused(imports::upload(&t.app, &admin, "leads", "genis.csv", wide.as_bytes(), &w).await),
        "import_too_many_columns"
    );
    // Only a header.
    assert_eq!(
        refused(imports::upload(&t.app, &admin, "leads", "bos.csv", b"Ad;Soyad\n", &w).await),
        "import_empty"
    );
    let runs = scalar(t, "SELECT COUNT(*) FROM runs", vec![]).await;
    assert_eq!(runs, Some(0));
    assert_eq!(lead_count(t).await, 0);
    let dir = t.app.config.data_dir.join("imports");
    let kept = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(kept, 0, "no file of a refused upload stays");
});

db_test!(importing_is_its_own_permission, |t| {
    let rep = t.actor(t.a_id).await;
    let file = b"Ad;Soyad;Telefon\nA;B;0532 123 45 67\n";
    let r = imports::upload(&t.app, &rep, "leads", "x.csv", file, &words("leads")).await;
    assert!(matches!(r, Err(AppError::Forbidden { .. })), "{r:?}");
    // A manager may; the rep may not look at the manager's import either.
    let manager = t.actor(t.manager_id().await).await;
    let id = imports::upload(&t.app, &manager, "leads", "x.csv", file, &words("leads"))
        .await
        .unwrap();
    assert!(matches!(imports::get(&t.app, &rep, id).await, Err(AppError::NotFound)));
    assert!(matches!(imports::undo(&t.app, &rep, id).await, Err(AppError::NotFound)));
    // Pages: the rep is refused, the manager sees the wizard.
    let (rep_b, _) = t.browser("ali@ornek.com.tr").await;
    let r = rep_b.get(t.url(&format!("/imports/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let (mgr_b, _) = t.browser("mehmet@ornek.com.tr").await;
    let r = mgr_b.get(t.url(&format!("/imports/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Sütunları eşleştir") && html.contains("map_0"), "{html}");
});

// The rows of a batch are written in one statement; when the database refuses it (here the
// unique index on a product's code, which "create" does not check first) the batch is written
// again row by row: the row at fault alone is refused, the rest of the batch and the next ones
// go in, and on PostgreSQL the failed statement does not abort the run's transaction.
db_test!(a_row_the_database_refuses_is_refused_alone, |t| {
    let admin = t.actor(t.admin_id).await;
    let mut csv = String::from("Ürün kodu;Ürün adı\n");
    for i in 0..700 {
        // Row 301 repeats row 3's code (spelled differently: the index is on the folded code).
        let code = if i == 299 {
            "kod-1".to_string()
        } else {
            format!("KOD-{i}")
        };
        csv.push_str(&format!("{code};Vida {i}\n"));
    }
    let id = imports::upload(
        &t.app,
        &admin,
        "products",
        "urunler.csv",
        csv.as_bytes(),
        &words("products"),
    )
    .await
    .unwrap();
    let run = imports::get(&t.app, &admin, id).await.unwrap();
    assert_eq!(run.settings.mapping[..2], ["sku", "name"], "{:?}", run.settings.mapping);
    let ch = Changes {
        policy: Some(Policy::Create),
        ..Changes::default()
    };
    imports::configure(&t.app, &admin, id, &ch, &words("products"))
        .await
        .unwrap();
    imports::start(&t.app, &admin, id).await.unwrap();
    let row = finish(t, &admin, id).await;
    assert_eq!((row.created, row.rejected, row.skipped), (699, 1, 0));
    let refused = imports::report_rows(&t.app, &admin, id, &["rejected"], i64::MIN, 10)
        .await
        .unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].row_no, 301);
    assert!(
        refused[0].reason.as_deref().unwrap_or_default().contains("duplicate"),
        "{:?}",
        refused[0].reason
    );
    let n = scalar(t, "SELECT COUNT(*) FROM products", vec![]).await;
    assert_eq!(n, Some(699));
    // Each written product has its one history entry, none for the refused row.
    let created = scalar(
        t,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'product' AND field = 'created'",
        vec![],
    )
    .await;
    assert_eq!(created, Some(699));
    // The undo takes all of them away again.
    let report = imports::undo(&t.app, &admin, id).await.unwrap();
    assert_eq!(report.removed, 699);
    let n = scalar(t, "SELECT COUNT(*) FROM products", vec![]).await;
    assert_eq!(n, Some(0));
});

db_test!(custom_fields_go_in_by_their_label, |t| {
    let admin = t.actor(t.admin_id).await;
    let r = t
        .post(
            &t.admin_token,
            "/api/v1/meta/leads/fields",
            json!({"label": "Bütçe aralığı", "type": "choice", "options": ["0-500 bin", "500 bin-1 milyon"], "filterable": true}),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    crate::helpers::custom_indexes_ready(t, &kervan_core::leads::KIND).await;
    let file = "Ad;Soyad;Telefon;Bütçe aralığı\nSu;Ak;0532 999 88 77;500 bin-1 milyon\nNil;Su;0532 999 88 76;çok\n";
    let id = imports::upload(&t.app, &admin, "leads", "b.csv", file.as_bytes(), &words("leads"))
        .await
        .unwrap();
    let run = imports::get(&t.app, &admin, id).await.unwrap();
    assert!(
        run.settings.mapping[3].starts_with("custom."),
        "{:?}",
        run.settings.mapping
    );
    imports::configure(&t.app, &admin, id, &fair_values(), &words("leads"))
        .await
        .unwrap();
    imports::start(&t.app, &admin, id).await.unwrap();
    let row = finish(t, &admin, id).await;
    assert_eq!((row.created, row.rejected), (1, 1));
    let v = t.get_json(&t.admin_token, "/api/v1/leads?q=Su Ak").await;
    let custom = v["items"][0]["custom"].to_string();
    assert!(
        custom.contains("500_bin_1_milyon") || custom.contains("500 bin"),
        "{custom}"
    );
});

db_test!(assign_by_city_then_first_calls_skip_holidays_and_undo_takes_them, |t| {
    let admin = t.actor(t.admin_id).await;
    let file = "Ad;Soyad;Telefon;Şehir\nA1;B;0532 100 00 01;İstanbul\nA2;B;0532 100 00 02;ANKARA\nA3;B;0532 100 00 03;İzmir\nA4;B;0532 100 00 04;Bursa\n";
    let row = import(t, &admin, "leads", "f.csv", file.as_bytes(), fair_values()).await;
    assert_eq!(row.created, 4);
    let values = imports::created_values(&t.app, &admin, row.id, "city").await.unwrap();
    assert_eq!(values.len(), 4);
    let a = imports::Assign {
        by: Some("city".into()),
        rules: vec![("istanbul".into(), t.a_id), ("Ankara".into(), t.b_id)],
        rest: vec![t.a_id, t.b_id],
    };
    let tally = imports::assign(&t.app, &admin, row.id, &a).await.unwrap();
    assert_eq!(tally.changed, 4);
    let owner = |name: &'static str| async move {
        scalar(t, "SELECT owner_id FROM leads WHERE first_name = ?", vec![name.into()])
            .await
            .unwrap()
    };
    assert_eq!(owner("A1").await, t.a_id);
    assert_eq!(owner("A2").await, t.b_id);
    let rest = [owner("A3").await, owner("A4").await];
    assert!(
        rest.contains(&t.a_id) && rest.contains(&t.b_id),
        "round robin: {rest:?}"
    );
    // Each rep is told once, with the count — not once per lead.
    let notes = |kind: &'static str, user: i64| async move {
        scalar(
            t,
            "SELECT COUNT(*) FROM notifications WHERE kind = ? AND user_id = ?",
            vec![kind.into(), user.into()],
        )
        .await
        .unwrap_or(0)
    };
    assert_eq!(notes("records_assigned", t.a_id).await, 1);
    assert_eq!(notes("record_assigned", t.a_id).await, 0);
    let inbox = t.get_json(&t.a_token, "/api/v1/notifications").await;
    assert!(inbox.to_string().contains("size 2 kayıt verdi"), "{inbox}");

    let tasks = imports::first_calls(&t.app, &admin, row.id, 2, "İlk arama")
        .await
        .unwrap();
    assert_eq!(tasks.changed, 4);
    // The tasks too: one notice per owner with the count, none per task.
    assert_eq!(notes("records_assigned", t.a_id).await, 2);
    assert_eq!(notes("task_assigned", t.a_id).await, 0);
    // Not twice for the same lead.
    assert_eq!(
        imports::first_calls(&t.app, &admin, row.id, 2, "İlk arama")
            .await
            .unwrap()
            .changed,
        0
    );
    let due = scalar(t, "SELECT MIN(due_at) FROM tasks WHERE title = 'İlk arama'", vec![])
        .await
        .unwrap();
    let today = kervan_core::time::today_local(kervan_core::time::now_ms());
    let want = kervan_core::holidays::add_business_days(today, 2).unwrap();
    assert_eq!(kervan_core::time::today_local(due), want);
    let owners = scalar(
        t,
        "SELECT COUNT(*) FROM tasks k JOIN leads l ON l.id = k.lead_id WHERE k.owner_id = l.owner_id",
        vec![],
    )
    .await;
    assert_eq!(owners, Some(4), "each task is its lead's owner's");

    // The assignment was the import's own step: undo still takes every lead, and the tasks.
    let report = imports::undo(&t.app, &admin, row.id).await.unwrap();
    assert_eq!((report.removed, report.removed_tasks), (8, 4), "{report:?}");
    assert_eq!(lead_count(t).await, 0);
    let left = scalar(t, "SELECT COUNT(*) FROM tasks", vec![]).await;
    assert_eq!(left, Some(0));
});

async fn export_file(t: &TestApp, who: &str, query: &str) -> (u16, Vec<u8>) {
    export_of(t, who, "leads", query).await
}

/// Exports the list of `kind` (`/{kind}/export?{query}`) as `who`, through the pages.
async fn export_of(t: &TestApp, who: &str, kind: &str, query: &str) -> (u16, Vec<u8>) {
    let (b, _) = t.browser(who).await;
    let r = b.get(t.url(&format!("/{kind}/export?{query}"))).send().await.unwrap();
    if r.status() != 303 {
        return (r.status().as_u16(), vec![]);
    }
    let to = r.headers()["location"].to_str().unwrap().to_string();
    for _ in 0..200 {
        kervan_app::jobs::run_due(&t.app).await.expect("jobs");
        let p: serde_json::Value = b
            .get(t.url(&format!("{to}/progress")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if p["status"] == "done" {
            let page = b.get(t.url(&to)).send().await.unwrap().text().await.unwrap();
            assert!(page.contains("export-download"), "{page}");
            let f = b.get(t.url(&format!("{to}/file"))).send().await.unwrap();
            assert_eq!(f.status(), 200);
            return (200, f.bytes().await.unwrap().to_vec());
        }
        assert_ne!(p["status"], "failed", "{p}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("export did not finish");
}

db_test!(export_neutralises_formulas_and_reimports_unchanged, |t| {
    for (first, notes, phone) in [
        ("=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "0532 111 22 01"),
        ("Ayşe", "-5 indirim istiyor", "0532 111 22 02"),
        ("@Zehra", "\tgizli", "0532 111 22 03"),
    ] {
        let l = t
            .lead(&t.admin_token, json!({"first_name": first, "last_name": "Test", "notes": notes, "phone": phone, "source": "fair", "tags": ["Fuar"]}))
            .await;
        assert!(l["id"].is_i64(), "{l}");
    }
    let (status, csv) = export_file(t, "admin@ornek.com.tr", "format=csv&columns=all").await;
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM for Turkish Excel");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.lines().next().unwrap().contains("Ad;Soyad"), "{text}");
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains("'+cmd"), "{text}");
    assert!(text.contains("'-5 indirim"), "{text}");
    assert!(text.contains("'@Zehra"), "{text}");
    // A phone in +90 form is not a formula, and stays as it is.
    assert!(text.contains(";+905321112201;"), "{text}");
    assert!(!text.contains("'+90"), "{text}");
    // Exported and imported again: nothing new, nothing changed.
    let admin = t.actor(t.admin_id).await;
    let before = t.get_json(&t.admin_token, "/api/v1/leads?sort=name").await;
    let row = import(t, &admin, "leads", "leads.csv", &csv, Changes::default()).await;
    assert_eq!((row.created, row.updated, row.rejected, row.skipped), (0, 0, 0, 3));
    // Whoever left the page hears of both on the bell, with a way back.
    let inbox = t.get_json(&t.admin_token, "/api/v1/notifications").await.to_string();
    assert!(inbox.contains("Dışa aktarma dosyanız hazır (3 kayıt)"), "{inbox}");
    assert!(inbox.contains("/exports/"), "{inbox}");
    assert!(
        inbox.contains("“leads.csv” içe aktarıldı: 0 oluşturuldu, 0 güncellendi, 3 atlandı, 0 hatalı"),
        "{inbox}"
    );
    let ch = Changes {
        policy: Some(Policy::Overwrite),
        ..Changes::default()
    };
    let row = import(t, &admin, "leads", "leads.csv", &csv, ch).await;
    assert_eq!(
        (row.created, row.updated, row.rejected),
        (0, 0, 0),
        "overwriting with its own export changes nothing"
    );
    let after = t.get_json(&t.admin_token, "/api/v1/leads?sort=name").await;
    assert_eq!(before["items"], after["items"]);
    // XLSX and vCard too.
    let (_, xlsx) = export_file(t, "admin@ornek.com.tr", "format=xlsx&columns=visible").await;
    let table = kervan_io::sheet::read(&xlsx, &Default::default()).unwrap();
    assert_eq!(table.rows.len(), 3);
    let (_, vcf) = export_file(t, "admin@ornek.com.tr", "format=vcf&columns=all").await;
    let vcf = String::from_utf8(vcf).unwrap();
    assert_eq!(vcf.matches("BEGIN:VCARD").count(), 3);
    assert!(vcf.contains("TEL;VALUE=uri;TYPE=voice:tel:+905321112202"), "{vcf}");
    // Every export is in the audit trail: who, what, how many rows.
    let audits = scalar(
        t,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'export' AND user_id = ? AND new LIKE '%\"rows\":3%'",
        vec![t.admin_id.into()],
    )
    .await;
    assert_eq!(audits, Some(3));
});

db_test!(export_reaches_as_far_as_the_grant, |t| {
    t.lead(
        &t.a_token,
        json!({"first_name": "Ali'nin", "last_name": "Adayı", "phone": "0532 111 22 04", "source": "fair"}),
    )
    .await;
    t.lead(
        &t.b_token,
        json!({"first_name": "Berna'nın", "last_name": "Adayı", "phone": "0532 111 22 05", "source": "fair"}),
    )
    .await;
    // Sales reps have no export grant by default: refused, nothing written.
    let (status, _) = export_file(t, "ali@ornek.com.tr", "format=csv&columns=all").await;
    assert_eq!(status, 403);
    let rep = t.actor(t.a_id).await;
    let spec = kervan_app::exports::Spec {
        kind: "leads".into(),
        columns: vec!["first_name".into()],
        headers: vec!["Ad".into()],
        ..Default::default()
    };
    assert!(matches!(
        kervan_app::exports::start(&t.app, &rep, &spec).await,
        Err(AppError::Forbidden { .. })
    ));
    // The manager exports the team's leads only.
    let (status, csv) = export_file(t, "mehmet@ornek.com.tr", "format=csv&columns=all").await;
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&csv).to_string();
    assert!(text.contains("Ali'nin") && !text.contains("Berna'nın"), "{text}");
    // A filter narrows the export as it narrows the list.
    let (_, csv) = export_file(t, "admin@ornek.com.tr", "format=csv&columns=all&q=Berna").await;
    let text = String::from_utf8_lossy(&csv).to_string();
    assert!(!text.contains("Ali'nin") && text.contains("Berna'nın"), "{text}");
    // Somebody else's export run is not there.
    let runs = scalar(t, "SELECT MAX(id) FROM runs WHERE op = 'export'", vec![])
        .await
        .unwrap();
    let (b, _) = t.browser("ali@ornek.com.tr").await;
    let r = b.get(t.url(&format!("/exports/{runs}/file"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
});

db_test!(the_api_imports_exports_and_changes_in_bulk, |t| {
    let file =
        "Ad Soyad;Tel (cep);E-posta;Şehir\nNur Ak;0532 700 00 01;nur@ak.com.tr;Van\nSu Er;0532 700 00 02;bozuk@;Muş\n";
    let upload = |query: &'static str, token: String| {
        let part = reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("fuar.csv");
        let form = reqwest::multipart::Form::new().part("file", part);
        t.http
            .post(t.url(&format!("/api/v1/imports/leads?{query}")))
            .bearer_auth(token)
            .multipart(form)
    };
    // A rep may not import.
    let r = upload("", t.a_token.clone()).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // A dry run says what would happen, with the hand-made mapping.
    let q = "dry_run=1&map=Tel%20(cep)%3Dphone&source=fair&source_detail=Metal%20Expo%202025&tag=Fuar";
    let r = upload(q, t.admin_token.clone()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["would"]["created"], 1, "{v}");
    assert_eq!(v["would"]["rejected"], 1, "{v}");
    assert_eq!(lead_count(t).await, 0);
    // The real run.
    let r = upload(
        "map=Tel%20(cep)%3Dphone&source=fair&on_duplicate=skip",
        t.admin_token.clone(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 202);
    let v: serde_json::Value = r.json().await.unwrap();
    let id = v["id"].as_i64().unwrap();
    let admin = t.actor(t.admin_id).await;
    finish(t, &admin, id).await;
    let v = t
        .get_json(&t.admin_token, &format!("/api/v1/imports/{id}/status"))
        .await;
    assert_eq!(
        (v["created"].as_i64(), v["rejected"].as_i64()),
        (Some(1), Some(1)),
        "{v}"
    );
    let rows = t
        .get_json(&t.admin_token, &format!("/api/v1/imports/{id}/rows?outcome=rejected"))
        .await;
    assert_eq!(rows["items"][0]["reason"][0]["code"], "invalid_email", "{rows}");
    assert_eq!(rows["items"][0]["cells"][2], "bozuk@");
    // Bulk: tag everything matching a filter, confirmed at once.
    let (s, v) = crate::api_support::send(t.post(
        &t.admin_token,
        "/api/v1/bulk",
        json!({"kind": "leads", "filters": {"city": "Van"}, "change": {"op": "add_tag", "tag": "API"}, "confirm": true}),
    ))
    .await;
    assert_eq!(s, 202, "{v}");
    assert_eq!(v["total"], 1);
    let bid = v["id"].as_i64().unwrap();
    for _ in 0..200 {
        kervan_app::jobs::run_due(&t.app).await.unwrap();
        if t.get_json(&t.admin_token, &format!("/api/v1/bulk/{bid}")).await["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let lead = t.get_json(&t.admin_token, "/api/v1/leads?q=Nur").await;
    assert!(lead["items"][0]["tags"].to_string().contains("API"), "{lead}");
    // A bad change is a 422 problem.
    let (s, p) = crate::api_support::send(t.post(
        &t.admin_token,
        "/api/v1/bulk",
        json!({"kind": "leads", "filters": {}, "change": {"op": "explode"}}),
    ))
    .await;
    assert_eq!(s, 422, "{p}");
    // Export through the API.
    let (s, v) = crate::api_support::send(t.post(
        &t.admin_token,
        "/api/v1/exports",
        json!({"kind": "leads", "format": "csv", "filters": {"city": "Van"}}),
    ))
    .await;
    assert_eq!(s, 202, "{v}");
    let eid = v["id"].as_i64().unwrap();
    for _ in 0..200 {
        kervan_app::jobs::run_due(&t.app).await.unwrap();
        if t.get_json(&t.admin_token, &format!("/api/v1/exports/{eid}")).await["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let r = t
        .get(&t.admin_token, &format!("/api/v1/exports/{eid}/file"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("Nur") && text.contains("Van"), "{text}");
    // Somebody else's export is not there; undo through the API.
    let r = t
        .get(&t.a_token, &format!("/api/v1/exports/{eid}/file"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (s, v) =
        crate::api_support::send(t.post(&t.admin_token, &format!("/api/v1/imports/{id}/undo"), json!({}))).await;
    assert_eq!(s, 200, "{v}");
    // A tag is not an edit of the record: what the import created goes, tagged since or not.
    assert_eq!(
        (v["removed"].as_i64(), v["edited_since"].as_array().map(Vec::len)),
        (Some(1), Some(0)),
        "{v}"
    );
});

// A file of several batches: on PostgreSQL two are written side by side. Every row gets exactly
// one outcome, the counts add up, the shared counters (values in use) are exact, updates land
// in later batches too, and the run's `processed` is the rows written in file order.
db_test!(a_file_of_many_batches_is_written_whole_and_in_order, |t| {
    let admin = t.actor(t.admin_id).await;
    let cities = ["Konya", "Bursa", "İzmir", "Van", "Muş", "Ordu", "Rize"];
    // Each batch counts all three in the values in use, in its own mix.
    let fairs = ["Metal Expo", "Gıda Fuarı", "Yapı Fuarı"];
    // Thirty people the database already has, with no city yet.
    let mut known = String::from("Ad Soyad;GSM\n");
    for k in 0..30 {
        known.push_str(&format!("Eski Kişi{k};0558 100 {:02} {:02}\n", k / 100, k % 100));
    }
    let phone_calls = Changes {
        values: Some([("source".to_string(), "phone".to_string())].into_iter().collect()),
        ..Changes::default()
    };
    let first = import(t, &admin, "leads", "eski.csv", known.as_bytes(), phone_calls).await;
    assert_eq!(first.created, 30);
    let rows = 7_000usize;
    let mut file = String::from("Ad Soyad;GSM;İl;Fuar\n");
    for i in 0..rows {
        // Every 233rd row is one of the thirty (spread over all the batches).
        let phone = if i % 233 == 0 && i / 233 < 30 {
            format!("0558 100 {:02} {:02}", (i / 233) / 100, (i / 233) % 100)
        } else {
            format!("0557 {:03} {:02} {:02}", i / 10_000, (i / 100) % 100, i % 100)
        };
        file.push_str(&format!(
            "Yeni Kişi{i};{phone};{};{}\n",
            cities[(i * 7 + i / 13) % cities.len()],
            fairs[(i / 7) % fairs.len()]
        ));
    }
    let ch = Changes {
        policy: Some(Policy::Update),
        values: Some([("source".to_string(), "fair".to_string())].into_iter().collect()),
        ..Changes::default()
    };
    let row = import(t, &admin, "leads", "buyuk.csv", file.as_bytes(), ch).await;
    assert_eq!(
        (row.processed, row.created, row.updated, row.skipped, row.rejected),
        (rows as i64, rows as i64 - 30, 30, 0, 0)
    );
    assert_eq!(lead_count(t).await, rows as i64);
    let n = |sql: &'static str, args: Vec<sea_orm::Value>| async move {
        kervan_store::db::scalar_i64(&t.app.db.conn, sql, args)
            .await
            .unwrap()
            .unwrap_or(-1)
    };
    // One outcome per row of the file, no row twice.
    let items = n(
        "SELECT COUNT(DISTINCT row_no) FROM run_items WHERE run_id = ? AND row_no BETWEEN 2 AND ?",
        vec![row.id.into(), (rows as i64 + 1).into()],
    )
    .await;
    assert_eq!(items, rows as i64);
    assert_eq!(
        n("SELECT COUNT(*) FROM run_items WHERE run_id = ?", vec![row.id.into()]).await,
        rows as i64
    );
    // The counters every batch bumped agree with the table.
    for fair in fairs {
        let counted = n(
            "SELECT n FROM field_values WHERE kind = 'leads' AND field = 'source_detail' AND value = ?",
            vec![fair.into()],
        )
        .await;
        let stored = n("SELECT COUNT(*) FROM leads WHERE source_detail = ?", vec![fair.into()]).await;
        assert_eq!(counted, stored, "{fair}");
    }
    assert_eq!(
        n(
            "SELECT COUNT(*) FROM leads WHERE city IS NOT NULL AND source_detail IS NOT NULL",
            vec![]
        )
        .await,
        rows as i64
    );
    // Undone whole: the thirty as they were, the rest gone.
    let report = imports::undo(&t.app, &admin, row.id).await.unwrap();
    assert_eq!((report.removed, report.restored), (rows as i64 - 30, 30));
    assert_eq!(lead_count(t).await, 30);
    assert_eq!(n("SELECT COUNT(*) FROM leads WHERE city IS NOT NULL", vec![]).await, 0);
    for fair in fairs {
        let counted = n(
            "SELECT COALESCE(MAX(n), 0) FROM field_values WHERE kind = 'leads' AND field = 'source_detail' AND value = ?",
            vec![fair.into()],
        )
        .await;
        assert_eq!(counted, 0, "{fair}");
    }
});

// A team split by region: the new leads go to the Aegean rep and the Central Anatolian one by
// their city; a foreign city or none goes to the rest in turn.
db_test!(assign_by_region_reads_the_city, |t| {
    let admin = t.actor(t.admin_id).await;
    let file = "Ad;Soyad;Telefon;Şehir\nR1;B;0532 200 00 01;İzmir\nR2;B;0532 200 00 02;MANİSA\nR3;B;0532 200 00 03;Ankara\nR4;B;0532 200 00 04;Berlin\nR5;B;0532 200 00 05;\n";
    let row = import(t, &admin, "leads", "bolge.csv", file.as_bytes(), fair_values()).await;
    assert_eq!(row.created, 5);
    let mut values = imports::created_values(&t.app, &admin, row.id, imports::REGION)
        .await
        .unwrap();
    values.sort();
    assert_eq!(
        values,
        vec![("".into(), 2), ("aegean".into(), 2), ("central_anatolia".into(), 1)]
    );
    // The page names the regions in Turkish and offers a rep for each.
    let b = Browser::new(t, "admin@ornek.com.tr").await;
    let page = b.page(t, &format!("/imports/{}?by=city_region", row.id)).await;
    assert!(
        page.contains(">Ege</label>") && page.contains(">İç Anadolu</label>"),
        "{page}"
    );
    assert!(page.contains("name=\"rule:aegean\""), "{page}");
    // Something that is not a field is refused, nothing changed.
    let bad = imports::Assign {
        by: Some("bolge".into()),
        rules: vec![],
        rest: vec![t.a_id],
    };
    assert!(matches!(
        imports::assign(&t.app, &admin, row.id, &bad).await,
        Err(AppError::Validation(_))
    ));
    let a = imports::Assign {
        by: Some(imports::REGION.into()),
        rules: vec![("aegean".into(), t.a_id), ("central_anatolia".into(), t.b_id)],
        rest: vec![t.b_id],
    };
    let tally = imports::assign(&t.app, &admin, row.id, &a).await.unwrap();
    assert_eq!(tally.changed, 5);
    for (name, owner) in [
        ("R1", t.a_id),
        ("R2", t.a_id),
        ("R3", t.b_id),
        ("R4", t.b_id),
        ("R5", t.b_id),
    ] {
        let got = scalar(t, "SELECT owner_id FROM leads WHERE first_name = ?", vec![name.into()]).await;
        assert_eq!(got, Some(owner), "{name}");
    }
});

// Customers from a file without a type column start as companies (as the form does); their
// people name them by name in a "Firma" column, and a contact export imports back with its
// customer.
db_test!(contacts_name_their_customer_and_the_export_comes_back, |t| {
    let admin = t.actor(t.admin_id).await;
    // Many customers share the words of the one the people name: the exact name finds it.
    let mut file = String::from("Unvan;Şehir\nEge Tekstil Ltd. Şti.;İzmir\n");
    for i in 1..=8 {
        file.push_str(&format!("Anadolu Makina Şube {i};Konya\n"));
    }
    file.push_str("Anadolu Makina A.Ş.;Konya\n");
    let row = import(
        t,
        &admin,
        "accounts",
        "musteriler.csv",
        file.as_bytes(),
        Changes::default(),
    )
    .await;
    assert_eq!((row.created, row.rejected), (10, 0), "{:?}", row.error);
    let kinds = scalar(t, "SELECT COUNT(*) FROM accounts WHERE kind = 'company'", vec![]).await;
    assert_eq!(kinds, Some(10));
    let anadolu = scalar(t, "SELECT id FROM accounts WHERE name = 'Anadolu Makina A.Ş.'", vec![])
        .await
        .unwrap();

    let people = "Ad;Soyad;Firma\nOya;Ak;ANADOLU MAKİNA A.Ş.\nCan;Er;Yok Böyle Firma\nEda;Su;\n";
    let row = import(
        t,
        &admin,
        "contacts",
        "kisiler.csv",
        people.as_bytes(),
        Changes::default(),
    )
    .await;
    assert_eq!((row.created, row.rejected), (2, 1));
    let linked = scalar(t, "SELECT account_id FROM contacts WHERE first_name = 'Oya'", vec![]).await;
    assert_eq!(linked, Some(anadolu));
    // The row that named nobody says whom it looked for.
    let refused = imports::report_rows(&t.app, &admin, row.id, &["rejected"], i64::MIN, 10)
        .await
        .unwrap();
    assert_eq!(refused.len(), 1);
    let reason = refused[0].reason.clone().unwrap_or_default();
    assert!(
        reason.contains("reference_not_found") && reason.contains("Yok Böyle Firma"),
        "{reason}"
    );

    // Out and back in: the customer column holds the name, and the name finds the customer.
    let (status, csv) = export_of(t, "admin@ornek.com.tr", "contacts", "format=csv&columns=all").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.contains("Anadolu Makina A.Ş."), "{text}");
    let again = Changes {
        policy: Some(Policy::Create),
        ..Changes::default()
    };
    let row = import(t, &admin, "contacts", "geri.csv", &csv, again).await;
    assert_eq!((row.created, row.rejected), (2, 0));
    let twice = scalar(
        t,
        "SELECT COUNT(*) FROM contacts WHERE first_name = 'Oya' AND account_id = ?",
        vec![anadolu.into()],
    )
    .await;
    assert_eq!(twice, Some(2));
});

// Undo leaves the leads somebody has worked on since — a call logged, a task of their own —
// with that work, and lists them; the rest go.
db_test!(undo_leaves_leads_worked_on_since, |t| {
    let admin = t.actor(t.admin_id).await;
    let file = "Ad;Soyad;Telefon\nU1;B;0532 300 00 01\nU2;B;0532 300 00 02\nU3;B;0532 300 00 03\n";
    let row = import(t, &admin, "leads", "u.csv", file.as_bytes(), fair_values()).await;
    assert_eq!(row.created, 3);
    let lead = |name: &'static str| async move {
        scalar(t, "SELECT id FROM leads WHERE first_name = ?", vec![name.into()])
            .await
            .unwrap()
    };
    let (u1, u2) = (lead("U1").await, lead("U2").await);
    let when = kervan_core::time::rfc3339(kervan_core::time::now_ms() - 3_600_000);
    let due = kervan_core::time::rfc3339(kervan_core::time::now_ms() + 86_400_000);
    let r = t
        .post(
            &t.admin_token,
            "/api/v1/activities",
            json!({"kind": "call", "subject": "Fuar sonrası arama", "at": when, "lead_id": u1}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = t
        .post(
            &t.admin_token,
            "/api/v1/tasks",
            json!({"title": "Katalog gönder", "due_at": due, "lead_id": u2}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let report = imports::undo(&t.app, &admin, row.id).await.unwrap();
    assert_eq!(report.removed, 1, "{report:?}");
    let mut kept: Vec<&str> = report.edited_since.iter().map(|(_, n)| n.as_str()).collect();
    kept.sort();
    assert_eq!(kept, vec!["U1 B", "U2 B"]);
    assert_eq!(lead_count(t).await, 2);
    // Their work is where it was.
    let linked = scalar(t, "SELECT COUNT(*) FROM tasks WHERE lead_id = ?", vec![u2.into()]).await;
    assert_eq!(linked, Some(1));
});

// A step that cannot be done says why on the report page, in the person's words; a step cut off
// by a stop of the server is released at the next start and can be taken again.
db_test!(a_failed_or_interrupted_step_says_so_and_can_be_taken_again, |t| {
    let admin = t.actor(t.admin_id).await;
    let file = "Ad;Soyad;Telefon;Şehir\nS1;B;0532 400 00 01;Konya\n";
    let row = import(t, &admin, "leads", "s.csv", file.as_bytes(), fair_values()).await;
    let b = Browser::new(t, "admin@ornek.com.tr").await;
    let rest = t.a_id.to_string();
    let a = b
        .post(
            t,
            &format!("/imports/{}/assign", row.id),
            &[("by", "bolge"), ("rest", &rest)],
        )
        .await;
    assert_eq!(a.status, 303);
    let mut page = String::new();
    for _ in 0..100 {
        page = b.page(t, &format!("/imports/{}", row.id)).await;
        if page.contains("id=\"import-message\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        page.contains("alert-error") && page.contains("Listeden geçerli bir seçenek seçin."),
        "{page}"
    );
    // The server stopped half-way through an undo: at the next start the run says so.
    kervan_store::db::exec(
        &t.app.db.conn,
        "UPDATE runs SET step = 'undo' WHERE id = ?",
        vec![row.id.into()],
    )
    .await
    .unwrap();
    assert_eq!(kervan_app::runs::release_steps(&t.app).await.unwrap(), 1);
    let page = b.page(t, &format!("/imports/{}", row.id)).await;
    assert!(page.contains("yarıda kaldı"), "{page}");
    // … and the undo can be asked for again, and done.
    let report = imports::undo(&t.app, &admin, row.id).await.unwrap();
    assert_eq!(report.removed, 1);
});

// A mapping made by hand is saved as a template and laid on the next fair's file, whatever its
// columns' order and case; a template of another kind does not apply.
db_test!(a_saved_mapping_template_maps_the_next_file, |t| {
    let admin = t.actor(t.admin_id).await;
    let first = "Tel (cep);Kişi;Firma adı\n0532 500 00 01;Ayşe Yılmaz;Anadolu Makina\n";
    let id = imports::upload(&t.app, &admin, "leads", "fuar1.csv", first.as_bytes(), &words("leads"))
        .await
        .unwrap();
    let by_hand = Changes {
        mapping: Some(vec!["phone".into(), imports::FULL_NAME.into(), "company".into()]),
        ..Changes::default()
    };
    imports::configure(&t.app, &admin, id, &by_hand, &words("leads"))
        .await
        .unwrap();
    assert!(matches!(
        imports::save_template(&t.app, &admin, id, "  ").await,
        Err(AppError::Validation(_))
    ));
    imports::save_template(&t.app, &admin, id, "Fuar kartvizitleri")
        .await
        .unwrap();
    let saved = imports::templates(&t.app, &admin, "leads").await.unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].name, "Fuar kartvizitleri");

    let second = "KİŞİ;Ek bilgi;FİRMA ADI;Tel (cep)\nCan Er;x;Ege Tekstil;0532 500 00 02\n";
    let id2 = imports::upload(&t.app, &admin, "leads", "fuar2.csv", second.as_bytes(), &words("leads"))
        .await
        .unwrap();
    let run = imports::apply_template(&t.app, &admin, id2, saved[0].id, &words("leads"))
        .await
        .unwrap();
    assert_eq!(run.settings.mapping, vec!["full_name", "", "company", "phone"]);
    // Not for people: their columns are another kind's.
    let id3 = imports::upload(
        &t.app,
        &admin,
        "contacts",
        "kisiler.csv",
        second.as_bytes(),
        &words("contacts"),
    )
    .await
    .unwrap();
    assert!(matches!(
        imports::apply_template(&t.app, &admin, id3, saved[0].id, &words("contacts")).await,
        Err(AppError::NotFound)
    ));
});

// A workbook of several sheets: the first is read, and the mapping page names the ones that
// were not, so nobody believes they went in.
db_test!(a_workbook_says_which_sheets_it_did_not_read, |t| {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, who) in [("Fuar", "Ayşe Yılmaz"), ("Eski liste", "Can Er"), ("Notlar", "")] {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        ws.write_string(0, 0, "Ad Soyad").unwrap();
        ws.write_string(0, 1, "GSM").unwrap();
        ws.write_string(1, 0, who).unwrap();
        ws.write_string(1, 1, "0532 600 00 01").unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let admin = t.actor(t.admin_id).await;
    let id = imports::upload(&t.app, &admin, "leads", "fuar.xlsx", &bytes, &words("leads"))
        .await
        .unwrap();
    let b = Browser::new(t, "admin@ornek.com.tr").await;
    let page = b.page(t, &format!("/imports/{id}")).await;
    assert!(
        page.contains("Dosyanın ilk sayfası (“Fuar”) okundu; diğer sayfalar (Eski liste, Notlar) okunmadı."),
        "{page}"
    );
    assert!(page.contains("Ayşe Yılmaz") && !page.contains("Can Er"), "{page}");
});

// A person's number is theirs in whichever column it is written: a file's GSM finds the
// person whose office phone it is, and two rows of the file with it are one person.
db_test!(a_persons_number_matches_across_phone_and_mobile, |t| {
    let r = t
        .post(
            &t.admin_token,
            "/api/v1/contacts",
            json!({"first_name": "Oya", "last_name": "Ak", "phone": "0532 700 00 01"}),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let admin = t.actor(t.admin_id).await;
    let file = "Ad;Soyad;GSM;Telefon\nOya;Ak;+90 532 700 00 01;\nCan;Er;;0532 700 00 02\nCan;Er;05327000002;\n";
    let row = import(
        t,
        &admin,
        "contacts",
        "kisiler.csv",
        file.as_bytes(),
        Changes::default(),
    )
    .await;
    assert_eq!((row.created, row.skipped), (1, 2), "{:?}", row);
    let reasons = imports::report_rows(&t.app, &admin, row.id, &["skipped"], i64::MIN, 10)
        .await
        .unwrap();
    let text: Vec<String> = reasons.iter().map(|r| r.reason.clone().unwrap_or_default()).collect();
    assert!(text.iter().any(|r| r.contains("\"duplicate\"")), "{text:?}");
    assert!(text.iter().any(|r| r.contains("duplicate_in_file")), "{text:?}");
});

// Past exports are listed, to come back for a file: one's own (an admin sees everyone's),
// with their format, rows and a download for the ready ones.
db_test!(past_exports_are_listed_with_their_files, |t| {
    t.lead(
        &t.admin_token,
        json!({"first_name": "Liste", "last_name": "Test", "phone": "0532 111 22 99", "source": "fair"}),
    )
    .await;
    let rep = Browser::new(t, "ali@ornek.com.tr").await;
    let page = rep.page(t, "/exports").await;
    assert!(page.contains("id=\"exports-empty\""), "{page}");
    let (status, _) = export_of(t, "admin@ornek.com.tr", "leads", "format=xlsx&columns=visible").await;
    assert_eq!(status, 200);
    let b = Browser::new(t, "admin@ornek.com.tr").await;
    let page = b.page(t, "/exports").await;
    assert!(
        page.contains("Adaylar") && page.contains("XLSX") && page.contains("Tamamlandı"),
        "{page}"
    );
    assert!(page.contains("/file\" download"), "{page}");
    // Somebody else's export is not in a rep's list.
    let page = rep.page(t, "/exports").await;
    assert!(page.contains("id=\"exports-empty\""), "{page}");
});
