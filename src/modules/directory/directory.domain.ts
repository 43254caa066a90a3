import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LiaisonError } from "../../core/errors.ts";

const Agency = z.object({
  id: z.string().min(1),
  acronym: z.string().min(1),
  name: z.string().min(1),
  mandate: z.string(),
  lanes: z.array(z.string()),
  acaDirections: z.boolean().optional(),
  acaMandatory: z.boolean().optional(),
});

const AgenciesFile = z.object({
  lanes: z.record(z.string(), z.string()),
  parties: z.array(z.object({ code: z.string(), name: z.string(), agencies: z.array(Agency) })),
});

export interface DomainAgency {
  id: string;
  party: string;
  acronym: string;
  name: string;
  mandate: string;
  lanes: string[];
  /** Canadian agencies bound by the mistreatment-risk directions; false for every Indian agency. */
  acaDirections: boolean;
  acaMandatory: boolean;
}

export interface DomainDirectory {
  lanes: Record<string, string>;
  parties: { code: string; name: string }[];
  agencies: Map<string, DomainAgency>;
}

/** Read agencies.json once at start-up; a node without its domain facts must not start. */
export function loadDomainDirectory(domainDir: string): DomainDirectory {
  const file = join(domainDir, "agencies.json");
  if (!existsSync(file)) {
    throw new LiaisonError(
      "LIAISON_DIRECTORY_DOMAIN_MISSING",
      500,
      `the domain file ${file} is missing: put shared/domain beside the repository or set LIAISON_DOMAIN_DIR`,
    );
  }
  let parsed: z.infer<typeof AgenciesFile>;
  try {
    parsed = AgenciesFile.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    throw new LiaisonError(
      "LIAISON_DIRECTORY_DOMAIN_INVALID",
      500,
      `the domain file ${file} is not valid: ${(error as Error).message}`,
    );
  }
  const agencies = new Map<string, DomainAgency>();
  for (const party of parsed.parties) {
    for (const a of party.agencies) {
      agencies.set(a.id, {
        id: a.id,
        party: party.code,
        acronym: a.acronym,
        name: a.name,
        mandate: a.mandate,
        lanes: a.lanes,
        acaDirections: a.acaDirections ?? false,
        acaMandatory: a.acaMandatory ?? false,
      });
    }
  }
  return { lanes: parsed.lanes, parties: parsed.parties.map((p) => ({ code: p.code, name: p.name })), agencies };
}
