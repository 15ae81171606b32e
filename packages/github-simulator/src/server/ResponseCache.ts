export interface CachedResponse {
  json: string;
  etag: string;
  link?: string;
  lastModified?: number;
}

/**
 * Serialized responses keyed by URL and tagged with the repository version
 * they were built from, so repeated polling of unchanged data skips
 * serialization and hashing. Least recently used entries are evicted once
 * the cached bodies exceed the byte budget.
 */
export class ResponseCache {
  private readonly entries = new Map<
    string,
    { version: number; response: CachedResponse }
  >();
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, version: number): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) {
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.response;
  }

  set(key: string, version: number, response: CachedResponse): void {
    this.delete(key);
    if (response.json.length > this.maxBytes) {
      return;
    }
    this.entries.set(key, { version, response });
    this.size += response.json.length;
    while (this.size > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.delete(oldest);
    }
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      this.size -= entry.response.json.length;
      this.entries.delete(key);
    }
  }
}
