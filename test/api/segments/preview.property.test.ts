/**
 * The in-memory evaluator of live counts (api/segments/preview) agrees, profile by profile, with the
 * reference evaluator and with the SQL evaluator, on PGlite and PostgreSQL: random valid
 * profile-scoped rules over the random and corner profiles of rule-sql.property.test.ts, read
 * from the database by the preview loader (so what is compared includes the load: block ranges,
 * trait and property dictionaries, instants in milliseconds).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCatalogue } from '../../../schema/attributes.js';
import { profileAttributes } from '../../../schema/profile.js';
import { evaluateRule, type ReferenceEnv } from '../../../schema/reference.js';
import type { RuleNode } from '../../../schema/rule.js';
import { validateRule } from '../../../schema/validate.js';
import { matchingSlots } from '../../../api/segments/preview/count.js';
import { loadSnapshot, unwatch, type LoadedSnapshot } from '../../../api/segments/preview/load.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { CORNER_SUBJECTS, PROPERTY_TRAITS, nowArb, ruleJsonArb, subjectArb, type ProfileSubject } from '../../helpers/profile-arbitraries.js';
import { createWorkspace, matchingInSql, storeSubjects } from '../../helpers/sql-subjects.js';

const RULES = Math.max(1_000, Number(process.env.FC_RULES) || 0);
const RANDOM_PROFILES = 60;
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

const catalogue = buildCatalogue(PROPERTY_TRAITS);
const reference: ReferenceEnv = { mode: 'profile', segment: () => undefined };
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const subjects: ProfileSubject[] = [...CORNER_SUBJECTS, ...fc.sample(subjectArb, { numRuns: RANDOM_PROFILES, seed: SEED })].map((s) => ({
  profile: { ...s.profile, traits: roundTrip(s.profile.traits) },
  events: s.events.map((e) => ({ ...e, properties: roundTrip(e.properties) })),
}));

const profileRuleArb = ruleJsonArb
  .map((json) => {
    const result = validateRule(json, catalogue, { segments: new Map() });
    return result.ok ? { json, rule: result.rule as RuleNode, scope: result.scope } : { json, invalid: JSON.stringify(result.errors) };
  })
  .filter((r) => !('scope' in r) || r.scope === 'profile');

describeEachDatabase('in-memory live counts agree with the reference and SQL evaluators', (suite) => {
  let workspaceId = '';
  let ids: string[] = [];
  let loaded: LoadedSnapshot;

  beforeAll(async () => {
    workspaceId = await createWorkspace(suite.db, 'preview-property');
    ids = await storeSubjects(suite.db, workspaceId, subjects);
    loaded = await loadSnapshot(suite.db, workspaceId, 'preview-property');
  });
  afterAll(async () => {
    await unwatch(suite.db, workspaceId, 'preview-property');
  });

  it(`on ${RULES} random profile-scoped rules x ${RANDOM_PROFILES + CORNER_SUBJECTS.length} profiles`, { timeout: 300_000 }, async () => {
    expect(loaded.snapshot.liveCount).toBe(subjects.length);
    const env = { segment: () => undefined, staticMembers: () => new Uint8Array(loaded.snapshot.size) };
    let pairs = 0;
    let matched = 0;
    await fc.assert(
      fc.asyncProperty(profileRuleArb, nowArb, async (candidate, now) => {
        if ('invalid' in candidate) throw new Error(`generated rule is invalid: ${JSON.stringify(candidate.json)}: ${candidate.invalid}`);
        const { json, rule } = candidate;
        const inSql = await matchingInSql(suite.db, workspaceId, ids, rule, now);
        const mask = matchingSlots(loaded.snapshot, rule, now, env);
        const disagreements: string[] = [];
        subjects.forEach((subject, i) => {
          const expected = evaluateRule(rule, { attributes: profileAttributes(subject.profile, now), events: subject.events }, now, reference);
          const slot = loaded.snapshot.slotOf(ids[i]!);
          const inMemory = slot >= 0 && mask[slot] === 1;
          if (inMemory !== expected) disagreements.push(`reference ${expected}, in memory ${inMemory} on ${JSON.stringify(subject)}`);
          if (inSql.has(ids[i]!) !== expected) disagreements.push(`reference ${expected}, SQL ${!expected} on ${JSON.stringify(subject)}`);
          if (expected) matched++;
        });
        pairs += subjects.length;
        if (disagreements.length > 0) {
          throw new Error(`${disagreements.length} disagreement(s) for ${JSON.stringify(json)} at ${new Date(now).toISOString()} (seed ${SEED}):\n${disagreements.slice(0, 3).join('\n')}`);
        }
      }),
      { numRuns: RULES, seed: SEED },
    );
    // Agreement is not won by answering the same for everyone.
    expect(matched / pairs).toBeGreaterThan(0.15);
    expect(matched / pairs).toBeLessThan(0.85);
  });
});
