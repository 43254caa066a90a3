import { badRequest, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { Principal } from "../identity/principal.ts";
import { INCIDENT_ENVELOPE_TYPE } from "./precursors.envelopes.ts";
import { passGate } from "./precursors.gate.ts";
import { findIncident, insertIncident, listIncidents, type PrecursorIncidentsTable } from "./precursors.repository.ts";
import type { IncidentInput, IncidentQuery } from "./precursors.schema.ts";
import type { PrecursorsService } from "./precursors.service.ts";

/**
 * Incidents (PICS-style): seizures, stopped shipments, suspicious orders, diversion attempts, clandestine
 * laboratories, shared with the other party through the gate like any disclosure, optionally about a
 * notification. The companies, people and routes involved are exchange entities, so the gate sees personal data
 * in them as it does in a message.
 */
export class PrecursorIncidents {
  constructor(private readonly service: PrecursorsService) {}

  private resourceOf(row: Pick<PrecursorIncidentsTable, "id" | "direction" | "from_agency" | "to_agency" | "tlp">) {
    const agency = row.direction === "outbound" ? row.from_agency : row.to_agency;
    return {
      type: "precursor-incident",
      id: row.id,
      attributes: {
        party: this.service.deps.party,
        ...(agency ? { agency } : {}),
        ...(row.direction === "inbound" ? { tlp: row.tlp } : {}),
      },
    };
  }

  async send(input: IncidentInput, principal: Principal) {
    const { deps } = this.service;
    const agency = this.service.requireAgency(principal);
    const fromAgency = input.fromAgency ?? agency;
    await deps.policy.authorize(principal, "precursor.incident", {
      type: "precursor-incident",
      id: "new",
      attributes: { party: deps.party, agency: fromAgency },
    });
    if (input.to === deps.party) {
      throw badRequest("LIAISON_PRECURSORS_TO_SELF", "an incident is shared with the other party, not with this one");
    }
    const substances = input.substances.map((s, i) => {
      const chemical = deps.catalogue.require(s.cas, `substances[${i}].cas`);
      return {
        cas: chemical.cas,
        name: chemical.name,
        hs: chemical.hs,
        ...(s.quantity ? { quantity: s.quantity } : {}),
      };
    });
    if (input.notificationId) await this.service.authorizedRow(principal, input.notificationId);
    const id = uuidv7();
    const decision = await passGate(
      deps,
      {
        to: input.to,
        fromAgency,
        toAgency: input.toAgency,
        legalBases: input.legalBases,
        personalData: false,
        entities: input.entities,
        text: [input.summary, input.modusOperandi].filter(Boolean).join("\n"),
        tlp: input.tlp,
        permittedUse: input.permittedUse,
        gate: input,
      },
      principal,
      id,
      "incident.send",
    );
    const incident = {
      id,
      fromAgency,
      ...(input.toAgency ? { toAgency: input.toAgency } : {}),
      kind: input.kind,
      ...(input.notificationId ? { notificationId: input.notificationId } : {}),
      substances,
      occurredOn: input.occurredOn,
      place: input.place,
      ...(input.modusOperandi ? { modusOperandi: input.modusOperandi } : {}),
      entities: input.entities,
      summary: input.summary,
      legalBases: input.legalBases,
      tlp: input.tlp,
      permittedUse: input.permittedUse,
      sentBy: principal.id,
    };
    const sealed = await deps.federation.prepare(input.to, INCIDENT_ENVELOPE_TYPE, { incident });
    await deps.changes.run(async (change) => {
      await insertIncident(change.tx, {
        id,
        direction: "outbound",
        from_party: deps.party,
        to_party: input.to,
        from_agency: fromAgency,
        to_agency: input.toAgency ?? null,
        kind: input.kind,
        notification_id: input.notificationId ?? null,
        substances,
        occurred_on: input.occurredOn,
        place: input.place,
        modus_operandi: input.modusOperandi ?? null,
        entities: input.entities,
        summary: input.summary,
        legal_bases: input.legalBases,
        tlp: input.tlp,
        permitted_use: input.permittedUse,
        sent_by: principal.id,
        envelope_id: sealed.envelopeId,
        created_at: change.at,
      });
      change.send(sealed);
      change.audit({
        actor: principal.id,
        action: "precursor.incident.send",
        subject: id,
        outcome: "success",
        requestId: principal.requestId,
        details: { to: input.to, kind: input.kind, envelopeId: sealed.envelopeId, decision },
      });
    });
    return this.detail(id, principal);
  }

  async detail(id: string, principal: Principal) {
    const { deps } = this.service;
    const hidden = { code: "LIAISON_PRECURSORS_INCIDENT_NOT_FOUND", message: `no incident ${id}` };
    const row = await findIncident(deps.db, id);
    await deps.policy.authorize(
      principal,
      "precursor.read",
      row ? this.resourceOf(row) : { type: "precursor-incident", id, attributes: { party: deps.party } },
      { hideExistence: hidden },
    );
    if (!row) throw notFound(hidden.code, hidden.message);
    const delivery =
      row.direction === "outbound"
        ? ((await deps.federation.deliveryStatus([row.envelope_id])).get(row.envelope_id)?.status ?? null)
        : null;
    return { ...viewOf(row), delivery };
  }

  async list(query: IncidentQuery, principal: Principal) {
    const { deps } = this.service;
    await deps.policy.authorize(principal, "precursor.read", {
      type: "precursor-incidents",
      id: "list",
      attributes: { party: deps.party },
    });
    const { rows, nextCursor } = await listIncidents(deps.db, { ...query, agency: principal.agency });
    return { items: rows.map((row) => ({ ...viewOf(row), delivery: null })), nextCursor };
  }
}

function viewOf(row: PrecursorIncidentsTable) {
  return {
    id: row.id,
    direction: row.direction,
    fromParty: row.from_party,
    toParty: row.to_party,
    fromAgency: row.from_agency,
    toAgency: row.to_agency,
    kind: row.kind as "seizure",
    notificationId: row.notification_id,
    substances: row.substances as { cas: string; name: string; hs: string }[],
    occurredOn: row.occurred_on,
    place: row.place,
    modusOperandi: row.modus_operandi,
    entities: row.entities as Record<string, unknown>[],
    summary: row.summary,
    legalBases: row.legal_bases as string[],
    tlp: row.tlp,
    permittedUse: row.permitted_use as string[],
    sentBy: row.sent_by,
    createdAt: row.created_at,
  };
}
