//! Conformance of `rewind::json` against public JSON Patch / Merge Patch suites
//! (tests/data/conformance, see its README for sources and licenses), plus property tests
//! tying `diff`, `to_patch` and `apply_patch` together.

use std::path::Path;

use proptest::prelude::*;
use rewind::json::diff::{diff, diff_at, to_patch};
use rewind::json::eq::json_eq;
use rewind::json::merge::merge_patch;
use rewind::json::patch::apply_patch;
use rewind::json::{pointer, write};
use serde_json::{json, Map, Value};

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/conformance")
        .join(rel);
    match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn parse(text: &str, what: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("{what} is not valid JSON: {e}"),
    }
}

fn load(rel: &str) -> Vec<Value> {
    match parse(&read(rel), rel) {
        Value::Array(records) => records,
        other => panic!("{rel}: expected an array of records, got {other}"),
    }
}

/// Exact identity: same values, same number text, same key order. (`==` on `Value` ignores
/// object key order under `preserve_order`, and numbers compare by text, so neither `==` nor
/// `json_eq` is "exactly as it was".)
fn identical(a: &Value, b: &Value) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}

#[derive(Debug, Default, PartialEq)]
struct Tally {
    expected_ok: usize,
    expected_err: usize,
    no_expectation: usize,
    skipped_disabled: usize,
    skipped_comment_only: usize,
}

impl Tally {
    fn ran(&self) -> usize {
        self.expected_ok + self.expected_err + self.no_expectation
    }
}

