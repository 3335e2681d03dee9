/**
 * Databases (`db.system.name` / `db.system`, `db.query.text` / `db.statement`, `db.namespace` /
 * `db.name`): `<system>.query` on the client side, the query text as resource (Datadog obfuscates
 * resources), span type by system (`sql` for relational stores, `cache` for redis and memcached,
 * else `db`); tags `db.system`, `sql.query`, `db.instance`, `db.user`.
 */

import { firstString } from './otel-span.ts';
import { type NamespaceRule, normalizeTagValue } from './semconv.ts';

const SYSTEM = ['db.system.name', 'db.system'];
const QUERY = ['db.statement', 'db.query.text'];

const SQL = new Set([
  'postgresql',
  'mysql',
  'mariadb',
  'mssql',
  'oracle',
  'db2',
  'sqlite',
  'other_sql',
  'h2',
  'cockroachdb',
  'redshift',
  'hive',
  'trino',
  'clickhouse',
]);

/** The span type of a client span of this database system. */
export function dbType(system: string): string {
  if (SQL.has(system)) return 'sql';
  if (system === 'redis' || system === 'memcached') return 'cache';
  return 'db';
}

export function dbSystem(attributes: Parameters<typeof firstString>[0]): string | undefined {
  const system = firstString(attributes, SYSTEM);
  return system !== undefined ? normalizeTagValue(system) : undefined;
}

export const db: NamespaceRule = {
  name(attributes, kind) {
    const system = dbSystem(attributes);
    return system !== undefined && kind === 'client' ? `${system}.query` : undefined;
  },
  resource(attributes) {
    return dbSystem(attributes) !== undefined ? firstString(attributes, QUERY) : undefined;
  },
  tags(attributes, meta) {
    const system = firstString(attributes, SYSTEM);
    if (system === undefined) return;
    meta['db.system'] = system;
    const query = firstString(attributes, QUERY);
    if (query !== undefined) meta['sql.query'] = query;
    const name = firstString(attributes, ['db.namespace', 'db.name']);
    if (name !== undefined) meta['db.instance'] = name;
    const user = firstString(attributes, ['db.user']);
    if (user !== undefined) meta['db.user'] = user;
  },
};
