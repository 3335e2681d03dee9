/** The `sql` namespace: database tags. */

import type { SegmentDocument } from '../segment-schema.ts';
import { META, type MetaTags } from './tags.ts';

export type Sql = NonNullable<SegmentDocument['sql']>;

export function tagSql(sql: Sql, meta: MetaTags): void {
  if (sql.sanitized_query !== undefined) meta.setOwn(META['sql.query'], sql.sanitized_query);
  if (sql.database_type !== undefined) meta.setOwn(META['db.system'], sql.database_type.toLowerCase());
  if (sql.url !== undefined) meta.setOwn(META['db.url'], sql.url);
  if (sql.user !== undefined) meta.setOwn(META['db.user'], sql.user);
  if (sql.database_version !== undefined) meta.setOwn(META['db.version'], sql.database_version);
  if (sql.driver_version !== undefined) meta.setOwn(META['db.driver_version'], sql.driver_version);
  if (sql.preparation !== undefined) meta.setOwn(META['db.preparation'], sql.preparation);
}
