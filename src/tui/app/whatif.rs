//! What-if: the edits of the hypothesis the state is computed under
//! (docs/whatif.md). Editing runs `$VISUAL`/`$EDITOR` through an effect; the
//! runner suspends the terminal for it and answers with [`Msg::Edited`].

use serde_json::Value;

use super::{App, Effect, Pane};
use crate::hypothesis::{Edit, NewEvent};
use crate::json::write;
use crate::tui::msg::DiffMode;

/// What an editor session edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditKind {
    /// The data of event `at`.
    SetData { at: u64 },
    /// A new event after event `after`.
    Insert { after: u64 },
}

/// An editor session the runner carries out: the file's first text, and what
/// the result becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditJob {
    pub kind: EditKind,
    pub text: String,
    /// The JSON the file starts with: leaving it unchanged changes nothing.
    pub original: Value,
}

impl EditJob {
    /// Is `v` acceptable as the result? The message says why not.
    pub fn check(&self, v: &Value) -> Result<(), String> {
        match self.kind {
            EditKind::SetData { .. } => Ok(()),
            EditKind::Insert { .. } => NewEvent::from_json(v, "the inserted event")
                .map(|_| ())
                .map_err(|e| e.0),
        }
    }
}

impl App {
    /// The hypothesis changed: show it, and recompute the state under it.
    fn whatif_changed(&mut self, what: String) {
        let n = self.marks.whatif.edits.len();
        if n == 0 && self.diff.mode == DiffMode::WhatIf {
            self.diff.mode = DiffMode::Event;
        }
        if n > 0 {
            self.info_msg(format!(
                "what-if: {what}; {n} edit{} (u undoes, U drops all, D diffs recorded → hypothetical, W writes it)",
                if n == 1 { "" } else { "s" }
            ));
        } else {
            self.info_msg(format!("{what}: the state is the recorded one again"));
        }
        self.diff.scroll.reset();
        self.request_state();
    }

    pub(super) fn toggle_skip(&mut self) {
        if self.cursor == 0 {
            self.info_msg("no event at the start to skip");
            return;
        }
        if self.marks.whatif.toggle_skip(self.cursor) {
            self.diff.mode = DiffMode::WhatIf;
            self.lower = Pane::Diff;
            self.whatif_changed(format!("event {} skipped", self.cursor));
        } else {
            self.whatif_changed(format!("event {} restored", self.cursor));
        }
    }

    /// `X`: restore every skipped event, keep the other edits.
    pub(super) fn clear_skips(&mut self) {
        let before = self.marks.whatif.edits.len();
        self.marks.whatif.edits.retain(|e| !matches!(e, Edit::Skip { .. }));
        if self.marks.whatif.edits.len() == before {
            self.info_msg("no skipped event to restore");
            return;
        }
        self.whatif_changed("skipped events restored".into());
    }

    /// `u`: take back the last edit.
    pub(super) fn undo_edit(&mut self) {
        match self.marks.whatif.edits.pop() {
            Some(e) => self.whatif_changed(format!("undid {}", e.describe())),
            None => self.info_msg("no what-if edit to undo (x skips, e edits data, i inserts)"),
        }
    }

    /// `U`: drop the whole hypothesis.
    pub(super) fn drop_hypothesis(&mut self) {
        if self.marks.whatif.is_empty() {
            self.info_msg("no hypothesis to drop");
            return;
        }
        self.marks.whatif.edits.clear();
        self.whatif_changed("hypothesis dropped".into());
    }

    /// `D`: the diff pane shows recorded → hypothetical at the cursor (again: back
    /// to the event's own changes).
    pub(super) fn toggle_whatif_diff(&mut self) {
        self.diff.mode = if self.diff.mode == DiffMode::WhatIf {
            DiffMode::Event
        } else {
            DiffMode::WhatIf
        };
        self.diff.scroll.reset();
        self.lower = Pane::Diff;
        self.info_msg(format!("diff: {}", self.diff.mode.name()));
        self.request_state();
    }

    /// The event at the cursor, once its state reply has landed.
    pub(super) fn loaded_event(&self) -> Option<&crate::model::Event> {
        self.state
            .reply
            .as_ref()
            .and_then(|s| s.event.as_ref())
            .filter(|e| e.pos == self.cursor)
    }

