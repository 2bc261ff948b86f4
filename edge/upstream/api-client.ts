/**
 * The Worker's calls to the API, each bounded by a timeout. `fetch` is looked up at call time so
 * that tests (and a future service binding) can replace it.
 */
export type FetchFn = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  baseUrl: URL;
  apiKey: string | null;
  fetch?: FetchFn;
}

export class UpstreamTimeout extends Error {
  constructor(ms: number) {
    super(`upstream did not answer within ${ms} ms`);
  }
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  /**
   * Sends a request and reads its answer with `read`, all within `timeoutMs`; rejects on network
   * errors, on timeout and with whatever `read` throws.
   */
  async call<T>(path: string, init: RequestInit, timeoutMs: number, read: (response: Response) => Promise<T>): Promise<T> {
    const headers = new Headers(init.headers);
    if (this.options.apiKey) headers.set('authorization', `Bearer ${this.options.apiKey}`);
    const target = new URL(path.replace(/^\//, ''), this.options.baseUrl.href.replace(/\/?$/, '/'));
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new UpstreamTimeout(timeoutMs));
      }, timeoutMs);
    });
    const fetchFn = this.options.fetch ?? ((input, requestInit) => fetch(input, requestInit));
    try {
      const exchange = fetchFn(target, { ...init, headers, signal: controller.signal }).then(read);
      exchange.catch(() => undefined); // no unhandled rejection when the timeout won
      return await Promise.race([exchange, timeout]);
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }
}
