// Second Ear's stem writer (a module Worker each decode Worker starts for itself): writes the
// decoded planes of a stem into the stem store (OPFS, layout in app/src/browser/stem_store.rs)
// while the decode Worker goes on decoding, so decoding and writing run on two cores. It dies
// with its decode Worker. Messages (Rust `decode_worker::StemWriter`), handled in order:
//   {type:'open', job, names: [file name per channel]}   creates (or empties) the channel files
//   {type:'write', job, ch, at (bytes), data: Float32Array (transferred)}
//   {type:'close', job}   flushes and closes them; answered {type:'closed', job, error}
// The first failure of a job (a file that cannot be opened, a short write: the disk is full) is
// kept and answered at its close (`error`, else null); the job's later writes are dropped.

const DIR = 'stems';
const jobs = new Map(); // job → {handles: [FileSystemSyncAccessHandle], error: string | null}
let storeDir = null;
let queue = Promise.resolve();

async function directory() {
  storeDir ??= (await navigator.storage.getDirectory()).getDirectoryHandle(DIR, { create: true });
  return storeDir;
}

const describe = (e) => String(e && e.message ? e.message : e);

async function open(m) {
  const job = { handles: [], error: null };
  jobs.set(m.job, job);
  try {
    const dir = await directory();
    for (const name of m.names) {
      const file = await dir.getFileHandle(name, { create: true });
      const h = await file.createSyncAccessHandle();
      job.handles.push(h);
      h.truncate(0);
    }
  } catch (e) {
    job.error = describe(e);
  }
}

function write(m) {
  const job = jobs.get(m.job);
  if (!job || job.error) return;
  try {
    const bytes = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    if (job.handles[m.ch].write(bytes, { at: m.at }) < bytes.length) job.error = 'the disk is full';
  } catch (e) {
    job.error = describe(e);
  }
}

function close(m) {
  const job = jobs.get(m.job);
  jobs.delete(m.job);
  for (const h of job ? job.handles : []) {
    try {
      h.flush();
      h.close();
    } catch (e) {
      job.error ??= describe(e);
    }
  }
  self.postMessage({ type: 'closed', job: m.job, error: job ? job.error : 'no such job' });
}

self.onmessage = (e) => {
  const m = e.data;
  queue = queue.then(() => (m.type === 'open' ? open(m) : m.type === 'write' ? write(m) : close(m)));
};
