/**
 * What wal-writer-process.ts stores at each index, so the test that kills it
 * can check every entry it finds afterwards: sizes from 100 B to 3 KB, bytes
 * that depend on the index.
 */
export function walWriterData(index: number): Uint8Array {
  const data = new Uint8Array(100 + ((index * 37) % 2900));
  for (let i = 0; i < data.length; i++) data[i] = (index * 7 + i) & 0xff;
  return data;
}

/** Entries kept behind the last one at each compaction. */
export const WAL_WRITER_KEEP = 64;
/** Small segments, so compactions free whole ones every few batches and the writer reuses their files. */
export const WAL_WRITER_SEGMENT_BYTES = 64 * 1024;