/// Runs one json-patch-tests file. Record format (README.upstream.md): `doc`, `patch`, and
/// `expected` (result, compared with `json_eq` since the suite itself says key rearrangement
/// is fine) or `error` (must fail, and must leave the document untouched); `disabled: true`
/// records are skipped; records without `doc`/`patch` are comments.
fn run_patch_suite(rel: &str) -> Tally {
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for (i, record) in load(rel).iter().enumerate() {
        let comment = record.get("comment").and_then(Value::as_str).unwrap_or("");
        let label = format!("{rel}[{i}] {comment:?}");
        if record.get("disabled") == Some(&Value::Bool(true)) {
            tally.skipped_disabled += 1;
            continue;
        }
        let (Some(doc), Some(patch)) = (record.get("doc"), record.get("patch")) else {
            tally.skipped_comment_only += 1;
            continue;
        };
        let mut work = doc.clone();
        let result = apply_patch(&mut work, patch);
        if let Some(error) = record.get("error") {
            tally.expected_err += 1;
            match result {
                Ok(()) => failures.push(format!("{label}: should fail ({error}) but gave {work}")),
                Err(e) => {
                    if !identical(&work, doc) {
                        failures.push(format!("{label}: failed ({e}) but changed doc to {work}"));
                    }
                    let ops = patch.as_array().map_or(0, Vec::len);
                    if e.index >= ops.max(1) {
                        failures.push(format!("{label}: error names op {} of {ops}", e.index));
                    }
                }
            }
        } else if let Some(expected) = record.get("expected") {
            tally.expected_ok += 1;
            match result {
                Ok(()) if json_eq(&work, expected) => {}
                Ok(()) => failures.push(format!("{label}: got {work}, expected {expected}")),
                Err(e) => failures.push(format!("{label}: unexpected error {e}")),
            }
        } else {
            // Neither `expected` nor `error`: the patch just has to apply.
            tally.no_expectation += 1;
            if let Err(e) = result {
                failures.push(format!("{label}: unexpected error {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    tally
}

#[test]
fn json_patch_tests_main_suite() {
    let tally = run_patch_suite("json-patch-tests/tests.json");
    // 95 records: 62 with `expected`, 30 with `error`, 3 disabled, none comment-only.
    assert_eq!(
        tally,
        Tally {
            expected_ok: 62,
            expected_err: 30,
            no_expectation: 0,
            skipped_disabled: 3,
            skipped_comment_only: 0,
        }
    );
}

#[test]
fn json_patch_tests_spec_suite() {
    let tally = run_patch_suite("json-patch-tests/spec_tests.json");
    // 17 records (RFC 6902 §4.1 and Appendix A): 12 `expected`, 4 `error`, 1 disabled (A.13).
    assert_eq!(
        tally,
        Tally {
            expected_ok: 12,
            expected_err: 4,
            no_expectation: 0,
            skipped_disabled: 1,
            skipped_comment_only: 0,
        }
    );
}

#[test]
fn json_patch_tests_total_count() {
    let ran = run_patch_suite("json-patch-tests/tests.json").ran()
        + run_patch_suite("json-patch-tests/spec_tests.json").ran();
    assert!(ran >= 100, "only {ran} JSON Patch cases ran");
    assert_eq!(ran, 108);
}

/// What the 4 disabled records would do. They are skipped by the suite runner as the suite
/// asks; this pins down why, so nobody "fixes" them blindly.
#[test]
fn json_patch_tests_disabled_records() {
    let records = load("json-patch-tests/tests.json");
    let spec = load("json-patch-tests/spec_tests.json");
    let find = |set: &[Value], comment: &str| -> Value {
        match set
            .iter()
            .find(|r| r.get("comment").and_then(Value::as_str) == Some(comment))
        {
            Some(r) => r.clone(),
            None => panic!("record {comment:?} not found"),
        }
    };

    // Disabled upstream because some implementations only accept object/array documents.
    // We accept any JSON value as a document, so both pass.
    let scalar = find(&records, "Toplevel scalar values OK?");
    let mut doc = scalar["doc"].clone();
    assert_eq!(apply_patch(&mut doc, &scalar["patch"]), Ok(()));
    assert!(json_eq(&doc, &scalar["expected"]));
    let whole = find(&records, "Whole document");
    let mut doc = whole["doc"].clone();
    assert_eq!(apply_patch(&mut doc, &whole["patch"]), Ok(()));

    // The two records with a duplicate "op" member. RFC 6902 §4 says such a patch is
    // invalid, but serde_json (like most parsers) keeps only the last duplicate, so once the
    // file is parsed into a `Value` the duplicate no longer exists and `apply_patch`, which
    // takes a `Value`, cannot see it. These cases cannot be expressed at our API.
    let raw = read("json-patch-tests/tests.json");
    assert!(raw.contains(r#""op": "add", "path": "/baz", "value": "qux","#));
    let dup = find(&records, "duplicate ops");
    let op = &dup["patch"][0];
    assert_eq!(op["op"], json!("move"), "serde_json keeps the last duplicate");
    assert_eq!(op.as_object().map(Map::len), Some(4));
    // Parsed, it is a well-formed `move` of /foo to /baz, so it applies (the suite wants an
    // error here).
    let mut doc = dup["doc"].clone();
    assert_eq!(apply_patch(&mut doc, &dup["patch"]), Ok(()));
    assert_eq!(doc, json!({"baz": "bar"}));

    let a13 = find(&spec, "A.13 Invalid JSON Patch Document");
    let op = &a13["patch"][0];
    assert_eq!(op["op"], json!("remove"), "serde_json keeps the last duplicate");
    // Parsed, it is `remove /baz` on a doc without /baz: it does fail, but because the path
    // is missing, not because of the duplicate member.
    let mut doc = a13["doc"].clone();
    let err = apply_patch(&mut doc, &a13["patch"]);
    assert!(err.is_err());
    assert!(identical(&doc, &a13["doc"]));
}

/// Object key order, recursively (json_eq ignores it).
fn same_key_order(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys().eq(y.keys()) && x.values().zip(y.values()).all(|(p, q)| same_key_order(p, q))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_key_order(p, q)),
        _ => true,
    }
}

/// Whether a suite's expected values are written in the key order our merge produces
/// (existing keys stay in place, new keys are appended in patch order).
enum KeyOrder {
    /// The suite's key order is arbitrary; compare values only.
    Ignore,
    /// Also check key order, except for the listed rows.
    CheckExcept(&'static [usize]),
}

/// Runs merge cases; returns how many ran. Results are compared with `json_eq`, plus the key
/// order when the suite's expected values follow the RFC's order.
fn run_merge_cases(rel: &str, target_key: &str, expected_key: Option<&str>, order: KeyOrder) -> usize {
    let mut failures = Vec::new();
    let records = load(rel);
    for (i, record) in records.iter().enumerate() {
        let (Some(target), Some(patch)) = (record.get(target_key), record.get("patch")) else {
            failures.push(format!("{rel}[{i}]: missing {target_key} or patch"));
            continue;
        };
        // Suites without an expected result (java-json-tools non-object patches): RFC 7386
        // says a non-object patch replaces the target, i.e. the result is the patch itself.
        let expected = match expected_key {
            Some(key) => record.get(key).unwrap_or(&Value::Null),
            None => patch,
        };
        let mut work = target.clone();
        merge_patch(&mut work, patch);
        if !json_eq(&work, expected) {
            failures.push(format!("{rel}[{i}]: got {work}, expected {expected}"));
        } else if matches!(order, KeyOrder::CheckExcept(rows) if !rows.contains(&i)) && !same_key_order(&work, expected)
        {
            failures.push(format!("{rel}[{i}]: key order {work} vs {expected}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    records.len()
}

#[test]
fn rfc7386_appendix_a() {
    // Row 12 ({"e":null} + {"a":1}): evanphx writes the expected value as {"a":1,"e":null},
    // the RFC as {"e":null,"a":1}; we append new keys, which gives the RFC's order.
    let ran = run_merge_cases(
        "json-merge-patch/rfc7386-appendix-a.evanphx-v5.json",
        "target",
        Some("expected"),
        KeyOrder::CheckExcept(&[12]),
    );
    assert_eq!(ran, 15);
    let mut target = json!({"e": null});
    merge_patch(&mut target, &json!({"a": 1}));
    assert_eq!(
        serde_json::to_string(&target).ok().as_deref(),
        Some(r#"{"e":null,"a":1}"#)
    );
}

#[test]
fn rfc7386_appendix_a_raw_strings_agree() {
    // The raw-string copy holds the same 15 rows as Go source text; each string must parse to
    // the same row as the converted file, and the row must merge correctly.
    let parsed = load("json-merge-patch/rfc7386-appendix-a.evanphx-v5.json");
    let raw = load("json-merge-patch/rfc7386-appendix-a.evanphx-v5.raw-strings.json");
    assert_eq!(raw.len(), parsed.len());
    for (i, (r, p)) in raw.iter().zip(&parsed).enumerate() {
        let field = |key: &str| parse(r[key].as_str().unwrap_or("!"), &format!("raw row {i} {key}"));
        let (target, patch, expected) = (field("target"), field("patch"), field("expected"));
        assert!(identical(&target, &p["target"]), "row {i} target");
        assert!(identical(&patch, &p["patch"]), "row {i} patch");
        assert!(identical(&expected, &p["expected"]), "row {i} expected");
        let mut work = target;
        merge_patch(&mut work, &patch);
        assert!(json_eq(&work, &expected), "row {i}: {work} vs {expected}");
    }
}

#[test]
fn java_json_tools_merge_patch() {
    // Jackson compares objects without regard to order, and these expected values are
    // written in no particular order (row 0 lists the added key first), so values only.
    let objects = run_merge_cases(
        "json-merge-patch/java-json-tools.mergepatch.patch-object.json",
        "victim",
        Some("result"),
        KeyOrder::Ignore,
    );
    let non_objects = run_merge_cases(
        "json-merge-patch/java-json-tools.mergepatch.patch-nonobject.json",
        "victim",
        None,
        KeyOrder::Ignore,
    );
    assert_eq!((objects, non_objects), (10, 3));
    // Case 4 carries a number beyond double precision; it must come through digit for digit.
    let records = load("json-merge-patch/java-json-tools.mergepatch.patch-object.json");
    let mut work = records[4]["victim"].clone();
    merge_patch(&mut work, &records[4]["patch"]);
    assert!(write::to_string_compact(&work).contains("1000010002020389.8787987983"));
}

/// Recursively drops object members whose value is null (not array elements): what a merge
/// patch leaves when applied to nothing.
fn without_object_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), without_object_nulls(x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn java_json_tools_serdeser_values() {
    // Upstream these check that a merge patch survives serialize/deserialize unchanged. Here:
    // our terminal-safe writer round-trips them exactly (big numbers digit for digit, key
    // order kept), and merging each onto an empty target gives the RFC result.
    let mut count = 0;
    for rel in [
        "json-merge-patch/java-json-tools.mergepatch.serdeser-object.json",
        "json-merge-patch/java-json-tools.mergepatch.serdeser-nonobject.json",
    ] {
        for (i, v) in load(rel).iter().enumerate() {
            for text in [write::to_string_compact(v), write::to_string_pretty(v)] {
                assert!(identical(&parse(&text, rel), v), "{rel}[{i}] round trip: {text}");
            }
            let mut target = Value::Null;
            merge_patch(&mut target, v);
            assert!(identical(&target, &without_object_nulls(v)), "{rel}[{i}] merge");
            count += 1;
        }
    }
    assert_eq!(count, 11);
}

#[test]
fn idubrov_merge_tests() {
    let ran = run_merge_cases(
        "json-merge-patch/idubrov.merge_tests.json",
        "doc",
        Some("expected"),
        KeyOrder::CheckExcept(&[]),
    );
    assert_eq!(ran, 3);
}

// ---- property tests -------------------------------------------------------------------

/// Number spellings chosen to collide: equal values with different text, and big integers
/// that are equal as f64 but not as decimals.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "1",
    "1.0",
    "1e0",
    "2",
    "-2.5",
    "-25e-1",
    "10",
    "1E1",
    "123456789012345678901234567890",
    "123456789012345678901234567891",
];

/// Keys with pointer-special characters, so paths exercise escaping.
const KEYS: &[&str] = &["a", "b", "c", "", "~", "/", "a/b", "~1", "-", "0", "1"];

const STRINGS: &[&str] = &["", "x", "y", "~0", "/", "\u{9b}31m", "\u{202e}rtl", "é"];

fn number_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The same JSON value written differently: numbers get another spelling (`e0` appended, or
/// `m e x` rewritten as `m0 e x-1`) and object keys are reversed.
fn respelled(v: &Value) -> Value {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            let other = match text.split_once(['e', 'E']) {
                None => format!("{text}e0"),
                Some((mantissa, exp)) => match exp.parse::<i64>() {
                    // An integer mantissa: m e x == (m * 10) e (x - 1).
                    Ok(x) if !mantissa.contains('.') => format!("{mantissa}0e{}", x - 1),
                    _ => text.clone(),
                },
            };
            number_value(&other)
        }
        Value::Array(items) => Value::Array(items.iter().map(respelled).collect()),
        Value::Object(m) => Value::Object(m.iter().rev().map(|(k, x)| (k.clone(), respelled(x))).collect()),
        other => other.clone(),
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(NUMBERS).prop_map(number_value),
        (-1000i64..1000).prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5)
                .prop_map(|kvs| { Value::Object(kvs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()) }),
        ]
    })
}

/// Pairs (a, b): independent values, or b derived from a by a merge patch so that the two
/// share structure and the diff has to recurse instead of replacing at the root.
fn arb_pair() -> impl Strategy<Value = (Value, Value)> {
    prop_oneof![
        (arb_json(), arb_json()),
        (arb_json(), arb_json()).prop_map(|(a, p)| {
            let mut b = a.clone();
            merge_patch(&mut b, &p);
            (a, b)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn patch_of_diff_turns_a_into_b((a, b) in arb_pair()) {
        let changes = diff(&a, &b);
        let patch = to_patch(&changes);
        let mut doc = a.clone();
        prop_assert_eq!(apply_patch(&mut doc, &patch), Ok(()), "patch {}", patch);
        prop_assert!(json_eq(&doc, &b), "{} + {} = {}, want {}", a, patch, doc, b);
        // No change list for equal values, and only for equal values.
        prop_assert_eq!(changes.is_empty(), json_eq(&a, &b));
    }

    #[test]
    fn diff_of_self_is_empty(a in arb_json()) {
        prop_assert!(diff(&a, &a).is_empty());
        // Same value, numbers spelled differently and keys reordered: still no change, and a
        // `test` op accepts it.
        let b = respelled(&a);
        prop_assert!(diff(&a, &b).is_empty(), "{} vs {}", a, b);
        let mut doc = a.clone();
        prop_assert_eq!(apply_patch(&mut doc, &json!([{"op": "test", "path": "", "value": b}])), Ok(()));
    }

    #[test]
    fn diff_at_works_inside_a_world((a, b) in arb_pair()) {
        let key = "stream/~1";
        let mut world = json!({"other": [1], key: a.clone()});
        let mut changes = Vec::new();
        diff_at(&a, &b, &pointer::to_pointer(&[key]), &mut changes);
        prop_assert_eq!(apply_patch(&mut world, &to_patch(&changes)), Ok(()));
        let want = json!({"other": [1], key: b});
        prop_assert!(json_eq(&world, &want), "{} vs {}", world, want);
    }

    #[test]
    fn changes_point_at_existing_nodes((a, b) in arb_pair()) {
        for c in diff(&a, &b) {
            let tokens = pointer::parse(&c.path);
            prop_assert!(tokens.is_ok(), "bad path {}", c.path);
            let tokens = tokens.unwrap_or_default();
            if let Some(old) = &c.old {
                let found = pointer::get(&a, &tokens);
                prop_assert!(found.is_some_and(|f| identical(f, old)), "old at {}", c.path);
            }
            if let Some(new) = &c.new {
                let found = pointer::get(&b, &tokens);
                prop_assert!(found.is_some_and(|f| identical(f, new)), "new at {}", c.path);
            }
        }
    }

    #[test]
    fn safe_writer_round_trips(a in arb_json()) {
        for text in [write::to_string_compact(&a), write::to_string_pretty(&a)] {
            prop_assert!(
                text.chars().all(|c| c == '\n' || !write::is_unsafe_char(c)),
                "unsafe char in {:?}", text
            );
            prop_assert!(identical(&parse(&text, "writer output"), &a));
        }
    }

    #[test]
    fn merge_keeps_and_appends_keys(a in arb_json(), p in arb_json()) {
        let mut out = a.clone();
        merge_patch(&mut out, &p);
        if let (Value::Object(target), Value::Object(patch), Value::Object(result)) = (&a, &p, &out) {
            // Surviving old keys in their old order, then new non-null keys in patch order.
            let want: Vec<&String> = target
                .keys()
                .filter(|k| !patch.get(*k).is_some_and(Value::is_null))
                .chain(patch.iter().filter(|(k, v)| !v.is_null() && !target.contains_key(*k)).map(|(k, _)| k))
                .collect();
            prop_assert_eq!(result.keys().collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn failing_patch_leaves_doc_unchanged(a in arb_json(), b in arb_json()) {
        // Whatever the diff, a trailing failing test must roll all of it back.
        let mut patch = to_patch(&diff(&a, &b));
        if let Value::Array(ops) = &mut patch {
            ops.push(json!({"op": "test", "path": "/no such key/x", "value": 1}));
        }
        let mut doc = a.clone();
        prop_assert!(apply_patch(&mut doc, &patch).is_err());
        prop_assert!(identical(&doc, &a));
    }
}
