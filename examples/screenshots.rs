//! Render the README pictures from the real screens over the fixtures:
//!
//! ```sh
//! apt-get install librsvg2-bin pngquant   # SVG → PNG, and smaller PNGs (only needed here)
//! cargo run --example screenshots
//! ```
//!
//! Each scene is driven through the TUI's own app and service (as the screen
//! tests do), drawn into a ratatui buffer, written as SVG (one rect per
//! background run, one text per glyph run), converted to
//! `screenshots/<name>.png`, and reduced to a palette (a third of the bytes,
//! the same picture to the eye).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use rewind::ingest::filter::Filter;
use rewind::recording::OpenOptions;
use rewind::tui::app::Msg;
use rewind::tui::testing::Harness;

const W: u16 = 120;
const H: u16 = 40;
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 17.0;
const FONT: f64 = 14.0;
const BG: &str = "#1e1f29";
const FG: &str = "#d8dae3";
/// The live scene's log starts with `fixtures/agents.jsonl` up to session 0004's
/// seq 20, the event after the goal rewrite; the rest arrives while it is open.
const LIVE_FIRST: usize = 289;

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("fixtures");
    let work = tempfile::tempdir()?;
    let opts = OpenOptions {
        inputs: [
            "agents.jsonl",
            "registry.json",
            "training.jsonl.zst",
            "snapshots.jsonl.gz",
        ]
        .iter()
        .map(|f| fixtures.join(f))
        .collect(),
        cache: Some(work.path().join("fixtures.db")),
        rules: Some(fixtures.join("rules.json")),
        ..OpenOptions::default()
    };
    let out = root.join("screenshots");
    std::fs::create_dir_all(&out)?;
    let mut svgs = Vec::new();
    let mut scene = |name: &str, drive: &dyn Fn(&mut Harness)| -> Result<()> {
        let mut h = Harness::open(&opts, W, H, true)?;
        drive(&mut h);
        let path = work.path().join(format!("{name}.svg"));
        std::fs::write(&path, svg(&h.buffer()))?;
        svgs.push((path, out.join(format!("{name}.png"))));
        Ok(())
    };

    // The overview: timeline with density, failed (✗) and drift (!) markers, the
    // list at the incident, the state, and the event's diff.
    scene("timeline", &|h| {
        h.submit(":652");
        h.keys("b");
        h.key(KeyCode::Esc);
    })?;
    // The watchpoint: memory.goal selected in the tree, jumped to its change.
    scene("state-tree", &|h| {
        h.key(KeyCode::Tab);
        h.keys("gjjjjlljjjjjjll<");
    })?;
    // Diff against a mark: the injected tool result (641) → the memory write (652).
    scene("diff-vs-mark", &|h| {
        h.submit(":641");
        h.keys("m");
        h.submit(":652");
        h.keys("s");
        h.key(KeyCode::Tab);
        h.keys("c");
        h.key_mod(KeyCode::Char('3'), KeyModifiers::ALT);
    })?;
    scene("help", &|h| {
        h.submit(":652");
        h.keys("?");
    })?;
    // What-if: the memory write skipped; the state is labelled hypothetical.
    scene("what-if", &|h| {
        h.submit(":652");
        h.keys("x");
        h.submit(":660");
    })?;

    // Live and sliced: session 0004 alone (`--stream`) from a log that grows
    // (`--follow`); the cursor left on the goal rewrite while more events arrive.
    let log = work.path().join("agents.jsonl");
    let text = std::fs::read_to_string(fixtures.join("agents.jsonl"))?;
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&log, lines[..LIVE_FIRST].join("\n") + "\n")?;
    let live = OpenOptions {
        inputs: vec![log.clone()],
        cache: Some(work.path().join("live.db")),
        rules: Some(fixtures.join("rules.json")),
        follow: true,
        filter: Filter::new(None, None, &["agent/sess-0004".into()], &[]).map_err(anyhow::Error::msg)?,
        ..OpenOptions::default()
    };
    let mut h = Harness::open(&live, W, H, true)?;
    h.keys("k");
    h.key(KeyCode::Tab);
    h.keys("c");
    let mut f = std::fs::OpenOptions::new().append(true).open(&log)?;
    f.write_all((lines[LIVE_FIRST..].join("\n") + "\n").as_bytes())?;
    h.send(Msg::Wake);
    let path = work.path().join("live-slice.svg");
    std::fs::write(&path, svg(&h.buffer()))?;
    svgs.push((path, out.join("live-slice.png")));

    for (svg, png) in &svgs {
        convert(svg, png)?;
        println!("wrote {}", png.display());
    }
    Ok(())
}

