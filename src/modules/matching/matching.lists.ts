import type { Clock } from "../../core/clock.ts";
import { LiaisonError } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { Principal } from "../identity/principal.ts";
import type { Authorizer } from "../policy/policy.types.ts";
import { type IdentifierType, normaliseList } from "./matching.normalise.ts";
import { insertList, listLists } from "./matching.repository.ts";
import type { CreateListRequest } from "./matching.schema.ts";

export interface MatchingListsDeps {
  db: Db;
  clock: Clock;
  party: string;
  changes: ChangeRunner;
  policy: Authorizer;
}

const REJECTED_SHOWN = 1_000;

/**
 * Lists: an agency's own identifiers of one type, normalised on the way in. Nothing here sends anything: the audit
 * record of a list says who registered it, its type and size, never a value.
 */
export class MatchingLists {
  constructor(private readonly deps: MatchingListsDeps) {}

  private requireAgency(principal: Principal): string {
    if (!principal.agency)
      throw new LiaisonError("LIAISON_MATCHING_NO_AGENCY", 403, "a list belongs to an agency: this principal has none");
    return principal.agency;
  }

  async create(request: CreateListRequest, principal: Principal) {
    const agency = this.requireAgency(principal);
    await this.deps.policy.authorize(principal, "matching.list.create", {
      type: "matching-list",
      id: "new",
      attributes: { party: this.deps.party, agency },
    });
    const normalised = normaliseList(
      request.identifierType,
      request.values,
      request.defaultCountry ? { defaultCountry: request.defaultCountry } : {},
    );
    const id = uuidv7();
    const duplicates = request.values.length - normalised.rejected.length - normalised.values.length;
    const at = await this.deps.changes.run(async (change) => {
      await insertList(
        change.tx,
        {
          id,
          name: request.name,
          identifier_type: request.identifierType,
          agency,
          queryable: request.queryable,
          size: normalised.values.length,
          created_by: principal.id,
          created_at: change.at,
        },
        normalised.values,
      );
      change.audit({
        actor: principal.id,
        action: "matching.list.create",
        subject: id,
        outcome: "success",
        requestId: principal.requestId,
        details: {
          identifierType: request.identifierType,
          size: normalised.values.length,
          rejected: normalised.rejected.length,
          duplicates,
          queryable: request.queryable,
        },
      });
      return change.at;
    });
    return {
      id,
      name: request.name,
      identifierType: request.identifierType,
      agency,
      queryable: request.queryable,
      size: normalised.values.length,
      createdBy: principal.id,
      createdAt: at.toISOString(),
      rejected: normalised.rejected.slice(0, REJECTED_SHOWN),
      rejectedCount: normalised.rejected.length,
      duplicates,
    };
  }

  /** The caller's agency's lists (Cedar decides the read; the SQL filters to the same agency). */
  async list(principal: Principal, limit: number) {
    const agency = this.requireAgency(principal);
    await this.deps.policy.authorize(principal, "matching.list.read", {
      type: "matching-list",
      id: "list",
      attributes: { party: this.deps.party, agency },
    });
    const rows = await listLists(this.deps.db, [agency], limit);
    return rows.map((r) => ({
      ...r,
      identifierType: r.identifierType as IdentifierType,
      createdAt: new Date(r.createdAt).toISOString(),
    }));
  }
}
