// One validation rule for every request input, applied by the validator compiler to every route's schema as it is
// compiled, so a new route gets it without anyone remembering:
// - strings refuse control characters: NUL and every other C0 control in a path, query or header value; in a
//   body only \t, \n and \r are allowed (free text), or none for a field declared single-line (`SingleLineString`
//   in schema-kit: values that end up in an HTTP header, such as a user agent or a cookie); an object's keys are
//   held to the single-line rule;
// - numbers are finite (a JSON 1e309 or a query "1e309" parses or coerces to Infinity, which no keyword refuses
//   once coerced) and integers lie in the safe-integer range unless their schema bounds them tighter;
// - `date` and `date-time` formats are real calendar dates (ajv-formats' full mode: 2024-02-30 is refused).
// Path parameters without a schema get a string one, so they are checked too.
// And two rules that make refusals readable:
// - a union of literals (TypeBox's Union of Literal, OFAuth's enums) is validated as one `enum`, so its refusal lists
//   the allowed values once instead of one "must be equal to constant" per value;
// - a body object of our own routes refuses fields it does not declare, naming the field (a typo such as
//   `redirectURL` was silently ignored and the default applied). Bodies passed on to OnlyFans (the Access routes,
//   whose fields are OnlyFans' and grow without notice) keep their schemas as written. OFAuth's deprecated fields
//   are declared in the schemas, so they stay accepted.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';

/** The `x-text` extension keyword: `line` refuses every control character, `free` allows \t, \n and \r. */
export const TEXT_RULE_KEYWORD = 'x-text';
export type TextRule = 'line' | 'free';

const CONTROL_CHARACTER: Record<TextRule, RegExp> = {
  // eslint-disable-next-line no-control-regex
  line: /[\u0000-\u001f\u007f]/,
  // eslint-disable-next-line no-control-regex
  free: /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/,
};

type HttpPart = 'body' | 'querystring' | 'params' | 'headers';
type JsonSchema = Record<string, unknown>;

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions'] as const;
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
const SUBSCHEMA_SINGLES = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'] as const;

function typesOf(schema: JsonSchema): string[] {
  const type = schema.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

/** A copy of a request schema with the input rules made explicit on every string and integer. */
export function hardenRequestSchema(schema: unknown, part: HttpPart): unknown {
  if (Array.isArray(schema)) return schema.map((item) => hardenRequestSchema(item, part));
  if (!schema || typeof schema !== 'object') return schema;
  const source = schema as JsonSchema;
  const copy: JsonSchema = { ...source };
  for (const key of SUBSCHEMA_MAPS) {
    const map = source[key];
    if (map && typeof map === 'object') {
      copy[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, hardenRequestSchema(sub, part)]));
    }
  }
  for (const key of [...SUBSCHEMA_LISTS, ...SUBSCHEMA_SINGLES]) {
    if (source[key] !== undefined && typeof source[key] === 'object') copy[key] = hardenRequestSchema(source[key], part);
  }
  const literals = literalValuesOf(copy);
  if (literals) {
    delete copy.anyOf;
    copy.enum = literals;
    const literalTypes = [...new Set(literals.map((value) => (value === null ? 'null' : typeof value)))];
    copy.type = literalTypes.length === 1 ? literalTypes[0] : literalTypes;
  }
  const types = typesOf(copy);
  if (types.includes('string') && copy[TEXT_RULE_KEYWORD] === undefined) {
    copy[TEXT_RULE_KEYWORD] = part === 'body' ? 'free' : 'line';
  }
  // A JSON object's keys are strings too (a record's keys land in JSONB, which refuses \u0000): never text.
  if (types.includes('object') && copy.propertyNames === undefined) copy.propertyNames = { type: 'string', [TEXT_RULE_KEYWORD]: 'line' };
  if (types.includes('integer')) {
    if (copy.maximum === undefined && copy.exclusiveMaximum === undefined) copy.maximum = Number.MAX_SAFE_INTEGER;
    if (copy.minimum === undefined && copy.exclusiveMinimum === undefined) copy.minimum = Number.MIN_SAFE_INTEGER;
  }
  return copy;
}

type Literal = string | number | boolean | null;

