// Second Ear's stream feeder (a dedicated module Worker): reads streamed stems from the stem store on
// disk (OPFS, written by the decode Workers; layout in app/src/browser/stem_store.rs) and sends
// the engine the frames it asks for, so no stem is ever held whole in memory.
// From the main thread (Rust `ToFeeder` in app/src/browser/protocol.rs, the one definition):
//   {type:'port', port: MessagePort}   the engine processor's end (wants in, chunks out)
//   {type:'track', id, sha256, rate, channels, frames, planes}
//                                      a streamed track: its channel files are opened read-only
//                                      (or, with `planes`, it is read from those: the in-memory
//                                      store of a browser without private file storage)
//   {type:'remove', id}                the track left the engine: its files are closed
// From the engine, a want {id, epoch, k0, frame, frames}: stem frames frame .. frame + frames
// (zeros past the stem's end), answered {id, epoch, k0, channels: [Float32Array]} with the
// buffers transferred. Wants for a track whose files are still opening wait for them.
// Where the page is cross-origin isolated the engine uses shared memory instead of chunk
// messages (engine-processor.js): from the engine come {type:'doorbell', doorbell: Int32Array}
// and per track {type:'mailbox', id, sab, frames} / {type:'unbox', id, sab}; a want is written
// into the track's mailbox and the doorbell rung; the feeder, waiting on the doorbell
// (Atomics.waitAsync), reads the frames from the store straight into the mailbox and marks it
// full.
// To the main thread (`FromFeeder`): {type:'ready'}, {type:'error', id, message}.
import { openStem } from './stem-source.js';

// Mailbox layout and states (the same as engine-processor.js).
const WANTED = 1;
const BUSY = 2;
const FULL = 3;
const FAILED = 4;
const HEADER_BYTES = 48;
const boxes = new Map(); // id → {sab, state: Int32Array, words: Float64Array, frames: per plane}
let doorbell = null;
// Whether the store's read() takes views of shared memory (else through `scratch`, then copied).
let readsShared = true;
let scratch = new Float32Array(0);

const tracks = new Map(); // id → {frames, handles: [FileSystemSyncAccessHandle], ready: Promise}
let engine = null;

function close(entry) {
  entry.ready.then((handles) => handles.forEach((h) => h.close())).catch(() => {});
}

// The open channel files of track `id`, or null when it is unknown or they cannot be opened
// (the main thread hears why, once per track; the next want tries again).
async function handlesOf(id) {
  const t = tracks.get(id);
  if (!t) return null;
  try {
    const handles = await t.ready;
    return tracks.get(id) === t ? { t, handles } : null; // removed while opening
  } catch (e) {
    if (tracks.get(id) === t) {
      if (!t.reported) self.postMessage({ type: 'error', id, message: String(e && e.message ? e.message : e) });
      t.reported = true;
      t.ready = openStem(t.spec);
      t.ready.catch(() => {});
    }
    return null;
  }
}

// Every want is answered, so the engine never waits on a want that was dropped: with the frames,
// or, when the track is unknown or its files cannot be read, with `failed` (the engine asks
// again later; the main thread hears why, once per track).
async function serve(w) {
  if (!engine) return;
  const fail = () => engine.postMessage({ id: w.id, epoch: w.epoch, k0: w.k0, failed: true });
  const opened = await handlesOf(w.id);
  if (!opened) return fail();
  const { t, handles } = opened;
  const have = Math.max(0, Math.min(w.frames, t.frames - w.frame));
  let short = false;
  const channels = handles.map((h) => {
    const out = new Float32Array(w.frames);
    if (have > 0 && h.read(new Uint8Array(out.buffer, 0, have * 4), { at: w.frame * 4 }) < have * 4) short = true;
    return out;
  });
  if (short) {
    if (!t.reported) self.postMessage({ type: 'error', id: w.id, message: 'its decoded audio on disk is shorter than recorded' });
    t.reported = true;
    return fail();
  }
  engine.postMessage({ id: w.id, epoch: w.epoch, k0: w.k0, channels }, channels.map((c) => c.buffer));
}

// The shared path: fills a mailbox the engine marked WANTED (and this feeder marked BUSY).
async function serveShared(id, box) {
  const [, , frame, frames] = box.words;
  const opened = await handlesOf(id);
  if (!opened) return Atomics.store(box.state, 0, FAILED);
  const { t, handles } = opened;
  const have = Math.max(0, Math.min(frames, t.frames - frame));
  let short = false;
  handles.forEach((h, ch) => {
    const plane = new Float32Array(box.sab, HEADER_BYTES + ch * box.frames * 4, frames);
    if (have > 0) short = readInto(h, plane, have, frame) < have * 4 || short;
    plane.fill(0, have);
  });
  if (short) {
    if (!t.reported) self.postMessage({ type: 'error', id, message: 'its decoded audio on disk is shorter than recorded' });
    t.reported = true;
    return Atomics.store(box.state, 0, FAILED);
  }
  box.state[1] = frames;
  Atomics.store(box.state, 0, FULL);
}

// Reads `have` frames from `frame` of a channel file into `plane` (shared memory); returns bytes.
function readInto(h, plane, have, frame) {
  if (readsShared) {
    try {
      return h.read(new Uint8Array(plane.buffer, plane.byteOffset, have * 4), { at: frame * 4 });
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      readsShared = false; // this browser's read() takes no shared memory
    }
  }
  if (scratch.length < have) scratch = new Float32Array(have);
  const got = h.read(new Uint8Array(scratch.buffer, 0, have * 4), { at: frame * 4 });
  plane.set(scratch.subarray(0, have));
  return got;
}

function scan() {
  for (const [id, box] of boxes) {
    if (Atomics.compareExchange(box.state, 0, WANTED, BUSY) === WANTED) {
      serveShared(id, box).catch(() => Atomics.store(box.state, 0, FAILED));
    }
  }
}

// Waits for the doorbell, then serves every wanted mailbox, for ever.
function listen() {
  const rung = Atomics.load(doorbell, 0);
  scan();
  const wait = Atomics.waitAsync(doorbell, 0, rung);
  if (wait.async) wait.value.then(listen);
  else setTimeout(listen, 0); // rung again meanwhile
}

function fromEngine(m) {
  if (m.type === 'doorbell') {
    const first = !doorbell;
    doorbell = m.doorbell;
    if (first) listen();
  } else if (m.type === 'mailbox') {
    boxes.set(m.id, { sab: m.sab, state: new Int32Array(m.sab, 0, 4), words: new Float64Array(m.sab, 16, 4), frames: m.frames });
    if (doorbell) scan();
  } else if (m.type === 'unbox') {
    if (boxes.get(m.id)?.sab === m.sab) boxes.delete(m.id);
  } else serve(m);
}

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'port') {
    engine = m.port;
    engine.onmessage = (ev) => fromEngine(ev.data);
  } else if (m.type === 'track') {
    const old = tracks.get(m.id);
    if (old) close(old);
    const entry = { frames: m.frames, spec: m, ready: openStem(m), reported: false };
    entry.ready.catch(() => {});
    tracks.set(m.id, entry);
  } else if (m.type === 'remove') {
    const old = tracks.get(m.id);
    if (old) close(old);
    tracks.delete(m.id);
  }
};
self.postMessage({ type: 'ready' });
