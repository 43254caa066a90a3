import type { Clock } from "../../core/clock.ts";
import { badRequest, conflict, LiaisonError, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeContext, ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { RoleGrant } from "../approvals/approvals.service.ts";
import type { ApprovalOutcome } from "../compliance/compliance.types.ts";
import type { DirectoryEntry } from "../directory/directory.schema.ts";
import type { DirectoryService } from "../directory/directory.service.ts";
import type { ChangeRoleRequest, CreateUserRequest, UserView } from "./identity.schema.ts";
import { assertStrongPassword, hashPassword } from "./passwords.ts";
import { ROLES } from "./principal.ts";
import { revokeUserSessions } from "./sessions.repository.ts";
import {
  accountChangers,
  countAdministratorAccounts,
  countDemoUsers,
  findUserById,
  findUserByUsername,
  insertUser,
  listUsers,
  type UsersTable,
  updateUser,
} from "./users.repository.ts";

/** Node-wide roles that act for the node rather than for one agency, so they may have none. */
const ROLES_WITHOUT_AGENCY = new Set(["auditor", "administrator"]);

/**
 * Roles whose grant, or removal, takes a second administrator's approval: they decide escalated disclosures,
 * oversee the node or run it (docs/identity.md, "Four eyes on roles"). Which actions a role may take is Cedar's
 * business alone; this list only says which changes of role are themselves four-eyes decisions.
 */
export const FOUR_EYES_ROLES: ReadonlySet<string> = new Set(["approver", "auditor", "administrator"]);

/** The approvals module as the identity module uses it (ApprovalsService). */
export interface RoleGrantQueue {
  requestRoleGrant(
    change: ChangeContext,
    requester: { id: string; requestId?: string | undefined },
    grant: RoleGrant,
  ): Promise<{ approvalId: string }>;
  roleGrant(tx: ChangeContext["tx"], approvalId: string): Promise<RoleGrant | undefined>;
  pendingRoleGrant(userId: string): Promise<string | undefined>;
  onDecided(kind: string, handler: (change: ChangeContext, outcome: ApprovalOutcome) => Promise<void>): void;
}

export interface UsersDeps {
  db: Db;
  clock: Clock;
  party: string;
  mode: string;
  /** scrypt log2 N for new hashes (identity.passwordHashCost). */
  passwordHashCost?: number;
  changes: ChangeRunner;
  directory: DirectoryService;
  /** Without it (unit wiring), roles of FOUR_EYES_ROLES cannot be granted at all, except by the demo seed. */
  approvals?: RoleGrantQueue | undefined;
}

export interface Actor {
  id: string;
  requestId?: string | undefined;
}

/** A user as created or changed, and the approval it waits for when a second administrator must agree. */
export type UserChange = UserView & { approvalId?: string };

export function toUserView(row: UsersTable): UserView {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    party: row.party,
    agency: row.agency,
    role: row.role,
    lanes: JSON.parse(row.lanes) as string[],
    status: row.status,
    demo: row.demo,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: row.created_at,
    lastSignInAt: row.last_sign_in_at,
  };
}

/** Local accounts: created and disabled by administrators, published to the peer's directory when public. */
export class UsersService {
  constructor(private readonly deps: UsersDeps) {}

  private validate(request: Pick<CreateUserRequest, "role" | "agency" | "lanes">): {
    agency: string | null;
    lanes: string[];
  } {
    if (!(ROLES as readonly string[]).includes(request.role)) {
      throw badRequest("LIAISON_IDENTITY_UNKNOWN_ROLE", `unknown role ${request.role}; roles: ${ROLES.join(", ")}`);
    }
    if (!request.agency) {
      if (!ROLES_WITHOUT_AGENCY.has(request.role)) {
        throw badRequest("LIAISON_IDENTITY_AGENCY_REQUIRED", `a user with role ${request.role} belongs to an agency`);
      }
      if (request.lanes?.length) throw badRequest("LIAISON_IDENTITY_UNKNOWN_LANE", "lanes come with an agency");
      return { agency: null, lanes: [] };
    }
    const agency = this.deps.directory.agency(request.agency);
    if (!agency || agency.party !== this.deps.party) {
      throw badRequest(
        "LIAISON_IDENTITY_UNKNOWN_AGENCY",
        `${request.agency} is not an agency of ${this.deps.party} in the domain directory`,
      );
    }
    const lanes = request.lanes ?? agency.lanes;
    const foreign = lanes.filter((l) => !agency.lanes.includes(l));
    if (foreign.length > 0) {
      throw badRequest(
        "LIAISON_IDENTITY_UNKNOWN_LANE",
        `${agency.acronym} does not serve the lane(s) ${foreign.join(", ")}; it serves ${agency.lanes.join(", ")}`,
      );
    }
    return { agency: agency.id, lanes: [...new Set(lanes)] };
  }

