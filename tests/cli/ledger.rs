//! The ledger (every record an import reads is an event, a duplicate, a filtered
//! record or a reported skip) and identity across files and inputs.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, root, Env};
use crate::eventstore::writer;
use rewind::cache::ledger::{EntryKind, InputLedger};
use rewind::cache::read::Filter;
use rewind::recording::{OpenOptions, Recording};
use serde_json::Value;

/// Every file and folder the equation is checked on: the fixtures and test data
/// of every family (anything added there is checked too).
fn inputs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let skip = |p: &Path| {
        let s = p.to_string_lossy();
        s.contains("/fuzz") || s.contains("/conformance") || s.contains("/expected")
    };
    let mut stack = vec![root().join("fixtures"), root().join("tests/data")];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<PathBuf> = fs::read_dir(&d)
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if skip(&p) {
                continue;
            }
            if p.is_dir() {
                out.push(p.clone());
                stack.push(p);
            } else {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let ext = p
                    .extension()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !["md", "py", "txt", "toml", "lock", "cfg"].contains(&ext.as_str()) && name != "rules.json" {
                    out.push(p);
                }
            }
        }
    }
    out
}

fn open(env: &Env, inputs: &[PathBuf], cache: &str) -> anyhow::Result<(Recording, rewind::recording::OpenReport)> {
    let opts = OpenOptions {
        inputs: inputs.to_vec(),
        cache: Some(env.path(cache)),
        ..OpenOptions::default()
    };
    Recording::open(&opts, &mut |_| {})
}

/// `file` of a `source` (`file:line` or `file@offset`).
fn file_of(source: &str) -> &str {
    source.rsplit_once([':', '@']).map_or(source, |(f, _)| f)
}

/// The equation, per file and per input, against what the cache holds.
fn check(rec: &Recording, ledgers: &[InputLedger], what: &str) {
    let mut imported_total = 0;
    for l in ledgers {
        assert!(l.recorded, "{what}: no ledger recorded");
        assert!(
            l.totals.balances(),
            "{what}: {} does not balance: {:?}",
            l.path,
            l.totals
        );
        let mut sum = rewind::cache::ledger::Counts::default();
        for f in &l.files {
            assert!(
                f.counts.balances(),
                "{what}: file {} does not balance: {:?}",
                f.file,
                f.counts
            );
            sum.add(&f.counts);
        }
        assert_eq!(sum, l.totals, "{what}: the files do not add up to the input");
        let count = |kind| {
            rec.cache
                .ledger_entries(Some(l.id), &[kind], usize::MAX)
                .expect("entries")
                .len() as u64
        };
        assert_eq!(count(EntryKind::Skip), l.totals.skipped, "{what}: skips listed");
        assert_eq!(count(EntryKind::Warn), l.totals.warnings, "{what}: warnings listed");
        assert_eq!(count(EntryKind::Filtered), l.totals.filtered, "{what}: filtered listed");
        assert_eq!(count(EntryKind::Ignored), l.totals.ignored, "{what}: ignored listed");
        assert_eq!(
            count(EntryKind::Conflict),
            l.totals.conflicts,
            "{what}: conflicts listed"
        );
        imported_total += l.totals.imported;
    }
    // What the ledger says was imported is what the timeline holds, file by file.
    let events = rec
        .cache
        .events(&rec.cat, 0, rec.len(), &Filter::default(), usize::MAX)
        .expect("events");
    assert_eq!(imported_total, events.len() as u64, "{what}: imported vs timeline");
    let mut per_file: HashMap<&str, u64> = HashMap::new();
    for e in &events {
        *per_file.entry(file_of(&e.source)).or_default() += 1;
    }
    let mut ledger_files: HashMap<&str, u64> = HashMap::new();
    for f in ledgers.iter().flat_map(|l| &l.files) {
        if f.counts.imported > 0 {
            *ledger_files.entry(f.file.as_str()).or_default() += f.counts.imported;
        }
    }
    assert_eq!(
        per_file, ledger_files,
        "{what}: imported per file vs the timeline's sources"
    );
}

