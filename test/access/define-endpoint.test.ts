// defineEndpoint's compile-time guarantees (checked by `tsc --noEmit`: an @ts-expect-error that stops being an
// error fails the type check), and that an entry's typed input is what the route validated.
import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { defineEndpoint, type ManagedEndpoint, type UpstreamCallSpec } from '../../src/access/endpoints/define-endpoint.ts';
import type { UsableConnection } from '../../src/access/access-pipeline.ts';

const Params = Type.Object({ userId: Type.String() });
const Query = Type.Object({ limit: Type.Optional(Type.Integer()) });
const Reply = Type.Object({ id: Type.Number(), name: Type.String() });
const base = { method: 'GET', url: '/v2/access/example/:userId', tag: 'Access: example', summary: 'Example', permission: 'profile:read' } as const;

/** Never called: its body only has to compile (or, where marked, not compile). */
export function entriesThatMustNotCompile(): ManagedEndpoint[] {
  return [
    // @ts-expect-error neither `upstream` nor `run`
    defineEndpoint({ ...base, reply: Reply }),
    // @ts-expect-error both `upstream` and `run`
    defineEndpoint({ ...base, reply: Reply, upstream: () => ({ method: 'GET', path: '/x' }), shape: () => ({ id: 1, name: 'a' }), run: async () => ({ id: 1, name: 'a' }) }),
    // @ts-expect-error `shape` may only be left out when any upstream object is a valid reply
    defineEndpoint({ ...base, reply: Reply, upstream: () => ({ method: 'GET', path: '/x' }) }),
    // @ts-expect-error the shaper's result must match the reply schema (name is a string)
    defineEndpoint({ ...base, reply: Reply, upstream: () => ({ method: 'GET', path: '/x' }), shape: () => ({ id: 1, name: 2 }) }),
    // @ts-expect-error params are typed from the params schema
    defineEndpoint({ ...base, params: Params, reply: Reply, run: async ({ params }) => ({ id: 1, name: params.postId }) }),
    // @ts-expect-error a permission outside account/'s areas
    defineEndpoint({ ...base, permission: 'profile:admin', reply: Reply, run: async () => ({ id: 1, name: 'a' }) }),
  ];
}

describe('defineEndpoint', () => {
  it('hands the upstream call the validated params and query, and shapes upstream\'s reply', async () => {
    const calls: UpstreamCallSpec[] = [];
    const endpoint = defineEndpoint({
      ...base,
      params: Params,
      querystring: Query,
      reply: Reply,
      upstream: ({ params, query }) => ({ method: 'GET', path: `/users/${params.userId}`, query: { limit: query.limit } }),
      shape: (body) => ({ id: 7, name: typeof body === 'string' ? body : '' }),
    });
    const connection = {} as UsableConnection;
    const reply = await endpoint.respond({ params: { userId: '42' }, query: { limit: 3 }, body: undefined }, connection, async (call) => {
      calls.push(call);
      return 'alice';
    });
    expect(calls).toEqual([{ method: 'GET', path: '/users/42', query: { limit: 3 } }]);
    expect(reply).toEqual({ id: 7, name: 'alice' });
    expect(endpoint).toMatchObject({ method: 'GET', params: Params, querystring: Query, reply: Reply });
    expect(endpoint.body).toBeUndefined();
  });
});
