/**
 * The last good ruleset in Workers KV, so that it outlives isolates: a fresh isolate during an API
 * outage tags with it instead of with nothing. One entry per feed identity (feed URL + edge key,
 * hashed): the feed's JSON text as the value, `{ format, etag, version, savedAt }` as metadata.
 * Written only when the ruleset changes (its ETag or version differs from what KV holds), deleted
 * when the API refuses the edge key. What is read back is checked like an answer of the API, and its
 * version must equal the metadata's, so a corrupt or truncated entry is ignored.
 */
import { readRulesetText, withTimeout, type HeldRuleset, type ReadRuleset } from './ruleset-body.js';

/** The part of a Workers KV namespace binding used here. */
export interface RulesetKv {
  getWithMetadata(key: string, type: 'text'): Promise<{ value: string | null; metadata: unknown }>;
  getWithMetadata(key: string, type: 'stream'): Promise<{ value: ReadableStream | null; metadata: unknown }>;
  put(key: string, value: string, options: { metadata: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** True for something that looks like a KV binding (a mistyped var named RULESETS is not one). */
export function isRulesetKv(binding: unknown): binding is RulesetKv {
  if (typeof binding !== 'object' || binding === null) return false;
  const b = binding as Record<string, unknown>;
  return typeof b.getWithMetadata === 'function' && typeof b.put === 'function' && typeof b.delete === 'function';
}

const FORMAT = 1;
/** KV metadata is at most 1,024 bytes: longer ETags or versions are not kept. */
const MAX_TAG_LENGTH = 256;

interface VaultMetadata {
  format: typeof FORMAT;
  etag: string | null;
  version: string;
  savedAt: number;
}

function readMetadata(raw: unknown): VaultMetadata | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.format !== FORMAT || typeof m.version !== 'string' || typeof m.savedAt !== 'number') return null;
  if (m.etag !== null && typeof m.etag !== 'string') return null;
  return { format: FORMAT, etag: m.etag, version: m.version, savedAt: m.savedAt };
}

/** What distinguishes one ruleset from another for the purpose of rewriting it. */
function signature(etag: string | null, version: string): string {
  return `${etag ?? ''}\n${version}`;
}

export class RulesetVault {
  /** The signature KV is known to hold (undefined: not known in this isolate yet). */
  private holds: string | null | undefined = undefined;

  constructor(
    private readonly kv: RulesetKv,
    private readonly key: Promise<string>,
    private readonly options: { timeoutMs: number; now: () => number },
  ) {}

  private async load(): Promise<{ value: string | null; metadata: VaultMetadata | null }> {
    const key = await this.key;
    const entry = await withTimeout(this.kv.getWithMetadata(key, 'text'), this.options.timeoutMs, 'Workers KV');
    return { value: entry.value, metadata: readMetadata(entry.metadata) };
  }

  /** The kept ruleset, null when there is none, or a refusal when the entry is not a good one. */
  async read(): Promise<ReadRuleset | null> {
    const { value, metadata } = await this.load();
    if (value === null) {
      this.holds = null;
      return null;
    }
    if (!metadata) return { ok: false, error: 'KV entry without valid metadata' };
    const read = readRulesetText(value, metadata.etag);
    if (!read.ok) return read;
    if (read.held.ruleset.version !== metadata.version) return { ok: false, error: 'KV entry version does not match its metadata' };
    this.holds = signature(metadata.etag, metadata.version);
    return read;
  }

  /** Keeps `held` unless KV already holds it (one metadata read when this isolate does not know). */
  async save(held: HeldRuleset): Promise<void> {
    const version = held.ruleset.version;
    if (version.length > MAX_TAG_LENGTH) return;
    const etag = held.etag !== null && held.etag.length <= MAX_TAG_LENGTH ? held.etag : null;
    const wanted = signature(etag, version);
    if (this.holds === wanted) return;
    if (this.holds === undefined) {
      // Only the metadata matters here: the value's stream is cancelled unread.
      const key = await this.key;
      const entry = await withTimeout(this.kv.getWithMetadata(key, 'stream'), this.options.timeoutMs, 'Workers KV');
      await entry.value?.cancel();
      const metadata = readMetadata(entry.metadata);
      if (entry.value !== null && metadata && signature(metadata.etag, metadata.version) === wanted) {
        this.holds = wanted;
        return;
      }
    }
    const metadata: VaultMetadata = { format: FORMAT, etag, version, savedAt: this.options.now() };
    await withTimeout(this.key.then((key) => this.kv.put(key, held.text, { metadata })), this.options.timeoutMs, 'Workers KV');
    this.holds = wanted;
  }

  async erase(): Promise<void> {
    this.holds = undefined;
    await withTimeout(this.key.then((key) => this.kv.delete(key)), this.options.timeoutMs, 'Workers KV');
    this.holds = null;
  }
}
