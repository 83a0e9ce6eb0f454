//! Linear parameter ramps (audio thread).

/// Moves a value to its target along a straight line of a fixed number of samples, so a change
/// never steps by more than `|target − start| / ramp_len` per sample and arrives exactly on the
/// target (which keeps unity gain bit-exact once settled).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearSmoother {
    current: f32,
    target: f32,
    step: f32,
    remaining: u32,
    ramp_len: u32,
}

impl crate::dsp::FiniteState for LinearSmoother {
    fn state_finite(&self) -> bool {
        crate::dsp::all_finite([&self.current, &self.target, &self.step])
    }
}

impl LinearSmoother {
    /// A smoother resting at `value` whose ramps last `ramp_ms` at `sample_rate` Hz (≥ 1 sample).
    pub fn new(value: f32, ramp_ms: f32, sample_rate: f32) -> Self {
        let ramp_len = ((ramp_ms * 0.001 * sample_rate).round() as u32).max(1);
        Self {
            current: value,
            target: value,
            step: 0.0,
            remaining: 0,
            ramp_len,
        }
    }

    /// Starts a ramp from the current value to `target`.
    pub fn set_target(&mut self, target: f32) {
        if target == self.target && self.remaining == 0 {
            return;
        }
        self.target = target;
        self.remaining = self.ramp_len;
        self.step = (target - self.current) / self.ramp_len as f32;
    }

    /// Ramps to `target` over exactly `frames` samples (≥ 1) instead of the usual ramp length
    /// (automation, which sets the next value one grid step ahead). A target it already rests
    /// at changes nothing.
    pub fn ramp_to(&mut self, target: f32, frames: u32) {
        if target == self.target && self.remaining == 0 {
            return;
        }
        let frames = frames.max(1);
        self.target = target;
        self.remaining = frames;
        self.step = (target - self.current) / frames as f32;
    }

    /// Sets the length of the ramps [`set_target`](Self::set_target) starts from now on,
    /// samples (≥ 1); a ramp under way keeps its own.
    pub fn set_ramp_len(&mut self, frames: u32) {
        self.ramp_len = frames.max(1);
    }

    /// Ramps to `target`, or jumps there when `snap` (no audio flowing).
    pub fn set(&mut self, target: f32, snap: bool) {
        if snap {
            self.reset(target);
        } else {
            self.set_target(target);
        }
    }

    /// Jumps to `value` with no ramp (when no audio is flowing).
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
        self.remaining = 0;
        self.step = 0.0;
    }

    /// Advances one sample and returns the new value.
    #[inline]
    pub fn next_value(&mut self) -> f32 {
        if self.remaining > 0 {
            // Measured back from the target, so rounding never accumulates along the ramp.
            self.remaining -= 1;
            self.current = self.target - self.step * self.remaining as f32;
        }
        self.current
    }

    /// Advances `n` samples at once (when the per-sample values are not needed).
    pub fn skip(&mut self, n: u32) {
        if n >= self.remaining {
            self.current = self.target;
            self.remaining = 0;
        } else {
            self.remaining -= n;
            self.current = self.target - self.step * self.remaining as f32;
        }
    }

    /// Samples left in the ramp under way (0 when settled).
    #[inline]
    pub fn remaining(&self) -> u32 {
        self.remaining
    }

    /// True while a ramp is under way.
    #[inline]
    pub fn is_smoothing(&self) -> bool {
        self.remaining > 0
    }

    pub fn current(&self) -> f32 {
        self.current
    }

    pub fn target(&self) -> f32 {
        self.target
    }

    /// Ramp length in samples.
    pub fn ramp_len(&self) -> u32 {
        self.ramp_len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bound the brief asks for: no step larger than |Δ| / ramp_len (plus f32 rounding),
    /// and the target is reached exactly after ramp_len samples.
    #[test]
    fn ramp_reaches_target_with_bounded_steps() {
        let mut s = LinearSmoother::new(1.0, 20.0, 48_000.0);
        assert_eq!(s.ramp_len(), 960);
        s.set_target(0.5);
        let bound = 0.5 / 960.0 + 1e-6;
        let mut prev = 1.0;
        for i in 0..960 {
            let v = s.next_value();
            assert!((v - prev).abs() <= bound, "step {i}: {}", (v - prev).abs());
            prev = v;
        }
        assert_eq!(prev, 0.5);
        assert!(!s.is_smoothing());
        assert_eq!(s.next_value(), 0.5);
    }

    #[test]
    fn retarget_mid_ramp_starts_from_where_it_is() {
        let mut s = LinearSmoother::new(0.0, 1.0, 1000.0); // 1-sample ramp
        s.set_target(1.0);
        assert_eq!(s.next_value(), 1.0);
        let mut s = LinearSmoother::new(0.0, 10.0, 1000.0); // 10 samples
        s.set_target(1.0);
        for _ in 0..5 {
            s.next_value();
        }
        let mid = s.current();
        s.set_target(0.0);
        let first = s.next_value();
        assert!((mid - first - mid / 10.0).abs() < 1e-6);
    }

    #[test]
    fn skip_equals_stepping() {
        let mut a = LinearSmoother::new(0.0, 10.0, 1000.0);
        let mut b = a;
        a.set_target(2.0);
        b.set_target(2.0);
        for _ in 0..4 {
            a.next_value();
        }
        b.skip(4);
        assert!((a.current() - b.current()).abs() < 1e-6);
        b.skip(100);
        assert_eq!(b.current(), 2.0);
    }
}
