// Independent ITU-R BS.1770-4 integrated loudness, written for the tests (a referee that is not
// the app's code): K-weighting redesigned for any rate from the standard's analog parameters
// (high shelf f0 1681.97 Hz, +4 dB, Q 0.7072; RLB high-pass f0 38.14 Hz, Q 0.5003), 400 ms blocks
// with 75 % overlap, absolute gate −70 LUFS, relative gate −10 LU. Stereo, L/R weight 1.

function kWeightingCoefs(fs) {
  let K = Math.tan((Math.PI * 1681.974450955533) / fs);
  const Vh = 10 ** (3.999843853973347 / 20);
  const Vb = Vh ** 0.4996667741545416;
  let Q = 0.7071752369554196;
  let a0 = 1 + K / Q + K * K;
  const shelf = {
    b: [(Vh + (Vb * K) / Q + K * K) / a0, (2 * (K * K - Vh)) / a0, (Vh - (Vb * K) / Q + K * K) / a0],
    a: [(2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0],
  };
  K = Math.tan((Math.PI * 38.13547087602444) / fs);
  Q = 0.5003270373238773;
  a0 = 1 + K / Q + K * K;
  const hp = { b: [1, -2, 1], a: [(2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0] };
  return [shelf, hp];
}

function biquad(x, { b, a }) {
  const y = new Float64Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = b[0] * x[i] + b[1] * x1 + b[2] * x2 - a[0] * y1 - a[1] * y2;
    x2 = x1; x1 = x[i]; y2 = y1; y1 = v; y[i] = v;
  }
  return y;
}

/** Integrated loudness (LUFS) of stereo channels at `fs`. */
export function integratedLoudness(channels, fs) {
  const [shelf, hp] = kWeightingCoefs(fs);
  const weighted = channels.map((c) => biquad(biquad(c, shelf), hp));
  const block = Math.round(0.4 * fs);
  const step = Math.round(0.1 * fs);
  const powers = [];
  for (let start = 0; start + block <= weighted[0].length; start += step) {
    let z = 0;
    for (const w of weighted) {
      let s = 0;
      for (let i = start; i < start + block; i++) s += w[i] * w[i];
      z += s / block;
    }
    powers.push(z);
  }
  const loud = (z) => -0.691 + 10 * Math.log10(z);
  const abs = powers.filter((z) => loud(z) > -70);
  if (!abs.length) return -Infinity;
  const rel = loud(abs.reduce((a, b) => a + b, 0) / abs.length) - 10;
  const gated = abs.filter((z) => loud(z) > rel);
  return loud(gated.reduce((a, b) => a + b, 0) / gated.length);
}
