import { decodeBytes, jwsPayload } from "./merkle.ts";

export interface TreeHeadPayload {
  treeSize: number;
  rootHash: Uint8Array;
  rootHashText: string;
  timestamp?: string | number;
  party?: string;
}

/** Reads a signed tree head's payload, whatever spelling (camel or snake case) the log uses. */
export function readTreeHead(signed: string): TreeHeadPayload {
  const payload = jwsPayload<Record<string, unknown>>(signed);
  const size = payload.treeSize ?? payload.tree_size ?? payload.size;
  const root = payload.rootHash ?? payload.root_hash ?? payload.sha256_root_hash ?? payload.root;
  if (typeof size !== "number" || typeof root !== "string") throw new Error("the tree head has no treeSize/rootHash");
  const at = payload.timestamp ?? payload.at ?? payload.iat;
  return {
    treeSize: size,
    rootHash: decodeBytes(root),
    rootHashText: root,
    ...(typeof at === "string" || typeof at === "number" ? { timestamp: at } : {}),
    ...(typeof payload.party === "string" ? { party: payload.party } : {}),
  };
}
