//! Every session the app can reach by editing survives every way it is stored: a random
//! sequence of the model's own edits (with the studio's input rules: names through
//! `shareable_name`, comments through the comment box's checks, growing edits refused past the
//! document's limits as `Studio::grow` does), then autosave bytes, a share link and a bundle's
//! `session.json` read back to the same document, and the session reopened from it to the same
//! mix.

use dsp_worklet::PARAMS;
use dsp_worklet::params::{Group, Scope};
use proptest::prelude::*;

use crate::formats::bundle_document::{bundle_document_json, parse_bundle_document};
use crate::formats::document::{
    Comment, MAX_COMMENT_CHARS, MAX_NAME_CHARS, check_text, shareable_name,
};
use crate::formats::invisible::reveal_hidden;
use crate::formats::share_link::{
    check_writable, decode, encode, from_bytes, to_bytes, to_checked_bytes,
};
use crate::model::session::{Mix, NewTrack};
use crate::model::targets::{PRESETS, Target};

/// One edit a user can make.
#[derive(Clone, Debug)]
enum Edit {
    /// Drop a file: its name, channels, length (frames), source rate and a hash seed.
    AddTrack(String, usize, u64, f32, u8),
    /// Remove the n-th strip (modulo the count).
    RemoveTrack(usize),
    /// Move a control of the n-th strip: parameter index among the track parameters, value.
    SetTrack(usize, usize, f32),
    /// Move a master control (monitoring included: it is how you listen, not stored).
    SetMaster(usize, f32),
    Rename(String),
    /// Write a comment: start (s), optional length (s), author, text.
    Comment(f64, Option<f64>, String, String),
    /// Delete the n-th comment.
    RemoveComment(usize),
    /// Set the loop: on, start and end seconds.
    Loop(bool, f64, f64),
    /// Pick a preset (index) or, past the presets, a custom target (LUFS, dBTP).
    Target(usize, f32, f32),
}

/// Names and comments as people type them, markup, right-to-left text and hidden characters
/// included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9 ._-]{0,24}",
        "[a-z <>&=:/]{0,16}",
        "[a-z \u{200B}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}]{0,16}",
        "[\u{0600}-\u{06FF}\u{200C} ]{0,16}",
        "\\PC{0,20}",
    ]
}

/// Any f32 bit pattern, or one inside a control's usual range.
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![any::<f32>(), -120.0f32..120.0, 0.0f32..20_000.0]
}

fn edit() -> impl Strategy<Value = Edit> {
    let track_params = PARAMS.iter().filter(|p| p.scope == Scope::Track).count();
    prop_oneof![
        3 => (text(), 1usize..=2, 1u64..48_000 * 600, prop::sample::select(vec![44_100.0f32, 48_000.0, 96_000.0]), any::<u8>())
            .prop_map(|(n, c, f, r, h)| Edit::AddTrack(format!("{n}.wav"), c, f, r, h)),
        1 => any::<usize>().prop_map(Edit::RemoveTrack),
        4 => (any::<usize>(), 0..track_params, value()).prop_map(|(t, p, v)| Edit::SetTrack(t, p, v)),
        2 => (any::<usize>(), value()).prop_map(|(p, v)| Edit::SetMaster(p, v)),
        1 => text().prop_map(Edit::Rename),
        2 => (0.0f64..86_400.0, prop::option::of(0.0f64..600.0), text(), text())
            .prop_map(|(s, l, a, t)| Edit::Comment(s, l, a, t)),
        1 => any::<usize>().prop_map(Edit::RemoveComment),
        2 => (any::<bool>(), -10.0f64..700.0, -10.0f64..700.0).prop_map(|(o, a, b)| Edit::Loop(o, a, b)),
        1 => (0usize..PRESETS.len() + 2, -60.0f32..10.0, -5.0f32..1.0)
            .prop_map(|(i, l, c)| Edit::Target(i, l, c)),
    ]
}

