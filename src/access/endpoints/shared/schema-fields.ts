// Schema pieces every Access family uses: scalars, paging query fields, path parameters, the SDK's page shape.
import { Type, type TLiteral, type TSchema, type TUnion } from 'typebox';

export const Opt = Type.Optional;
export const Str = Type.String();
export const Num = Type.Number();
export const Bool = Type.Boolean();
/** An id the SDK types as `string | number`. */
export const Id = Type.Union([Type.String(), Type.Number()]);

/**
 * The SDK's offset page, `{hasMore, list}`. Not schema-kit's PageOf: that one lists `list` first, and the OpenAPI
 * document states properties in order, so switching would change every Access page's published schema.
 */
export const sdkPage = <T extends TSchema>(item: T) => Type.Object({ hasMore: Bool, list: Type.Array(item) });

/** A reply passed on as upstream sent it (writes that answer `{success: true}` or similar). */
export const ResultReply = Type.Record(Type.String(), Type.Unknown());

// ---- query fields -------------------------------------------------------------------------------------------

export const Limit = (max: number, fallback: number) => Opt(Type.Integer({ minimum: 1, maximum: max, default: fallback }));
export const Offset = Opt(Type.Integer({ minimum: 0, default: 0 }));
export const OffsetQuery = (max: number, fallback: number) => Type.Object({ limit: Limit(max, fallback), offset: Offset });
export const Flag = Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false')]);
export const Direction = Type.Union([Type.Literal('asc'), Type.Literal('desc')]);

// ---- path parameters ----------------------------------------------------------------------------------------

export const UserIdParams = Type.Object({ userId: Str });
export const ListIdParams = Type.Object({ listId: Str });

/** `{name}`: creating or renaming a user list or a vault list. */
export const ListNameBody = Type.Object({ name: Type.String({ minLength: 1 }) });

type LiteralsOf<T extends readonly string[]> = { [K in keyof T]: TLiteral<T[K]> };

/**
 * A union of string literals (the SDK's enums), written as a list. Type.Union over `values.map(Type.Literal)` would
 * be typed as an array, whose static type TypeBox computes as never; the tuple type here is what Type.Union infers
 * from the same literals written out one by one, so the JSON schema and the static type are both the same.
 */
export function literalUnion<const T extends readonly string[]>(values: T): TUnion<[...LiteralsOf<T>]> {
  return Type.Union(values.map((value) => Type.Literal(value))) as TUnion<[...LiteralsOf<T>]>;
}
