// What a tool call answers: the reply as JSON text (every client reads it) and as structured content (clients that
// read JSON), or, for a refusal, a tool error (`isError`) carrying the public error body the HTTP route would send,
// its HTTP status, and when to retry — an agent reads the same code, message and details a developer would.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiError, errorBody, type ErrorBody } from '../platform/errors.ts';

/** The X-RateLimit-* headers of an Access reply, for the agent to pace itself (the result's _meta). */
export interface RateLimitState {
  limit: number;
  remaining: number;
  reset: number;
}

export const RATE_LIMIT_META = 'ofconnect/rate-limit';

/** The error a tool call returns: the public error body, with the HTTP status and Retry-After the route sent. */
export interface ToolErrorContent extends ErrorBody {
  status: number;
  /** Seconds to wait before calling again (a 429's Retry-After). */
  retryAfterSeconds?: number;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function toolSuccess(reply: unknown, rateLimit: RateLimitState | null = null): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(reply) }],
    // Structured content must be an object: a list reply (users search, stories) is the text alone.
    ...(isPlainObject(reply) ? { structuredContent: reply } : {}),
    ...(rateLimit ? { _meta: { [RATE_LIMIT_META]: rateLimit } } : {}),
  };
}

export function toolError(content: ToolErrorContent, rateLimit: RateLimitState | null = null): CallToolResult {
  const retry = content.retryAfterSeconds === undefined ? '' : ` Retry in ${content.retryAfterSeconds} s.`;
  return {
    isError: true,
    content: [
      { type: 'text', text: `${content.status} ${content.code}: ${content.message}${retry}` },
      { type: 'text', text: JSON.stringify(content) },
    ],
    structuredContent: { ...content },
    ...(rateLimit ? { _meta: { [RATE_LIMIT_META]: rateLimit } } : {}),
  };
}

/** A refusal decided by the MCP layer itself (an unknown argument, a write on the read-only endpoint). */
export function toolRefusal(error: ApiError, requestId: string): CallToolResult {
  const retryAfter = error.headers?.['retry-after'];
  return toolError({
    status: error.status,
    ...errorBody(error, requestId),
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: Number(retryAfter) }),
  });
}
