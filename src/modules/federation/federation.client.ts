import { readFileSync } from "node:fs";
import { Agent, request } from "undici";
import type { NodeConfig } from "../../config/config.schema.ts";
import { federationError } from "./envelope-crypto.ts";
import { EnvelopeBatchResponse, type EnvelopeResult } from "./federation.schema.ts";

/**
 * HTTP client to peers: keep-alive connections, mutual TLS when a client certificate is configured, a timeout
 * on every call. A whole-request failure is transient (the worker retries); per-envelope errors come back in
 * the results.
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
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      let code = `HTTP_${response.statusCode}`;
      try {
        code = (JSON.parse(text) as { code?: string }).code ?? code;
      } catch {}
      throw federationError("PEER_REFUSED_BATCH", `peer answered ${response.statusCode} (${code})`, 502);
    }
    const parsed = EnvelopeBatchResponse.safeParse(JSON.parse(text));
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
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw federationError("PEER_REFUSED_BATCH", `GET ${url} answered ${response.statusCode}`, 502);
    return JSON.parse(text);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
