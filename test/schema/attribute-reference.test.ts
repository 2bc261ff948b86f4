/**
 * docs/rules.md names exactly the attributes validation accepts: its generated section equals the
 * one built from the catalogue now (`npm run docs` regenerates it).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attributeReferenceMarkdown, withAttributeReference } from '../../schema/attribute-reference.js';
import { COMPUTED_ATTRIBUTES, EDGE_ATTRIBUTES } from '../../schema/attributes.js';

const document = readFileSync(fileURLToPath(new URL('../../docs/rules.md', import.meta.url)), 'utf8');

describe('docs/rules.md', () => {
  it('holds the current attribute reference (run `npm run docs` after changing schema/attributes.ts)', () => {
    expect(withAttributeReference(document)).toBe(document);
  });

  it('names every attribute of the catalogue with its type', () => {
    const generated = attributeReferenceMarkdown();
    for (const spec of [...EDGE_ATTRIBUTES, ...COMPUTED_ATTRIBUTES]) expect(generated).toContain(`| \`${spec.path}\` | ${spec.type} |`);
  });

  it('refuses a document without its markers rather than appending blindly', () => {
    expect(() => withAttributeReference('# no markers')).toThrow(/lacks the attribute-reference markers/);
  });
});
