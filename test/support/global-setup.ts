import { ensurePgliteTemplate } from "./pglite-template.ts";
import { dropRunSchemas, dropStaleSchemas, testRunId } from "./schemas.ts";

/**
 * Make the template database test nodes copy (see pglite-template.ts). On PostgreSQL: clear schemas of
 * dead runs before, and this run's own after (see schemas.ts).
 */
export default async function setup() {
  testRunId(); // fixed here, before the workers fork, so they all inherit it
  ensurePgliteTemplate(); // some nodes are embedded on PostgreSQL runs too
  const url = process.env.LIAISON_TEST_DATABASE_URL;
  if (!url) return;
  await dropStaleSchemas(url);
  return async () => {
    await dropRunSchemas(url);
  };
}
