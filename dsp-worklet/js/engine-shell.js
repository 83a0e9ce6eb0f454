// The thin JS shell around the Rust engine (dsp_worklet.wasm, no imports): instantiates it and
// moves commands, stems, streamed chunks and 128-frame blocks across its `extern "C"` surface
// (dsp-worklet/src/wasm_shell.rs). Used by the AudioWorkletProcessor (engine-processor.js) and
// the export Worker (export-worker.js).
// Wasm returns addresses as signed i32: `>>> 0` reads them unsigned, so memory past 2 GiB works.
// Memory growth detaches old views, so every view is taken afresh from `memory.buffer`.

export const BLOCK = 128;
// EngineError codes this file returns itself (Rust `EngineError::code`, pinned by the test
// `codes_the_js_shell_uses_are_pinned` in dsp-worklet/src/error.rs).
export const INVALID_VALUE = -8;
export const OUT_OF_MEMORY = -13;
// Words of a stream want: [epoch, from, free, songFrame, run, underrunFrames].
const WANT_WORDS = 6;

export class EngineShell {
  // `memoryHeadroom` (bytes, optional): how much more the engine's heap may take once the
  // engine exists (tests: a device short of memory).
  constructor(module, sampleRate, memoryHeadroom) {
    this.wasm = new WebAssembly.Instance(module, {}).exports;
    this.sampleRate = sampleRate;
    this.engine = this.wasm.se_engine_new(sampleRate);
    if (memoryHeadroom > 0) this.wasm.se_memory_headroom(memoryHeadroom);
    this.buffer = null;
  }

  get alive() {
    return this.engine !== 0;
  }

  // Applies command words (4 per command); returns the non-zero error codes.
  commands(words) {
    const errors = [];
    for (let i = 0; i + 3 < words.length; i += 4) {
      const rc = this.wasm.se_command(this.engine, words[i], words[i + 1], words[i + 2], words[i + 3]);
      if (rc !== 0) errors.push(rc);
    }
    return errors;
  }

  // Makes automation lanes, four words each: lane id, track id (0xFFFFFFFF: the master), the
  // parameter's id, room in points (Rust `Engine::add_lane`; allocates: message handlers and
  // export setup only). Returns the non-zero error codes.
  addLanes(words) {
    const errors = [];
    for (let i = 0; i + 3 < words.length; i += 4) {
      const rc = this.wasm.se_lane_add(this.engine, words[i], words[i + 1] >>> 0, words[i + 2], words[i + 3]);
      if (rc !== 0) errors.push(rc);
    }
    return errors;
  }

  // A whole stem held in the engine (benchmarks). Returns 0 or an error code: channels that
  // are not Float32Arrays of one length, or a missing channel buffer, are refused (INVALID_VALUE)
  // and the track is not committed.
  addTrack(id, channels) {
    if (!Array.isArray(channels) || !channels.every((c) => c instanceof Float32Array)) return INVALID_VALUE;
    const frames = channels.length ? channels[0].length : 0;
    if (channels.some((c) => c.length !== frames)) return INVALID_VALUE;
    const rc = this.wasm.se_track_begin(this.engine, id, channels.length, frames);
    if (rc !== 0) return rc;
    // Take every address first (nothing allocates between them), then check them all.
    const ptrs = channels.map((_, ch) => this.wasm.se_track_channel_ptr(this.engine, ch) >>> 0);
    const mem = this.wasm.memory.buffer;
    if (ptrs.some((p) => p === 0 || p + frames * 4 > mem.byteLength)) return INVALID_VALUE;
    channels.forEach((samples, ch) => new Float32Array(mem, ptrs[ch], frames).set(samples));
    return this.wasm.se_track_commit(this.engine);
  }

  // A stem streamed through a ring of `capacity` frames. Returns 0 or an error code.
  addStreamed(id, channels, frames, capacity) {
    return this.wasm.se_stream_track_add(this.engine, id, channels, frames, capacity);
  }

  // What streamed track `id` wants next, {epoch, from, free, songFrame, run, underruns}, or
  // null for a track the engine does not stream.
  want(id) {
    const ptr = this.wasm.se_stream_want(this.engine, id) >>> 0;
    if (!ptr) return null;
    const w = new Float64Array(this.wasm.memory.buffer, ptr, WANT_WORDS);
    return { epoch: w[0], from: w[1], free: w[2], songFrame: w[3], run: w[4], underruns: w[5] };
  }

  // Writes a chunk (one Float32Array per channel) at read index `k0` of `epoch`. Returns the
  // frames taken (0: stale epoch) or a negative error code.
  write(id, epoch, k0, channels) {
    const frames = Math.min(channels[0].length, this.wasm.se_stream_staging_frames());
    const ptrs = channels.map((_, ch) => this.wasm.se_stream_staging_ptr(this.engine, ch) >>> 0);
    const mem = this.wasm.memory.buffer;
    if (ptrs.some((p) => p === 0)) return INVALID_VALUE;
    channels.forEach((samples, ch) => {
      new Float32Array(mem, ptrs[ch], frames).set(frames === samples.length ? samples : samples.subarray(0, frames));
    });
    return this.wasm.se_stream_write(this.engine, id, epoch, k0, frames);
  }

