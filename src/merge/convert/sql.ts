/**
 * The `sql` namespace: database tags. `db.name` and `out.host` come from the connection URL
 * (`jdbc:postgresql://host:5432/ebdb`, `host:3306/shop`), or from a subsegment named
 * `database@host` as the X-Ray SDKs name SQL subsegments; `peer.service` is the database name.
 */

import type { SegmentDocument } from '../segment-schema.ts';
import { META, type MetaTags } from './tags.ts';

export type Sql = NonNullable<SegmentDocument['sql']>;

export function tagSql(sql: Sql, name: string, meta: MetaTags): void {
  if (sql.sanitized_query !== undefined) meta.setOwn(META['sql.query'], sql.sanitized_query);
  if (sql.database_type !== undefined) meta.setOwn(META['db.system'], sql.database_type.toLowerCase());
  if (sql.url !== undefined) meta.setOwn(META['db.url'], sql.url);
  if (sql.user !== undefined) meta.setOwn(META['db.user'], sql.user);
  if (sql.database_version !== undefined) meta.setOwn(META['db.version'], sql.database_version);
  if (sql.driver_version !== undefined) meta.setOwn(META['db.driver_version'], sql.driver_version);
  if (sql.preparation !== undefined) meta.setOwn(META['db.preparation'], sql.preparation);
  const where = sql.url !== undefined ? databaseOfUrl(sql.url) : databaseOfName(name);
  if (where.database !== undefined) {
    meta.setOwn(META['db.name'], where.database);
    meta.setOwn(META['peer.service'], where.database);
    meta.setOwn(META['_dd.peer.service.source'], 'db.name');
  }
  if (where.host !== undefined) {
    meta.setOwn(META['out.host'], where.host);
    if (where.database === undefined) {
      meta.setOwn(META['peer.service'], where.host);
      meta.setOwn(META['_dd.peer.service.source'], 'out.host');
    }
  }
}

interface Database {
  readonly database?: string;
  readonly host?: string;
}

const NOWHERE: Database = {};

/** Host and database of a connection URL, with or without a scheme (`jdbc:` is taken off first). */
export function databaseOfUrl(url: string): Database {
  const text = url.startsWith('jdbc:') ? url.slice(5) : url;
  const parsed = URL.parse(text.includes('://') ? text : `db://${text}`);
  if (parsed === null) return NOWHERE;
  // The path's first part, up to a `;` of JDBC properties.
  const first = parsed.pathname.split('/')[1]?.split(';')[0];
  const database = first !== undefined && first.length > 0 ? safeDecode(first) : undefined;
  const host = parsed.hostname.length > 0 ? parsed.hostname : undefined;
  return { ...(database !== undefined ? { database } : {}), ...(host !== undefined ? { host } : {}) };
}

/** `ebdb@db.example.com` -> database `ebdb`, host `db.example.com`. */
function databaseOfName(name: string): Database {
  const at = name.indexOf('@');
  if (at <= 0 || at === name.length - 1) return NOWHERE;
  return { database: name.slice(0, at), host: name.slice(at + 1) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
