// The signed-in session as GET/POST /dashboard/session describe it (src/dashboard/schemas.ts).
export interface SessionInfo {
  orgId: string;
  orgName: string | null;
  keyId: string;
  environment: 'sandbox' | 'live';
  expiresAt: string;
  csrfToken: string;
}
