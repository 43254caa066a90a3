import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations, launchBrowser, passwordOf, screenshot, sharedDemo, signIn } from "./support.ts";

describe("web UI on a real two-node demo", () => {
  const demo = sharedDemo();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("signs in with the labelled fields and shows party, agency and role in the header", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    await page.goto(demo.urls.IN);
    await page.getByText("India node").waitFor();
    await expectNoSeriousA11yViolations(page, "login");
    await screenshot(page, "login");
    await page.getByLabel("Username", { exact: true }).fill("in.ncb.officer");
    await page.getByLabel("Password", { exact: true }).fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not right");

    await page.getByLabel("Password", { exact: true }).fill(passwordOf(demo, "IN", "in.ncb.officer"));
    await page.getByRole("button", { name: "Sign in" }).click();
    const who = page.getByTestId("who");
    await who.waitFor();
    expect(await who.textContent()).toMatch(/NCB Liaison Officer.*IN.*NCB.*Liaison officer/);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "liaison_session")?.httpOnly ?? true).toBe(true);
    expect(cookies.some((c) => c.name === "liaison_csrf" && !c.httpOnly)).toBe(true);

    // The session survives a reload (cookie), and signing out ends it.
    await page.reload();
    await who.waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Username", { exact: true }).waitFor();
    await page.reload();
    await page.getByLabel("Username", { exact: true }).waitFor();
    await context.close();
  });

  it("returns to the sign-in page when the session ends under a running page", async () => {
    const { context, page } = await signIn(browser, demo, "IN", "in.ncb.officer");
    await context.clearCookies();
    // A view whose data the dashboard did not load, so the next request really goes to the node.
    await page.getByRole("link", { name: "Directory" }).click();
    await page.getByLabel("Username", { exact: true }).waitFor();
    await context.close();
  });

  it("lets an operator sign in with the node's API token, and an officer send a notice to the other node", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    await page.goto(demo.urls.IN);
    await page.getByText("Sign in with an API token (operators)").click();
    await page.getByLabel("API token").fill("lsn_not-a-real-token");
    await page.getByRole("button", { name: "Use token" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("API token").fill(demo.adminTokens.IN);
    await page.getByRole("button", { name: "Use token" }).click();
    await page.getByTestId("who").getByText("Administrator").waitFor();
    await context.close();

    // A notice passes the compliance gate: a liaison officer of an agency sends it, naming a legal basis.
    const india = await signIn(browser, demo, "IN", "in.ncb.officer");
    await india.page.getByRole("link", { name: "Notices" }).click();
    const text = `Hello from New Delhi ${Math.random().toString(36).slice(2, 8)}`;
    await india.page.getByLabel("Notice to Canada").fill(text);
    await india.page.getByLabel(/BI-WORKPLAN-2026/).check();
    await india.page.getByRole("button", { name: "Send notice" }).click();
    await india.page.locator(".notice").filter({ hasText: text }).waitFor();
    await india.context.close();

    const canada = await signIn(browser, demo, "CA", "ca.admin");
    await canada.page.goto(`${demo.urls.CA}/notices`);
    await canada.page.locator(".notice").filter({ hasText: text }).waitFor({ timeout: 15_000 });
    await canada.context.close();
  });

  it("renders the dashboard in French, and the choice persists", async () => {
    const { context, page } = await signIn(browser, demo, "IN", "in.ncb.officer");
    await page.getByRole("combobox", { name: "Language" }).selectOption("fr");
    await page.getByRole("heading", { level: 1, name: "Tableau de bord" }).waitFor();
    await page.getByText("Avancement du plan de travail par volet").waitFor();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Tableau de bord" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("fr");
    await page.waitForLoadState("networkidle");
    await page.locator(".chart, .state-empty").first().waitFor();
    await screenshot(page, "dashboard-fr");
    await expectNoSeriousA11yViolations(page, "dashboard (fr)");
    await page.getByRole("combobox", { name: "Langue" }).selectOption("hi");
    await page.getByRole("heading", { level: 1, name: "डैशबोर्ड" }).waitFor();
    await screenshot(page, "dashboard-hi");
    await context.close();
  });

  it("is usable from the keyboard: skip link first, then the navigation", async () => {
    const { context, page } = await signIn(browser, demo, "IN", "in.ncb.officer");
    await page.goto(`${demo.urls.IN}/`);
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    await page.keyboard.press("Tab");
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement
            .textContent,
      ),
    ).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(page.url()).toMatch(/#main$/);
    // Landmarks a screen reader lists: banner, navigation, main.
    expect(await page.getByRole("banner").count()).toBe(1);
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(1);
    expect(await page.getByRole("main").count()).toBe(1);
    // Tab reaches a navigation link and Enter follows it.
    await page.getByRole("link", { name: "Inbox" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Inbox" }).waitFor();
    await context.close();
  });

  const views = [
    { party: "IN", user: "in.ncb.officer", path: "/", heading: "Dashboard", shot: "dashboard" },
    { party: "IN", user: "in.ncb.officer", path: "/inbox", heading: "Inbox", shot: "inbox" },
    { party: "IN", user: "in.ncb.officer", path: "/compose", heading: "New message", shot: "compose" },
    { party: "IN", user: "in.ncb.approver", path: "/approvals", heading: "Approvals", shot: "approvals" },
    { party: "IN", user: "in.coordinator", path: "/workplan", heading: "Workplan", shot: "workplan" },
    { party: "IN", user: "in.ncb.officer", path: "/directory", heading: "Directory", shot: "directory" },
    { party: "IN", user: "in.auditor", path: "/audit", heading: "Audit", shot: "audit" },
    { party: "IN", user: "in.admin", path: "/admin", heading: "Administration", shot: "administration" },
    { party: "IN", user: "in.admin", path: "/notices", heading: "Notices", shot: "notices" },
  ] as const;

  it("renders every main view without serious accessibility violations", async () => {
    const sessions = new Map<string, Awaited<ReturnType<typeof signIn>>>();
    for (const view of views) {
      const key = `${view.party}:${view.user}`;
      const session = sessions.get(key) ?? (await signIn(browser, demo, view.party, view.user));
      sessions.set(key, session);
      const { page } = session;
      await page.goto(`${demo.urls[view.party]}${view.path}`);
      await page.getByRole("heading", { level: 1, name: view.heading }).waitFor();
      await page.waitForLoadState("networkidle");
      // No view may show a crash; a module that is not there shows its "not available" state instead.
      expect(await page.locator(".state-error").count(), view.path).toBe(0);
      await screenshot(page, view.shot);
      await expectNoSeriousA11yViolations(page, view.path);
    }
    for (const { context } of sessions.values()) await context.close();
  });
});
