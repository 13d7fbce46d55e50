// Request ids: honour a well-formed incoming x-request-id (tracing across services), else mint req_….
import { newId } from '../ids.ts';

const SAFE_REQUEST_ID = /^[A-Za-z0-9_.:-]{6,128}$/;

export function requestIdFor(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && SAFE_REQUEST_ID.test(value) ? value : newId('request', 24);
}
