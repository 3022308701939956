//! Opening a recording: import what changed (or open a cache file given as the
//! input), load the rules, and keep the checkpoints current.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};

use super::paths::sliced_cache_path;
use super::publish::{build_path, publish, remove_build, remove_stale_builds};
use super::sync::sync_inputs;
use super::{InputReport, OpenOptions, OpenProgress, OpenReport, Recording, Status};
use crate::cache::{is_sqlite_file, Cache};
use crate::ingest::remote;
use crate::rules::Rules;

impl Recording {
    /// Open (and import what changed) per `opts`.
    pub fn open(opts: &OpenOptions, progress: &mut dyn FnMut(OpenProgress)) -> Result<(Recording, OpenReport)> {
        let started = Instant::now();
        if opts.inputs.is_empty() {
            bail!("no input given");
        }
        let mirror = super::paths::cache_dir().map(|d| d.join("remote"));
        if let Ok(root) = &mirror {
            // A partly fetched object read by its mirror path is checked too.
            remote::watch(root);
        }
        if opts.inputs.iter().any(|p| remote::is_remote(p)) {
            // Object-store inputs are mirrored first, then read as the local files they are.
            let root = mirror?;
            let wanted = remote::Wanted {
                filter: opts.filter.clone(),
                fields: mirror_fields(opts, &root)?,
                format: opts.format,
            };
            let (inputs, fetched) = remote::resolve(&opts.inputs, &root, &wanted, true)?;
            let local = OpenOptions { inputs, ..opts.clone() };
            let (rec, mut report) = Recording::open(&local, progress)?;
            report.fetched = fetched;
            return Ok((rec, report));
        }
        let cache_inputs: Vec<&PathBuf> = opts
            .inputs
            .iter()
            // Another program's SQLite database (a LangGraph checkpointer) is an input, not a cache.
            .filter(|p| p.is_file() && is_sqlite_file(p) && !matches!(crate::ingest::detect(p), Ok(Some(_))))
            .collect();
        if !cache_inputs.is_empty() {
            if opts.inputs.len() > 1 {
                bail!(
                    "a cache file ({}) can't be combined with other inputs",
                    cache_inputs[0].display()
                );
            }
            if !opts.filter.is_none() {
                bail!(
                    "{} is a cache: it holds what it was imported with, and import filters (--since, --until, --stream, --type) apply to inputs; import the inputs with the filters instead",
                    cache_inputs[0].display()
                );
            }
            return Recording::open_cache(&opts.inputs[0], opts, started);
        }
        for p in &opts.inputs {
            if !p.exists() && !crate::ingest::ai::langgraph_pg::is_url(&p.to_string_lossy()) {
                bail!("{}: no such file or folder", p.display());
            }
        }
        let cache_path = match &opts.cache {
            Some(c) => c.clone(),
            None => sliced_cache_path(&opts.inputs, &opts.filter.name_key())?,
        };
        let (cache, rules, reports) = if cache_path.exists() {
            let mut cache = Cache::open(&cache_path, true)?;
            // Built-in rules were stored by the first import: no input is detected
            // again here.
            let rules = load_rules(&cache, opts.rules.as_deref())?;
            let reports = sync_inputs(&mut cache, opts, &rules, progress)?;
            (cache, rules, reports)
        } else {
            // A first import builds the cache in a private file and publishes it
            // whole: no journal costs, and nobody ever sees half a cache.
            remove_stale_builds(&cache_path);
            let tmp = build_path(&cache_path, std::process::id());
            let rules = match &opts.rules {
                Some(p) => Rules::load(p)?,
                None => builtin_rules(opts)?,
            };
            let built = Cache::create_bulk(&tmp).and_then(|mut cache| {
                let reports = sync_inputs(&mut cache, opts, &rules, progress).context("import")?;
                cache.seal().context("seal")?;
                Ok(reports)
            });
            let published = built.and_then(|reports| publish(&tmp, &cache_path).map(|won| (reports, won)));
            remove_build(&tmp);
            match published? {
                (reports, true) => (Cache::open(&cache_path, false)?, rules, reports),
                // Another rewind published the same cache first: use that one
                // (bringing it in line with these inputs if they differ).
                (_, false) => {
                    let mut cache = Cache::open(&cache_path, true)?;
                    let reports = sync_inputs(&mut cache, opts, &rules, progress)?;
                    (cache, rules, reports)
                }
            }
        };
        if opts.strict {
            // A cached input with skipped records is as bad under --strict as a new one.
            if let Some(first) = reports.iter().find_map(|r| r.outcome.skipped_sample.first()) {
                bail!("{first} (--strict)");
            }
        }
        Recording::finish_open(cache, rules, cache_path, reports, started)
    }

    fn finish_open(
        cache: Cache,
        rules: Rules,
        path: PathBuf,
        inputs: Vec<InputReport>,
        started: Instant,
    ) -> Result<(Recording, OpenReport)> {
        let cat = cache.catalog()?;
        let report = OpenReport {
            cache: path,
            inputs,
            events: cat.len,
            streams: cache.stream_count()?,
            snapshots: cache.snapshot_count()?,
            time_range: cache.time_range()?,
            seconds: started.elapsed().as_secs_f64(),
            ledgers: cache.ledgers()?,
            slice: cache.stored_slice()?,
            fetched: Vec::new(),
        };
        Ok((Recording { cache, cat, rules }, report))
    }

