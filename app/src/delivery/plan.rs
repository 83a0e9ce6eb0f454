//! Hitting a loudness target (plain logic, main thread): the render → measure → adjust loop
//! that both "Match target" and the export run. A [`Plan`] sets the limiter for the next pass;
//! after each render of the final (quantised) output it reads the measurement and decides:
//! on target (integrated within ±0.1 LU and true peak ≤ ceiling), again (input gain moved by the
//! miss; the limiter's ceiling lowered by any true-peak overshoot), or stop (12 passes, or the
//! controls are at the end of their range). Later passes replay the first one's premix, so they
//! cost the master chain alone: the search keeps going until it lands, and once two passes
//! bracket the target it cannot fail to converge (interpolation, with bisection whenever the
//! interpolation keeps landing on one side).

use dsp_worklet::ParamId;

use crate::delivery::report::Measurement;
use crate::model::session::Mix;
use crate::model::targets::{CEILING_RANGE, Target};

/// At most this many renders per target (every pass after the first replays the premix).
pub const MAX_PASSES: usize = 12;
/// Close enough, LU.
pub const TOLERANCE_LU: f64 = 0.1;
/// More limiter gain reduction than this, dB, and the user is asked before going on.
pub const MAX_LIMITING_DB: f64 = 12.0;

/// What to do after a pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Integrated loudness within tolerance and true peak under the ceiling.
    OnTarget,
    /// Render again with the new settings.
    Again,
    /// No pass left, or nothing left to turn: the last pass is as close as it gets.
    Stop,
}

/// The limiter settings for reaching one target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    pub target: Target,
    /// Limiter input gain, dB.
    pub input_gain_db: f32,
    /// Limiter ceiling actually set, dBTP (the target's, lowered if the output overshoots it).
    pub ceiling_db: f32,
    /// Passes measured so far.
    pub passes: usize,
    /// Earlier passes' (input gain dB, integrated LUFS), newest last: the loudness curve the
    /// next gain is read from.
    seen: [(f64, f64); MAX_PASSES],
}

impl Plan {
    /// Starts from the mix's current limiter input gain.
    pub fn new(target: Target, mix: &Mix) -> Plan {
        Plan {
            target,
            input_gain_db: mix.master.get(ParamId::LimInput),
            ceiling_db: target.ceiling,
            passes: 0,
            seen: [(0.0, 0.0); MAX_PASSES],
        }
    }

    /// Starts the search from the mix's integrated loudness with the limiter bypassed, `lufs`:
    /// the input gain that would reach the target if the limiter did nothing (within the
    /// control's range). Before the first pass only.
    pub fn start_from_unlimited(&mut self, lufs: f64) {
        if self.passes > 0 || !lufs.is_finite() {
            return;
        }
        let spec = ParamId::LimInput.spec();
        self.input_gain_db = ((self.target.lufs as f64 - lufs) as f32).clamp(spec.min, spec.max);
    }

    /// [`configure`](Self::configure) with the limiter bypassed: the render whose loudness
    /// [`start_from_unlimited`](Self::start_from_unlimited) takes.
    pub fn configure_unlimited(&self, mix: &Mix) -> Mix {
        let mut m = self.configure(mix);
        m.set_master_param(ParamId::LimOn, 0.0);
        m
    }

    /// The mix to render for the next pass: master chain in, limiter on with this plan's gain
    /// and ceiling.
    pub fn configure(&self, mix: &Mix) -> Mix {
        let mut m = mix.clone();
        m.set_master_param(ParamId::MasterBypass, 0.0);
        m.set_master_param(ParamId::LimOn, 1.0);
        m.set_master_param(ParamId::LimCeiling, self.ceiling_db);
        m.set_master_param(ParamId::LimInput, self.input_gain_db);
        m
    }

    /// Whether a measurement meets the target.
    pub fn meets(&self, m: &Measurement) -> bool {
        (m.integrated_lufs - self.target.lufs as f64).abs() <= TOLERANCE_LU
            && m.true_peak_dbtp <= self.target.ceiling as f64
    }

