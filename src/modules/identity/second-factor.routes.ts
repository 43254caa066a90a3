import type { App } from "../../http/app.ts";
import { authorizeNodeOperation, principalOf } from "../../http/guards.ts";
import { problems } from "../../http/problem.schema.ts";
import {
  RecoveryCodes,
  TotpCodeRequest,
  TotpEnrolment,
  TotpReset,
  TotpStatus,
  UserIdParams,
} from "./identity.schema.ts";
import type { IdentityService } from "./identity.service.ts";

/**
 * Enrolling and managing one's second factor (TOTP). These routes serve a session restricted to enrolment too
 * (`secondFactorEnrolment`), since an administrator or approver signs in with the password alone to enrol.
 */
export function secondFactorRoutes(identity: IdentityService) {
  const factors = identity.secondFactor;
  return async (app: App) => {
    const enrol = { auth: true, secondFactorEnrolment: true } as const;
    app.get(
      "/api/v1/auth/totp",
      { config: enrol, schema: { tags: ["auth"], response: { 200: TotpStatus } } },
      async (request) => factors.status(principalOf(request)),
    );

    app.post(
      "/api/v1/auth/totp/enrolment",
      {
        config: enrol,
        schema: {
          tags: ["auth"],
          response: { 201: TotpEnrolment, ...problems({ 409: ["LIAISON_AUTH_TOTP_ALREADY_ENROLLED"] }) },
        },
      },
      async (request, reply) => reply.status(201).send(await factors.startEnrolment(principalOf(request))),
    );

    app.post(
      "/api/v1/auth/totp/enrolment/confirm",
      {
        config: enrol,
        schema: {
          tags: ["auth"],
          body: TotpCodeRequest,
          response: {
            200: RecoveryCodes,
            ...problems({
              403: ["LIAISON_AUTH_TOTP_CODE_WRONG"],
              409: ["LIAISON_AUTH_TOTP_NOT_STARTED", "LIAISON_AUTH_TOTP_ALREADY_ENROLLED"],
            }),
          },
        },
      },
      async (request) => factors.confirmEnrolment(principalOf(request), request.body.code),
    );

    app.post(
      "/api/v1/auth/totp/recovery-codes",
      {
        config: { auth: true },
        schema: {
          tags: ["auth"],
          body: TotpCodeRequest,
          response: { 200: RecoveryCodes, ...problems({ 403: ["LIAISON_AUTH_TOTP_CODE_WRONG"] }) },
        },
      },
      async (request) => factors.renewRecoveryCodes(principalOf(request), request.body.code),
    );

    app.post(
      "/api/v1/users/:id/totp/reset",
      {
        config: { auth: true },
        schema: {
          tags: ["users"],
          params: UserIdParams,
          response: {
            200: TotpReset,
            ...problems({ 403: ["LIAISON_AUTH_TOTP_SELF_RESET"], 404: ["LIAISON_IDENTITY_USER_NOT_FOUND"] }),
          },
        },
      },
      async (request) => {
        const admin = await authorizeNodeOperation(request, "user.manage");
        return factors.reset(request.params.id, { id: admin.id, requestId: String(request.id) });
      },
    );
  };
}