function isLiteral(value: unknown): value is Literal {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** The values of an `anyOf` whose every branch is a literal (`const`, `enum` or null), or null for any other schema. */
function literalValuesOf(schema: JsonSchema): Literal[] | null {
  const branches = schema.anyOf;
  if (!Array.isArray(branches) || branches.length === 0) return null;
  const values: Literal[] = [];
  for (const branch of branches as JsonSchema[]) {
    if (!branch || typeof branch !== 'object') return null;
    if ('const' in branch && isLiteral(branch.const)) values.push(branch.const);
    else if (Array.isArray(branch.enum) && branch.enum.every(isLiteral)) values.push(...(branch.enum as Literal[]));
    else if (branch.type === 'null' && Object.keys(branch).every((key) => key === 'type' || key === 'description')) values.push(null);
    else return null;
  }
  return values;
}

/**
 * A copy of a body schema whose objects refuse undeclared fields: every object schema that lists its properties and
 * says nothing about others (no additionalProperties, patternProperties or unevaluatedProperties) is closed. The
 * members of an allOf are left open, since each sees only its own part of the object.
 */
export function closeBodySchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeBodySchema);
  if (!schema || typeof schema !== 'object') return schema;
  const source = schema as JsonSchema;
  const copy: JsonSchema = { ...source };
  for (const key of SUBSCHEMA_MAPS) {
    const map = source[key];
    if (map && typeof map === 'object') copy[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, closeBodySchema(sub)]));
  }
  for (const key of [...SUBSCHEMA_LISTS, ...SUBSCHEMA_SINGLES]) {
    if (key === 'allOf') continue;
    if (source[key] !== undefined && typeof source[key] === 'object') copy[key] = closeBodySchema(source[key]);
  }
  const isOpenObject =
    source.properties !== undefined &&
    source.additionalProperties === undefined &&
    source.patternProperties === undefined &&
    source.unevaluatedProperties === undefined &&
    source.allOf === undefined;
  if (isOpenObject) copy.additionalProperties = false;
  return copy;
}

/** Bodies passed on to OnlyFans as they are: their fields are OnlyFans', not ours to refuse. */
const PASS_THROUGH_BODY_PREFIXES = ['/v2/access/'];

export function isPassThroughBody(url: string): boolean {
  return PASS_THROUGH_BODY_PREFIXES.some((prefix) => url.startsWith(prefix));
}

interface Refusal {
  instancePath: string;
  message: string;
}

/**
 * What no schema can let through, wherever it sits (an untyped value passed on, a record's key): a number that is
 * not finite (Infinity from an overflowing literal or a coerced "1e309") and a NUL in a string or a key (PostgreSQL
 * text and JSONB refuse it).
 */
export function unacceptableValue(data: unknown, path = ''): Refusal | undefined {
  if (typeof data === 'number') return Number.isFinite(data) ? undefined : { instancePath: path, message: 'must be a finite number' };
  if (typeof data === 'string') return data.includes('\u0000') ? { instancePath: path, message: 'must not contain NUL' } : undefined;
  if (!data || typeof data !== 'object') return undefined;
  const entries: Array<[string, unknown]> = Array.isArray(data) ? data.map((item, i) => [String(i), item]) : Object.entries(data);
  for (const [key, value] of entries) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('\u0000')) return { instancePath: at, message: 'must not have NUL in its name' };
    const found = unacceptableValue(value, at);
    if (found) return found;
  }
  return undefined;
}

function createRequestAjv(): Ajv {
  // The options Fastify's default compiler uses (coercion of query and path strings, defaults, one error at a time
  // so a hostile body can't make validation expensive), minus removeAdditional: a schema that refuses unknown
  // fields says so.
  const ajv = new Ajv({
    coerceTypes: 'array',
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    addUsedSchema: false,
    strict: false,
    // Errors carry their schema, so a refusal can list the allowed values or the declared fields.
    verbose: true,
  });
  // ajv-formats is CommonJS: its default export is the plugin under Node, `{default: plugin}` to TypeScript.
  (formatsPlugin as unknown as { default: (ajv: Ajv) => void }).default(ajv);
  ajv.addKeyword({
    keyword: TEXT_RULE_KEYWORD,
    type: 'string',
    schemaType: 'string',
    errors: true,
    validate: function textRule(rule: TextRule, data: string) {
      const pattern = CONTROL_CHARACTER[rule] ?? CONTROL_CHARACTER.line;
      if (!pattern.test(data)) return true;
      (textRule as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        {
          keyword: TEXT_RULE_KEYWORD,
          message: rule === 'free' ? 'must not contain control characters other than tab and line breaks' : 'must not contain control characters',
          params: { rule },
        },
      ];
      return false;
    },
  });
  return ajv;
}