#[test]
fn every_family_and_shape_accounts_for_every_record() {
    let env = Env::new();
    let mut opened = 0;
    for (n, input) in inputs().iter().enumerate() {
        let what = input.display().to_string();
        match open(&env, std::slice::from_ref(input), &format!("c{n}.db")) {
            Ok((rec, report)) => {
                check(&rec, &report.ledgers, &what);
                let l = &report.ledgers[0];
                // JSON Lines read as they are: one record per non-blank line.
                if l.format == "jsonl" {
                    let text = fs::read_to_string(input).expect("text");
                    let lines = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
                    assert_eq!(l.totals.read, lines, "{what}: records read vs lines");
                }
                opened += 1;
            }
            Err(e) => {
                let msg = format!("{e:#}");
                assert!(!msg.is_empty() && !msg.contains("panicked"), "{what}: {msg}");
            }
        }
    }
    assert!(opened > 40, "only {opened} inputs opened");
}

#[test]
fn several_inputs_balance_and_their_duplicates_are_counted() {
    let env = Env::new();
    let sets: &[&[&str]] = &[
        common::MAIN,
        &["fixtures/aws/kinesis/page-1.json", "fixtures/aws/kinesis/page-2.json"],
        &[
            "fixtures/azure/eventgrid",
            "fixtures/azure/cloudevents",
            "fixtures/eventstore/agents-db",
        ],
    ];
    for (n, set) in sets.iter().enumerate() {
        let inputs: Vec<PathBuf> = set.iter().map(|p| root().join(p)).collect();
        let (rec, report) = open(&env, &inputs, &format!("s{n}.db")).expect("open");
        check(&rec, &report.ledgers, &format!("{set:?}"));
    }
}

/// A JSONL file of the fixture's agent events `from..to` (line numbers, 1-based).
fn slice_of_agents(env: &Env, name: &str, from: usize, to: usize) -> PathBuf {
    let text = fs::read_to_string(root().join("fixtures/agents.jsonl")).expect("fixture");
    let lines: Vec<&str> = text.lines().skip(from - 1).take(to + 1 - from).collect();
    env.write(name, lines.join("\n") + "\n")
}

