// A small typed client of the BoxerConnect API, as a front end would write it (docs/clients.md).
// scripts/openapi-clients.sh generates ./schema.d.ts from openapi.yaml (openapi-typescript) and
// type-checks this file against it (tsc, strict): a contract change that breaks a client breaks
// this check.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type ErrorBody = Schemas["ErrorBody"];
export type ErrorCode = Schemas["ErrorCode"];
export type ValidationErrorBody = Schemas["ValidationErrorBody"];
export type Session = Schemas["SessionOutput"];
export type Boxer = Schemas["BoxerOutput"];

/** Every error but a validation error is `{detail, code}`; a 400 may name fields instead. */
export function isErrorBody(body: unknown): body is ErrorBody {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { code?: unknown }).code === "string" &&
    typeof (body as { detail?: unknown }).detail === "string"
  );
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "validation",
    readonly body: ErrorBody | ValidationErrorBody,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(isErrorBody(body) ? body.detail : "Some fields are invalid.");
  }
}

function toApiError(response: Response, body: ErrorBody | ValidationErrorBody): ApiError {
  const retryAfter = response.headers.get("Retry-After");
  const code = isErrorBody(body) ? body.code : "validation";
  return new ApiError(response.status, code, body, retryAfter === null ? null : Number(retryAfter));
}

/** The tokens of the current login; the refresh token rotates on every refresh. */
export interface Tokens {
  access: string;
  refresh: string;
}

export function createApi(baseUrl: string, tokens: { current: Tokens | null }) {
  const client = createClient<paths>({ baseUrl });
  const bearer: Middleware = {
    onRequest({ request }) {
      if (tokens.current !== null) {
        request.headers.set("Authorization", `Bearer ${tokens.current.access}`);
      }
      return request;
    },
  };
  client.use(bearer);

  return {
    /** POST /api/v1/auth/login/: a 401 `authentication_failed`, a 429 `throttled` with Retry-After. */
    async login(email: string, password: string): Promise<Session> {
      const { data, error, response } = await client.POST("/api/v1/auth/login/", {
        body: { email, password },
      });
      if (error !== undefined) {
        throw toApiError(response, error);
      }
      tokens.current = { access: data.access, refresh: data.refresh };
      return data;
    },

    /** POST /api/v1/auth/refresh/: keep the newest pair; a reused refresh token ends the login. */
    async refresh(): Promise<void> {
      if (tokens.current === null) {
        throw new Error("not logged in");
      }
      const { data, error, response } = await client.POST("/api/v1/auth/refresh/", {
        body: { refresh: tokens.current.refresh },
      });
      if (error !== undefined) {
        tokens.current = null; // 401 token_not_valid: log in again
        throw toApiError(response, error);
      }
      tokens.current = { access: data.access, refresh: data.refresh };
    },

    /** GET /api/v1/boxers/: the public directory, anonymous or not; filters are typed. */
    async directory(page = 1): Promise<{ count: number; boxers: Boxer[] }> {
      const { data, error, response } = await client.GET("/api/v1/boxers/", {
        params: { query: { is_verified: true, experience_level: "amateur", gender: "female", page } },
      });
      if (error !== undefined) {
        throw toApiError(response, error);
      }
      return { count: data.count, boxers: data.results };
    },
  };
}

/** The error branch a screen shows: by `code`, never by the wording of `detail`. */
export function describe(error: ApiError): string {
  switch (error.code) {
    case "authentication_failed":
      return "Wrong email or password.";
    case "throttled":
      return `Too many attempts: try again in ${error.retryAfterSeconds ?? 60} seconds.`;
    case "validation":
      return Object.keys(error.body).join(", ") + " invalid";
    default:
      return error.message;
  }
}

export async function demo(baseUrl: string): Promise<string[]> {
  const tokens: { current: Tokens | null } = { current: null };
  const api = createApi(baseUrl, tokens);
  const lines: string[] = [];
  const { count, boxers } = await api.directory(); // no token needed
  lines.push(`${count} boxers`);
  for (const boxer of boxers) {
    lines.push(`${boxer.name}: ${boxer.wins}-${boxer.losses}-${boxer.draws}, ${boxer.club?.name ?? "no club"}`);
  }
  try {
    const session = await api.login("sam.taylor@example.org", "correct horse battery staple");
    lines.push(`logged in as ${session.user.name} (${session.user.role})`);
    await api.refresh();
  } catch (caught) {
    if (caught instanceof ApiError) {
      lines.push(describe(caught));
    } else {
      throw caught;
    }
  }
  return lines;
}

// --- What the generated types must say (each line fails to compile if the schema regresses) ---

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

type LoginResponses = paths["/api/v1/auth/login/"]["post"]["responses"];
type DirectoryQuery = NonNullable<paths["/api/v1/boxers/"]["get"]["parameters"]["query"]>;
type ClubQuery = NonNullable<paths["/api/v1/clubs/"]["get"]["parameters"]["query"]>;

// The login's failures are typed: 401 and 429 are error bodies, 429 with Retry-After.
expectType<Equals<LoginResponses[401]["content"]["application/json"], ErrorBody>>();
expectType<Equals<LoginResponses[429]["content"]["application/json"], ErrorBody>>();
expectType<Equals<LoginResponses[429]["headers"]["Retry-After"], number>>();
// `code` is a union of the documented codes, not any string.
expectType<Equals<string extends ErrorCode ? true : false, false>>();
expectType<Equals<"authentication_failed" extends ErrorCode ? true : false, true>>();
// Boolean filters are booleans (not "true" | "false" strings).
expectType<Equals<DirectoryQuery["is_verified"], boolean | undefined>>();
expectType<Equals<ClubQuery["accepting_members"], boolean | undefined>>();
// Enums are the lowercase values docs/api.md lists; nullable references are nullable.
expectType<Equals<Boxer["experience_level"], "beginner" | "amateur" | "intermediate" | "advanced" | "professional">>();
expectType<Equals<Boxer["club"], Schemas["Ref"] | null>>();
