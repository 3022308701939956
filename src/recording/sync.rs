//! Bringing a cache's inputs in line with the inputs named on the command line.

use anyhow::Result;

use super::paths::input_key;
use super::{InputReport, OpenOptions, OpenProgress, Status};
use crate::cache::import::{InputKey, StoredInput};
use crate::cache::Cache;
use crate::ingest::mapping::Mapper;
use crate::ingest::{open_source, RecordsMode, SourceConfig};
use crate::rules::Rules;

impl OpenOptions {
    /// The options that change how an input maps to events, as stored with it: an
    /// input imported under other options is imported again.
    fn input_options(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(f) = self.format {
            parts.push(f.name().to_string());
        }
        match self.records {
            RecordsMode::Auto => {}
            RecordsMode::Events => parts.push("records=events".into()),
            RecordsMode::States => parts.push("records=states".into()),
        }
        if !self.key.is_empty() {
            parts.push(format!("key={}", self.key.join(",")));
        }
        if self.system_streams {
            parts.push("system-streams".into());
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Does the cache need a write to hold `keys` (in this order) under these rules?
fn needs_write(
    stored: &[StoredInput],
    stored_rules: Option<&str>,
    keys: &[InputKey],
    opts: &OpenOptions,
    rules: &Rules,
) -> bool {
    stored.len() != keys.len()
        || stored
            .iter()
            .zip(keys)
            .enumerate()
            .any(|(i, (s, k))| s.key != *k || s.ord != i as i64)
        || (opts.rules.is_some() && stored_rules != Some(rules.text.as_str()))
}

fn cached_reports(stored: &[StoredInput], opts: &OpenOptions) -> Vec<InputReport> {
    stored
        .iter()
        .zip(&opts.inputs)
        .map(|(s, p)| InputReport {
            display: crate::recording::paths::shown(p),
            status: Status::Cached,
            outcome: s.outcome.clone(),
        })
        .collect()
}

/// Bring the cache's inputs in line with `opts.inputs`: import new and changed
/// inputs, drop ones no longer named, store the rules; one transaction.
pub(super) fn sync_inputs(
    cache: &mut Cache,
    opts: &OpenOptions,
    rules: &Rules,
    progress: &mut dyn FnMut(OpenProgress),
) -> Result<Vec<InputReport>> {
    let mapping_hash = rules.mapping_hash();

    let mut keys = Vec::new();
    for p in &opts.inputs {
        keys.push(input_key(p, opts.input_options(), mapping_hash)?);
    }
    let stored = cache.stored_inputs()?;
    let stored_rules = cache.stored_rules()?;
    let mut reports = Vec::new();
    if !needs_write(&stored, stored_rules.as_deref(), &keys, opts, rules) {
        return Ok(cached_reports(&stored, opts));
    }
    let mut imp = cache.begin_import()?;
    // Another rewind may have imported the same inputs while this one waited
    // for the write lock: decide again on what the cache holds now.
    let stored = imp.stored_inputs()?;
    let stored_rules = imp.stored_rules()?;
    if !needs_write(&stored, stored_rules.as_deref(), &keys, opts, rules) {
        return Ok(cached_reports(&stored, opts));
    }
    // Removing an input leaves gaps in the positions, and may bring back
    // events it had made duplicates: the rest merge again.
    let mut needs_merge = false;
    for s in &stored {
        if !keys.contains(&s.key) {
            imp.remove_input(s.id)?;
            needs_merge = true;
        }
    }
    for (i, (key, path)) in keys.iter().zip(&opts.inputs).enumerate() {
        let display = crate::recording::paths::shown(path);
        if let Some(s) = stored.iter().find(|s| s.key == *key) {
            imp.set_order(s.id, i as i64)?;
            needs_merge |= s.outcome.snapshot || s.outcome.by_time || s.outcome.idents > 1;
            reports.push(InputReport {
                display,
                status: Status::Cached,
                outcome: s.outcome.clone(),
            });
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cfg = SourceConfig {
            mapper: Mapper {
                fields: rules.fields.clone(),
                input_name: name,
            },
            records: opts.records,
            key: opts.key.clone(),
            system_streams: opts.system_streams,
        };
        let source = open_source(path, opts.format, cfg)?;
        let size = key.size as u64;
        let outcome = imp.import(key, i as i64, &display, source, opts.strict, &mut |p| {
            progress(OpenProgress::Importing {
                input: display.clone(),
                progress: p,
                size,
            })
        })?;
        needs_merge |= outcome.snapshot || outcome.by_time || outcome.idents > 1;
        reports.push(InputReport {
            display,
            status: Status::Imported,
            outcome,
        });
    }
    // Built-in rules are stored like given ones, so the cache file alone replays
    // the same states.
    if opts.rules.is_some() || (stored_rules.is_none() && !rules.text.is_empty()) {
        imp.store_rules(&rules.text)?;
    }
    let merge = keys.len() > 1 || needs_merge;
    imp.finish(merge)?;
    Ok(reports)
}
