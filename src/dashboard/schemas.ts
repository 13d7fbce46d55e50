// TypeBox schemas for the dashboard's session routes: one source for validation, types and the OpenAPI document.
import { Type } from 'typebox';
import { Nullable, Timestamp } from '../platform/http/schema-kit.ts';

export const DashboardSession = Type.Object(
  {
    orgId: Type.String(),
    orgName: Nullable(Type.String()),
    keyId: Type.String({ description: 'The admin API key the session acts as (its secret is not kept)' }),
    environment: Type.Union([Type.Literal('sandbox'), Type.Literal('live')], { description: 'The only environment the session reaches' }),
    expiresAt: Timestamp,
    csrfToken: Type.String({ description: 'Send it in the x-csrf-token header of every POST, PATCH, PUT and DELETE' }),
  },
  { $id: 'DashboardSession' },
);

/** Sign-in takes the key in the apikey header and nothing in the body. */
export const SignInBody = Type.Object({}, { additionalProperties: false });

export const SignedOut = Type.Object({ signedOut: Type.Boolean() });
