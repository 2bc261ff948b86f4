/**
 * graphql-schema-linter rule `type-names-have-no-type-suffix` (loaded through customRulePaths in
 * package.json). A schema name ending in "Type" reads as "the GraphQL type of X": clients then meet
 * `ProfileType` where the contract says `Profile`. Object, interface, union and input types may not
 * end in "Type"; an enum or scalar may (TraitType: the type of a trait) unless the rest is itself a
 * type of the schema (an enum SegmentType beside the object Segment).
 */
'use strict';

const { ValidationError } = require('graphql-schema-linter/lib/validation_error');

const RULE = 'type-names-have-no-type-suffix';
const SUFFIX = 'Type';

function TypeNamesHaveNoTypeSuffix(context) {
  const stem = (name) => (name.length > SUFFIX.length && name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : null);

  const always = (kind) => (node) => {
    const name = node.name.value;
    const rest = stem(name);
    if (rest !== null) {
      context.reportError(new ValidationError(RULE, `The ${kind} \`${name}\` ends in "${SUFFIX}": name it \`${rest}\`, as clients and the contract call it.`, [node.name]));
    }
  };

  const whenStemIsAType = (kind) => (node) => {
    const name = node.name.value;
    const rest = stem(name);
    if (rest !== null && context.getSchema().getType(rest)) {
      context.reportError(new ValidationError(RULE, `The ${kind} \`${name}\` reads as the type of \`${rest}\`, which is another type of this schema: give it a name of its own (e.g. \`${rest}Kind\`).`, [node.name]));
    }
  };

  return {
    ObjectTypeDefinition: always('object type'),
    InterfaceTypeDefinition: always('interface type'),
    UnionTypeDefinition: always('union type'),
    InputObjectTypeDefinition: always('input type'),
    EnumTypeDefinition: whenStemIsAType('enum'),
    ScalarTypeDefinition: whenStemIsAType('scalar'),
  };
}

module.exports = { TypeNamesHaveNoTypeSuffix };
