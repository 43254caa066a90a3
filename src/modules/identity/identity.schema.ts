import { z } from "zod";
import { Instant, itemsOf } from "../../http/response.schema.ts";

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
  lastSignInAt: Date | null;
}

// ---- Responses (the OpenAPI document and the web client's types come from them).

/** An account as the node shows it (UserView); never its password hash. */
export const UserViewSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  party: z.string(),
  agency: z.string().nullable(),
  role: z.string(),
  lanes: z.array(z.string()),
  status: z.enum(["active", "disabled", "pending"]),
  demo: z.boolean(),
  createdAt: Instant,
  createdBy: z.string().nullable(),
  updatedBy: z.string().nullable(),
  lastSignInAt: Instant.nullable(),
});
/** A created account or a role change; `approvalId` when a second administrator must approve it (202). */
export const UserChange = UserViewSchema.extend({ approvalId: z.uuid().optional() });
export const UserList = itemsOf(UserViewSchema);

/**
 * The session's token (also set as an HTTP-only cookie), its CSRF token and who logged in. With
 * `mustEnrolSecondFactor` the session may only enrol the second factor the user's role requires.
 */
export const LoginResponse = z.object({
  token: z.string(),
  csrfToken: z.string(),
  expiresAt: Instant,
  user: UserViewSchema,
  mustEnrolSecondFactor: z.boolean(),
});

/** 202 to a right password when the account has a second factor: answer the challenge with a code. */
export const SecondFactorChallengeResponse = z.object({
  secondFactor: z.literal("totp"),
  challenge: z.string(),
  expiresAt: Instant,
});

/** The second step of a sign-in: the challenge, and a code from the app or one recovery code. */
export const SecondFactorLoginRequest = z
  .object({
    challenge: z.string().min(1).max(200),
    code: z.string().max(20).optional(),
    recoveryCode: z.string().max(40).optional(),
  })
  .strict()
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: "give either code or recoveryCode",
  });

export const TotpStatus = z.object({
  enrolled: z.boolean(),
  /** The user's role requires a second factor (identity.totpRequiredRoles). */
  required: z.boolean(),
  recoveryCodesLeft: z.number().int(),
});

/** Shown once, at enrolment: the secret as text, as an otpauth:// URI and as a QR code (SVG data URL). */
export const TotpEnrolment = z.object({ secret: z.string(), otpauthUri: z.string(), qrCode: z.string() });

export const TotpCodeRequest = z.object({ code: z.string().max(20) }).strict();

/** Shown once; only their hashes are kept, and each works once. */
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });

export const TotpReset = z.object({ removed: z.boolean(), sessionsRevoked: z.number().int() });

/** Who the caller is (the principal, without its session id). */
export const Me = z.object({
  id: z.string(),
  username: z.string().optional(),
  displayName: z.string().optional(),
  role: z.string(),
  party: z.string(),
  agency: z.string().optional(),
  authMethod: z.enum(["api-token", "session-bearer", "session-cookie"]).optional(),
  requestId: z.string().optional(),
  accountChangers: z.array(z.string()).optional(),
  /** `totp-enrolment`: this session may only enrol the second factor the user's role requires. */
  restriction: z.literal("totp-enrolment").optional(),
});

export const PasswordChanged = z.object({ sessionsRevoked: z.number().int() });

/** An API token as listed: ids, owners and expiry, never the secret. */
export const TokenViewSchema = z.object({
  id: z.uuid(),
  principal: z.string(),
  role: z.string(),
  label: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  status: z.enum(["active", "expired", "revoked"]),
});
export const TokenList = itemsOf(TokenViewSchema);
