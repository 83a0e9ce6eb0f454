//! Stereo feedback delay for the FX bus (audio thread): time in ms (smoothed, read with linear
//! interpolation so moving it glides instead of clicking), feedback through a one-pole high-cut,
//! and ping-pong (the mono input enters on the left and the repeats alternate sides). The lines
//! are allocated with the engine.

use crate::dsp::FiniteState;
use crate::dsp::smoother::LinearSmoother;

/// Longest delay time, ms.
pub const MAX_DELAY_MS: f32 = 2_000.0;

#[derive(Clone, Debug)]
pub struct Delay {
    sample_rate: f32,
    lines: [Vec<f32>; 2],
    pos: usize,
    time_frames: LinearSmoother,
    feedback: LinearSmoother,
    /// High-cut frequency (Hz, ramped) and the one-pole coefficient and states it gives.
    cut_hz: LinearSmoother,
    cut: f32,
    cut_state: [f32; 2],
    ping_pong: bool,
}

impl FiniteState for Delay {
    fn state_finite(&self) -> bool {
        crate::dsp::all_finite(
            self.lines
                .iter()
                .flatten()
                .chain(&self.cut_state)
                .chain([&self.cut]),
        ) && [&self.time_frames, &self.feedback, &self.cut_hz]
            .iter()
            .all(|s| s.state_finite())
    }
}

impl Delay {
    pub fn new(
        time_ms: f32,
        feedback: f32,
        high_cut_hz: f32,
        ping_pong: bool,
        ms: f32,
        sample_rate: f32,
    ) -> Delay {
        let len = (MAX_DELAY_MS * 0.001 * sample_rate) as usize + 4;
        let mut d = Delay {
            sample_rate,
            lines: [vec![0.0; len], vec![0.0; len]],
            pos: 0,
            time_frames: LinearSmoother::new(frames(time_ms, sample_rate), ms * 5.0, sample_rate),
            feedback: LinearSmoother::new(feedback, ms, sample_rate),
            cut_hz: LinearSmoother::new(high_cut_hz, ms, sample_rate),
            cut: 0.0,
            cut_state: [0.0; 2],
            ping_pong,
        };
        d.set_high_cut(high_cut_hz, true);
        d
    }

    /// Delay time in ms (clamped to 1…2000).
    pub fn set_time(&mut self, ms: f32, snap: bool) {
        let f = frames(ms, self.sample_rate);
        self.time_frames.set(f, snap)
    }

    /// Feedback 0…0.95.
    pub fn set_feedback(&mut self, fb: f32, snap: bool) {
        let fb = fb.clamp(0.0, 0.95);
        self.feedback.set(fb, snap)
    }

    /// High-cut in the feedback loop, Hz.
    pub fn set_high_cut(&mut self, hz: f32, snap: bool) {
        self.cut_hz
            .set(hz.clamp(200.0, self.sample_rate * 0.45), snap);
        self.update_cut();
    }

    fn update_cut(&mut self) {
        let w = 2.0 * core::f32::consts::PI * self.cut_hz.current() / self.sample_rate;
        self.cut = (-w).exp();
    }

    pub fn set_ping_pong(&mut self, on: bool) {
        self.ping_pong = on;
    }

    /// Clears the lines and the loop filter and ends every ramp at its target (parameters are
    /// kept). Allocation-free: the lines are zeroed in place.
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.fill(0.0);
        }
        self.pos = 0;
        for s in [&mut self.time_frames, &mut self.feedback, &mut self.cut_hz] {
            s.reset(s.target());
        }
        self.update_cut();
        self.cut_state = [0.0; 2];
    }

    #[inline]
    fn read(&self, ch: usize, delay: f32) -> f32 {
        let line = &self.lines[ch];
        let n = line.len();
        let d = delay.clamp(1.0, (n - 2) as f32);
        let whole = d as usize;
        let frac = d - whole as f32;
        let a = line[(self.pos + n - whole) % n];
        let b = line[(self.pos + n - whole - 1) % n];
        a + (b - a) * frac
    }

    /// Subnormal values in the lines and the loop filter (a test probe, not for the audio thread).
    pub fn subnormal_states(&self) -> usize {
        super::count_subnormals(self.lines.iter().flatten().chain(&self.cut_state))
    }

    /// Processes one frame of bus input; returns the wet stereo output (the repeats).
    #[inline]
    pub fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let delay = self.time_frames.next_value();
        let fb = self.feedback.next_value();
        if self.cut_hz.is_smoothing() {
            self.cut_hz.next_value();
            self.update_cut();
        }
        let yl = self.read(0, delay);
        let yr = self.read(1, delay);
        // High-cut inside the loop: each repeat is darker than the last.
        for (s, y) in self.cut_state.iter_mut().zip([yl, yr]) {
            *s = super::flush(y + self.cut * (*s - y));
        }
        let (fl, fr) = (self.cut_state[0] * fb, self.cut_state[1] * fb);
        let (wl, wr) = if self.ping_pong {
            ((l + r) * 0.5 + fr, fl)
        } else {
            (l + fl, r + fr)
        };
        let n = self.lines[0].len();
        self.lines[0][self.pos] = super::flush(wl);
        self.lines[1][self.pos] = super::flush(wr);
        self.pos = (self.pos + 1) % n;
        (yl, yr)
    }
}

fn frames(ms: f32, sample_rate: f32) -> f32 {
    ms.clamp(1.0, MAX_DELAY_MS) * 0.001 * sample_rate
}

/// Delay time in ms for a note value of `beats` quarter notes at `bpm`.
pub fn note_ms(beats: f32, bpm: f32) -> f32 {
    beats * 60_000.0 / bpm.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impulse_repeats_at_the_delay_time_decaying_by_the_feedback() {
        let fs = 48_000.0;
        let mut d = Delay::new(10.0, 0.5, 20_000.0, false, 20.0, fs);
        let mut out = Vec::new();
        for i in 0..2_000 {
            let x = if i == 0 { 1.0 } else { 0.0 };
            out.push(d.tick(x, x).0);
        }
        let peak = |from: usize| (from..from + 5).map(|i| out[i].abs()).fold(0.0, f32::max);
        assert!(peak(478) > 0.9, "first repeat at 480 frames");
        let ratio = peak(958) / peak(478);
        assert!(
            (ratio - 0.5).abs() < 0.05,
            "second repeat at feedback × first: {ratio}"
        );
        assert_eq!(note_ms(0.5, 120.0), 250.0);
    }

    #[test]
    fn ping_pong_alternates_sides() {
        let mut d = Delay::new(5.0, 0.6, 20_000.0, true, 20.0, 48_000.0);
        let (mut l, mut r) = (Vec::new(), Vec::new());
        for i in 0..1_000 {
            let x = if i == 0 { 1.0 } else { 0.0 };
            let (a, b) = d.tick(x, x);
            l.push(a.abs());
            r.push(b.abs());
        }
        assert!(l[240] > 0.5 && r[240] < 1e-6, "first repeat left");
        assert!(r[480] > 0.3 && l[480] < 1e-6, "second repeat right");
    }
}
