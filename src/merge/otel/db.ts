/**
 * Databases (`db.system` / `db.system.name`, `db.query.text` / `db.statement`,
 * `db.namespace` / `db.name`): `<system>.query` on the client side, the query text as resource,
 * and the span type Datadog gives the system (`sql` for relational stores, `redis`, `mongodb`,
 * `cassandra`, `elasticsearch`, `memcached`, else `db`). DynamoDB is an AWS call (rpc.ts).
 */

import { firstString } from './otel-span.ts';
import type { NamespaceRule } from './semconv.ts';

const SYSTEM = ['db.system.name', 'db.system'];
const QUERY = ['db.query.text', 'db.statement'];

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
const OWN_TYPES: ReadonlyMap<string, string> = new Map([
  ['redis', 'redis'],
  ['memcached', 'memcached'],
  ['mongodb', 'mongodb'],
  ['cassandra', 'cassandra'],
  ['elasticsearch', 'elasticsearch'],
  ['opensearch', 'opensearch'],
]);

export function dbType(system: string): string {
  return SQL.has(system) ? 'sql' : (OWN_TYPES.get(system) ?? 'db');
}

export const db: NamespaceRule = {
  name(attributes, kind) {
    const system = firstString(attributes, SYSTEM);
    if (system === undefined || kind !== 'client' || system === 'dynamodb') return undefined;
    const query = firstString(attributes, QUERY);
    return {
      name: `${system}.query`,
      ...(query !== undefined ? { resource: query } : {}),
      type: dbType(system),
    };
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
