import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LiaisonError } from "../../core/errors.ts";
import type { Db } from "../../db/database.ts";
import { generatePassword } from "./passwords.ts";
import type { Role } from "./principal.ts";
import type { SecondFactorService } from "./second-factor.service.ts";
import { newTotpSecret } from "./totp.ts";
import { findUserByUsername } from "./users.repository.ts";
import type { UsersService } from "./users.service.ts";

export const DEMO_USERS_FILE = "demo-users.json";

interface DemoUserSpec {
  username: string;
  displayName: string;
  role: Role;
  agency?: string;
}

/** The demo's cast, per party. The file they are written to is a stable contract of the demo. */
export const DEMO_USERS: Record<string, DemoUserSpec[]> = {
  IN: [
    { username: "in.ncb.officer", displayName: "NCB Liaison Officer", role: "liaison-officer", agency: "in-ncb" },
    { username: "in.ncb.analyst", displayName: "NCB Analyst", role: "analyst", agency: "in-ncb" },
    { username: "in.ncb.approver", displayName: "NCB Deputy Director (approver)", role: "approver", agency: "in-ncb" },
    { username: "in.certin.analyst", displayName: "CERT-In Cyber Analyst", role: "analyst", agency: "in-certin" },
    { username: "in.mha.officer", displayName: "MHA Liaison Officer", role: "liaison-officer", agency: "in-mha" },
    {
      username: "in.coordinator",
      displayName: "MHA Workplan Coordinator",
      role: "workplan-coordinator",
      agency: "in-mha",
    },
    { username: "in.auditor", displayName: "India Oversight Auditor", role: "auditor" },
    { username: "in.admin", displayName: "India Node Administrator", role: "administrator" },
  ],
  CA: [
    { username: "ca.rcmp.officer", displayName: "RCMP Liaison Officer", role: "liaison-officer", agency: "ca-rcmp" },
    { username: "ca.rcmp.analyst", displayName: "RCMP Analyst", role: "analyst", agency: "ca-rcmp" },
    {
      username: "ca.rcmp.approver",
      displayName: "RCMP Deputy Commissioner (approver)",
      role: "approver",
      agency: "ca-rcmp",
    },
    { username: "ca.cccs.analyst", displayName: "Cyber Centre Analyst", role: "analyst", agency: "ca-cccs" },
    { username: "ca.cbsa.officer", displayName: "CBSA Liaison Officer", role: "liaison-officer", agency: "ca-cbsa" },
    {
      username: "ca.coordinator",
      displayName: "Public Safety Workplan Coordinator",
      role: "workplan-coordinator",
      agency: "ca-ps",
    },
    { username: "ca.auditor", displayName: "Canada Oversight Auditor", role: "auditor" },
    { username: "ca.admin", displayName: "Canada Node Administrator", role: "administrator" },
  ],
};

export interface DemoUser {
  username: string;
  password: string;
  /** The TOTP secret (base32) of a demo administrator or approver, whose role requires a second factor. */
  totpSecret?: string;
  displayName: string;
  role: string;
  agency: string | null;
}

export interface DemoUsersFile {
  party: string;
  users: DemoUser[];
}

function readDemoFile(file: string): Map<string, DemoUser> {
  if (!existsSync(file)) return new Map();
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<DemoUsersFile>;
  return new Map((parsed.users ?? []).map((u) => [u.username, u]));
}

/**
 * Create the demo users that are missing, with random passwords, and list them all in <dataDir>/demo-users.json
 * (mode 0600). Idempotent: a restart keeps the accounts and their passwords. A user whose password is no longer
 * in the file gets a new one, so the file always lets every demo account log in.
 */
export async function seedDemoUsers(
  deps: {
    db: Db;
    users: UsersService;
    secondFactor: SecondFactorService;
    party: string;
    mode: string;
    actor: string;
  },
  dataDir: string,
): Promise<DemoUser[]> {
  if (deps.mode !== "demo") {
    throw new LiaisonError("LIAISON_IDENTITY_DEMO_MODE_ONLY", 500, "demo users are seeded only in demo mode");
  }
  const file = join(dataDir, DEMO_USERS_FILE);
  const known = readDemoFile(file);
  const result: DemoUser[] = [];
  for (const spec of DEMO_USERS[deps.party] ?? []) {
    const existing = await findUserByUsername(deps.db, spec.username);
    let password = known.get(spec.username)?.password;
    let userId = existing?.id;
    if (!existing) {
      password ??= generatePassword();
      userId = (await deps.users.create({ ...spec, password }, { id: deps.actor }, { demo: true })).id;
    } else if (!password) {
      password = generatePassword();
      // Only the demo file knows demo passwords; without it the account is reset, never left unusable.
      await deps.users.resetPassword(existing.id, password, { id: deps.actor });
    }
    // A role that must have a second factor comes enrolled, its secret in the file beside the password.
    let totpSecret: string | undefined;
    if (deps.secondFactor.isRequiredFor(spec.role) && userId) {
      totpSecret = known.get(spec.username)?.totpSecret;
      if (!totpSecret || !(await deps.secondFactor.demoSecretMatches(userId, totpSecret))) {
        totpSecret = newTotpSecret();
        await deps.secondFactor.seedDemoFactor(userId, totpSecret, deps.actor);
      }
    }
    result.push({
      username: spec.username,
      password,
      ...(totpSecret ? { totpSecret } : {}),
      displayName: spec.displayName,
      role: spec.role,
      agency: spec.agency ?? null,
    });
  }
  const content: DemoUsersFile = { party: deps.party, users: result };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  return result;
}
