import { isIP } from "node:net";
import type { NodeConfig } from "../../config/config.schema.ts";
import { badRequest, isLiaisonError } from "../../core/errors.ts";
import type { FederationClient } from "./federation.client.ts";

const isLoopback = (hostname: string) => {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
};

/**
 * Fetch a peer's descriptor for pinning. What comes back is only a candidate: the caller pins it only if its
 * thumbprints match the fingerprints the operator got out of band. In production, plain http:// is refused
 * outside loopback, so a descriptor cannot even be offered by whoever sits on the path.
 */
export async function fetchPeerDescriptor(
  client: FederationClient,
  mode: NodeConfig["mode"],
  baseUrl: string,
): Promise<unknown> {
  const url = new URL("/federation/v1/descriptor", baseUrl);
  if (mode === "production" && url.protocol !== "https:" && !isLoopback(url.hostname)) {
    throw badRequest(
      "LIAISON_FEDERATION_INSECURE_URL",
      `refusing to fetch a descriptor over ${url.protocol}// from ${url.hostname} in production: use https://`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw badRequest("LIAISON_FEDERATION_INSECURE_URL", `cannot fetch a descriptor over ${url.protocol}`);
  }
  try {
    return await client.fetchJson(url.toString());
  } catch (error) {
    if (isLiaisonError(error) && error.code === "LIAISON_FEDERATION_PEER_RESPONSE_TOO_LARGE") throw error;
    throw badRequest(
      "LIAISON_FEDERATION_DESCRIPTOR_UNREACHABLE",
      `cannot fetch descriptor: ${(error as Error).message}`,
    );
  }
}
