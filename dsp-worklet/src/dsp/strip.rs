//! A track's processing chain, in the order DESIGN.md gives: trim and polarity → high-pass →
//! low-pass → EQ → gate → compressor → saturation → chorus → phaser → flanger. (Fader, pan and
//! sends follow in
//! [`crate::track::Track`].) The chain delays every track by [`STRIP_LATENCY_FRAMES`], whatever is
//! switched on, so tracks stay sample-aligned with each other.

use super::chorus::{Chorus, ChorusSettings};
use super::compressor::Compressor;
use super::eq::{BandSettings, Equalizer, band_response_db};
use super::filters::{PassFilter, pass_response_db};
use super::flanger::{Flanger, FlangerSettings};
use super::gate::Gate;
use super::mod_delay::ModDelay;
use super::phaser::{Phaser, PhaserSettings};
use super::saturation::Saturation;
use super::svf::{SvfCoefs, SvfShape, SvfState};
use super::svf_chain;
use super::switch::Switch;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;
use crate::params::{ParamId, ParamValues, db_to_gain};

/// Latency of every strip, frames at the session rate (the saturation's oversampling filters;
/// constant so that switching a module never shifts a track in time).
pub const STRIP_LATENCY_FRAMES: usize = super::saturation::LATENCY_FRAMES;

/// EQ band `i`'s (freq, gain, Q) parameter ids.
pub const BAND_PARAMS: [(ParamId, ParamId, ParamId); 4] = [
    (ParamId::Eq1Freq, ParamId::Eq1Gain, ParamId::Eq1Q),
    (ParamId::Eq2Freq, ParamId::Eq2Gain, ParamId::Eq2Q),
    (ParamId::Eq3Freq, ParamId::Eq3Gain, ParamId::Eq3Q),
    (ParamId::Eq4Freq, ParamId::Eq4Gain, ParamId::Eq4Q),
];

/// Band `i`'s settings from a value table.
pub fn band_settings(v: &ParamValues, i: usize) -> BandSettings {
    let (f, g, q) = BAND_PARAMS[i];
    BandSettings {
        freq: v.get(f),
        gain_db: v.get(g),
        q: v.get(q),
    }
}

/// Magnitude response in dB at `freq` of the strip's filters and EQ as set in `v` (modules that
/// are off contribute nothing). The same design functions build the DSP coefficients, so the EQ
/// curve the UI draws is the filter that runs.
pub fn strip_response_db(v: &ParamValues, freq: f64, fs: f64) -> f64 {
    let mut db = 0.0;
    if v.on(ParamId::HpOn) {
        db += pass_response_db(
            SvfShape::HighPass,
            v.get(ParamId::HpFreq) as f64,
            v.get(ParamId::HpSlope),
            freq,
            fs,
        );
    }
    if v.on(ParamId::LpOn) {
        db += pass_response_db(
            SvfShape::LowPass,
            v.get(ParamId::LpFreq) as f64,
            v.get(ParamId::LpSlope),
            freq,
            fs,
        );
    }
    if v.on(ParamId::EqOn) {
        db += (0..4)
            .map(|i| band_response_db(i, band_settings(v, i), freq, fs))
            .sum::<f64>();
    }
    db
}

/// Trim and polarity: one signed gain, ramped (a polarity flip fades through zero, no click).
#[derive(Clone, Debug)]
struct InputStage {
    gain: LinearSmoother,
}

/// The modulation effects, which hold delay lines (allocated with the track, cleared in place).
#[derive(Clone, Debug)]
struct Modulation {
    chorus: Chorus,
    chorus_on: Switch,
    phaser: Phaser,
    phaser_on: Switch,
    flanger: Flanger,
    flanger_on: Switch,
    /// The song frame of the modules' next input (the LFOs follow it; see [`StripChain::sync`]).
    frame: i64,
}

/// The modulation effects' delay lines, which outlive a reset.
struct Lines {
    chorus: [ModDelay; 2],
    flanger: [ModDelay; 2],
}

impl Modulation {
    /// Allocates the lines (when the track is added).
    fn new(v: &ParamValues, sample_rate: f32) -> Modulation {
        let lines = Lines {
            chorus: Chorus::lines(sample_rate),
            flanger: Flanger::lines(sample_rate),
        };
        Modulation::with_lines(v, sample_rate, lines)
    }

    fn take_lines(&mut self) -> Lines {
        Lines {
            chorus: self.chorus.take_lines(),
            flanger: self.flanger.take_lines(),
        }
    }

