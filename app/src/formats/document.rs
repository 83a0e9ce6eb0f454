//! The session document (plain data, any thread): everything that makes a mix sound the way it
//! does, without the audio. Share links, autosave and session bundles all carry this one type.
//!
//! Parameters are stored by their stable numeric id ([`ParamId`], never reused), and only where
//! they differ from the table's default, so a link stays short and an old link keeps working when
//! parameters are added. Each stem is identified by its file name, length, channels, rate and the
//! SHA-256 of the file's bytes, so the receiver's own copy can be recognised.
//!
//! [`SessionDoc::validate`] is the gate every document from outside passes through: a document
//! that fails it is refused whole, with a sentence saying what is wrong.

use core::fmt;
use std::borrow::Cow;

use dsp_worklet::PARAMS;
use dsp_worklet::params::{Group, ParamId, ParamValues, Scope};
use serde::{Deserialize, Serialize};

use crate::formats::invisible::{holds_hidden, reveal_hidden};
use crate::model::targets::{CEILING_RANGE, LUFS_RANGE, PRESETS, Target};

/// The document format this build writes and the newest it reads.
pub const FORMAT_VERSION: u8 = 2;

/// Limits on what a document may hold (a link or bundle over them is refused).
pub const MAX_TRACKS: usize = 512;
pub const MAX_COMMENTS: usize = 2000;
/// Characters in a session, file or author name.
pub const MAX_NAME_CHARS: usize = 255;
/// Characters in a comment.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// Largest track id a document may hold: 2^24 − 1 (16,777,215), exact in an `f32` and in any
/// JavaScript number, with room to count one past it. Ids start at 1 and a session gives each
/// new strip the next one (see `Mix::add_track`), so no session reaches it by use.
pub const MAX_TRACK_ID: u32 = (1 << 24) - 1;
/// Latest time a loop region or comment may reach, seconds (24 hours).
pub const MAX_SECONDS: f64 = 86_400.0;

/// One stem's identity: enough to recognise the receiver's copy of the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StemIdentity {
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

/// One strip: its engine id (stable within a session's history), stem and non-default parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrackDoc {
    pub id: u32,
    pub stem: StemIdentity,
    /// `(ParamId as u16, value in display units)` for every track parameter not at its default.
    pub params: Vec<(u16, f32)>,
    /// The strip's automation lanes (format 2 on).
    pub lanes: Vec<LaneDoc>,
}

/// One automation lane (format 2 on).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneDoc {
    /// The parameter's stable id ([`ParamId`] as u16).
    pub param: u16,
    /// The lane's mode (`model::automation::LaneMode as u8`: 0 off, 1 read, 2 touch, 3 latch,
    /// 4 write).
    pub mode: u8,
    /// In time order, each `(steps, shape)`: `steps`, the point's distance from the previous
    /// point (the first: from the song's start) in automation grid steps
    /// ([`GRID_FRAMES`](dsp_worklet::automation::GRID_FRAMES) frames at the session rate);
    /// `shape`, the value's step ([`step_value`](crate::model::automation::step_value):
    /// the table's own step, or a step of the travel) times 4, plus the
    /// curve of the segment to the next point (0 linear, 1 slow, 2 fast). Points are kept on
    /// that grid and those steps (`model::automation`), so this is exact, and a session with
    /// thousands of points still fits a link.
    pub points: Vec<(u64, u16)>,
}

/// A timestamped review comment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// Random id given when the comment is written: the same comment in two versions of a
    /// session, and the key of its deletion record.
    pub id: u64,
    /// Start, seconds into the song.
    pub start_s: f64,
    /// End of a time range, seconds (`None` for a point).
    pub end_s: Option<f64>,
    pub author: String,
    pub text: String,
}

/// The loudness target as stored: a preset's name or "Custom", with its numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetDoc {
    pub name: String,
    pub lufs: f32,
    pub ceiling: f32,
}

