/**
 * Globs of the rule language (`matches`): `*` any run of characters except `/`, `**` any run
 * including `/`, `?` exactly one character other than `/`; every other character stands for itself
 * (no escapes, no classes); anchored at both ends; characters are Unicode code points.
 *
 * Matching never backtracks: a glob compiles to a small automaton that is simulated over the input
 * (O(input × pattern) in the worst case, no exponential blow-up), with fast paths for the shapes
 * marketers write (`/pricing`, `/pricing/**`, `*.pdf`). No regular expression is built from input.
 */

/** One position of a compiled glob. */
type Token = { kind: 'char'; cp: number } | { kind: 'one' } | { kind: 'star' } | { kind: 'globstar' };

/**
 * A compiled glob: call `test(text)`.
 * @example compileGlob('/blog/*').test('/blog/a'); // true
 */
export interface CompiledGlob {
  readonly source: string;
  test(text: string): boolean;
}

const SLASH = 0x2f;

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; ) {
    const cp = glob.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    if (cp === 0x2a /* * */) {
      if (glob.charCodeAt(i) === 0x2a) {
        while (glob.charCodeAt(i) === 0x2a) i++;
        const last = tokens[tokens.length - 1];
        if (last?.kind === 'star') tokens[tokens.length - 1] = { kind: 'globstar' };
        else if (last?.kind !== 'globstar') tokens.push({ kind: 'globstar' });
      } else {
        const last = tokens[tokens.length - 1];
        // `*` right after `**` adds nothing; `**` after `*` is handled above.
        if (last?.kind !== 'globstar' && last?.kind !== 'star') tokens.push({ kind: 'star' });
      }
    } else if (cp === 0x3f /* ? */) tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', cp });
  }
  return tokens;
}

function literalOf(tokens: readonly Token[]): string {
  return tokens.map((t) => (t.kind === 'char' ? String.fromCodePoint(t.cp) : '')).join('');
}

/** Simulates the automaton of `tokens` over `text` from code unit `from` to `to`. */
function simulate(tokens: readonly Token[], text: string, from: number, to: number): boolean {
  const m = tokens.length;
  let current = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const close = (set: Uint8Array) => {
    for (let i = 0; i < m; i++) {
      const k = tokens[i]!.kind;
      if (set[i] && (k === 'star' || k === 'globstar')) set[i + 1] = 1;
    }
  };
  current[0] = 1;
  close(current);
  for (let p = from; p < to; ) {
    const cp = text.codePointAt(p) as number;
    p += cp > 0xffff ? 2 : 1;
    next.fill(0);
    let any = false;
    for (let i = 0; i < m; i++) {
      if (!current[i]) continue;
      const t = tokens[i]!;
      switch (t.kind) {
        case 'char':
          if (t.cp === cp) {
            next[i + 1] = 1;
            any = true;
          }
          break;
        case 'one':
          if (cp !== SLASH) {
            next[i + 1] = 1;
            any = true;
          }
          break;
        case 'star':
          if (cp !== SLASH) {
            next[i] = 1;
            any = true;
          }
          break;
        case 'globstar':
          {
            next[i] = 1;
            any = true;
          }
          break;
      }
    }
    if (!any) return false;
    close(next);
    [current, next] = [next, current];
  }
  return current[m] === 1;
}

/**
 * Compiles a glob once; the result can be tested against many strings.
 * @example compileGlob('/docs/**').test('/docs/a/b'); // true
 * @example compileGlob('/docs/*').test('/docs/a/b'); // false
 */
export function compileGlob(glob: string): CompiledGlob {
  const tokens = tokenize(glob);
  // Split off the literal head and tail so most inputs are settled by two string comparisons.
  let head = 0;
  while (head < tokens.length && tokens[head]!.kind === 'char') head++;
  let tail = tokens.length;
  while (tail > head && tokens[tail - 1]!.kind === 'char') tail--;
  const prefix = literalOf(tokens.slice(0, head));
  const suffix = literalOf(tokens.slice(tail));
  const middle = tokens.slice(head, tail);
  let test: (text: string) => boolean;
  if (middle.length === 0) test = (text) => text === prefix;
  else if (middle.length === 1 && middle[0]!.kind === 'globstar') {
    test = (text) => text.length >= prefix.length + suffix.length && text.startsWith(prefix) && text.endsWith(suffix);
  } else if (middle.length === 1 && middle[0]!.kind === 'star') {
    test = (text) =>
      text.length >= prefix.length + suffix.length &&
      text.startsWith(prefix) &&
      text.endsWith(suffix) &&
      noSlashBetween(text, prefix.length, text.length - suffix.length);
  } else {
    test = (text) =>
      text.length >= prefix.length + suffix.length &&
      text.startsWith(prefix) &&
      text.endsWith(suffix) &&
      simulate(middle, text, prefix.length, text.length - suffix.length);
  }
  return { source: glob, test };
}

function noSlashBetween(text: string, from: number, to: number): boolean {
  const at = text.indexOf('/', from);
  return at === -1 || at >= to;
}

const cache = new Map<string, CompiledGlob>();

/**
 * Whether `text` matches `glob` (compiled globs are cached, up to 10,000 of them).
 * @example globMatch('/p?ge', '/page'); // true
 * @example globMatch('*.pdf', 'files/a.pdf'); // false: `*` does not cross `/`
 */
export function globMatch(glob: string, text: string): boolean {
  let compiled = cache.get(glob);
  if (!compiled) {
    compiled = compileGlob(glob);
    if (cache.size < 10_000) cache.set(glob, compiled);
  }
  return compiled.test(text);
}
