//! The what-if flags (`--skip`, `--set-data`, `--insert`, `--whatif`) as a hypothesis.

use anyhow::{bail, Result};

use super::args::EditArgs;
use crate::hypothesis::Hypothesis;

/// The hypothesis of a command that can `--follow` a growing recording, which
/// takes no edits: their positions are of the recording as it is.
pub(super) fn hypothesis_unless_following(args: &EditArgs, follow: bool) -> Result<Option<Hypothesis>> {
    let h = hypothesis(args)?;
    if h.is_some() && follow {
        bail!("--follow does not take what-if edits: their positions are of the recording as it is");
    }
    Ok(h)
}

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
