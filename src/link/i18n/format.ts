// Filling a catalogue string's {placeholders}: the one rule every language's strings follow, kept apart from the
// catalogues so a page that needs one language (the dashboard's consent preview) loads only that one.
import type { MessageKey } from './en.ts';

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** A translator over one catalogue: unknown placeholders are left as written, so a missing value shows. */
export function translatorOver(catalogue: Record<MessageKey, string>): Translate {
  return (key, values = {}) => catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
