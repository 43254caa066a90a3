/**
 * Cedar, compiled by V8's baseline WebAssembly compiler (Liftoff) only. With the optimizing compiler (TurboFan),
 * the functions that validating the policies at start-up makes hot are compiled a second time, which leaves each
 * node ~60 MB larger (idle PostgreSQL node: 212 MB resident, 148 MB without; docs/benchmarks.md). The price is an
 * uncached decision about twice as slow (~60 -> ~135 us), which the policy service pays once per decision shape.
 *
 * V8 fixes a module's compilers when it compiles it, and Cedar's Node.js build compiles on import: so the flag is
 * set by the module evaluated just before Cedar's and cleared by the one just after (ES modules evaluate their
 * imports in source order). Everything else, PGlite's PostgreSQL included, keeps the optimizing compiler.
 */
import "./cedar/baseline-compiler-on.ts";

export * from "@cedar-policy/cedar-wasm/nodejs";

import "./cedar/baseline-compiler-off.ts";