    /// Reads the last pass's measurement and the limiter's deepest gain reduction in it (dB),
    /// and sets up the next.
    pub fn after_pass(&mut self, m: &Measurement, limiting_db: f64) -> Verdict {
        self.passes += 1;
        if self.meets(m) {
            return Verdict::OnTarget;
        }
        if self.passes >= MAX_PASSES || !m.integrated_lufs.is_finite() {
            return Verdict::Stop;
        }
        let spec = ParamId::LimInput.spec();
        self.seen[self.passes - 1] = (self.input_gain_db as f64, m.integrated_lufs);
        // With the limiter idle, loudness moves 1:1 with its input gain — down always, up as long
        // as the peaks stay under the ceiling — so the miss is the step.
        let miss = self.target.lufs as f64 - m.integrated_lufs;
        let linear = limiting_db < 0.05
            && (miss < 0.0 || m.true_peak_dbtp + miss <= self.target.ceiling as f64);
        let wanted = if linear {
            self.input_gain_db as f64 + miss
        } else {
            next_gain(&self.seen[..self.passes], self.target.lufs as f64)
        };
        let gain = (wanted as f32).clamp(spec.min, spec.max);
        let overshoot = m.true_peak_dbtp - self.target.ceiling as f64;
        let ceiling = if overshoot > 0.0 {
            ((self.ceiling_db as f64 - overshoot - 0.05) as f32)
                .clamp(CEILING_RANGE.0, CEILING_RANGE.1)
        } else {
            self.ceiling_db
        };
        if gain == self.input_gain_db && ceiling == self.ceiling_db {
            return Verdict::Stop;
        }
        self.input_gain_db = gain;
        self.ceiling_db = ceiling;
        Verdict::Again
    }
}

