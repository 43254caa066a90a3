/**
 * The Kysely view of the database. Each module adds its own tables to this interface by declaration merging
 * in its repository file (`declare module "../../db/schema.ts" { interface Database { ... } }`), so the
 * tables are typed where their SQL lives and no shared file lists them all.
 */
// biome-ignore lint/suspicious/noEmptyInterface: extended by modules through declaration merging
export interface Database {}
