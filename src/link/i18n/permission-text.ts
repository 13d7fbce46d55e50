// How a connection permission reads to an end user ("See your posts"). A module of its own so the dashboard's consent
// preview words permissions exactly as the Link page does while bundling only the English catalogue.
import { en, type MessageKey } from './en.ts';
import { translatorOver, type Translate } from './format.ts';

const AREAS = ['profile', 'posts', 'messages', 'subscribers', 'earnings', 'analytics', 'vault', 'promotions', 'lists'] as const;

const english = translatorOver(en);

export function describePermission(permission: string, t: Translate = english): string {
  const [area, access] = permission.split(':');
  const what = (AREAS as readonly string[]).includes(area) ? t(`area.${area}` as MessageKey) : area;
  return t(access === 'write' ? 'perm.change' : 'perm.see', { what });
}
