import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { canonicalJson } from "../../core/canonical-json.ts";
import { LiaisonError } from "../../core/errors.ts";
import { PartyCode } from "../../core/party.ts";
import { IsoDate, ItemId, Leads } from "./workplan.schema.ts";
import type { Genesis } from "./workplan.state.ts";

const WorkplanFile = z.object({
  agreement: z.object({
    id: ItemId,
    title: z.string().min(1),
    parties: z.array(PartyCode).length(2),
    agreedOn: IsoDate,
    place: z.string(),
    basis: z.string(),
  }),
  initiatives: z
    .array(z.object({ id: ItemId, lane: ItemId, title: z.string(), objective: z.string(), leads: Leads }))
    .min(1),
});
const AgenciesFile = z.object({ lanes: z.record(ItemId, z.string()) });

/**
 * The genesis plan read from workplan-2026.json (and the lane names from agencies.json). Only published facts go
 * in: statuses, dates and health are left for the parties to set, so both nodes start from identical bytes.
 */
export function loadGenesis(dir: string): Genesis {
  const read = (name: string) => {
    try {
      return JSON.parse(readFileSync(join(dir, name), "utf8")) as unknown;
    } catch (error) {
      throw new LiaisonError(
        "LIAISON_WORKPLAN_SEED_INVALID",
        500,
        `cannot read ${name} in ${dir}: ${(error as Error).message}`,
      );
    }
  };
  const plan = WorkplanFile.safeParse(read("workplan-2026.json"));
  const agencies = AgenciesFile.safeParse(read("agencies.json"));
  if (!plan.success || !agencies.success) {
    const issue = (plan.error ?? agencies.error)?.issues[0];
    throw new LiaisonError(
      "LIAISON_WORKPLAN_SEED_INVALID",
      500,
      `domain workplan data is invalid: ${issue?.path.join(".")} ${issue?.message}`,
    );
  }
  return {
    agreement: plan.data.agreement,
    lanes: agencies.data.lanes,
    initiatives: plan.data.initiatives.map((i) => ({
      id: i.id,
      lane: i.lane,
      title: i.title,
      objective: i.objective,
      leads: i.leads,
    })),
  };
}

export function genesisDigest(genesis: Genesis): string {
  return createHash("sha256").update(canonicalJson(genesis)).digest("hex");
}
