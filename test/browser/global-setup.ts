import type { TestProject } from "vitest/node";
import { startUiDemo } from "./support.ts";

/** One real two-node demo for the whole browser suite: starting nodes is the slow part on a 2-core machine. */
export default async function setup(project: TestProject) {
  const demo = await startUiDemo();
  project.provide("demo", {
    urls: demo.urls,
    demoUsers: demo.demoUsers,
    adminTokens: { IN: demo.nodes.IN.adminToken, CA: demo.nodes.CA.adminToken },
  });
  return async () => {
    await demo.stop();
  };
}
