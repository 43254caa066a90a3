// @vitest-environment happy-dom
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { RefusalCodeField } from "../components/RefusalCodeField.tsx";
import { en } from "../i18n/en.ts";
import { fr } from "../i18n/fr.ts";
import { hi } from "../i18n/hi.ts";
import { initI18n, setLanguage } from "../i18n/i18n.ts";
import { REFUSAL_CODES } from "../lib/domain.ts";
import { RoleGrantFacts } from "./Approvals.tsx";

initI18n("en");
afterEach(() => {
  cleanup();
  setLanguage("en");
});

describe("a role grant in the Approvals view", () => {
  const trees = { en, fr, hi } as const;
  it.each(["en", "fr", "hi"] as const)(
    "shows the account, the role asked for and the role it has now (%s)",
    (language) => {
      setLanguage(language);
      const view = render(
        <RoleGrantFacts
          value={{ userId: "u-1", username: "ca.new.auditor", role: "auditor", previousRole: "liaison-officer" }}
        />,
      );
      const text = view.getByTestId("role-grant").textContent ?? "";
      expect(text).toContain("ca.new.auditor");
      expect(text).toContain(trees[language].role.auditor);
      expect(text).toContain(trees[language].approvals.grantRole);
      // Roles by their translated names, never the raw ids.
      expect(text).not.toContain("liaison-officer");
      expect(text).not.toMatch(/approvals\.|role\./);
    },
  );

  it("a new account says so", () => {
    const view = render(<RoleGrantFacts value={{ userId: "u-2", username: "ca.admin3", role: "administrator" }} />);
    expect(view.getByTestId("role-grant").textContent).toContain("new account");
  });
});

describe("the refusal-code select of the reply form", () => {
  it.each(["en", "fr", "hi"])("offers every code with a label, and a written reason last (%s)", (language) => {
    setLanguage(language);
    const view = render(<RefusalCodeField value={REFUSAL_CODES[0]} onChange={() => {}} />);
    const options = [...view.container.querySelectorAll("option")];
    expect(options.map((o) => o.value)).toEqual([...REFUSAL_CODES, ""]);
    for (const o of options) {
      expect(o.textContent).toMatch(/\S/);
      expect(o.textContent).not.toMatch(/refusalCode\.|thread\./);
    }
  });
});
