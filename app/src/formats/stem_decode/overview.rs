//! Waveform overview built incrementally from decoded chunks.

use super::decoder::Chunk;

/// Builds the min/max waveform overview of a stem while it is being decoded, without keeping the
/// audio.
///
/// Column `c` of `C` covers frames `c·F/C .. (c+1)·F/C` (integer division) of a stem of `F`
/// frames; its value is the minimum and maximum of every finite sample of every channel in that
/// range, `(0.0, 0.0)` if there is none. `C` is `min(columns, F)`.
///
/// When `total_frames_estimate` equals the number of frames actually pushed, the result is
/// identical to the engine's `waveform_overview(channels, columns)` over the whole stem. When it
/// differs (unknown or wrong declared length, file cut off), the overview is rebuilt for the real
/// length from a finer summary of 8–16 blocks per column, so column edges are then placed to
/// within a block (≤ 1/8 column) and peaks are never lost.
#[derive(Debug, Clone)]
pub struct OverviewBuilder {
    columns: usize,
    estimate: u64,
    /// Columns for the estimated length.
    exact: Vec<(f32, f32)>,
    col: usize,
    col_end: u64,
    frames: u64,
    /// Fallback summary: min/max per block of `block_len` frames, plus the block being filled.
    blocks: Vec<(f32, f32)>,
    block_len: u64,
    block: (f32, f32),
    block_fill: u64,
}

const EMPTY: (f32, f32) = (f32::INFINITY, f32::NEG_INFINITY);

fn merge(a: (f32, f32), b: (f32, f32)) -> (f32, f32) {
    (a.0.min(b.0), a.1.max(b.1))
}

fn finish_column(v: (f32, f32)) -> (f32, f32) {
    if v.0 > v.1 { (0.0, 0.0) } else { v }
}

/// Frame where column `col` of `cols` over `frames` starts.
fn column_start(col: usize, frames: u64, cols: usize) -> u64 {
    (col as u128 * u128::from(frames) / cols as u128) as u64
}

/// Min/max of the finite samples of all `planes` in `range`.
fn min_max(planes: &[&[f32]], range: std::ops::Range<usize>) -> (f32, f32) {
    let mut acc = EMPTY;
    for plane in planes {
        for &x in plane
            .get(range.start..range.end.min(plane.len()))
            .unwrap_or(&[])
        {
            // Same result as `acc.0.min(x)` / `acc.1.max(x)`, but those are only called when
            // they can change something: in wasm each is a call (`fminf`/`fmaxf`), per sample.
            if x.is_finite() {
                if x <= acc.0 {
                    acc.0 = acc.0.min(x);
                }
                if x >= acc.1 {
                    acc.1 = acc.1.max(x);
                }
            }
        }
    }
    acc
}

impl OverviewBuilder {
    /// `total_frames_estimate`: the stem's expected length in frames (e.g.
    /// `StemDecoder::expected_output_frames().unwrap_or(0)`; 0 if unknown). `columns`: how many
    /// min/max pairs to produce (typically the overview's width in pixels).
    pub fn new(total_frames_estimate: u64, columns: usize) -> Self {
        let exact_cols = (columns as u64).min(total_frames_estimate) as usize;
        OverviewBuilder {
            columns,
            estimate: total_frames_estimate,
            exact: vec![EMPTY; exact_cols],
            col: 0,
            col_end: if exact_cols > 0 {
                column_start(1, total_frames_estimate, exact_cols)
            } else {
                0
            },
            frames: 0,
            blocks: Vec::new(),
            // Starts at one frame and doubles whenever the block list fills up, so the real
            // length always ends up with 8–16 blocks per column, whatever the estimate said.
            block_len: 1,
            block: EMPTY,
            block_fill: 0,
        }
    }

    fn max_blocks(columns: usize) -> usize {
        columns.saturating_mul(16).max(2)
    }

