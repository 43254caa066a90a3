/**
 * Names and addresses as a watchlist compares them. Trade registers, invoices and PEN-style forms write the
 * same company many ways ("Sunrise Fine Chem Pvt Ltd", "SUNRISE FINE CHEMICALS PVT. LTD."): case, accents,
 * punctuation, legal forms and the usual abbreviations carry no identity, so they are folded away before any
 * fuzzy comparison; what is left is compared by character trigrams (names.ts's callers decide the threshold).
 */

export type WatchedKind = "company" | "person" | "address";

/** Legal forms and filler words: present or absent, the company is the same. */
const DROPPED = new Set([
  "pvt",
  "private",
  "ltd",
  "limited",
  "llp",
  "llc",
  "inc",
  "incorporated",
  "corp",
  "corporation",
  "co",
  "company",
  "plc",
  "pte",
  "gmbh",
  "ag",
  "sa",
  "sarl",
  "srl",
  "bv",
  "nv",
  "oy",
  "ab",
  "kk",
  "the",
  "and",
  "of",
  "m/s",
  "ms",
]);

/** Spellings of one word in company names (and addresses) folded to one stem. */
const STEMS: Record<string, string> = {
  chemicals: "chem",
  chemical: "chem",
  chemie: "chem",
  chemika: "chem",
  chems: "chem",
  pharmaceuticals: "pharma",
  pharmaceutical: "pharma",
  pharmaceutics: "pharma",
  pharm: "pharma",
  laboratories: "lab",
  laboratory: "lab",
  labs: "lab",
  industries: "ind",
  industry: "ind",
  industrial: "ind",
  inds: "ind",
  international: "intl",
  internationale: "intl",
  enterprises: "ent",
  enterprise: "ent",
  traders: "trade",
  trading: "trade",
  exports: "export",
  exporters: "export",
  imports: "import",
  importers: "import",
  technologies: "tech",
  technology: "tech",
  sciences: "sci",
  science: "sci",
  organics: "organic",
  // Addresses
  road: "rd",
  street: "st",
  avenue: "ave",
  boulevard: "blvd",
  building: "bldg",
  floor: "fl",
  suite: "ste",
  sector: "sec",
  north: "n",
  south: "s",
  east: "e",
  west: "w",
};

/** The words that carry identity, lower case, without accents, punctuation, legal forms or variant spellings. */
export function nameTokens(text: string, kind: WatchedKind = "company"): string[] {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    // "Pvt." and "P.V.T." are one token, not three.
    .replace(/(?<=\b\p{L})\.(?=\p{L}\b)/gu, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ");
  const tokens: string[] = [];
  for (const raw of folded.split(" ")) {
    if (!raw) continue;
    if (kind === "company" && DROPPED.has(raw)) continue;
    tokens.push(STEMS[raw] ?? raw);
  }
  // Person names are written surname-first as often as not: order carries no identity.
  return kind === "person" ? tokens.sort() : tokens;
}

/** The folded form, for exact lookups and for showing why two names matched. */
export function normaliseName(text: string, kind: WatchedKind = "company"): string {
  return nameTokens(text, kind).join(" ");
}

/** Padded character trigrams of each token: order-insensitive and tolerant of a typo or a dropped letter. */
export function trigramsOf(tokens: readonly string[]): Set<string> {
  const grams = new Set<string>();
  for (const token of tokens) {
    const padded = `  ${token} `;
    for (let i = 0; i + 3 <= padded.length; i++) grams.add(padded.slice(i, i + 3));
  }
  return grams;
}

/** Dice's coefficient of two trigram sets: 1 for the same folded name, falling with each differing letter. */
export function diceOf(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  return (2 * shared) / (a.size + b.size);
}
