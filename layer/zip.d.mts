export interface ZipInput {
  name: string;
  data?: Uint8Array;
  mode?: number;
}
export interface ZipEntry {
  name: string;
  mode: number;
  data: Buffer;
}
export function withDirectories(entries: ZipInput[]): ZipInput[];
export function writeZip(inputs: ZipInput[], options?: { level?: number }): Buffer;
export function readZip(zip: Uint8Array): ZipEntry[];
