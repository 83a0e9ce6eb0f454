//! The master chain (audio thread), in fixed order (DESIGN.md): EQ with tilt → three-band
//! compressor (LR4 crossovers) → stereo width with mono-below → saturation (4× oversampled) →
//! true-peak limiter → output gain. Every stage has a bypass; the whole chain has one too (for
//! A/B). The chain's latency is constant — the saturation's 27 frames plus the limiter's fixed
//! look-ahead delay — whatever is switched on, so the engine compensates it once.

use super::Processor;
use super::compressor::Compressor;
use super::crossover::{ThreeBandSplit, TwoBandSplit};
use super::eq::{BandSettings, Equalizer};
use super::limiter::Limiter;
use super::saturation::{LATENCY_FRAMES as SAT_LATENCY, Saturation};
use super::svf::{SvfCoefs, SvfShape, SvfState};
use super::switch::Switch;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;
use crate::params::{ParamId, ParamValues, db_to_gain};

/// Master EQ band (freq, gain, Q) ids.
pub const MASTER_BANDS: [(ParamId, ParamId, ParamId); 4] = [
    (ParamId::Meq1Freq, ParamId::Meq1Gain, ParamId::Meq1Q),
    (ParamId::Meq2Freq, ParamId::Meq2Gain, ParamId::Meq2Q),
    (ParamId::Meq3Freq, ParamId::Meq3Gain, ParamId::Meq3Q),
    (ParamId::Meq4Freq, ParamId::Meq4Gain, ParamId::Meq4Q),
];

/// Multiband band `b`'s (threshold, ratio, attack, release, makeup, solo) ids.
pub const MB_PARAMS: [[ParamId; 6]; 3] = [
    [
        ParamId::Mb1Threshold,
        ParamId::Mb1Ratio,
        ParamId::Mb1Attack,
        ParamId::Mb1Release,
        ParamId::Mb1Makeup,
        ParamId::Mb1Solo,
    ],
    [
        ParamId::Mb2Threshold,
        ParamId::Mb2Ratio,
        ParamId::Mb2Attack,
        ParamId::Mb2Release,
        ParamId::Mb2Makeup,
        ParamId::Mb2Solo,
    ],
    [
        ParamId::Mb3Threshold,
        ParamId::Mb3Ratio,
        ParamId::Mb3Attack,
        ParamId::Mb3Release,
        ParamId::Mb3Makeup,
        ParamId::Mb3Solo,
    ],
];

/// Pivot of the tilt control, Hz.
pub const TILT_PIVOT_HZ: f64 = 1_000.0;

fn master_band(v: &ParamValues, i: usize) -> BandSettings {
    let (f, g, q) = MASTER_BANDS[i];
    BandSettings {
        freq: v.get(f),
        gain_db: v.get(g),
        q: v.get(q),
    }
}

/// Tilt: a low shelf and a high shelf at the pivot, −t/2 and +t/2 dB (Q 0.5, gentle).
#[derive(Clone, Debug)]
struct Tilt {
    db: LinearSmoother,
    coefs: [SvfCoefs; 2],
    state: [[SvfState; 2]; 2],
    fs: f64,
}

impl FiniteState for Tilt {
    fn state_finite(&self) -> bool {
        self.db.state_finite()
            && self.coefs.state_finite()
            && self.state.iter().all(|s| s.state_finite())
    }
}

impl Tilt {
    fn design(&mut self) {
        let t = self.db.current() as f64;
        self.coefs = [
            SvfCoefs::design(SvfShape::LowShelf, TILT_PIVOT_HZ, 0.5, -t / 2.0, self.fs),
            SvfCoefs::design(SvfShape::HighShelf, TILT_PIVOT_HZ, 0.5, t / 2.0, self.fs),
        ];
    }

    #[inline]
    fn tick(&mut self, ch: usize, mut x: f32) -> f32 {
        for (s, c) in self.state.iter_mut().zip(&self.coefs) {
            x = s[ch].tick(c, x);
        }
        x
    }
}

