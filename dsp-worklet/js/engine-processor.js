// Second Ear's AudioWorkletProcessor: the Rust engine (through engine-shell.js) on the audio
// rendering thread. The main thread compiles the wasm and passes the WebAssembly.Module in
// processorOptions; the shell instantiates it synchronously (it has no imports).
// Messages (port, handled between render quanta, may allocate); the app's side is the typed
// `ToProcessor` / `FromProcessor` in app/src/browser/protocol.rs (the one definition; the
// 'add' and 'dispose' messages are for the benchmarks in tests/bench):
//   {type:'cmd', words: Float64Array}          commands, 4 words each (Rust `Command::to_words`)
//   {type:'lanes', words: Float64Array}         automation lanes to make, 4 words each: lane id,
//                                               track id (u32::MAX: master), param id, room
//   {type:'add', id, channels: [Float32Array]}  a whole stem held in the engine (benchmarks)
//   {type:'stream-add', id, channels, frames, capacity}
//                                               a stem streamed from the stem store through a
//                                               ring of `capacity` frames, fed by the feeder
//   {type:'feeder', port: MessagePort}          the stream feeder Worker's end: wants go out
//                                               {id, epoch, k0, frame, frames}; chunks come
//                                               back {id, epoch, k0, channels: [Float32Array]}
//   {type:'ping'}                               answered {type:'pong'} once everything before it
//                                               is applied
//   {type:'dispose'}                            free the engine; process() returns false after
// Where the page is cross-origin isolated (SharedArrayBuffer exists), the chunks do not travel as
// messages: each streamed track gets a mailbox, a SharedArrayBuffer (see `mailbox` below) the
// feeder reads the store straight into, with a shared doorbell the processor rings
// (Atomics.notify) after writing a want into it; the processor takes a full mailbox at its next
// look, allocating nothing. To the feeder, over its port: {type:'doorbell', doorbell: Int32Array},
// {type:'mailbox', id, sab, frames}, {type:'unbox', id, sab}. Elsewhere the messages above
// carry them.
// Posted once at the start, for diagnostics and tests: {type:'stream-path', shared: boolean}.
// processorOptions: {module, meters, memoryHeadroom} (meters: false turns meter posts off, for
// benchmarks; memoryHeadroom: bytes the engine's heap may still take once it exists, for tests
// of a device short of memory).
// Exports do not come here: export-worker.js runs its own engine.
// Posted back: {type:'meter', words: Float64Array} ~30 times a second, {type:'added', id},
// {type:'error', code, id?} with an EngineError code.

import { BLOCK, EngineShell, INVALID_VALUE } from './engine-shell.js';

// Ask the feeder for more once a ring has room for this many frames (or at a loop's end).
const REQUEST_FRAMES = 4096;
// Look at every streamed track's ring every this many blocks (~11 ms at 48 kHz).
const PUMP_EVERY = 4;

// A mailbox's states (Int32 word 0; word 1: frames in a full mailbox). The processor moves
// IDLE → WANTED and FULL/FAILED → IDLE, the feeder WANTED → BUSY → FULL or FAILED.
const IDLE = 0;
const WANTED = 1;
const FULL = 3;
const FAILED = 4;
// Bytes before the samples: Int32 [state, frames, 0, 0], Float64 [epoch, k0, songFrame, frames].
const HEADER_BYTES = 48;

// A streamed track's mailbox for `channels` planes of `frames` frames (the layout the feeder
// reads too: stream-feeder.js).
function mailbox(channels, frames) {
  const sab = new SharedArrayBuffer(HEADER_BYTES + channels * frames * 4);
  const data = [];
  for (let ch = 0; ch < channels; ch++) data.push(new Float32Array(sab, HEADER_BYTES + ch * frames * 4, frames));
  return { sab, state: new Int32Array(sab, 0, 4), words: new Float64Array(sab, 16, 4), data, frames };
}