/// Applies one edit as the studio would.
fn apply(m: &mut Mix, e: Edit) {
    // `Studio::grow`: an edit that makes the session bigger is refused past the limits.
    let grow = |m: &mut Mix, f: &dyn Fn(&mut Mix)| {
        let mut next = m.clone();
        f(&mut next);
        if check_writable(&next.to_doc()).is_ok() {
            *m = next;
        }
    };
    let nth = |m: &Mix, n: usize| (!m.tracks.is_empty()).then(|| m.tracks[n % m.tracks.len()].id);
    match e {
        Edit::AddTrack(name, channels, frames, source_rate, seed) => grow(m, &|m| {
            m.add_track(NewTrack {
                file_name: shareable_name(&name),
                channels,
                frames,
                source_rate,
                overview: Vec::new(),
                sha256: core::array::from_fn(|i| seed.wrapping_add(i as u8)),
            });
        }),
        Edit::RemoveTrack(n) => {
            if let Some(id) = nth(m, n) {
                m.remove_track(id);
            }
        }
        Edit::SetTrack(n, p, v) => {
            let param = PARAMS.iter().filter(|p| p.scope == Scope::Track).nth(p);
            if let (Some(id), Some(param)) = (nth(m, n), param) {
                m.set_track_param(id, param.id, v);
            }
        }
        Edit::SetMaster(p, v) => {
            let masters: Vec<_> = PARAMS.iter().filter(|p| p.scope == Scope::Master).collect();
            m.set_master_param(masters[p % masters.len()].id, v);
        }
        // The session name field (export dialog).
        Edit::Rename(name) => m.name = shareable_name(name.trim()),
        // The comment box: hidden characters shown, then refused if still not plain text.
        Edit::Comment(start_s, len, author, body) => {
            let body = reveal_hidden(body.trim()).into_owned();
            let author = reveal_hidden(author.trim()).into_owned();
            if body.is_empty()
                || check_text("c", &body, MAX_COMMENT_CHARS).is_err()
                || check_text("a", &author, MAX_NAME_CHARS).is_err()
            {
                return;
            }
            let c = Comment {
                id: start_s.to_bits() ^ body.len() as u64,
                start_s,
                end_s: len.map(|l| (start_s + l).min(86_400.0)),
                author,
                text: body,
            };
            grow(m, &|m| _ = m.add_comment(c.clone()));
        }
        Edit::RemoveComment(n) => {
            if !m.comments.is_empty() {
                let id = m.comments[n % m.comments.len()].0;
                m.remove_comment(id);
            }
        }
        Edit::Loop(on, a, b) => _ = m.set_loop(on, a, b),
        Edit::Target(i, lufs, ceiling) => {
            m.target = PRESETS
                .get(i)
                .copied()
                .unwrap_or_else(|| Target::custom(lufs, ceiling));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_mix_reachable_by_editing_survives_storing_and_reopening(
        rate in prop::sample::select(vec![44_100.0f32, 48_000.0]),
        lineage in any::<u64>(),
        edits in prop::collection::vec(edit(), 0..40),
    ) {
        let mut mix = Mix::new_session(lineage);
        mix.sample_rate = rate;
        for e in edits {
            apply(&mut mix, e);
        }
        let doc = mix.to_doc();
        // Autosave: the app writes only what it can read back, and it reads back the same.
        let bytes = to_checked_bytes(&doc);
        prop_assert!(bytes.is_ok(), "{:?}", bytes);
        let bytes = bytes.unwrap();
        prop_assert_eq!(&bytes, &to_bytes(&doc));
        let back = from_bytes(&bytes);
        prop_assert_eq!(back.as_ref(), Ok(&doc));
        // A share link and a bundle's session.json.
        prop_assert_eq!(decode(&encode(&doc)), Ok(doc.clone()));
        prop_assert_eq!(parse_bundle_document(&bundle_document_json(&doc)), Ok(doc.clone()));
        // Reopened, it is the same mix: every stored setting, strip, comment and the loop.
        let reopened = Mix::from_doc(&back.unwrap(), rate);
        prop_assert_eq!(reopened.to_doc(), doc);
        prop_assert_eq!(&reopened.name, &mix.name);
        prop_assert_eq!((reopened.loop_region, reopened.loop_on), (mix.loop_region, mix.loop_on));
        for (a, b) in reopened.tracks.iter().zip(&mix.tracks) {
            prop_assert_eq!(
                (a.id, &a.file_name, a.channels, a.frames, a.source_rate, a.sha256, &a.name),
                (b.id, &b.file_name, b.channels, b.frames, b.source_rate, b.sha256, &b.name)
            );
            let same = |p: &&dsp_worklet::params::ParamSpec| {
                a.params.get(p.id).to_bits() == b.params.get(p.id).to_bits()
            };
            prop_assert!(PARAMS.iter().filter(|p| p.scope == Scope::Track).all(|p| same(&p)));
        }
        prop_assert!(PARAMS
            .iter()
            .filter(|p| p.scope == Scope::Master && p.group != Group::Monitor)
            .all(|p| reopened.master.get(p.id).to_bits() == mix.master.get(p.id).to_bits()));
        let comments = |m: &Mix| m.comments.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>();
        prop_assert_eq!(comments(&reopened), comments(&mix));
        prop_assert_eq!(reopened.target, mix.target);
        // Adding a strip to the reopened session still gives a fresh, valid id.
        let mut grown = reopened;
        let id = grown.add_track(NewTrack {
            file_name: "late.wav".into(),
            channels: 1,
            frames: 10,
            source_rate: rate,
            overview: Vec::new(),
            sha256: [0; 32],
        });
        prop_assert!(mix.tracks.iter().all(|t| t.id != id));
    }
}
