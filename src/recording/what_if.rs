//! Replay with events left out (what-if): the recording itself is not changed.

use anyhow::Result;
use serde_json::Value;

use super::Recording;
use crate::replay::World;

impl Recording {
    /// Stream `sid`'s state at `pos` had the events in `skips` (sorted, all of
    /// this stream) never happened. The recording is not changed.
    pub fn stream_without(&self, sid: i64, pos: u64, skips: &[u64]) -> Result<Option<Value>> {
        let Some(&first) = skips.iter().find(|&&p| p <= pos) else {
            return self.replayer().stream_at(sid, pos);
        };
        let start = first.saturating_sub(1);
        let r = self.replayer();
        let mut world = World::default();
        *world.slot(sid) = r.stream_at(sid, start)?;
        self.cache.scan(start, pos, Some(sid), &mut |ev| {
            if skips.binary_search(&ev.pos).is_err() {
                r.step(&mut world, &ev)?;
            }
            Ok(())
        })?;
        Ok(world.slot(sid).take())
    }
}