/// The whole session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionDoc {
    /// Random id given when a session is started. A link with the id of the session you have
    /// derives from it, so opening it shows a diff instead of replacing your session.
    pub lineage: u64,
    pub name: String,
    /// The session's sample rate, Hz (the rate its stems were decoded to).
    pub sample_rate: f32,
    pub target: TargetDoc,
    /// Loop region, frames at `sample_rate`.
    pub loop_region: Option<(u64, u64)>,
    pub loop_on: bool,
    /// Master-scope parameters not at their default (monitoring excluded).
    pub master: Vec<(u16, f32)>,
    pub tracks: Vec<TrackDoc>,
    /// The master's automation lanes (format 2 on).
    pub master_lanes: Vec<LaneDoc>,
    pub comments: Vec<Comment>,
    /// Ids of comments deleted in this session, so a reviewer's link that still has one does
    /// not bring it back (newest last, at most [`MAX_COMMENTS`]).
    pub deleted_comments: Vec<u64>,
}

/// What is wrong with a document from outside. `Display` is a sentence fragment that follows
/// "The share link …" or "<bundle>: …".
#[derive(Clone, Debug, PartialEq)]
pub enum DocError {
    /// More tracks or comments than the limits.
    TooMany {
        what: &'static str,
        count: usize,
        max: usize,
    },
    /// A parameter id this build does not know (or of the wrong scope).
    UnknownParam { place: String, id: u16 },
    /// A value that is NaN, infinite or outside its range.
    BadValue {
        place: String,
        what: String,
        value: String,
        range: String,
    },
    /// A name or comment with markup, control characters or too many characters.
    BadText { place: String, why: &'static str },
    /// Two tracks with one id.
    DuplicateTrack { id: u32 },
    /// A track id over [`MAX_TRACK_ID`].
    TrackId { id: u32 },
    /// The encoded document is larger than a reader accepts (bytes before compression).
    TooLarge { bytes: usize, max: usize },
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocError::TooMany { what, count, max } => {
                write!(f, "holds {count} {what}; at most {max} are allowed")
            }
            DocError::TooLarge { bytes, max } => write!(
                f,
                "is {} KB of settings and comments; at most {} KB are allowed (shorter or fewer comments make room)",
                bytes.div_ceil(1024),
                max / 1024
            ),
            DocError::UnknownParam { place, id } => {
                write!(
                    f,
                    "sets parameter {id} on {place}, which Second Ear does not have"
                )
            }
            DocError::BadValue {
                place,
                what,
                value,
                range,
            } => write!(f, "sets {what} on {place} to {value}, outside {range}"),
            DocError::BadText { place, why } => write!(f, "{place} {why}"),
            DocError::DuplicateTrack { id } => write!(f, "lists track {id} twice"),
            DocError::TrackId { id } => write!(
                f,
                "gives a track the id {id}; track ids go up to {MAX_TRACK_ID}"
            ),
        }
    }
}

impl std::error::Error for DocError {}

impl SessionDoc {
    /// Cuts a document that breaks the count limits down to them, for recovering a session saved
    /// by a build that did not enforce them: the first [`MAX_TRACKS`] tracks and [`MAX_COMMENTS`]
    /// comments (in timeline order), the newest deleted-comment records. A track id over
    /// [`MAX_TRACK_ID`] gets the lowest free one, and a loop region [`validate`](Self::validate)
    /// refuses is dropped. Says what was cut (empty: nothing).
    pub fn trim_to_limits(&mut self) -> Vec<String> {
        let mut cut = Vec::new();
        if self.tracks.len() > MAX_TRACKS {
            cut.push(format!("{} tracks", self.tracks.len() - MAX_TRACKS));
            self.tracks.truncate(MAX_TRACKS);
        }
        if self.comments.len() > MAX_COMMENTS {
            let n = self.comments.len() - MAX_COMMENTS;
            cut.push(format!("the last {n} comments on the timeline"));
            self.comments.truncate(MAX_COMMENTS);
        }
        let extra = self.deleted_comments.len().saturating_sub(MAX_COMMENTS);
        self.deleted_comments.drain(..extra);
        // Ids past the bound get the lowest free ones (ids only need to be unique; none is shown).
        for i in 0..self.tracks.len() {
            if self.tracks[i].id > MAX_TRACK_ID {
                let free = (1..=MAX_TRACK_ID)
                    .find(|id| !self.tracks.iter().any(|t| t.id == *id))
                    .unwrap_or(MAX_TRACK_ID);
                self.tracks[i].id = free;
            }
        }
        if self.loop_region.is_some() && self.check_loop().is_err() {
            cut.push("the loop region".into());
            self.loop_region = None;
            self.loop_on = false;
        }
        cut
    }

