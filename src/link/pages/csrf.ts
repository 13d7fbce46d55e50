// CSRF protection for the Link forms without cookies (third-party cookies are unreliable inside an embed iframe):
// the token is the Link session id sealed by the vault (AES-GCM), so it cannot be forged, only read from the page
// itself, which other sites cannot do. Any node with the vault keys can check it.
import type { Vault } from '../../platform/vault.ts';

const PURPOSE = 'link-form';

export function issueFormToken(vault: Vault, linkSessionId: string): string {
  return vault.encrypt(linkSessionId, PURPOSE).blob;
}

export function isValidFormToken(vault: Vault, linkSessionId: string, token: unknown): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 512) return false;
  try {
    return vault.decrypt(token, PURPOSE) === linkSessionId;
  } catch {
    return false;
  }
}
