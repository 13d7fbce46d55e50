// Dynamic signing rules: the shape OnlyFans' web build uses, as published by the community rule feeds.
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

export const DynamicRulesSchema = Type.Object(
  {
    static_param: Type.String({ minLength: 1 }),
    format: Type.Optional(Type.String()),
    start: Type.Optional(Type.String()),
    end: Type.Optional(Type.String()),
    prefix: Type.Optional(Type.String()),
    suffix: Type.Optional(Type.String()),
    checksum_indexes: Type.Array(Type.Integer({ minimum: 0, maximum: 39 }), { minItems: 1 }),
    checksum_constant: Type.Integer(),
    app_token: Type.String({ minLength: 1 }),
    remove_headers: Type.Optional(Type.Array(Type.String())),
    revision: Type.Optional(Type.String()),
    is_current: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: true },
);

export type RawDynamicRules = Static<typeof DynamicRulesSchema>;

/** Rules after normalisation: prefix and suffix always present (older feeds give only start/end or format). */
export interface DynamicRules {
  static_param: string;
  prefix: string;
  suffix: string;
  format: string;
  checksum_indexes: number[];
  checksum_constant: number;
  app_token: string;
  remove_headers: string[];
  revision: string;
}

/** Parses untrusted rule JSON (a feed, a file, the simulator) into DynamicRules, or throws saying what is wrong. */
export function parseDynamicRules(input: unknown): DynamicRules {
  if (!Value.Check(DynamicRulesSchema, input)) {
    const first = [...Value.Errors(DynamicRulesSchema, input)][0];
    throw new Error(`invalid dynamic rules at ${first?.instancePath || '/'}: ${first?.message ?? 'bad shape'}`);
  }
  const raw = input as RawDynamicRules;
  const fromFormat = raw.format?.match(/^(\d+):\{\}:\{:x\}:([0-9a-f]+)$/);
  const prefix = raw.prefix ?? raw.start ?? fromFormat?.[1];
  const suffix = raw.suffix ?? raw.end ?? fromFormat?.[2];
  if (!prefix || !suffix) throw new Error('invalid dynamic rules: prefix/start and suffix/end are missing');
  return {
    static_param: raw.static_param,
    prefix,
    suffix,
    format: raw.format ?? `${prefix}:{}:{:x}:${suffix}`,
    checksum_indexes: [...raw.checksum_indexes],
    checksum_constant: raw.checksum_constant,
    app_token: raw.app_token,
    remove_headers: raw.remove_headers ?? [],
    revision: raw.revision ?? `${prefix}-${suffix}`,
  };
}

/** The public form of a rule set (what /dynamic-rules.json, the rules API and rules.updated carry). */
export function publicRules(rules: DynamicRules) {
  return {
    static_param: rules.static_param,
    format: rules.format,
    start: rules.prefix,
    end: rules.suffix,
    prefix: rules.prefix,
    suffix: rules.suffix,
    checksum_constant: rules.checksum_constant,
    checksum_indexes: rules.checksum_indexes,
    app_token: rules.app_token,
    remove_headers: rules.remove_headers,
    revision: rules.revision,
  };
}