    /// Replaces hidden format characters in every name and comment with a visible mark (see
    /// [`crate::formats::invisible`]). Every document read from outside goes through this
    /// before [`validate`](Self::validate), so an old document that holds one still opens.
    pub fn reveal_hidden_text(&mut self) {
        let reveal = |s: &mut String| {
            if let Cow::Owned(shown) = reveal_hidden(s) {
                *s = shown;
            }
        };
        reveal(&mut self.name);
        reveal(&mut self.target.name);
        for t in &mut self.tracks {
            reveal(&mut t.stem.file_name);
        }
        for c in &mut self.comments {
            reveal(&mut c.author);
            reveal(&mut c.text);
        }
    }

    /// The loop region, if set, starts before it ends and ends within [`MAX_SECONDS`] (the
    /// session's sample rate must be valid).
    fn check_loop(&self) -> Result<(), DocError> {
        let Some((a, b)) = self.loop_region else {
            return Ok(());
        };
        let rate = self.sample_rate as f64;
        let end_s = b as f64 / rate;
        if a < b && end_s <= MAX_SECONDS {
            return Ok(());
        }
        Err(DocError::BadValue {
            place: "the session".into(),
            what: "the loop region".into(),
            value: format!("{:.3} … {:.3} s", a as f64 / rate, end_s),
            range: format!("a start before its end, within 0 … {MAX_SECONDS} s"),
        })
    }

    /// Checks every value against the parameter table and limits. Nothing is clamped: a document
    /// that fails is refused whole.
    pub fn validate(&self) -> Result<(), DocError> {
        if self.tracks.len() > MAX_TRACKS {
            return Err(DocError::TooMany {
                what: "tracks",
                count: self.tracks.len(),
                max: MAX_TRACKS,
            });
        }
        if self.deleted_comments.len() > MAX_COMMENTS {
            return Err(DocError::TooMany {
                what: "deleted-comment records",
                count: self.deleted_comments.len(),
                max: MAX_COMMENTS,
            });
        }
        if self.comments.len() > MAX_COMMENTS {
            return Err(DocError::TooMany {
                what: "comments",
                count: self.comments.len(),
                max: MAX_COMMENTS,
            });
        }
        check_text("the session name", &self.name, MAX_NAME_CHARS)?;
        let session = "the session";
        finite_in(
            session,
            "the sample rate",
            self.sample_rate as f64,
            8_000.0,
            384_000.0,
            "Hz",
        )?;
        check_text(
            "the loudness target's name",
            &self.target.name,
            MAX_NAME_CHARS,
        )?;
        finite_in(
            session,
            "the target loudness",
            self.target.lufs as f64,
            LUFS_RANGE.0 as f64,
            LUFS_RANGE.1 as f64,
            "LUFS",
        )?;
        finite_in(
            session,
            "the true-peak ceiling",
            self.target.ceiling as f64,
            CEILING_RANGE.0 as f64,
            CEILING_RANGE.1 as f64,
            "dBTP",
        )?;
        self.check_loop()?;
        check_params("the master", &self.master, Scope::Master)?;
        let song = MAX_SECONDS * self.sample_rate as f64;
        check_lanes("the master", &self.master_lanes, Scope::Master, song)?;
        let mut ids = Vec::with_capacity(self.tracks.len());
        for (i, t) in self.tracks.iter().enumerate() {
            let place = format!("track {}", i + 1);
            if t.id > MAX_TRACK_ID {
                return Err(DocError::TrackId { id: t.id });
            }
            if ids.contains(&t.id) {
                return Err(DocError::DuplicateTrack { id: t.id });
            }
            ids.push(t.id);
            check_text(
                &format!("{place}'s file name"),
                &t.stem.file_name,
                MAX_NAME_CHARS,
            )?;
            let place = format!("track {} ({})", i + 1, t.stem.file_name);
            finite_in(
                &place,
                "the duration",
                t.stem.duration_s,
                0.0,
                MAX_SECONDS,
                "s",
            )?;
            finite_in(
                &place,
                "the channel count",
                t.stem.channels as f64,
                1.0,
                2.0,
                "channels",
            )?;
            finite_in(
                &place,
                "the file's sample rate",
                t.stem.sample_rate as f64,
                1_000.0,
                768_000.0,
                "Hz",
            )?;
            check_params(&place, &t.params, Scope::Track)?;
            check_lanes(&place, &t.lanes, Scope::Track, song)?;
        }
        for (i, c) in self.comments.iter().enumerate() {
            let place = format!("comment {}", i + 1);
            finite_in(&place, "the time", c.start_s, 0.0, MAX_SECONDS, "s")?;
            if let Some(end) = c.end_s {
                finite_in(&place, "the end time", end, c.start_s, MAX_SECONDS, "s")?;
            }
            check_text(&format!("{place}'s author"), &c.author, MAX_NAME_CHARS)?;
            check_text(&place, &c.text, MAX_COMMENT_CHARS)?;
        }
        Ok(())
    }

