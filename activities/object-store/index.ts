// The object store behind an s3:// or gs:// URL, with this process's settings (LLMBATCH_S3_ENDPOINT,
// LLMBATCH_S3_FORCE_PATH_STYLE, STORAGE_EMULATOR_HOST). One client per service and settings, made
// on first use: the SDKs pool their connections, and a worker reads many ranges of many shards.
import { loadConfig, type ObjectStorageSettings } from '../../common/config';
import { parseObjectUrl, type ObjectUrl } from '../../common/object-url';
import { GcsObjectStore, gcsClient } from './gcs';
import { S3ObjectStore, s3Client } from './s3';
import type { ObjectStore } from './types';

export { StorageError, type ObjectInfo, type ObjectStore } from './types';

const stores = new Map<string, ObjectStore>();

function storeOf(scheme: ObjectUrl['scheme'], settings: ObjectStorageSettings): ObjectStore {
  const id = `${scheme} ${JSON.stringify(settings)}`;
  let store = stores.get(id);
  if (!store) {
    store = scheme === 's3' ? new S3ObjectStore(s3Client(settings)) : new GcsObjectStore(gcsClient(settings));
    stores.set(id, store);
  }
  return store;
}

/** The store, bucket and key an s3:// or gs:// URL names. */
export function objectAt(
  url: string,
  settings: ObjectStorageSettings = loadConfig(process.env).objectStorage,
): ObjectUrl & { store: ObjectStore } {
  const parsed = parseObjectUrl(url);
  return { ...parsed, store: storeOf(parsed.scheme, settings) };
}
