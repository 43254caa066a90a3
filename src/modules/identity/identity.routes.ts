import rateLimit from "@fastify/rate-limit";
import type { FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { App } from "../../http/app.ts";
import { authorizeNodeOperation, principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import { noContent } from "../../http/response.schema.ts";
import type { LoginResult } from "./auth.service.ts";
import { CSRF_COOKIE, SESSION_COOKIE } from "./authenticators.ts";
import {
  ChangePasswordRequest,
  ChangeRoleRequest,
  CreateUserRequest,
  LoginRequest,
  LoginResponse,
  Me,
  PasswordChanged,
  SecondFactorChallengeResponse,
  SecondFactorLoginRequest,
  UserChange,
  UserIdParams,
  UserList,
  UserViewSchema,
} from "./identity.schema.ts";
import type { IdentityService } from "./identity.service.ts";

export interface IdentityRoutesOptions {
  /** Mark cookies Secure: the node is reached over HTTPS (its own TLS, or a proxy in front). */
  secureCookies: boolean;
  loginRatePerMinute: number;
  /** The cookies live as long as the session may. */
  sessionTtlSeconds: number;
}

export function identityRoutes(identity: IdentityService, options: IdentityRoutesOptions) {
  const cookieOptions = (maxAgeSeconds: number, httpOnly: boolean) => ({
    path: "/",
    httpOnly,
    sameSite: "strict" as const,
    secure: options.secureCookies,
    maxAge: maxAgeSeconds,
  });
  const clearCookies = (reply: FastifyReply) => {
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    reply.clearCookie(CSRF_COOKIE, { path: "/" });
  };

  const signedIn = (reply: FastifyReply, result: LoginResult) => {
    const maxAge = options.sessionTtlSeconds;
    reply.setCookie(SESSION_COOKIE, result.token, cookieOptions(maxAge, true));
    reply.setCookie(CSRF_COOKIE, result.csrfToken, cookieOptions(maxAge, false));
    return reply.status(200).send(result);
  };

  return async (app: App) => {
    // The login route lives in its own scope so its per-address rate limit applies to it alone.
    await app.register(async (plain) => {
      const scope = plain.withTypeProvider<ZodTypeProvider>();
      await scope.register(rateLimit, { global: false });
      scope.post(
        "/api/v1/auth/login",
        {
          schema: {
            tags: ["auth"],
            body: LoginRequest,
            response: {
              200: LoginResponse,
              202: SecondFactorChallengeResponse,
              ...problems({
                401: ["LIAISON_AUTH_LOGIN_FAILED"],
                429: ["LIAISON_AUTH_LOCKED", "LIAISON_REQUEST_RATE_LIMITED"],
              }),
            },
          },
          config: { rateLimit: { max: options.loginRatePerMinute, timeWindow: 60_000 } },
        },
        async (request, reply) => {
          const result = await identity.auth.signIn(request.body.username, request.body.password, {
            ip: request.ip,
            requestId: String(request.id),
          });
          // A second factor is due: no session and no cookie until the code has been given.
          if ("challenge" in result) return reply.status(202).send(result);
          return signedIn(reply, result);
        },
      );
      scope.post(
        "/api/v1/auth/login/second-factor",
        {
          schema: {
            tags: ["auth"],
            body: SecondFactorLoginRequest,
            response: {
              200: LoginResponse,
              ...problems({
                401: ["LIAISON_AUTH_SECOND_FACTOR_FAILED", "LIAISON_AUTH_CHALLENGE_INVALID"],
                429: ["LIAISON_AUTH_LOCKED", "LIAISON_REQUEST_RATE_LIMITED"],
              }),
            },
          },
          config: { rateLimit: { max: options.loginRatePerMinute, timeWindow: 60_000 } },
        },
        async (request, reply) => {
          const { challenge, code, recoveryCode } = request.body;
          const answer = recoveryCode !== undefined ? { recoveryCode } : { code: code ?? "" };
          const result = await identity.auth.completeSecondFactor(challenge, answer, {
            ip: request.ip,
            requestId: String(request.id),
          });
          return signedIn(reply, result);
        },
      );
    });

    app.post(
      "/api/v1/auth/logout",
      { config: { auth: true, secondFactorEnrolment: true }, schema: { tags: ["auth"], response: { 204: noContent } } },
      async (request, reply) => {
        await identity.auth.logout(principalOf(request), String(request.id));
        clearCookies(reply);
        return reply.status(204).send();
      },
    );

    app.get(
      "/api/v1/auth/me",
      { config: { auth: true, secondFactorEnrolment: true }, schema: { tags: ["auth"], response: { 200: Me } } },
      async (request) => {
        const { sessionId: _session, ...principal } = principalOf(request);
        return principal;
      },
    );

    app.post(
      "/api/v1/auth/password",
      {
        config: { auth: true },
        schema: {
          tags: ["auth"],
          body: ChangePasswordRequest,
          response: { 200: PasswordChanged, ...problems({ 403: ["LIAISON_AUTH_WRONG_PASSWORD"] }) },
        },
      },
      async (request) => {
        const { currentPassword, newPassword } = request.body;
        return identity.auth.changePassword(principalOf(request), currentPassword, newPassword, String(request.id));
      },
    );

    app.post(
      "/api/v1/users",
      {
        config: { auth: true },
        schema: { tags: ["users"], body: CreateUserRequest, response: { 201: UserChange, 202: UserChange } },
      },
      async (request, reply) => {
        const admin = await authorizeNodeOperation(request, "user.manage");
        const user = await identity.users.create(request.body, { id: admin.id, requestId: String(request.id) });
        // 202: an approver, auditor or administrator account waits for a second administrator (approvalId).
        return reply.status(user.approvalId ? 202 : 201).send(user);
      },
    );

    app.get(
      "/api/v1/users",
      { config: { auth: true }, schema: { tags: ["users"], response: { 200: UserList } } },
      async (request) => {
        await authorizeNodeOperation(request, "user.manage");
        return { items: await identity.users.list() };
      },
    );

    app.post(
      "/api/v1/users/:id/role",
      {
        config: { auth: true },
        schema: {
          tags: ["users"],
          params: UserIdParams,
          body: ChangeRoleRequest,
          response: { 200: UserChange, 202: UserChange },
        },
      },
      async (request, reply) => {
        const admin = await authorizeNodeOperation(request, "user.manage");
        const user = await identity.users.changeRole(request.params.id, request.body, {
          id: admin.id,
          requestId: String(request.id),
        });
        return reply.status(user.approvalId ? 202 : 200).send(user);
      },
    );

    app.post(
      "/api/v1/users/:id/disable",
      { config: { auth: true }, schema: { tags: ["users"], params: UserIdParams, response: { 200: UserViewSchema } } },
      async (request) => {
        const admin = await authorizeNodeOperation(request, "user.manage");
        return identity.users.disable(request.params.id, { id: admin.id, requestId: String(request.id) });
      },
    );
  };
}
