//! What a reviewer changed (plain data): the difference between your session and a version that
//! came back in a link, as the list of settings that differ, old → new, in display units.

use dsp_worklet::PARAMS;
use dsp_worklet::params::{Group, ParamValues, Scope};

use crate::formats::document::{Comment, LaneDoc, SessionDoc, TrackDoc, param_values};
use crate::model::session::stem_name;

/// One setting that differs.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// "Master", "Session", or the track's name.
    pub place: String,
    /// The setting's name ("EQ 2 gain", "Loudness target").
    pub what: String,
    pub old: String,
    pub new: String,
}

impl Change {
    /// "Kick · Fader: -6.0 dB → -3.0 dB".
    pub fn text(&self) -> String {
        format!(
            "{} · {}: {} → {}",
            self.place, self.what, self.old, self.new
        )
    }
}

/// Every setting that differs between `mine` and `theirs`, session first, then the master, then
/// the tracks in my order (tracks only they have come last).
pub fn diff(mine: &SessionDoc, theirs: &SessionDoc) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |place: &str, what: &str, old: String, new: String| {
        if old != new {
            out.push(Change {
                place: place.into(),
                what: what.into(),
                old,
                new,
            });
        }
    };
    push("Session", "Name", mine.name.clone(), theirs.name.clone());
    let target = |d: &SessionDoc| {
        format!(
            "{} ({} LUFS / {} dBTP)",
            d.target.name, d.target.lufs, d.target.ceiling
        )
    };
    push("Session", "Loudness target", target(mine), target(theirs));
    let looped = |d: &SessionDoc| match d.loop_region {
        Some((a, b)) => {
            let r = d.sample_rate as f64;
            format!(
                "{:.3} s – {:.3} s{}",
                a as f64 / r,
                b as f64 / r,
                if d.loop_on { "" } else { " (off)" }
            )
        }
        None => "none".into(),
    };
    push("Session", "Loop region", looped(mine), looped(theirs));
    params(
        &mut push,
        "Master",
        &param_values(&mine.master),
        &param_values(&theirs.master),
        Scope::Master,
    );
    lanes(
        &mut push,
        "Master",
        &mine.master_lanes,
        &theirs.master_lanes,
    );
    for t in &mine.tracks {
        let name = stem_name(&t.stem.file_name);
        match theirs.tracks.iter().find(|x| same(t, x)) {
            Some(o) => {
                params(
                    &mut push,
                    &name,
                    &param_values(&t.params),
                    &param_values(&o.params),
                    Scope::Track,
                );
                lanes(&mut push, &name, &t.lanes, &o.lanes);
            }
            None => push(&name, "Track", "present".into(), "removed".into()),
        }
    }
    for o in theirs
        .tracks
        .iter()
        .filter(|o| !mine.tracks.iter().any(|t| same(t, o)))
    {
        push(
            &stem_name(&o.stem.file_name),
            "Track",
            "absent".into(),
            "added".into(),
        );
    }
    out
}

/// The same strip on both sides: same id and the same file (by hash or name).
fn same(a: &TrackDoc, b: &TrackDoc) -> bool {
    a.id == b.id && (a.stem.sha256 == b.stem.sha256 || a.stem.file_name == b.stem.file_name)
}

fn params(
    push: &mut impl FnMut(&str, &str, String, String),
    place: &str,
    a: &ParamValues,
    b: &ParamValues,
    scope: Scope,
) {
    for p in PARAMS
        .iter()
        .filter(|p| p.scope == scope && p.group != Group::Monitor)
    {
        let (x, y) = (a.get(p.id), b.get(p.id));
        if x.to_bits() != y.to_bits() {
            let (old, new) = (p.format(x), p.format(y));
            // Values too close to tell apart in display units still show.
            let (old, new) = if old == new {
                (format!("{x}"), format!("{y}"))
            } else {
                (old, new)
            };
            push(place, p.name, old, new);
        }
    }
}

/// Automation lanes that differ: "Vox · Gain lane: 4 points → 4 points, 3 changed", a lane
/// added ("none → 12 points") or removed, and a lane turned off or on.
fn lanes(
    push: &mut impl FnMut(&str, &str, String, String),
    place: &str,
    mine: &[LaneDoc],
    theirs: &[LaneDoc],
) {
    let points = |n: usize| format!("{n} point{}", if n == 1 { "" } else { "s" });
    let name = |id: u16| {
        dsp_worklet::ParamId::from_u16(id)
            .map_or_else(|| format!("#{id}"), |p| p.spec().name.to_string())
    };
    let mut params: Vec<u16> = mine.iter().map(|l| l.param).collect();
    params.extend(
        theirs
            .iter()
            .map(|l| l.param)
            .filter(|p| !mine.iter().any(|l| l.param == *p)),
    );
    for id in params {
        let what = format!("{} lane", name(id));
        let a = mine.iter().find(|l| l.param == id);
        let b = theirs.iter().find(|l| l.param == id);
        match (a, b) {
            (Some(a), Some(b)) => {
                // Points compared by their time and value (the document's deltas would count
                // every point after an insertion as changed).
                let abs = |l: &LaneDoc| {
                    let mut at = 0u64;
                    l.points
                        .iter()
                        .map(|&(d, shape)| {
                            at += d;
                            (at, shape)
                        })
                        .collect::<Vec<_>>()
                };
                let (pa, pb) = (abs(a), abs(b));
                // Moved points count once; added and removed ones once each.
                let (sa, sb): (std::collections::HashSet<_>, std::collections::HashSet<_>) =
                    (pa.iter().collect(), pb.iter().collect());
                let new = pb.iter().filter(|p| !sa.contains(p)).count();
                let gone = pa.iter().filter(|p| !sb.contains(p)).count();
                let changed = new.max(gone);
                if changed > 0 {
                    push(
                        place,
                        &what,
                        points(pa.len()),
                        format!("{}, {changed} changed", points(pb.len())),
                    );
                }
                if a.mode != b.mode {
                    let mode = |m: u8| {
                        crate::model::automation::LaneMode::from_u8(m)
                            .map_or("?", |m| m.key())
                            .to_string()
                    };
                    push(place, &format!("{what} mode"), mode(a.mode), mode(b.mode));
                }
            }
            (Some(a), None) => push(place, &what, points(a.points.len()), "removed".into()),
            (None, Some(b)) => push(place, &what, "none".into(), points(b.points.len())),
            (None, None) => {}
        }
    }
}

