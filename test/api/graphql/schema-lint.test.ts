/**
 * `npm run schema:lint`: graphql-schema-linter with the rules of package.json ("graphql-schema-linter")
 * and the custom rule in scripts/schema-lint, run as the CLI on real files.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_SDL_PATH } from '../../../api/graphql/schema.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(dirname(createRequire(import.meta.url).resolve('graphql-schema-linter/package.json')), 'lib/cli.js');

interface Finding {
  rule: string;
  message: string;
}

/** Runs the linter on `file` from the project root (where it finds its configuration). */
function lint(file: string): Promise<{ status: number; findings: Finding[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, '--format', 'json', file], { cwd: ROOT }, (error, stdout, stderr) => {
      const status = error ? Number(error.code) : 0;
      if (status !== 0 && status !== 1) return reject(new Error(`graphql-schema-linter exited ${status}: ${stderr}`));
      resolve({ status, findings: (JSON.parse(stdout) as { errors: Finding[] }).errors });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'schema-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sdlFile(name: string, sdl: string): string {
  const path = join(dir, name);
  writeFileSync(path, sdl);
  return path;
}

describe('schema lint', () => {
  it('finds nothing in the committed schema.graphql', async () => {
    expect(await lint(SCHEMA_SDL_PATH)).toEqual({ status: 0, findings: [] });
  });

  it('reports every missing description, by member', async () => {
    const file = sdlFile(
      'undescribed.graphql',
      `"""Reads."""
type Query {
  """A profile."""
  profile(id: ID!): Profile
}

type Profile {
  """Its id."""
  id: ID!
  name: String
  kind: ProfileKind!
  old: String @deprecated
}

"""How it came."""
enum ProfileKind {
  """By hand."""
  MANUAL
  IMPORTED
}
`,
    );
    const { status, findings } = await lint(file);
    expect(status).toBe(1);
    expect(findings.filter((f) => !f.rule.startsWith('relay-')).map((f) => `${f.rule}: ${f.message}`).sort()).toEqual(
      [
        'arguments-have-descriptions: The `id` argument of `profile` is missing a description.',
        'deprecations-have-a-reason: The field `Profile.old` is deprecated but has no deprecation reason.',
        'enum-values-have-descriptions: The enum value `ProfileKind.IMPORTED` is missing a description.',
        'fields-have-descriptions: The field `Profile.kind` is missing a description.',
        'fields-have-descriptions: The field `Profile.name` is missing a description.',
        'fields-have-descriptions: The field `Profile.old` is missing a description.',
        'types-have-descriptions: The object type `Profile` is missing a description.',
      ].sort(),
    );
  });

  it('refuses a "Type" suffix on object and input types, and on an enum named after another type', async () => {
    const file = sdlFile(
      'suffixed.graphql',
      `"""Reads."""
type Query {
  """A segment."""
  segment(
    """Its id."""
    filter: SegmentFilterType
  ): SegmentType
  """A trait."""
  trait: TraitDefinition
}

"""A segment."""
type SegmentType {
  """Its kind."""
  type: SegmentTypeEnum!
}

"""A list kind."""
enum SegmentTypeEnum {
  """Follows a rule."""
  DYNAMIC
}

"""A declared trait."""
type TraitDefinition {
  """The type of its values: TraitType is fine, there is no type Trait."""
  type: TraitType!
  """Beside the object List below, this enum name reads as its type."""
  listType: ListType
}

"""The type of a trait's values."""
enum TraitType {
  """Text."""
  STRING
}

"""Kinds of lists."""
enum ListType {
  """Fixed."""
  STATIC
}

"""A list."""
type List {
  """Its id."""
  id: ID!
}

"""A filter."""
input SegmentFilterType {
  """A slug."""
  slug: String
}
`,
    );
    const { status, findings } = await lint(file);
    expect(status).toBe(1);
    expect(findings.filter((f) => f.rule === 'type-names-have-no-type-suffix').map((f) => f.message.split(':')[0])).toEqual([
      'The object type `SegmentType` ends in "Type"',
      'The enum `ListType` reads as the type of `List`, which is another type of this schema',
      'The input type `SegmentFilterType` ends in "Type"',
    ]);
  });
});
