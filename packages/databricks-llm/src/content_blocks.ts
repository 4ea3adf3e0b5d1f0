/**
 * LangChain content blocks → the OpenAI chat-completions content parts that Databricks chat
 * endpoints take: `text`, `image_url`, `input_audio` (base64 WAV or MP3) and `file` (base64 data
 * or a file id). Both block generations are read: LangChain's v1 standard blocks (`mimeType`,
 * `url` / `data` / `fileId`) and the older data blocks (`source_type`, snake_case `mime_type`).
 *
 * What cannot be expressed in those parts (video, audio or files by http URL, image file ids,
 * provider-specific blocks in a user turn) is a `DatabricksContentBlockError` naming the block,
 * raised before any request: dropping the block would send a turn without it, or an empty one.
 */
import { DatabricksContentBlockError } from './errors.js';

export type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } }
  | { type: 'file'; file: { file_data?: string; file_id?: string; filename?: string } };

/** Where a block sits, for error messages and for what may be dropped. */
export interface BlockContext {
  /** `user`, `assistant`, `system`, `tool`, ... */
  role: string;
  messageIndex?: number;
}

/** Audio MIME types → the `input_audio.format` values chat completions accept. */
const AUDIO_FORMATS: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/wave': 'wav',
  'audio/x-wav': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mpeg3': 'mp3',
  'audio/x-mpeg-3': 'mp3',
};

/** Leading base64 characters of well-known file signatures, for blocks without a MIME type. */
const SIGNATURES: [prefix: string, mimeType: string][] = [
  ['iVBORw0KGgo', 'image/png'],
  ['/9j/', 'image/jpeg'],
  ['R0lGOD', 'image/gif'],
  ['JVBERi0', 'application/pdf'],
  ['SUQz', 'audio/mpeg'],
];

interface NormalisedBlock {
  type: string;
  url?: string;
  /** Base64, never raw bytes. */
  data?: string;
  mimeType?: string;
  fileId?: string;
  text?: string;
  filename?: string;
  detail?: string;
}

/** Converts one block, or returns `undefined` for a block an assistant turn may drop. */
export function convertContentBlock(
  block: Record<string, unknown>,
  context: BlockContext,
): OpenAIContentPart | undefined {
  const type = typeof block.type === 'string' ? block.type : undefined;
  if (type === 'text' && typeof block.text === 'string') return { type: 'text', text: block.text };
  if (type === 'text' && block.source_type === undefined && context.role !== 'assistant') {
    throw unsupported('text', context, 'its `text` is not a string');
  }
  if (type === 'image_url') return imageUrlPart(block, context);
  // Already in the chat-completions wire form: passed as is.
  if (type === 'input_audio' && isRecord(block.input_audio)) {
    return block as unknown as OpenAIContentPart;
  }
  if (type === 'file' && isRecord(block.file)) return block as unknown as OpenAIContentPart;
  if (
    type === 'image' ||
    type === 'audio' ||
    type === 'file' ||
    type === 'video' ||
    type === 'text-plain' ||
    (type === 'text' && block.source_type === 'text')
  ) {
    return dataPart(normalise(block, type), context);
  }
  // An assistant turn may carry the endpoint's own reasoning and tool-use blocks: chat
  // completions never take them back (tool calls travel in `tool_calls`), so they are left out.
  if (context.role === 'assistant') return undefined;
  throw unsupported(
    type ?? '(no type)',
    context,
    'it is not a block type Databricks chat endpoints take (text, image, audio, file)',
  );
}

function imageUrlPart(block: Record<string, unknown>, context: BlockContext): OpenAIContentPart {
  const image = block.image_url;
  const url = typeof image === 'string' ? image : isRecord(image) ? image.url : undefined;
  if (typeof url !== 'string' || url === '') {
    throw unsupported('image_url', context, 'it has no `image_url.url`');
  }
  const detail = isRecord(image) && typeof image.detail === 'string' ? image.detail : undefined;
  return { type: 'image_url', image_url: detail ? { url, detail } : { url } };
}