fn convert(svg: &Path, png: &Path) -> Result<()> {
    let status = Command::new("rsvg-convert")
        .arg("--zoom=1.5")
        .arg("-o")
        .arg(png)
        .arg(svg)
        .status()
        .context("rsvg-convert not found: install librsvg2-bin (apt-get install librsvg2-bin)")?;
    if !status.success() {
        bail!("rsvg-convert failed on {}", svg.display());
    }
    let status = Command::new("pngquant")
        .args(["--speed", "1", "--strip", "--force", "--output"])
        .arg(png)
        .arg("--")
        .arg(png)
        .status()
        .context("pngquant not found: install it (apt-get install pngquant)")?;
    if !status.success() {
        bail!("pngquant failed on {}", png.display());
    }
    Ok(())
}

fn hex(c: Color, default: &str) -> String {
    let named = |s: &str| s.to_string();
    match c {
        Color::Reset => named(default),
        Color::Black => named("#1e1f29"),
        Color::Red => named("#ff5c57"),
        Color::Green => named("#5af78e"),
        Color::Yellow => named("#f3f99d"),
        Color::Blue => named("#57c7ff"),
        Color::Magenta => named("#ff6ac1"),
        Color::Cyan => named("#9aedfe"),
        Color::Gray => named("#c7c7c7"),
        Color::DarkGray => named("#7a7c88"),
        Color::LightRed => named("#ff8a80"),
        Color::LightGreen => named("#9bf8b8"),
        Color::LightYellow => named("#fbffc4"),
        Color::LightBlue => named("#8fd9ff"),
        Color::LightMagenta => named("#ff9ad8"),
        Color::LightCyan => named("#c4f5ff"),
        Color::White => named("#f1f1f0"),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        // The xterm 256-colour cube and grey ramp.
        Color::Indexed(i @ 16..=231) => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = i - 16;
            format!("#{:02x}{:02x}{:02x}", level(i / 36), level(i / 6 % 6), level(i % 6))
        }
        Color::Indexed(i @ 232..=255) => {
            let v = 8 + 10 * (i - 232);
            format!("#{v:02x}{v:02x}{v:02x}")
        }
        Color::Indexed(_) => named(default),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The buffer as SVG: backgrounds first, then glyph runs of one style.
fn svg(buf: &Buffer) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="DejaVu Sans Mono, monospace" font-size="{FONT}">"#,
        f64::from(w) * CELL_W + 16.0,
        f64::from(h) * CELL_H + 16.0
    );
    let _ = write!(
        s,
        r#"<rect width="100%" height="100%" fill="{BG}" rx="6"/><g transform="translate(8,8)">"#
    );
    for y in 0..h {
        let cells: Vec<_> = (0..w).filter_map(|x| buf.cell((x, y)).map(|c| (x, c))).collect();
        // Colours after reverse video.
        let colours = |c: &ratatui::buffer::Cell| {
            let (fg, bg) = (hex(c.fg, FG), hex(c.bg, BG));
            if c.modifier.contains(Modifier::REVERSED) {
                (bg, fg)
            } else {
                (fg, bg)
            }
        };
        let mut x0 = 0usize;
        while x0 < cells.len() {
            let bg = colours(cells[x0].1).1;
            let mut x1 = x0 + 1;
            while x1 < cells.len() && colours(cells[x1].1).1 == bg {
                x1 += 1;
            }
            if bg != BG {
                let _ = write!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    x0 as f64 * CELL_W,
                    f64::from(y) * CELL_H,
                    (x1 - x0) as f64 * CELL_W
                );
            }
            x0 = x1;
        }
        // One text element per glyph so wide and box-drawing glyphs stay on the grid.
        for (x, c) in &cells {
            let sym = c.symbol();
            if sym.trim().is_empty() {
                continue;
            }
            let fg = colours(c).0;
            let mut attrs = String::new();
            if c.modifier.contains(Modifier::BOLD) {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if c.modifier.contains(Modifier::DIM) {
                attrs.push_str(r#" opacity="0.6""#);
            }
            if c.modifier.contains(Modifier::UNDERLINED) {
                attrs.push_str(r#" text-decoration="underline""#);
            }
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" fill="{fg}"{attrs} xml:space="preserve">{}</text>"#,
                f64::from(*x) * CELL_W,
                f64::from(y) * CELL_H + CELL_H * 0.78,
                esc(sym)
            );
        }
    }
    s.push_str("</g></svg>\n");
    s
}
