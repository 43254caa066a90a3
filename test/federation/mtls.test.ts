import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, tempDir } from "../support/nodes.ts";
import { sendNotice } from "../support/notices.ts";
import { NodeProcess, pinEachOther } from "../support/processes.ts";

/** A throw-away CA and one certificate per node (server and client use), made with the openssl CLI. */
function makeCertificates(dir: string, names: string[]) {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Liaison test CA");
  writeFileSync(
    join(dir, "node.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n",
  );
  for (const name of names) {
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=liaison-${name}`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      "node.ext",
    );
  }
  const files = (name: string) => ({
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
    caFile: join(dir, "ca.crt"),
  });
  return { files, ca: readFileSync(join(dir, "ca.crt")) };
}

describe("mutual TLS between nodes", () => {
  const certDir = tempDir("liaison-certs-");
  const certs = makeCertificates(certDir, ["node-in", "node-ca", "operator"]);
  const operator = new Agent({
    connect: {
      ca: certs.ca,
      cert: readFileSync(certs.files("operator").certFile),
      key: readFileSync(certs.files("operator").keyFile),
    },
  });
  let india: NodeProcess;
  let canada: NodeProcess;

  beforeAll(async () => {
    const tlsConfig = (name: string) => ({ tls: certs.files(name), clientTls: certs.files(name) });
    india = await NodeProcess.create({
      party: "IN",
      scheme: "https",
      dispatcher: operator,
      config: tlsConfig("node-in"),
    });
    canada = await NodeProcess.create({
      party: "CA",
      scheme: "https",
      dispatcher: operator,
      config: tlsConfig("node-ca"),
    });
    await Promise.all([india.start(), canada.start()]);
    await pinEachOther(india, canada);
  }, 300_000);

  afterAll(async () => {
    for (const node of [india, canada]) {
      if (!node) continue;
      await node.kill();
      rmSync(node.dataDir, { recursive: true, force: true });
    }
    await operator.close();
    rmSync(certDir, { recursive: true, force: true });
  }, 180_000);

  it("delivers a notice over HTTPS with client certificates on both sides", async () => {
    const sent = await sendNotice(india, "over mTLS");
    expect(sent.status).toBe(201);
    const onIndia = await eventually(async () => {
      const r = await india.api<{ receipt: string | null }>(
        "GET",
        `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
      );
      return r.body.receipt ? r.body : undefined;
    }, 30_000);
    const onCanada = await canada.api<{ receipt: string }>(
      "GET",
      `/api/v1/federation/envelopes/${sent.body.envelopeId}`,
    );
    expect(onCanada.body.receipt).toBe(onIndia.receipt);
  });

  it("refuses a client without a certificate, and plain HTTP", async () => {
    const noCert = new Agent({ connect: { ca: certs.ca } });
    try {
      await expect(
        request(`${canada.url}/federation/v1/descriptor`, { dispatcher: noCert }).then((r) => r.body.text()),
      ).rejects.toThrow();
    } finally {
      await noCert.close();
    }
    await expect(
      request(`${canada.url.replace("https:", "http:")}/federation/v1/descriptor`).then((r) => r.body.text()),
    ).rejects.toThrow();
    // The same request with a certificate from the CA is answered: the refusal above was about the certificate.
    const withCert = await request(`${canada.url}/federation/v1/descriptor`, { dispatcher: operator });
    expect(withCert.statusCode).toBe(200);
    expect(((await withCert.body.json()) as { party: string }).party).toBe("CA");
  });
});
