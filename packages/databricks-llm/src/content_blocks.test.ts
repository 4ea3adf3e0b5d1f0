/**
 * Multimodal content blocks on the wire: LangChain's data blocks (`source_type`, `mime_type`) and
 * v1 standard blocks (`mimeType`, `fileId`, `Uint8Array` data) become the chat-completions parts
 * Databricks endpoints take, and what cannot be sent is a typed error before any request.
 */
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { ChatDatabricks, DatabricksContentBlockError } from './index.js';
import { authFor, bodyAt, chatCompletion, json, mockFetch } from './testing/helpers.js';

// The fixtures of LangChain's standard content-block tests.
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const WAV_BASE64 = 'UklGRigAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAAABkYXRhAgAAAAEA';
const TEXT_BASE64 = 'SGVsbG8sIFdvcmxkIQ==';
const JPEG_BASE64 = '/9j/4AAQSkZJRgABAQAASABIAAD';
const WEBP_BASE64 = 'UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=';

function chat() {
  const mock = mockFetch(() => json(chatCompletion({ content: 'seen' })));
  const model = new ChatDatabricks({
    model: 'vision',
    endpointApi: 'chat-completions',
    maxRetries: 0,
    ...authFor(mock.fetch),
  });
  return { model, ...mock };
}

/** The content parts of the user message sent for `blocks`. */
async function partsFor(blocks: Record<string, unknown>[]): Promise<unknown> {
  const { model, calls } = chat();
  await model.invoke([new HumanMessage({ content: blocks as never })]);
  return bodyAt<{ messages: { content: unknown }[] }>(calls).messages[0]?.content;
}

async function errorFor(blocks: Record<string, unknown>[]): Promise<DatabricksContentBlockError> {
  const { model, calls } = chat();
  const error = await model
    .invoke([new SystemMessage('s'), new HumanMessage({ content: blocks as never })])
    .catch((caught: unknown) => caught);
  expect(DatabricksContentBlockError.isInstance(error)).toBe(true);
  // Nothing was sent: no turn goes out with a part missing.
  expect(calls).toHaveLength(0);
  return error as DatabricksContentBlockError;
}

