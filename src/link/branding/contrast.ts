// A brand colour made safe to use: the app's colour is kept where it already reads well and otherwise darkened (light
// theme) or lightened (dark theme) just enough for WCAG AA, 4.5:1 against the card it sits on, so it works for links,
// focus rings and as the primary button's fill; the button's text is white or near-black, whichever contrasts more
// (one of the two always reaches 4.5:1).

export type Rgb = readonly [number, number, number];

/** The card backgrounds of link.css (--card), light and dark. */
export const CARD_BACKGROUND = { light: '#ffffff', dark: '#181b21' } as const;
export const AA_TEXT_CONTRAST = 4.5;
const LIGHT_TEXT = '#ffffff';
const DARK_TEXT = '#0b0d12';

export const BRAND_COLOR_PATTERN = '^#[0-9a-fA-F]{6}$';

export function parseHexColor(hex: string): Rgb | null {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return null;
  return [parseInt(match[1], 16), parseInt(match[2], 16), parseInt(match[3], 16)];
}

export function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG 2 relative luminance. */
export function relativeLuminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function mix(from: Rgb, to: Rgb, amount: number): Rgb {
  return [0, 1, 2].map((i) => from[i] + (to[i] - from[i]) * amount) as unknown as Rgb;
}

/**
 * The colour nearest to `color` along the way to black (or white) that reaches `ratio` against `background`
 * (a binary search over the mix; the rounded result is checked, so the ratio holds for the hex we emit).
 */
export function adjustForContrast(color: Rgb, background: Rgb, ratio = AA_TEXT_CONTRAST): Rgb {
  const rounded = (c: Rgb) => parseHexColor(toHex(c))!;
  if (contrastRatio(rounded(color), background) >= ratio) return rounded(color);
  const towards: Rgb = relativeLuminance(background) > 0.18 ? [0, 0, 0] : [255, 255, 255];
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (contrastRatio(rounded(mix(color, towards, mid)), background) >= ratio) hi = mid;
    else lo = mid;
  }
  return rounded(mix(color, towards, hi));
}

export function readableTextOn(fill: Rgb): string {
  const light = contrastRatio(parseHexColor(LIGHT_TEXT)!, fill);
  const dark = contrastRatio(parseHexColor(DARK_TEXT)!, fill);
  return light >= dark ? LIGHT_TEXT : DARK_TEXT;
}

export interface ThemeAccent {
  /** Links, focus ring and the primary button's fill. */
  accent: string;
  /** Text on the primary button. */
  accentText: string;
}

export interface BrandPalette {
  light: ThemeAccent;
  dark: ThemeAccent;
}

export function brandPalette(hex: string): BrandPalette | null {
  const color = parseHexColor(hex);
  if (!color) return null;
  const forTheme = (background: string): ThemeAccent => {
    const accent = adjustForContrast(color, parseHexColor(background)!);
    return { accent: toHex(accent), accentText: readableTextOn(accent) };
  };
  return { light: forTheme(CARD_BACKGROUND.light), dark: forTheme(CARD_BACKGROUND.dark) };
}

/**
 * The stylesheet that applies a brand colour (served from /link/brand/<rrggbb>.css: the CSP forbids inline styles).
 * Same selectors as link.css's themes, so it wins by order.
 */
export function brandStylesheet(palette: BrandPalette): string {
  const vars = (t: ThemeAccent) => `--accent:${t.accent};--accent-text:${t.accentText};--focus:${t.accent}`;
  return (
    `:root{${vars(palette.light)}}\n` +
    `@media (prefers-color-scheme:dark){:root:not([data-theme=light]){${vars(palette.dark)}}}\n` +
    `:root[data-theme=dark]{${vars(palette.dark)}}\n`
  );
}
