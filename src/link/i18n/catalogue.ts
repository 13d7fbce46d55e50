// The Link pages' languages: one catalogue per language (en.ts is the reference; the others must have every key),
// and how a page picks one: the locale given on POST /v2/link/init (carried on the page URL), else the browser's
// Accept-Language, else English.
import { de } from './de.ts';
import { en, type MessageKey } from './en.ts';
import { es } from './es.ts';
import { translatorOver, type Translate } from './format.ts';
import { fr } from './fr.ts';
import { pt } from './pt.ts';

export type { MessageKey };
export type Catalogue = Record<MessageKey, string>;

export const SUPPORTED_LOCALES = ['en', 'es', 'pt', 'de', 'fr'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

const CATALOGUES: Record<Locale, Catalogue> = { en, es, pt, de, fr };

export function isSupportedLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** A locale as written (en, es-MX, pt_BR, DE) reduced to a supported language, or null. */
export function supportedLocaleOf(tag: string): Locale | null {
  const language = tag.trim().toLowerCase().split(/[-_]/)[0];
  return isSupportedLocale(language) ? language : null;
}

/** The best supported language of an Accept-Language header (by q, then order), or null. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { tag, q: q ? Number(q[1]) : 1, index };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const locale = supportedLocaleOf(entry.tag);
    if (locale) return locale;
  }
  return null;
}

export type { Translate };

export function translator(locale: Locale): Translate {
  return translatorOver(CATALOGUES[locale]);
}
