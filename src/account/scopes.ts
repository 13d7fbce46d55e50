// API key scopes. Stored lowercase; whoami reports them under OFAuth's upper-case permission names.
export const SCOPES = ['account', 'link', 'access', 'rules', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const PERMISSION_NAME: Record<Scope, string> = {
  account: 'ACCOUNT',
  link: 'LINK',
  access: 'ACCESS',
  rules: 'DYNAMIC_RULES',
  admin: 'ADMIN',
};

export function permissionNamesOf(scopes: readonly string[]): string[] {
  return SCOPES.filter((s) => scopes.includes(s)).map((s) => PERMISSION_NAME[s]);
}
