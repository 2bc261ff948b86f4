/**
 * `npm run docs`: regenerates the attribute reference of docs/rules.md from the catalogue
 * (schema/attribute-reference.ts). test/schema/attribute-reference.test.ts fails until it is run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withAttributeReference } from '../schema/attribute-reference.js';

const file = fileURLToPath(new URL('../docs/rules.md', import.meta.url));
const before = readFileSync(file, 'utf8');
const after = withAttributeReference(before);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'docs/rules.md is up to date' : 'docs/rules.md: attribute reference regenerated');
