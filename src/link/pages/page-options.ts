// What a Link page request says about how to render: embedded (and for which parent origin), the theme and the
// language. Carried on every link and form action of the flow so a post keeps the same embedding and language.
import type { ClientAppRow } from '../../account/store.ts';
import { localeFromAcceptLanguage, supportedLocaleOf, type Locale } from '../i18n/catalogue.ts';

export type Theme = 'light' | 'dark' | 'auto';

export interface PageOptions {
  isEmbed: boolean;
  /** The parent's origin, as the embed script sent it (checked against the app by embedRefusal). */
  embedOrigin: string | null;
  theme: Theme;
  locale: Locale;
  /** The locale came from the URL (init's `locale`), so links keep it; otherwise each request reads Accept-Language. */
  isLocaleFromUrl: boolean;
}

function originOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  try {
    const url = new URL(value);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}

export function readPageOptions(query: Record<string, unknown>, acceptLanguage?: string): PageOptions {
  const theme = query.theme === 'light' || query.theme === 'dark' ? query.theme : 'auto';
  const isEmbed = query.embed === 'true' || query.embed === '1';
  const fromUrl = typeof query.locale === 'string' ? supportedLocaleOf(query.locale) : null;
  return {
    isEmbed,
    embedOrigin: isEmbed ? originOrNull(query.embed_origin) : null,
    theme,
    locale: fromUrl ?? localeFromAcceptLanguage(acceptLanguage) ?? 'en',
    isLocaleFromUrl: fromUrl !== null,
  };
}

/** The query string that keeps these options on the next request ('' when there is nothing to keep). */
export function pageQuery(options: PageOptions, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (options.isEmbed) {
    params.set('embed', 'true');
    if (options.embedOrigin) params.set('embed_origin', options.embedOrigin);
  }
  if (options.theme !== 'auto') params.set('theme', options.theme);
  if (options.isLocaleFromUrl) params.set('locale', options.locale);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Why this embedding is refused, or null: the parent must be one of the app's allowed embed origins. */
export function embedRefusal(options: PageOptions, app: ClientAppRow): string | null {
  if (!options.isEmbed) return null;
  if (!options.embedOrigin) return 'The embed_origin parameter is missing or is not an origin.';
  if (!app.embedOrigins.includes(options.embedOrigin)) return `${options.embedOrigin} is not an allowed embed origin of ${app.name}.`;
  return null;
}
