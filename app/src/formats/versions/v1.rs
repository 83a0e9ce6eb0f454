//! Session format 1, frozen (plain data, any thread): the wire shape of every document written
//! with version byte 1 (share links, autosave records, bundles' `session.json` with
//! `"version": 1`).
//!
//! **These types must never change.** postcard records no field names, only their order and
//! types, so renaming, reordering, adding, removing or retyping anything here makes every
//! version-1 link and autosave unreadable (the golden tests in `versions::golden` fail). A new
//! shape is a new version: see [`crate::formats::versions`].

use serde::{Deserialize, Serialize};

use crate::formats::versions::v2::{
    CommentV2, SessionDocV2, StemIdentityV2, TargetDocV2, TrackDocV2,
};

/// One stem's identity, format 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StemIdentityV1 {
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

/// One strip, format 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackDocV1 {
    pub id: u32,
    pub stem: StemIdentityV1,
    /// `(ParamId as u16, value in display units)` for every track parameter not at its default.
    pub params: Vec<(u16, f32)>,
}

/// A review comment, format 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentV1 {
    pub id: u64,
    /// Start, seconds into the song.
    pub start_s: f64,
    /// End of a time range, seconds (`None` for a point).
    pub end_s: Option<f64>,
    pub author: String,
    pub text: String,
}

/// The loudness target, format 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetDocV1 {
    pub name: String,
    /// Integrated loudness, LUFS.
    pub lufs: f32,
    /// True-peak ceiling, dBTP.
    pub ceiling: f32,
}

/// The whole session, format 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionDocV1 {
    pub lineage: u64,
    pub name: String,
    /// The session's sample rate, Hz.
    pub sample_rate: f32,
    pub target: TargetDocV1,
    /// Loop region, frames at `sample_rate`.
    pub loop_region: Option<(u64, u64)>,
    pub loop_on: bool,
    /// Master-scope parameters not at their default.
    pub master: Vec<(u16, f32)>,
    pub tracks: Vec<TrackDocV1>,
    pub comments: Vec<CommentV1>,
    /// Ids of deleted comments, newest last.
    pub deleted_comments: Vec<u64>,
}

/// Format 1 → format 2: the same session without automation lanes (a version-1 session had
/// none), so it sounds and reads as it did.
impl From<SessionDocV1> for SessionDocV2 {
    fn from(d: SessionDocV1) -> SessionDocV2 {
        SessionDocV2 {
            lineage: d.lineage,
            name: d.name,
            sample_rate: d.sample_rate,
            target: TargetDocV2 {
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
                .map(|t| TrackDocV2 {
                    id: t.id,
                    stem: StemIdentityV2 {
                        file_name: t.stem.file_name,
                        duration_s: t.stem.duration_s,
                        channels: t.stem.channels,
                        sample_rate: t.stem.sample_rate,
                        sha256: t.stem.sha256,
                    },
                    params: t.params,
                    lanes: Vec::new(),
                })
                .collect(),
            master_lanes: Vec::new(),
            comments: d
                .comments
                .into_iter()
                .map(|c| CommentV2 {
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
