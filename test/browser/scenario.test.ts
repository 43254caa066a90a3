import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoSeriousA11yViolations, launchBrowser, screenshot, sharedDemo, signIn } from "./support.ts";

/** Reload until the text shows: the other node's data arrives by federation, not instantly. */
async function reloadUntilVisible(page: Page, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.getByText(text, { exact: false }).first().isVisible()) return;
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.reload();
    await page.waitForLoadState("networkidle");
  }
}

describe("the issue's scenario, through the UI of both nodes", () => {
  const demo = sharedDemo();
  let browser: Browser;
  const subject = `Precursor shipment query ${Math.random().toString(36).slice(2, 8)}`;
  const answer = `No record of the consignee in our holdings ${Math.random().toString(36).slice(2, 6)}`;
  const escalated = `Courier identity disclosure ${Math.random().toString(36).slice(2, 6)}`;
  const milestone = `Joint precursor typology workshop ${Math.random().toString(36).slice(2, 6)}`;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("an Indian officer writes a request with the live compliance preview; a Canadian officer answers it", async () => {
    const india = await signIn(browser, demo, "IN", "in.ncb.officer");
    const { page } = india;
    await page.goto(`${demo.urls.IN}/compose`);
    const decision = page.getByTestId("compliance").locator("[data-decision]");
    // Without a legal basis the gate refuses, and says why.
    await expect.poll(() => decision.getAttribute("data-decision"), { timeout: 10_000 }).toBe("refuse");
    await page.getByLabel("To agency").selectOption("ca-rcmp");
    await page.getByLabel("Subject *").fill(subject);
    await page.getByLabel("Message *").fill("Please confirm whether the consignee below is known to you.");
    await page.getByRole("checkbox", { name: /IN-NDPS-9A/ }).check();
    await expect.poll(() => decision.getAttribute("data-decision"), { timeout: 10_000 }).toBe("allow");
    // Entity entry validates before anything is sent.
    await page.getByLabel("Type", { exact: true }).selectOption("chemical");
    await page.getByLabel("Value", { exact: true }).fill("39742-60-5");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("Not a valid CAS number").waitFor();
    await page.getByLabel("Value", { exact: true }).fill("39742-60-4");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("39742-60-4").waitFor();
    await screenshot(page, "scenario-compose-allowed");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: subject }).waitFor();
    const threadUrl = page.url();
    const threadId = threadUrl.split("/threads/")[1] as string;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);

    const canada = await signIn(browser, demo, "CA", "ca.rcmp.officer");
    await canada.page.goto(`${demo.urls.CA}/inbox`);
    await reloadUntilVisible(canada.page, subject);
    // Full-text search finds the message by a word of its text, not only of its subject.
    await canada.page.getByLabel("Search subject or reference").fill("consignee");
    await canada.page
      .getByRole("region", { name: "Matches in message text" })
      .getByRole("link", { name: subject })
      .waitFor();
    await canada.page.getByLabel("Search subject or reference").fill("");
    // The thread list tags each thread with its TLP marking (ThreadSummary.tlp, the strictest of its messages).
    const row = canada.page.getByTestId("thread-list").locator("li").filter({ hasText: subject });
    await row.locator(".tlp-tag").waitFor();
    expect(await row.locator(".tlp-tag").textContent()).toBe("TLP:AMBER");
    await canada.page.getByTestId("thread-list").getByRole("link", { name: subject }).click();
    await canada.page.getByRole("heading", { level: 1, name: subject }).waitFor();
    // The banner shows the label exactly as TLP 2.0 writes it, in its colour on black.
    const banner = canada.page.locator(".tlp-banner").first();
    expect(await banner.locator(".tlp-label").textContent()).toBe("TLP:AMBER");
    const colours = await banner.evaluate((el) => {
      const style = (node: unknown) =>
        (
          globalThis as unknown as { getComputedStyle(n: unknown): { color: string; backgroundColor: string } }
        ).getComputedStyle(node);
      return {
        background: style(el).backgroundColor,
        label: style((el as unknown as { firstElementChild: unknown }).firstElementChild).color,
      };
    });
    expect(colours).toEqual({ background: "rgb(0, 0, 0)", label: "rgb(255, 192, 0)" });
    expect(await canada.page.locator(".thread-facts .deadline time").count()).toBeGreaterThan(0);
    await canada.page.getByText("39742-60-4").waitFor();
    await expectNoSeriousA11yViolations(canada.page, "thread (Canada)");
    await screenshot(canada.page, "scenario-thread-canada");

    await canada.page.getByLabel("Message", { exact: true }).fill(answer);
    await canada.page.getByRole("checkbox", { name: /BI-WORKPLAN-2026/ }).check();
    await canada.page.getByRole("button", { name: "Send reply" }).click();
    const outcome = canada.page
      .getByRole("status")
      .filter({ hasText: "Sent." })
      .or(canada.page.locator(".state-error"));
    await outcome.first().waitFor();
    expect(await canada.page.locator(".state-error").allTextContents()).toEqual([]);

    await page.goto(threadUrl);
    await reloadUntilVisible(page, answer);
    await screenshot(page, "scenario-thread-india-answered");
    await india.context.close();
    await canada.context.close();
  });

  it("an escalated disclosure waits in the approvals queue until an approver decides with a written basis", async () => {
    const officer = await signIn(browser, demo, "CA", "ca.rcmp.officer");
    const { page } = officer;
    await page.goto(`${demo.urls.CA}/compose`);
    await page.getByLabel("Kind").selectOption("disclosure");
    await page.getByLabel("To agency").selectOption("in-ncb");
    await page.getByLabel("Subject *").fill(escalated);
    await page.getByLabel("Message *").fill("Courier linked to the precursor consignment; identity below.");
    await page.getByRole("checkbox", { name: /CA-PA-8-2-f/ }).check();
    await page.getByRole("checkbox", { name: "Concerns an identifiable person" }).check();
    await page.getByLabel("Purpose *").fill("Identify the consignee of a precursor shipment");
    await page.getByLabel("Mistreatment risk").selectOption("undetermined");
    const decision = page.getByTestId("compliance").locator("[data-decision]");
    await expect.poll(() => decision.getAttribute("data-decision"), { timeout: 10_000 }).toBe("escalate");
    await screenshot(page, "scenario-compose-escalate");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: escalated }).waitFor();
    await officer.context.close();

    const approver = await signIn(browser, demo, "CA", "ca.rcmp.approver");
    await approver.page.goto(`${demo.urls.CA}/approvals`);
    const item = approver.page.getByTestId("approval").filter({ hasText: "Pending" }).first();
    await item.waitFor();
    const approve = item.getByRole("button", { name: "Approve" });
    expect(await approve.isDisabled()).toBe(true);
    await item
      .getByLabel("Written basis for the decision *")
      .fill("Risk assessed with the RCMP's ACA unit; assurances on file.");
    // ACA direction 1(3): the determination names its measures; TLP:AMBER is on the held message.
    await item.getByRole("checkbox", { name: "caveat-tlp-amber-or-narrower" }).check();
    await item.getByLabel("Written assurance given by").fill("Deputy Director General, NCB, New Delhi");
    await item.getByLabel("Given on").fill("2026-01-15");
    await item.getByLabel("What was assured").fill("No detention on the strength of this information alone.");
    expect(await approve.isDisabled()).toBe(false);
    await expectNoSeriousA11yViolations(approver.page, "approvals with a case");
    await screenshot(approver.page, "scenario-approvals-case");
    await approve.click();
    await approver.page.getByTestId("approval").filter({ hasText: "Approved" }).first().waitFor();
    await approver.context.close();

    const india = await signIn(browser, demo, "IN", "in.ncb.officer");
    await india.page.goto(`${demo.urls.IN}/inbox`);
    await reloadUntilVisible(india.page, escalated);
    await india.context.close();
  });

  it("a coordinator proposes a milestone that the other side accepts", async () => {
    const india = await signIn(browser, demo, "IN", "in.coordinator");
    await india.page.goto(`${demo.urls.IN}/workplan`);
    await india.page.getByLabel("Milestone", { exact: true }).fill(milestone);
    await india.page.getByLabel("Due", { exact: true }).fill("2026-09-30");
    await india.page.getByRole("button", { name: "Propose", exact: true }).click();
    const mine = india.page.getByTestId("proposal").filter({ hasText: milestone });
    await mine.or(india.page.locator(".state-error")).first().waitFor();
    expect(await india.page.locator(".state-error").allTextContents()).toEqual([]);
    await mine.getByText("Awaiting the other party").waitFor();

    const canada = await signIn(browser, demo, "CA", "ca.coordinator");
    await canada.page.goto(`${demo.urls.CA}/workplan`);
    await reloadUntilVisible(canada.page, milestone);
    const theirs = canada.page.getByTestId("proposal").filter({ hasText: milestone });
    await theirs.getByRole("button", { name: "Accept" }).click();
    await theirs.getByText("Accepted").waitFor();
    await canada.page.locator(".milestones").getByText(milestone).waitFor();
    await screenshot(canada.page, "scenario-workplan-accepted");

    await reloadUntilVisible(india.page, "Accepted");
    await india.page.locator(".milestones").getByText(milestone).waitFor();
    // The progress report downloads as a PDF.
    const download = india.page.waitForEvent("download");
    await india.page.getByRole("button", { name: "Download report (PDF)" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe("workplan-report.pdf");
    const bytes = readFileSync(await file.path());
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    await india.context.close();
    await canada.context.close();
  });

  it("an auditor verifies an event's inclusion proof in the browser", async () => {
    const { context, page } = await signIn(browser, demo, "IN", "in.auditor");
    await page.goto(`${demo.urls.IN}/audit`);
    await page.getByTestId("tree-size").waitFor();
    await expect
      .poll(() => page.getByTestId("head-signature").textContent(), { timeout: 10_000 })
      .toContain("verified in this browser");
    await page.getByRole("button", { name: "Verify this event" }).and(page.locator(":enabled")).first().click();
    await page.getByText("Included in the signed log").first().waitFor();
    await screenshot(page, "scenario-audit-verified");
    await context.close();
  });
});
