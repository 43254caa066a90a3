import PDFDocument from "pdfkit";
import { notFound } from "../../core/errors.ts";
import type { WorkplanService } from "./workplan.service.ts";
import type { Milestone, PlanState, Review } from "./workplan.state.ts";

const DUE_SOON_DAYS = 60;
const CLOSED_MILESTONE = new Set(["done", "cancelled"]);

interface DueItem {
  initiative: string;
  milestone: Milestone;
}
export interface ReportModel {
  title: string;
  agreement: string;
  generatedOn: string;
  lane: string | null;
  lanes: {
    id: string;
    name: string;
    initiatives: {
      title: string;
      status: string;
      health: Record<string, string | null>;
      objective: string;
      milestonesDone: number;
      milestonesTotal: number;
      latest: string[];
    }[];
  }[];
  overdue: DueItem[];
  dueSoon: DueItem[];
  lastReview: Review | null;
  indicators: Awaited<ReturnType<WorkplanService["indicators"]>>;
}

/** The brief the two national security advisers read before their next meeting: one lane or all of them. */
export function buildReportModel(
  state: PlanState,
  today: string,
  lane: string | undefined,
  indicators: ReportModel["indicators"],
): ReportModel {
  const laneIds = [...new Set([...Object.keys(state.lanes), ...state.initiatives.map((i) => i.lane)])];
  if (lane && !laneIds.includes(lane)) throw notFound("LIAISON_WORKPLAN_LANE_NOT_FOUND", `no lane ${lane}`);
  const initiatives = state.initiatives.filter((i) => !lane || i.lane === lane);
  const soon = new Date(`${today}T00:00:00Z`);
  soon.setUTCDate(soon.getUTCDate() + DUE_SOON_DAYS);
  const horizon = soon.toISOString().slice(0, 10);
  const open = initiatives.flatMap((i) =>
    i.milestones.filter((m) => !CLOSED_MILESTONE.has(m.status)).map((m) => ({ initiative: i.title, milestone: m })),
  );
  const byDue = (a: DueItem, b: DueItem) => (a.milestone.dueDate < b.milestone.dueDate ? -1 : 1);
  return {
    title: `Workplan progress report${lane ? `: ${state.lanes[lane] ?? lane}` : ""}`,
    agreement: state.agreement
      ? `${state.agreement.title} (agreed ${state.agreement.agreedOn}, ${state.agreement.place})`
      : "no workplan seeded",
    generatedOn: today,
    lane: lane ?? null,
    lanes: laneIds
      .filter((id) => !lane || id === lane)
      .map((id) => ({
        id,
        name: state.lanes[id] ?? id,
        initiatives: initiatives
          .filter((i) => i.lane === id)
          .map((i) => ({
            title: i.title,
            status: i.status,
            health: i.health,
            objective: i.objective,
            milestonesDone: i.milestones.filter((m) => m.status === "done").length,
            milestonesTotal: i.milestones.length,
            latest: i.progress.slice(-2).map((p) => `${p.date} (${p.party}): ${p.note}`),
          })),
      }))
      .filter((l) => l.initiatives.length > 0),
    overdue: open.filter((d) => d.milestone.dueDate < today).sort(byDue),
    dueSoon: open.filter((d) => d.milestone.dueDate >= today && d.milestone.dueDate <= horizon).sort(byDue),
    lastReview: state.reviews.at(-1) ?? null,
    indicators,
  };
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
const healthText = (h: Record<string, string | null>) =>
  Object.entries(h)
    .map(([p, v]) => `${p}: ${v ?? "not assessed"}`)
    .join(", ");
const dueLine = (d: DueItem) =>
  `${d.milestone.dueDate} - ${d.milestone.title} (${d.initiative}; owner ${d.milestone.owner}, ${d.milestone.status})`;

export function renderHtml(m: ReportModel): string {
  const list = (items: string[], empty: string) =>
    items.length ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join("")}</ul>` : `<p>${esc(empty)}</p>`;
  const bar = (done: number, total: number) =>
    `<span class="bar" role="img" aria-label="${done} of ${total} milestones done"><span style="width:${total ? Math.round((100 * done) / total) : 0}%"></span></span> ${done}/${total}`;
  const lanes = m.lanes
    .map(
      (l) =>
        `<h2>${esc(l.name)}</h2>${l.initiatives
          .map(
            (i) =>
              `<section><h3>${esc(i.title)}</h3><p>${esc(i.objective)}</p><p>Status: ${esc(i.status)}; health ${esc(healthText(i.health))}; milestones ${bar(i.milestonesDone, i.milestonesTotal)}</p>${list(i.latest, "No progress reported yet.")}</section>`,
          )
          .join("")}`,
    )
    .join("");
  const review = m.lastReview
    ? `<p>${esc(m.lastReview.date)}: ${esc(m.lastReview.title)}${m.lastReview.attendees.length ? `; attendees: ${esc(m.lastReview.attendees.join(", "))}` : ""}</p>${list(m.lastReview.decisions, "No decisions recorded.")}${list(
        m.lastReview.actionItems.map((a) => `${a.owner}: ${a.text} (due ${a.due ?? "-"}, ${a.status})`),
        "No action items.",
      )}`
    : "<p>No review meeting recorded yet.</p>";
  const indicators = m.indicators.available
    ? list(
        m.indicators.lanes.map((x) => `${x.lane}: ${x.answeredOnTime} of ${x.due} requests answered on time`),
        "No requests answered yet.",
      )
    : `<p>${esc(m.indicators.note ?? "no exchange data")}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(m.title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1a1a1a}
.bar{display:inline-block;width:8rem;height:.7rem;background:#ddd;vertical-align:middle}.bar span{display:block;height:100%;background:#2e7d32}
</style></head><body><h1>${esc(m.title)}</h1><p>${esc(m.agreement)}. Generated ${esc(m.generatedOn)}.</p>
<h2>Overdue milestones</h2>${list(m.overdue.map(dueLine), "None overdue.")}
<h2>Milestones due in the next ${DUE_SOON_DAYS} days</h2>${list(m.dueSoon.map(dueLine), "None due.")}
<h2>Decisions of the last review</h2>${review}<h2>Indicators</h2>${indicators}${lanes}</body></html>`;
}

export function renderPdf(m: ReportModel): Promise<Buffer> {
  const doc = new PDFDocument({ size: "A4", margin: 50, info: { Title: m.title } });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  const heading = (text: string) =>
    doc.moveDown(0.6).font("Helvetica-Bold").fontSize(13).text(text).font("Helvetica").fontSize(10);
  const bullets = (items: string[], empty: string) => {
    if (items.length === 0) doc.text(empty);
    for (const item of items) doc.text(`- ${item}`, { indent: 10 });
  };
  doc.font("Helvetica-Bold").fontSize(18).text(m.title);
  doc.font("Helvetica").fontSize(10).text(`${m.agreement}. Generated ${m.generatedOn}.`);
  heading("Overdue milestones");
  bullets(m.overdue.map(dueLine), "None overdue.");
  heading(`Milestones due in the next ${DUE_SOON_DAYS} days`);
  bullets(m.dueSoon.map(dueLine), "None due.");
  heading("Decisions of the last review");
  if (m.lastReview) {
    doc.text(`${m.lastReview.date}: ${m.lastReview.title}`);
    if (m.lastReview.attendees.length > 0) doc.text(`Attendees: ${m.lastReview.attendees.join(", ")}`);
    bullets(m.lastReview.decisions, "No decisions recorded.");
    bullets(
      m.lastReview.actionItems.map((a) => `Action (${a.owner}): ${a.text} - due ${a.due ?? "-"}, ${a.status}`),
      "No action items.",
    );
  } else doc.text("No review meeting recorded yet.");
  heading("Indicators");
  if (m.indicators.available)
    bullets(
      m.indicators.lanes.map((x) => `${x.lane}: ${x.answeredOnTime} of ${x.due} requests answered on time`),
      "No requests answered yet.",
    );
  else doc.text(m.indicators.note ?? "no exchange data");
  for (const lane of m.lanes) {
    heading(lane.name);
    for (const i of lane.initiatives) {
      doc.moveDown(0.3).font("Helvetica-Bold").text(i.title).font("Helvetica");
      doc.text(i.objective);
      doc.text(
        `Status: ${i.status}; health ${healthText(i.health)}; milestones done ${i.milestonesDone}/${i.milestonesTotal}`,
      );
      // A small progress bar: a reader sees at a glance how far each initiative is.
      const y = doc.y + 2;
      doc.rect(doc.page.margins.left, y, 120, 6).fill("#dddddd");
      if (i.milestonesTotal > 0)
        doc.rect(doc.page.margins.left, y, (120 * i.milestonesDone) / i.milestonesTotal, 6).fill("#2e7d32");
      doc.fillColor("black").text("", doc.page.margins.left, y + 10);
      bullets(i.latest, "No progress reported yet.");
    }
  }
  doc.end();
  return done;
}

export async function renderReport(
  plan: WorkplanService,
  options: { lane?: string | undefined; format: "html" | "pdf" },
): Promise<{ contentType: string; body: string | Buffer }> {
  const model = buildReportModel(await plan.state(), plan.today(), options.lane, await plan.indicators());
  return options.format === "pdf"
    ? { contentType: "application/pdf", body: await renderPdf(model) }
    : { contentType: "text/html; charset=utf-8", body: renderHtml(model) };
}
