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
  const types = typesOf(source);
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

/** Compiles a route's request schema with the input rules; the Ajv validator runs first, then the walk for what none may hold. */
export function compileRequestValidator(ajv: Ajv, schema: unknown, part: HttpPart): FastifyValidator {
  const validate: ValidateFunction = ajv.compile(hardenRequestSchema(schema, part) as JsonSchema);
  const validator: FastifyValidator = (data, context) => {
    const valid = (validate as (data: unknown, context?: unknown) => boolean)(data, context);
    if (!valid) {
      validator.errors = validate.errors;
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
  // Fastify hands Ajv validators the request as the root's parent (so a coerced root can be written back).
  validator.schemaEnv = (validate as unknown as { schemaEnv: unknown }).schemaEnv;
  return validator;
}

/** `:id` and `:connectionId` style parameters of a route URL (not the `*` wildcard, which passes anything on). */
function pathParameterNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
}

/** Installs the validator compiler and gives path parameters without a schema a string one. */
export function installInputRules(app: FastifyInstance): void {
  const ajv = createRequestAjv();
  app.setValidatorCompiler(({ schema, httpPart }) => compileRequestValidator(ajv, schema, (httpPart ?? 'body') as HttpPart) as never);
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
