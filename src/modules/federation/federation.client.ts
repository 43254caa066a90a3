import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import type { NodeConfig } from "../../config/config.schema.ts";
import { federationError } from "./envelope-crypto.ts";
import { EnvelopeBatchResponse, type EnvelopeResult } from "./federation.schema.ts";

type Body = Awaited<ReturnType<typeof request>>["body"];

/**
 * Read at most `limit` bytes of a peer's answer: a peer (or whoever answers in its place) must not decide how much
 * memory this node spends. Larger answers are cut off, unread, with LIAISON_FEDERATION_PEER_RESPONSE_TOO_LARGE.
 */
export async function readBounded(body: Body, limit: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw federationError("PEER_RESPONSE_TOO_LARGE", `${what} is larger than ${limit} bytes`, 502);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw federationError("PEER_RESPONSE_INVALID", `${what} is not JSON`, 502);
  }
}

/**
 * HTTP client to peers: keep-alive connections, mutual TLS when a client certificate is configured, a timeout
 * on every call and a size limit on every answer (`federation.maxPeerResponseBytes`). A whole-request failure is
 * transient (the worker retries); per-envelope errors come back in the results.
 */
export class FederationClient {
  private readonly agent: Agent;

  constructor(private readonly config: NodeConfig) {
    const tls = config.clientTls;
    this.agent = new Agent({
      connections: 16,
      keepAliveTimeout: 30_000,
      connect: tls
        ? {
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
          }
        : {},
    });
  }

  async postEnvelopes(baseUrl: string, envelopes: readonly string[]): Promise<EnvelopeResult[]> {
    const url = new URL("/federation/v1/envelopes", baseUrl);
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: "POST",
        dispatcher: this.agent,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ envelopes }),
        headersTimeout: this.config.federation.requestTimeoutMs,
        bodyTimeout: this.config.federation.requestTimeoutMs,
      });
    } catch (error) {
      throw federationError("PEER_UNREACHABLE", `peer at ${baseUrl} unreachable: ${(error as Error).message}`, 503);
    }
    const text = await readBounded(response.body, this.config.federation.maxPeerResponseBytes, "the peer's answer");
    if (response.statusCode !== 200) {
      let code = `HTTP_${response.statusCode}`;
      try {
        code = (JSON.parse(text) as { code?: string }).code ?? code;
      } catch {}
      throw federationError("PEER_REFUSED_BATCH", `peer answered ${response.statusCode} (${code})`, 502);
    }
    const parsed = EnvelopeBatchResponse.safeParse(parseJson(text, "the peer's answer"));
    if (!parsed.success || parsed.data.results.length !== envelopes.length) {
      throw federationError("PEER_RESPONSE_INVALID", "peer answered with a malformed results list", 502);
    }
    return parsed.data.results;
  }

  async fetchJson(url: string): Promise<unknown> {
    const response = await request(url, {
      dispatcher: this.agent,
      headersTimeout: this.config.federation.requestTimeoutMs,
      bodyTimeout: this.config.federation.requestTimeoutMs,
    });
    const text = await readBounded(response.body, this.config.federation.maxPeerResponseBytes, `GET ${url}`);
    if (response.statusCode !== 200)
      throw federationError("PEER_REFUSED_BATCH", `GET ${url} answered ${response.statusCode}`, 502);
    return parseJson(text, `GET ${url}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
