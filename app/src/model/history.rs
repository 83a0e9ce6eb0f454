//! Undo and redo (plain data, main thread): snapshots of the mix before each edit.
//!
//! A run of edits to the same control within [`COALESCE_MS`] of each other (a slider drag, a
//! held arrow key) is one step; anything else is its own step. Snapshots are whole mixes: the
//! waveform overviews are shared, so a snapshot costs a few KB per track.

/// Edits to one control closer together than this merge into one undo step, ms.
pub const COALESCE_MS: f64 = 800.0;
/// Steps kept.
pub const LIMIT: usize = 500;

/// What an edit touched, for coalescing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditKey {
    /// One track parameter (`ParamId as u16`).
    Track(u32, u16),
    /// One master parameter.
    Master(u16),
    /// A named control that sets several values at once (an EQ handle, Match target).
    Control(&'static str, u32),
    /// Never merges (adding or removing a track, a comment).
    Single,
}

/// The undo and redo stacks of states `T`.
#[derive(Clone, Debug)]
pub struct History<T> {
    past: Vec<T>,
    future: Vec<T>,
    last: Option<(EditKey, f64)>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        History {
            past: Vec::new(),
            future: Vec::new(),
            last: None,
        }
    }
}

impl<T> History<T> {
    /// Records the state `before` an edit made at `now_ms`. Returns false when the edit merged
    /// into the previous step.
    pub fn record(&mut self, before: T, key: EditKey, now_ms: f64) -> bool {
        let merges = key != EditKey::Single
            && self
                .last
                .is_some_and(|(k, t)| k == key && now_ms - t < COALESCE_MS && now_ms >= t);
        self.last = Some((key, now_ms));
        self.future.clear();
        if merges {
            return false;
        }
        self.past.push(before);
        if self.past.len() > LIMIT {
            self.past.remove(0);
        }
        true
    }

    /// The state to go back to; `current` becomes redoable.
    pub fn undo(&mut self, current: T) -> Option<T> {
        let prev = self.past.pop()?;
        self.future.push(current);
        self.last = None;
        Some(prev)
    }

    /// The state to go forward to; `current` becomes undoable.
    pub fn redo(&mut self, current: T) -> Option<T> {
        let next = self.future.pop()?;
        self.past.push(current);
        self.last = None;
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// Forgets everything (a different session was opened).
    pub fn clear(&mut self) {
        self.past.clear();
        self.future.clear();
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_mixed_edits_walk_back_and_forward_exactly() {
        let mut h = History::default();
        let mut state = 0u32;
        let mut seen = vec![state];
        for i in 0..20u32 {
            let key = match i % 3 {
                0 => EditKey::Track(1, i as u16),
                1 => EditKey::Master(i as u16),
                _ => EditKey::Single,
            };
            assert!(h.record(state, key, i as f64 * 10.0));
            state = state * 3 + i + 1;
            seen.push(state);
        }
        for k in (0..20).rev() {
            state = h.undo(state).unwrap();
            assert_eq!(state, seen[k]);
        }
        assert_eq!(h.undo(state), None);
        for expected in &seen[1..] {
            state = h.redo(state).unwrap();
            assert_eq!(state, *expected);
        }
        assert_eq!(h.redo(state), None);
    }

    #[test]
    fn a_drag_is_one_step_and_a_new_edit_clears_redo() {
        let mut h = History::default();
        let key = EditKey::Track(1, 1);
        assert!(h.record(0, key, 0.0));
        assert!(!h.record(1, key, 100.0));
        assert!(!h.record(2, key, 700.0));
        // A pause longer than the window starts a new step.
        assert!(h.record(3, key, 2_000.0));
        // Another control: a new step.
        assert!(h.record(4, EditKey::Track(1, 2), 2_010.0));
        assert_eq!(h.undo(5), Some(4));
        assert_eq!(h.undo(4), Some(3));
        assert_eq!(h.undo(3), Some(0));
        assert!(h.can_redo());
        // After an undo the same control starts a new step, and redo is gone.
        assert!(h.record(0, key, 2_020.0));
        assert!(!h.can_redo());
        // Single never merges.
        assert!(h.record(9, EditKey::Single, 2_030.0));
        assert!(h.record(9, EditKey::Single, 2_031.0));
    }
}