/// Tilt's response in dB at `freq` (for a curve and tests).
pub fn tilt_response_db(tilt_db: f64, freq: f64, fs: f64) -> f64 {
    SvfCoefs::design(SvfShape::LowShelf, TILT_PIVOT_HZ, 0.5, -tilt_db / 2.0, fs)
        .magnitude_db(freq, fs)
        + SvfCoefs::design(SvfShape::HighShelf, TILT_PIVOT_HZ, 0.5, tilt_db / 2.0, fs)
            .magnitude_db(freq, fs)
}

#[derive(Clone, Debug)]
pub struct MasterChain {
    values: ParamValues,
    sample_rate: f32,
    /// The heap-free stages and their switches (rebuilt by `reset`).
    stages: Stages,
    limiter: Limiter,
    /// Dry path for the limiter's bypass (the limiter always delays).
    lim_dry: [Vec<f32>; 2],
    lim_dry_pos: usize,
    /// The whole-chain bypass's latency-matched dry path (the switch is `stages.chain_on`).
    dry: [Vec<f32>; 2],
    dry_pos: usize,
}

impl FiniteState for MasterChain {
    fn state_finite(&self) -> bool {
        use crate::dsp::all_finite as all;
        self.stages.eq.state_finite()
            && self.stages.tilt.state_finite()
            && self.stages.split.state_finite()
            && self.stages.band_comp.state_finite()
            && self.stages.width.state_finite()
            && self.stages.mono_split.state_finite()
            && self.stages.sat.state_finite()
            && self.limiter.state_finite()
            && all(self.lim_dry.iter().flatten())
            && self.stages.out_gain.state_finite()
            && all(self.dry.iter().flatten())
            && [
                &self.stages.eq_on,
                &self.stages.mb_on,
                &self.stages.mono_below,
                &self.stages.width_on,
                &self.stages.sat_on,
                &self.stages.lim_on,
                &self.stages.chain_on,
            ]
            .iter()
            .all(|s| s.state_finite())
    }
}

impl MasterChain {
    pub fn new(v: &ParamValues, sample_rate: f32) -> MasterChain {
        let ms = ParamId::MasterGain.spec().smoothing_ms;
        let limiter = Limiter::new(
            v.get(ParamId::LimInput),
            v.get(ParamId::LimCeiling),
            v.get(ParamId::LimLookahead),
            v.get(ParamId::LimRelease),
            v.on(ParamId::LimAuto),
            ms,
            sample_rate,
        );
        let lim_latency = limiter.latency();
        let total = SAT_LATENCY + lim_latency;
        MasterChain {
            values: *v,
            sample_rate,
            stages: Stages::new(v, sample_rate),
            limiter,
            lim_dry: [vec![0.0; lim_latency + 1], vec![0.0; lim_latency + 1]],
            lim_dry_pos: 0,
            dry: [vec![0.0; total + 1], vec![0.0; total + 1]],
            dry_pos: 0,
        }
    }

    /// Clears every stage's state (EQ and tilt, crossovers, band compressors, saturation,
    /// limiter, the dry paths) and ends every ramp and crossfade at the current settings; the
    /// settings and the latency are kept. Allocation-free: the heap-free stages are rebuilt from
    /// the settings, the delay lines are zeroed in place.
    pub fn reset(&mut self) {
        self.stages = Stages::new(&self.values, self.sample_rate);
        self.limiter.reset();
        for d in self.lim_dry.iter_mut().chain(&mut self.dry) {
            d.fill(0.0);
        }
        self.lim_dry_pos = 0;
        self.dry_pos = 0;
    }

    /// Frames the chain delays the master by (constant for a sample rate).
    pub fn latency(&self) -> usize {
        self.dry[0].len() - 1
    }

