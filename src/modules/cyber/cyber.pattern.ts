/**
 * A parser of the STIX 2.1 patterning language (STIX 2.1 section 9, the grammar of its ANTLR file written out as
 * recursive descent): no maintained npm package parses STIX patterns. Indicators with `pattern_type: "stix"` are
 * refused unless their pattern parses and passes the checks the grammar cannot say (valid timestamps, a regular
 * expression that compiles, qualifiers with positive counts, START before STOP).
 */

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "binary"; value: string }
  | { kind: "hex"; value: string }
  | { kind: "timestamp"; value: string };

export interface ObjectPath {
  objectType: string;
  /** Property names and list indexes (`*` for any) after the type. */
  steps: (string | number | "*")[];
}

export type Comparison =
  | { kind: "and" | "or"; operands: Comparison[] }
  | { kind: "exists"; path: ObjectPath }
  | { kind: "test"; path: ObjectPath; negated: boolean; operator: string; value: Literal | Literal[] };

export type Qualifier =
  | { kind: "within"; seconds: number }
  | { kind: "repeats"; times: number }
  | { kind: "start-stop"; start: string; stop: string };

export type Observation =
  | { kind: "observation"; comparison: Comparison; qualifiers: Qualifier[] }
  | { kind: "and" | "or" | "followedby"; operands: Observation[]; qualifiers: Qualifier[] };