describe('images', () => {
  it('honours mime_type (data blocks) and mimeType (v1 blocks) for base64 data', async () => {
    expect(
      await partsFor([
        { type: 'text', text: 'Describe.' },
        { type: 'image', source_type: 'base64', data: JPEG_BASE64, mime_type: 'image/jpeg' },
        { type: 'image', data: WEBP_BASE64, mimeType: 'image/webp' },
      ]),
    ).toEqual([
      { type: 'text', text: 'Describe.' },
      { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${JPEG_BASE64}` } },
      { type: 'image_url', image_url: { url: `data:image/webp;base64,${WEBP_BASE64}` } },
    ]);
  });

  it('URLs and data URLs pass as image_url; raw bytes are base64-encoded', async () => {
    const bytes = Uint8Array.from(Buffer.from(PNG_BASE64, 'base64'));
    expect(
      await partsFor([
        { type: 'image', source_type: 'url', url: 'https://example.com/a.png' },
        { type: 'image', url: `data:image/png;base64,${PNG_BASE64}` },
        { type: 'image', data: bytes, mimeType: 'image/png', metadata: { detail: 'low' } },
        { type: 'image_url', image_url: { url: 'https://example.com/b.png', detail: 'high' } },
      ]),
    ).toEqual([
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
      {
        type: 'image_url',
        image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: 'low' },
      },
      { type: 'image_url', image_url: { url: 'https://example.com/b.png', detail: 'high' } },
    ]);
  });

  it('base64 without a MIME type: recognised signatures, else an error asking for mime_type', async () => {
    expect(await partsFor([{ type: 'image', source_type: 'base64', data: PNG_BASE64 }])).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
    ]);
    const error = await errorFor([{ type: 'image', data: WEBP_BASE64 }]);
    expect(error.blockType).toBe('image');
    expect(error.messageIndex).toBe(1);
    expect(error.message).toMatch(/message 1, role user.*set `mime_type` \(or `mimeType`\)/);
  });
});

describe('audio', () => {
  it('base64 WAV or MP3 becomes input_audio with its format (data blocks, v1, data URLs)', async () => {
    expect(
      await partsFor([
        { type: 'audio', source_type: 'base64', data: WAV_BASE64, mime_type: 'audio/wav' },
        { type: 'audio', data: 'SUQzBAAAAAAA', mimeType: 'audio/mpeg' },
        { type: 'audio', source_type: 'url', url: `data:audio/wav;base64,${WAV_BASE64}` },
        { type: 'audio', data: WAV_BASE64 },
      ]),
    ).toEqual([
      { type: 'input_audio', input_audio: { data: WAV_BASE64, format: 'wav' } },
      { type: 'input_audio', input_audio: { data: 'SUQzBAAAAAAA', format: 'mp3' } },
      { type: 'input_audio', input_audio: { data: WAV_BASE64, format: 'wav' } },
      { type: 'input_audio', input_audio: { data: WAV_BASE64, format: 'wav' } },
    ]);
  });

  it('audio by http URL, or in a format input_audio does not take, is an error naming the block', async () => {
    const byUrl = await errorFor([
      { type: 'text', text: 'Transcribe.' },
      { type: 'audio', source_type: 'url', url: 'https://example.com/a.mp3' },
    ]);
    expect(byUrl.blockType).toBe('audio');
    expect(byUrl.message).toBe(
      'Cannot send a "audio" content block to a Databricks chat endpoint (message 1, role user): chat completions take audio only as base64 data (`input_audio`), not by URL: download it and pass `data` with `mime_type` "audio/wav" or "audio/mpeg".',
    );
    const ogg = await errorFor([{ type: 'audio', data: 'T2dnUw==', mime_type: 'audio/ogg' }]);
    expect(ogg.message).toMatch(/takes WAV or MP3 \(audio\/wav, audio\/mpeg\), got "audio\/ogg"/);
  });
});

describe('files', () => {
  it('base64 data, data URLs and file ids become file parts with their filename', async () => {
    expect(
      await partsFor([
        {
          type: 'file',
          source_type: 'url',
          url: `data:text/plain;base64,${TEXT_BASE64}`,
          mime_type: 'text/plain',
          metadata: { filename: 'hello.txt' },
        },
        { type: 'file', data: 'JVBERi0xLjQK', mimeType: 'application/pdf' },
        { type: 'file', source_type: 'id', id: 'file-abc123' },
        { type: 'file', fileId: 'file-def456', metadata: { filename: 'report.pdf' } },
      ]),
    ).toEqual([
      {
        type: 'file',
        file: { file_data: `data:text/plain;base64,${TEXT_BASE64}`, filename: 'hello.txt' },
      },
      { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
      { type: 'file', file: { file_id: 'file-abc123' } },
      { type: 'file', file: { file_id: 'file-def456', filename: 'report.pdf' } },
    ]);
  });

  it('a plain-text file travels as text', async () => {
    expect(
      await partsFor([
        { type: 'file', source_type: 'text', text: 'Hello, World!', metadata: { filename: 'a' } },
      ]),
    ).toBe('Hello, World!');
    expect(await partsFor([{ type: 'text-plain', text: 'v1 text', mimeType: 'text/plain' }])).toBe(
      'v1 text',
    );
  });

  it('a file by http URL is an error', async () => {
    const error = await errorFor([
      { type: 'file', source_type: 'url', url: 'https://example.com/dummy.pdf' },
    ]);
    expect(error.blockType).toBe('file');
    expect(error.message).toMatch(/as base64 data or a file id, not by URL/);
  });
});

describe('what cannot be sent', () => {
  it('video and provider-specific blocks in a user turn are errors, never an empty turn', async () => {
    expect((await errorFor([{ type: 'video', url: 'https://example.com/v.mp4' }])).blockType).toBe(
      'video',
    );
    const document = await errorFor([{ type: 'document', source: { type: 'base64' } }]);
    expect(document.blockType).toBe('document');
    expect(document.message).toMatch(/not a block type Databricks chat endpoints take/);
    expect(document.toJSON()).toMatchObject({
      name: 'DatabricksContentBlockError',
      blockType: 'document',
      messageIndex: 1,
    });
  });

  it("an assistant turn's own reasoning and tool_use blocks are left out", async () => {
    const { model, calls } = chat();
    await model.invoke([
      new HumanMessage('q'),
      new AIMessage({
        content: [
          { type: 'reasoning', reasoning: 'thinking...' },
          { type: 'text', text: 'answer' },
        ],
      }),
      new HumanMessage('again'),
    ]);
    expect(bodyAt<{ messages: unknown[] }>(calls).messages[1]).toEqual({
      role: 'assistant',
      content: 'answer',
    });
  });

  it('OpenAI-format input_audio and file parts pass through unchanged', async () => {
    const parts = [
      { type: 'input_audio', input_audio: { data: WAV_BASE64, format: 'wav' } },
      { type: 'file', file: { file_id: 'file-1' } },
    ];
    expect(await partsFor(parts)).toEqual(parts);
  });
});
