import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { LiaisonError } from "../../core/errors.ts";

const Instrument = z.object({
  id: z.string(),
  party: z.string(),
  kind: z.enum(["basis", "gate", "channel"]),
  title: z.string(),
  /**
   * The agencies the instrument serves, where it authorises only some (CSIS Act s. 17(1)(b): CSIS). Absent:
   * any agency of its party. The domain files do not carry it yet; packs may (policies/packs/<party>/instruments.json).
   */
  agencies: z.array(z.string()).optional(),
});
const Agency = z.object({
  id: z.string(),
  acronym: z.string(),
  name: z.string(),
  lanes: z.array(z.string()),
  acaDirections: z.boolean().optional(),
});
const LegalBasesFile = z.object({ instruments: z.array(Instrument) });
const AgenciesFile = z.object({
  lanes: z.record(z.string(), z.string()),
  parties: z.array(z.object({ code: z.string(), name: z.string(), agencies: z.array(Agency) })),
});

export type Instrument = z.infer<typeof Instrument>;
export type AgencyFacts = z.infer<typeof Agency> & { party: string };

/** The facts the compliance gate needs from shared/domain: instruments, agencies (with their party), lanes. */
export interface DomainData {
  instruments: Map<string, Instrument>;
  agencies: Map<string, AgencyFacts>;
  parties: Set<string>;
  lanes: Set<string>;
}

function readJson<T>(dir: string, file: string, schema: z.ZodType<T>): T {
  try {
    return schema.parse(JSON.parse(readFileSync(join(dir, file), "utf8")));
  } catch (error) {
    throw new LiaisonError("LIAISON_DOMAIN_DATA_INVALID", 500, `${join(dir, file)}: ${(error as Error).message}`);
  }
}

/** Read from the same folder as the directory module (config.domainDir or shared/domain beside the repo). */
export function loadDomainData(dir: string): DomainData {
  const legal = readJson(dir, "legal-bases.json", LegalBasesFile);
  const agencies = readJson(dir, "agencies.json", AgenciesFile);
  return {
    instruments: new Map(legal.instruments.map((i) => [i.id, i])),
    agencies: new Map(agencies.parties.flatMap((p) => p.agencies.map((a) => [a.id, { ...a, party: p.code }] as const))),
    parties: new Set(agencies.parties.map((p) => p.code)),
    lanes: new Set(Object.keys(agencies.lanes)),
  };
}