    /// Fresh modules as `v` sets them, in `lines` (cleared; no allocation).
    fn with_lines(v: &ParamValues, sample_rate: f32, lines: Lines) -> Modulation {
        let ms = |p: ParamId| p.spec().smoothing_ms;
        let sw = |p: ParamId| Switch::new(v.on(p), ms(p), sample_rate);
        Modulation {
            chorus: Chorus::new(
                ChorusSettings {
                    voices: v.get(ParamId::ChorusVoices),
                    rate_hz: v.get(ParamId::ChorusRate),
                    depth_pct: v.get(ParamId::ChorusDepth),
                    mix_pct: v.get(ParamId::ChorusMix),
                },
                ms(ParamId::ChorusRate),
                sample_rate,
                lines.chorus,
            ),
            chorus_on: sw(ParamId::ChorusOn),
            phaser: Phaser::new(
                PhaserSettings {
                    stages: v.get(ParamId::PhaserStages),
                    rate_hz: v.get(ParamId::PhaserRate),
                    depth_pct: v.get(ParamId::PhaserDepth),
                    feedback_pct: v.get(ParamId::PhaserFeedback),
                    mix_pct: v.get(ParamId::PhaserMix),
                },
                ms(ParamId::PhaserRate),
                sample_rate,
            ),
            phaser_on: sw(ParamId::PhaserOn),
            flanger: Flanger::new(
                FlangerSettings {
                    rate_hz: v.get(ParamId::FlangerRate),
                    depth_pct: v.get(ParamId::FlangerDepth),
                    feedback_pct: v.get(ParamId::FlangerFeedback),
                    mix_pct: v.get(ParamId::FlangerMix),
                },
                ms(ParamId::FlangerRate),
                sample_rate,
                lines.flanger,
            ),
            flanger_on: sw(ParamId::FlangerOn),
            frame: 0,
        }
    }

    /// Sets a modulation parameter; false when `id` is not one.
    fn set(&mut self, id: ParamId, v: f32, snap: bool) -> bool {
        let on = v >= 0.5;
        // Switched on at once (stopped or paused): the module starts clean, its LFO at the
        // song's phase, as a fade-in from off would start it.
        let (frame, start) = (self.frame, snap && on);
        match id {
            ParamId::ChorusOn if start && self.chorus_on.is_off() => {
                self.chorus_on.set(on, snap);
                self.chorus.sync(frame);
            }
            ParamId::PhaserOn if start && self.phaser_on.is_off() => {
                self.phaser_on.set(on, snap);
                self.phaser.sync(frame);
            }
            ParamId::FlangerOn if start && self.flanger_on.is_off() => {
                self.flanger_on.set(on, snap);
                self.flanger.sync(frame);
            }
            ParamId::ChorusOn => self.chorus_on.set(on, snap),
            ParamId::ChorusVoices => self.chorus.set_voices(v, snap),
            ParamId::ChorusRate => self.chorus.set_rate(v, snap),
            ParamId::ChorusDepth => self.chorus.set_depth(v, snap),
            ParamId::ChorusMix => self.chorus.set_mix(v, snap),
            ParamId::PhaserOn => self.phaser_on.set(on, snap),
            ParamId::PhaserStages => self.phaser.set_stages(v, snap),
            ParamId::PhaserRate => self.phaser.set_rate(v, snap),
            ParamId::PhaserDepth => self.phaser.set_depth(v, snap),
            ParamId::PhaserFeedback => self.phaser.set_feedback(v, snap),
            ParamId::PhaserMix => self.phaser.set_mix(v, snap),
            ParamId::FlangerOn => self.flanger_on.set(on, snap),
            ParamId::FlangerRate => self.flanger.set_rate(v, snap),
            ParamId::FlangerDepth => self.flanger.set_depth(v, snap),
            ParamId::FlangerFeedback => self.flanger.set_feedback(v, snap),
            ParamId::FlangerMix => self.flanger.set_mix(v, snap),
            _ => return false,
        }
        true
    }

    fn process(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        // A module switched on from off resets, and its LFO starts at the anchor's phase.
        self.chorus.set_anchor(self.frame);
        self.phaser.set_anchor(self.frame);
        self.flanger.set_anchor(self.frame);
        self.chorus_on.run(&mut self.chorus, l, r, stereo);
        self.phaser_on.run(&mut self.phaser, l, r, stereo);
        self.flanger_on.run(&mut self.flanger, l, r, stereo);
        self.frame += l.len() as i64;
    }