    /// The target as the app holds it: the preset of that name when the numbers agree, else a
    /// custom target (the document was validated, so the numbers are in range).
    pub fn app_target(&self) -> Target {
        PRESETS
            .iter()
            .copied()
            .find(|p| {
                p.name == self.target.name
                    && p.lufs == self.target.lufs
                    && p.ceiling == self.target.ceiling
            })
            .unwrap_or_else(|| Target::custom(self.target.lufs, self.target.ceiling))
    }
}

/// `(id, value)` pairs for the parameters of `scope` that differ from their defaults.
pub fn changed_params(values: &ParamValues, scope: Scope) -> Vec<(u16, f32)> {
    PARAMS
        .iter()
        .filter(|p| p.scope == scope && p.group != Group::Monitor)
        .filter(|p| values.get(p.id).to_bits() != p.default.to_bits())
        .map(|p| (p.id as u16, values.get(p.id)))
        .collect()
}

/// Parameter values from stored pairs (validated first, so every pair is set exactly).
pub fn param_values(pairs: &[(u16, f32)]) -> ParamValues {
    let mut v = ParamValues::default();
    for (id, value) in pairs {
        if let Some(p) = ParamId::from_u16(*id) {
            v.set(p, *value);
        }
    }
    v
}

fn check_params(place: &str, pairs: &[(u16, f32)], scope: Scope) -> Result<(), DocError> {
    for (id, value) in pairs {
        let spec = ParamId::from_u16(*id)
            .map(|p| p.spec())
            .filter(|s| s.scope == scope && s.group != Group::Monitor)
            .ok_or_else(|| DocError::UnknownParam {
                place: place.to_string(),
                id: *id,
            })?;
        // Exact round trip: a value the table would change on setting is not one Second Ear wrote.
        if !value.is_finite() || spec.clamp(*value).to_bits() != value.to_bits() {
            return Err(DocError::BadValue {
                place: place.to_string(),
                what: format!("\"{}\"", spec.name),
                value: format!("{value}"),
                range: format!("its range {} … {}", spec.min, spec.max),
            });
        }
    }
    Ok(())
}

/// Lanes: automatable parameters of `scope`, one lane each, at most
/// [`MAX_LANE_POINTS`](crate::model::automation::MAX_LANE_POINTS) points in frame order up to
/// `last_frame`, values exactly as the table keeps them, known curves.
fn check_lanes(
    place: &str,
    lanes: &[LaneDoc],
    scope: Scope,
    last_frame: f64,
) -> Result<(), DocError> {
    use crate::model::automation::MAX_LANE_POINTS;
    for (i, lane) in lanes.iter().enumerate() {
        let spec = ParamId::from_u16(lane.param)
            .filter(|p| p.spec().scope == scope && dsp_worklet::automation::automatable(*p))
            .map(|p| p.spec())
            .ok_or_else(|| DocError::UnknownParam {
                place: format!("{place}'s automation"),
                id: lane.param,
            })?;
        let here = format!("{place}'s {} lane", spec.name);
        if lanes[..i].iter().any(|l| l.param == lane.param) {
            return Err(DocError::BadText {
                place: here,
                why: "appears twice",
            });
        }
        if crate::model::automation::LaneMode::from_u8(lane.mode).is_none() {
            return Err(DocError::BadValue {
                place: here,
                what: "the mode".into(),
                value: format!("{}", lane.mode),
                range: "0 (off) … 4 (write)".into(),
            });
        }
        if lane.points.len() > MAX_LANE_POINTS {
            return Err(DocError::TooMany {
                what: "automation points in one lane",
                count: lane.points.len(),
                max: MAX_LANE_POINTS,
            });
        }
        let mut steps_total: u64 = 0;
        for (k, &(steps, shape)) in lane.points.iter().enumerate() {
            let at = format!("{here}, point {}", k + 1);
            steps_total = steps_total.saturating_add(steps);
            let frame = steps_total.saturating_mul(dsp_worklet::automation::GRID_FRAMES);
            if frame as f64 > last_frame {
                return Err(DocError::BadValue {
                    place: at,
                    what: "the time".into(),
                    value: format!("frame {frame}"),
                    range: "within 24 hours".into(),
                });
            }
            let (travel, curve) = (shape >> 2, (shape & 3) as u8);
            let last = crate::model::automation::last_step(spec.id);
            if travel > last {
                return Err(DocError::BadValue {
                    place: at,
                    what: "the value's step".into(),
                    value: format!("{travel}"),
                    range: format!("0 … {last}"),
                });
            }
            if dsp_worklet::automation::Curve::from_u8(curve).is_none() {
                return Err(DocError::BadValue {
                    place: at,
                    what: "the curve".into(),
                    value: format!("{curve}"),
                    range: "0 (linear), 1 (slow) or 2 (fast)".into(),
                });
            }
        }
    }
    Ok(())
}

