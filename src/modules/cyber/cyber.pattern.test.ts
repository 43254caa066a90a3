import { describe, expect, it } from "vitest";
import { equalityTestsOf, parseStixPattern, StixPatternError } from "./cyber.pattern.ts";

describe("the STIX 2.1 pattern parser", () => {
  const valid = [
    "[ipv4-addr:value = '198.51.100.1/32']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[domain-name:value = 'example.com' OR domain-name:value = 'example.net']",
    "[email-message:from_ref.value MATCHES '.+@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name LIKE 'invoice%']",
    "[file:size > 1024 AND file:size <= 4096]",
    "[network-traffic:dst_port IN (80, 443, 8080)]",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
    "[x-custom-object:field NOT = 'value']",
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo']",
    "[file:name = 'a.exe'] FOLLOWEDBY [file:name = 'b.exe'] WITHIN 300 SECONDS",
    "([file:name = 'a'] AND [file:name = 'b']) REPEATS 5 TIMES",
    "[ipv4-addr:value = '1.2.3.4'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=' AND artifact:mime_type = 'text/plain']",
    "[file:magic_number_hex = h'ffd8']",
    "[process:extensions.'windows-process-ext'.aslr_enabled = true]",
    "[user-account:account_last_login < t'2026-01-01T00:00:00.000Z']",
    "(EXISTS file:hashes.MD5)".replace("(", "[").replace(")", "]"),
    "[a:b[-1] = 'x']",
  ];
  for (const pattern of valid) {
    it(`parses ${pattern}`, () => {
      expect(() => parseStixPattern(pattern)).not.toThrow();
    });
  }

  const invalid: [string, RegExp][] = [
    ["", /expected \[ or \(/],
    ["ipv4-addr:value = '1.2.3.4'", /expected \[ or \(/],
    ["[ipv4-addr:value = '1.2.3.4'", /expected "\]"/],
    ["[ipv4-addr:value = 1.2.3.4]", /expected "\]"|unexpected/],
    ["[ipv4-addr:value == ]", /expected a literal/],
    ["[ipv4-addr:value = '1.2.3.4'] AND", /expected \[ or \(/],
    ["[IPv4-Addr:value = '1.2.3.4']", /not a STIX object type/],
    ["[ipv4-addr value = '1.2.3.4']", /expected ":"/],
    ["[file:name MATCHES '(']", /regular expression/],
    ["[file:size LIKE 5]", /LIKE takes a string/],
    ["[file:name = 'a'] WITHIN 0 SECONDS", /positive number/],
    ["[file:name = 'a'] REPEATS 0 TIMES", /positive integer/],
    ["[file:name = 'a'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", /STOP must be after START/],
    ["[file:created = t'2016-13-01T00:00:00Z']", /not a STIX timestamp/],
    ["[file:name = 'unterminated]", /unterminated/],
    ["[file:name = 'bad \\escape']", /escape/],
    ["[file:magic_number_hex = h'fff']", /hex/],
    ["[file:name = true OR]", /expected an object type/],
    ["[file:name > true]", /cannot be ordered/],
    ["[file:name = 'a'] ; DROP", /unexpected character/],
  ];
  for (const [pattern, message] of invalid) {
    it(`refuses ${JSON.stringify(pattern)}`, () => {
      expect(() => parseStixPattern(pattern)).toThrow(StixPatternError);
      expect(() => parseStixPattern(pattern)).toThrow(message);
    });
  }

  it("gives the equality tests, for matching observables against indicators", () => {
    const tree = parseStixPattern(
      "[ipv4-addr:value = '203.0.113.9' OR domain-name:value = 'bad.example'] AND [file:hashes.'SHA-256' = 'ab' AND file:name != 'x']",
    );
    expect(equalityTestsOf(tree)).toEqual([
      { objectType: "ipv4-addr", path: "value", value: "203.0.113.9" },
      { objectType: "domain-name", path: "value", value: "bad.example" },
      { objectType: "file", path: "hashes.SHA-256", value: "ab" },
    ]);
  });
});