    /// Adds the next frames of the stem: one slice per channel (the longest sets the frame
    /// count; non-finite samples are ignored).
    pub fn push(&mut self, planes: &[&[f32]]) {
        let len = planes.iter().map(|p| p.len()).max().unwrap_or(0);
        let mut i = 0;
        while i < len {
            // The next segment stays inside one block and, while within the estimate, one column.
            let mut end = len.min(i + (self.block_len - self.block_fill) as usize);
            let in_estimate = self.col < self.exact.len() && self.frames < self.estimate;
            if in_estimate {
                end = end.min(i + (self.col_end - self.frames) as usize);
            }
            let mm = min_max(planes, i..end);
            let n = (end - i) as u64;
            if in_estimate {
                self.exact[self.col] = merge(self.exact[self.col], mm);
            }
            self.block = merge(self.block, mm);
            self.block_fill += n;
            self.frames += n;
            if in_estimate && self.frames == self.col_end {
                self.col += 1;
                self.col_end = column_start(self.col + 1, self.estimate, self.exact.len());
            }
            if self.block_fill == self.block_len {
                self.blocks.push(self.block);
                self.block = EMPTY;
                self.block_fill = 0;
                if self.blocks.len() >= Self::max_blocks(self.columns) {
                    self.blocks = self
                        .blocks
                        .chunks(2)
                        .map(|p| merge(p[0], p[p.len() - 1]))
                        .collect();
                    self.block_len *= 2;
                }
            }
            i = end;
        }
    }

    /// Adds a decoded chunk (see [`push`](Self::push)).
    pub fn push_chunk(&mut self, chunk: &Chunk) {
        let planes: Vec<&[f32]> = chunk.planes.iter().map(Vec::as_slice).collect();
        self.push(&planes);
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The overview: `min(columns, frames)` pairs of (min, max) linear sample values.
    pub fn finish(self) -> Vec<(f32, f32)> {
        if self.frames == self.estimate {
            return self.exact.into_iter().map(finish_column).collect();
        }
        let mut blocks = self.blocks;
        if self.block_fill > 0 {
            blocks.push(self.block);
        }
        let frames = self.frames;
        let cols = (self.columns as u64).min(frames) as usize;
        (0..cols)
            .map(|col| {
                let start = column_start(col, frames, cols);
                let end = column_start(col + 1, frames, cols).max(start + 1);
                let (b0, b1) = (
                    (start / self.block_len) as usize,
                    ((end - 1) / self.block_len) as usize,
                );
                finish_column(blocks[b0..=b1].iter().copied().fold(EMPTY, merge))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_follow_the_estimate() {
        let l = [0.0, 0.5, -0.25, 0.1];
        let r = [0.0, -0.75, 0.0, 0.2];
        let mut b = OverviewBuilder::new(4, 2);
        b.push(&[&l[..1], &r[..1]]);
        b.push(&[&l[1..], &r[1..]]);
        assert_eq!(b.finish(), vec![(-0.75, 0.5), (-0.25, 0.2)]);
        assert!(OverviewBuilder::new(0, 10).finish().is_empty());
        assert!(OverviewBuilder::new(10, 0).finish().is_empty());
    }

    #[test]
    fn wrong_estimate_still_covers_the_real_length() {
        // Estimate 10 s, only 3 s arrive: the overview spans the 3 s.
        let frames = 3000;
        let data: Vec<f32> = (0..frames)
            .map(|i| if i == 2999 { 0.9 } else { 0.1 })
            .collect();
        let mut b = OverviewBuilder::new(10_000, 100);
        b.push(&[&data]);
        let o = b.finish();
        assert_eq!(o.len(), 100);
        assert_eq!(o[99].1, 0.9);
        assert!(
            o[..99].iter().all(|&(lo, hi)| lo == 0.1 && hi == 0.1),
            "{o:?}"
        );
        // Unknown length, many more frames than blocks: memory stays bounded.
        let mut b = OverviewBuilder::new(0, 10);
        for _ in 0..1000 {
            b.push(&[&data]);
        }
        assert!(b.blocks.len() < 160);
        assert_eq!(b.finish().len(), 10);
    }
}
