// Where a streamed stem's frames come from, for the Workers that read them (stream-feeder.js,
// export-worker.js): its channel files in the stem store (OPFS, layout in
// app/src/browser/stem_store.rs), opened as read-only sync access handles; or, where the browser
// gives the page no private file storage, its planes kept in memory (app/src/browser/
// memory_store.rs), behind the same `read(into, {at})` / `close()`.

const DIR = 'stems';
let storeDir = null;

// The store's directory (asked for once per Worker).
async function directory() {
  storeDir ??= (await navigator.storage.getDirectory()).getDirectoryHandle(DIR);
  return storeDir;
}

// A plane in memory behind the part of a sync access handle the readers use.
function memoryHandle(plane) {
  const bytes = new Uint8Array(plane.buffer, plane.byteOffset, plane.byteLength);
  return {
    read(into, { at }) {
      const part = bytes.subarray(Math.min(at, bytes.length), Math.min(at + into.length, bytes.length));
      into.set(part);
      return part.length;
    },
    close() {},
  };
}

// One read handle per channel of `stem` ({sha256, rate, channels, planes: [Float32Array] | null}).
export async function openStem(stem) {
  if (stem.planes) return stem.planes.map(memoryHandle);
  const dir = await directory();
  const handles = [];
  try {
    for (let ch = 0; ch < stem.channels; ch++) {
      const file = await dir.getFileHandle(`${stem.sha256}-${stem.rate}-${ch}.f32`);
      handles.push(await file.createSyncAccessHandle({ mode: 'read-only' }));
    }
  } catch (e) {
    handles.forEach((h) => h.close());
    throw e;
  }
  return handles;
}
