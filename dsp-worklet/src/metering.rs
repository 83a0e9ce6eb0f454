//! Live metering of the master output, and the meter snapshot assembled from it and from the
//! engine's state (the word layout is documented in [`crate::meter`]). Audio thread: measuring and
//! assembling never allocate; only [`Metering::resize`] (when the track list changes) does.

use crate::loudness::{LoudnessMeter, LoudnessReadings};
use crate::meter::{HEADER_WORDS, LevelMeter, TRACK_WORDS};
use crate::spectrum::{BANDS, Spectrum};
use crate::track::Track;

/// Snapshot words that mean "nothing": a band while analysis is off, before the first snapshot.
const SILENT: f64 = -200.0;

/// The master's meters and the snapshot words.
#[derive(Debug)]
pub struct Metering {
    /// Live meters on (realtime) or off (offline export, where nobody reads them).
    on: bool,
    /// Spectrum analysis on (only while the UI shows it).
    analysis: bool,
    /// Peak and RMS of the master output, left and right.
    levels: [LevelMeter; 2],
    /// BS.1770 / R128 meter on the master output (`None` only for a rate it cannot take).
    loudness: Option<LoudnessMeter>,
    /// The same meter on the unmastered mix (latency-matched), for loudness-matched A/B.
    mix_loudness: Option<LoudnessMeter>,
    /// Correlation accumulators over the meter window: Σl·r, Σl², Σr².
    correlation: [f64; 3],
    /// Spectrum analyser of the master, run only while `analysis` is on.
    spectrum: Spectrum,
    /// Meter words; sized by [`resize`](Self::resize) whenever the track list changes.
    words: Vec<f64>,
}

/// What the rest of the engine reports in a snapshot's header (the transport, the limiter, the
/// monitor gains in effect, streaming).
#[derive(Clone, Copy, Debug)]
pub struct EngineStatus {
    pub position: u64,
    pub playing: bool,
    pub song_frames: u64,
    pub limiter_reduction_db: f32,
    pub ab_db: f64,
    pub platform_db: f64,
    pub underrun_frames: u64,
    pub waiting: bool,
    pub waited_blocks: u64,
    pub seek_serial: u32,
}

impl Metering {
    /// Meters on, analysis off, no tracks, at `sample_rate` Hz.
    pub fn new(sample_rate: f32) -> Metering {
        Metering {
            on: true,
            analysis: false,
            levels: [LevelMeter::default(); 2],
            loudness: LoudnessMeter::new(2, sample_rate as u32),
            mix_loudness: LoudnessMeter::loudness_only(2, sample_rate as u32),
            correlation: [0.0; 3],
            spectrum: Spectrum::new(sample_rate),
            words: vec![SILENT; HEADER_WORDS + BANDS],
        }
    }

    /// Turns live metering on or off ([`crate::Command::SetMetering`]).
    pub fn set_on(&mut self, on: bool) {
        self.on = on;
    }

    /// Turns spectrum analysis on or off ([`crate::Command::SetAnalysis`]); off clears it.
    pub fn set_analysis(&mut self, on: bool) {
        if !on {
            self.spectrum.clear();
        }
        self.analysis = on;
    }

    /// Restarts both loudness meters (integrated loudness runs from here).
    pub fn reset_loudness(&mut self) {
        for m in [&mut self.loudness, &mut self.mix_loudness]
            .into_iter()
            .flatten()
        {
            m.reset();
        }
    }

    /// Clears the master level accumulators.
    pub fn clear_levels(&mut self) {
        self.levels = [LevelMeter::default(); 2];
    }

    /// Sizes the words for `tracks` tracks (allocates: message handler only).
    pub fn resize(&mut self, tracks: usize) {
        self.words
            .resize(HEADER_WORDS + TRACK_WORDS * tracks + BANDS, SILENT);
    }

    /// Length of the snapshot in words.
    pub fn words(&self) -> usize {
        self.words.len()
    }