/// The input gain (dB) expected to give `target` LUFS, from the passes so far (gain, LUFS).
/// Loudness rises 1:1 with input gain until the limiter works hard, then ever less: one pass
/// steps by the miss; once two passes fall either side of the target, interpolate between the
/// closest such pair, or halve that bracket when the last two passes fell on the same side
/// (interpolation on a bending curve can creep towards the target from one side for ever;
/// bisection halves the bracket every other pass); otherwise two take the secant's slope (kept
/// within 0.1…1), and three fit a parabola through the curve and take its crossing nearest the
/// last gain (the secant if it has none within 12 dB).
pub fn next_gain(seen: &[(f64, f64)], target: f64) -> f64 {
    let Some(&(g, i)) = seen.last() else {
        return 0.0;
    };
    let secant = || match seen.len() {
        n if n >= 2 && (g - seen[n - 2].0).abs() > 1e-3 => {
            let (g0, i0) = seen[n - 2];
            ((i - i0) / (g - g0)).clamp(0.1, 1.0)
        }
        _ => 1.0,
    };
    let by_secant = g + (target - i) / secant();
    // Two passes either side of the target: interpolate between the closest such pair.
    let below = seen
        .iter()
        .filter(|p| p.1 < target)
        .max_by(|p, q| p.1.total_cmp(&q.1));
    let above = seen
        .iter()
        .filter(|p| p.1 > target)
        .min_by(|p, q| p.1.total_cmp(&q.1));
    if let (Some(&(ga, ia)), Some(&(gb, ib))) = (below, above) {
        let n = seen.len();
        let same_side = n >= 2 && (seen[n - 1].1 < target) == (seen[n - 2].1 < target);
        if same_side {
            return (ga + gb) / 2.0;
        }
        return ga + (target - ia) / (ib - ia) * (gb - ga);
    }
    if seen.len() < 3 {
        return by_secant;
    }
    let [(x0, y0), (x1, y1), (x2, y2)] = [seen[seen.len() - 3], seen[seen.len() - 2], (g, i)];
    if (x0 - x1).abs() < 1e-3 || (x1 - x2).abs() < 1e-3 || (x0 - x2).abs() < 1e-3 {
        return by_secant;
    }
    // y = a·x² + b·x + c through the three points (divided differences).
    let d01 = (y1 - y0) / (x1 - x0);
    let d12 = (y2 - y1) / (x2 - x1);
    let a = (d12 - d01) / (x2 - x0);
    let b = d01 - a * (x0 + x1);
    let c = y0 - a * x0 * x0 - b * x0;
    let roots: Vec<f64> = if a.abs() < 1e-9 {
        vec![(target - c) / b]
    } else {
        let disc = b * b - 4.0 * a * (c - target);
        if disc < 0.0 {
            vec![]
        } else {
            let r = disc.sqrt();
            vec![(-b + r) / (2.0 * a), (-b - r) / (2.0 * a)]
        }
    };
    roots
        .into_iter()
        .filter(|x| x.is_finite() && (x - g).abs() <= 12.0)
        .min_by(|p, q| (p - g).abs().total_cmp(&(q - g).abs()))
        .unwrap_or(by_secant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::dither::Dither;
    use crate::delivery::report::measure;
    use crate::delivery::wav::{Delivered, WavFormat};
    use crate::model::session::NewTrack;
    use crate::model::targets::PRESETS;
    use dsp_worklet::{Command, Engine};

    const RATE: u32 = 48_000;

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.max(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                s as f32 / u32::MAX as f32 * 2.0 - 1.0
            })
            .collect()
    }

    /// Three different mixes, 12 s each: a dense noise pad, a kick-like pulse train over a
    /// bass line, and a dynamic piece (quiet verse, loud chorus).
    fn mixes() -> Vec<Vec<Vec<f32>>> {
        let n = RATE as usize * 12;
        let t = |i: usize| i as f32 / RATE as f32;
        let pad: Vec<f32> = noise(n, 3).iter().map(|x| x * 0.2).collect();
        let pulses: Vec<f32> = (0..n)
            .map(|i| {
                let ph = (i % 12_000) as f32 / RATE as f32; // a kick every 250 ms
                (-ph * 25.0).exp() * (2.0 * std::f32::consts::PI * 60.0 * ph).sin() * 0.4
            })
            .collect();
        let bass: Vec<f32> = (0..n)
            .map(|i| 0.3 * (2.0 * std::f32::consts::PI * 110.0 * t(i)).sin())
            .collect();
        let dynamic: Vec<f32> = noise(n, 7)
            .iter()
            .enumerate()
            .map(|(i, x)| x * if i < n / 2 { 0.05 } else { 0.9 })
            .collect();
        vec![vec![pad], vec![pulses, bass], vec![dynamic]]
    }

    /// CD / club (−9), the first preset (−14) and EBU R128 broadcast (−23).
    fn three_targets() -> [Target; 3] {
        [
            Target::preset("CD / club").unwrap(),
            PRESETS[0],
            Target::preset("EBU R128 broadcast").unwrap(),
        ]
    }

    /// A session at [`RATE`] with one stereo track per stem of mix `k`.
    fn mix_of(k: usize, stems: &[Vec<f32>]) -> Mix {
        let mut mix = Mix::default();
        mix.sample_rate = RATE as f32;
        for s in stems {
            mix.add_track(NewTrack {
                file_name: format!("stem {k}.wav"),
                channels: 2,
                frames: s.len() as u64,
                source_rate: RATE as f32,
                overview: Vec::new(),
                sha256: [k as u8; 32],
            });
        }
        mix
    }

    /// One pass exactly as the export runs it, but natively: a fresh engine, the mix's state,
    /// render from the top, quantise to 24-bit with TPDF, measure.
    fn pass(mix: &Mix, stems: &[Vec<f32>]) -> (Measurement, f64) {
        let mut e = Engine::new(RATE as f32);
        for (t, s) in mix.tracks.iter().zip(stems) {
            e.add_track(t.id, vec![s.clone(), s.clone()]).unwrap();
        }
        for c in mix.state_commands() {
            e.apply(c).unwrap();
        }
        e.apply(Command::Play).unwrap();
        let frames = stems[0].len();
        let (mut l, mut r) = (vec![0.0f32; frames], vec![0.0f32; frames]);
        e.process(&mut l, &mut r);
        let limiting = dsp_worklet::MeterSnapshot::decode(e.meter_snapshot())
            .unwrap()
            .limiter_reduction_db as f64;
        let (_, [l, r]) = Delivered::new(l, r, RATE, WavFormat::Pcm24, Dither::Tpdf, 11).unwrap();
        (measure(&l, &r, RATE).unwrap(), limiting)
    }

    /// Three mixes × three targets (−9, −14, −23): the delivered file lands within ±0.1 LU with
    /// its true peak under the ceiling, in at most four passes.
    #[test]
    fn three_mixes_land_on_three_targets() {
        let targets = three_targets();
        for (k, stems) in mixes().iter().enumerate() {
            let mix = mix_of(k, stems);
            for target in targets {
                let mut plan = Plan::new(target, &mix);
                let (verdict, m) = loop {
                    let (m, limiting) = pass(&plan.configure(&mix), stems);
                    match plan.after_pass(&m, limiting) {
                        Verdict::Again => continue,
                        v => break (v, m),
                    }
                };
                assert_eq!(
                    verdict,
                    Verdict::OnTarget,
                    "mix {k} at {target:?}: {m:?} after {} passes",
                    plan.passes
                );
                assert!((m.integrated_lufs - target.lufs as f64).abs() <= 0.1);
                assert!(m.true_peak_dbtp <= target.ceiling as f64);
                assert!(plan.passes <= MAX_PASSES);
            }
        }
    }

    /// The first render of an export or Match target bypasses the limiter and measures the mix
    /// (`studio::matching::unlimited_loudness`); starting from that loudness, three mixes × three
    /// targets still land on target, and in fewer limiter passes in all than starting from the
    /// mix's own limiter gain (each pass replays the premix: the master chain's cost).
    #[test]
    fn starting_from_the_unlimited_loudness_lands_in_fewer_passes() {
        let targets = three_targets();
        let (mut from_mix, mut from_probe) = (0, 0);
        for (k, stems) in mixes().iter().enumerate() {
            let mix = mix_of(k, stems);
            for target in targets {
                for probe in [false, true] {
                    let mut plan = Plan::new(target, &mix);
                    if probe {
                        let (m, limiting) = pass(&plan.configure_unlimited(&mix), stems);
                        assert_eq!(limiting, 0.0, "the limiter is bypassed");
                        plan.start_from_unlimited(m.integrated_lufs);
                    }
                    let m = loop {
                        let (m, limiting) = pass(&plan.configure(&mix), stems);
                        match plan.after_pass(&m, limiting) {
                            Verdict::Again => continue,
                            v => {
                                assert_eq!(
                                    v,
                                    Verdict::OnTarget,
                                    "mix {k} at {target:?}, probe {probe}"
                                );
                                break m;
                            }
                        }
                    };
                    assert!((m.integrated_lufs - target.lufs as f64).abs() <= 0.1);
                    assert!(m.true_peak_dbtp <= target.ceiling as f64);
                    *if probe {
                        &mut from_probe
                    } else {
                        &mut from_mix
                    } += plan.passes;
                }
            }
        }
        assert!(
            from_probe < from_mix,
            "limiter passes: {from_probe} from the unlimited loudness, {from_mix} from the mix's gain"
        );
        eprintln!(
            "limiter passes over 9 exports: {from_probe} after the probe, {from_mix} without"
        );
    }

    #[test]
    fn the_next_gain_follows_a_bending_loudness_curve() {
        // A limiter curve: loudness = gain − 18 below −12 dB of gain reduction onset, then
        // rising ever slower: y = −18 + g − g²/40 for g ≥ 0.
        let curve = |g: f64| -18.0 + g - g * g / 40.0;
        let mut seen = vec![(0.0, curve(0.0))];
        for _ in 0..3 {
            let g = next_gain(&seen, -9.0);
            seen.push((g, curve(g)));
        }
        let (_, last) = *seen.last().unwrap();
        assert!((last + 9.0).abs() < 0.01, "{seen:?}");
        assert_eq!(
            next_gain(&[(2.0, -18.0)], -14.0),
            6.0,
            "one pass: by the miss"
        );
    }

    /// A hot mix whose loudness hardly moves once the limiter works hard (here 18 dB of input
    /// gain buys the last 3 LU): four passes used to stop short; the search now lands within
    /// ±0.1 LU, and on curves of every steepness.
    #[test]
    fn the_search_lands_on_a_strongly_bending_curve() {
        for knee in [2.0, 4.0, 8.0, 16.0] {
            let curve = |g: f64| -30.0 + 21.0 * (1.0 - (-g / knee).exp());
            for target in [-9.5, -12.0, -20.0] {
                let mut seen = vec![(0.0, curve(0.0))];
                while seen.len() < MAX_PASSES {
                    let g = next_gain(&seen, target);
                    seen.push((g, curve(g)));
                    if (curve(g) - target).abs() <= TOLERANCE_LU {
                        break;
                    }
                }
                let (_, last) = *seen.last().unwrap();
                assert!(
                    (last - target).abs() <= TOLERANCE_LU,
                    "knee {knee}, target {target}: {seen:?}"
                );
            }
        }
    }

    #[test]
    fn overshooting_true_peak_lowers_the_ceiling_and_gain_follows_the_miss() {
        let mix = Mix::default();
        let mut plan = Plan::new(PRESETS[0], &mix);
        let m = Measurement {
            integrated_lufs: -15.0,
            lra_lu: 3.0,
            max_momentary_lufs: -12.0,
            max_short_term_lufs: -13.0,
            true_peak_dbtp: -0.8,
            sample_peak_dbfs: -1.0,
            plr_db: 14.2,
            duration_s: 10.0,
        };
        assert_eq!(plan.after_pass(&m, 3.0), Verdict::Again);
        assert_eq!(plan.input_gain_db, 1.0);
        assert!((plan.ceiling_db - -1.25).abs() < 1e-6);
        // The same miss every time: the search goes on until the controls reach the end of
        // their range or the passes run out, never past MAX_PASSES.
        let verdict = loop {
            match plan.after_pass(&m, 3.0) {
                Verdict::Again => assert!(plan.passes < MAX_PASSES),
                v => break v,
            }
        };
        assert_eq!(verdict, Verdict::Stop);
        assert!(plan.passes <= MAX_PASSES);
    }
}
