import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";
import { WEB_DIST } from "../../src/http/static.ts";
import { timeStepAt, totpCode } from "../../src/modules/identity/totp.ts";
import { type Demo, startDemo } from "../../src/node/demo.ts";
import { freePort, randomSchema, TEST_DATABASE_URL, tempDir } from "../support/nodes.ts";

export const SCREENSHOTS = join(process.cwd(), "test-results", "screenshots");
const CHROMIUM = process.env.LIAISON_CHROMIUM ?? "/usr/bin/chromium";

/** Build the web app when web/dist is missing (CI builds from a clean checkout). */
export function ensureWebBuilt(): void {
  if (existsSync(join(WEB_DIST, "index.html"))) return;
  execFileSync("npx", ["vite", "build", "web"], { stdio: "inherit" });
}

export interface UiDemo extends Demo {
  root: string;
  stop(): Promise<void>;
}

/** The real demo (two nodes, demo users, seeded workplan) on free ports, on PostgreSQL when the suite asks. */
export async function startUiDemo(): Promise<UiDemo> {
  ensureWebBuilt();
  const root = tempDir("liaison-ui-");
  const overrides: Record<"IN" | "CA", Record<string, unknown>> = { IN: {}, CA: {} };
  for (const party of ["IN", "CA"] as const) {
    const port = await freePort();
    overrides[party] = {
      listen: { host: "127.0.0.1", port },
      baseUrl: `http://127.0.0.1:${port}`,
      federation: { retryBaseSeconds: 0.05, retryMaxSeconds: 1, pollIntervalMs: 50 },
      ...(TEST_DATABASE_URL ? { databaseUrl: TEST_DATABASE_URL, databaseSchema: randomSchema("ui") } : {}),
    };
  }
  const demo = await startDemo({ root, reset: true, overrides, logLevel: "error" });
  return Object.assign(demo, {
    root,
    async stop() {
      await demo.close();
      rmSync(root, { recursive: true, force: true });
    },
  });
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/** What the global setup shares with the test files: where the nodes listen and the demo accounts. */
export type SharedDemo = Pick<Demo, "urls" | "demoUsers"> & { adminTokens: Record<"IN" | "CA", string> };

declare module "vitest" {
  export interface ProvidedContext {
    demo: SharedDemo;
  }
}

export function sharedDemo(): SharedDemo {
  return inject("demo");
}

export function passwordOf(demo: SharedDemo, party: "IN" | "CA", username: string): string {
  const user = demo.demoUsers[party].find((u) => u.username === username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user.password;
}

/** A fresh browser context (own cookies and storage) signed in as a demo user, on the dashboard. */
export async function signIn(
  browser: Browser,
  demo: SharedDemo,
  party: "IN" | "CA",
  username: string,
  language = "en",
) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: "en-GB" });
  // Only a first visit gets the language; a choice made in the page must survive reloads.
  await context.addInitScript((lng) => {
    if (!localStorage.getItem("liaison.language")) localStorage.setItem("liaison.language", lng);
  }, language);
  const page = await context.newPage();
  await page.goto(demo.urls[party]);
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(passwordOf(demo, party, username));
  await page.locator("form button[type=submit]").first().click();
  // Administrators and approvers of the demo have a second factor: the page asks for a code from their "phone".
  const secret = demo.demoUsers[party].find((u) => u.username === username)?.totpSecret;
  if (secret) {
    await page.locator("#totp-code").fill(nextDemoCode(username, secret));
    await page.locator("form button[type=submit]").first().click();
  }
  await page.getByTestId("who").waitFor();
  return { context, page };
}

/**
 * A code the node takes now: the current time step's, or the next one's if this user signed in during this step
 * already (a used step is refused; the node accepts one step ahead).
 */
const lastSteps = new Map<string, number>();
function nextDemoCode(username: string, secret: string): string {
  const now = timeStepAt(new Date());
  const step = Math.max(now, (lastSteps.get(username) ?? -1) + 1);
  if (step > now + 1) throw new Error(`${username} signed in more than twice in 30 s; the node would refuse a third`);
  lastSteps.set(username, step);
  return totpCode(secret, new Date(step * 30_000));
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Run axe-core in the page (through the DevTools protocol, so the page's CSP stays as served) and fail on any
 * serious or critical violation, listing them.
 */
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // This runs in the page; the test's own TypeScript has no DOM types, hence the narrow shape.
    const page = globalThis as unknown as {
      document: unknown;
      axe: {
        run(
          context: unknown,
          options: object,
        ): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const result = await page.axe.run(page.document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.help} at ${v.nodes
            .map((n) => n.target.join(" "))
            .slice(0, 3)
            .join(", ")}`,
      );
  });
  expect(violations, label).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
