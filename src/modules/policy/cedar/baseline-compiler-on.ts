import v8 from "node:v8";

// See ../cedar.ts: V8 decides a WebAssembly module's compilers when it compiles the module, so this flag holds for
// the module compiled next (Cedar's) and is turned off again right after it.
v8.setFlagsFromString("--liftoff-only");
