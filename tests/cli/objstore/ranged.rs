//! Ranged reads of Parquet objects (docs/remote.md, "What is fetched"): a
//! filtered import fetches the footer and the row groups the filter cannot rule
//! out, later imports fetch only what is missing, partitions the filter rules
//! out are not fetched, and the reader refuses bytes the mirror does not hold.
//! Datasets are written here as a lake writer would, with small row groups.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use super::{creds, rewind, Moto};
use crate::common::Run;

/// 2026-11-20T00:00:00Z in µs.
const DAY0: i64 = 1_795_132_800_000_000;
const SECOND: i64 = 1_000_000;

/// Column names: stream, type, time, data, and one the mapping does not read.
const ORDERS: [&str; 5] = ["stream", "type", "time", "data", "host"];
/// Names only a rules file's `fields` maps.
const SESSIONS: [&str; 5] = ["session", "type", "at", "payload", "host"];

/// Orders over time: one event a second from `first` seconds after DAY0,
/// `groups_of` rows per row group, in time order as lake writers sort them.
fn write_orders(path: &Path, first: i64, n: i64, groups_of: usize) {
    write_named(path, first, n, groups_of, ORDERS);
}

fn write_named(path: &Path, first: i64, n: i64, groups_of: usize, names: [&str; 5]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new(names[0], DataType::Utf8, false),
        Field::new(names[1], DataType::Utf8, false),
        Field::new(
            names[2],
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new(names[3], DataType::Utf8, false),
        Field::new(names[4], DataType::Utf8, false),
    ]));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_size(groups_of)
        .build();
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let file = std::fs::File::create(path).expect("create");
    let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props)).expect("writer");
    let types = ["OrderPlaced", "ItemAdded", "ItemAdded", "PaymentTaken", "OrderShipped"];
    let mut i = first;
    while i < first + n {
        let end = (i + 4096).min(first + n);
        let rows = i..end;
        let stream: Vec<String> = rows.clone().map(|k| format!("order-{}", k % 211)).collect();
        let ty: Vec<&str> = rows.clone().map(|k| types[(k / 211 % 5) as usize]).collect();
        let time: Vec<i64> = rows.clone().map(|k| DAY0 + k * SECOND).collect();
        let data: Vec<String> = rows
            .clone()
            .map(|k| {
                format!(
                    r#"{{"sku":"sku-{:05}","qty":{},"amount":{}.{:02},"note":"customer {} asked for delivery before noon"}}"#,
                    k * 7919 % 100_000,
                    k % 9 + 1,
                    k % 500,
                    k % 100,
                    k % 4099
                )
            })
            .collect();
        let host: Vec<String> = rows
            .clone()
            .map(|k| format!("ingest-{:03}.eu-west-1", k % 17))
            .collect();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(stream)),
            Arc::new(StringArray::from(ty)),
            Arc::new(TimestampMicrosecondArray::from(time).with_timezone("UTC")),
            Arc::new(StringArray::from(data)),
            Arc::new(StringArray::from(host)),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), cols).expect("batch"))
            .expect("write");
        i = end;
    }
    w.close().expect("close");
}

fn at(second: i64) -> String {
    rewind::time::format_micros(DAY0 + second * SECOND)
}

/// The events as they read, without where each was read from.
fn events(r: &Run) -> Vec<Value> {
    assert_eq!(r.code, 0, "{}", r.stderr);
    super::events(r)
}

/// The `fetched` entry of `import --json`.
fn fetched(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()["fetched"][0].clone()
}

fn num(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"))
}

