// A media item as the SDK declares it (in messages, posts and the vault), and the shaper from upstream's.
import { Type, type Static } from 'typebox';
import { Nullable } from '../../../platform/http/schema-kit.ts';
import { Bool, literalUnion, Num, Opt, Str } from './schema-fields.ts';
import { asObject, bool, num, oneOf, overUpstream, passedOnArray, str } from './upstream-readers.ts';

const Src = Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), type: Opt(Str) });
const Img = Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), size: Opt(Num) });
export const ReleaseFormRef = Type.Object({ id: Num, name: Str, partnerSource: Str, type: Str });
const MEDIA_TYPES = ['photo', 'video', 'gif', 'audio'] as const;
export const MediaType = literalUnion(MEDIA_TYPES);

const MediaFiles = Type.Object({
  full: Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), size: Opt(Num), sources: Type.Array(Src) }),
  preview: Opt(Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), size: Opt(Num), options: Type.Array(Src) })),
  squarePreview: Opt(Img),
  thumb: Opt(Img),
});

export const mediaProperties = {
  canView: Bool,
  convertedToVideo: Bool,
  createdAt: Str,
  duration: Opt(Num),
  files: Opt(MediaFiles),
  hasCustomPreview: Opt(Bool),
  hasError: Bool,
  id: Num,
  isReady: Bool,
  releaseForms: Type.Array(ReleaseFormRef),
  type: MediaType,
  videoSources: Opt(Type.Object({ '240': Opt(Nullable(Str)), '720': Opt(Nullable(Str)) })),
};
export const Media = Type.Object(mediaProperties);

export type Media = Static<typeof Media>;
export type MediaKind = (typeof MEDIA_TYPES)[number];
type ReleaseFormRef = Static<typeof ReleaseFormRef>;
type Src = Static<typeof Src>;

export function shapeMedia(value: unknown): Media {
  const media = asObject(value);
  return overUpstream(media, {
    id: num(media.id),
    type: oneOf(media.type, MEDIA_TYPES, 'photo'),
    canView: bool(media.canView, true),
    convertedToVideo: bool(media.convertedToVideo),
    createdAt: str(media.createdAt),
    hasError: bool(media.hasError),
    isReady: bool(media.isReady, true),
    releaseForms: passedOnArray<ReleaseFormRef>(media.releaseForms),
    ...(media.files ? { files: shapeMediaFiles(media.files) } : {}),
  });
}

function shapeMediaFiles(value: unknown): Static<typeof MediaFiles> {
  const files = asObject(value);
  const full = asObject(files.full);
  const preview = files.preview === undefined ? undefined : asObject(files.preview);
  return overUpstream(files, {
    full: overUpstream(full, { url: str(full.url), sources: passedOnArray<Src>(full.sources) }),
    ...(preview ? { preview: overUpstream(preview, { url: str(preview.url), options: passedOnArray<Src>(preview.options) }) } : {}),
  });
}
