//! Bringing a cache's inputs in line with the inputs named on the command line.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Result;

use super::paths::input_key;
use super::{InputReport, OpenOptions, OpenProgress, Status};
use crate::cache::import::{Importer, InputKey, StoredInput, TailState};
use crate::cache::Cache;
use crate::ingest::arrivals::arrivals;
use crate::ingest::eventstore::db::{self, DbSource};
use crate::ingest::folder::Union;
use crate::ingest::framing::Framing;
use crate::ingest::mapping::Mapper;
use crate::ingest::tail::{self, Resume};
use crate::ingest::{open_source, Format, RecordsMode, SourceConfig};
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
        let slice = self.filter.key();
        if !slice.is_empty() {
            parts.push(format!("filter[{slice}]"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// Does the cache need a write to hold `keys` (in this order) under these rules?
/// Under `--follow`, also when a file to follow was imported whole, without
/// where its reading stopped (`untailed`).
fn needs_write(
    stored: &[StoredInput],
    stored_rules: Option<&str>,
    keys: &[InputKey],
    opts: &OpenOptions,
    rules: &Rules,
    untailed: bool,
) -> bool {
    untailed
        || stored.len() != keys.len()
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
            notes: Vec::new(),
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
    let first_look = untailed(&stored, &keys, opts, &|id| cache.tail_state(id))?;
    if !needs_write(&stored, stored_rules.as_deref(), &keys, opts, rules, first_look) {
        return Ok(cached_reports(&stored, opts));
    }
    let mut imp = cache.begin_import()?;
    imp.filter = opts.filter.clone();
    // Another rewind may have imported the same inputs while this one waited
    // for the write lock: decide again on what the cache holds now.
    let stored = imp.stored_inputs()?;
    let stored_rules = imp.stored_rules()?;
    let locked_look = untailed(&stored, &keys, opts, &|id| imp.tail_state(id))?;
    if !needs_write(&stored, stored_rules.as_deref(), &keys, opts, rules, locked_look) {
        return Ok(cached_reports(&stored, opts));
    }
    // Inputs read as they grow that have more to read: appended to, not imported again.
    let mut grown = Vec::new();
    for (key, path) in keys.iter().zip(&opts.inputs) {
        grown.push(match stored.iter().find(|s| s.key.path == key.path) {
            Some(s) if s.key != *key && same_options(&s.key, key) => growth(&imp, s, path, opts)?,
            _ => None,
        });
    }
    // Removing an input leaves gaps in the positions, and may bring back
    // events it had made duplicates: the rest merge again.
    let mut needs_merge = false;
    for s in &stored {
        let growing = grown.iter().flatten().any(|g| g.id == s.id);
        if !keys.contains(&s.key) && !growing {
            imp.remove_input(s.id)?;
            needs_merge = true;
        }
    }
    for (i, (key, path)) in keys.iter().zip(&opts.inputs).enumerate() {
        let display = crate::recording::paths::shown(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mapper = || Mapper {
            fields: rules.fields.clone(),
            input_name: name.clone(),
        };
        if let Some(g) = &grown[i] {
            imp.set_order(g.id, i as i64)?;
            let (report, _) = append(&mut imp, g, key, path, mapper(), opts)?;
            reports.push(report);
            continue;
        }
        let follow_db = opts.follow && is_database(path, opts)?;
        let follow_dir = opts.follow && path.is_dir() && !follow_db;
        let tail_new = follow_dir
            || follow_db
            || (opts.follow && path.is_file() && tail::followable(path).ok().flatten().is_some());
        if let Some(s) = stored
            .iter()
            .find(|s| s.key == *key && !(tail_new && untailed_input(&imp, s).unwrap_or(true)))
        {
            imp.set_order(s.id, i as i64)?;
            needs_merge |= s.outcome.snapshot || s.outcome.by_time || s.outcome.idents > 1;
            reports.push(InputReport {
                display,
                status: Status::Cached,
                outcome: s.outcome.clone(),
                notes: Vec::new(),
            });
            continue;
        }
        if let Some(s) = stored.iter().find(|s| s.key.path == key.path) {
            // Under --follow, a file imported whole is read again to learn where its records end.
            imp.remove_input(s.id)?;
            needs_merge = true;
        }
        let cfg = SourceConfig {
            mapper: mapper(),
            records: opts.records,
            key: opts.key.clone(),
            system_streams: opts.system_streams,
            filter: opts.filter.clone(),
        };
        // A file to follow is read up to its last complete record, and where that
        // is stored with its events, for the next read to go on from.
        let framing = if tail_new && !follow_dir && !follow_db {
            tail::followable(path)?
        } else {
            None
        };
        let mut tail_read = None;
        let mut seen = BTreeMap::new();
        let db_follow = db::Follow::default();
        let source: Box<dyn crate::ingest::Source> = match framing {
            // A database of a running node is read up to writer.chk, and where that is kept.
            _ if follow_db => Box::new(DbSource::open_at(path, opts.system_streams, Some(db_follow.clone()))?),
            // A followed folder is read file by file, and which files were read is kept.
            _ if follow_dir => {
                let arrived = arrivals(path, &mut seen)?;
                Box::new(Union::of(arrived.listing, opts.format, cfg))
            }
            Some(framing) if opts.format.is_none() => {
                let len = std::fs::metadata(path)?.len();
                let (end, line) = tail::complete_end(path, Resume::default(), len, framing)?;
                let index = Arc::new(AtomicU64::new(0));
                tail_read = Some((end, line, index.clone()));
                tail::open_range(path, Resume::default(), end, framing, mapper(), index)?
            }
            _ => open_source(path, opts.format, cfg)?,
        };
        let size = key.size as u64;
        imp.growing = tail_new;
        let outcome = imp.import(key, i as i64, &display, source, opts.strict, &mut |p| {
            progress(OpenProgress::Importing {
                input: display.clone(),
                progress: p,
                size,
            })
        })?;
        if follow_db {
            let id = imp.input_id(&key.path)?;
            imp.set_tail_state(
                id,
                &TailState {
                    next_idx: (outcome.events + outcome.snapshots) as i64,
                    db: *db_follow.end.lock().unwrap_or_else(|e| e.into_inner()),
                    ..TailState::default()
                },
            )?;
        } else if follow_dir {
            let id = imp.input_id(&key.path)?;
            imp.set_tail_state(
                id,
                &TailState {
                    files: seen,
                    ..TailState::default()
                },
            )?;
        }
        if let Some((end, line, index)) = tail_read {
            let id = imp.input_id(&key.path)?;
            imp.set_tail_state(
                id,
                &TailState {
                    resume: Resume {
                        offset: end,
                        line,
                        index: index.load(Ordering::Relaxed),
                    },
                    next_idx: (outcome.events + outcome.snapshots) as i64,
                    prefix: tail::prefix_fingerprint(path, end)?,
                    files: BTreeMap::new(),
                    db: None,
                },
            )?;
        }
        needs_merge |= outcome.snapshot || outcome.by_time || outcome.idents > 1;
        reports.push(InputReport {
            display,
            status: Status::Imported,
            outcome,
            notes: Vec::new(),
        });
    }
    // Built-in rules are stored like given ones, so the cache file alone replays
    // the same states.
    if opts.rules.is_some() || (stored_rules.is_none() && !rules.text.is_empty()) {
        imp.store_rules(&rules.text)?;
    }
    imp.store_slice(&opts.filter.describe())?;
    let merge = keys.len() > 1 || needs_merge;
    imp.finish(merge)?;
    Ok(reports)
}

/// An EventStoreDB database folder (read up to `writer.chk` while followed,
/// not file by file).
fn is_database(path: &Path, opts: &OpenOptions) -> Result<bool> {
    if !path.is_dir() {
        return Ok(false);
    }
    Ok(match opts.format {
        Some(f) => f == Format::EventstoreDb,
        None => crate::ingest::detect_layout(path)? == Some(Format::EventstoreDb),
    })
}

/// Same input under the same options: only its content may differ.
fn same_options(a: &InputKey, b: &InputKey) -> bool {
    a.forced == b.forced && a.mapping_hash == b.mapping_hash
}

/// Under `--follow`: is any followable file stored without where its reading stopped?
fn untailed(
    stored: &[StoredInput],
    keys: &[InputKey],
    opts: &OpenOptions,
    tail_of: &dyn Fn(i64) -> Result<Option<TailState>>,
) -> Result<bool> {
    if !opts.follow || opts.format.is_some() {
        return Ok(false);
    }
    for (key, path) in keys.iter().zip(&opts.inputs) {
        if !path.is_dir() && (!path.is_file() || tail::followable(path)?.is_none()) {
            continue;
        }
        match stored.iter().find(|s| s.key.path == key.path) {
            Some(s) if tail_of(s.id)?.is_some() => {}
            _ => return Ok(true),
        }
    }
    Ok(false)
}

fn untailed_input(imp: &Importer, s: &StoredInput) -> Result<bool> {
    Ok(imp.tail_state(s.id)?.is_none())
}

/// An input read as it grows, with more to read.
pub(super) struct Growth {
    id: i64,
    tail: TailState,
    framing: Framing,
    /// Where this read starts: where the last one stopped, or the start of a
    /// file that was truncated or replaced.
    from: Resume,
    rotated: bool,
}

/// How `s`, stored with where its reading stopped, is read on: from there when the
/// file only grew; while following (`keep`), from its new start when it was truncated or
/// replaced (the events read from the old content stay). `None`: import it again.
fn growth(imp: &Importer, s: &StoredInput, path: &Path, opts: &OpenOptions) -> Result<Option<Growth>> {
    let keep = opts.keep_replaced;
    let Some(tail) = imp.tail_state(s.id)? else {
        return Ok(None);
    };
    if path.is_dir() {
        // A folder read file by file reads the files that arrived, while followed.
        return Ok(opts.follow.then_some(Growth {
            id: s.id,
            tail,
            framing: Framing::Lines,
            from: Resume::default(),
            rotated: false,
        }));
    }
    let Some(framing) = tail::followable(path)? else {
        return Ok(None);
    };
    let len = std::fs::metadata(path)?.len();
    let grew = len >= tail.resume.offset && tail::prefix_fingerprint(path, tail.resume.offset)? == tail.prefix;
    if !grew && !keep {
        return Ok(None);
    }
    let from = if grew {
        tail.resume
    } else {
        Resume {
            offset: 0,
            line: 1,
            index: tail.resume.index,
        }
    };
    Ok(Some(Growth {
        id: s.id,
        tail,
        framing,
        from,
        rotated: !grew,
    }))
}

/// Read the complete records `g` has gained and append them.
fn append(
    imp: &mut Importer,
    g: &Growth,
    key: &InputKey,
    path: &Path,
    mapper: Mapper,
    opts: &OpenOptions,
) -> Result<(InputReport, u64)> {
    if path.is_dir() && g.tail.db.is_some() {
        return append_database(imp, g, key, path, opts);
    }
    if path.is_dir() {
        return append_arrivals(imp, g, key, path, mapper, opts);
    }
    let len = std::fs::metadata(path)?.len();
    let (end, line) = tail::complete_end(path, g.from, len, g.framing)?;
    let index = Arc::new(AtomicU64::new(g.from.index));
    let source = tail::open_range(path, g.from, end, g.framing, mapper, index.clone())?;
    let display = path.display().to_string();
    let appended = imp.append(g.id, key, &display, source, opts.strict)?;
    let added = (appended.outcome.events + appended.outcome.snapshots) as i64;
    imp.set_tail_state(
        g.id,
        &TailState {
            resume: Resume {
                offset: end,
                line,
                index: index.load(Ordering::Relaxed),
            },
            next_idx: g.tail.next_idx + added,
            prefix: tail::prefix_fingerprint(path, end)?,
            files: BTreeMap::new(),
            db: None,
        },
    )?;
    let mut notes = Vec::new();
    if g.rotated {
        notes.push(format!(
            "{display} was truncated or replaced: read from its new start (the events read before stay)"
        ));
    }
    if end < len && !opts.follow {
        notes.push(format!(
            "{display}: the last {} bytes are an unfinished record (no end yet); not read",
            len - end
        ));
    }
    Ok((
        InputReport {
            display,
            status: Status::Appended,
            outcome: appended.outcome,
            notes,
        },
        len - end,
    ))
}

/// Read what a followed database gained since it was last read: from where that
/// read stopped up to `writer.chk` now.
fn append_database(
    imp: &mut Importer,
    g: &Growth,
    key: &InputKey,
    path: &Path,
    opts: &OpenOptions,
) -> Result<(InputReport, u64)> {
    let follow = db::Follow {
        from: g.tail.db,
        end: Default::default(),
    };
    let source = Box::new(DbSource::open_at(path, opts.system_streams, Some(follow.clone()))?);
    let display = path.display().to_string();
    let appended = imp.append(g.id, key, &display, source, opts.strict)?;
    let added = (appended.outcome.events + appended.outcome.snapshots) as i64;
    let end = *follow.end.lock().unwrap_or_else(|e| e.into_inner());
    imp.set_tail_state(
        g.id,
        &TailState {
            next_idx: g.tail.next_idx + added,
            db: end.or(g.tail.db),
            ..TailState::default()
        },
    )?;
    Ok((
        InputReport {
            display,
            status: Status::Appended,
            outcome: appended.outcome,
            notes: Vec::new(),
        },
        0,
    ))
}

/// Read the files that arrived in followed folder `g` since it was last read.
fn append_arrivals(
    imp: &mut Importer,
    g: &Growth,
    key: &InputKey,
    path: &Path,
    mapper: Mapper,
    opts: &OpenOptions,
) -> Result<(InputReport, u64)> {
    let mut seen = g.tail.files.clone();
    let arrived = arrivals(path, &mut seen)?;
    let cfg = SourceConfig {
        mapper,
        records: opts.records,
        key: opts.key.clone(),
        system_streams: opts.system_streams,
        filter: opts.filter.clone(),
    };
    let display = path.display().to_string();
    let source = Box::new(Union::of(arrived.listing, opts.format, cfg));
    let appended = imp.append(g.id, key, &display, source, opts.strict)?;
    let added = (appended.outcome.events + appended.outcome.snapshots) as i64;
    imp.set_tail_state(
        g.id,
        &TailState {
            next_idx: g.tail.next_idx + added,
            files: seen,
            ..TailState::default()
        },
    )?;
    let notes = arrived
        .changed
        .iter()
        .map(|f| {
            format!("{display}: {f} changed after it was read; while following, a file is read once, when it appears")
        })
        .collect();
    Ok((
        InputReport {
            display,
            status: Status::Appended,
            outcome: appended.outcome,
            notes,
        },
        0,
    ))
}
