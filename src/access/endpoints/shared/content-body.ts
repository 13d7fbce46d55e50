// The SDK's message/post body → OnlyFans' (mediaFiles, previews, rf* release-form tags; docs/onlyfans-web-api.md
// §9, chats and posts), shared by sending a message and writing a post.
import { Type, type Static } from 'typebox';
import { Nullable } from '../../../platform/http/schema-kit.ts';
import { Bool, Id, Num, Opt } from './schema-fields.ts';

export const ReleaseFormsInput = Type.Object({ guests: Opt(Type.Array(Num)), partners: Opt(Type.Array(Num)), users: Opt(Type.Array(Num)) });

/** The fields a message body and a post body share. */
export const ContentFields = {
  text: Opt(Type.String()),
  mediaItems: Opt(Type.Array(Id)),
  previewMediaCount: Opt(Nullable(Type.Integer({ minimum: 0 }))),
  price: Opt(Nullable(Type.Number({ minimum: 0 }))),
};

interface ContentInput {
  text?: string;
  mediaItems?: Array<string | number>;
  previewMediaCount?: number | null;
  price?: number | null;
  isLockedText?: boolean | null;
  isMarkdown?: boolean | null;
  releaseForms?: Static<typeof ReleaseFormsInput>;
  userTags?: number[];
}

export function upstreamContent(body: ContentInput) {
  const media = body.mediaItems ?? [];
  const previewCount = typeof body.previewMediaCount === 'number' ? body.previewMediaCount : 0;
  const releaseForms = body.releaseForms ?? {};
  return {
    text: body.text ?? '',
    lockedText: body.isLockedText ?? false,
    mediaFiles: media,
    price: body.price ?? 0,
    rfTag: releaseForms.users ?? [],
    rfGuest: releaseForms.guests ?? [],
    rfPartner: releaseForms.partners ?? [],
    ...(body.userTags ? { userTags: body.userTags } : {}),
    ...(typeof body.isMarkdown === 'boolean' ? { isMarkdown: body.isMarkdown } : {}),
    media,
    previewCount,
  };
}
