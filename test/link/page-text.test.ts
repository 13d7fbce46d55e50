// The Link pages' words without a browser: every language has every string with the same placeholders, the locale
// choice (init's locale, else Accept-Language, else English), and the 2FA page's resend rule for text messages.
import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage, SUPPORTED_LOCALES, supportedLocaleOf, translator } from '../../src/link/i18n/catalogue.ts';
import { en } from '../../src/link/i18n/en.ts';
import { readPageOptions } from '../../src/link/pages/page-options.ts';
import { twoFactorView, type FormContext, type PageFrame } from '../../src/link/pages/views.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('Link page text', () => {
  it('every language has every English string, none empty, with the same placeholders', async () => {
    for (const locale of SUPPORTED_LOCALES) {
      const catalogue = (await import(`../../src/link/i18n/${locale}.ts`))[locale] as Record<string, string>;
      expect(Object.keys(catalogue).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(catalogue)) {
        expect(text.trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(text), `${locale} ${key}`).toEqual(placeholders(en[key as keyof typeof en]));
      }
    }
  });

  it('the URL\'s locale wins, then Accept-Language by weight, then English; unknown languages are skipped', () => {
    expect(readPageOptions({ locale: 'pt' }, 'de-DE,de;q=0.9')).toMatchObject({ locale: 'pt', isLocaleFromUrl: true });
    expect(readPageOptions({}, 'ja-JP, fr;q=0.5, de;q=0.8')).toMatchObject({ locale: 'de', isLocaleFromUrl: false });
    expect(readPageOptions({ locale: 'xx' }, 'ja')).toMatchObject({ locale: 'en', isLocaleFromUrl: false });
    expect(localeFromAcceptLanguage('es-419,en;q=0.1')).toBe('es');
    expect(localeFromAcceptLanguage('fr;q=0, en;q=0.2')).toBe('en');
    expect(supportedLocaleOf('PT_br')).toBe('pt');
    expect(translator('fr')('steps.current', { n: 2, total: 4, name: 'Connexion' })).toBe('Étape 2 sur 4 : Connexion');
  });

  it('a text-message or emailed code page offers "Send a new code" and says where the code went; an authenticator page offers neither resend nor a sent claim', () => {
    const options = { isEmbed: false, embedOrigin: null, theme: 'auto' as const, locale: 'en' as const, isLocaleFromUrl: false };
    const frame: PageFrame = { title: 'Verification code', brand: null, options, step: '2fa' };
    const form: FormContext = { secret: 'cs_example', options, csrf: 'token' };
    const sms = twoFactorView(frame, form, { codeSentBy: 'phone', phoneLast4: '4242', attemptsLeft: 5, resendsLeft: 2 }, null, 'A new code is on its way.');
    expect(sms).toContain('Send a new code');
    expect(sms).toContain('by text message to your phone ending in 4242');
    expect(sms).toContain('A new code is on its way.');
    const email = twoFactorView(frame, form, { codeSentBy: 'email', attemptsLeft: 5, resendsLeft: 2 }, null, 'A new code is on its way.');
    expect(email).toContain('Send a new code');
    expect(email).toContain('OnlyFans sent a code to your email address.');
    expect(email).toContain('A new code is on its way.');
    const app = twoFactorView(frame, form, { codeSentBy: null, attemptsLeft: 5, resendsLeft: 2 }, null, 'A new code is on its way.');
    expect(app).not.toContain('Send a new code');
    expect(app).not.toContain('/2fa/resend');
    expect(app).not.toMatch(/on its way|\bsent\b/i);
    expect(app).toContain('Open your authenticator app');
  });
});
