// The Gemini Files API as @google/genai uses it: a resumable upload (a `start` call that answers
// with an `x-goog-upload-url`, then `upload` calls with their offsets, the last one `upload, finalize`,
// answered `x-goog-upload-status: final` and the File), files.get, and the download of a file's
// bytes (`files/{id}:download?alt=media`), which is how a batch's responses file is read.
import { googleError } from '../core/errors';
import { randomId } from '../core/ids';

/** The Gemini API's per-file limit. */
export const MAX_GEMINI_FILE_BYTES = 2 * 1024 * 1024 * 1024;
/** Uploaded files live 48 hours at Gemini. */
const FILE_TTL_MS = 48 * 3600 * 1000;

export interface GeminiFile {
  /** `files/abc123`. */
  name: string;
  displayName?: string;
  mimeType: string;
  bytes: number;
  createdAtMs: number;
  chunks: Buffer[];
}

interface UploadSession {
  displayName?: string;
  mimeType: string;
  declaredBytes: number;
  chunks: Buffer[];
  received: number;
}

export class GeminiFileStore {
  private readonly files = new Map<string, GeminiFile>();
  private readonly sessions = new Map<string, UploadSession>();

  /** The `start` of a resumable upload: the session's id, for the upload URL. */
  start(meta: { displayName?: string; mimeType?: string; declaredBytes: number }): string {
    if (!meta.mimeType)
      throw googleError(400, 'Upload has no mime type: X-Goog-Upload-Header-Content-Type is required.');
    if (meta.declaredBytes > MAX_GEMINI_FILE_BYTES)
      throw googleError(400, `File size ${meta.declaredBytes} exceeds the limit of ${MAX_GEMINI_FILE_BYTES} bytes.`);
    const id = randomId('', 32);
    this.sessions.set(id, { ...meta, mimeType: meta.mimeType, chunks: [], received: 0 });
    return id;
  }

  /** One `upload` call: its bytes at `offset`; with finalize, the File. */
  upload(sessionId: string, offset: number, body: Buffer, finalize: boolean): GeminiFile | undefined {
    const session = this.sessions.get(sessionId);
    if (!session) throw googleError(404, `No upload session ${sessionId} (it expired or was finalized).`);
    if (offset !== session.received)
      throw googleError(400, `Upload offset ${offset} does not match the ${session.received} bytes received so far.`);
    session.chunks.push(body);
    session.received += body.length;
    if (session.received > MAX_GEMINI_FILE_BYTES)
      throw googleError(400, `File size exceeds the limit of ${MAX_GEMINI_FILE_BYTES} bytes.`);
    if (!finalize) return undefined;
    this.sessions.delete(sessionId);
    return this.add({ displayName: session.displayName, mimeType: session.mimeType, chunks: session.chunks });
  }

  add(meta: { displayName?: string; mimeType: string; chunks: Buffer[]; name?: string }): GeminiFile {
    const file: GeminiFile = {
      name: meta.name ?? `files/${randomId('', 12).toLowerCase()}`,
      ...(meta.displayName ? { displayName: meta.displayName } : {}),
      mimeType: meta.mimeType,
      bytes: meta.chunks.reduce((n, c) => n + c.length, 0),
      createdAtMs: Date.now(),
      chunks: meta.chunks,
    };
    this.files.set(file.name, file);
    return file;
  }

  /** By `files/abc` or `abc`. */
  get(name: string): GeminiFile {
    const file = this.files.get(name.startsWith('files/') ? name : `files/${name}`);
    if (!file) throw googleError(403, `You do not have permission to access the File ${name} or it may not exist.`);
    return file;
  }

  delete(name: string): void {
    this.files.delete(this.get(name).name);
  }

  /** The File resource as the API returns it. */
  toJson(file: GeminiFile, origin: string) {
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      name: file.name,
      ...(file.displayName ? { displayName: file.displayName } : {}),
      mimeType: file.mimeType,
      sizeBytes: String(file.bytes),
      createTime: iso(file.createdAtMs),
      updateTime: iso(file.createdAtMs),
      expirationTime: iso(file.createdAtMs + FILE_TTL_MS),
      uri: `${origin}/v1beta/${file.name}`,
      downloadUri: `${origin}/v1beta/${file.name}:download?alt=media`,
      state: 'ACTIVE',
      source: file.name.startsWith('files/batch-') ? 'GENERATED' : 'UPLOADED',
    };
  }
}