#[test]
fn a_time_window_fetches_its_row_groups_and_later_imports_only_what_is_missing() {
    let Some(server) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let file = lake.join("events.parquet");
    write_orders(&file, 0, 24_000, 1_000);
    let size = std::fs::metadata(&file).expect("file").len();
    server.upload("lake", "orders", &lake);
    let cache = dir.path().join("cache");
    let aws = creds(&server);
    let url = "s3://lake/orders/events.parquet";
    let local = file.to_str().expect("utf-8");
    let (since, until) = (at(12_000), at(12_239));
    let window = ["--since", since.as_str(), "--until", until.as_str()];
    let args = |cmd: &str, input: &str, extra: &[&str], with_window: bool| -> Vec<String> {
        let mut a = vec![cmd.to_string(), input.to_string()];
        if with_window {
            a.extend(window.iter().map(|s| s.to_string()));
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |aws: &[(&str, String)], a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        rewind(&cache, aws, &a)
    };

    // 1% of the events: the footer and the one row group that holds them.
    let first = run(&aws, args("import", url, &["--json"], true));
    let f = fetched(&first);
    let bytes = num(&f, "bytes");
    assert_eq!(
        (num(&f, "objects"), num(&f, "fetched"), num(&f, "size")),
        (1, 1, size),
        "{f}"
    );
    assert!(
        bytes > 0 && bytes < size / 5,
        "{bytes} of {size} bytes fetched for a 1% window"
    );
    let in_window = events(&run(&[], args("log", local, &["--json"], true)));
    assert_eq!(in_window.len(), 240);
    assert_eq!(events(&run(&aws, args("log", url, &["--json"], true))), in_window);

    // A read of the mirror file itself is refused where it holds holes.
    let mirror = cache.join("remote/data/s3/lake/orders/events.parquet");
    let hole = run(&[], args("log", mirror.to_str().expect("utf-8"), &[], false));
    assert_eq!(hole.code, 2, "{}", hole.stderr);
    assert!(hole.stderr.contains("is not in the mirror"), "{}", hole.stderr);
    assert!(!hole.stderr.contains("panicked"), "{}", hole.stderr);
    let as_text = run(
        &[],
        args(
            "log",
            mirror.to_str().expect("utf-8"),
            &["--input-format", "jsonl"],
            false,
        ),
    );
    assert_eq!(as_text.code, 2, "{}", as_text.stderr);
    assert!(
        as_text.stderr.contains("only parts of this object"),
        "{}",
        as_text.stderr
    );

    // All of it: only the rest is fetched, and it reads as the local file.
    let whole = run(&aws, args("import", url, &["--json"], false));
    let f = fetched(&whole);
    assert_eq!(num(&f, "bytes"), size - bytes, "{f}");
    assert_eq!(
        events(&run(&aws, args("log", url, &["--json"], false))),
        events(&run(&[], args("log", local, &["--json"], false)))
    );
    assert_eq!(
        std::fs::read(&mirror).expect("mirror"),
        std::fs::read(&file).expect("file")
    );

    // Everything is there: nothing is fetched, whatever the window.
    for with_window in [false, true] {
        let again = run(&aws, args("import", url, &[], with_window));
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(
            again.stderr.contains("1 objects, 0 fetched (0 bytes), 1 cached"),
            "{}",
            again.stderr
        );
    }
}

#[test]
fn partitions_the_filter_rules_out_are_not_fetched() {
    let Some(server) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    const DAY: i64 = 86_400;
    for d in 0..3 {
        let part = lake.join(format!("date=2026-11-{}/part-0.parquet", 20 + d));
        // The day's first 8640 seconds.
        write_orders(&part, d * DAY, 8_640, 1_000);
    }
    server.upload("lake", "orders", &lake);
    let cache = dir.path().join("cache");
    let aws = creds(&server);
    let since = at(2 * DAY + 3_600);
    let local = lake.to_str().expect("utf-8");
    let import = rewind(
        &cache,
        &aws,
        &["import", "s3://lake/orders", "--since", &since, "--json"],
    );
    let f = fetched(&import);
    assert_eq!(
        (num(&f, "objects"), num(&f, "fetched"), num(&f, "skipped")),
        (3, 1, 2),
        "{f}"
    );
    let day = |d: i64| {
        std::fs::metadata(lake.join(format!("date=2026-11-{}/part-0.parquet", 20 + d)))
            .expect("part")
            .len()
    };
    assert!(num(&f, "bytes") <= day(2), "{f}");
    for d in 0..2 {
        let record = std::fs::read_to_string(cache.join(format!(
            "remote/meta/s3/lake/orders/date=2026-11-{}/part-0.parquet",
            20 + d
        )))
        .expect("record");
        assert!(record.ends_with("ranges \n"), "day {d}: nothing fetched: {record}");
    }
    // A folder member's rows without an id column get ids from where the file
    // was read (a path, a URL): compare what they say.
    let said = |r: Run| -> Vec<Value> {
        let mut v = events(&r);
        for e in &mut v {
            e.as_object_mut().map(|o| o.remove("id"));
        }
        v
    };
    let remote = said(rewind(
        &cache,
        &aws,
        &["log", "s3://lake/orders", "--since", &since, "--json"],
    ));
    assert_eq!(remote.len(), 8_640 - 3_600);
    assert_eq!(
        remote,
        said(rewind(&cache, &[], &["log", local, "--since", &since, "--json"]))
    );
}

#[test]
fn the_rules_field_mapping_decides_what_is_fetched_and_stays_with_the_cache() {
    let Some(server) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let file = lake.join("sessions.parquet");
    write_named(&file, 0, 24_000, 1_000, SESSIONS);
    let size = std::fs::metadata(&file).expect("file").len();
    server.upload("lake", "s", &lake);
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        r#"{"fields": {"stream": "/session", "time": "/at", "data": "/payload"}}"#,
    )
    .expect("rules");
    let rules = rules.to_str().expect("utf-8");
    let cache = dir.path().join("cache");
    let db = dir.path().join("sessions.db");
    let db = db.to_str().expect("utf-8");
    let aws = creds(&server);
    let url = "s3://lake/s/sessions.parquet";
    let local = file.to_str().expect("utf-8");
    let expected = |since: &str, until: &str| {
        events(&rewind(
            &cache,
            &[],
            &[
                "log", local, "--rules", rules, "--since", since, "--until", until, "--json",
            ],
        ))
    };

    // Import a window of the URL (with or without --rules), check it reads as the
    // local file does, and give the bytes the import fetched.
    let window = |since: &str, until: &str, with_rules: bool| {
        let mut import = vec![
            "import", url, "--since", since, "--until", until, "--cache", db, "--json",
        ];
        if with_rules {
            import.extend(["--rules", rules]);
        }
        let bytes = num(&fetched(&rewind(&cache, &aws, &import)), "bytes");
        let got = events(&rewind(
            &cache,
            &aws,
            &["log", url, "--since", since, "--until", until, "--cache", db, "--json"],
        ));
        assert_eq!(got.len(), 100);
        assert_eq!(got, expected(since, until));
        bytes
    };

    let first = window(&at(3_000), &at(3_099), true);
    assert!(first < size / 4, "{first} of {size} bytes");
    // Another window, the rules as stored in the cache: their mapping plans the fetch.
    let second = window(&at(20_000), &at(20_099), false);
    assert!(second > 0 && second < size / 4, "{second} of {size} bytes");
}

