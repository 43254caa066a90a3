/**
 * MISP import: events converted to STIX 2.1 (cyber.misp.ts), every object validated, then all stored in one change
 * or none (an event that does not parse, or an object that does not validate, refuses the whole import).
 */
import { badRequest, LiaisonError } from "../../core/errors.ts";
import type { Principal } from "../identity/principal.ts";
import { convertMispEvent, eventsOf, MispEvent, type MispRow } from "./cyber.misp.ts";
import type { CyberService } from "./cyber.service.ts";
import type { StixObject } from "./cyber.stix.ts";

export async function importMisp(
  cyber: CyberService,
  principal: Principal,
  body: unknown,
  options: { collection?: string | undefined; requestId?: string | undefined },
) {
  const given = eventsOf(body);
  if (given.length === 0) throw badRequest("LIAISON_CYBER_MISP_INVALID", "no MISP event in the body");
  const events = given.map((raw, index) => {
    const parsed = MispEvent.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badRequest(
        "LIAISON_CYBER_MISP_INVALID",
        `event ${index + 1} is not a MISP event: ${issue?.path.join(".") || "/"} ${issue?.message ?? ""}`,
        {
          event: index + 1,
        },
      );
    }
    return parsed.data;
  });
  const objects: StixObject[] = [];
  const rows: MispRow[] = [];
  for (const event of events) {
    const converted = convertMispEvent(event);
    objects.push(...converted.objects);
    rows.push(...converted.rows);
  }
  const invalid = objects.flatMap((object) => {
    const result = cyber.validator.validate(object);
    return result.valid ? [] : [{ id: object.id, issues: result.issues }];
  });
  if (invalid.length > 0) {
    throw new LiaisonError(
      "LIAISON_CYBER_MISP_UNMAPPABLE",
      422,
      `${invalid.length} converted object(s) are not valid STIX 2.1; nothing was imported`,
      {
        invalid: invalid.slice(0, 20),
      },
    );
  }
  const collection = options.collection ?? (await cyber.collectionOfAgency(principal));
  const status = await cyber.add(principal, collection, objects, options.requestId);
  return {
    collection,
    events: events.length,
    stored: status.successes.filter((s) => !s.message).length,
    skipped: rows.filter((r) => r.outcome === "skipped").length,
    rows,
    statusId: status.id,
  };
}
