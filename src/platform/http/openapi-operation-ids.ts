// Operation ids derived from each route's method and path, in the style of OFAuth's SDK (`account.connections.list`,
// `access.subscribers.setCustomName`, `access.analytics.massMessages.listBuyers` become accountConnectionsList,
// accessSubscribersSetCustomName, accessAnalyticsMassMessagesListBuyers): stable while the route stays, and the
// names a generated client gives its methods.
//
//   <static segments before the last parameter><Verb><static segments after it>
//   GET    …/{id}          Get          GET    …/{id}/posts   List|Get + Posts   GET  /a/b   List|Get (no parameter)
//   PATCH  …/{id}          Update       PATCH  …/{id}/x       UpdateX            PUT  …/{id}/x   SetX
//   PUT    …/{id}          Replace      DELETE …/{id}/x       DeleteX            DELETE …/{id}   Delete
//   POST   a collection    Create       POST   an action      the action itself (import, init, sign, invalidate)
// List rather than Get when the 200 reply is a list (`list` or `items` array, or an array). A POST is a create when
// the same path also answers GET, an action otherwise. A wildcard route (the raw proxy) takes the HTTP method as
// its verb. A route may declare its own `operationId`; a few OFAuth names are kept by the caller's overrides.

export interface OperationShape {
  method: string;
  /** The OpenAPI path: `/v2/account/connections/{connectionId}`. */
  path: string;
  /** The methods the same path answers. */
  siblingMethods: string[];
  /** The 200 (or 201) reply is a list. */
  isListReply: boolean;
}

const VERSION_PREFIX = /^v\d+$/;

function camelWords(words: string[]): string {
  const parts = words.flatMap((word) => word.split(/[^A-Za-z0-9]+/)).filter(Boolean);
  return parts.map((part, i) => (i === 0 ? part.charAt(0).toLowerCase() : part.charAt(0).toUpperCase()) + part.slice(1)).join('');
}

const isParameter = (segment: string) => segment.startsWith('{') && segment.endsWith('}');

function verbOf(shape: OperationShape, hasTail: boolean, endsWithParameter: boolean): string {
  switch (shape.method) {
    case 'get':
      return shape.isListReply ? 'list' : 'get';
    case 'patch':
      return 'update';
    case 'put':
      return hasTail ? 'set' : 'replace';
    case 'delete':
      return 'delete';
    default:
      // POST: a create on a collection (the path also lists) or on an item path, an action otherwise.
      return endsWithParameter || shape.siblingMethods.includes('get') ? 'create' : '';
  }
}

export function deriveOperationId(shape: OperationShape): string {
  const segments = shape.path.split('/').filter(Boolean);
  const words = VERSION_PREFIX.test(segments[0] ?? '') ? segments.slice(1) : segments;
  if (words.some((segment) => segment === '{*}' || segment === '*')) {
    return camelWords([...words.filter((segment) => !isParameter(segment) && segment !== '*'), shape.method]);
  }
  const lastParameter = words.map(isParameter).lastIndexOf(true);
  const head = (lastParameter === -1 ? words : words.slice(0, lastParameter)).filter((segment) => !isParameter(segment));
  const tail = lastParameter === -1 ? [] : words.slice(lastParameter + 1).filter((segment) => !isParameter(segment));
  const verb = verbOf(shape, tail.length > 0, lastParameter === words.length - 1);
  // Without a parameter the whole path names the resource and the verb comes last (accountConnectionsList); after
  // one, the verb leads the sub-resource (accountConnectionsGetSettings).
  if (lastParameter === -1) return camelWords([...head, verb]);
  return camelWords([...head, verb, ...tail]);
}

/** True when a 2xx reply schema (as the document has it) is a list: an array, or an object with a `list`/`items` array. */
export function isListSchema(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  const candidate = schema as { type?: string; properties?: Record<string, { type?: string }> };
  if (candidate.type === 'array') return true;
  const properties = candidate.properties ?? {};
  return properties.list?.type === 'array' || properties.items?.type === 'array';
}
