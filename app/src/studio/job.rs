//! State of a long background task the user can watch and cancel (export, Match target).

use leptos::prelude::*;

/// Running flag, cancel request, progress 0…1 and a status line. `Copy`, for closures.
#[derive(Clone, Copy)]
pub struct Job {
    pub running: RwSignal<bool>,
    pub cancel: RwSignal<bool>,
    pub progress: RwSignal<f64>,
    pub status: RwSignal<String>,
}

impl Job {
    pub fn new() -> Job {
        Job {
            running: RwSignal::new(false),
            cancel: RwSignal::new(false),
            progress: RwSignal::new(0.0),
            status: RwSignal::new(String::new()),
        }
    }

    /// Starts the job with a status line; false if one is already running.
    pub fn begin(self, status: impl Into<String>) -> bool {
        if self.running.get_untracked() {
            return false;
        }
        self.running.set(true);
        self.cancel.set(false);
        self.progress.set(0.0);
        self.status.set(status.into());
        true
    }

    /// Whether cancel was pressed (for the task to poll).
    pub fn cancelled(self) -> bool {
        self.cancel.get_untracked()
    }

    pub fn finish(self) {
        self.running.set(false);
    }
}

impl Default for Job {
    fn default() -> Self {
        Job::new()
    }
}
