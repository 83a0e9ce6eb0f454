//! Session format 2, frozen (plain data, any thread): the wire shape of every document written
//! with version byte 2 (share links, autosave records, bundles' `session.json` with
//! `"version": 2`). Format 2 added automation lanes: `TrackDocV2::lanes` and
//! `SessionDocV2::master_lanes`.
//!
//! **These types must never change.** postcard records no field names, only their order and
//! types, so renaming, reordering, adding, removing or retyping anything here makes every
//! version-2 link and autosave unreadable (the golden tests in `versions::golden` fail). A new
//! shape is a new version: see [`crate::formats::versions`].

use serde::{Deserialize, Serialize};

use crate::formats::document::{Comment, LaneDoc, SessionDoc, StemIdentity, TargetDoc, TrackDoc};

/// One stem's identity, format 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StemIdentityV2 {
    pub file_name: String,
    /// Length of the decoded audio, seconds.
    pub duration_s: f64,
    /// 1 or 2.
    pub channels: u8,
    /// The file's own sample rate, Hz.
    pub sample_rate: f32,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
}

/// One automation lane, format 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneDocV2 {
    /// The parameter's stable id.
    pub param: u16,
    /// 0 off, 1 read, 2 touch, 3 latch, 4 write.
    pub mode: u8,
    /// `(grid steps after the previous point, travel step · 4 + curve)`.
    pub points: Vec<(u64, u16)>,
}

/// One strip, format 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackDocV2 {
    pub id: u32,
    pub stem: StemIdentityV2,
    /// `(ParamId as u16, value in display units)` for every track parameter not at its default.
    pub params: Vec<(u16, f32)>,
    pub lanes: Vec<LaneDocV2>,
}

/// A review comment, format 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentV2 {
    pub id: u64,
    /// Start, seconds into the song.
    pub start_s: f64,
    /// End of a time range, seconds (`None` for a point).
    pub end_s: Option<f64>,
    pub author: String,
    pub text: String,
}

/// The loudness target, format 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetDocV2 {
    pub name: String,
    /// Integrated loudness, LUFS.
    pub lufs: f32,
    /// True-peak ceiling, dBTP.
    pub ceiling: f32,
}

/// The whole session, format 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionDocV2 {
    pub lineage: u64,
    pub name: String,
    /// The session's sample rate, Hz.
    pub sample_rate: f32,
    pub target: TargetDocV2,
    /// Loop region, frames at `sample_rate`.
    pub loop_region: Option<(u64, u64)>,
    pub loop_on: bool,
    /// Master-scope parameters not at their default.
    pub master: Vec<(u16, f32)>,
    pub tracks: Vec<TrackDocV2>,
    pub master_lanes: Vec<LaneDocV2>,
    pub comments: Vec<CommentV2>,
    /// Ids of deleted comments, newest last.
    pub deleted_comments: Vec<u64>,
}

fn lane(l: LaneDocV2) -> LaneDoc {
    LaneDoc {
        param: l.param,
        mode: l.mode,
        points: l.points,
    }
}

/// Format 2 is the current format: its migration copies every field. When format 3 is added,
/// this becomes `From<SessionDocV2> for SessionDocV3` (see [`crate::formats::versions`]).
impl From<SessionDocV2> for SessionDoc {
    fn from(d: SessionDocV2) -> SessionDoc {
        SessionDoc {
            lineage: d.lineage,
            name: d.name,
            sample_rate: d.sample_rate,
            target: TargetDoc {
                name: d.target.name,
                lufs: d.target.lufs,
                ceiling: d.target.ceiling,
            },
            loop_region: d.loop_region,
            loop_on: d.loop_on,
            master: d.master,
            tracks: d
                .tracks
                .into_iter()
                .map(|t| TrackDoc {
                    id: t.id,
                    stem: StemIdentity {
                        file_name: t.stem.file_name,
                        duration_s: t.stem.duration_s,
                        channels: t.stem.channels,
                        sample_rate: t.stem.sample_rate,
                        sha256: t.stem.sha256,
                    },
                    params: t.params,
                    lanes: t.lanes.into_iter().map(lane).collect(),
                })
                .collect(),
            master_lanes: d.master_lanes.into_iter().map(lane).collect(),
            comments: d
                .comments
                .into_iter()
                .map(|c| Comment {
                    id: c.id,
                    start_s: c.start_s,
                    end_s: c.end_s,
                    author: c.author,
                    text: c.text,
                })
                .collect(),
            deleted_comments: d.deleted_comments,
        }
    }
}