/** Reads either block generation into one shape. */
function normalise(block: Record<string, unknown>, type: string): NormalisedBlock {
  const metadata = isRecord(block.metadata) ? block.metadata : {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const out: NormalisedBlock = {
    type,
    // The standard field of LangChain's data blocks is snake_case; v1 blocks use camelCase.
    mimeType: text(block.mime_type) ?? text(block.mimeType),
    filename:
      text(metadata.filename) ??
      text(metadata.name) ??
      text(metadata.title) ??
      text(block.filename) ??
      text(block.title),
    detail: text(metadata.detail) ?? text(block.detail),
  };
  switch (block.source_type) {
    case 'url':
      out.url = text(block.url);
      break;
    case 'base64':
      out.data = text(block.data);
      break;
    case 'id':
      out.fileId = text(block.id);
      break;
    case 'text':
      out.text = typeof block.text === 'string' ? block.text : undefined;
      break;
    default:
      out.url = text(block.url);
      out.fileId = text(block.fileId);
      out.text = typeof block.text === 'string' ? block.text : undefined;
      if (block.data instanceof Uint8Array) out.data = Buffer.from(block.data).toString('base64');
      else out.data = text(block.data);
  }
  if (out.url?.startsWith('data:')) {
    const parsed = parseDataUrl(out.url);
    if (parsed) {
      out.data = parsed.data;
      out.mimeType = parsed.mimeType;
      out.url = undefined;
    }
  }
  return out;
}

function dataPart(block: NormalisedBlock, context: BlockContext): OpenAIContentPart {
  switch (block.type) {
    case 'image':
      return imagePart(block, context);
    case 'audio':
      return audioPart(block, context);
    case 'file':
    case 'text-plain':
      return filePart(block, context);
    case 'text':
      return { type: 'text', text: block.text ?? '' };
    default:
      throw unsupported(
        block.type,
        context,
        'Databricks chat endpoints take text, image, audio and file parts only; describe the content in text or send frames as images',
      );
  }
}

function imagePart(block: NormalisedBlock, context: BlockContext): OpenAIContentPart {
  let url = block.url;
  if (!url && block.data) {
    const mimeType = block.mimeType ?? sniff(block.data);
    if (!mimeType) {
      throw unsupported(
        'image',
        context,
        'its base64 data has no MIME type and is not a PNG, JPEG or GIF: set `mime_type` (or `mimeType`), e.g. "image/webp"',
      );
    }
    url = `data:${mimeType};base64,${block.data}`;
  }
  if (!url) {
    throw unsupported(
      'image',
      context,
      block.fileId
        ? 'images are sent by URL or as base64 data, not by file id'
        : 'it has neither `url` nor `data`',
    );
  }
  return { type: 'image_url', image_url: block.detail ? { url, detail: block.detail } : { url } };
}

function audioPart(block: NormalisedBlock, context: BlockContext): OpenAIContentPart {
  if (!block.data) {
    throw unsupported(
      'audio',
      context,
      block.url
        ? 'chat completions take audio only as base64 data (`input_audio`), not by URL: download it and pass `data` with `mime_type` "audio/wav" or "audio/mpeg"'
        : 'chat completions take audio only as base64 data (`input_audio`): pass `data` with `mime_type` "audio/wav" or "audio/mpeg"',
    );
  }
  const mimeType = (block.mimeType ?? sniffAudio(block.data))?.toLowerCase().split(';')[0]?.trim();
  const format = mimeType ? AUDIO_FORMATS[mimeType] : undefined;
  if (!format) {
    throw unsupported(
      'audio',
      context,
      `\`input_audio\` takes WAV or MP3 (audio/wav, audio/mpeg), got ${mimeType ? `"${mimeType}"` : 'no MIME type'}`,
    );
  }
  return { type: 'input_audio', input_audio: { data: block.data, format } };
}

function filePart(block: NormalisedBlock, context: BlockContext): OpenAIContentPart {
  if (block.text !== undefined && !block.data && !block.url && !block.fileId) {
    // A plain-text document travels as text: every chat endpoint reads it.
    return { type: 'text', text: block.text };
  }
  if (block.fileId) {
    return {
      type: 'file',
      file: block.filename
        ? { file_id: block.fileId, filename: block.filename }
        : { file_id: block.fileId },
    };
  }
  if (block.data) {
    const mimeType =
      block.mimeType ??
      sniff(block.data) ??
      (block.type === 'text-plain' ? 'text/plain' : undefined);
    if (!mimeType) {
      throw unsupported(
        block.type,
        context,
        'its base64 data has no MIME type: set `mime_type` (or `mimeType`), e.g. "application/pdf"',
      );
    }
    const fileData = `data:${mimeType};base64,${block.data}`;
    return {
      type: 'file',
      file: block.filename
        ? { file_data: fileData, filename: block.filename }
        : { file_data: fileData },
    };
  }
  throw unsupported(
    block.type,
    context,
    block.url
      ? 'chat completions take files as base64 data or a file id, not by URL: download it and pass `data` with its `mime_type`'
      : 'it has no `data`, `fileId` or `text`',
  );
}

function sniff(data: string): string | undefined {
  return SIGNATURES.find(([prefix]) => data.startsWith(prefix))?.[1];
}

function sniffAudio(data: string): string | undefined {
  // "RIFF<size>WAVE": bytes 9-11 ("AVE") are base64 characters 12-15 ("QVZF").
  if (data.startsWith('UklGR') && data.slice(12, 16) === 'QVZF') return 'audio/wav';
  return sniff(data)?.startsWith('audio/') ? sniff(data) : undefined;
}

/** `data:<mime>[;params];base64,<data>` → its parts (other data URLs are left as URLs). */
function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  if (!match?.[1] || match[2] === undefined) return undefined;
  return { mimeType: match[1].toLowerCase(), data: match[2] };
}

function unsupported(
  blockType: string,
  context: BlockContext,
  why: string,
): DatabricksContentBlockError {
  const where =
    context.messageIndex !== undefined
      ? ` (message ${context.messageIndex}, role ${context.role})`
      : ` (role ${context.role})`;
  return new DatabricksContentBlockError(
    `Cannot send a "${blockType}" content block to a Databricks chat endpoint${where}: ${why}.`,
    { blockType, messageIndex: context.messageIndex },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
