//! The what-if flags (`--skip`, `--set-data`, `--insert`, `--whatif`) as a hypothesis.

use anyhow::Result;

use super::args::EditArgs;
use crate::hypothesis::Hypothesis;

/// The hypothesis the flags give (`None`: no edits). The `--whatif` files come
/// first, in the order given, then the flags, each kind in its own order.
/// Checked before the recording is opened: a bad edit changes nothing.
pub(super) fn hypothesis(args: &EditArgs) -> Result<Option<Hypothesis>> {
    let mut h = Hypothesis::default();
    for file in &args.whatif {
        h.edits.extend(Hypothesis::load_file(file)?.edits);
    }
    for s in &args.skip {
        h.edits.push(Hypothesis::parse_skip(s)?);
    }
    for s in &args.set_data {
        h.edits.push(Hypothesis::parse_set_data(s)?);
    }
    for s in &args.insert {
        h.edits.push(Hypothesis::parse_insert(s)?);
    }
    Ok((!h.is_empty()).then_some(h))
}