    /// Open an existing cache file given as the input.
    fn open_cache(path: &Path, opts: &OpenOptions, started: Instant) -> Result<(Recording, OpenReport)> {
        let cache = Cache::open(path, false)?;
        let rules = load_rules(&cache, opts.rules.as_deref())?;
        if opts.rules.is_some() && cache.stored_rules()?.as_deref() != Some(rules.text.as_str()) {
            // New reducer rules only need new checkpoints; a new field mapping would
            // need the inputs, which a cache file does not carry.
            let mapping = format!("{:016x}", rules.mapping_hash());
            if cache.stored_inputs()?.iter().any(|s| s.key.mapping_hash != mapping) {
                bail!("the rules' field mapping differs from the one this cache was imported with; re-import the inputs with these rules instead");
            }
            cache.store_rules(&rules.text)?;
        }
        let inputs = cache
            .stored_inputs()?
            .into_iter()
            .map(|s| InputReport {
                display: remote::shown(&s.key.path).into_owned(),
                status: Status::Cached,
                outcome: s.outcome,
                notes: Vec::new(),
            })
            .collect();
        Recording::finish_open(cache, rules, path.to_path_buf(), inputs, started)
    }

    /// Build checkpoints (and failure/drift records) if the stored ones are stale.
    /// If another rewind imported into the cache since it was opened, the
    /// catalog is read again first, so this recording shows the newest import.
    pub fn ensure_checkpoints(&mut self, progress: &mut dyn FnMut(OpenProgress)) -> Result<()> {
        let mut attempts = 0;
        loop {
            if self.cache.generation()? != self.cat.generation {
                self.cat = self.cache.catalog()?;
            }
            let r = self.replayer();
            let len = self.cat.len;
            if r.checkpoints_ready()? {
                match r.extend_checkpoints(&mut |pos| progress(OpenProgress::Checkpoints { pos, len })) {
                    Err(e) if e.is::<crate::cache::StaleCatalog>() && attempts < 5 => {
                        attempts += 1;
                        continue;
                    }
                    other => return other.map(|_| ()),
                }
            }
            match r.build_checkpoints(&mut |pos| progress(OpenProgress::Checkpoints { pos, len })) {
                Err(e) if e.is::<crate::cache::StaleCatalog>() && attempts < 5 => attempts += 1,
                other => return other,
            }
        }
    }

    /// For a command that reads and exits: build checkpoints, then hold one read
    /// snapshot for the rest of the connection's life, so an import another
    /// rewind commits meanwhile (which may renumber every event) cannot mix into
    /// what this command prints. Not for the TUI, which must see new imports.
    pub fn pin_snapshot(&mut self, progress: &mut dyn FnMut(OpenProgress)) -> Result<()> {
        for _ in 0..5 {
            self.ensure_checkpoints(progress)?;
            self.cache.begin_read()?;
            // The first read inside the transaction fixes the snapshot.
            if self.cache.generation()? == self.cat.generation && self.replayer().checkpoints_ready()? {
                return Ok(());
            }
            self.cache.end_read()?;
        }
        // Imports keep landing: read without a pinned snapshot.
        Ok(())
    }
}

/// The field mapping the import of mirrored inputs will use, known before
/// anything is fetched: the given rules', else those stored in the cache the
/// import goes to (read only), else none (built-in rules map no fields).
fn mirror_fields(opts: &OpenOptions, root: &Path) -> Result<crate::rules::FieldOverrides> {
    if let Some(p) = &opts.rules {
        return Ok(Rules::load(p)?.fields);
    }
    let cache_path = match &opts.cache {
        Some(c) => Some(c.clone()),
        None => remote::mirror_paths(&opts.inputs, root)
            .and_then(|paths| sliced_cache_path(&paths, &opts.filter.name_key()))
            .ok(),
    };
    let stored = cache_path
        .filter(|p| p.is_file())
        .and_then(|p| Cache::stored_rules_at(&p).ok().flatten());
    match stored {
        Some(text) => Ok(Rules::parse(&text).map(|r| r.fields).unwrap_or_default()),
        None => Ok(Default::default()),
    }
}

/// The rules of the inputs' family (LangGraph, Agents SDK, OTel GenAI) when
/// the user gives none; stored in the cache like a given rules file.
fn builtin_rules(opts: &OpenOptions) -> Result<Rules> {
    match crate::ingest::builtin_rules(&opts.inputs, opts.format) {
        Some(text) => Rules::parse(text).map_err(|e| anyhow!("built-in rules: {e}")),
        None => Ok(Rules::default()),
    }
}

impl Recording {
    /// Read what the inputs gained since they were last read (a growing file is
    /// read on from where it stopped), bring the checkpoints up to date, and pin
    /// a read snapshot again. Returns what each input's read found.
    pub fn refresh(&mut self, opts: &OpenOptions) -> Result<Vec<InputReport>> {
        if self.cache.in_read() {
            self.cache.end_read()?;
        }
        let reports = self.read_more(opts)?;
        self.pin_snapshot(&mut |_| {})?;
        Ok(reports)
    }

    /// [`Recording::refresh`] for a front end that reads without a pinned
    /// snapshot (the TUI): the catalog and checkpoints follow the new events.
    pub fn read_more(&mut self, opts: &OpenOptions) -> Result<Vec<InputReport>> {
        let reports = sync_inputs(&mut self.cache, opts, &self.rules, &mut |_| {})?;
        self.ensure_checkpoints(&mut |_| {})?;
        Ok(reports)
    }
}

fn load_rules(cache: &Cache, given: Option<&Path>) -> Result<Rules> {
    match given {
        Some(p) => Rules::load(p),
        None => match cache.stored_rules()? {
            Some(text) => {
                Rules::parse(&text).map_err(|e| anyhow!("rules stored in cache {}: {e}", cache.path.display()))
            }
            None => Ok(Rules::default()),
        },
    }
}
