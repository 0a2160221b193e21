/** Names in a Go FileSnapshotStore directory (spec §4.14), shared by the store, its sink and its reader. */
export const SNAPSHOTS_DIR = 'snapshots';
export const META_FILE = 'meta.json';
export const STATE_FILE = 'state.bin';
/** A snapshot directory carries this suffix until its sink closes. */
export const TMP_SUFFIX = '.tmp';
/** Created and removed at startup to check the directory is writable, as Go does. */
export const PERMISSION_PROBE = 'permTest';
