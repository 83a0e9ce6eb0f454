// WAV fixtures and a WAV reader for the tests. Deliberately independent of the app's writer
// (hound): the reader parses the RIFF chunks itself.

/** Encodes channels (arrays of floats, −1…1) as a WAV: format 's16', 's24' or 'f32'. */
export function encodeWav({ rate, channels, format }) {
  const frames = channels[0].length;
  const nch = channels.length;
  const bytes = { s16: 2, s24: 3, f32: 4 }[format];
  const dataLen = frames * nch * bytes;
  const buf = Buffer.alloc(44 + dataLen);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + dataLen, 4);
  buf.write('WAVE', 8);
  buf.write('fmt ', 12);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(format === 'f32' ? 3 : 1, 20);
  buf.writeUInt16LE(nch, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * nch * bytes, 28);
  buf.writeUInt16LE(nch * bytes, 32);
  buf.writeUInt16LE(bytes * 8, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(dataLen, 40);
  let o = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const x = channels[c][i];
      if (format === 'f32') buf.writeFloatLE(x, o);
      else if (format === 's16') buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x * 32768))), o);
      else buf.writeIntLE(Math.max(-8388608, Math.min(8388607, Math.round(x * 8388608))), o, 3);
      o += bytes;
    }
  }
  return buf;
}

/** Parses a PCM (16/24/32-bit int) or IEEE-float (32-bit) WAV into per-channel Float64Arrays. */
export function decodeWav(buf) {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let off = 12;
  let fmt = null;
  let data = null;
  const chunks = [];
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4);
    const len = buf.readUInt32LE(off + 4);
    chunks.push(id);
    if (id === 'fmt ') {
      let tag = buf.readUInt16LE(off + 8);
      const bits = buf.readUInt16LE(off + 22);
      if (tag === 0xfffe) tag = buf.readUInt16LE(off + 8 + 24); // WAVE_FORMAT_EXTENSIBLE subformat
      fmt = { tag, channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12), bits };
    } else if (id === 'data') {
      data = buf.subarray(off + 8, off + 8 + len);
    }
    off += 8 + len + (len & 1);
  }
  if (!fmt || !data) throw new Error('missing fmt or data chunk');
  const bytes = fmt.bits / 8;
  const frames = Math.floor(data.length / (bytes * fmt.channels));
  const out = Array.from({ length: fmt.channels }, () => new Float64Array(frames));
  let o = 0;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < fmt.channels; c++) {
      let x;
      if (fmt.tag === 3) x = data.readFloatLE(o);
      else if (bytes === 2) x = data.readInt16LE(o) / 32768;
      else if (bytes === 3) x = data.readIntLE(o, 3) / 8388608;
      else x = data.readInt32LE(o) / 2147483648;
      out[c][i] = x;
      o += bytes;
    }
  }
  return { ...fmt, float: fmt.tag === 3, frames, channelData: out, chunks };
}

/** A sine at `peakDb` dBFS peak. */
export function sine({ freq, peakDb, rate, seconds }) {
  const a = 10 ** (peakDb / 20);
  const n = Math.round(rate * seconds);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = a * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** Deterministic white noise in ±amp, rounded to float32 so a float WAV carries it exactly. */
export function noise({ amp, frames, seed }) {
  let s = seed >>> 0 || 1;
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    x[i] = amp * ((s / 4294967295) * 2 - 1);
  }
  return x;
}

/** Peak amplitude of the `freq` component of x[from..to) by projection onto sin/cos (exact over
 * a whole number of cycles; other whole-cycle sines in the window contribute nothing). */
export function amplitudeAt(x, freq, rate, from, to) {
  let a = 0;
  let b = 0;
  for (let i = from; i < to; i++) {
    const ph = (2 * Math.PI * freq * i) / rate;
    a += x[i] * Math.cos(ph);
    b += x[i] * Math.sin(ph);
  }
  return (2 * Math.hypot(a, b)) / (to - from);
}

export const dB = (x) => 20 * Math.log10(x);
