import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Component and library tests of the web app, headless in happy-dom: `npx vitest run --config web/vitest.config.ts`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  test: {
    include: ["src/**/*.test.{ts,tsx}"],
    environment: "happy-dom",
    pool: "threads",
    maxWorkers: 1,
  },
});
