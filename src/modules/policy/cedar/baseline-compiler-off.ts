import v8 from "node:v8";

// See ../cedar.ts: later modules (PGlite's PostgreSQL) keep V8's optimizing compiler.
v8.setFlagsFromString("--no-liftoff-only");
