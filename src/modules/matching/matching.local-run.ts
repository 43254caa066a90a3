import { type PsiMessage, PsiMessage as PsiMessageSchema, type PsiParty, type PsiResult } from "./matching.psi.ts";

/**
 * Drive two PSI parties against each other in one process, each message passed through JSON and the wire schema
 * exactly as a federation envelope body would be. For tests and the benchmark; the node runs the same parties
 * through envelopes. `shuffleDelivery` delivers each queue in random order, as a retried outbox may.
 */
export function runLocalPsi(
  a: PsiParty,
  b: PsiParty,
  options: { shuffleDelivery?: boolean; onMessage?: (from: "a" | "b", json: string) => void } = {},
): { a: PsiResult; b: PsiResult } {
  const toB: string[] = a.start().map((m) => JSON.stringify(m));
  const toA: string[] = b.start().map((m) => JSON.stringify(m));
  const take = (queue: string[]) =>
    options.shuffleDelivery
      ? (queue.splice(Math.floor(Math.random() * queue.length), 1)[0] as string)
      : (queue.shift() as string);
  while (toA.length > 0 || toB.length > 0) {
    if (toB.length > 0) {
      const json = take(toB);
      options.onMessage?.("a", json);
      for (const reply of b.receive(PsiMessageSchema.parse(JSON.parse(json)) as PsiMessage))
        toA.push(JSON.stringify(reply));
    }
    if (toA.length > 0) {
      const json = take(toA);
      options.onMessage?.("b", json);
      for (const reply of a.receive(PsiMessageSchema.parse(JSON.parse(json)) as PsiMessage))
        toB.push(JSON.stringify(reply));
    }
  }
  return { a: a.result(), b: b.result() };
}
