//! The two FX buses (audio thread): tracks' sends are summed into each bus's input block; the
//! reverb (bus 1) and the delay (bus 2) run 100 % wet; each return has a fader and a mute and is
//! added to the master bus. Buses run every block, playing or not, so tails ring out after the
//! dry tracks stop; a bus whose input is silent and whose tail has died sleeps and costs nothing.

use super::delay::{Delay, note_ms};
use super::reverb::Reverb;
use crate::BLOCK_FRAMES;
use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;
use crate::params::{ParamId, ParamValues};

/// Level under which a silent bus's output counts as finished (−120 dBFS).
const ASLEEP: f32 = 1e-6;

/// Inputs of both buses for one block: `[bus][channel][frame]`.
pub type SendBlock = [[Vec<f32>; 2]; 2];

/// A fresh, zeroed send block (allocated with the engine).
pub fn send_block() -> SendBlock {
    core::array::from_fn(|_| [vec![0.0; BLOCK_FRAMES], vec![0.0; BLOCK_FRAMES]])
}

#[derive(Clone, Debug)]
pub struct FxBuses {
    values: ParamValues,
    sample_rate: f32,
    /// What the tracks send this block.
    pub(crate) input: SendBlock,
    reverb: Reverb,
    delay: Delay,
    /// Return gain (fader × mute), linear.
    returns: [LinearSmoother; 2],
    /// Frames since each bus last had input, and since it last output anything audible.
    quiet_in: [usize; 2],
    quiet_out: [usize; 2],
    /// Longest path through each bus, frames: after this much silence in and out, nothing
    /// audible can still be inside it.
    span: [usize; 2],
}

impl FiniteState for FxBuses {
    fn state_finite(&self) -> bool {
        self.reverb.state_finite() && self.delay.state_finite() && self.returns.state_finite()
    }
}

impl FxBuses {
    pub fn new(sample_rate: f32) -> FxBuses {
        let v = ParamValues::default();
        let ms = ParamId::ReverbSize.spec().smoothing_ms;
        let pct = |p: ParamId| v.get(p) / 100.0;
        let mut b = FxBuses {
            values: v,
            sample_rate,
            input: send_block(),
            reverb: Reverb::new(
                pct(ParamId::ReverbSize),
                pct(ParamId::ReverbDamping),
                v.get(ParamId::ReverbPredelay),
                pct(ParamId::ReverbWidth),
                ms,
                sample_rate,
            ),
            delay: Delay::new(
                v.get(ParamId::DelayTime),
                pct(ParamId::DelayFeedback),
                v.get(ParamId::DelayHighCut),
                v.on(ParamId::DelayPingPong),
                ms,
                sample_rate,
            ),
            returns: [LinearSmoother::new(1.0, ms, sample_rate); 2],
            quiet_in: [usize::MAX / 2; 2],
            quiet_out: [usize::MAX / 2; 2],
            span: [
                ((super::reverb::MAX_PREDELAY_MS * 0.001 + 0.05) * sample_rate) as usize,
                ((super::delay::MAX_DELAY_MS * 0.001 + 0.01) * sample_rate) as usize,
            ],
        };
        b.update_returns(true);
        b
    }

    /// Sets a bus parameter (display units); `snap` skips ramps.
    pub fn set(&mut self, id: ParamId, value: f32, snap: bool) {
        let v = self.values.set(id, value);
        match id {
            ParamId::ReverbSize => self.reverb.set_size(v / 100.0, snap),
            ParamId::ReverbDamping => self.reverb.set_damping(v / 100.0, snap),
            ParamId::ReverbPredelay => self.reverb.set_predelay(v, snap),
            ParamId::ReverbWidth => self.reverb.set_width(v / 100.0, snap),
            ParamId::DelayTime | ParamId::DelaySync | ParamId::DelayNote | ParamId::DelayBpm => {
                self.delay.set_time(self.delay_ms(), snap)
            }
            ParamId::DelayFeedback => self.delay.set_feedback(v / 100.0, snap),
            ParamId::DelayHighCut => self.delay.set_high_cut(v, snap),
            ParamId::DelayPingPong => self.delay.set_ping_pong(v >= 0.5),
            ParamId::ReverbReturn
            | ParamId::ReverbMute
            | ParamId::DelayReturn
            | ParamId::DelayMute => self.update_returns(snap),
            _ => {}
        }
    }

