/**
 * Content hashes computed when they are first needed, not while a trail is read.
 *
 * The content hash (content-hash.ts) only ever tells apart records that share an eventID:
 * a re-delivery (collapsed) from a conflict (both kept). Nearly every record's eventID is its
 * own, so hashing every record as it is read (a quarter of a parse worker's CPU on the
 * 300,000-event benchmark trails) was work for nothing. The trail scanner leaves the hash
 * unknown (NaN); when the index meets a second record with an eventID, it asks for both
 * records' hashes here, and the records' file is read again, whole, as the reader read it.
 *
 * Only records the scanner indexed are left without a hash, so only whole trail documents
 * (at most WHOLE_DOCUMENT_LIMIT of content) are read again; a file with duplicates is read
 * once for all its records (the hashes of a file are kept until the load ends).
 *
 * A file is read again only if it is still the file that was indexed: its identity (size and
 * mtime, and the device, inode and ctime the reader saw when a worker read it) is checked on
 * the descriptor that is then read. A file that changed is not hashed at all: what is there now
 * is not the record indexed, and hashing it could make a different record look like a
 * re-delivery of the other one. Its records then count as unlike any other (a conflict, never
 * a duplicate).
 */
import { contentHashOfValue } from './content-hash';
import { ExpectedIdentity, WHOLE_DOCUMENT_LIMIT, readContentRecords, readWholeContentSync } from '../sources/read';

/** Hashes of this many records at most are kept between lookups (then the memo starts afresh). */
const MAX_REMEMBERED = 1 << 20;

/**
 * A record's content hash by file and ordinal, or undefined when the file can no longer be
 * read as it was (gone, changed since it was indexed as `expected` says, unreadable): the
 * caller then treats the record as unlike any other.
 */
export type RecordHasher = (path: string, ordinal: number, expected: ExpectedIdentity) => number | undefined;

/** Reads files again (synchronously) for their records' content hashes, keeping each file's until clear(). */
export class RecordHashes {
  private readonly byFile = new Map<string, Float64Array | null>();
  private remembered = 0;

  readonly hash: RecordHasher = (path, ordinal, expected) => {
    let hashes = this.byFile.get(path);
    if (hashes === undefined) {
      if (this.remembered > MAX_REMEMBERED) this.clear();
      hashes = hashesOfFile(path, expected);
      this.byFile.set(path, hashes);
      this.remembered += hashes?.length ?? 0;
    }
    if (!hashes || ordinal < 0 || ordinal >= hashes.length || !Number.isInteger(ordinal)) return undefined;
    return hashes[ordinal];
  };

  clear(): void {
    this.byFile.clear();
    this.remembered = 0;
  }
}

/** The content hash of every record of a whole-document file, by the ordinal the reader gave it; null when it cannot be read whole. */
function hashesOfFile(path: string, expected: ExpectedIdentity): Float64Array | null {
  let content: Buffer | undefined;
  try {
    content = readWholeContentSync(path, WHOLE_DOCUMENT_LIMIT, undefined, expected);
  } catch {
    return null;
  }
  if (!content) return null;
  const hashes: number[] = [];
  try {
    readContentRecords(path, content, (record, location) => {
      // Ordinal locations count records from 0 in order; anything else would be a different reader.
      if (location.length === 0 && location.offset === hashes.length) hashes.push(contentHashOfValue(record));
      else hashes.push(NaN);
    });
  } catch {
    return null;
  }
  return Float64Array.from(hashes);
}
