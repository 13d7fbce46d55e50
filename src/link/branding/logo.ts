// A client app's logo: taken from an upload (base64) or fetched once from a URL, then decoded and re-encoded by us so
// what we serve is an image we made. Only PNG, JPEG, WebP and GIF are read (recognised by their first bytes, before
// any decoder sees them): SVG can carry scripts and external references, so it is refused, never rasterised. The
// re-encoding drops metadata (EXIF, ICC, XMP, comments) and any trailing bytes; the result is at most 128 px a side.
import { createHash } from 'node:crypto';
import { request } from 'undici';
import type { Config } from '../../platform/config.ts';
import { badRequest } from '../../platform/errors.ts';
import { createOutboundAgent, hostAddressProblem, hostOf, hostResolutionProblem, urlPolicyAllowsPrivate } from '../../platform/outbound.ts';

/** The largest logo file accepted, uploaded or fetched (before re-encoding). */
export const MAX_LOGO_BYTES = 1024 * 1024;
/** Larger sources are refused before decoding (a small file can claim a huge canvas). */
const MAX_LOGO_INPUT_PIXELS = 4096 * 4096;
/** The stored logo fits in this square (shown at 40 px: room for 3× screens). */
export const LOGO_EDGE_PX = 128;
const FETCH_TIMEOUTS = { connectMs: 5_000, headersMs: 10_000, bodyMs: 10_000 };

export type LogoSource = { url: string } | { data: string };

export interface PreparedLogo {
  bytes: Buffer;
  contentType: 'image/webp';
  width: number;
  height: number;
  /** SHA-256 (hex) of `bytes`. */
  hash: string;
}

type LogoPolicyConfig = Pick<Config, 'isProduction' | 'allowPrivateWebhookUrls'>;

const logoProblem = (message: string, field: string) => badRequest(message, field);

type SourceFormat = 'png' | 'jpeg' | 'webp' | 'gif';

/** The format the first bytes announce, 'svg' for markup, or null for anything else. */
export function sniffImageFormat(bytes: Buffer): SourceFormat | 'svg' | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6))) return 'gif';
  const head = bytes.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<') && (head.includes('<svg') || head.startsWith('<?xml'))) return 'svg';
  return null;
}

/** Decodes, checks and re-encodes; every refusal names the field and says what to send instead. */
export async function prepareLogo(bytes: Buffer, field: string): Promise<PreparedLogo> {
  if (bytes.length === 0) throw logoProblem('The logo is empty. Send a PNG, JPEG, WebP or GIF image.', field);
  if (bytes.length > MAX_LOGO_BYTES) {
    throw logoProblem(`The logo is ${bytes.length} bytes; the limit is ${MAX_LOGO_BYTES} bytes (1 MB). Send a smaller PNG, JPEG, WebP or GIF image.`, field);
  }
  const format = sniffImageFormat(bytes);
  if (format === 'svg') throw logoProblem('SVG logos are not accepted (they can carry scripts). Send a PNG, JPEG, WebP or GIF image.', field);
  if (!format) throw logoProblem('The logo is not a PNG, JPEG, WebP or GIF image.', field);
  try {
    // sharp (a native image library) loads on the first logo, not with every start of the service.
    const { default: sharp } = await import('sharp');
    const image = sharp(bytes, { limitInputPixels: MAX_LOGO_INPUT_PIXELS, failOn: 'error', animated: false });
    const meta = await image.metadata();
    if (meta.format !== format && !(format === 'jpeg' && meta.format === 'jpeg')) throw new Error(`decoded as ${meta.format}`);
    const { data, info } = await image
      .rotate()
      .resize(LOGO_EDGE_PX, LOGO_EDGE_PX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 90, alphaQuality: 100, effort: 4 })
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, contentType: 'image/webp', width: info.width, height: info.height, hash: createHash('sha256').update(data).digest('hex') };
  } catch (error) {
    const reason = error instanceof Error && /pixel limit/i.test(error.message) ? ` It is larger than ${MAX_LOGO_INPUT_PIXELS} pixels.` : '';
    throw logoProblem(`The logo could not be read as an image.${reason} Send a valid PNG, JPEG, WebP or GIF image.`, field);
  }
}

export function decodeUploadedLogo(data: string, field: string): Buffer {
  const compact = data.replace(/^data:image\/[a-z+.-]+;base64,/i, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw logoProblem('The logo data is not base64.', field);
  return Buffer.from(compact, 'base64');
}

/** What is wrong with a logo URL as written, or null (https only in production, like webhook URLs; no credentials). */
export function logoUrlShapeProblem(config: LogoPolicyConfig, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (config.isProduction && !urlPolicyAllowsPrivate(config) && url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  return hostAddressProblem(config, hostOf(url));
}

/**
 * Fetches the logo once, through the outbound address policy (no private addresses in production, checked again
 * while connecting), without following redirects, and stops reading past the size limit.
 */
export async function fetchLogo(config: LogoPolicyConfig, raw: string, field: string): Promise<Buffer> {
  const shape = logoUrlShapeProblem(config, raw) ?? (await hostResolutionProblem(config, hostOf(new URL(raw))));
  if (shape) throw logoProblem(`The logo URL ${shape}.`, field);
  const dispatcher = createOutboundAgent({ timeouts: FETCH_TIMEOUTS, mayReachPrivateAddresses: urlPolicyAllowsPrivate(config) });
  try {
    const response = await request(raw, { dispatcher, method: 'GET', headers: { accept: 'image/png,image/jpeg,image/webp,image/gif' } }).catch(() => {
      throw logoProblem('The logo URL could not be reached. Check the address, or upload the image instead.', field);
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      throw logoProblem(`The logo URL answered HTTP ${response.statusCode}; it must answer 200 with the image itself (redirects are not followed).`, field);
    }
    const declared = Number(response.headers['content-length'] ?? 0);
    if (declared > MAX_LOGO_BYTES) {
      await response.body.dump().catch(() => undefined);
      throw logoProblem(`The logo is ${declared} bytes; the limit is ${MAX_LOGO_BYTES} bytes (1 MB).`, field);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_LOGO_BYTES) {
          response.body.destroy();
          throw logoProblem(`The logo is larger than the limit of ${MAX_LOGO_BYTES} bytes (1 MB).`, field);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof Error && error.name === 'ApiError') throw error;
      throw logoProblem('The logo download failed part-way. Try again, or upload the image instead.', field);
    }
    return Buffer.concat(chunks);
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/** The logo from either source, prepared for storage. */
export async function readLogoSource(config: LogoPolicyConfig, source: LogoSource, field: string): Promise<PreparedLogo> {
  if ('url' in source) return prepareLogo(await fetchLogo(config, source.url, `${field}.url`), `${field}.url`);
  return prepareLogo(decodeUploadedLogo(source.data, `${field}.data`), `${field}.data`);
}

/** Where we serve a stored logo: the content hash in the name, so the URL may be cached for a year. */
export function logoPath(hash: string): string {
  return `/link/logos/${hash}.webp`;
}