/// Lanes as the document stores them (empty lanes are not stored).
pub fn lane_docs(lanes: &[crate::model::automation::Lane]) -> Vec<LaneDoc> {
    lanes
        .iter()
        .filter(|l| !l.points.is_empty())
        .map(|l| LaneDoc {
            param: l.param as u16,
            mode: l.mode.as_u8(),
            points: {
                let grid = dsp_worklet::automation::GRID_FRAMES;
                let mut at = 0;
                l.points
                    .iter()
                    .map(|p| {
                        let step = p.frame / grid;
                        let steps = step.saturating_sub(at);
                        at = at.max(step);
                        let travel = crate::model::automation::value_step(l.param, p.value);
                        (steps, travel << 2 | p.curve as u16)
                    })
                    .collect()
            },
        })
        .collect()
}

/// Lanes from a (validated) document, their frames scaled by `scale` (the receiver's rate over
/// the document's).
pub fn lanes_of(docs: &[LaneDoc], scale: f64) -> Vec<crate::model::automation::Lane> {
    use dsp_worklet::automation::{Curve, Point};
    let grid = dsp_worklet::automation::GRID_FRAMES;
    docs.iter()
        .filter_map(|d| {
            let param = ParamId::from_u16(d.param)?;
            let mut step = 0u64;
            let lane = crate::model::automation::Lane {
                param,
                mode: crate::model::automation::LaneMode::from_u8(d.mode)
                    .unwrap_or(crate::model::automation::LaneMode::Read),
                points: d
                    .points
                    .iter()
                    .map(|&(steps, shape)| {
                        step = step.saturating_add(steps);
                        Point {
                            frame: step.saturating_mul(grid),
                            value: crate::model::automation::step_value(param, shape >> 2),
                            curve: Curve::from_u8((shape & 3) as u8).unwrap_or(Curve::Linear),
                        }
                    })
                    .collect(),
            };
            Some(lane.rescaled(scale))
        })
        .collect()
}

fn finite_in(
    place: &str,
    what: &str,
    value: f64,
    min: f64,
    max: f64,
    unit: &str,
) -> Result<(), DocError> {
    if value.is_finite() && value >= min && value <= max {
        Ok(())
    } else {
        Err(DocError::BadValue {
            place: place.to_string(),
            what: what.to_string(),
            value: format!("{value}"),
            range: format!("{min} … {max} {unit}"),
        })
    }
}

/// Names and comments are plain text: no markup, no control characters, no hidden format
/// characters ([`crate::formats::invisible`]), bounded length.
pub fn check_text(place: &str, text: &str, max_chars: usize) -> Result<(), DocError> {
    let bad = |why| {
        Err(DocError::BadText {
            place: place.to_string(),
            why,
        })
    };
    if text.chars().count() > max_chars {
        return bad("is too long");
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return bad("contains control characters");
    }
    if holds_hidden(text) {
        return bad("contains invisible direction or zero-width characters");
    }
    if contains_markup(text) {
        return bad("contains HTML or script markup; links and bundles carry plain text only");
    }
    Ok(())
}

