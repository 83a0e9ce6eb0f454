// Second Ear's AudioWorkletProcessor: the thin shell around the Rust engine (dsp_worklet.wasm).
//
// Runs on the audio rendering thread. The main thread compiles the wasm and passes the
// WebAssembly.Module in processorOptions; we instantiate it synchronously (it has no imports).
// Messages (port, handled between render quanta, may allocate):
//   {type:'cmd', words: Float64Array}          commands, 4 words each (Rust `Command::to_words`)
//   {type:'add', id, channels: [Float32Array]}  a decoded stem at the context rate
//   {type:'ping'}                               answered {type:'pong'} once everything before it
//                                               is applied (the export waits for it to start)
//   {type:'snapshot'}                           answered {type:'snapshot', words} with a meter
//                                               snapshot (the export reads the limiter's deepest
//                                               gain reduction over the whole render from it)
//   {type:'record', frames}                     record the master chain's input from now on
//                                               (an export's first pass; before Play)
//   {type:'recorded'}                           answered {type:'recorded', channels:
//                                               [Float32Array, Float32Array]} (transferred)
//   {type:'replay', channels: [Float32Array]}   a recording replaces the tracks and FX buses
//                                               (an export's later passes; before Play)
//   {type:'dispose'}                            free the engine; process() returns false after
// processorOptions: {module, meters} (meters: false turns meter posts off, for the export).
// Posted back: {type:'meter', words: Float64Array} ~30 times a second, {type:'added', id},
// {type:'error', code, id?} with an EngineError code.

const BLOCK = 128;
// Wasm returns addresses as signed i32: `>>> 0` reads them unsigned, so memory past 2 GiB works.

class SecondEarEngine extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.wasm = new WebAssembly.Instance(o.module, {}).exports;
    this.engine = this.wasm.se_engine_new(sampleRate);
    this.meters = o.meters !== false;
    this.meterEvery = Math.max(1, Math.round(sampleRate / 30 / BLOCK));
    this.blocks = 0;
    this.buffer = null;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(m) {
    if (!this.engine) return;
    if (m.type === 'cmd') this.commands(m.words);
    else if (m.type === 'add') this.addTrack(m);
    else if (m.type === 'ping') this.port.postMessage({ type: 'pong' });
    else if (m.type === 'snapshot') this.port.postMessage({ type: 'snapshot', words: this.snapshot() });
    else if (m.type === 'record') this.wasm.se_premix_record(this.engine, m.frames);
    else if (m.type === 'recorded') this.postRecording();
    else if (m.type === 'replay') this.replay(m.channels);
    else if (m.type === 'dispose') {
      this.wasm.se_engine_free(this.engine);
      this.engine = 0;
    }
  }

  commands(words) {
    for (let i = 0; i + 3 < words.length; i += 4) {
      const rc = this.wasm.se_command(this.engine, words[i], words[i + 1], words[i + 2], words[i + 3]);
      if (rc !== 0) this.port.postMessage({ type: 'error', code: rc });
    }
  }

  addTrack(t) {
    const frames = t.channels.length ? t.channels[0].length : 0;
    let rc = this.wasm.se_track_begin(this.engine, t.id, t.channels.length, frames);
    if (rc === 0) {
      t.channels.forEach((samples, ch) => {
        const ptr = this.wasm.se_track_channel_ptr(this.engine, ch) >>> 0;
        new Float32Array(this.wasm.memory.buffer, ptr, frames).set(samples);
      });
      rc = this.wasm.se_track_commit(this.engine);
    }
    this.port.postMessage(rc === 0 ? { type: 'added', id: t.id } : { type: 'error', code: rc, id: t.id });
  }

  postRecording() {
    const frames = this.wasm.se_premix_recorded_len(this.engine);
    const channels = [0, 1].map((ch) => {
      const ptr = this.wasm.se_premix_recorded_ptr(this.engine, ch) >>> 0;
      return ptr ? new Float32Array(this.wasm.memory.buffer, ptr, frames).slice() : new Float32Array(0);
    });
    this.port.postMessage({ type: 'recorded', channels }, channels.map((c) => c.buffer));
  }

  replay(channels) {
    const frames = channels[0].length;
    this.wasm.se_premix_replay(this.engine, frames);
    channels.forEach((samples, ch) => {
      const ptr = this.wasm.se_premix_replay_ptr(this.engine, ch) >>> 0;
      if (ptr) new Float32Array(this.wasm.memory.buffer, ptr, frames).set(samples);
    });
  }

  process(_inputs, outputs) {
    if (!this.engine) return false;
    const out = outputs[0];
    const frames = out[0].length;
    this.wasm.se_process(this.engine, frames);
    const mem = this.wasm.memory.buffer;
    if (mem !== this.buffer) {
      // Memory growth detaches old views: rebuild them.
      this.buffer = mem;
      this.outL = new Float32Array(mem, this.wasm.se_out_ptr(this.engine, 0) >>> 0, BLOCK);
      this.outR = new Float32Array(mem, this.wasm.se_out_ptr(this.engine, 1) >>> 0, BLOCK);
    }
    out[0].set(frames === BLOCK ? this.outL : this.outL.subarray(0, frames));
    if (out.length > 1) out[1].set(frames === BLOCK ? this.outR : this.outR.subarray(0, frames));
    if (this.meters && ++this.blocks >= this.meterEvery) {
      this.blocks = 0;
      this.port.postMessage({ type: 'meter', words: this.snapshot() });
    }
    return true;
  }

  snapshot() {
    const ptr = this.wasm.se_meter_snapshot(this.engine) >>> 0;
    const len = this.wasm.se_meter_len(this.engine);
    return new Float64Array(this.wasm.memory.buffer, ptr, len).slice();
  }
}

registerProcessor('second-ear-engine', SecondEarEngine);
