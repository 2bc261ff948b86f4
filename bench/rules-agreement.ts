/** Checks that every evaluator returns the same tags as ours on a sample of requests. */

/** An evaluator under test: the tags of request `i` of the sample. */
export interface TagSource {
  name: string;
  tags(i: number): readonly string[];
}

export interface Agreement {
  name: string;
  /** Requests whose tag set equals ours. */
  agreeing: number;
  /** (request, segment) decisions that differ from ours. */
  differingDecisions: number;
  /** A few differences, for the error message. */
  examples: string[];
}

export function checkAgreement(ours: TagSource, others: readonly TagSource[], sample: number): Agreement[] {
  const expected: Array<ReadonlySet<string>> = [];
  for (let i = 0; i < sample; i++) expected.push(new Set(ours.tags(i)));
  return others.map((other) => {
    const result: Agreement = { name: other.name, agreeing: 0, differingDecisions: 0, examples: [] };
    for (let i = 0; i < sample; i++) {
      const want = expected[i] as ReadonlySet<string>;
      const got = new Set(other.tags(i));
      const missing = [...want].filter((slug) => !got.has(slug));
      const extra = [...got].filter((slug) => !want.has(slug));
      if (missing.length === 0 && extra.length === 0) {
        result.agreeing++;
        continue;
      }
      result.differingDecisions += missing.length + extra.length;
      if (result.examples.length < 5) {
        result.examples.push(`request ${i}: ${other.name} lacks [${missing.join(', ')}], adds [${extra.join(', ')}]`);
      }
    }
    return result;
  });
}
