import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionOf } from '../graphql/connection.js';

export enum TraitTypeEnum {
  STRING = 'string',
  NUMBER = 'number',
  BOOLEAN = 'boolean',
  DATE = 'date',
  STRING_LIST = 'stringList',
}
registerEnumType(TraitTypeEnum, {
  name: 'TraitType',
  description: 'DATE values are ISO 8601 strings; STRING_LIST values are arrays of strings.',
  valuesConfig: {
    STRING: { description: 'A JSON string.' },
    NUMBER: { description: 'A finite JSON number.' },
    BOOLEAN: { description: 'A JSON boolean, true or false.' },
    DATE: { description: "An ISO 8601 date or date-time string, e.g. '2026-01-31' or '2026-01-31T09:30:00Z'." },
    STRING_LIST: { description: 'A JSON array of strings (rules test it with hasAny, hasAll, hasNone).' },
  },
});

@ObjectType('TraitDefinition', { description: 'A trait the workspace declared: profiles may carry it, rules may test it.' })
export class TraitDefinitionType {
  @Field(() => ID, { description: 'The definition id (a UUID).' })
  id!: string;
  @Field(() => String, { description: 'The trait name, as in ProfileInput.traits and in rules (traits.<name>); unique in the workspace.' })
  name!: string;
  @Field(() => TraitTypeEnum, { description: 'The type every value of this trait must have; fixed once declared.' })
  type!: TraitTypeEnum;
  @Field(() => String, { nullable: true, description: 'What the trait means, for people; null when none was given.' })
  description!: string | null;
  @Field(() => GraphQLDateTime, { description: 'When it was first declared.' })
  createdAt!: Date;
}

export const TraitDefinitionConnection = ConnectionOf('TraitDefinition', TraitDefinitionType);
