import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built by `npm run build:web` (vite build web) into web/dist, which every node serves at `/`.
// During development, `npx vite web` proxies the API to the India demo node.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names let the node cache assets for a year; index.html is never cached.
    assetsDir: "assets",
    chunkSizeWarningLimit: 600,
    // bench/web.bench.ts reads it to measure what the shell loads first.
    manifest: true,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:7101", "/federation": "http://127.0.0.1:7101" },
  },
});