  private entryOf(row: UsersTable, version: number): DirectoryEntry {
    return {
      userId: row.id,
      party: row.party,
      username: row.username,
      displayName: row.display_name,
      role: row.role,
      agency: row.agency,
      lanes: JSON.parse(row.lanes) as string[],
      active: row.status === "active",
      version,
    };
  }

  /**
   * A new account. With a role of FOUR_EYES_ROLES it is created `pending` (it cannot log in) and waits for a second
   * administrator's approval; only the node's first two administrator accounts are granted at once, since until
   * then there is no second administrator (docs/identity.md). The demo seed grants its cast directly.
   */
  async create(request: CreateUserRequest, actor: Actor, options: { demo?: boolean } = {}): Promise<UserChange> {
    const { agency, lanes } = this.validate(request);
    assertStrongPassword(request.password, request.username);
    if (await findUserByUsername(this.deps.db, request.username)) {
      throw conflict("LIAISON_IDENTITY_USERNAME_TAKEN", `the username ${request.username} is taken`);
    }
    const fourEyes = !options.demo && FOUR_EYES_ROLES.has(request.role);
    const approvals = this.deps.approvals;
    if (fourEyes && !approvals && request.role !== "administrator") {
      throw new LiaisonError("LIAISON_APPROVALS_NO_HANDLER", 500, "role grants need the approvals module");
    }
    const at = this.deps.clock.now();
    const row: UsersTable = {
      id: uuidv7(at.getTime()),
      username: request.username,
      display_name: request.displayName ?? request.username,
      party: this.deps.party,
      agency,
      role: request.role,
      lanes: JSON.stringify(lanes),
      password_hash: await hashPassword(request.password, this.deps.passwordHashCost),
      status: "active",
      demo: options.demo ?? false,
      created_at: at,
      updated_at: at,
      password_changed_at: at,
      created_by: actor.id,
      updated_by: actor.id,
      last_sign_in_at: null,
    };
    const published = this.deps.directory.isPublished(row.role);
    const entry = this.entryOf(row, 1);
    const sealed = published ? await this.deps.directory.sealForPeers([entry]) : [];
    let approvalId: string | undefined;
    await this.deps.changes.run(async (change) => {
      if (await findUserByUsername(change.tx, row.username)) {
        throw conflict("LIAISON_IDENTITY_USERNAME_TAKEN", `the username ${row.username} is taken`);
      }
      // Counted in the change that inserts, so two concurrent requests cannot both be "the second".
      const bootstrap = fourEyes && row.role === "administrator" && (await countAdministratorAccounts(change.tx)) < 2;
      if (fourEyes && !bootstrap) {
        if (!approvals) throw new LiaisonError("LIAISON_APPROVALS_NO_HANDLER", 500, "role grants need approvals");
        row.status = "pending";
      }
      await insertUser(change.tx, row);
      if (row.status === "pending" && approvals) {
        ({ approvalId } = await approvals.requestRoleGrant(change, actor, this.grantOf(row, null)));
      }
      if (published) await this.deps.directory.recordLocal(change, entry, sealed);
      change.audit({
        actor: actor.id,
        action: "user.create",
        subject: row.id,
        outcome: row.status === "pending" ? "four-eyes" : "success",
        requestId: actor.requestId,
        details: {
          username: row.username,
          role: row.role,
          agency: row.agency,
          demo: row.demo,
          status: row.status,
          ...(bootstrap ? { bootstrap: true } : {}),
          ...(approvalId ? { approvalId } : {}),
        },
      });
    });
    return { ...toUserView(row), ...(approvalId ? { approvalId } : {}) };
  }

