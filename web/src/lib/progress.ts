import type { Initiative } from "../api/contract.ts";

/** Progress of an initiative: the share of its (not cancelled) milestones done; a closed one without any is done. */
export function initiativeProgress(initiative: Initiative): number {
  const milestones = (initiative.milestones ?? []).filter((m) => m.status !== "cancelled");
  if (milestones.length === 0) return initiative.status === "closed" ? 1 : 0;
  return milestones.filter((m) => m.status === "done").length / milestones.length;
}

export function progressByLane(initiatives: Initiative[]): { lane: string; progress: number; count: number }[] {
  const lanes = new Map<string, number[]>();
  for (const i of initiatives) lanes.set(i.lane, [...(lanes.get(i.lane) ?? []), initiativeProgress(i)]);
  return [...lanes.entries()].map(([lane, values]) => ({
    lane,
    progress: values.reduce((a, b) => a + b, 0) / values.length,
    count: values.length,
  }));
}
