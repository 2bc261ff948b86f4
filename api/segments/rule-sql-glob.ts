/**
 * Globs of the rule language (schema/glob.ts) as PostgreSQL regular expressions for the profile
 * evaluator (rule-sql.ts). The regex is built from the glob but always passed as a bound parameter.
 */

/**
 * Translates a glob of the rule language to an anchored PostgreSQL regular expression:
 * `**` -> `.*`, `*` -> `[^/]*`, `?` -> `[^/]`, every other character literal.
 * @example globToPostgresRegex('/blog/*.html'); // '^\/blog\/[^/]*\.html$'
 */
export function globToPostgresRegex(glob: string): string {
  let out = '^';
  const chars = Array.from(glob);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') {
      if (chars[i + 1] === '*') {
        out += '.*';
        while (chars[i + 1] === '*') i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (/^[A-Za-z0-9]$/.test(c) || c.codePointAt(0)! > 127) out += c;
    else out += `\\${c}`;
  }
  return `${out}$`;
}