/// HTML elements whose tags count as markup (a bracketed word that is not one, as in
/// "Vox <comp>.wav", is ordinary text).
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "applet",
    "audio",
    "b",
    "base",
    "body",
    "br",
    "button",
    "canvas",
    "details",
    "dialog",
    "div",
    "em",
    "embed",
    "font",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "isindex",
    "keygen",
    "link",
    "marquee",
    "math",
    "meta",
    "noscript",
    "object",
    "p",
    "param",
    "picture",
    "plaintext",
    "script",
    "select",
    "source",
    "span",
    "strong",
    "style",
    "svg",
    "table",
    "td",
    "template",
    "textarea",
    "title",
    "tr",
    "u",
    "video",
    "xmp",
];

/// True for text that carries HTML or script: a tag of an HTML element (`<img …`, `</b>`), a
/// comment or declaration (`<!`, `<?`), an event-handler attribute (`onerror=`), an entity that
/// could hide a tag (`&lt;`, `&#60;`), or a `javascript:` URL. A lone `<`, as in "vox < gtr",
/// and a bracketed word such as "Vox <comp>" are plain text.
pub fn contains_markup(text: &str) -> bool {
    let lower = text.to_lowercase();
    let b = lower.as_bytes();
    let skip_space = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let word_end = |mut i: usize, alnum: bool| {
        while i < b.len() && (b[i].is_ascii_alphabetic() || (alnum && b[i].is_ascii_digit())) {
            i += 1;
        }
        i
    };
    let tag = (0..b.len()).any(|i| {
        if b[i] != b'<' {
            return false;
        }
        if matches!(b.get(i + 1), Some(b'!' | b'?')) {
            return true;
        }
        let mut j = skip_space(i + 1);
        if b.get(j) == Some(&b'/') {
            j = skip_space(j + 1);
        }
        let end = word_end(j, true);
        // Byte ranges of ASCII letters and digits are whole characters.
        HTML_TAGS.iter().any(|t| t.as_bytes() == &b[j..end])
    });
    let handler = (0..b.len().saturating_sub(2)).any(|i| {
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if !boundary || &b[i..i + 2] != b"on" {
            return false;
        }
        let end = word_end(i + 2, false);
        end > i + 2 && b.get(skip_space(end)) == Some(&b'=')
    });
    let entity = lower.contains("&lt") || lower.contains("&#") || lower.contains("&gt");
    tag || handler || entity || lower.contains("javascript:")
}