  /**
   * Change an account's role (and agency, lanes). To or from a role of FOUR_EYES_ROLES it waits for a second
   * administrator's approval and the account keeps its role until then; any other change applies at once.
   */
  async changeRole(id: string, request: ChangeRoleRequest, actor: Actor): Promise<UserChange> {
    const user = await findUserById(this.deps.db, id);
    if (!user) throw notFound("LIAISON_IDENTITY_USER_NOT_FOUND", `no user ${id}`);
    const { agency, lanes } = this.validate(request);
    const pending = user.status === "pending" || (await this.deps.approvals?.pendingRoleGrant(id)) !== undefined;
    if (pending) {
      throw conflict("LIAISON_IDENTITY_GRANT_PENDING", "a role grant for this account is waiting for approval");
    }
    const target: UsersTable = { ...user, role: request.role, agency, lanes: JSON.stringify(lanes) };
    if (FOUR_EYES_ROLES.has(user.role) || FOUR_EYES_ROLES.has(request.role)) {
      const approvals = this.deps.approvals;
      if (!approvals) throw new LiaisonError("LIAISON_APPROVALS_NO_HANDLER", 500, "role grants need approvals");
      const approvalId = await this.deps.changes.run(async (change) => {
        const queued = await approvals.requestRoleGrant(change, actor, this.grantOf(target, user.role));
        change.audit({
          actor: actor.id,
          action: "user.role.request",
          subject: id,
          outcome: "four-eyes",
          requestId: actor.requestId,
          details: { username: user.username, from: user.role, to: request.role, approvalId: queued.approvalId },
        });
        return queued.approvalId;
      });
      return { ...toUserView(user), approvalId };
    }
    const sealed = await this.sealRoleChange(this.deps.db, user, target);
    await this.deps.changes.run(async (change) => {
      await this.applyRole(change, user, target, actor.id, sealed);
      change.audit({
        actor: actor.id,
        action: "user.role.change",
        subject: id,
        outcome: "success",
        requestId: actor.requestId,
        details: { username: user.username, from: user.role, to: request.role, agency },
      });
    });
    return toUserView({ ...target, updated_by: actor.id });
  }

  /** Completes a role grant inside the approval's change (registered with the approvals module). */
  async roleGrantDecided(change: ChangeContext, outcome: ApprovalOutcome): Promise<void> {
    const grant = await this.deps.approvals?.roleGrant(change.tx, outcome.approvalId);
    const user = await findUserById(change.tx, outcome.subjectId);
    if (!grant || !user) return;
    const audit = (action: string, details: Record<string, unknown>) =>
      change.audit({
        actor: outcome.approver.id,
        action,
        subject: user.id,
        outcome: "success",
        requestId: outcome.approver.requestId,
        details: { username: user.username, approvalId: outcome.approvalId, role: grant.role, ...details },
      });
    if (!outcome.approved) {
      // A refused new account never becomes usable; a refused change leaves the account as it was.
      if (user.status === "pending") {
        await updateUser(change.tx, user.id, {
          status: "disabled",
          updated_at: change.at,
          updated_by: outcome.approver.id,
        });
      }
      audit("user.role.refused", { previousRole: grant.previousRole });
      return;
    }
    const target: UsersTable = {
      ...user,
      role: grant.role,
      agency: grant.agency,
      lanes: JSON.stringify(grant.lanes),
      status: user.status === "pending" ? "active" : user.status,
    };
    const sealed = await this.sealRoleChange(change.tx, user, target);
    await this.applyRole(change, user, target, outcome.approver.id, sealed);
    audit("user.role.grant", { previousRole: grant.previousRole, status: target.status });
  }

  private grantOf(row: UsersTable, previousRole: string | null): RoleGrant {
    return {
      userId: row.id,
      username: row.username,
      role: row.role,
      previousRole,
      agency: row.agency,
      lanes: JSON.parse(row.lanes) as string[],
    };
  }

  /** The directory entry to publish when the change makes the account appear, change or leave there. */
  private async sealRoleChange(db: Db | ChangeContext["tx"], before: UsersTable, after: UsersTable) {
    const directory = this.deps.directory;
    if (!directory.isPublished(before.role) && !directory.isPublished(after.role)) return undefined;
    const entry = this.entryOf(after, await directory.nextVersion(db, after.id));
    return { entry, sealed: await directory.sealForPeers([entry]) };
  }