    /// Deepest limiter gain reduction since the last call, dB.
    pub fn take_limiter_reduction_db(&mut self) -> f32 {
        self.limiter.take_reduction_db()
    }

    pub fn values(&self) -> &ParamValues {
        &self.values
    }

    /// Sets a master-chain parameter (display units).
    pub fn set(&mut self, id: ParamId, value: f32, snap: bool) {
        let v = self.values.set(id, value);
        let on = v >= 0.5;
        match id {
            ParamId::MeqOn => self.stages.eq_on.set(on, snap),
            ParamId::MeqTilt => {
                self.stages.tilt.db.set(v, snap);
                if snap {
                    self.stages.tilt.design();
                }
            }
            ParamId::MbOn => self.stages.mb_on.set(on, snap),
            ParamId::MbLowCross => self.stages.split.set_low(v, snap),
            ParamId::MbHighCross => self.stages.split.set_high(v, snap),
            ParamId::WidthOn => self.stages.width_on.set(on, snap),
            ParamId::Width => self.stages.width.set(v / 100.0, snap),
            ParamId::MonoBelowOn => self.stages.mono_below.set(on, snap),
            ParamId::MonoBelow => self.stages.mono_split.set(v, snap),
            ParamId::MsatOn => self.stages.sat_on.set(on, snap),
            ParamId::MsatDrive => self.stages.sat.set_drive(v, snap),
            ParamId::MsatMix => self.stages.sat.set_mix(v, snap),
            ParamId::LimOn => self.stages.lim_on.set(on, snap),
            ParamId::LimInput => self.limiter.set_input(v, snap),
            ParamId::LimCeiling => self.limiter.set_ceiling(v, snap),
            ParamId::LimLookahead => self.limiter.set_lookahead(v),
            ParamId::LimRelease => self.limiter.set_release(v),
            ParamId::LimAuto => self.limiter.set_auto_release(on),
            ParamId::OutGain => self.stages.out_gain.set(db_to_gain(v), snap),
            ParamId::MasterBypass => self.stages.chain_on.set(!on, snap),
            other => {
                if let Some(i) = MASTER_BANDS
                    .iter()
                    .position(|(f, g, q)| [*f, *g, *q].contains(&other))
                {
                    self.stages
                        .eq
                        .set_band(i, master_band(&self.values, i), snap);
                }
                for (b, ids) in MB_PARAMS.iter().enumerate() {
                    let c = &mut self.stages.band_comp[b];
                    match ids.iter().position(|p| *p == other) {
                        Some(0) => c.set_threshold(v, snap),
                        Some(1) => c.set_ratio(v, snap),
                        Some(2) => c.set_attack(v),
                        Some(3) => c.set_release(v),
                        Some(4) => c.set_makeup(v, snap),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Processes the master bus in place (at most [`crate::BLOCK_FRAMES`] frames) and writes the
    /// latency-matched unprocessed mix into `dry_out` (for the chain bypass and for A/B).
    pub fn process(&mut self, l: &mut [f32], r: &mut [f32], dry_out: [&mut [f32]; 2]) {
        let n = l.len().min(r.len()).min(crate::BLOCK_FRAMES);
        let (l, r) = (&mut l[..n], &mut r[..n]);
        let dry_len = self.dry[0].len();
        let [dry_l, dry_r] = dry_out;
        for i in 0..n.min(dry_l.len()).min(dry_r.len()) {
            self.dry[0][self.dry_pos] = l[i];
            self.dry[1][self.dry_pos] = r[i];
            self.dry_pos = (self.dry_pos + 1) % dry_len;
            dry_l[i] = self.dry[0][self.dry_pos];
            dry_r[i] = self.dry[1][self.dry_pos];
        }
        // 1. EQ and tilt.
        if !self.stages.eq_on.is_off() {
            let mut eq = EqStage {
                eq: &mut self.stages.eq,
                tilt: &mut self.stages.tilt,
            };
            self.stages.eq_on.run(&mut eq, l, r, true);
        }
        // 2. Multiband compressor.
        if !self.stages.mb_on.is_off() {
            let mut mb = MultibandStage {
                split: &mut self.stages.split,
                comps: &mut self.stages.band_comp,
                values: &self.values,
            };
            self.stages.mb_on.run(&mut mb, l, r, true);
        }
        // 3. Width and mono-below.
        if !self.stages.width_on.is_off() {
            let mut w = WidthStage {
                width: &mut self.stages.width,
                split: &mut self.stages.mono_split,
                mono_below: &mut self.stages.mono_below,
            };
            self.stages.width_on.run(&mut w, l, r, true);
        }
        // 4. Saturation (always delays by its latency, on or off).
        self.stages.sat.run(&mut self.stages.sat_on, l, r, true);
        // 5. Limiter (always delays by its latency; bypass crossfades to a matched dry path).
        let dn = self.lim_dry[0].len();
        let limiting = !self.stages.lim_on.is_off();
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            self.lim_dry[0][self.lim_dry_pos] = *a;
            self.lim_dry[1][self.lim_dry_pos] = *b;
            self.lim_dry_pos = (self.lim_dry_pos + 1) % dn;
            let (dl, dr) = (
                self.lim_dry[0][self.lim_dry_pos],
                self.lim_dry[1][self.lim_dry_pos],
            );
            if limiting {
                let (wl, wr) = self.limiter.tick(*a, *b);
                let k = self.stages.lim_on.next_amount();
                *a = dl + k * (wl - dl);
                *b = dr + k * (wr - dr);
            } else {
                // Bypassed: the detector rests (it is most of the chain's cost).
                self.limiter.idle(*a, *b);
                *a = dl;
                *b = dr;
            }
        }
        // 6. Output gain.
        if self.stages.out_gain.is_smoothing() || self.stages.out_gain.current() != 1.0 {
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                let g = self.stages.out_gain.next_value();
                *a *= g;
                *b *= g;
            }
        }
        // Whole-chain bypass.
        if self.stages.chain_on.is_fading() || self.stages.chain_on.amount() < 1.0 {
            for i in 0..n.min(dry_l.len()).min(dry_r.len()) {
                let k = self.stages.chain_on.next_amount();
                l[i] = dry_l[i] + k * (l[i] - dry_l[i]);
                r[i] = dry_r[i] + k * (r[i] - dry_r[i]);
            }
        }
    }
}

/// The chain's heap-free stages, fresh for settings `v` (ramps and crossfades at rest).
#[derive(Clone, Debug)]
struct Stages {
    eq: Equalizer,
    tilt: Tilt,
    eq_on: Switch,
    split: ThreeBandSplit,
    band_comp: [Compressor; 3],
    mb_on: Switch,
    width: LinearSmoother,
    mono_split: TwoBandSplit,
    mono_below: Switch,
    width_on: Switch,
    sat: Saturation,
    sat_on: Switch,
    lim_on: Switch,
    out_gain: LinearSmoother,
    chain_on: Switch,
}

impl Stages {
    fn new(v: &ParamValues, sample_rate: f32) -> Stages {
        let ms = ParamId::MasterGain.spec().smoothing_ms;
        let sw = |p: ParamId| Switch::new(v.on(p), ParamId::EqOn.spec().smoothing_ms, sample_rate);
        let mut tilt = Tilt {
            db: LinearSmoother::new(v.get(ParamId::MeqTilt), ms, sample_rate),
            coefs: [SvfCoefs::identity(); 2],
            state: Default::default(),
            fs: sample_rate as f64,
        };
        tilt.design();
        let band_comp = core::array::from_fn(|b| {
            let [t, r, a, rel, mk, _] = MB_PARAMS[b];
            Compressor::new(
                v.get(t),
                v.get(r),
                6.0,
                v.get(a),
                v.get(rel),
                v.get(mk),
                ms,
                sample_rate,
            )
        });
        Stages {
            eq: Equalizer::new(core::array::from_fn(|i| master_band(v, i)), ms, sample_rate),
            tilt,
            eq_on: sw(ParamId::MeqOn),
            split: ThreeBandSplit::new(
                v.get(ParamId::MbLowCross),
                v.get(ParamId::MbHighCross),
                ms,
                sample_rate,
            ),
            band_comp,
            mb_on: sw(ParamId::MbOn),
            width: LinearSmoother::new(v.get(ParamId::Width) / 100.0, ms, sample_rate),
            mono_split: TwoBandSplit::new(v.get(ParamId::MonoBelow), ms, sample_rate),
            mono_below: sw(ParamId::MonoBelowOn),
            width_on: sw(ParamId::WidthOn),
            sat: Saturation::new(
                v.get(ParamId::MsatDrive),
                v.get(ParamId::MsatMix),
                ms,
                sample_rate,
            ),
            sat_on: sw(ParamId::MsatOn),
            lim_on: sw(ParamId::LimOn),
            out_gain: LinearSmoother::new(db_to_gain(v.get(ParamId::OutGain)), ms, sample_rate),
            chain_on: Switch::new(
                !v.on(ParamId::MasterBypass),
                ParamId::EqOn.spec().smoothing_ms,
                sample_rate,
            ),
        }
    }
}

struct EqStage<'a> {
    eq: &'a mut Equalizer,
    tilt: &'a mut Tilt,
}

impl Processor for EqStage<'_> {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, stereo: bool) -> (f32, f32) {
        let (l, r) = self.eq.tick(l, r, stereo);
        if self.tilt.db.is_smoothing() {
            self.tilt.db.next_value();
            self.tilt.design();
        } else if self.tilt.db.current() == 0.0 {
            return (l, r);
        }
        (self.tilt.tick(0, l), self.tilt.tick(1, r))
    }
    fn reset(&mut self) {
        self.eq.reset();
        self.tilt.state = Default::default();
    }
}