/// A name the app can always share: the length is cut to [`MAX_NAME_CHARS`], hidden format
/// characters are shown as U+FFFD ([`reveal_hidden`]), control characters become spaces, and
/// text that [`contains_markup`] has its `<`, `>` and `&` replaced by look-alikes (‹ › ＆).
/// Dropped file names go through this on both sides of a link, so they still match by name; a
/// document read from outside has its hidden characters shown the same way.
pub fn shareable_name(name: &str) -> String {
    let cut: String = name.chars().take(MAX_NAME_CHARS).collect();
    let mut s: String = reveal_hidden(&cut)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if contains_markup(&s) {
        s = s.replace('<', "‹").replace('>', "›").replace('&', "＆");
        if contains_markup(&s) {
            // Only `javascript:` or an `on…=` attribute can be left.
            s = s.replace(':', "∶").replace('=', "꞊");
        }
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample_doc() -> SessionDoc {
        SessionDoc {
            lineage: 0x1234_5678_9abc_def0,
            name: "Song".into(),
            sample_rate: 48_000.0,
            target: TargetDoc {
                name: "Spotify".into(),
                lufs: -14.0,
                ceiling: -1.0,
            },
            loop_region: Some((48_000, 96_000)),
            loop_on: false,
            master: vec![(ParamId::MasterGain as u16, -3.0)],
            tracks: vec![TrackDoc {
                id: 1,
                stem: StemIdentity {
                    file_name: "Kick.wav".into(),
                    duration_s: 30.0,
                    channels: 2,
                    sample_rate: 44_100.0,
                    sha256: [7; 32],
                },
                params: vec![(ParamId::Gain as u16, -6.0), (ParamId::Eq2Gain as u16, 3.5)],
                lanes: vec![LaneDoc {
                    param: ParamId::Gain as u16,
                    mode: 1,
                    points: vec![(0, 640 << 2), (3_000, 580 << 2 | 1)],
                }],
            }],
            master_lanes: vec![],
            deleted_comments: vec![],
            comments: vec![Comment {
                id: 42,
                start_s: 12.5,
                end_s: Some(14.0),
                author: "Sam".into(),
                text: "vox < gtr here".into(),
            }],
        }
    }

    #[test]
    fn a_good_document_passes_and_maps_its_target() {
        let d = sample_doc();
        assert_eq!(d.validate(), Ok(()));
        assert_eq!(d.app_target(), PRESETS[0]);
        let mut custom = d.clone();
        custom.target.lufs = -11.0;
        assert_eq!(custom.app_target().name, "Custom");
    }

    #[test]
    fn bad_values_are_refused_with_their_place() {
        let mut d = sample_doc();
        d.tracks[0].params[0].1 = f32::NAN;
        let e = d.validate().unwrap_err().to_string();
        assert!(e.contains("track 1 (Kick.wav)") && e.contains("NaN"), "{e}");

        let mut d = sample_doc();
        d.tracks[0].params[0].1 = 99.0;
        assert!(matches!(d.validate(), Err(DocError::BadValue { .. })));

        let mut d = sample_doc();
        d.master.push((ParamId::Gain as u16, 0.0)); // a track parameter on the master
        assert!(matches!(
            d.validate(),
            Err(DocError::UnknownParam { id: 1, .. })
        ));

        let mut d = sample_doc();
        d.master.push((ParamId::Mono as u16, 1.0)); // monitoring is not part of a mix
        assert!(d.validate().is_err());

        let mut d = sample_doc();
        d.tracks[0].params.push((9999, 0.0));
        assert!(matches!(
            d.validate(),
            Err(DocError::UnknownParam { id: 9999, .. })
        ));

        let mut d = sample_doc();
        d.target.lufs = f32::INFINITY;
        assert!(d.validate().is_err());

        let mut d = sample_doc();
        d.comments[0].end_s = Some(1.0);
        assert!(d.validate().is_err());

        let mut d = sample_doc();
        d.tracks.push(d.tracks[0].clone());
        assert_eq!(d.validate(), Err(DocError::DuplicateTrack { id: 1 }));
    }

    #[test]
    fn track_ids_past_the_bound_are_refused_and_recovery_renumbers_them() {
        let mut d = sample_doc();
        d.tracks[0].id = MAX_TRACK_ID;
        assert_eq!(d.validate(), Ok(()));
        for id in [MAX_TRACK_ID + 1, u32::MAX] {
            let mut d = sample_doc();
            d.tracks[0].id = id;
            let e = d.validate().unwrap_err();
            assert_eq!(e, DocError::TrackId { id });
            assert_eq!(
                e.to_string(),
                format!("gives a track the id {id}; track ids go up to 16777215")
            );
        }
        let mut d = sample_doc();
        d.tracks.push(d.tracks[0].clone());
        d.tracks[0].id = u32::MAX;
        d.tracks[1].id = 1;
        assert!(
            d.trim_to_limits().is_empty(),
            "ids are not the user's business"
        );
        assert_eq!(d.tracks[0].id, 2);
        assert_eq!(d.validate(), Ok(()));
    }

    #[test]
    fn a_loop_region_must_end_within_a_day() {
        let mut d = sample_doc();
        let day = (MAX_SECONDS * 48_000.0) as u64;
        d.loop_region = Some((day - 48_000, day));
        assert_eq!(d.validate(), Ok(()));
        d.loop_region = Some((0, day + 1));
        let e = d.validate().unwrap_err().to_string();
        assert!(e.contains("the loop region") && e.contains("86400"), "{e}");
        d.loop_region = Some((u64::MAX - 1, u64::MAX));
        assert!(d.validate().is_err());
        d.loop_region = Some((96_000, 48_000));
        assert!(d.validate().is_err());
        // Recovery drops a loop region no reader accepts and says so.
        d.loop_on = true;
        assert_eq!(d.trim_to_limits(), vec!["the loop region"]);
        assert_eq!((d.loop_region, d.loop_on), (None, false));
        assert_eq!(d.validate(), Ok(()));
    }

    #[test]
    fn hidden_format_characters_are_refused_and_revealed_on_reading() {
        let mut d = sample_doc();
        d.comments[0].text = "vox \u{202E}duol oot".into();
        let e = d.validate().unwrap_err().to_string();
        assert!(
            e.starts_with("comment 1 ") && e.contains("invisible"),
            "{e}"
        );
        d.name = "Mix\u{200B}".into();
        d.tracks[0].stem.file_name = "Kick\u{2066}.wav".into();
        d.comments[0].author = "\u{FEFF}Sam".into();
        d.target.name = "Spotify\u{200F}".into();
        d.reveal_hidden_text();
        assert_eq!(d.comments[0].text, "vox \u{FFFD}duol oot");
        assert_eq!(d.name, "Mix\u{FFFD}");
        assert_eq!(d.tracks[0].stem.file_name, "Kick\u{FFFD}.wav");
        assert_eq!(d.comments[0].author, "\u{FFFD}Sam");
        assert_eq!(d.target.name, "Spotify\u{FFFD}");
        assert_eq!(d.validate(), Ok(()));
        // The name of a dropped file is shown the same way, so both sides of a link match.
        assert_eq!(shareable_name("Kick\u{2066}.wav"), "Kick\u{FFFD}.wav");
        assert_eq!(shareable_name("Vox\u{202E}vaw.exe"), "Vox\u{FFFD}vaw.exe");
        // A joiner cut off from its word by the length limit is not left hidden at the end.
        let long = format!("{}\u{200C}b", "a".repeat(MAX_NAME_CHARS - 1));
        assert_eq!(
            check_text("n", &shareable_name(&long), MAX_NAME_CHARS),
            Ok(())
        );
    }

    #[test]
    fn markup_and_control_characters_are_refused() {
        for bad in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "</b>",
            "<!-- x -->",
            "&lt;script&gt;",
            "&#60;b>",
            "JavaScript:alert(1)",
            "bell\u{7}",
            "< / script >",
            "x onclick = go()",
        ] {
            let mut d = sample_doc();
            d.comments[0].text = bad.into();
            let e = d.validate().unwrap_err().to_string();
            assert!(e.starts_with("comment 1 "), "{bad}: {e}");
            let mut d = sample_doc();
            d.tracks[0].stem.file_name = bad.into();
            assert!(d.validate().is_err(), "{bad}");
        }
        for good in [
            "vox < gtr",
            "a <3 b",
            "multi\nline",
            "x > y & z",
            "Vox <comp>.wav",
            "Song <v2>",
            "Bonus=1",
            "turn it on = louder",
        ] {
            assert!(!contains_markup(good) || good.contains('\n'), "{good}");
            let mut d = sample_doc();
            d.comments[0].text = good.into();
            assert_eq!(d.validate(), Ok(()), "{good}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_checked_without_panicking_and_made_shareable(text in "\\PC{0,300}|[<>&#=onj:a-z /!?]{0,40}|[a-z \u{200B}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}\u{00AD}]{0,300}") {
            let _ = contains_markup(&text);
            let s = shareable_name(&text);
            proptest::prop_assert_eq!(check_text("n", &s, MAX_NAME_CHARS), Ok(()));
        }
    }

    #[test]
    fn any_name_can_be_made_shareable() {
        for name in [
            "<script>alert(1)</script>.wav",
            "x onclick=go().wav",
            "javascript:void(0)",
            "tab\there",
            &"long".repeat(100),
            "Vox <comp>.wav",
        ] {
            let s = shareable_name(name);
            assert_eq!(check_text("n", &s, MAX_NAME_CHARS), Ok(()), "{name} -> {s}");
        }
        assert_eq!(shareable_name("Vox <comp>.wav"), "Vox <comp>.wav");
    }

    #[test]
    fn only_changed_params_are_stored_and_read_back_exactly() {
        let mut v = ParamValues::default();
        v.set(ParamId::Gain, -6.5);
        v.set(ParamId::Pan, 20.0);
        v.set(ParamId::MasterGain, -1.0); // another scope: not in the track list
        let pairs = changed_params(&v, Scope::Track);
        assert_eq!(
            pairs,
            vec![(ParamId::Gain as u16, -6.5), (ParamId::Pan as u16, 20.0)]
        );
        let back = param_values(&pairs);
        assert_eq!(back.get(ParamId::Gain), -6.5);
        assert_eq!(back.get(ParamId::Pan), 20.0);
        assert_eq!(
            back.get(ParamId::MasterGain),
            ParamValues::default().get(ParamId::MasterGain)
        );
    }
}
