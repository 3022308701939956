//! Filtering the list and timeline. A filter has a stream chip and a type
//! chip that combine (AND) with each other and with the event search; each
//! is set and dropped on its own.

use globset::Glob;

use super::App;
use crate::tui::msg::{Chip, FilterSpec};

impl App {
    /// The `f` prompt: what it names replaces that chip; empty drops every chip.
    pub(super) fn filter_from_text(&mut self, text: &str) {
        match parse_filter(text, &self.info.stream_names, &self.info.type_names) {
            Ok(None) => self.apply_filter(None),
            Ok(Some(new)) => {
                let old = self.events.filter.clone().unwrap_or_default();
                self.apply_filter(Some(FilterSpec {
                    streams: new.streams.or(old.streams),
                    types: new.types.or(old.types),
                }));
            }
            Err(e) => self.error_msg(e),
        }
    }

    /// Show only what `f` lets through. The cursor stays where it is.
    pub(crate) fn apply_filter(&mut self, f: Option<FilterSpec>) {
        let f = f.filter(|f| !f.is_empty());
        if f == self.events.filter {
            return;
        }
        match &f {
            Some(spec) => self.info_msg(format!(
                "filter {}: the list and timeline show matching events; the state stays the world's (F, T drop a chip; f⏎ all)",
                spec.label()
            )),
            None => self.info_msg("filter cleared"),
        }
        // New rows replace any seek in flight: it counted under the old filter.
        self.events.filter = f;
        self.timeline.density = None;
        self.request_rows(self.cursor);
        self.request_density();
        if let Some(s) = &self.events.search {
            let t = s.text.clone();
            self.rerun_search(t);
        }
    }

    /// `F` / `T`: filter to the current event's stream (type), or drop that chip.
    pub(super) fn filter_current(&mut self, stream: bool) {
        let mut spec = self.events.filter.clone().unwrap_or_default();
        let slot = if stream { &mut spec.streams } else { &mut spec.types };
        if slot.take().is_none() {
            let Some((s, t)) = self.cursor_event_names() else {
                self.info_msg("no event at the cursor");
                return;
            };
            let (name, names) = if stream {
                (s, &self.info.stream_names)
            } else {
                (t, &self.info.type_names)
            };
            let Some(id) = names.iter().position(|n| *n == name) else {
                return;
            };
            let label = if stream { name } else { format!("type:{name}") };
            *slot = Some(Chip {
                label,
                ids: vec![id as i64],
            });
        }
        self.apply_filter(Some(spec));
    }
}

/// The `f` prompt's text: words, each `type:GLOB`, `stream:GLOB`, or a plain
/// stream glob (a plain word that names no stream is tried as a type); a word
/// without `*?[` matches names that contain it. Words of one kind add up (OR);
/// the stream and type chips combine (AND). `Ok(None)`: empty, drop every chip.
pub fn parse_filter(text: &str, streams: &[String], types: &[String]) -> Result<Option<FilterSpec>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let mut spec = FilterSpec::default();
    for word in text.split_whitespace() {
        let (ids, is_type) = parse_word(word, streams, types)?;
        let slot = if is_type { &mut spec.types } else { &mut spec.streams };
        match slot {
            Some(chip) => {
                chip.label.push(' ');
                chip.label.push_str(word);
                chip.ids.extend(ids);
                chip.ids.sort_unstable();
                chip.ids.dedup();
            }
            None => {
                *slot = Some(Chip {
                    label: word.to_string(),
                    ids,
                })
            }
        }
    }
    Ok(Some(spec))
}

/// The ids one filter word names, and whether they are types.
fn parse_word(word: &str, streams: &[String], types: &[String]) -> Result<(Vec<i64>, bool), String> {
    if let Some(t) = word.strip_prefix("type:") {
        let found = matching_ids(t, types)?;
        if found.is_empty() {
            return Err(format!("no event type matches {t}"));
        }
        return Ok((found, true));
    }
    let (pat, only_streams) = match word.strip_prefix("stream:") {
        Some(s) => (s, true),
        None => (word, false),
    };
    let found = matching_ids(pat, streams)?;
    if !found.is_empty() {
        return Ok((found, false));
    }
    if !only_streams {
        let found = matching_ids(pat, types)?;
        if !found.is_empty() {
            return Ok((found, true));
        }
    }
    Err(format!("no stream or event type matches {pat}"))
}

/// Catalog ids (index 0 unused) of the names `pat` matches: a glob, or a substring.
fn matching_ids(pat: &str, names: &[String]) -> Result<Vec<i64>, String> {
    let glob = if pat.contains(['*', '?', '[']) {
        Some(
            Glob::new(pat)
                .map_err(|e| format!("bad pattern {pat}: {e}"))?
                .compile_matcher(),
        )
    } else {
        None
    };
    Ok(names
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| match &glob {
            Some(g) => g.is_match(n.as_str()),
            None => n.contains(pat),
        })
        .map(|(i, _)| i as i64)
        .collect())
}