    /// Measures one block of the master output `l`, `r` (already cleaned) and of `prechain`, the
    /// latency-matched unmastered mix of the same frames. Nothing while metering is off.
    pub fn measure(&mut self, l: &[f32], r: &[f32], prechain: &[Vec<f32>; 2]) {
        if !self.on {
            return;
        }
        let n = l.len().min(r.len());
        let [c_lr, c_ll, c_rr] = &mut self.correlation;
        for (&l, &r) in l.iter().zip(r) {
            self.levels[0].add(l);
            self.levels[1].add(r);
            *c_lr += (l * r) as f64;
            *c_ll += (l * l) as f64;
            *c_rr += (r * r) as f64;
        }
        if let Some(m) = &mut self.loudness {
            m.add(&[l, r]);
        }
        if self.analysis {
            self.spectrum.push(l, r);
        }
        let [pl, pr] = prechain;
        if let Some(m) = &mut self.mix_loudness {
            m.add(&[&pl[..n], &pr[..n]]);
        }
    }

    /// The latest loudness readings of the master output and of the unmastered mix.
    pub fn loudness(&self) -> (LoudnessReadings, LoudnessReadings) {
        let read = |m: &Option<LoudnessMeter>| m.as_ref().map(|m| m.readings()).unwrap_or_default();
        (read(&self.loudness), read(&self.mix_loudness))
    }

    /// Fills and returns the meter words from `status`, the loudness readings `master` and `mix`
    /// (from [`loudness`](Self::loudness)), the master meters and each track's meters, and
    /// restarts the level accumulators (the master's and the tracks'). Never allocates.
    pub fn snapshot(
        &mut self,
        status: &EngineStatus,
        master: &LoudnessReadings,
        mix: &LoudnessReadings,
        tracks: &mut [Track],
    ) -> &[f64] {
        let (pl, rl, cl) = self.levels[0].take();
        let (pr, rr, cr) = self.levels[1].take();
        let [c_lr, c_ll, c_rr] = core::mem::take(&mut self.correlation);
        let corr = if c_ll > 0.0 && c_rr > 0.0 {
            c_lr / (c_ll * c_rr).sqrt()
        } else {
            0.0
        };
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        let header = [
            status.position as f64,
            flag(status.playing),
            status.song_frames as f64,
            pl as f64,
            pr as f64,
            rl as f64,
            rr as f64,
            flag(cl || cr),
            tracks.len() as f64,
            master.momentary,
            master.short_term,
            master.integrated,
            master.range,
            master.true_peak,
            master.sample_peak,
            status.limiter_reduction_db as f64,
            corr,
            mix.integrated,
            mix.short_term,
            status.ab_db,
            status.platform_db,
            status.underrun_frames as f64,
            flag(status.waiting),
            status.waited_blocks as f64,
            status.seek_serial as f64,
        ];
        let (head, body) = self.words.split_at_mut(HEADER_WORDS);
        head.copy_from_slice(&header);
        let (body, bands) = body.split_at_mut(body.len() - BANDS);
        if self.analysis {
            for (dst, b) in bands.iter_mut().zip(self.spectrum.analyse()) {
                *dst = *b as f64;
            }
        } else {
            bands.fill(SILENT);
        }
        for (t, words) in tracks.iter_mut().zip(body.chunks_exact_mut(TRACK_WORDS)) {
            let (peak, rms, clip) = t.meter.take();
            let (gate_gr, comp_gr) = t.take_reductions();
            words.copy_from_slice(&[
                t.id() as f64,
                peak as f64,
                rms as f64,
                flag(clip),
                gate_gr as f64,
                comp_gr as f64,
            ]);
        }
        &self.words
    }

    /// True when the accumulators (levels, correlation) are finite: a test probe. The loudness
    /// meters' readings are −∞ until measured, so they are not part of it.
    pub fn state_finite(&self) -> bool {
        self.levels.iter().all(LevelMeter::is_finite)
            && self.correlation.iter().all(|x| x.is_finite())
    }
}
