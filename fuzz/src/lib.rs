//! Shared plumbing of the fuzz targets: the default field mapping, a scratch
//! folder for decoders that read files, and draining a source to its end.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rewind::ingest::mapping::Mapper;
use rewind::ingest::{open_source, Format, Item, SourceConfig};
use rewind::rules::Rules;

/// Items read from one input at most: an input that yields records forever (a
/// lying count) is still a finding, as libFuzzer's timeout.
const MAX_ITEMS: u64 = 1_000_000;

pub fn mapper() -> Mapper {
    Mapper {
        fields: Rules::default().fields,
        input_name: "fuzz".into(),
    }
}

pub fn config() -> SourceConfig {
    SourceConfig {
        mapper: mapper(),
        records: Default::default(),
        key: Vec::new(),
        system_streams: false,
        filter: Default::default(),
    }
}

/// A private folder of this process, emptied of nothing: targets overwrite the
/// same few names on every run.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("rewind-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("scratch folder");
        d
    })
}

/// Write `bytes` to `rel` under the scratch folder (parents created).
pub fn write(rel: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(rel);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(&path, bytes).expect("write scratch file");
    path
}

/// Open `path` (detected, or as `forced`) and read every item.
pub fn drain(path: &Path, forced: Option<Format>) {
    let Ok(mut src) = open_source(path, forced, config()) else {
        return;
    };
    let mut n = 0u64;
    while let Ok(Some(item)) = src.next_item() {
        if let Item::Record(r) = item {
            std::hint::black_box(r);
        }
        n += 1;
        assert!(
            n <= MAX_ITEMS,
            "an input of at most 1 MiB yields over {MAX_ITEMS} items"
        );
    }
    let _ = (src.format_name(), src.is_snapshot());
}

/// The first byte picks one of `n` variants; the rest is the input.
pub fn split(data: &[u8], n: usize) -> Option<(usize, &[u8])> {
    let (&first, rest) = data.split_first()?;
    Some((usize::from(first) % n, rest))
}
