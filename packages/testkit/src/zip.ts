/**
 * A small zip writer (PKWARE APPNOTE 6.3: local headers, deflated or stored data, a central
 * directory and its end record), enough for the fake GitHub to serve artifact downloads as the
 * real blob store does: `actions/upload-artifact` archives deflate their files, and
 * `@actions/artifact` unpacks them with unzip-stream. No ZIP64: a test artifact stays far below
 * 4 GiB and 65,535 entries.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** Relative path (forward slashes) -> content. */
export type ZipEntries = ReadonlyMap<string, string | Uint8Array> | Readonly<Record<string, string | Uint8Array>>;

export interface ZipOptions {
  /** Store instead of deflating (a corrupt-archive test flips bytes more easily). */
  store?: boolean;
  /** The entries' modification time (default 2026-01-01 00:00, so archives are reproducible). */
  modified?: Date;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
/** Bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;

/** The archive of `entries`, in the order given. */
export function zip(entries: ZipEntries, options: ZipOptions = {}): Buffer {
  const list = entries instanceof Map ? [...entries] : Object.entries(entries);
  if (list.length > 0xffff) throw new Error(`zip: ${list.length} entries need ZIP64, which this writer does not do`);
  const { time, date } = dosDateTime(options.modified ?? new Date(Date.UTC(2026, 0, 1)));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [path, content] of list) {
    const name = Buffer.from(path.replace(/\\/g, '/'), 'utf8');
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const deflated = options.store ? data : deflateRawSync(data);
    const method = options.store ? 0 : 8;
    const checksum = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, deflated);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL, 0);
  end.writeUInt16LE(list.length, 8);
  end.writeUInt16LE(list.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function dosDateTime(when: Date): { time: number; date: number } {
  return {
    time: (when.getUTCHours() << 11) | (when.getUTCMinutes() << 5) | Math.floor(when.getUTCSeconds() / 2),
    date: ((when.getUTCFullYear() - 1980) << 9) | ((when.getUTCMonth() + 1) << 5) | when.getUTCDate(),
  };
}