    /// The modules' next input is song frame `frame`: modules that run empty their lines and
    /// put their LFOs at that frame's phase.
    fn sync(&mut self, frame: i64) {
        self.frame = frame;
        if !self.chorus_on.is_off() {
            self.chorus.sync(frame);
        }
        if !self.phaser_on.is_off() {
            self.phaser.sync(frame);
        }
        if !self.flanger_on.is_off() {
            self.flanger.sync(frame);
        }
    }

    fn state_finite(&self) -> bool {
        self.chorus.state_finite()
            && self.phaser.state_finite()
            && self.flanger.state_finite()
            && [&self.chorus_on, &self.phaser_on, &self.flanger_on]
                .iter()
                .all(|s| s.state_finite())
    }

    fn subnormal_states(&self) -> usize {
        self.chorus.subnormals() + self.phaser.subnormals() + self.flanger.subnormals()
    }
}

/// The per-track chain. Sized and allocated with the track; `process` never allocates.
#[derive(Clone, Debug)]
pub struct StripChain {
    sample_rate: f32,
    values: ParamValues,
    input: InputStage,
    hp: PassFilter,
    hp_on: Switch,
    lp: PassFilter,
    lp_on: Switch,
    eq: Equalizer,
    eq_on: Switch,
    gate: Gate,
    gate_on: Switch,
    comp: Compressor,
    comp_on: Switch,
    sat: Saturation,
    sat_on: Switch,
    modulation: Modulation,
}

impl FiniteState for StripChain {
    fn state_finite(&self) -> bool {
        self.input.gain.state_finite()
            && self.hp.state_finite()
            && self.lp.state_finite()
            && self.eq.state_finite()
            && self.gate.state_finite()
            && self.comp.state_finite()
            && self.sat.state_finite()
            && self.modulation.state_finite()
            && [
                &self.hp_on,
                &self.lp_on,
                &self.eq_on,
                &self.gate_on,
                &self.comp_on,
                &self.sat_on,
            ]
            .iter()
            .all(|s| s.state_finite())
    }
}

impl StripChain {
    /// Allocates the modulation effects' delay lines (when the track is added).
    pub fn new(v: &ParamValues, sample_rate: f32) -> StripChain {
        StripChain::with_modulation(v, sample_rate, Modulation::new(v, sample_rate))
    }

    fn with_modulation(v: &ParamValues, sample_rate: f32, modulation: Modulation) -> StripChain {
        let ms = |p: ParamId| p.spec().smoothing_ms;
        let sw = |p: ParamId| Switch::new(v.on(p), ms(p), sample_rate);
        let mut gate = Gate::new(
            v.get(ParamId::GateThreshold),
            v.get(ParamId::GateRange),
            ms(ParamId::GateThreshold),
            sample_rate,
        );
        gate.set_attack(v.get(ParamId::GateAttack));
        gate.set_hold(v.get(ParamId::GateHold));
        gate.set_release(v.get(ParamId::GateRelease));
        StripChain {
            sample_rate,
            values: *v,
            input: InputStage {
                gain: LinearSmoother::new(input_gain(v), ms(ParamId::Trim), sample_rate),
            },
            hp: PassFilter::new(
                SvfShape::HighPass,
                v.get(ParamId::HpFreq),
                v.get(ParamId::HpSlope),
                ms(ParamId::HpFreq),
                sample_rate,
            ),
            hp_on: sw(ParamId::HpOn),
            lp: PassFilter::new(
                SvfShape::LowPass,
                v.get(ParamId::LpFreq),
                v.get(ParamId::LpSlope),
                ms(ParamId::LpFreq),
                sample_rate,
            ),
            lp_on: sw(ParamId::LpOn),
            eq: Equalizer::new(
                core::array::from_fn(|i| band_settings(v, i)),
                ms(ParamId::Eq1Freq),
                sample_rate,
            ),
            eq_on: sw(ParamId::EqOn),
            gate,
            gate_on: sw(ParamId::GateOn),
            comp: Compressor::new(
                v.get(ParamId::CompThreshold),
                v.get(ParamId::CompRatio),
                v.get(ParamId::CompKnee),
                v.get(ParamId::CompAttack),
                v.get(ParamId::CompRelease),
                v.get(ParamId::CompMakeup),
                ms(ParamId::CompThreshold),
                sample_rate,
            ),
            comp_on: sw(ParamId::CompOn),
            sat: Saturation::new(
                v.get(ParamId::SatDrive),
                v.get(ParamId::SatMix),
                ms(ParamId::SatDrive),
                sample_rate,
            ),
            sat_on: sw(ParamId::SatOn),
            modulation,
        }
    }

