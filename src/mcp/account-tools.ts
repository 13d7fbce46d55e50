// The two tools beyond the Access table that an agent needs to start: which connections it may act as
// (list_connections) and who it is (whoami). Both read the key's own organization and environment only, and neither
// calls OnlyFans, so neither is paced, metered or logged as an Access call.
//
// list_connections answers a key with the `access` scope (the MCP endpoint's), although the HTTP listing needs
// `account`: an Access key can already act as any connection of its org and environment by id, and the list shows
// no more than it needs to name one (id, username, status, permissions), none of the account settings.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { AuthContext } from '../account/authenticate.ts';
import { permissionNamesOf } from '../account/scopes.ts';
import { findOrg } from '../account/store.ts';
import { presentConnection } from '../connections/present.ts';
import { listConnections } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import { toolRefusal, toolSuccess } from './tool-results.ts';

const VISIBLE_STATUSES = ['active', 'expired', 'awaiting_2fa'] as const;

export const ListConnectionsArguments = Type.Object(
  {
    status: Type.Optional(Type.Union(VISIBLE_STATUSES.map((status) => Type.Literal(status)), { description: 'Only connections in this status' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'At most this many (1–100, default 20)' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'Skip this many (paging: hasMore says whether another page exists)' })),
  },
  { additionalProperties: false },
);

export const WhoamiArguments = Type.Object({}, { additionalProperties: false });

export interface AccountTool {
  name: string;
  title: string;
  description: string;
  inputSchema: TSchema;
}

export const LIST_CONNECTIONS: AccountTool = {
  name: 'list_connections',
  title: 'Connections',
  description:
    'The connected OnlyFans accounts this API key may act as (its organization and environment): id, username, status and ' +
    'the permissions granted, newest first. Pass an id as connectionId to the other tools.',
  inputSchema: ListConnectionsArguments,
};

export const WHOAMI: AccountTool = {
  name: 'whoami',
  title: 'Who am I',
  description: 'The API key\'s organization, environment and scopes, the connection this MCP endpoint is bound to (if any), and whether it is read-only.',
  inputSchema: WhoamiArguments,
};

export const ACCOUNT_TOOLS: readonly AccountTool[] = [LIST_CONNECTIONS, WHOAMI];

/** The arguments, checked against the tool's schema: the first problem as a 400 naming the field. */
function parsedArguments<S extends TSchema>(schema: S, args: Record<string, unknown>): Static<S> {
  const first = [...Value.Errors(schema, args)][0];
  if (first) {
    const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const extra = (first.params as { additionalProperties?: string[] }).additionalProperties?.[0];
    const field = extra ?? (path || 'arguments');
    throw new ApiError('BAD_REQUEST', `Invalid arguments: ${field} ${first.message}`, { details: { field, location: 'arguments' } });
  }
  return Value.Default(schema, structuredClone(args)) as Static<S>;
}

export async function listConnectionsTool(ctx: ServiceContext, auth: AuthContext, args: Record<string, unknown>, requestId: string): Promise<CallToolResult> {
  let input: Static<typeof ListConnectionsArguments>;
  try {
    input = parsedArguments(ListConnectionsArguments, args);
  } catch (error) {
    if (error instanceof ApiError) return toolRefusal(error, requestId);
    throw error;
  }
  const scope = { orgId: auth.orgId, environment: auth.environment };
  const { rows, hasMore } = await listConnections(ctx.database.db, scope, { status: input.status, limit: input.limit ?? 20, offset: input.offset ?? 0 });
  const list = rows.map(presentConnection).map((connection) => ({
    id: connection.id,
    username: connection.userData.username,
    name: connection.userData.name,
    status: connection.status,
    permissions: connection.permissions,
  }));
  return toolSuccess({ list, hasMore, environment: auth.environment });
}

export interface WhoamiFacts {
  boundConnectionId: string | null;
  isReadOnly: boolean;
  toolCount: number;
}

export async function whoamiTool(ctx: ServiceContext, auth: AuthContext, facts: WhoamiFacts, args: Record<string, unknown>, requestId: string): Promise<CallToolResult> {
  try {
    parsedArguments(WhoamiArguments, args);
  } catch (error) {
    if (error instanceof ApiError) return toolRefusal(error, requestId);
    throw error;
  }
  const org = await findOrg(ctx.database.db, auth.orgId);
  return toolSuccess({
    organization: { id: auth.orgId, name: org?.name ?? null },
    apiKey: { id: auth.keyId, environment: auth.environment, permissions: permissionNamesOf(auth.scopes) },
    connectionId: facts.boundConnectionId,
    readOnly: facts.isReadOnly,
    tools: facts.toolCount,
  });
}
