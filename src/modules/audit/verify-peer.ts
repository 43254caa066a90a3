import { readFileSync } from "node:fs";
import { request } from "undici";
import { readBounded } from "../federation/federation.client.ts";
import { parseDescriptor } from "../federation/peers.service.ts";
import { WitnessedHeads } from "./audit.schema.ts";
import { auditError } from "./tree-head.ts";
import type { PeerKeys, WitnessedHead, WitnessRecordSource } from "./verify-witness.ts";

/**
 * Where `liaison audit verify` gets a witness's keys and record from, other than the node it audits: the witness
 * itself (its published descriptor, and its record of the heads it countersigned, read with an auditor token on
 * the witness), or a descriptor file handed over out of band.
 */

const signingKeys = (descriptor: ReturnType<typeof parseDescriptor>) =>
  descriptor.keys.keys.filter((k) => k.use === "sig") as PeerKeys["keys"];

/**
 * Largest answer read from a witness. A page of its record (1,000 heads, each with its countersignature) is about
 * 600 KB and a descriptor a few KB; the witness is the party being checked against, so it gets no say in how much
 * the verifier buffers (nor how long it waits).
 */
export const WITNESS_ANSWER_MAX_BYTES = 4 * 1024 * 1024;
const WITNESS_TIMEOUT_MS = 30_000;

async function getJson(url: URL, token?: string, maxBytes = WITNESS_ANSWER_MAX_BYTES): Promise<unknown> {
  const response = await request(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    headersTimeout: WITNESS_TIMEOUT_MS,
    bodyTimeout: WITNESS_TIMEOUT_MS,
  });
  const text = await readBounded(response.body, maxBytes, `the answer of ${url.origin}${url.pathname}`);
  if (response.statusCode >= 400) {
    const problem = (text.startsWith("{") ? JSON.parse(text) : undefined) as { code?: string; detail?: string };
    throw new Error(
      `${url.origin}${url.pathname} answered ${problem?.code ?? response.statusCode}: ${problem?.detail ?? text}`,
    );
  }
  return JSON.parse(text);
}

/** The witness's keys from its own published descriptor. */
export async function peerKeysFromUrl(baseUrl: string, maxBytes = WITNESS_ANSWER_MAX_BYTES): Promise<PeerKeys> {
  const url = new URL("/federation/v1/descriptor", baseUrl);
  const descriptor = parseDescriptor(await getJson(url, undefined, maxBytes));
  return { party: descriptor.party, keys: signingKeys(descriptor), source: url.toString(), independent: true };
}

/** The witness's keys from a descriptor file (as `liaison peers add` takes). */
export function peerKeysFromFile(file: string): PeerKeys {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw auditError("VERIFY_OPTIONS", `cannot read the peer descriptor ${file}: ${(error as Error).message}`);
  }
  const descriptor = parseDescriptor(value);
  return {
    party: descriptor.party,
    keys: signingKeys(descriptor),
    source: `descriptor file ${file}`,
    independent: true,
  };
}

const PAGE = 1000;

/** The witness's record of an origin's heads, paged newest first through `GET /api/v1/audit/witnessed`. */
export function witnessRecordFromUrl(
  party: string,
  baseUrl: string,
  token: string,
  maxBytes = WITNESS_ANSWER_MAX_BYTES,
): WitnessRecordSource {
  const endpoint = new URL("/api/v1/audit/witnessed", baseUrl);
  return {
    party,
    source: endpoint.toString(),
    async *heads(origin: string): AsyncIterable<WitnessedHead[]> {
      let before: number | undefined;
      for (;;) {
        const url = new URL(endpoint);
        url.searchParams.set("origin", origin);
        url.searchParams.set("limit", String(PAGE));
        if (before !== undefined) url.searchParams.set("before", String(before));
        const page = WitnessedHeads.parse(await getJson(url, token, maxBytes));
        if (page.origin !== origin) throw new Error(`the witness answered for ${page.origin}, not ${origin}`);
        yield page.items;
        const last = page.items[page.items.length - 1];
        if (page.items.length < PAGE || !last) return;
        before = last.treeSize;
      }
    },
  };
}
