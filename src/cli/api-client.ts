import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { loadConfig } from "../config/load-config.ts";

/** Where a CLI command finds the running node and its token: flags, then LIAISON_NODE_URL/LIAISON_TOKEN, then the config. */
export interface ApiTarget {
  node?: string;
  token?: string;
  config?: string;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  static from(target: ApiTarget): ApiClient {
    let baseUrl = target.node ?? process.env.LIAISON_NODE_URL;
    let token = target.token ?? process.env.LIAISON_TOKEN;
    if (!baseUrl || !token) {
      const config = loadConfig(target.config);
      baseUrl ??= config.baseUrl;
      token ??= readFileSync(join(config.dataDir, "admin.token"), "utf8").trim();
    }
    return new ApiClient(baseUrl, token);
  }

  /** A GET whose body the caller reads as a stream (e.g. the audit leaf stream); problem+json answers throw. */
  async open(path: string, accept: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await request(new URL(path, this.baseUrl), {
      headers: { accept, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
    });
    if (response.statusCode >= 400) {
      const text = await response.body.text();
      const problem = (text.startsWith("{") ? JSON.parse(text) : undefined) as
        | { code?: string; detail?: string }
        | undefined;
      throw new Error(`${problem?.code ?? response.statusCode}: ${problem?.detail ?? text}`);
    }
    return response.body;
  }

  async call<T = unknown>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await request(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : null,
    });
    const text = await response.body.text();
    const value = text ? JSON.parse(text) : undefined;
    if (response.statusCode >= 400) {
      const problem = value as { code?: string; detail?: string } | undefined;
      throw new Error(`${problem?.code ?? response.statusCode}: ${problem?.detail ?? text}`);
    }
    return value as T;
  }
}

export function print(value: unknown, json: boolean | undefined): void {
  if (json || typeof value !== "object" || value === null) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const items = (value as { items?: unknown[] }).items;
  if (Array.isArray(items)) {
    console.table(items);
    return;
  }
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