#[test]
fn rotated_logs_whose_tail_repeats_give_each_event_once() {
    let env = Env::new();
    let a = slice_of_agents(&env, "agents.log.1", 1, 400);
    let b = slice_of_agents(&env, "agents.log", 381, 714);
    let (rec, report) = open(&env, &[a.clone(), b.clone()], "r.db").expect("open");
    assert_eq!(rec.len(), 714);
    check(&rec, &report.ledgers, "rotated");
    assert_eq!(report.ledgers[1].totals.duplicates, 20);
    assert_eq!(report.ledgers[1].totals.read, 334);
    // The same events, state and order as the fixture read whole.
    let whole = root().join("fixtures/agents.jsonl");
    let (one, _) = open(&env, &[whole], "w.db").expect("open");
    let ids = |r: &Recording| -> Vec<String> {
        r.cache
            .events(&r.cat, 0, r.len(), &Filter::default(), usize::MAX)
            .expect("events")
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(ids(&rec), ids(&one));
    // Each input ends where its last event is: the older log at event 400.
    assert_eq!((report.ledgers[0].end, report.ledgers[1].end), (400, 714));
}

#[test]
fn removing_the_input_that_held_the_kept_copy_brings_the_other_back() {
    let env = Env::new();
    let a = slice_of_agents(&env, "a.jsonl", 1, 400);
    let b = slice_of_agents(&env, "b.jsonl", 381, 714);
    let (rec, _) = open(&env, &[a.clone(), b.clone()], "x.db").expect("open");
    assert_eq!(rec.len(), 714);
    drop(rec);
    // The same cache with b alone: its 20 events a had made duplicates are back.
    let (rec, report) = open(&env, std::slice::from_ref(&b), "x.db").expect("open");
    assert_eq!(rec.len(), 334);
    check(&rec, &report.ledgers, "b alone");
    assert_eq!(report.ledgers[0].totals.duplicates, 0);
    drop(rec);
    let (rec, report) = open(&env, &[b, a], "x.db").expect("open");
    assert_eq!(rec.len(), 714);
    check(&rec, &report.ledgers, "b then a");
}

#[test]
fn the_same_id_with_other_content_is_kept_and_reported_as_a_conflict() {
    let env = Env::new();
    let a = env.write(
        "a.jsonl",
        "{\"id\":\"e1\",\"stream\":\"s\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{\"n\":1}}\n\
         {\"id\":\"e2\",\"stream\":\"s\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:01Z\",\"data\":{\"n\":2}}\n",
    );
    let b = env.write(
        "b.jsonl",
        "{\"id\":\"e2\",\"stream\":\"s\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:01Z\",\"data\":{ \"n\" : 2 }}\n\
         {\"id\":\"e1\",\"stream\":\"s\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":{\"n\":99}}\n",
    );
    let (rec, report) = open(&env, &[a, b.clone()], "c.db").expect("open");
    check(&rec, &report.ledgers, "conflict");
    // e2 is the same JSON written another way: a duplicate; e1 differs: kept twice.
    assert_eq!(rec.len(), 3);
    let l = &report.ledgers[1];
    assert_eq!((l.totals.duplicates, l.totals.conflicts), (1, 1));
    let c = rec
        .cache
        .ledger_entries(Some(l.id), &[EntryKind::Conflict], 10)
        .expect("entries");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].place(), format!("{}:2", b.display()));
    assert!(c[0].reason.contains("id \"e1\" is also at"), "{}", c[0].reason);
    // The CLI says so on every command that reads the recording.
    let r = env.run(&[
        "log",
        &p(&env.path("a.jsonl")),
        &p(&b),
        "--cache",
        &p(&env.path("c2.db")),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("1 id conflict (same id, other content) in "),
        "{}",
        r.stderr
    );
}

fn p(path: &Path) -> String {
    path.to_str().expect("utf8").to_string()
}

/// Two scheduled backups of one EventStoreDB: the later holds every event of the
/// earlier and more.
fn backup(dir: &Path, events: usize) -> PathBuf {
    let mut db = writer::Db::new(dir, 1 << 16);
    let data: Vec<String> = (0..events).map(|i| format!(r#"{{"step":{i}}}"#)).collect();
    for (i, d) in data.iter().enumerate() {
        let ty = if i == 0 { "RunStarted" } else { "StepDone" };
        db.prepare(&writer::Prepare::single(
            "run-7",
            i as i64,
            ty,
            d.as_bytes(),
            writer::guid_n(7, i as u64),
            writer::ticks(1_772_442_000_000_000 + i as i64 * 1_000_000),
        ));
    }
    db.finish_active()
}

#[test]
fn two_backups_of_one_eventstore_give_one_history_with_a_mark_where_each_ends() {
    let env = Env::new();
    let early = backup(&env.path("backup-0400"), 5);
    let late = backup(&env.path("backup-0800"), 8);
    let (rec, report) = open(&env, &[early.clone(), late.clone()], "b.db").expect("open");
    check(&rec, &report.ledgers, "backups");
    assert_eq!(rec.len(), 8, "every event once");
    let (e, l) = (&report.ledgers[0], &report.ledgers[1]);
    assert_eq!((e.totals.imported, l.totals.imported, l.totals.duplicates), (5, 3, 5));
    assert_eq!((e.end, l.end), (5, 8));
    // What the later backup holds that the earlier lacks: a diff between the marks.
    let r = env.run(&[
        "diff",
        &p(&early),
        &p(&late),
        "--cache",
        &p(&env.path("b.db")),
        "--from",
        &e.end.to_string(),
        "--to",
        &l.end.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let changes = r.json()["changes"].clone();
    assert_eq!(changes.as_array().map(Vec::len), Some(1), "{changes}");
    assert_eq!(changes[0]["new"], serde_json::json!(7), "{changes}");
    // `import --json` names each input's end for such a diff.
    let r = env.run(&[
        "import",
        "--json",
        &p(&early),
        &p(&late),
        "--cache",
        &p(&env.path("b.db")),
    ]);
    let j: Value = r.json();
    assert_eq!(j["inputs"][0]["end"], 5);
    assert_eq!(j["inputs"][1]["end"], 8);
    assert_eq!(j["inputs"][1]["duplicates"], 5);
}

/// `b.jsonl`: the fixture's first ten events, the fifth cut in half.
fn ten_events_one_truncated(env: &Env) -> PathBuf {
    let text = fs::read_to_string(root().join("fixtures/agents.jsonl")).expect("fixture");
    let mut lines: Vec<String> = text.lines().take(10).map(str::to_string).collect();
    let mut cut = lines[4].len() / 2;
    while !lines[4].is_char_boundary(cut) {
        cut -= 1;
    }
    lines[4].truncate(cut);
    env.write("b.jsonl", lines.join("\n") + "\n")
}

#[test]
fn a_truncated_line_is_reported_by_every_command_and_strict_refuses_it() {
    let env = Env::new();
    let f = ten_events_one_truncated(&env);
    let cache = p(&env.path("t.db"));
    let imp = env.run(&["import", &p(&f), "--cache", &cache]);
    assert_eq!(imp.code, 0, "{}", imp.stderr);
    assert!(imp.stdout.contains("9 events, 1 skipped"), "{}", imp.stdout);
    assert!(imp.stdout.contains(&format!("{}:5: ", f.display())), "{}", imp.stdout);
    let want = format!(
        "1 record skipped in {}:5; `rewind import {}` lists them",
        f.display(),
        f.display()
    );
    for cmd in [
        vec!["log"],
        vec!["state"],
        vec!["verify"],
        vec!["history", "--path", "/agent~1sess-0001"],
        vec!["diff", "--from", "0", "--to", "end"],
    ] {
        let mut args = cmd.clone();
        args.push(f.to_str().expect("utf8"));
        args.extend(["--cache", cache.as_str()]);
        let r = env.run(&args);
        assert!(r.code < 2, "{cmd:?}: {}", r.stderr);
        assert!(r.stderr.contains(&want), "{cmd:?}: {}", r.stderr);
    }
    let r = env.run(&["compare", &p(&f), &p(&f)]);
    assert!(r.stderr.contains("1 record skipped in"), "{}", r.stderr);
    // `import --json` lists the skip.
    let j = env.run(&["import", "--json", &p(&f), "--cache", &cache]).json();
    assert_eq!(j["inputs"][0]["skipped"], 1);
    assert_eq!(j["inputs"][0]["read"], 10);
    assert_eq!(j["inputs"][0]["entries"][0]["kind"], "skip");
    assert_eq!(j["inputs"][0]["entries"][0]["line"], 5);
    // --strict: exit 2, and a new cache is not written.
    let strict = p(&env.path("strict.db"));
    let r = env.run(&["import", "--strict", &p(&f), "--cache", &strict]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(":5: "), "{}", r.stderr);
    assert!(!env.path("strict.db").exists());
}

#[test]
fn an_input_with_no_event_is_an_error_naming_it() {
    let env = Env::new();
    for (args, needle) in [
        (vec!["log", "/bin/ls"], "/bin/ls: no events: none of the"),
        (vec!["state", "/bin/ls"], "/bin/ls: no events: none of the"),
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    let empty = env.write("empty.jsonl", "");
    let r = env.run(&["log", &p(&empty)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("empty.jsonl: no events: the file is empty"),
        "{}",
        r.stderr
    );
    // A wrong format forced: the records are read, none is usable.
    let r = env.run(&["log", "fixtures/registry.json", "--input-format", "eventstore-db"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
}

#[test]
fn a_v5_cache_keeps_working_alone_and_is_reimported_with_its_inputs() {
    let env = Env::new();
    let f = slice_of_agents(&env, "a.jsonl", 1, 50);
    let db = env.path("v5.db");
    let before = env.run(&["state", &p(&f), "--cache", &p(&db)]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    {
        // The v5 layout: no identities, ledger or duplicates tables.
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch(
            "ALTER TABLE events DROP COLUMN ikey;
             ALTER TABLE inputs DROP COLUMN end_pos;
             ALTER TABLE inputs DROP COLUMN idents;
             ALTER TABLE inputs DROP COLUMN ledger;
             DROP TABLE dups; DROP TABLE ledger; DROP TABLE ledger_files;
             CREATE TABLE dedupe(key TEXT PRIMARY KEY, input INTEGER NOT NULL) WITHOUT ROWID;
             PRAGMA user_version = 5;",
        )
        .expect("make it v5");
    }
    // Alone: upgraded in place, same answers, the counts it kept.
    let alone = env.run(&["state", &p(&db)]);
    assert_eq!(alone.code, 0, "{}", alone.stderr);
    assert_eq!(alone.stdout, before.stdout);
    let j = env.run(&["import", "--json", &p(&db)]).json();
    assert_eq!(j["inputs"][0]["imported"], 50);
    assert_eq!(j["inputs"][0]["recorded"], false);
    // With its input: imported again, now with a ledger.
    let j = env.run(&["import", "--json", &p(&f), "--cache", &p(&db)]).json();
    assert_eq!(j["inputs"][0]["status"], "imported");
    assert_eq!(j["inputs"][0]["recorded"], true);
    assert_eq!(j["inputs"][0]["read"], 50);
    let again = env.run(&["state", &p(&f), "--cache", &p(&db)]);
    assert_eq!(again.stdout, before.stdout);
}

#[test]
fn the_tui_shows_a_skip_in_its_header_and_lists_it_on_a_key() {
    use crossterm::event::KeyCode;
    use rewind::tui::testing::Harness;
    let env = Env::new();
    let f = ten_events_one_truncated(&env);
    let opts = OpenOptions {
        inputs: vec![f.clone()],
        cache: Some(env.path("tui.db")),
        ..OpenOptions::default()
    };
    let mut h = Harness::open(&opts, 120, 30, false).expect("open");
    let screen = h.screen();
    let header = screen.lines().nth(1).unwrap_or_default();
    assert!(header.contains("1 skipped · ! lists"), "{screen}");
    let status = h.app.message.as_ref().map(|m| m.1.clone()).unwrap_or_default();
    assert!(status.contains("1 skipped"), "{status}");
    h.key(KeyCode::Char('!'));
    let screen = h.screen();
    assert!(screen.contains("Ledger: 1 skipped"), "{screen}");
    assert!(screen.contains("b.jsonl:5: "), "{screen}");
    assert!(
        screen.contains("read 10 = 9 imported + 0 duplicates + 0 filtered + 1 skipped"),
        "{screen}"
    );
    h.key(KeyCode::Esc);
    assert!(!h.screen().contains("Ledger:"));
}

#[test]
fn the_tui_bookmarks_where_each_input_ends() {
    use crossterm::event::KeyCode;
    use rewind::tui::testing::Harness;
    let env = Env::new();
    let early = backup(&env.path("backup-0400"), 5);
    let late = backup(&env.path("backup-0800"), 8);
    let opts = OpenOptions {
        inputs: vec![early, late],
        cache: Some(env.path("tui.db")),
        ..OpenOptions::default()
    };
    let mut h = Harness::open(&opts, 120, 40, false).expect("open");
    assert!(!h.screen().contains("! lists"), "a clean ledger has no badge");
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('}'));
    assert_eq!(h.app.cursor, 5);
    let status = h.app.message.as_ref().map(|m| m.1.clone()).unwrap_or_default();
    assert!(status.contains("end of backup-0400"), "{status}");
    // Mark the earlier backup's end, go to the later one's: the diff is what it added.
    h.key(KeyCode::Char('m'));
    h.key(KeyCode::Char('}'));
    assert_eq!(h.app.cursor, 8);
    let status = h.app.message.as_ref().map(|m| m.1.clone()).unwrap_or_default();
    assert!(status.contains("end of backup-0800"), "{status}");
    let screen = h.screen();
    assert!(screen.contains("mark 5 → cursor 8  1 change"), "{screen}");
    assert!(screen.contains("~ /run-7/step"), "{screen}");
}
