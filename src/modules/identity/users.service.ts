import type { Clock } from "../../core/clock.ts";
import { badRequest, conflict, LiaisonError, notFound } from "../../core/errors.ts";
import { uuidv7 } from "../../core/ids.ts";
import type { ChangeRunner } from "../../db/changes.ts";
import type { Db } from "../../db/database.ts";
import type { DirectoryEntry } from "../directory/directory.schema.ts";
import type { DirectoryService } from "../directory/directory.service.ts";
import type { CreateUserRequest, UserView } from "./identity.schema.ts";
import { assertStrongPassword, hashPassword } from "./passwords.ts";
import { ROLES } from "./principal.ts";
import { revokeUserSessions } from "./sessions.repository.ts";
import {
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

export interface UsersDeps {
  db: Db;
  clock: Clock;
  party: string;
  mode: string;
  changes: ChangeRunner;
  directory: DirectoryService;
}

export interface Actor {
  id: string;
  requestId?: string | undefined;
}

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
    createdAt: row.created_at,
  };
}

/** Local accounts: created and disabled by administrators, published to the peer's directory when public. */
export class UsersService {
  constructor(private readonly deps: UsersDeps) {}

  private validate(request: CreateUserRequest): { agency: string | null; lanes: string[] } {
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

  async create(request: CreateUserRequest, actor: Actor, options: { demo?: boolean } = {}): Promise<UserView> {
    const { agency, lanes } = this.validate(request);
    assertStrongPassword(request.password, request.username);
    if (await findUserByUsername(this.deps.db, request.username)) {
      throw conflict("LIAISON_IDENTITY_USERNAME_TAKEN", `the username ${request.username} is taken`);
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
      password_hash: await hashPassword(request.password),
      status: "active",
      demo: options.demo ?? false,
      created_at: at,
      updated_at: at,
      password_changed_at: at,
    };
    const published = this.deps.directory.isPublished(row.role);
    const entry = this.entryOf(row, 1);
    const sealed = published ? await this.deps.directory.sealForPeers([entry]) : [];
    await this.deps.changes.run(async (change) => {
      if (await findUserByUsername(change.tx, row.username)) {
        throw conflict("LIAISON_IDENTITY_USERNAME_TAKEN", `the username ${row.username} is taken`);
      }
      await insertUser(change.tx, row);
      if (published) await this.deps.directory.recordLocal(change, entry, sealed);
      change.audit({
        actor: actor.id,
        action: "user.create",
        subject: row.id,
        outcome: "success",
        requestId: actor.requestId,
        details: { username: row.username, role: row.role, agency: row.agency, demo: row.demo },
      });
    });
    return toUserView(row);
  }

  async list(): Promise<UserView[]> {
    return (await listUsers(this.deps.db)).map(toUserView);
  }

  async disable(id: string, actor: Actor): Promise<UserView> {
    const user = await findUserById(this.deps.db, id);
    if (!user) throw notFound("LIAISON_IDENTITY_USER_NOT_FOUND", `no user ${id}`);
    if (user.status === "disabled") return toUserView(user);
    const updated: UsersTable = { ...user, status: "disabled", updated_at: this.deps.clock.now() };
    const published = this.deps.directory.isPublished(user.role);
    const entry = this.entryOf(updated, await this.deps.directory.nextVersion(this.deps.db, id));
    const sealed = published ? await this.deps.directory.sealForPeers([entry]) : [];
    await this.deps.changes.run(async (change) => {
      await updateUser(change.tx, id, { status: "disabled", updated_at: change.at });
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
    const hash = await hashPassword(password);
    await this.deps.changes.run(async (change) => {
      await updateUser(change.tx, id, { password_hash: hash, password_changed_at: change.at, updated_at: change.at });
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
