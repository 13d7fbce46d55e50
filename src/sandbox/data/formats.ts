// Value formats of OnlyFans payloads (docs/onlyfans-web-api.md §9, end): ISO times with +00:00, HTML text, money.

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** postedAtPrecise / tailMarker style: float seconds as a string. */
export function preciseSeconds(ms: number): string {
  return (ms / 1000).toFixed(6);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Plain text as the web app stores it: a paragraph of HTML. Text that already is HTML passes through. */
export function htmlText(text: string): string {
  if (text === '' || /^<\w+[^>]*>/.test(text)) return text;
  return `<p>${escapeHtml(text)}</p>`;
}

export function stripHtml(text: string): string {
  return text.replace(/<[^>]*>/g, '');
}

export function money(value: number): number {
  return Math.round(value * 100) / 100;
}
