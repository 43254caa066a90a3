import { z } from "zod";

export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, "a username has 3-64 characters: letters, digits, dot, dash, underscore");

/** Role, agency and password are checked by the service, which answers with a precise code for each. */
export const CreateUserRequest = z
  .object({
    username: Username,
    displayName: z.string().trim().min(1).max(200).optional(),
    role: z.string().min(1).max(64),
    agency: z.string().min(1).max(64).optional(),
    lanes: z.array(z.string().min(1).max(64)).max(20).optional(),
    password: z.string().max(1024),
  })
  .strict();
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

/** A new role for an account; agency and lanes as for a new account (checked by the service). */
export const ChangeRoleRequest = z
  .object({
    role: z.string().min(1).max(64),
    agency: z.string().min(1).max(64).optional(),
    lanes: z.array(z.string().min(1).max(64)).max(20).optional(),
  })
  .strict();
export type ChangeRoleRequest = z.infer<typeof ChangeRoleRequest>;

export const LoginRequest = z.object({ username: z.string().max(200), password: z.string().max(1024) }).strict();

export const ChangePasswordRequest = z
  .object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) })
  .strict();

export const UserIdParams = z.object({ id: z.uuid() });

/** An API token is named by its id (`liaison tokens list`), never by the secret. */
export const TokenIdParams = z.object({ id: z.uuid() });

/** A user as the admin API shows it: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  party: string;
  agency: string | null;
  role: string;
  lanes: string[];
  /** `pending`: waiting for a second administrator's approval of its role; it cannot log in yet. */
  status: "active" | "disabled" | "pending";
  demo: boolean;
  createdAt: Date;
  /** Who created the account and who last changed it (four eyes per person, docs/identity.md). */
  createdBy: string | null;
  updatedBy: string | null;
}
