/**
 * What a POST of STIX objects becomes before it is stored: each object validated, its TLP 1.0 markings replaced
 * by TLP 2.0, the collection's default marking added to an unmarked object, its TLP and readers decided. Pure: the
 * store (cyber.service.ts) assigns date_added and writes the rows.
 */
import type { Principal } from "../identity/principal.ts";
import type { CollectionRow } from "./cyber.repository.ts";
import {
  isScoType,
  microsOf,
  referencesOf,
  type StixObject,
  TLP1_TO_TLP2,
  TLP2_IDS,
  type TlpLabel,
  tlpOfMarking,
  tlpOfObject,
  withTlp2Markings,
} from "./cyber.stix.ts";
import type { StixValidator } from "./cyber.validate.ts";

export interface Candidate {
  object: StixObject;
  /** The version as given (`modified`, else `created`); undefined for an SCO, which takes its date_added. */
  version: string | undefined;
  versionUs: bigint | undefined;
  tlp: TlpLabel | undefined;
  recipients: string[];
  agency: string | null;
  refs: string[];
}

export interface Outcome {
  id?: string | undefined;
  version?: string | undefined;
  message?: string | undefined;
}

export interface Prepared {
  candidates: Candidate[];
  /** Accepted without being stored (a TLP 1.0 marking definition: its TLP 2.0 successor stands for it). */
  mapped: Outcome[];
  failures: Outcome[];
}

/** Who may read a TLP:RED object besides the poster: usernames in this property (documented in docs/cyber.md). */
export const RECIPIENTS_PROPERTY = "x_liaison_recipients";

export function prepareObjects(
  validator: StixValidator,
  raw: readonly unknown[],
  collection: CollectionRow,
  principal: Principal,
): Prepared {
  const prepared: Prepared = { candidates: [], mapped: [], failures: [] };
  for (const item of raw) {
    const given = item as Partial<StixObject> | null;
    const id = typeof given?.id === "string" ? given.id : undefined;
    const versionGiven =
      typeof given?.modified === "string"
        ? given.modified
        : typeof given?.created === "string"
          ? given.created
          : undefined;
    const validation = validator.validate(item);
    if (!validation.valid) {
      const first = validation.issues[0];
      prepared.failures.push({
        id,
        version: versionGiven,
        message: `invalid STIX 2.1: ${first?.path || "/"} ${first?.message ?? ""}`.trim(),
      });
      continue;
    }
    let object = item as StixObject;
    if (object.type === "marking-definition" && TLP1_TO_TLP2[object.id]) {
      const successor = TLP1_TO_TLP2[object.id] as TlpLabel;
      prepared.mapped.push({
        id: object.id,
        version: versionGiven,
        message: `TLP 1.0: stored as ${successor} (${TLP2_IDS[successor]})`,
      });
      continue;
    }
    object = withTlp2Markings(object);
    let tlp = tlpOfObject(object);
    if (!tlp && !(object.type === "marking-definition" && tlpOfMarking(object.id))) {
      tlp = collection.default_tlp as TlpLabel;
      const refs = Array.isArray(object.object_marking_refs) ? object.object_marking_refs : [];
      object = { ...object, object_marking_refs: [...refs, TLP2_IDS[tlp]] };
    }
    const named = Array.isArray(object[RECIPIENTS_PROPERTY])
      ? (object[RECIPIENTS_PROPERTY] as unknown[]).filter((n): n is string => typeof n === "string")
      : [];
    const version = isScoType(object.type) ? undefined : versionGiven;
    // observed-data's deprecated `objects` refers by local keys ("0"), not ids.
    const { objects: _local, ...referring } =
      object.type === "observed-data" ? object : { ...object, objects: undefined };
    prepared.candidates.push({
      object,
      version,
      versionUs: version === undefined ? undefined : microsOf(version),
      tlp,
      recipients:
        tlp === "TLP:RED"
          ? [...new Set([principal.id, ...(principal.username ? [principal.username] : []), ...named])]
          : [],
      agency: collection.agency ?? principal.agency ?? null,
      refs: [...referencesOf(referring)].filter((ref) => ref !== object.id && !tlpOfMarking(ref)),
    });
  }
  return prepared;
}