  // Most frames one write takes (the shell's staging buffer).
  stagingFrames() {
    return this.wasm.se_stream_staging_frames();
  }

  // `want(id)` without allocating (the shared-memory path calls it from process()): the want's
  // words [epoch, from, free, songFrame, run, underruns] as a view of the engine's memory, valid
  // until the next call into the engine, or null for a track the engine does not stream.
  wantWords(id) {
    const ptr = this.wasm.se_stream_want(this.engine, id) >>> 0;
    if (!ptr) return null;
    const mem = this.wasm.memory.buffer;
    if (!this.wantView || this.wantView.buffer !== mem || this.wantPtr !== ptr) {
      this.wantView = new Float64Array(mem, ptr, WANT_WORDS);
      this.wantPtr = ptr;
    }
    return this.wantView;
  }

  // `write` without allocating: the first `frames` frames of `channels` (views as long or
  // longer, e.g. of a SharedArrayBuffer), copied sample by sample into the staging buffer.
  writeFrames(id, epoch, k0, channels, frames) {
    const n = Math.min(frames, this.wasm.se_stream_staging_frames());
    const mem = this.wasm.memory.buffer;
    if (this.stagingBuffer !== mem) {
      this.stagingBuffer = mem;
      this.staging = [];
    }
    for (let ch = 0; ch < channels.length; ch++) {
      const ptr = this.wasm.se_stream_staging_ptr(this.engine, ch) >>> 0;
      if (ptr === 0 || channels[ch].length < n) return INVALID_VALUE;
      let dst = this.staging[ch];
      if (!dst || dst.byteOffset !== ptr) dst = this.staging[ch] = new Float32Array(mem, ptr, this.wasm.se_stream_staging_frames());
      const src = channels[ch];
      for (let i = 0; i < n; i++) dst[i] = src[i];
    }
    return this.wasm.se_stream_write(this.engine, id, epoch, k0, n);
  }

  // Renders `frames` (≤ 128) frames; returns [left, right] views valid until the next call.
  process(frames) {
    this.wasm.se_process(this.engine, frames);
    const mem = this.wasm.memory.buffer;
    if (mem !== this.buffer) {
      this.buffer = mem;
      this.outL = new Float32Array(mem, this.wasm.se_out_ptr(this.engine, 0) >>> 0, BLOCK);
      this.outR = new Float32Array(mem, this.wasm.se_out_ptr(this.engine, 1) >>> 0, BLOCK);
    }
    return frames === BLOCK ? [this.outL, this.outR] : [this.outL.subarray(0, frames), this.outR.subarray(0, frames)];
  }

  snapshot() {
    const ptr = this.wasm.se_meter_snapshot(this.engine) >>> 0;
    const len = this.wasm.se_meter_len(this.engine);
    return new Float64Array(this.wasm.memory.buffer, ptr, len).slice();
  }

  // Returns 0 or an error code (OUT_OF_MEMORY: no room for the recording).
  record(frames) {
    return this.wasm.se_premix_record(this.engine, frames);
  }

  // Frames recorded so far.
  recordedFrames() {
    return this.wasm.se_premix_recorded_len(this.engine);
  }

  // Replaces the engine with a fresh one in this same instance that replays this one's recording
  // of the master chain's input (or the recording it replayed) from the start: an export's next
  // pass, with no copy of the recording. Returns 0 or an error code (INVALID_VALUE: there is no
  // recording; the engine is then unchanged).
  renewForReplay() {
    const next = this.wasm.se_engine_new(this.sampleRate);
    const rc = this.wasm.se_premix_pass_on(this.engine, next);
    if (rc !== 0) {
      this.wasm.se_engine_free(next);
      return rc;
    }
    this.wasm.se_engine_free(this.engine);
    this.engine = next;
    // Views of the old engine's buffers are stale.
    this.buffer = null;
    this.wantView = null;
    this.stagingBuffer = null;
    return 0;
  }

  // The recording so far, as two fresh Float32Arrays.
  recorded() {
    const frames = this.wasm.se_premix_recorded_len(this.engine);
    return [0, 1].map((ch) => {
      const ptr = this.wasm.se_premix_recorded_ptr(this.engine, ch) >>> 0;
      return ptr ? new Float32Array(this.wasm.memory.buffer, ptr, frames).slice() : new Float32Array(0);
    });
  }

