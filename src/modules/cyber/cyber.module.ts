import { defineModule } from "../module.ts";
import { cyberMigrations } from "./cyber.migrations.ts";
import { cyberRoutes } from "./cyber.routes.ts";
import { type CyberDeps, CyberService } from "./cyber.service.ts";
import type { TaxiiAuthDeps } from "./cyber.taxii.auth.ts";
import { taxiiRoutes } from "./cyber.taxii.routes.ts";

export interface CyberModuleDeps extends CyberDeps {
  nodeName: string;
  baseUrl: string;
  taxiiAuth: TaxiiAuthDeps;
  /** Largest TAXII POST (max_content_length of the API root). */
  maxContentLength?: number;
}

/** 64 MiB: a bundle of about 100,000 small objects in one POST. */
const DEFAULT_MAX_CONTENT_LENGTH = 64 * 1024 * 1024;

/** Cyber: the STIX 2.1 store and the TAXII 2.1 server at /taxii2/. */
export function createCyberModule(deps: CyberModuleDeps) {
  const cyber = new CyberService(deps);
  return defineModule({
    name: "cyber",
    migrations: cyberMigrations,
    cyber,
    start: () => cyber.start(),
    routes: [
      cyberRoutes(cyber),
      taxiiRoutes({
        cyber,
        party: deps.party,
        nodeName: deps.nodeName,
        baseUrl: deps.baseUrl.replace(/\/$/, ""),
        auth: deps.taxiiAuth,
        maxContentLength: deps.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH,
      }),
    ],
  });
}
export type CyberModule = ReturnType<typeof createCyberModule>;