export class StixPatternError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position + 1})`);
    this.name = "StixPatternError";
  }
}

type Token =
  | { t: "word"; v: string; at: number }
  | { t: "punct"; v: string; at: number }
  | { t: "literal"; v: Literal; at: number }
  | { t: "end"; at: number };

const TIMESTAMP = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z$/;
const OPERATORS = ["==", "!=", "<>", "<=", ">=", "=", "<", ">"];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    const quoted = /^[bht]?'/.exec(text.slice(i, i + 2));
    if (quoted) {
      const prefix = quoted[0].length === 2 ? (quoted[0][0] as string) : "";
      i += quoted[0].length;
      let value = "";
      for (;;) {
        if (i >= text.length) throw new StixPatternError("unterminated string literal", at);
        const d = text[i] as string;
        if (d === "\\") {
          const next = text[i + 1];
          if (next !== "'" && next !== "\\") throw new StixPatternError("only \\' and \\\\ escape a string", i);
          value += next;
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ t: "literal", v: literalOf(prefix, value, at), at });
      continue;
    }
    const number = /^[+-]?(\d+\.\d+|\.\d+|\d+)/.exec(text.slice(i));
    if (number && (/[+-]/.test(c) || /[\d.]/.test(c))) {
      const v = number[0];
      tokens.push({
        t: "literal",
        v: v.includes(".") ? { kind: "float", value: Number(v) } : { kind: "int", value: Number(v) },
        at,
      });
      i += v.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
    if (word) {
      const v = word[0];
      if (v === "true" || v === "false") tokens.push({ t: "literal", v: { kind: "bool", value: v === "true" }, at });
      else tokens.push({ t: "word", v, at });
      i += v.length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ t: "punct", v: op, at });
      i += op.length;
      continue;
    }
    if ("[]():.,*".includes(c)) {
      tokens.push({ t: "punct", v: c, at });
      i++;
      continue;
    }
    throw new StixPatternError(`unexpected character ${JSON.stringify(c)}`, at);
  }
  tokens.push({ t: "end", at: text.length });
  return tokens;
}

function literalOf(prefix: string, value: string, at: number): Literal {
  if (prefix === "t") {
    if (!TIMESTAMP.test(value) || Number.isNaN(Date.parse(value)))
      throw new StixPatternError(`${JSON.stringify(value)} is not a STIX timestamp`, at);
    return { kind: "timestamp", value };
  }
  if (prefix === "h") {
    if (!/^([0-9a-fA-F]{2})*$/.test(value)) throw new StixPatternError("a hex literal holds pairs of hex digits", at);
    return { kind: "hex", value };
  }
  if (prefix === "b") {
    if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value))
      throw new StixPatternError("a binary literal holds base64", at);
    return { kind: "binary", value };
  }
  return { kind: "string", value };
}

const KEYWORDS = new Set([
  "AND",
  "OR",
  "NOT",
  "FOLLOWEDBY",
  "LIKE",
  "MATCHES",
  "ISSUPERSET",
  "ISSUBSET",
  "EXISTS",
  "IN",
  "START",
  "STOP",
  "SECONDS",
  "WITHIN",
  "REPEATS",
  "TIMES",
]);

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private get peek(): Token {
    return this.tokens[this.index] as Token;
  }
  private next(): Token {
    return this.tokens[this.index++] as Token;
  }
  private isWord(v: string): boolean {
    return this.peek.t === "word" && (this.peek as { v: string }).v === v;
  }
  private isPunct(v: string): boolean {
    return this.peek.t === "punct" && (this.peek as { v: string }).v === v;
  }
  private expectPunct(v: string): void {
    if (!this.isPunct(v)) this.fail(`expected ${JSON.stringify(v)}`);
    this.index++;
  }
  private expectWord(v: string): void {
    if (!this.isWord(v)) this.fail(`expected ${v}`);
    this.index++;
  }
  private fail(message: string): never {
    const token = this.peek;
    const found = token.t === "end" ? "the end" : token.t === "literal" ? "a literal" : JSON.stringify(token.v);
    throw new StixPatternError(`${message}, found ${found}`, token.at);
  }

  parsePattern(): Observation {
    const result = this.observations();
    if (this.peek.t !== "end") this.fail("expected AND, OR, FOLLOWEDBY or the end of the pattern");
    return result;
  }

  private observations(): Observation {
    return this.binary("FOLLOWEDBY", "followedby", () => this.binary("OR", "or", () => this.observationAnd()));
  }
  private observationAnd(): Observation {
    return this.binary("AND", "and", () => this.observation());
  }
  private binary(keyword: string, kind: "and" | "or" | "followedby", operand: () => Observation): Observation {
    const first = operand();
    if (!this.isWord(keyword)) return first;
    const operands = [first];
    while (this.isWord(keyword)) {
      this.index++;
      operands.push(operand());
    }
    return { kind, operands, qualifiers: [] };
  }

  private observation(): Observation {
    let result: Observation;
    if (this.isPunct("[")) {
      this.index++;
      const comparison = this.comparisonOr();
      this.expectPunct("]");
      result = { kind: "observation", comparison, qualifiers: [] };
    } else if (this.isPunct("(")) {
      this.index++;
      result = this.observations();
      this.expectPunct(")");
      result = { ...result, qualifiers: [...result.qualifiers] };
    } else {
      this.fail("expected [ or ( to start an observation expression");
    }
    while (this.isWord("WITHIN") || this.isWord("REPEATS") || this.isWord("START"))
      result.qualifiers.push(this.qualifier());
    return result;
  }

  private qualifier(): Qualifier {
    const word = (this.next() as { v: string }).v;
    if (word === "WITHIN") {
      const n = this.number("WITHIN takes a number of seconds");
      if (!(n > 0)) this.fail("WITHIN takes a positive number of seconds");
      this.expectWord("SECONDS");
      return { kind: "within", seconds: n };
    }
    if (word === "REPEATS") {
      const token = this.peek;
      if (token.t !== "literal" || token.v.kind !== "int" || token.v.value < 1)
        this.fail("REPEATS takes a positive integer");
      this.index++;
      this.expectWord("TIMES");
      return { kind: "repeats", times: (token.v as { value: number }).value };
    }
    const start = this.timestamp();
    this.expectWord("STOP");
    const stop = this.timestamp();
    if (Date.parse(stop) <= Date.parse(start)) this.fail("STOP must be after START");
    return { kind: "start-stop", start, stop };
  }

  private number(message: string): number {
    const token = this.peek;
    if (token.t !== "literal" || (token.v.kind !== "int" && token.v.kind !== "float")) this.fail(message);
    this.index++;
    return (token.v as { value: number }).value;
  }

  private timestamp(): string {
    const token = this.peek;
    if (token.t !== "literal" || token.v.kind !== "timestamp") this.fail("expected a timestamp literal t'...'");
    this.index++;
    return (token.v as { value: string }).value;
  }

  private comparisonOr(): Comparison {
    const first = this.comparisonAnd();
    if (!this.isWord("OR")) return first;
    const operands = [first];
    while (this.isWord("OR")) {
      this.index++;
      operands.push(this.comparisonAnd());
    }
    return { kind: "or", operands };
  }
  private comparisonAnd(): Comparison {
    const first = this.propTest();
    if (!this.isWord("AND")) return first;
    const operands = [first];
    while (this.isWord("AND")) {
      this.index++;
      operands.push(this.propTest());
    }
    return { kind: "and", operands };
  }

  private propTest(): Comparison {
    if (this.isPunct("(")) {
      this.index++;
      const inner = this.comparisonOr();
      this.expectPunct(")");
      return inner;
    }
    if (this.isWord("EXISTS")) {
      this.index++;
      return { kind: "exists", path: this.objectPath() };
    }
    const path = this.objectPath();
    let negated = false;
    if (this.isWord("NOT")) {
      negated = true;
      this.index++;
    }
    const token = this.next();
    const operator = token.t === "punct" || token.t === "word" ? token.v : "";
    if (["=", "==", "!=", "<>"].includes(operator))
      return { kind: "test", path, negated, operator, value: this.literal() };
    if (["<", "<=", ">", ">="].includes(operator)) {
      const value = this.literal();
      if (value.kind === "bool") this.fail("a boolean cannot be ordered");
      return { kind: "test", path, negated, operator, value };
    }
    if (operator === "IN") return { kind: "test", path, negated, operator, value: this.set() };
    if (["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"].includes(operator)) {
      const value = this.literal();
      if (value.kind !== "string") this.fail(`${operator} takes a string literal`);
      if (operator === "MATCHES") {
        try {
          new RegExp(value.value, "u");
        } catch {
          throw new StixPatternError("MATCHES takes a regular expression that compiles", token.at);
        }
      }
      return { kind: "test", path, negated, operator, value };
    }
    this.index--;
    this.fail("expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)");
  }

  private literal(): Literal {
    const token = this.peek;
    if (token.t !== "literal") this.fail("expected a literal");
    this.index++;
    return token.v;
  }

  private set(): Literal[] {
    this.expectPunct("(");
    const values: Literal[] = [];
    if (!this.isPunct(")")) {
      values.push(this.literal());
      while (this.isPunct(",")) {
        this.index++;
        values.push(this.literal());
      }
    }
    this.expectPunct(")");
    return values;
  }

  private objectPath(): ObjectPath {
    const type = this.peek;
    if (type.t !== "word" || KEYWORDS.has(type.v)) this.fail("expected an object type");
    const objectType = (this.next() as { v: string }).v;
    if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$/.test(objectType) || objectType.includes("--"))
      throw new StixPatternError(`${JSON.stringify(objectType)} is not a STIX object type`, type.at);
    this.expectPunct(":");
    const steps: ObjectPath["steps"] = [this.pathName(true)];
    for (;;) {
      if (this.isPunct(".")) {
        this.index++;
        steps.push(this.pathName(false));
      } else if (this.isPunct("[")) {
        this.index++;
        if (this.isPunct("*")) {
          this.index++;
          steps.push("*");
        } else {
          const token = this.peek;
          if (token.t !== "literal" || token.v.kind !== "int") this.fail("a list index is an integer or *");
          this.index++;
          steps.push((token.v as { value: number }).value);
        }
        this.expectPunct("]");
      } else return { objectType, steps };
    }
  }

  private pathName(first: boolean): string {
    const token = this.peek;
    if (token.t === "literal" && token.v.kind === "string" && token.v.value.length > 0) {
      this.index++;
      return token.v.value;
    }
    // Property names have no hyphen (hyphenated keys, like hash names, are quoted: file:hashes.'SHA-256').
    if (token.t === "word" && !token.v.includes("-")) {
      this.index++;
      return token.v;
    }
    this.fail(first ? "expected a property name after ':'" : "expected a property name after '.'");
  }
}

/** The pattern's syntax tree; throws StixPatternError naming the first problem and where it is. */
export function parseStixPattern(pattern: string): Observation {
  return new Parser(tokenize(pattern)).parsePattern();
}

/** The equality tests of a pattern (`type:path = 'value'`), for matching observables against indicators. */
export function equalityTestsOf(
  node: Observation | Comparison,
  into: { objectType: string; path: string; value: string }[] = [],
) {
  if (node.kind === "observation") equalityTestsOf(node.comparison, into);
  else if (node.kind === "test") {
    if (!node.negated && (node.operator === "=" || node.operator === "==") && !Array.isArray(node.value)) {
      const value = node.value;
      if (value.kind === "string")
        into.push({ objectType: node.path.objectType, path: node.path.steps.join("."), value: value.value });
    }
  } else if (node.kind !== "exists") for (const operand of node.operands) equalityTestsOf(operand, into);
  return into;
}
