//! Filtering the list and timeline by stream and event type.

use globset::Glob;

use super::App;
use crate::tui::msg::FilterSpec;

impl App {
    pub(super) fn filter_from_text(&mut self, text: &str) {
        match parse_filter(text, &self.info.stream_names, &self.info.type_names) {
            Ok(f) => self.apply_filter(f),
            Err(e) => self.error_msg(e),
        }
    }

    pub(crate) fn apply_filter(&mut self, f: Option<FilterSpec>) {
        if f == self.events.filter {
            return;
        }
        match &f {
            Some(spec) => self.info_msg(format!(
                "filter {}: the list and timeline show matching events; the state stays the world's",
                spec.label
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
            self.start_search(t);
        }
    }

    pub(super) fn filter_current(&mut self, stream: bool) {
        let Some((s, t)) = self.cursor_event_names() else {
            self.info_msg("no event at the cursor");
            return;
        };
        let (name, names) = if stream {
            (s, &self.info.stream_names)
        } else {
            (t, &self.info.type_names)
        };
        let id = names.iter().position(|n| *n == name).map(|i| i as i64);
        let Some(id) = id else { return };
        let spec = if stream {
            FilterSpec {
                label: name.clone(),
                streams: Some(vec![id]),
                types: None,
            }
        } else {
            FilterSpec {
                label: format!("type:{name}"),
                streams: None,
                types: Some(vec![id]),
            }
        };
        if self.events.filter.as_ref() == Some(&spec) {
            self.apply_filter(None);
        } else {
            self.apply_filter(Some(spec));
        }
    }
}

/// `stream glob`, `type:GLOB` or `stream:GLOB`; a plain word matches names that
/// contain it. `Ok(None)` clears the filter.
pub fn parse_filter(text: &str, streams: &[String], types: &[String]) -> Result<Option<FilterSpec>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let ids = |pat: &str, names: &[String]| -> Result<Vec<i64>, String> {
        let is_glob = pat.contains(['*', '?', '[']);
        let glob = if is_glob {
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
    };
    let spec = |streams: Option<Vec<i64>>, types: Option<Vec<i64>>| FilterSpec {
        label: text.to_string(),
        streams,
        types,
    };
    if let Some(t) = text.strip_prefix("type:") {
        let found = ids(t.trim(), types)?;
        if found.is_empty() {
            return Err(format!("no event type matches {t}"));
        }
        return Ok(Some(spec(None, Some(found))));
    }
    let (pat, only_streams) = match text.strip_prefix("stream:") {
        Some(s) => (s.trim(), true),
        None => (text, false),
    };
    let found = ids(pat, streams)?;
    if !found.is_empty() {
        return Ok(Some(spec(Some(found), None)));
    }
    if !only_streams {
        let found = ids(pat, types)?;
        if !found.is_empty() {
            return Ok(Some(spec(None, Some(found))));
        }
    }
    Err(format!("no stream or event type matches {pat}"))
}