interface FastifyValidator {
  (data: unknown, context?: unknown): boolean;
  errors?: Partial<ErrorObject>[] | null;
  schemaEnv?: unknown;
}

const describeValue = (value: unknown) => (typeof value === 'string' ? `'${value}'` : String(value));

/** The closest declared field to an unknown one, when it differs only in case, `-` or `_` (redirectURL → redirectUrl). */
function similarField(unknown: string, declared: readonly string[]): string | undefined {
  const fold = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
  return declared.find((name) => fold(name) === fold(unknown));
}

/** Ajv's wording where it does not help a caller: an enum lists its values; an undeclared field names what is accepted. */
function readableIssue(issue: ErrorObject): ErrorObject {
  if (issue.keyword === 'enum') {
    const allowed = (issue.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return { ...issue, message: `must be one of ${allowed.map(describeValue).join(', ')}` };
  }
  if (issue.keyword === 'additionalProperties') {
    const field = (issue.params as { additionalProperty?: string }).additionalProperty ?? '';
    const declared = Object.keys(((issue.parentSchema as JsonSchema | undefined)?.properties as JsonSchema | undefined) ?? {});
    const similar = similarField(field, declared);
    const hint = similar ? `did you mean ${similar}? ` : '';
    return { ...issue, message: `is not a known field (${hint}accepted: ${declared.join(', ') || 'none'})` };
  }
  return issue;
}

/**
 * A route's request validator with the input rules: the Ajv validator runs first, then the walk for what none may
 * hold. Ajv compiles it on the route's first request, not at start: compiling every route's schemas took most of a
 * warm start's CPU (about 1 s of 2 on this machine), and most nodes serve a few routes. A schema Ajv cannot compile
 * fails that route's first request; the input-validation and fuzz tests send a request to every route, so none ships.
 */
export function compileRequestValidator(ajv: Ajv, schema: unknown, part: HttpPart): FastifyValidator {
  let validate: ValidateFunction | undefined;
  const validator: FastifyValidator = (data, context) => {
    validate ??= ajv.compile(hardenRequestSchema(schema, part) as JsonSchema);
    const valid = (validate as (data: unknown, context?: unknown) => boolean)(data, context);
    if (!valid) {
      validator.errors = (validate.errors ?? []).map(readableIssue);
      return false;
    }
    const refusal = unacceptableValue(data);
    if (refusal) {
      validator.errors = [{ ...refusal, keyword: 'unacceptable', params: {} }];
      return false;
    }
    validator.errors = null;
    return true;
  };
  // Fastify hands a validator with a schemaEnv the request as the root's parent, so Ajv can write a coerced root
  // back (every Ajv validator has one; this one's is made on first use, so the flag is set up front).
  validator.schemaEnv = true;
  return validator;
}

/** `:id` and `:connectionId` style parameters of a route URL (not the `*` wildcard, which passes anything on). */
function pathParameterNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
}

/** Installs the validator compiler and gives path parameters without a schema a string one. */
export function installInputRules(app: FastifyInstance): void {
  const ajv = createRequestAjv();
  app.setValidatorCompiler(({ schema, httpPart, url }) => {
    const part = (httpPart ?? 'body') as HttpPart;
    const rules = part === 'body' && !isPassThroughBody(url) ? closeBodySchema(schema) : schema;
    return compileRequestValidator(ajv, rules, part) as never;
  });
  app.addHook('onRoute', (route) => {
    const names = pathParameterNames(route.url);
    if (!names.length) return;
    const schema: FastifySchema = route.schema ?? {};
    if (schema.params) return;
    route.schema = {
      ...schema,
      params: { type: 'object', properties: Object.fromEntries(names.map((name) => [name, { type: 'string' }])), required: names },
    };
  });
}
