// @vitest-environment happy-dom
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError } from "../api/client.ts";
import { initI18n } from "../i18n/i18n.ts";
import { ErrorState } from "./states.tsx";
import { TlpBanner } from "./Tlp.tsx";

initI18n("en");
afterEach(cleanup);

describe("TLP banner", () => {
  it.each([
    ["TLP:AMBER+STRICT", "#FFC000"],
    ["amber+strict", "#FFC000"],
    ["TLP:RED", "#FF2B2B"],
    ["TLP:CLEAR", "#FFFFFF"],
  ])("shows %s exactly as TLP 2.0 writes it, in its colour", (given, color) => {
    const { container } = render(<TlpBanner tlp={given} />);
    const label = container.querySelector(".tlp-label") as HTMLElement;
    expect(label.textContent).toBe(given.toUpperCase().startsWith("TLP:") ? given : `TLP:${given.toUpperCase()}`);
    expect(label.style.color.toLowerCase()).toMatch(new RegExp(`${color.toLowerCase()}|rgb`));
    expect(label.getAttribute("lang")).toBe("en");
  });

  it("renders nothing for a label the standard does not have", () => {
    const { container } = render(<TlpBanner tlp="TLP:WHITE" />);
    expect(container.innerHTML).toBe("");
  });
});

describe("error states", () => {
  it("tells a missing endpoint apart from a failure", () => {
    const missing = render(<ErrorState error={new ApiError(404, "LIAISON_NOT_FOUND", "no route")} what="Approvals" />);
    expect(missing.container.textContent).toContain("Approvals is not available on this node yet");
    cleanup();
    const failed = render(<ErrorState error={new ApiError(500, "LIAISON_INTERNAL", "boom")} />);
    expect(failed.container.textContent).toContain("LIAISON_INTERNAL");
    expect(failed.getByRole("alert")).toBeTruthy();
  });
});
