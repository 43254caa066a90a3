import { randomUUID } from "node:crypto";
import { createUser } from "../identity/helpers.ts";
import type { TestNode } from "../support/nodes.ts";

export const TAXII = "application/taxii+json;version=2.1";

export interface TaxiiUser {
  id: string;
  username: string;
  password: string;
  basic: string;
}

/** A user of the node with HTTP Basic credentials for the TAXII server. */
export async function taxiiUser(node: TestNode, role: string, agency?: string): Promise<TaxiiUser> {
  const user = await createUser(node, { role, ...(agency ? { agency } : {}) });
  return { ...user, basic: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}` };
}

export interface TaxiiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export async function taxii<T = Record<string, unknown>>(
  node: TestNode,
  method: "GET" | "POST" | "DELETE",
  url: string,
  options: { auth?: string; body?: unknown; contentType?: string; accept?: string; rawBody?: string } = {},
): Promise<TaxiiAnswer<T>> {
  const headers: Record<string, string> = { accept: options.accept ?? TAXII };
  if (options.auth) headers.authorization = options.auth;
  if (options.body !== undefined || options.rawBody !== undefined)
    headers["content-type"] = options.contentType ?? TAXII;
  const response = await node.app.inject({
    method,
    url,
    headers,
    ...(options.rawBody !== undefined
      ? { payload: options.rawBody }
      : options.body !== undefined
        ? { payload: JSON.stringify(options.body) }
        : {}),
  });
  return {
    status: response.statusCode,
    body: (response.body ? JSON.parse(response.body) : undefined) as T,
    headers: response.headers,
  };
}

export const MARKINGS = {
  clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
  green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
  amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
  amberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
  red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
  tlp1White: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
};

/** A valid STIX 2.1 indicator with a fresh id. */
export function indicator(overrides: Record<string, unknown> = {}) {
  return {
    type: "indicator",
    spec_version: "2.1",
    id: `indicator--${randomUUID()}`,
    created: "2026-01-02T03:04:05.000Z",
    modified: "2026-01-02T03:04:05.000Z",
    name: "C2 address",
    pattern: "[ipv4-addr:value = '198.51.100.7']",
    pattern_type: "stix",
    valid_from: "2026-01-02T03:04:05Z",
    object_marking_refs: [MARKINGS.green],
    ...overrides,
  };
}

/** The node's collection for an agency (seeded at start-up). */
export async function collectionOf(node: TestNode, user: TaxiiUser, agency: string): Promise<string> {
  const root = `/taxii2/${node.deps.config.party.toLowerCase()}`;
  const answer = await taxii<{ collections?: { id: string; alias?: string }[] }>(node, "GET", `${root}/collections/`, {
    auth: user.basic,
  });
  const found = answer.body.collections?.find((c) => c.alias === agency);
  if (!found) throw new Error(`no collection for ${agency}: ${JSON.stringify(answer.body)}`);
  return `${root}/collections/${found.id}`;
}
