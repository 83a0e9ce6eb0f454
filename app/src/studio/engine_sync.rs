//! The one path from the mix to the engine (main thread). Every change of the mix or of what is
//! heard ends in [`Studio::sync_engine`], which diffs what the engine was last told against
//! [`Studio::heard`] (`Mix::transition_to`) and sends only the difference: tracks removed, tracks
//! posted (their stems streamed from the store), then parameter and loop commands, then the
//! automation lanes' changes (`model::lane_book`). Transport
//! commands (play, pause, seek) are not mix state and go straight to the engine.

use leptos::prelude::*;

use crate::browser::engine_link;
use crate::model::session::Mix;
use crate::studio::controller::Studio;

impl Studio {
    /// Tells the engine what changed since it was last told (nothing before it runs).
    pub fn sync_engine(self) {
        let Some(told) = self.told.get_value() else {
            return;
        };
        let heard = self.heard.get_untracked();
        let tr = told.transition_to(&heard);
        for id in &tr.added {
            let Some(t) = heard.track(*id) else {
                continue;
            };
            let sha = crate::browser::hashing::hex(&t.sha256);
            if let Err(e) = engine_link::post_stem(*id, &t.file_name, &sha) {
                self.report(e);
            }
        }
        engine_link::send(&tr.commands);
        // Lanes after their tracks (a track's lanes live in it) and after the removals (whose
        // lanes went with them).
        let moves = self.lanes_told.try_update_value(|book| {
            for id in &tr.removed {
                book.forget_track(*id);
            }
            book.sync(&heard)
        });
        if let Some(moves) = moves {
            engine_link::send_lanes(&moves);
        }
        self.told.set_value(Some(heard));
    }

    /// The engine is up (and knows nothing yet): it hears the whole mix now.
    pub(crate) fn engine_started(self) {
        self.told.set_value(Some(Mix::fresh_engine()));
        self.lanes_told.set_value(Default::default());
        self.sync_engine();
    }
}
