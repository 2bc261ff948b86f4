/**
 * Property-based agreement of the SQL profile evaluator (compileRuleSql, both as a set query and as
 * the per-profile query of refreshProfiles) with the reference evaluator (evaluateRule, profile
 * mode), on PGlite and PostgreSQL: random valid profile-scoped rules over random stored profiles
 * and their events (traits present, absent, JSON null or wrongly typed; purchase columns consistent
 * or not; timestamps on window boundaries), at least 2,000 rules per run and database. The reference sees exactly what is stored: `profileAttributes` of the
 * profile and the events, both after a JSON round trip.
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { buildCatalogue } from '../../../schema/attributes.js';
import type { EventRecord } from '../../../schema/context.js';
import { profileAttributes, type StoredProfile } from '../../../schema/profile.js';
import { evaluateRule, type ReferenceEnv } from '../../../schema/reference.js';
import { OPERATORS, type RuleNode } from '../../../schema/rule.js';
import { validateRule } from '../../../schema/validate.js';
import { describeEachDatabase } from '../../helpers/db.js';
import { CORNER_SUBJECTS, PROPERTY_TRAITS, nowArb, ruleJsonArb, subjectArb, type ProfileSubject } from '../../helpers/profile-arbitraries.js';
import { createWorkspace, matchingInSql, storeSubjects } from '../../helpers/sql-subjects.js';
import { profileEvaluationSql } from '../../../api/segments/membership.service.js';
import type { PublishedDefinition } from '../../../api/segments/definitions.js';
import type { Database } from '../../../api/db/index.js';

/** The ids, among `profileIds`, that satisfy `rule` through the per-profile query of refreshProfiles. */
async function matchingPerProfile(db: Database, workspaceId: string, profileIds: readonly string[], rule: RuleNode, now: number): Promise<Set<string>> {
  const definition: PublishedDefinition = { id: '00000000-0000-4000-8000-000000000000', slug: 'under-test', type: 'dynamic', scope: 'profile', version: 1, rule };
  const definitions = { byId: new Map([[definition.id, definition]]), bySlug: new Map([[definition.slug, definition]]) };
  const result = await db.execute(profileEvaluationSql(workspaceId, profileIds, [definition], definitions, now));
  return new Set((result.rows as Array<{ id: string; s0: boolean }>).filter((r) => r.s0 === true).map((r) => r.id));
}

/** At least 2,000 rules per run; FC_RULES asks for more (a longer hunt). */
const RULES = Math.max(2_000, Number(process.env.FC_RULES) || 0);
const RANDOM_PROFILES = 60;
/** One seed per run (FC_SEED reproduces one): it draws the profiles and the rules. */
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);

const catalogue = buildCatalogue(PROPERTY_TRAITS);
const reference: ReferenceEnv = { mode: 'profile', segment: () => undefined };

/** What the database holds: JSON values round-tripped (undefined dropped, -0 as 0). */
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const subjects: ProfileSubject[] = [...CORNER_SUBJECTS, ...fc.sample(subjectArb, { numRuns: RANDOM_PROFILES, seed: SEED })].map((s) => ({
  profile: { ...s.profile, traits: roundTrip(s.profile.traits) },
  events: s.events.map((e) => ({ ...e, properties: roundTrip(e.properties) })),
}));

interface ValidRule {
  json: unknown;
  rule: RuleNode;
}

/** Random rule JSON, validated; only the profile-scoped ones. A generated rule must be valid. */
const profileRuleArb: fc.Arbitrary<ValidRule | { json: unknown; invalid: string }> = ruleJsonArb
  .map((json) => {
    const result = validateRule(json, catalogue, { segments: new Map() });
    if (!result.ok) return { json, invalid: JSON.stringify(result.errors) };
    return { json, rule: result.rule, scope: result.scope };
  })
  .filter((r) => !('scope' in r) || r.scope === 'profile');

function operatorsOf(rule: RuleNode, into: Set<string>): Set<string> {
  switch (rule.kind) {
    case 'all':
    case 'any':
      rule.rules.forEach((r) => operatorsOf(r, into));
      break;
    case 'not':
      operatorsOf(rule.rule, into);
      break;
    case 'condition':
      into.add(rule.op);
      break;
    case 'event':
      into.add('event');
      for (const c of rule.where) into.add(c.op);
      break;
    default:
      break;
  }
  return into;
}

const show = (s: { profile: StoredProfile; events: readonly EventRecord[] }, now: number) =>
  JSON.stringify({
    profile: s.profile,
    attributes: profileAttributes(s.profile, now),
    events: s.events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
  });

describeEachDatabase('SQL profile evaluator agrees with the reference evaluator', (suite) => {
  let workspaceId = '';
  let ids: string[] = [];

  beforeAll(async () => {
    workspaceId = await createWorkspace(suite.db, 'rule-sql-property');
    ids = await storeSubjects(suite.db, workspaceId, subjects);
  });

  it(`on ${RULES} random profile-scoped rules x ${RANDOM_PROFILES + CORNER_SUBJECTS.length} profiles`, { timeout: 300_000 }, async () => {
    const started = performance.now();
    const operators = new Set<string>();
    let rules = 0;
    let pairs = 0;
    let matched = 0;
    let allOrNone = 0;
    await fc.assert(
      fc.asyncProperty(profileRuleArb, nowArb, async (candidate, now) => {
        if ('invalid' in candidate) throw new Error(`generated rule is invalid: ${JSON.stringify(candidate.json)}: ${candidate.invalid}`);
        const { json, rule } = candidate;
        const inSql = await matchingInSql(suite.db, workspaceId, ids, rule, now);
        const perProfile = await matchingPerProfile(suite.db, workspaceId, ids, rule, now);
        const disagreements: string[] = [];
        let hits = 0;
        subjects.forEach((subject, i) => {
          const expected = evaluateRule(rule, { attributes: profileAttributes(subject.profile, now), events: subject.events }, now, reference);
          if (expected) hits++;
          if (inSql.has(ids[i] as string) !== expected) disagreements.push(`reference ${expected}, SQL ${!expected} on ${show(subject, now)}`);
          if (perProfile.has(ids[i] as string) !== expected) disagreements.push(`reference ${expected}, per-profile SQL ${!expected} on ${show(subject, now)}`);
        });
        if (disagreements.length > 0) {
          throw new Error(
            `${disagreements.length} disagreement(s) for ${JSON.stringify(json)} at ${new Date(now).toISOString()} (seed ${SEED}):\n${disagreements.slice(0, 3).join('\n')}`,
          );
        }
        rules++;
        pairs += subjects.length;
        matched += hits;
        if (hits === 0 || hits === subjects.length) allOrNone++;
        operatorsOf(rule, operators);
      }),
      { numRuns: RULES, seed: SEED },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `[${suite.kind}] seed ${SEED}: ${rules} rules x ${subjects.length} profiles = ${pairs} pairs, ${matched} matches ` +
        `(${((100 * matched) / pairs).toFixed(1)}%), ${allOrNone} rules matching all or none, ${seconds} s`,
    );
    expect(rules).toBeGreaterThanOrEqual(RULES);
    // Agreement is not won by answering the same for everyone: most rules split the profiles.
    expect(matched / pairs).toBeGreaterThan(0.15);
    expect(matched / pairs).toBeLessThan(0.85);
    expect(allOrNone / rules).toBeLessThan(0.6);
    // Every operator and event counts were exercised.
    expect([...OPERATORS, 'event'].filter((op) => !operators.has(op))).toEqual([]);
  });
});
