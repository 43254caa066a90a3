import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { LiaisonError } from "../core/errors.ts";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface ModeFix {
  path: string;
  from: number;
}

/**
 * The data directory holds the node's keys, tokens and (embedded) database: nobody but its owner may read or
 * change anything in it. Walks it and sets every directory to 0700 and every file to 0600 whose mode lets group
 * or others in (stricter modes are left as they are; symbolic links are not followed). PGlite sets the modes of
 * the files it creates itself (0666 for most of a new database), so this runs after it opens and writes, not
 * only at start. Throws LIAISON_DATA_DIR_INSECURE, naming the path, when a mode cannot be changed (a file
 * owned by another user, a read-only file system): the node does not start with files others could edit.
 */
export function secureDataDir(dataDir: string): ModeFix[] {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  const fixed: ModeFix[] = [];
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const directory = stat.isDirectory();
    if ((stat.mode & 0o077) !== 0) {
      const to = directory ? DIR_MODE : FILE_MODE;
      try {
        chmodSync(path, to);
      } catch (error) {
        throw new LiaisonError(
          "LIAISON_DATA_DIR_INSECURE",
          500,
          `${path} has mode ${(stat.mode & 0o777).toString(8)} and cannot be set to ${to.toString(8)} ` +
            `(${(error as NodeJS.ErrnoException).code ?? String(error)}; owner uid ${stat.uid}): make the node's ` +
            `user own the data directory and everything in it (chown -R), then start again`,
        );
      }
      fixed.push({ path, from: stat.mode & 0o777 });
    }
    if (directory) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dataDir);
  return fixed;
}
