/**
 * Fault injection shared by test/api/faults and the soak (bench/soak.ts): a terminator that kills
 * every backend of a database on the real PostgreSQL, client loads over HTTP that record what the
 * API acknowledged, and the check that every acknowledged write is in the database afterwards.
 */
import pg from 'pg';

export type Gql = (query: string, variables?: Record<string, unknown>) => Promise<{ status: number; data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;

/** A GraphQL client of a server at `url` with one bearer key. */
export function gqlClient(url: string, key: string): Gql {
  return async (query, variables) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    try {
      return { ...(JSON.parse(text) as object), status: response.status };
    } catch {
      return { status: response.status, errors: [{ message: text.slice(0, 200), extensions: { code: `HTTP_${response.status}` } }] };
    }
  };
}

export interface Terminator {
  /** Stops; resolves with how many backends were terminated. */
  stop(): Promise<number>;
}

/**
 * Every `intervalMs`, terminates every backend connected to `database` (`pg_terminate_backend`),
 * from its own connection to `adminUrl` (a database other than `database`).
 */
export async function startTerminator(adminUrl: string, database: string, intervalMs: number): Promise<Terminator> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let killed = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (stopped) break;
      const { rows } = await admin.query<{ n: number }>(
        'select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      killed += rows[0]?.n ?? 0;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await admin.end();
      return killed;
    },
  };
}

export const TRACK = 'mutation($events: [TrackEventInput!]!) { trackEvents(events: $events) { accepted duplicates } }';
export const UPSERT = 'mutation($input: ProfileInput!) { upsertProfile(input: $input) { id externalId } }';
export const UPSERTS = 'mutation($inputs: [ProfileInput!]!) { upsertProfiles(inputs: $inputs) { created updated } }';
export const PREVIEW = 'query($rule: JSON!) { previewSegment(rule: $rule) { size totalProfiles } }';

export interface LoadFigures {
  requests: number;
  /** Requests answered with data, by operation. */
  ok: Record<string, number>;
  /** Error answers by `extensions.code` (non-retryable UNAVAILABLE counted as `UNAVAILABLE(not retryable)`). */
  errors: Record<string, number>;
  latenciesMs: number[];
  /** Event ids of acknowledged trackEvents; externalId -> email of acknowledged upserts. */
  ackedEvents: string[];
  ackedProfiles: Map<string, string>;
}

export function emptyFigures(): LoadFigures {
  return { requests: 0, ok: {}, errors: {}, latenciesMs: [], ackedEvents: [], ackedProfiles: new Map() };
}

function countError(figures: LoadFigures, error: { extensions?: Record<string, unknown> } | undefined): void {
  const code = String(error?.extensions?.code ?? 'NO_CODE');
  const key = code === 'UNAVAILABLE' && error?.extensions?.retryable !== true ? 'UNAVAILABLE(not retryable)' : code;
  figures.errors[key] = (figures.errors[key] ?? 0) + 1;
}

/**
 * `clients` concurrent clients for `durationMs`, each in turn previewing a rule, tracking a batch
 * of 3 events (2 purchases) of a few shared profiles and upserting a new profile with an e-mail;
 * what was acknowledged is recorded in `figures`.
 */