#[test]
fn server_gone_before_the_missing_ranges_leaves_cache_and_mirror_as_they_were() {
    let Some(server) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    write_orders(&lake.join("events.parquet"), 0, 12_000, 1_000);
    server.upload("lake", "orders", &lake);
    let cache = dir.path().join("cache");
    let db = dir.path().join("orders.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let aws = creds(&server);
    let (since, until) = (at(6_000), at(6_099));
    let url = "s3://lake/orders/events.parquet";
    let first = rewind(
        &cache,
        &aws,
        &["import", url, "--since", &since, "--until", &until, "--cache", db_arg],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = std::fs::read(&db).expect("cache");
    let record = cache.join("remote/meta/s3/lake/orders/events.parquet");
    let recorded = std::fs::read(&record).expect("record");

    drop(server);
    let r = rewind(&cache, &aws, &["import", url, "--cache", db_arg]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("s3://lake/orders"), "{}", r.stderr);
    assert_eq!(std::fs::read(&db).expect("cache"), before, "the cache changed");
    assert_eq!(std::fs::read(&record).expect("record"), recorded, "the record changed");
}

/// `cargo test --test cli objstore::ranged::measure -- --ignored --nocapture`:
/// bytes and seconds of a 1% window of a 200k-event object against all of it,
/// each into a fresh mirror and cache.
#[test]
#[ignore]
fn measure() {
    let Some(server) = Moto::start() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let n = 200_000;
    write_orders(&lake.join("events.parquet"), 0, n, 4_096);
    let size = std::fs::metadata(lake.join("events.parquet")).expect("file").len();
    server.upload("lake", "orders", &lake);
    let aws = creds(&server);
    let (since, until) = (at(n / 2), at(n / 2 + n / 100 - 1));
    for (name, window) in [("1% window", true), ("whole", false)] {
        let cache = dir.path().join(format!("cache-{window}"));
        let mut a = vec!["import", "s3://lake/orders/events.parquet", "--json"];
        if window {
            a.extend(["--since", since.as_str(), "--until", until.as_str()]);
        }
        let t = Instant::now();
        let r = rewind(&cache, &aws, &a);
        let secs = t.elapsed().as_secs_f64();
        let f = fetched(&r);
        #[cfg(unix)]
        let on_disk = {
            use std::os::unix::fs::MetadataExt;
            let mirror = cache.join("remote/data/s3/lake/orders/events.parquet");
            std::fs::metadata(mirror).expect("mirror").blocks() * 512
        };
        #[cfg(not(unix))]
        let on_disk = 0;
        println!(
            "{name}: {} of {size} bytes fetched, {on_disk} bytes on disk, {} events, {secs:.2} s",
            num(&f, "bytes"),
            r.json()["events"]
        );
    }
}
