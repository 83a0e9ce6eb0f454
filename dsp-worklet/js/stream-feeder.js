// Second Ear's stream feeder (a dedicated Worker): reads streamed stems from the stem store on
// disk (OPFS, written by the decode Workers; layout in app/src/browser/stem_store.rs) and sends
// the engine the frames it asks for, so no stem is ever held whole in memory.
// From the main thread (Rust `ToFeeder` in app/src/browser/protocol.rs, the one definition):
//   {type:'port', port: MessagePort}   the engine processor's end (wants in, chunks out)
//   {type:'track', id, sha256, rate, channels, frames}
//                                      a streamed track: its channel files are opened read-only
//   {type:'remove', id}                the track left the engine: its files are closed
// From the engine, a want {id, epoch, k0, frame, frames}: stem frames frame .. frame + frames
// (zeros past the stem's end), answered {id, epoch, k0, channels: [Float32Array]} with the
// buffers transferred. Wants for a track whose files are still opening wait for them.
// To the main thread (`FromFeeder`): {type:'ready'}, {type:'error', id, message}.
'use strict';

const DIR = 'stems';
const tracks = new Map(); // id → {frames, handles: [FileSystemSyncAccessHandle], ready: Promise}
let engine = null;
let storeDir = null;

async function directory() {
  if (!storeDir) storeDir = (await navigator.storage.getDirectory()).getDirectoryHandle(DIR);
  return storeDir;
}

async function open(t) {
  const dir = await directory();
  const handles = [];
  for (let ch = 0; ch < t.channels; ch++) {
    const file = await dir.getFileHandle(`${t.sha256}-${t.rate}-${ch}.f32`);
    handles.push(await file.createSyncAccessHandle({ mode: 'read-only' }));
  }
  return handles;
}

function close(entry) {
  entry.ready.then((handles) => handles.forEach((h) => h.close())).catch(() => {});
}

// Every want is answered, so the engine never waits on a want that was dropped: with the frames,
// or, when the track is unknown or its files cannot be read, with `failed` (the engine asks
// again later; the main thread hears why, once per track).
async function serve(w) {
  if (!engine) return;
  const t = tracks.get(w.id);
  const fail = () => engine.postMessage({ id: w.id, epoch: w.epoch, k0: w.k0, failed: true });
  if (!t) return fail();
  let handles;
  try {
    handles = await t.ready;
  } catch (e) {
    if (tracks.get(w.id) === t) {
      if (!t.reported) self.postMessage({ type: 'error', id: w.id, message: String(e && e.message ? e.message : e) });
      t.reported = true;
      t.ready = open(t.spec); // try again at the next want
      t.ready.catch(() => {});
    }
    return fail();
  }
  if (tracks.get(w.id) !== t) return fail(); // removed while opening
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

self.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'port') {
    engine = m.port;
    engine.onmessage = (ev) => serve(ev.data);
  } else if (m.type === 'track') {
    const old = tracks.get(m.id);
    if (old) close(old);
    const entry = { frames: m.frames, spec: m, ready: open(m), reported: false };
    entry.ready.catch(() => {});
    tracks.set(m.id, entry);
  } else if (m.type === 'remove') {
    const old = tracks.get(m.id);
    if (old) close(old);
    tracks.delete(m.id);
  }
};
self.postMessage({ type: 'ready' });