    /// The values last set, display units.
    pub fn values(&self) -> &ParamValues {
        &self.values
    }

    /// Sets a strip-module parameter (display units, clamped); `snap` skips ramps.
    pub fn set(&mut self, id: ParamId, value: f32, snap: bool) {
        let v = self.values.set(id, value);
        let on = v >= 0.5;
        match id {
            ParamId::Trim | ParamId::Polarity => {
                let g = input_gain(&self.values);
                self.input.gain.set(g, snap)
            }
            ParamId::HpOn => self.hp_on.set(on, snap),
            ParamId::HpFreq => self.hp.set_freq(v, snap),
            ParamId::HpSlope => self.hp.set_slope(v),
            ParamId::LpOn => self.lp_on.set(on, snap),
            ParamId::LpFreq => self.lp.set_freq(v, snap),
            ParamId::LpSlope => self.lp.set_slope(v),
            ParamId::EqOn => self.eq_on.set(on, snap),
            ParamId::Eq1Freq | ParamId::Eq1Gain | ParamId::Eq1Q => self.set_band(0, snap),
            ParamId::Eq2Freq | ParamId::Eq2Gain | ParamId::Eq2Q => self.set_band(1, snap),
            ParamId::Eq3Freq | ParamId::Eq3Gain | ParamId::Eq3Q => self.set_band(2, snap),
            ParamId::Eq4Freq | ParamId::Eq4Gain | ParamId::Eq4Q => self.set_band(3, snap),
            ParamId::GateOn => self.gate_on.set(on, snap),
            ParamId::GateThreshold => self.gate.set_threshold(v, snap),
            ParamId::GateRange => self.gate.set_range(v, snap),
            ParamId::GateAttack => self.gate.set_attack(v),
            ParamId::GateHold => self.gate.set_hold(v),
            ParamId::GateRelease => self.gate.set_release(v),
            ParamId::CompOn => self.comp_on.set(on, snap),
            ParamId::CompThreshold => self.comp.set_threshold(v, snap),
            ParamId::CompRatio => self.comp.set_ratio(v, snap),
            ParamId::CompKnee => self.comp.set_knee(v, snap),
            ParamId::CompAttack => self.comp.set_attack(v),
            ParamId::CompRelease => self.comp.set_release(v),
            ParamId::CompMakeup => self.comp.set_makeup(v, snap),
            ParamId::SatOn => self.sat_on.set(on, snap),
            ParamId::SatDrive => self.sat.set_drive(v, snap),
            ParamId::SatMix => self.sat.set_mix(v, snap),
            _ if self.modulation.set(id, v, snap) => {}
            // Fader, pan, sends and master-scope rows are handled outside the chain.
            _ => {}
        }
    }

    fn set_band(&mut self, i: usize, snap: bool) {
        self.eq.set_band(i, band_settings(&self.values, i), snap);
    }

    /// [`process`](Self::process) for the stem frames from `stem_frame` on. Where those do not
    /// follow the last ones processed (the track was silent and skipped its strip, the loop
    /// wrapped, the track joined while playing), the modulation effects re-sync to the song
    /// position first, so playback and an export from any point modulate alike.
    pub fn process_at(&mut self, stem_frame: u64, l: &mut [f32], r: &mut [f32], stereo: bool) {
        let frame = stem_frame.min(i64::MAX as u64) as i64 - STRIP_LATENCY_FRAMES as i64;
        if frame != self.modulation.frame {
            self.modulation.sync(frame);
        }
        self.process(l, r, stereo);
    }