export async function runMixedLoad(gql: Gql, options: { clients: number; durationMs: number; tag: string }, figures = emptyFigures()): Promise<LoadFigures> {
  const until = Date.now() + options.durationMs;
  const call = async (op: string, query: string, variables: Record<string, unknown>): Promise<boolean> => {
    const started = performance.now();
    figures.requests += 1;
    let result: Awaited<ReturnType<Gql>>;
    try {
      result = await gql(query, variables);
    } catch (error) {
      // The server did not answer at all (process gone, connection refused): the worst outcome.
      countError(figures, { extensions: { code: `NO_ANSWER:${error instanceof Error ? error.message : String(error)}` } });
      return false;
    }
    figures.latenciesMs.push(performance.now() - started);
    if (result.errors?.length || !result.data) {
      countError(figures, result.errors?.[0]);
      return false;
    }
    figures.ok[op] = (figures.ok[op] ?? 0) + 1;
    return true;
  };
  const client = async (c: number) => {
    for (let i = 0; Date.now() < until; i++) {
      const id = `${options.tag}-${c}-${i}`;
      await call('previewSegment', PREVIEW, { rule: { all: [{ attr: 'purchases.count', op: 'gte', value: 1 }] } });
      const buyer = `${options.tag}-buyer-${(c + i) % 5}`;
      const timestamp = new Date().toISOString();
      const batch = [
        { eventId: `${id}-p1`, externalId: buyer, name: 'purchase', properties: { revenue: 10 }, timestamp },
        { eventId: `${id}-p2`, externalId: `${options.tag}-buyer-${(c + i + 1) % 5}`, name: 'purchase', properties: { revenue: 5 }, timestamp },
        { eventId: `${id}-v`, externalId: buyer, name: 'page_view', properties: { path: '/' }, timestamp },
      ];
      if (await call('trackEvents', TRACK, { events: batch })) figures.ackedEvents.push(...batch.map((e) => e.eventId));
      const email = `${id}@example.com`;
      if (await call('upsertProfile', UPSERT, { input: { externalId: `${id}-person`, email } })) figures.ackedProfiles.set(`${id}-person`, email);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  return figures;
}

function shuffled<T>(values: readonly T[]): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * `clients` concurrent writers for `durationMs` over the same `profiles` externalIds, each batch in
 * a random order: trackEvents batches of purchases (one or two a profile) and upsertProfiles
 * batches. `acceptedEvents` sums what trackEvents reported as written.
 */
export async function runConcurrentWriters(
  gql: Gql,
  options: { clients: number; durationMs: number; profiles: number; tag: string },
  figures = emptyFigures(),
): Promise<LoadFigures & { acceptedEvents: number }> {
  const until = Date.now() + options.durationMs;
  const ids = Array.from({ length: options.profiles }, (_, i) => `${options.tag}-${i}`);
  let acceptedEvents = 0;
  const client = async (c: number) => {
    for (let i = 0; Date.now() < until; i++) {
      const some = shuffled(ids).slice(0, Math.max(2, Math.ceil(ids.length / 2)));
      const started = performance.now();
      figures.requests += 1;
      const timestamp = new Date().toISOString();
      const track = i % 2 === 0;
      const result = track
        ? await gql(TRACK, {
            events: some.flatMap((externalId, k) =>
              Array.from({ length: 1 + (k % 2) }, (_, n) => ({ eventId: `${options.tag}-${c}-${i}-${k}-${n}`, externalId, name: 'purchase', properties: { revenue: 1 + n }, timestamp })),
            ),
          })
        : await gql(UPSERTS, { inputs: some.map((externalId, k) => ({ externalId, firstName: `c${c}`, city: k % 2 ? 'Hanoi' : 'Hue' })) });
      figures.latenciesMs.push(performance.now() - started);
      const op = track ? 'trackEvents' : 'upsertProfiles';
      if (result.errors?.length || !result.data) countError(figures, result.errors?.[0]);
      else {
        figures.ok[op] = (figures.ok[op] ?? 0) + 1;
        if (track) acceptedEvents += (result.data as { trackEvents: { accepted: number } }).trackEvents.accepted;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  return { ...figures, acceptedEvents };
}

/** Acknowledged writes missing from the database at `url` (must be none). */
export async function lostWrites(url: string, figures: LoadFigures): Promise<{ events: number; profiles: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events = await client.query<{ n: number }>(
      'select count(*)::int as n from unnest($1::text[]) as a(id) where not exists (select 1 from events e where e.event_id = a.id)',
      [figures.ackedEvents],
    );
    const profiles = await client.query<{ n: number }>(
      `select count(*)::int as n from unnest($1::text[], $2::text[]) as a(external_id, email)
       where not exists (select 1 from profiles p where p.external_id = a.external_id and p.email = a.email)`,
      [[...figures.ackedProfiles.keys()], [...figures.ackedProfiles.values()]],
    );
    return { events: events.rows[0]!.n, profiles: profiles.rows[0]!.n };
  } finally {
    await client.end();
  }
}

/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