class SecondEarEngine extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.shell = new EngineShell(o.module, sampleRate, o.memoryHeadroom);
    this.meters = o.meters !== false;
    this.meterEvery = Math.max(1, Math.round(sampleRate / 30 / BLOCK));
    this.blocks = 0;
    this.feeder = null;
    // Streamed track id → {inFlight: whether a want is out, epoch: of the last want, box: its
    // mailbox on the shared path}.
    this.streams = new Map();
    this.shared = typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated !== false;
    this.doorbell = this.shared ? new Int32Array(new SharedArrayBuffer(4)) : null;
    this.port.onmessage = (e) => this.onMessage(e.data);
    this.port.postMessage({ type: 'stream-path', shared: this.shared });
  }

  // A malformed message is answered with an error (naming the track when it has one), never
  // thrown: a throw here would end the processor and silence every track.
  onMessage(m) {
    try {
      this.handle(m);
    } catch {
      this.port.postMessage({ type: 'error', code: INVALID_VALUE, id: typeof m?.id === 'number' ? m.id : undefined });
    }
  }

  handle(m) {
    if (!this.shell.alive) return;
    if (m.type === 'cmd') {
      for (const code of this.shell.commands(m.words)) this.port.postMessage({ type: 'error', code });
      this.pumpAll();
    } else if (m.type === 'lanes') {
      for (const code of this.shell.addLanes(m.words)) this.port.postMessage({ type: 'error', code });
    } else if (m.type === 'add') this.reply(m.id, this.shell.addTrack(m.id, m.channels));
    else if (m.type === 'stream-add') {
      const rc = this.shell.addStreamed(m.id, m.channels, m.frames, m.capacity);
      if (rc === 0) {
        const st = { inFlight: false, epoch: -1, box: null };
        if (this.shared) {
          st.box = mailbox(m.channels, this.shell.stagingFrames());
          if (this.feeder) this.feeder.postMessage({ type: 'mailbox', id: m.id, sab: st.box.sab, frames: st.box.frames });
        }
        this.streams.set(m.id, st);
      }
      this.reply(m.id, rc);
      this.pumpAll();
    } else if (m.type === 'feeder') {
      this.feeder = m.port;
      this.feeder.onmessage = (e) => this.onChunk(e.data);
      if (this.shared) {
        this.feeder.postMessage({ type: 'doorbell', doorbell: this.doorbell });
        for (const [id, st] of this.streams) this.feeder.postMessage({ type: 'mailbox', id, sab: st.box.sab, frames: st.box.frames });
      }
      this.pumpAll();
    } else if (m.type === 'ping') this.port.postMessage({ type: 'pong' });
    else if (m.type === 'dispose') {
      this.shell.dispose();
      if (this.feeder) this.feeder.close();
    }
  }

  reply(id, rc) {
    this.port.postMessage(rc === 0 ? { type: 'added', id } : { type: 'error', code: rc, id });
  }

  onChunk(c) {
    const st = this.streams.get(c.id);
    if (!st || !this.shell.alive) return;
    st.inFlight = false;
    if (!this.shell.want(c.id)) {
      this.streams.delete(c.id); // removed from the engine while the chunk was on its way
      return;
    }
    // The feeder could not read this track (it tells the main thread why): ask again later.
    if (c.failed) return;
    const rc = this.shell.write(c.id, c.epoch, c.k0, c.channels);
    // -11 (out of order): the ring moved on (an underrun); the next want says where it is now.
    if (rc < 0 && rc !== -11) this.port.postMessage({ type: 'error', code: rc, id: c.id });
    this.pump(c.id, st);
  }

  pumpAll() {
    for (const [id, st] of this.streams) {
      if (st.box) this.pumpShared(id, st);
      else this.pump(id, st);
    }
  }

  // The shared path: takes a full mailbox, then (as `pump`) writes the next want into it and
  // rings the doorbell. Allocates nothing.
  pumpShared(id, st) {
    if (!this.feeder) return;
    const box = st.box;
    const state = Atomics.load(box.state, 0);
    if (state === FULL) {
      if (this.shell.wantWords(id)) {
        const rc = this.shell.writeFrames(id, box.words[0], box.words[1], box.data, box.state[1]);
        if (rc < 0 && rc !== -11) this.port.postMessage({ type: 'error', code: rc, id });
      }
      Atomics.store(box.state, 0, IDLE);
    } else if (state === FAILED) {
      // The feeder could not read this track (it tells the main thread why): ask again later.
      Atomics.store(box.state, 0, IDLE);
      return;
    } else if (state !== IDLE) return;
    const w = this.shell.wantWords(id);
    if (!w) {
      this.streams.delete(id); // removed from the engine
      this.feeder.postMessage({ type: 'unbox', id, sab: box.sab });
      return;
    }
    const epoch = w[0];
    const free = w[2];
    const run = w[4];
    if (run <= 0) return;
    if (free < REQUEST_FRAMES && epoch === st.epoch && run === free) return;
    st.epoch = epoch;
    box.words[0] = epoch;
    box.words[1] = w[1];
    box.words[2] = w[3];
    box.words[3] = Math.min(run, box.frames);
    Atomics.store(box.state, 0, WANTED);
    Atomics.add(this.doorbell, 0, 1);
    Atomics.notify(this.doorbell, 0);
  }

  // Asks the feeder for the next frames of track `id` when its ring has room for a worthwhile
  // chunk, a new epoch began (seek, loop, stop), or a loop's last frames are due.
  pump(id, st) {
    if (!this.feeder || st.inFlight) return;
    const w = this.shell.want(id);
    if (!w) {
      this.streams.delete(id); // removed from the engine
      return;
    }
    if (w.run <= 0) return;
    if (w.free < REQUEST_FRAMES && w.epoch === st.epoch && w.run === w.free) return;
    st.inFlight = true;
    st.epoch = w.epoch;
    this.feeder.postMessage({ id, epoch: w.epoch, k0: w.from, frame: w.songFrame, frames: w.run });
  }

  process(_inputs, outputs) {
    if (!this.shell.alive) return false;
    const out = outputs[0];
    const [l, r] = this.shell.process(out[0].length);
    out[0].set(l);
    if (out.length > 1) out[1].set(r);
    if (++this.blocks % PUMP_EVERY === 0 && this.streams.size) this.pumpAll();
    if (this.meters && this.blocks % this.meterEvery === 0) {
      this.port.postMessage({ type: 'meter', words: this.shell.snapshot() });
    }
    return true;
  }
}

registerProcessor('second-ear-engine', SecondEarEngine);