    /// `e`: edit the data of the event at the cursor in the editor.
    pub(super) fn edit_data(&mut self) {
        if self.cursor == 0 {
            self.info_msg("no event at the start: e edits the data of the event at the cursor");
            return;
        }
        let Some(ev) = self.loaded_event() else {
            // Opened when the event lands: a key pressed right after a seek works.
            self.pending.edit = Some(self.cursor);
            self.info_msg(format!("loading event {}…", self.cursor));
            return;
        };
        let text = format!(
            "// rewind: the data of event {} ({} {}); save to use it, empty the file to cancel.\n{}\n",
            ev.pos,
            crate::sanitize::clean(&ev.stream),
            crate::sanitize::clean(&ev.ty),
            write::to_string_pretty(&ev.data)
        );
        self.fx.push(Effect::Edit(EditJob {
            kind: EditKind::SetData { at: ev.pos },
            text,
            original: ev.data.clone(),
        }));
    }

    /// `i`: insert a new event after the cursor, written in the editor from a template.
    pub(super) fn insert_event(&mut self) {
        let stream = self
            .cursor_event_names()
            .map(|(s, _)| s)
            .unwrap_or_else(|| "whatif".to_string());
        let template = serde_json::json!({"stream": stream, "type": "Note", "data": {}});
        let text = format!(
            "// rewind: a new event after {}: \"stream\", \"type\", \"data\", optional \"time\", \"seq\", \"id\", \"kind\", \"meta\".\n// Save to insert it, empty the file to cancel.\n{}\n",
            self.cursor,
            write::to_string_pretty(&template)
        );
        self.fx.push(Effect::Edit(EditJob {
            kind: EditKind::Insert { after: self.cursor },
            text,
            original: Value::Null,
        }));
    }

    /// What the editor gave back: `Ok(None)` when the user cancelled.
    pub(super) fn edited(&mut self, job: EditJob, result: Result<Option<Value>, String>) {
        let value = match result {
            Err(e) => {
                self.error_msg(format!("editor: {e}"));
                return;
            }
            Ok(None) => {
                self.info_msg("edit cancelled: nothing changed");
                return;
            }
            Ok(Some(v)) => v,
        };
        let edit = match job.kind {
            EditKind::SetData { at } => {
                if value == job.original {
                    self.info_msg(format!("event {at}: data unchanged"));
                    return;
                }
                Edit::SetData { at, data: value }
            }
            EditKind::Insert { after } => match NewEvent::from_json(&value, "the inserted event") {
                Ok(event) => Edit::Insert { after, event },
                Err(e) => {
                    self.error_msg(e.0);
                    return;
                }
            },
        };
        let what = edit.describe();
        self.marks.whatif.edits.push(edit);
        self.diff.mode = DiffMode::WhatIf;
        self.lower = Pane::Diff;
        self.whatif_changed(what);
    }

    /// `W`: write the hypothesis as a `--whatif` file.
    pub(super) fn write_whatif(&mut self) {
        if self.marks.whatif.is_empty() {
            self.info_msg("no hypothesis to write: x skips, e edits data, i inserts an event");
            return;
        }
        let text = write::to_string_pretty(&self.marks.whatif.to_json()) + "\n";
        self.fx.push(Effect::WriteWhatif(text));
    }

    /// Where `W` wrote the hypothesis: say so, with the command that reproduces it.
    pub(super) fn wrote_whatif(&mut self, result: Result<String, String>) {
        match result {
            Ok(path) => {
                let mut words: Vec<String> = self.info.inputs.iter().map(|i| shell_word(&i.0)).collect();
                if let Some(rules) = &self.rules_file {
                    words.push(format!("--rules {}", shell_word(rules)));
                }
                let command = format!(
                    "rewind whatif {} --whatif {} --at {}",
                    words.join(" "),
                    shell_word(&path),
                    self.cursor
                );
                // Copied too: with long input paths the status line cuts it.
                let note = format!("wrote {path}; reproduce (copied): {command}");
                self.copy(command, note);
            }
            Err(e) => self.error_msg(format!("could not write the hypothesis: {e}")),
        }
    }
}

/// `word` quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@+,".contains(&b))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
