// A small deterministic zip writer (and a reader for checking what it wrote). Same entries in, same
// bytes out: entries sorted by name, every timestamp 1980-01-01 00:00, permissions given per entry,
// no extra fields, no comment. Deflate when it makes the entry smaller, store otherwise.
//
// Format: PKWARE APPNOTE 6.3 (local headers, central directory, end of central directory). No
// zip64: a Lambda layer stays far below 4 GiB and 65,535 entries.
//
// @example
// const bytes = writeZip([{ name: 'xray-dd-merge', data: script, mode: 0o755 }]);
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const VERSION_NEEDED = 20; // 2.0: deflate, directories
const VERSION_MADE_BY = (3 << 8) | 30; // 3 = UNIX, so unzip tools apply the permissions in the upper 16 bits
const FLAG_UTF8 = 0x0800;
const STORE = 0;
const DEFLATE = 8;
const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MSDOS_DIRECTORY = 0x10;

/**
 * @typedef {{ name: string, data?: Uint8Array, mode?: number }} ZipInput
 * A file (`data`) or a directory (name ends with `/`, no data). Mode defaults to 644 / 755.
 */

/**
 * Every directory implied by the file names, so extraction gives them fixed permissions too.
 * @param {ZipInput[]} entries
 * @returns {ZipInput[]}
 */
export function withDirectories(entries) {
  const names = new Set(entries.map((e) => e.name));
  const dirs = [];
  for (const { name } of entries) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const dir = `${parts.slice(0, i).join('/')}/`;
      if (!names.has(dir)) {
        names.add(dir);
        dirs.push({ name: dir });
      }
    }
  }
  return [...entries, ...dirs];
}

/**
 * @param {ZipInput[]} inputs
 * @param {{ level?: number }} [options]
 * @returns {Buffer}
 */
export function writeZip(inputs, options = {}) {
  const level = options.level ?? 9;
  const entries = [...inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < entries.length; i += 1) {
    if (entries[i].name === entries[i - 1].name) throw new Error(`duplicate zip entry ${entries[i].name}`);
  }
  const chunks = [];
  const central = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const isDir = entry.name.endsWith('/');
    const raw = isDir ? Buffer.alloc(0) : Buffer.from(entry.data ?? new Uint8Array());
    const crc = isDir ? 0 : crc32(raw);
    let method = STORE;
    let body = raw;
    if (raw.length > 0) {
      const deflated = deflateRawSync(raw, { level });
      if (deflated.length < raw.length) {
        method = DEFLATE;
        body = deflated;
      }
    }
    const mode = (entry.mode ?? (isDir ? 0o755 : 0o644)) & 0o7777;
    const external = (((isDir ? S_IFDIR : S_IFREG) | mode) * 0x10000 + (isDir ? MSDOS_DIRECTORY : 0)) >>> 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(VERSION_MADE_BY, 4);
    header.writeUInt16LE(VERSION_NEEDED, 6);
    header.writeUInt16LE(FLAG_UTF8, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(raw.length, 24);
    header.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: all 0
    header.writeUInt32LE(external, 38);
    header.writeUInt32LE(offset, 42);

    chunks.push(local, name, body);
    central.push(header, name);
    offset += local.length + name.length + body.length;
  }
  if (entries.length > 0xffff || offset > 0xffffffff) throw new Error('zip too large for a Lambda layer');
  const centralDirectory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, centralDirectory, end]);
}

/**
 * The entries of a zip this module wrote (no zip64, no comment), with their contents inflated
 * and their CRCs checked.
 * @param {Uint8Array} zip
 * @returns {{ name: string, mode: number, data: Buffer }[]}
 */
export function readZip(zip) {
  const buffer = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const endAt = buffer.length - 22;
  if (buffer.readUInt32LE(endAt) !== END_OF_CENTRAL) throw new Error('not a zip without comment');
  const count = buffer.readUInt16LE(endAt + 10);
  let at = buffer.readUInt32LE(endAt + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    if (buffer.readUInt32LE(at) !== CENTRAL_HEADER) throw new Error(`bad central header at ${at}`);
    const method = buffer.readUInt16LE(at + 10);
    const crc = buffer.readUInt32LE(at + 16);
    const compressed = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const external = buffer.readUInt32LE(at + 38);
    const localAt = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    const localName = buffer.readUInt16LE(localAt + 26);
    const localExtra = buffer.readUInt16LE(localAt + 28);
    const dataAt = localAt + 30 + localName + localExtra;
    const body = buffer.subarray(dataAt, dataAt + compressed);
    const data = method === DEFLATE ? inflateRawSync(body) : Buffer.from(body);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch for ${name}`);
    entries.push({ name, mode: (external >>> 16) & 0o7777, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