    /// The delay time in effect, ms: the note value at the tempo when synced.
    pub fn delay_ms(&self) -> f32 {
        let v = &self.values;
        if v.on(ParamId::DelaySync) {
            note_ms(v.get(ParamId::DelayNote), v.get(ParamId::DelayBpm))
        } else {
            v.get(ParamId::DelayTime)
        }
    }

    fn update_returns(&mut self, snap: bool) {
        let v = &self.values;
        for (r, (fader, mute)) in self.returns.iter_mut().zip([
            (ParamId::ReverbReturn, ParamId::ReverbMute),
            (ParamId::DelayReturn, ParamId::DelayMute),
        ]) {
            let g = if v.on(mute) {
                0.0
            } else {
                fader.spec().db_to_gain(v.get(fader))
            };
            r.set(g, snap)
        }
    }

    /// Zeroes the first `n` frames of both inputs (start of a block).
    pub fn clear_inputs(&mut self, n: usize) {
        for ch in self.input.iter_mut().flatten() {
            ch[..n].fill(0.0);
        }
    }

    /// Subnormal values in the reverb's and the delay's state (a test probe).
    pub fn subnormal_states(&self) -> usize {
        self.reverb.subnormal_states() + self.delay.subnormal_states()
    }

    /// Runs both buses over the block's inputs and adds their returns into `out`.
    pub fn process_into(&mut self, out_l: &mut [f32], out_r: &mut [f32]) {
        let n = out_l.len().min(out_r.len()).min(BLOCK_FRAMES);
        for bus in 0..2 {
            let [il, ir] = &self.input[bus];
            let silent_in = il[..n].iter().chain(&ir[..n]).all(|x| *x == 0.0);
            self.quiet_in[bus] = if silent_in {
                self.quiet_in[bus].saturating_add(n)
            } else {
                0
            };
            let asleep =
                self.quiet_in[bus] > self.span[bus] && self.quiet_out[bus] > self.span[bus];
            if asleep {
                self.returns[bus].skip(n as u32);
                continue;
            }
            // The bus's return goes to its own block first: should a NaN or an infinity get
            // into the bus (a send that overflows, say), its contribution is left out for this
            // block and the bus starts afresh (allocation-free), so the next block is clean.
            let mut wet = [[0.0f32; BLOCK_FRAMES]; 2];
            let mut peak = 0.0f32;
            // Stays 0 only while every output is finite.
            let mut bad = 0.0f32;
            for i in 0..n {
                let (x_l, x_r) = (il[i], ir[i]);
                let (y_l, y_r) = if bus == 0 {
                    self.reverb.tick(x_l, x_r)
                } else {
                    self.delay.tick(x_l, x_r)
                };
                peak = super::fast_math::max(super::fast_math::max(peak, y_l.abs()), y_r.abs());
                let g = self.returns[bus].next_value();
                wet[0][i] = y_l * g;
                wet[1][i] = y_r * g;
                bad += (wet[0][i] + wet[1][i]) * 0.0;
            }
            if bad != 0.0 || !peak.is_finite() {
                self.reset_bus(bus);
                continue;
            }
            for i in 0..n {
                out_l[i] += wet[0][i];
                out_r[i] += wet[1][i];
            }
            self.quiet_out[bus] = if peak < ASLEEP {
                self.quiet_out[bus].saturating_add(n)
            } else {
                0
            };
        }
    }

    /// Clears bus `bus`'s effect (lines, filter memories) and ends its ramps, the return's
    /// included, at their targets. Allocation-free.
    fn reset_bus(&mut self, bus: usize) {
        if bus == 0 {
            self.reverb.reset();
        } else {
            self.delay.reset();
        }
        let r = &mut self.returns[bus];
        r.reset(r.target());
        self.quiet_out[bus] = 0;
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }
}
