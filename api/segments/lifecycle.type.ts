import { Field, Float, ObjectType } from 'type-graphql';
import { JSONScalar } from '../graphql/json-scalar.js';

@ObjectType({ description: 'A threshold of the lifecycle templates: what it means, its default, the value in effect and the values it may take.' })
export class LifecycleParameter {
  @Field(() => String, { description: 'Its name in `parameters` (e.g. newWithinDays).' })
  name!: string;
  @Field(() => String, { description: 'What it decides, and in which template.' })
  description!: string;
  @Field(() => Float, { description: 'The default (docs/segments.md).' })
  default!: number;
  @Field(() => Float, { description: 'The value in effect: the one given in `parameters`, else the default.' })
  value!: number;
  @Field(() => String, { description: 'Its unit: days, count, ratio or score.' })
  unit!: string;
  @Field(() => Boolean, { description: 'Whole numbers only.' })
  integer!: boolean;
  @Field(() => Float, { description: 'The lowest value allowed (excluded when minExclusive).' })
  min!: number;
  @Field(() => Boolean, { description: 'True when the value must be above min (ratios), not equal to it.' })
  minExclusive!: boolean;
  @Field(() => Float, { description: 'The highest value allowed.' })
  max!: number;
  @Field(() => String, { description: 'The allowed values in words.' })
  allowed!: string;
  @Field(() => [String], { description: 'Slugs of the templates that read it.' })
  usedBy!: string[];
}

@ObjectType({ description: 'One of the 13 customer-lifecycle segments createLifecycleSegments creates, with the thresholds in effect.' })
export class LifecycleTemplate {
  @Field(() => String, { description: 'The slug of the segment it creates.' })
  slug!: string;
  @Field(() => String, { description: 'The name of the segment it creates.' })
  name!: string;
  @Field(() => String, { description: 'Its category (docs/segments.md): Prospects, Good customers, Bad customers or Great customers.' })
  category!: string;
  @Field(() => String, { description: 'What it means, with the thresholds in effect.' })
  description!: string;
  @Field(() => JSONScalar, { description: 'The rule it creates, with the thresholds in effect.' })
  rule!: unknown;
  @Field(() => [LifecycleParameter], { description: 'The thresholds it reads.' })
  parameters!: LifecycleParameter[];
}