  private async applyRole(
    change: ChangeContext,
    before: UsersTable,
    after: UsersTable,
    by: string,
    sealed: Awaited<ReturnType<UsersService["sealRoleChange"]>>,
  ): Promise<void> {
    await updateUser(change.tx, before.id, {
      role: after.role,
      agency: after.agency,
      lanes: after.lanes,
      status: after.status,
      updated_at: change.at,
      updated_by: by,
    });
    // What the account may do changed: its sessions end, so nothing keeps acting under the old role.
    if (before.role !== after.role || before.agency !== after.agency)
      await revokeUserSessions(change.tx, before.id, change.at);
    if (sealed) await this.deps.directory.recordLocal(change, sealed.entry, sealed.sealed);
  }

  /** The account of this username, for modules that act as a named user (the demo's seeded threads). */
  async findByUsername(username: string) {
    return findUserByUsername(this.deps.db, username);
  }

  /** For the approvals module: who created and who last changed each of these accounts. */
  async changersOf(ids: string[]): Promise<Map<string, string[]>> {
    const rows = await accountChangers(this.deps.db, ids);
    return new Map(rows.map((r) => [r.id, [r.created_by, r.updated_by].filter((v): v is string => v !== null)]));
  }

  async list(): Promise<UserView[]> {
    return (await listUsers(this.deps.db)).map(toUserView);
  }

  async disable(id: string, actor: Actor): Promise<UserView> {
    const user = await findUserById(this.deps.db, id);
    if (!user) throw notFound("LIAISON_IDENTITY_USER_NOT_FOUND", `no user ${id}`);
    if (user.status === "disabled") return toUserView(user);
    const updated: UsersTable = {
      ...user,
      status: "disabled",
      updated_at: this.deps.clock.now(),
      updated_by: actor.id,
    };
    const published = this.deps.directory.isPublished(user.role);
    const entry = this.entryOf(updated, await this.deps.directory.nextVersion(this.deps.db, id));
    const sealed = published ? await this.deps.directory.sealForPeers([entry]) : [];
    await this.deps.changes.run(async (change) => {
      await updateUser(change.tx, id, { status: "disabled", updated_at: change.at, updated_by: actor.id });
      const revoked = await revokeUserSessions(change.tx, id, change.at);
      if (published) await this.deps.directory.recordLocal(change, entry, sealed);
      change.audit({
        actor: actor.id,
        action: "user.disable",
        subject: id,
        outcome: "success",
        requestId: actor.requestId,
        details: { username: user.username, sessionsRevoked: revoked },
      });
    });
    return toUserView(updated);
  }

  /** An administrator's reset: the user's sessions end with the old password. */
  async resetPassword(id: string, password: string, actor: Actor): Promise<void> {
    const user = await findUserById(this.deps.db, id);
    if (!user) throw notFound("LIAISON_IDENTITY_USER_NOT_FOUND", `no user ${id}`);
    assertStrongPassword(password, user.username);
    const hash = await hashPassword(password, this.deps.passwordHashCost);
    await this.deps.changes.run(async (change) => {
      await updateUser(change.tx, id, {
        password_hash: hash,
        password_changed_at: change.at,
        updated_at: change.at,
        updated_by: actor.id,
      });
      const revoked = await revokeUserSessions(change.tx, id, change.at);
      change.audit({
        actor: actor.id,
        action: "user.password-reset",
        subject: id,
        outcome: "success",
        requestId: actor.requestId,
        details: { username: user.username, sessionsRevoked: revoked },
      });
    });
  }

  /** A production node must not carry accounts whose passwords sit in a demo file. */
  async assertNoDemoAccounts(): Promise<void> {
    if (this.deps.mode !== "production") return;
    const count = await countDemoUsers(this.deps.db);
    if (count > 0) {
      throw new LiaisonError(
        "LIAISON_IDENTITY_DEMO_ACCOUNTS_IN_PRODUCTION",
        500,
        `this database holds ${count} demo account(s); a production node refuses to start with them: use a fresh database`,
      );
    }
  }
}
