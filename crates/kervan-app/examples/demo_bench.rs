// THROWAWAY benchmark: delete before commit.
use kervan_app::{App, demo};
use kervan_store::{ConnectionTrait, Db, migrations};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).cloned().unwrap_or("sqlite".into());
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let t0 = std::time::Instant::now();
    let (db, cleanup): (Db, Option<String>) = if which == "sqlite" {
        let dir = "/tmp/kervan-bench";
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        (
            Db::connect(&format!("sqlite://{dir}/t.db?mode=rwc")).await.unwrap(),
            None,
        )
    } else {
        let admin = Db::connect("postgres://postgres@127.0.0.1:5432/postgres")
            .await
            .unwrap();
        let _ = admin
            .conn
            .execute_unprepared("DROP DATABASE IF EXISTS kervan_bench WITH (FORCE)")
            .await;
        admin
            .conn
            .execute_unprepared("CREATE DATABASE kervan_bench")
            .await
            .unwrap();
        (
            Db::connect("postgres://postgres@127.0.0.1:5432/kervan_bench")
                .await
                .unwrap(),
            Some("kervan_bench".into()),
        )
    };
    migrations::run(&db).await.unwrap();
    let app = App::new(db.clone(), Default::default());
    let setup = t0.elapsed();
    let start = std::time::Instant::now();
    let last = std::cell::Cell::new(std::time::Instant::now());
    let r = demo::generate(&app, n, |done| {
        if done % 100_000 == 0 {
            eprintln!("{done} {:?} (+{:?})", start.elapsed(), last.get().elapsed());
            last.set(std::time::Instant::now());
        }
    })
    .await
    .unwrap();
    let wall = start.elapsed();
    println!("{which}: setup {setup:?}, generate wall {wall:?}, report {r:?}");
    let _ = cleanup;
}