struct MultibandStage<'a> {
    split: &'a mut ThreeBandSplit,
    comps: &'a mut [Compressor; 3],
    values: &'a ParamValues,
}

impl Processor for MultibandStage<'_> {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, _stereo: bool) -> (f32, f32) {
        self.split.advance();
        let bl = self.split.tick(0, l);
        let br = self.split.tick(1, r);
        let any_solo = MB_PARAMS.iter().any(|ids| self.values.on(ids[5]));
        let (mut ol, mut or) = (0.0, 0.0);
        for b in 0..3 {
            let (cl, cr) = self.comps[b].tick(bl[b], br[b], true);
            if !any_solo || self.values.on(MB_PARAMS[b][5]) {
                ol += cl;
                or += cr;
            }
        }
        (ol, or)
    }
    fn reset(&mut self) {
        self.split.reset();
        for c in self.comps.iter_mut() {
            c.reset();
        }
    }
}

struct WidthStage<'a> {
    width: &'a mut LinearSmoother,
    split: &'a mut TwoBandSplit,
    mono_below: &'a mut Switch,
}

impl Processor for WidthStage<'_> {
    #[inline]
    fn tick(&mut self, l: f32, r: f32, _stereo: bool) -> (f32, f32) {
        let w = self.width.next_value();
        let (m, s) = ((l + r) * 0.5, (l - r) * 0.5);
        let (m, s) = if self.mono_below.is_off() {
            (m, s * w)
        } else {
            // Mid through the crossover's allpass, side keeps only its highs: below the
            // frequency the image is mono, above it the width applies; phases stay aligned.
            self.split.advance();
            let (ml, mh) = self.split.tick(0, m);
            let (sl, sh) = self.split.tick(1, s);
            let k = self.mono_below.next_amount();
            (ml + mh, (sh + (1.0 - k) * sl) * w)
        };
        (m + s, m - s)
    }
    fn reset(&mut self) {}
}
