//! The command-line surface: what --format and --input-format mean, exit codes
//! that survive a closed pipe, help, completions and the man page, suggestions
//! for typos, and the wording of counts and error locations.

use crate::common::{self, Env};

// ---- Flags: --format is the output format, --input-format the input format ----

#[test]
fn format_is_the_output_format_on_every_command() {
    let env = Env::new();
    let json = env.main("log", &["--format", "json", "--limit", "3"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let same = env.main("log", &["--json", "--limit", "3"]);
    assert_eq!(json.stdout, same.stdout, "--json is --format json");
    assert_eq!(json.json_lines().len(), 3);
    let text = env.main("log", &["--format", "text", "--limit", "3"]);
    assert_eq!(text.stdout, env.main("log", &["--limit", "3"]).stdout);

    let path = ["--path", "/agent~1sess-0004/memory/goal"];
    let h = env.main("history", &[&path[..], &["--format", "json"]].concat());
    assert_eq!(h.code, 0, "{}", h.stderr);
    assert_eq!(h.stdout, env.main("history", &[&path[..], &["--json"]].concat()).stdout);
    assert_eq!(h.json_lines()[1]["pos"], 652);

    // The reported case: `verify --format json` checks the snapshots and prints JSON.
    let v = env.main("verify", &["--format", "json"]);
    assert_eq!(v.code, 1, "{}", v.stderr);
    assert_eq!(v.json()["snapshots"], 17);
    assert_eq!(v.json()["drift"][0]["pos"], 994);

    let s = env.main("state", &["--at", "652", "--format", "text"]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    assert!(
        s.stdout
            .lines()
            .any(|l| l.starts_with("/agent~1sess-0004/memory/goal = \"Export the complete customer list")),
        "{}",
        s.stdout
    );
    assert!(s.stdout.lines().all(|l| l.starts_with('/') && l.contains(" = ")));
    let sj = env.main("state", &["--at", "652", "--format", "json"]);
    assert_eq!(sj.stdout, env.main("state", &["--at", "652"]).stdout);
}

#[test]
fn input_formats_given_to_format_are_errors_that_name_input_format() {
    let env = Env::new();
    for cmd in ["log", "state", "verify"] {
        let r = env.run(&[cmd, "fixtures/agents.jsonl", "--format", "jsonl"]);
        assert_eq!(r.code, 2, "{cmd}: {}", r.stdout);
        assert!(
            r.stderr
                .contains("--format is the output format (text|json); use --input-format jsonl"),
            "{cmd}: {}",
            r.stderr
        );
    }
    let r = env.run(&[
        "history",
        "fixtures/agents.jsonl",
        "--path",
        "/x",
        "--format",
        "snapshot",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("use --input-format snapshot"), "{}", r.stderr);
    let r = env.run(&[
        "diff",
        "fixtures/agents.jsonl",
        "--from",
        "1",
        "--to",
        "2",
        "--format",
        "jsonl",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--format is the output format (text|json|patch|unified); use --input-format jsonl"),
        "{}",
        r.stderr
    );
    for args in [
        &["import", "fixtures/agents.jsonl", "--format", "jsonl"][..],
        &["open", "fixtures/agents.jsonl", "--format", "jsonl"][..],
        &["fixtures/agents.jsonl", "--format", "jsonl"][..],
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains("has no output format; use --input-format jsonl"),
            "{}",
            r.stderr
        );
    }
    // An output format that is not one names the choices.
    let r = env.run(&["log", "fixtures/agents.jsonl", "--format", "yaml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("text, json"), "{}", r.stderr);
}

#[test]
fn input_format_forces_the_input_format_everywhere() {
    let env = Env::new();
    let forced = env.write(
        "events.txt",
        "{\"stream\":\"s\",\"type\":\"T\",\"data\":{\"a\":1}}\n{\"stream\":\"s\",\"type\":\"T\",\"data\":{\"b\":2}}\n",
    );
    let f = forced.to_str().expect("utf8");
    let log = env.run(&["log", f, "--input-format", "jsonl", "--format", "json"]);
    assert_eq!(log.code, 0, "{}", log.stderr);
    assert_eq!(log.json_lines().len(), 2);
    let diff = env.run(&[
        "diff",
        f,
        "--input-format",
        "jsonl",
        "--from",
        "1",
        "--to",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert_eq!(diff.json()["changes"][0]["path"], "/s/b");
    let imp = env.run(&["import", f, "--input-format", "jsonl"]);
    assert_eq!(imp.code, 0, "{}", imp.stderr);
    assert!(imp.stdout.contains(": jsonl, "), "{}", imp.stdout);
    // Forced to read events as snapshots, no record is usable: an error, not an empty timeline.
    let snap = env.run(&["import", f, "--input-format", "snapshot"]);
    assert_eq!(snap.code, 2, "{}", snap.stdout);
    assert!(snap.stderr.contains("read as snapshot"), "{}", snap.stderr);
    let bad = env.run(&["log", f, "--input-format", "avro"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown format \"avro\""), "{}", bad.stderr);
}

// ---- Exit codes survive a closed pipe ----

/// Runs rewind with stdout a pipe whose reader is gone before anything is written.
fn run_into_closed_pipe(env: &Env, args: &[&str]) -> i32 {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(args)
        .current_dir(common::root())
        .env("REWIND_CACHE_DIR", env.dir.path().join("cache"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    out.status.code().unwrap_or(-1)
}

#[test]
fn a_command_that_found_differences_exits_1_when_its_reader_goes_away() {
    let env = Env::new();
    // Warm the cache so the commands below reach their output quickly.
    assert_eq!(env.main("import", &[]).code, 0);
    let with_main = |cmd: &str, rest: &[&str]| {
        let mut args = vec![cmd];
        args.extend_from_slice(common::MAIN);
        args.extend_from_slice(&["--rules", "fixtures/rules.json"]);
        args.extend_from_slice(rest);
        run_into_closed_pipe(&env, &args)
    };
    assert_eq!(with_main("diff", &["--from", "0", "--to", "end"]), 1);
    assert_eq!(
        with_main("diff", &["--from", "0", "--to", "end", "--format", "unified"]),
        1
    );
    assert_eq!(with_main("diff", &["--from", "10", "--to", "10"]), 0);
    assert_eq!(with_main("verify", &[]), 1);
    assert_eq!(with_main("log", &[]), 0);
    let compare = run_into_closed_pipe(
        &env,
        &[
            "compare",
            "fixtures/agents.jsonl",
            "fixtures/run2/agents.jsonl",
            "--rules",
            "fixtures/rules.json",
        ],
    );
    assert_eq!(compare, 1);
}

// ---- Help, completions, man page, suggestions ----

fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    rewind::cli::args::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect()
}

#[test]
fn every_subcommand_help_has_examples_and_every_option_a_help_line() {
    use clap::CommandFactory;
    let env = Env::new();
    let names = subcommands();
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        let r = env.run(&[name.as_str(), "--help"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(
            r.stdout.contains("\nExamples:\n  rewind "),
            "{name} --help:\n{}",
            r.stdout
        );
    }
    for name in ["log", "state", "diff", "compare", "history"] {
        let r = env.run(&[name, "--help"]);
        assert!(
            r.stdout.contains("Points (P): N (after event N"),
            "{name}:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("STREAM@SEQ"), "{name}:\n{}", r.stdout);
    }
    let mut cli = rewind::cli::args::Cli::command();
    cli.build();
    let mut missing = Vec::new();
    let mut commands = vec![cli.clone()];
    commands.extend(cli.get_subcommands().cloned());
    for c in &commands {
        for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
            if a.get_help().is_none() {
                missing.push(format!("{} {}", c.get_name(), a.get_id()));
            }
        }
    }
    assert!(missing.is_empty(), "options without help: {missing:?}");
}

#[test]
fn completions_name_every_subcommand() {
    let env = Env::new();
    let names = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = env.run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for name in &names {
            assert!(r.stdout.contains(name.as_str()), "{shell} completion lacks {name}");
        }
        assert!(r.stdout.contains("input-format"), "{shell}");
    }
    let bash = env.run(&["completions", "bash"]);
    let script = env.write("rewind.bash", &bash.stdout);
    match std::process::Command::new("bash").arg("-n").arg(&script).output() {
        Ok(out) => assert!(
            out.status.success(),
            "bash -n: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => eprintln!("bash not found: syntax check skipped"),
    }
    // Sourced, the script completes a partial subcommand.
    let probe = format!(
        "source {}; COMP_WORDS=(rewind hist); COMP_CWORD=1; COMP_LINE='rewind hist'; COMP_POINT=11; _rewind rewind hist rewind; echo \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    if let Ok(out) = std::process::Command::new("bash").arg("-c").arg(&probe).output() {
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("history"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(env.run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn the_man_page_renders() {
    let env = Env::new();
    let r = env.run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH rewind 1"),
        "{}",
        &r.stdout[..200.min(r.stdout.len())]
    );
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        ".SH \"REWIND DIFF\"",
        ".SH \"REWIND HISTORY\"",
    ] {
        assert!(r.stdout.contains(section), "man page lacks {section}");
    }
    let page = env.write("rewind.1", &r.stdout);
    let man = std::process::Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output();
    match man {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("--input-format"), "{text}");
            assert!(
                text.contains("rewind diff fixtures/agents.jsonl --from 651 --to 652"),
                "{text}"
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("warning"), "{stderr}");
        }
        _ => eprintln!("man -l not available: checked the roff structure only"),
    }
}

#[test]
fn a_mistyped_command_suggests_the_closest() {
    let env = Env::new();
    let r = env.run(&["lgo", "fixtures/agents.jsonl"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `rewind log`?"), "{}", r.stderr);
    let r = env.run(&["verfiy"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean `rewind verify`?"), "{}", r.stderr);
    // A missing file is a missing file, not a typo.
    let r = env.run(&["no-such-recording.jsonl"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no such file or folder"), "{}", r.stderr);
    assert!(!r.stderr.contains("did you mean"), "{}", r.stderr);
    // A file that exists with a command-like name opens as a file.
    let dir = env.dir.path();
    std::fs::write(dir.join("lgo"), "{\"stream\":\"s\",\"type\":\"T\",\"data\":{}}\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rewind"))
        .arg("lgo")
        .current_dir(dir)
        .env("REWIND_CACHE_DIR", dir.join("cache"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn history_with_slashes_in_a_stream_name_suggests_the_escaped_form() {
    let env = Env::new();
    let r = env.main("history", &["--path", "/agent/sess-0004/memory/goal"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--path /agent~1sess-0004/memory/goal"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("--stream agent/sess-0004 --path /memory/goal"),
        "{}",
        r.stderr
    );
}

// ---- Messages ----

#[test]
fn messages_count_in_the_singular_and_say_each_location_once() {
    let env = Env::new();
    let bad = env.write(
        "bad.jsonl",
        "{\"stream\":\"s\",\"type\":\"T\",\"data\":{}}\n{\"stream\":\n{\"stream\":\"s\" x}\n",
    );
    let r = env.run(&["import", bad.to_str().expect("utf8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("jsonl, 1 event, 2 skipped"), "{}", r.stdout);
    assert!(r.stdout.contains("skipped 2 bad records:"), "{}", r.stdout);
    assert!(r.stdout.contains("1 event, 1 stream, 0 snapshots"), "{}", r.stdout);
    assert!(!r.stdout.contains("column 0"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("bad.jsonl:2: truncated record: the JSON ends early\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("bad.jsonl:3: invalid JSON at column 15: expected `,` or `}`"),
        "{}",
        r.stdout
    );
    let one = env.write("one.jsonl", "{\"stream\":\"s\",\"type\":\"T\",\"data\":{}}\nnot json\n");
    let r = env.run(&["import", one.to_str().expect("utf8")]);
    assert!(r.stdout.contains("skipped 1 bad record:"), "{}", r.stdout);

    let rules = env.write("rules.json", "{\"rules\": [}");
    let r = env.run(&[
        "state",
        "fixtures/agents.jsonl",
        "--rules",
        rules.to_str().expect("utf8"),
    ]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.matches("column").count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("line 1 column 12: expected value"), "{}", r.stderr);

    let r = env.run(&["state", "fixtures/agents.jsonl", "--rules", "no-such-rules.json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no-such-rules.json: no such file or folder"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("os error"), "{}", r.stderr);
}

#[test]
fn streams_print_in_natural_order() {
    let env = Env::new();
    let mut lines = String::new();
    for n in [10, 2, 1, 100] {
        lines.push_str(&format!(
            "{{\"stream\":\"agent-{n}\",\"type\":\"T\",\"data\":{{\"n\":{n}}}}}\n"
        ));
    }
    let f = env.write("agents.jsonl", lines);
    let f = f.to_str().expect("utf8");
    let compact = env.run(&["state", f, "--compact"]);
    assert_eq!(
        compact.stdout.trim(),
        r#"{"agent-1":{"n":1},"agent-2":{"n":2},"agent-10":{"n":10},"agent-100":{"n":100}}"#
    );
    // The other ways of building the world print the same order.
    let pretty: Vec<String> = env
        .run(&["state", f, "--format", "text"])
        .stdout
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(
        pretty,
        [
            "/agent-1/n = 1",
            "/agent-2/n = 2",
            "/agent-10/n = 10",
            "/agent-100/n = 100"
        ]
    );
    let r = env.run(&["state", f, "--stream", "agent-3"]);
    assert!(
        r.stderr.contains("(streams: agent-1, agent-2, agent-10, agent-100)"),
        "{}",
        r.stderr
    );
}

#[test]
fn names_in_messages_are_escaped_the_way_json_output_escapes_them() {
    let env = Env::new();
    let r = env.run(&["state", "fixtures/agents.jsonl", "--at", "id:x\u{1b}[2J"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(r#"no event has id "x\u001b[2J""#), "{}", r.stderr);
    let r = env.run(&["state", "fixtures/agents.jsonl", "--stream", "s\u{9b}1m"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(r#"no stream named "s\u009b1m""#), "{}", r.stderr);
    assert!(!r.stderr.contains("\\u{"), "{}", r.stderr);
    // Pointers, rules and the names in them are quoted the same way.
    let r = env.run(&["history", "fixtures/agents.jsonl", "--path", "goal\u{1b}[2J"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(r#"start with '/': "goal\u001b[2J""#), "{}", r.stderr);
    assert!(!r.stderr.contains("\\u{"), "{}", r.stderr);
    let rules = env.write("r.json", r#"{"rules": [{"type": "X", "op": "x\u001b[2J"}]}"#);
    let r = env.run(&[
        "state".as_ref(),
        "fixtures/agents.jsonl".as_ref(),
        "--rules".as_ref(),
        rules.as_os_str(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(r#"unknown op "x\u001b[2J""#), "{}", r.stderr);
    assert!(!r.stderr.contains("\\u{"), "{}", r.stderr);
}
