// The Files API: an in-memory store and the streaming multipart upload. Uploads are parsed with
// busboy as they arrive and kept as the chunks the socket delivered: a 200 MB batch file is never
// buffered as a whole request nor copied into one string before it is needed.
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { invalidRequest, notFound } from '../core/errors';
import { randomId } from '../core/ids';

/** OpenAI's per-file limit; batch inputs are further limited to 200 MB when a batch is created. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
const UPLOAD_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
const BATCH_FILE_TTL_SEC = 30 * 24 * 3600;

export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  createdAtSec: number;
  expiresAtSec?: number;
  chunks: Buffer[];
}

export class FileStore {
  /** A Map keeps insertion order, which is creation order: what listing sorts by. */
  private readonly files = new Map<string, StoredFile>();

  add(meta: Omit<StoredFile, 'id' | 'bytes'>): StoredFile {
    const bytes = meta.chunks.reduce((n, c) => n + c.length, 0);
    const file: StoredFile = { ...meta, id: randomId('file-', 22), bytes };
    this.files.set(file.id, file);
    return file;
  }

  get(id: string): StoredFile {
    const file = this.files.get(id);
    if (!file) throw notFound(`No such File object: ${id}`, 'id');
    return file;
  }

  has(id: string): boolean {
    return this.files.has(id);
  }

  delete(id: string): void {
    this.get(id);
    this.files.delete(id);
  }

  list(opts: { purpose?: string; limit: number; order: 'asc' | 'desc'; after?: string }): {
    data: StoredFile[];
    hasMore: boolean;
  } {
    let all = [...this.files.values()];
    if (opts.purpose) all = all.filter((f) => f.purpose === opts.purpose);
    if (opts.order === 'desc') all.reverse();
    let start = 0;
    if (opts.after) {
      const at = all.findIndex((f) => f.id === opts.after);
      start = at < 0 ? all.length : at + 1;
    }
    return { data: all.slice(start, start + opts.limit), hasMore: start + opts.limit < all.length };
  }

  clear(): void {
    this.files.clear();
  }
}

/** The OpenAIFile object of the spec. */
export function fileObject(f: StoredFile): object {
  return {
    id: f.id,
    object: 'file',
    bytes: f.bytes,
    created_at: f.createdAtSec,
    ...(f.expiresAtSec !== undefined ? { expires_at: f.expiresAtSec } : {}),
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
  };
}

export interface Upload {
  filename: string;
  purpose: string;
  chunks: Buffer[];
  expiresAfterSec?: number;
}

/** Parses `POST /v1/files` (multipart: `purpose`, `file`, optional `expires_after[...]`) as it streams in. */
export function receiveUpload(req: IncomingMessage): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 16 } });
    } catch {
      req.resume();
      reject(invalidRequest('Expected a multipart/form-data request with a file and a purpose.'));
      return;
    }
    const fields: Record<string, string> = {};
    let file: { filename: string; chunks: Buffer[]; truncated: boolean } | undefined;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      const current = { filename: info.filename || 'upload', chunks: [] as Buffer[], truncated: false };
      file = current;
      stream.on('data', (chunk: Buffer) => current.chunks.push(chunk));
      stream.on('limit', () => {
        current.truncated = true;
      });
    });
    parser.on('error', (err: Error) => reject(invalidRequest(`Malformed multipart body: ${err.message}`)));
    parser.on('close', () => {
      if (!file)
        return reject(invalidRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'));
      if (file.truncated) return reject(invalidRequest(`File exceeds the ${MAX_FILE_BYTES} byte limit.`, 'file'));
      const purpose = fields.purpose;
      if (!purpose)
        return reject(
          invalidRequest("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter'),
        );
      if (!UPLOAD_PURPOSES.includes(purpose))
        return reject(
          invalidRequest(`Invalid value for 'purpose': expected one of ${UPLOAD_PURPOSES.join(', ')}.`, 'purpose'),
        );
      let expiresAfterSec: number | undefined;
      if (fields['expires_after[seconds]'] !== undefined) {
        expiresAfterSec = Number(fields['expires_after[seconds]']);
        if (!Number.isInteger(expiresAfterSec) || expiresAfterSec < 3600 || expiresAfterSec > 2_592_000)
          return reject(invalidRequest('expires_after.seconds must be between 3600 and 2592000.', 'expires_after'));
      }
      resolve({ filename: file.filename, purpose, chunks: file.chunks, expiresAfterSec });
    });
    req.pipe(parser);
  });
}

export function storeUpload(store: FileStore, upload: Upload, nowMs: number): StoredFile {
  const createdAtSec = Math.floor(nowMs / 1000);
  const ttl = upload.expiresAfterSec ?? (upload.purpose === 'batch' ? BATCH_FILE_TTL_SEC : undefined);
  return store.add({
    filename: upload.filename,
    purpose: upload.purpose,
    chunks: upload.chunks,
    createdAtSec,
    expiresAtSec: ttl === undefined ? undefined : createdAtSec + ttl,
  });
}
