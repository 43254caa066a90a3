/**
 * Run as a short-lived child process by openDatabase: create (initdb) an embedded database in the directory
 * given as the only argument, then exit. Creating one takes several hundred MB that the WebAssembly memory of
 * the creating process never gives back; here that memory leaves with the child, not with the node.
 */
import { PGlite } from "@electric-sql/pglite";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: pglite-init <data directory>");
  process.exit(2);
}
const db = await PGlite.create(dir);
await db.close();