    /// Runs the chain over a block in place. `r` is only read and written for stereo stems.
    pub fn process(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) {
        let g = &mut self.input.gain;
        if g.is_smoothing() {
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                let k = g.next_value();
                *a *= k;
                *b *= k;
            }
        } else if g.current() != 1.0 {
            let k = g.current();
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                *a *= k;
                *b *= k;
            }
        }
        if !self.run_filter_chain(l, r, stereo) {
            self.hp_on.run(&mut self.hp, l, r, stereo);
            self.lp_on.run(&mut self.lp, l, r, stereo);
            self.eq_on.run(&mut self.eq, l, r, stereo);
        }
        self.gate_on.run(&mut self.gate, l, r, stereo);
        self.comp_on.run(&mut self.comp, l, r, stereo);
        self.sat.run(&mut self.sat_on, l, r, stereo);
        self.modulation.process(l, r, stereo);
        // Stems are sanitised when they load, so this should never fire; if a NaN or an
        // infinity gets in anyway, it must not stick in a filter state for ever: the block goes
        // silent and the chain starts afresh (allocation-free), so the next block is clean.
        if !all_finite(l) || (stereo && !all_finite(r)) {
            l.fill(0.0);
            r.fill(0.0);
            self.reset();
        }
    }

    /// The steady-state fast path for the filters: when the high-pass, low-pass and EQ are
    /// each off or fully on, and nothing is ramping, their sections run as one pipelined chain
    /// ([`svf_chain`]), bit-identical to running the three modules in turn. Returns false (and
    /// touches nothing) otherwise.
    fn run_filter_chain(&mut self, l: &mut [f32], r: &mut [f32], stereo: bool) -> bool {
        let steady = |sw: &Switch| sw.is_off() || (!sw.is_fading() && sw.amount() == 1.0);
        let (hp, lp, eq) = (
            !self.hp_on.is_off(),
            !self.lp_on.is_off(),
            !self.eq_on.is_off(),
        );
        if !(steady(&self.hp_on) && steady(&self.lp_on) && steady(&self.eq_on))
            || (hp && !self.hp.chain_ready())
            || (lp && !self.lp.chain_ready())
            || (eq && !self.eq.chain_ready())
        {
            return false;
        }
        let mut coefs = [SvfCoefs::identity(); svf_chain::MAX_SECTIONS];
        let mut states = [[SvfState::default(); 2]; svf_chain::MAX_SECTIONS];
        let mut n = 0;
        if hp {
            self.hp.push_sections(&mut coefs, &mut states, &mut n);
        }
        if lp {
            self.lp.push_sections(&mut coefs, &mut states, &mut n);
        }
        if eq {
            self.eq.push_sections(&mut coefs, &mut states, &mut n);
        }
        svf_chain::run_chain(&coefs[..n], &mut states[..n], l, r, stereo);
        let mut k = 0;
        if hp {
            self.hp.pull_states(&states, &mut k);
        }
        if lp {
            self.lp.pull_states(&states, &mut k);
        }
        if eq {
            self.eq.pull_states(&states, &mut k);
        }
        true
    }

    /// Deepest gate and compressor gain reduction since the last call, dB (≥ 0).
    pub fn take_reductions(&mut self) -> (f32, f32) {
        (self.gate.take_reduction_db(), self.comp.take_reduction_db())
    }

    /// Subnormal values in every module's state (a test probe, not for the audio thread).
    pub fn subnormal_states(&self) -> usize {
        use super::SubnormalStates;
        self.hp.subnormal_states()
            + self.lp.subnormal_states()
            + self.eq.subnormal_states()
            + self.gate.subnormal_states()
            + self.comp.subnormal_states()
            + self.sat.subnormal_states()
            + self.modulation.subnormal_states()
    }

    /// The next input is stem frame `frame` (after a seek, once priming has filled the strip's
    /// latency): the modulation effects empty their lines and put their LFOs at the phase the
    /// song has there, so playback from any point modulates as an export from there does.
    pub fn sync(&mut self, frame: i64) {
        // The modulation effects follow the saturation, which delays by the strip's latency.
        self.modulation.sync(frame - STRIP_LATENCY_FRAMES as i64);
    }

    /// Clears every module's state (filters, envelopes, delay lines) and ends every ramp at its
    /// value. Allocation-free: the modulation effects' lines are kept and cleared in place.
    pub fn reset(&mut self) {
        let (v, rate, frame) = (self.values, self.sample_rate, self.modulation.frame);
        let lines = self.modulation.take_lines();
        *self = StripChain::with_modulation(&v, rate, Modulation::with_lines(&v, rate, lines));
        self.modulation.sync(frame);
    }
}

/// True when no sample is NaN or infinite (a sum of the block stays finite only then; eight
/// lanes, so it vectorises).
fn all_finite(x: &[f32]) -> bool {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|v| v * 0.0).sum();
    for c in chunks {
        for k in 0..8 {
            acc[k] += c[k] * 0.0;
        }
    }
    (acc.iter().sum::<f32>() + tail) == 0.0
}

/// Trim in linear gain with the polarity's sign.
fn input_gain(v: &ParamValues) -> f32 {
    let g = db_to_gain(v.get(ParamId::Trim));
    if v.on(ParamId::Polarity) { -g } else { g }
}
