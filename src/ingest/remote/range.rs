//! Ranged reads of one remote object, for readers that need only parts of it
//! (a Parquet footer and the row groups it selects) instead of a whole mirror.

use std::ops::Range;
use std::sync::Arc;

use anyhow::{Context, Result};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

use super::credentials;
use super::url::Remote;

/// One object, read by byte ranges. Blocking: each call runs on its own
/// single-thread runtime, so callers need no async code.
pub struct RangeReader {
    store: Arc<dyn ObjectStore>,
    key: Key,
    len: u64,
    remote: Remote,
    rt: tokio::runtime::Runtime,
}

impl RangeReader {
    /// Open `url` (`s3://bucket/key`…): authenticate and read its size.
    pub fn open(url: &str) -> Result<RangeReader> {
        let remote = Remote::parse(url)?;
        let store = credentials::store(&remote)?;
        let key = Key::from(remote.prefix.as_str());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("object store: start the I/O runtime")?;
        let len = rt
            .block_on(store.head(&key))
            .map_err(|e| credentials::explain(&remote, e.into()))?
            .size;
        Ok(RangeReader {
            store,
            key,
            len,
            remote,
            rt,
        })
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes `range` of the object (one request).
    pub fn read_range(&self, range: Range<u64>) -> Result<Vec<u8>> {
        let bytes = self
            .rt
            .block_on(self.store.get_range(&self.key, range))
            .map_err(|e| credentials::explain(&self.remote, e.into()))?;
        Ok(bytes.to_vec())
    }
}