  // Returns 0 or an error code (OUT_OF_MEMORY: no room for the recording; INVALID_VALUE: not
  // two Float32Arrays of one length).
  replay(channels) {
    if (!Array.isArray(channels) || channels.length !== 2 || !channels.every((c) => c instanceof Float32Array)) return INVALID_VALUE;
    const frames = channels[0].length;
    if (channels[1].length !== frames) return INVALID_VALUE;
    const rc = this.wasm.se_premix_replay(this.engine, frames);
    if (rc !== 0) return rc;
    const ptrs = [0, 1].map((ch) => this.wasm.se_premix_replay_ptr(this.engine, ch) >>> 0);
    const mem = this.wasm.memory.buffer;
    if (ptrs.some((p) => p === 0 || p + frames * 4 > mem.byteLength)) return INVALID_VALUE;
    channels.forEach((samples, ch) => new Float32Array(mem, ptrs[ch], frames).set(samples));
    return 0;
  }

  // ---- An export split across engines (dsp-worklet/src/split.rs) ----

  // The song is at least `songFrames` long, and whether a track in another engine is soloed.
  // Call after adding the tracks, before the settings.
  splitContext(songFrames, soloElsewhere) {
    this.wasm.se_split_context(this.engine, songFrames, soloElsewhere ? 1 : 0);
  }

  // A part: the tracks render into taps of `capacity` frames. Returns 0 or an error code.
  splitPart(capacity) {
    return this.wasm.se_split_part(this.engine, capacity);
  }

  // Frames in the taps since the last take.
  tapsLength() {
    return this.wasm.se_split_taps_len(this.engine);
  }

  // The taps since the last take, for this part's `tracks` tracks, copied into one Float32Array
  // laid out [track][channel][frame], then cleared: {frames, channels, data}. Throws if audio was
  // lost.
  takeTaps(tracks) {
    const frames = this.wasm.se_split_taps_len(this.engine);
    const channels = frames > 0 ? this.wasm.se_split_taps_channels(this.engine) : 0;
    const data = new Float32Array(tracks * channels * frames);
    const mem = this.wasm.memory.buffer;
    for (let k = 0; k < tracks; k++) {
      for (let ch = 0; ch < channels; ch++) {
        const ptr = this.wasm.se_split_taps_ptr(this.engine, k, ch) >>> 0;
        if (!ptr) throw new Error(`the part's engine has no plane for track ${k}, channel ${ch}`);
        data.set(new Float32Array(mem, ptr, frames), (k * channels + ch) * frames);
      }
    }
    if (this.wasm.se_split_taps_clear(this.engine)) throw new Error('the part lost audio (a send it did not carry, or taps not read in time)');
    return { frames, channels, data };
  }

  // The summing engine: adds `tracks` tracks of the other engines from an inlet of `capacity`
  // frames. Returns 0 or an error code.
  splitSum(tracks, capacity) {
    this.inletCapacity = capacity;
    return this.wasm.se_split_sum(this.engine, tracks, capacity);
  }

  // Where the inlet's next frames go and how many fit; its unread frames move to its start
  // first when fewer than `want` would fit.
  inletRoom(want) {
    const at = this.wasm.se_split_inlet_make_room(this.engine, want);
    return { at, free: this.inletCapacity - at };
  }

  // Writes `n` frames at inlet frame `at` for inlet tracks `first…`, from `chunk` ({frames,
  // channels, data} as takeTaps gives it) starting at its frame `off`.
  inletWrite(at, first, chunk, off, n) {
    const tracks = chunk.frames > 0 ? chunk.data.length / (chunk.channels * chunk.frames) : 0;
    const mem = this.wasm.memory.buffer;
    for (let k = 0; k < tracks; k++) {
      for (let ch = 0; ch < chunk.channels; ch++) {
        const ptr = this.wasm.se_split_inlet_ptr(this.engine, first + k, ch) >>> 0;
        if (!ptr) throw new Error(`the summing engine has no inlet plane for track ${first + k}, channel ${ch}`);
        const from = (k * chunk.channels + ch) * chunk.frames + off;
        new Float32Array(mem, ptr, this.inletCapacity).set(chunk.data.subarray(from, from + n), at);
      }
      this.wasm.se_split_inlet_sends(this.engine, first + k, chunk.channels === 6 ? 1 : 0);
    }
  }

  // `n` frames were written into every inlet plane.
  inletFilled(n) {
    this.wasm.se_split_inlet_filled(this.engine, n);
  }

  inletAvailable() {
    return this.wasm.se_split_inlet_available(this.engine);
  }

  // Frames the graph needed from the inlet that had not arrived.
  inletMissing() {
    return this.wasm.se_split_inlet_missing(this.engine);
  }

  // The engine's latency, frames: the most frames priming renders beyond a block.
  latencyFrames() {
    return this.wasm.se_latency_frames(this.engine);
  }

  dispose() {
    if (this.engine) this.wasm.se_engine_free(this.engine);
    this.engine = 0;
  }
}
