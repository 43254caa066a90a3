import { defineConfig } from "vitest/config";

// Two cores: run test files in a few forks, give two-node and fault tests room to breathe.
export default defineConfig({
  test: {
    // The web app's tests run headless too (happy-dom where a file asks for it).
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.{ts,tsx}"],
    exclude: ["test/browser/**", "node_modules/**"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
