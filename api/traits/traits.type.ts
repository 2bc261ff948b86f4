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
registerEnumType(TraitTypeEnum, { name: 'TraitType', description: 'DATE values are ISO 8601 strings; STRING_LIST values are arrays of strings.' });

@ObjectType({ description: 'A trait the workspace declared: profiles may carry it, rules may test it.' })
export class TraitDefinitionType {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => TraitTypeEnum)
  type!: TraitTypeEnum;
  @Field(() => String, { nullable: true })
  description!: string | null;
  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const TraitDefinitionConnection = ConnectionOf('TraitDefinition', TraitDefinitionType);
