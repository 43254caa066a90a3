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
  status: "active" | "disabled";
  demo: boolean;
  createdAt: Date;
}