/// Their comments that are not in mine (by id) and that I have not deleted.
pub fn new_comments<'a>(mine: &SessionDoc, theirs: &'a SessionDoc) -> Vec<&'a Comment> {
    theirs
        .comments
        .iter()
        .filter(|c| !mine.comments.iter().any(|m| m.id == c.id))
        .filter(|c| !mine.deleted_comments.contains(&c.id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::document::{LaneDoc, StemIdentity, TargetDoc};
    use dsp_worklet::params::ParamId;

    fn doc() -> SessionDoc {
        SessionDoc {
            lineage: 5,
            name: "Song".into(),
            sample_rate: 48_000.0,
            target: TargetDoc {
                name: "Spotify".into(),
                lufs: -14.0,
                ceiling: -1.0,
            },
            loop_region: None,
            loop_on: false,
            master: vec![],
            tracks: [(1, "Kick.wav"), (2, "Vox.wav")]
                .iter()
                .map(|(id, n)| TrackDoc {
                    id: *id,
                    stem: StemIdentity {
                        file_name: n.to_string(),
                        duration_s: 10.0,
                        channels: 2,
                        sample_rate: 48_000.0,
                        sha256: [*id as u8; 32],
                    },
                    params: vec![],
                    lanes: vec![],
                })
                .collect(),
            master_lanes: vec![],
            comments: vec![],
            deleted_comments: vec![],
        }
    }

    #[test]
    fn lists_exactly_the_changed_settings() {
        let mine = doc();
        let mut theirs = doc();
        assert!(diff(&mine, &theirs).is_empty());
        theirs.tracks[1].params.push((ParamId::Gain as u16, -3.0));
        theirs.master.push((ParamId::MasterGain as u16, -1.5));
        theirs.comments.push(Comment {
            id: 1,
            start_s: 3.0,
            end_s: None,
            author: "Sam".into(),
            text: "lift the vocal".into(),
        });
        let d = diff(&mine, &theirs);
        let texts: Vec<String> = d.iter().map(Change::text).collect();
        assert_eq!(
            texts,
            vec![
                "Master · Master: 0.0 dB → -1.5 dB".to_string(),
                "Vox · Gain: 0.0 dB → -3.0 dB".to_string(),
            ],
            "{texts:?}"
        );
        assert_eq!(new_comments(&mine, &theirs).len(), 1);
        assert!(new_comments(&theirs, &theirs).is_empty());
    }

    #[test]
    fn lane_changes_are_counted_in_points() {
        let lane = |points: Vec<(u64, u16)>, reading: bool| LaneDoc {
            param: ParamId::Gain as u16,
            mode: reading as u8,
            points,
        };
        let mut mine = doc();
        mine.tracks[1].lanes = vec![lane(
            vec![(0, 700 << 2), (10, 640 << 2), (10, 600 << 2)],
            true,
        )];
        let mut theirs = mine.clone();
        // Three points moved (the first in time: every later delta shifts too).
        theirs.tracks[1].lanes = vec![lane(
            vec![(2, 690 << 2), (10, 630 << 2), (10, 610 << 2)],
            true,
        )];
        theirs.master_lanes = vec![LaneDoc {
            param: ParamId::MasterGain as u16,
            mode: 1,
            points: vec![(0, 0), (5, 4)],
        }];
        let texts: Vec<String> = diff(&mine, &theirs).iter().map(Change::text).collect();
        assert_eq!(
            texts,
            vec![
                "Master · Master lane: none → 2 points".to_string(),
                "Vox · Gain lane: 3 points → 3 points, 3 changed".to_string(),
            ]
        );
        // One point added after the others, and the lane turned off.
        let mut theirs = mine.clone();
        theirs.tracks[1].lanes[0].points.push((50, 0));
        theirs.tracks[1].lanes[0].mode = 0;
        let texts: Vec<String> = diff(&mine, &theirs).iter().map(Change::text).collect();
        assert_eq!(
            texts,
            vec![
                "Vox · Gain lane: 3 points → 4 points, 1 changed".to_string(),
                "Vox · Gain lane mode: read → off".to_string(),
            ]
        );
        theirs.tracks[1].lanes.clear();
        let texts: Vec<String> = diff(&mine, &theirs).iter().map(Change::text).collect();
        assert_eq!(
            texts,
            vec!["Vox · Gain lane: 3 points → removed".to_string()]
        );
    }

    #[test]
    fn session_settings_and_tracks_added_or_removed() {
        let mine = doc();
        let mut theirs = doc();
        theirs.target.name = "Custom".into();
        theirs.target.lufs = -11.0;
        theirs.loop_region = Some((48_000, 96_000));
        theirs.loop_on = true;
        theirs.tracks.remove(0);
        let d = diff(&mine, &theirs);
        let whats: Vec<&str> = d.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, vec!["Loudness target", "Loop region", "Track"]);
        assert_eq!(d[1].new, "1.000 s – 2.000 s");
        assert_eq!(d[2].new, "removed");
    }
}
