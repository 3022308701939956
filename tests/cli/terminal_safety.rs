//! Event text is untrusted: no CLI text output may carry a control sequence from
//! it to the terminal. Payloads (CSI, OSC 52 clipboard writes, OSC 8 links, DCS,
//! C1 controls, BEL, bidi overrides) sit in stream names, types, ids, keys and
//! values, and in a skipped record's reason; every command prints them with
//! `--color always`, and the only escape sequences allowed out are rewind's own
//! colours (SGR, `ESC [ digits ; m`).

use crate::common;

use common::Env;

const PAYLOADS: &[&str] = &[
    "\u{1b}[2J\u{1b}[H",               // CSI: clear screen
    "\u{1b}]52;c;cm0gLXJmIH4=\u{7}",   // OSC 52: write the clipboard
    "\u{1b}]8;;https://evil/\u{1b}\\", // OSC 8: hyperlink
    "\u{1b}P+q544e\u{1b}\\",           // DCS
    "\u{9b}31m\u{9d}0;t\u{9c}",        // C1 CSI, OSC, ST
    "\u{202e}txt.exe",                 // bidi override
    "\r\u{8}\u{7f}",                   // CR, BS, DEL
];

fn hostile_log() -> String {
    let mut out = String::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let rec = serde_json::json!({
            "id": format!("id{i}{p}"),
            "stream": format!("agent/{p}"),
            "seq": 1,
            "type": format!("Step{p}"),
            "time": format!("2026-11-20T09:00:0{i}Z"),
            "data": {"note": format!("hello {p}"), format!("key{p}"): [p], "n": i},
            "meta": {"by": p},
        });
        out.push_str(&rec.to_string());
        out.push('\n');
        // A second event per stream, so diff and history have a change to show.
        let rec = serde_json::json!({
            "stream": format!("agent/{p}"),
            "seq": 2,
            "type": "Edited",
            "time": format!("2026-11-20T09:01:0{i}Z"),
            "data": {"note": format!("bye {p}")},
        });
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    // A record skipped with its raw text in the reason.
    out.push_str(&format!(
        "{{\"stream\": \"x\", \"seq\": \"{}\"}}\n",
        PAYLOADS[1].replace('\u{7}', "")
    ));
    out.push_str(&format!("not json {}\n", PAYLOADS[0]));
    out
}

/// Every ESC starts an SGR colour; no other C0 (but \n, \t), no DEL, no C1, no bidi.
fn assert_safe(what: &str, out: &str) {
    let b = out.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == 0x1b {
            let rest = &b[i + 1..];
            let end = rest
                .iter()
                .position(|c| !(c.is_ascii_digit() || *c == b';' || *c == b'['));
            let ok = rest.first() == Some(&b'[') && end.is_some_and(|e| rest[e] == b'm');
            assert!(
                ok,
                "{what}: raw escape sequence at byte {i}: {:?}",
                &out[i..(i + 16).min(out.len())]
            );
        }
        i += 1;
    }
    for c in out.chars() {
        let bad = (c.is_control() && !matches!(c, '\n' | '\t' | '\u{1b}')) || ('\u{202a}'..='\u{202e}').contains(&c);
        assert!(!bad, "{what}: raw control {:?} in output:\n{out}", c);
    }
}

#[test]
fn no_command_lets_event_text_drive_the_terminal() {
    let env = Env::new();
    let input = env.write("hostile.jsonl", hostile_log());
    let input = input.to_str().expect("path");
    let stream = format!("agent/{}", PAYLOADS[1]);
    let runs: Vec<Vec<&str>> = vec![
        vec!["import", input],
        vec!["log", input],
        vec!["log", input, "--json"],
        vec!["state", input],
        vec!["state", input, "--stream", &stream],
        vec!["diff", input, "--from", "0", "--to", "end"],
        vec!["diff", input, "--from", "3", "--to", "end"],
        vec!["history", input, "--path", "/agent~1\u{1b}]52;c;cm0gLXJmIH4=\u{7}/note"],
        vec!["verify", input],
        vec![input],
    ];
    for args in runs {
        let mut with_color = args.clone();
        with_color.extend(["--color", "always"]);
        let r = env.run(&with_color);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}\n{}", r.code, r.stderr);
        assert_safe(&format!("{args:?} stdout"), &r.stdout);
        if args[0] == "log" || args[0] == "diff" {
            // The payloads did reach the output, shown as text.
            assert!(r.stdout.contains("]52;c;cm0gLXJmIH4="), "{args:?}: {}", r.stdout);
        }
        assert_safe(&format!("{args:?} stderr"), &r.stderr);
    }
    // An unknown stream named in an error message is escaped too.
    let r = env.run(&["state", input, "--stream", "\u{1b}]52;c;eA==\u{7}", "--color", "always"]);
    assert_ne!(r.code, 0);
    assert_safe("error message", &r.stderr);
}

/// The TUI draws every view of the same events on a test backend: no cell may
/// hold a control character or bidi override from them.
#[test]
fn no_tui_view_lets_event_text_drive_the_terminal() {
    use rewind::recording::OpenOptions;
    use rewind::tui::testing::Harness;
    let env = Env::new();
    let input = env.write("hostile.jsonl", hostile_log());
    let opts = OpenOptions {
        inputs: vec![input],
        cache: Some(env.path("tui.db")),
        ..OpenOptions::default()
    };
    let mut h = Harness::open(&opts, 160, 50, true).expect("open the TUI");
    let check = |h: &Harness, what: &str| {
        let screen = h.screen();
        for c in screen.chars() {
            let bad = (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c);
            assert!(!bad, "{what}: raw control {c:?} on screen:\n{screen}");
        }
        screen
    };
    let events = 2 * PAYLOADS.len();
    let mut shown = String::new();
    for pos in 0..=events {
        h.submit(&format!(":{pos}"));
        shown.push_str(&check(&h, &format!("event {pos}")));
        // u in the diff pane; elsewhere it undoes a what-if edit.
        h.key_mod(
            crossterm::event::KeyCode::Char('3'),
            crossterm::event::KeyModifiers::ALT,
        );
        h.keys("u");
        check(&h, &format!("unified diff at {pos}"));
        h.keys("u");
    }
    assert!(
        shown.contains("]52;c;cm0gLXJmIH4="),
        "the payloads never reached the screen"
    );
    h.keys("m");
    h.submit(":3");
    check(&h, "diff against the mark");
    h.keys("d");
    check(&h, "next diff mode");
    h.keys("?");
    check(&h, "help");
}
