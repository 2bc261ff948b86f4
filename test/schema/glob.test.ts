/**
 * Globs of `matches` (CONTRACT.md section 1): `*` any run without `/`, `**` any run, `?` one
 * character other than `/`, everything else literal, anchored at both ends, linear time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch } from '../../schema/glob.js';

// [glob, text, expected]
const table: Array<[string, string, boolean]> = [
  // literals and anchoring
  ['/pricing', '/pricing', true],
  ['/pricing', '/pricing/', false],
  ['/pricing', '/pricing2', false],
  ['/pricing', 'x/pricing', false],
  ['pricing', '/pricing', false],
  ['/Pricing', '/pricing', false],
  ['a', '', false],
  // *
  ['*', '', true],
  ['*', 'abc', true],
  ['*', 'a/b', false],
  ['*', '/', false],
  ['/blog/*', '/blog/', true],
  ['/blog/*', '/blog/post', true],
  ['/blog/*', '/blog/a/b', false],
  ['/blog/*', '/blog', false],
  ['*.pdf', 'a.pdf', true],
  ['*.pdf', 'files/a.pdf', false],
  ['*.pdf', '.pdf', true],
  ['*.pdf', 'a.pdfx', false],
  ['/a/*/c', '/a//c', true],
  ['/a/*/c', '/a/b/c', true],
  ['/a/*/c', '/a/b/x/c', false],
  ['*a', 'aaaa', true],
  ['a*a', 'a', false],
  ['a*a', 'aa', true],
  ['*/*', '/', true],
  ['*/*', 'a/b/c', false],
  // **
  ['**', '', true],
  ['**', '/a/b/c', true],
  ['/blog/**', '/blog/', true],
  ['/blog/**', '/blog/a/b', true],
  ['/blog/**', '/blog', false],
  ['**/index.html', '/a/b/index.html', true],
  ['**/index.html', 'index.html', false],
  ['/**/index.html', '/index.html', false],
  ['/**/index.html', '/a/index.html', true],
  ['/**/index.html', '/a/b/index.html', true],
  ['/**.pdf', '/a/b/c.pdf', true],
  ['**a**', 'xx/yy', false],
  ['**a**', 'x/a/y', true],
  ['***', 'a/b', true],
  ['/a/**/b/*', '/a/x/y/b/z', true],
  ['/a/**/b/*', '/a/x/y/b/z/w', false],
  // ?
  ['?', '', false],
  ['?', 'a', true],
  ['?', '/', false],
  ['?', 'ab', false],
  ['/p?', '/p1', true],
  ['/p?', '/p', false],
  ['/p??', '/p12', true],
  ['/a?b', '/a/b', false],
  ['?*', '', false],
  ['*?', 'a', true],
  ['?**', '/a', false],
  ['?**', 'a/b', true],
  // trailing slash
  ['/docs/', '/docs', false],
  ['/docs', '/docs/', false],
  ['/docs/*', '/docs/', true],
  ['/docs/**', '/docs/', true],
  // characters that are special elsewhere
  ['/a[1]', '/a[1]', true],
  ['/a[1]', '/a1', false],
  ['/a[!b]', '/a[!b]', true],
  ['/{a,b}', '/a', false],
  ['/{a,b}', '/{a,b}', true],
  ['/a.html', '/a.html', true],
  ['/a.html', '/aXhtml', false],
  ['/a+', '/aa', false],
  ['/a+', '/a+', true],
  ['^/a$', '^/a$', true],
  ['/a\\*', '/a\\xyz', true],
  ['/a\\*', '/a*', false],
  ['/a\\?', '/a\\b', true],
  ['/a\\?', '/a?', false],
  ['/50%', '/50%', true],
  ['/50%', '/50x', false],
  ['/a_b', '/axb', false],
  ['/a_b', '/a_b', true],
  ['/a|b', '/a', false],
  ['/(a)', '/(a)', true],
  // unicode (code points)
  ['/caf?', '/caf\u00e9', true],
  ['/caf?', '/cafe\u0301', false],
  ['/caf??', '/cafe\u0301', true],
  ['/?', '/\u{1F600}', true],
  ['/??', '/\u{1F600}', false],
  ['/\u{1F600}*', '/\u{1F600}x', true],
  ['/*', '/\u65e5\u672c\u8a9e', true],
  ['/\u00fcber/*', '/\u00fcber/x', true],
  ['/\u00fcber/*', '/uber/x', false],
  ['\u00e9', 'e\u0301', false],
];

describe('globMatch corner cases', () => {
  for (const [glob, text, expected] of table) {
    it(`${JSON.stringify(glob)} on ${JSON.stringify(text)} is ${expected}`, () => {
      expect(globMatch(glob, text)).toBe(expected);
      expect(compileGlob(glob).test(text)).toBe(expected);
    });
  }
});

/** A plain backtracking matcher over code points: the obvious definition, for small inputs only. */
function naive(glob: string, text: string): boolean {
  const g = [...glob];
  const t = [...text];
  const memo = new Map<string, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === g.length) result = j === t.length;
    else if (g[i] === '*' && g[i + 1] === '*') {
      let k = i;
      while (g[k] === '*') k++;
      result = false;
      for (let end = j; end <= t.length && !result; end++) result = go(k, end);
    } else if (g[i] === '*') {
      result = false;
      for (let end = j; end <= t.length && !result; end++) {
        result = go(i + 1, end);
        if (t[end] === '/') break;
      }
    } else if (g[i] === '?') result = j < t.length && t[j] !== '/' && go(i + 1, j + 1);
    else result = j < t.length && t[j] === g[i] && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}

describe('globMatch agrees with a plain definition', () => {
  it('on random globs and texts over a small alphabet', () => {
    const glob = fc.string({ unit: fc.constantFrom('a', 'b', '/', '*', '?', '.', '\u00e9'), minLength: 1, maxLength: 8 });
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', '\u00e9', '\u{1F600}'), maxLength: 10 });
    fc.assert(
      fc.property(glob, text, (g, t) => globMatch(g, t) === naive(g, t)),
      { numRuns: 3000 },
    );
  });
});

describe('globMatch runs in linear time', () => {
  const long = 'a'.repeat(10_000);
  it('a pathological pattern on a 10,000-character string finishes', () => {
    expect(globMatch('*a*a*a*a*a*b', long)).toBe(false);
    expect(globMatch('*a*a*a*a*a*a', long)).toBe(true);
    expect(globMatch('**a**a**a**a**a**b', `${'a/'.repeat(5_000)}`)).toBe(false);
    expect(globMatch('?*?*?*?*?*?*?*?*b', long)).toBe(false);
    // Literal head and tail that match, so the whole middle goes through the automaton.
    expect(globMatch('a*a*a*a*a*a*c*b', `${long}b`)).toBe(false);
    expect(globMatch('a*a*a*a*a*a*?b', `${long}b`)).toBe(true);
    expect(globMatch('a**a**a**a**a**c**b', `${'a/'.repeat(5_000)}b`)).toBe(false);
  });

  it('many pathological matches in a row finish', () => {
    const glob = `${'*a'.repeat(40)}*c*b`;
    for (let i = 0; i < 20; i++) expect(globMatch(glob, `${long}${i}b`)).toBe(false);
  });
});
