/**
 * Every part of the schema a frontend developer reads is described: types, fields, arguments,
 * enum values, input fields, unions and interfaces (graphql's own introspection types and
 * built-in scalars aside). The test names each thing that lacks a description.
 */
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema/index.js';

/** "Type", "Type.field", "Type.field(argument)", "Enum.VALUE", "Input.field" of each undescribed thing. */
function undescribed(type: GraphQLNamedType): string[] {
  const missing: string[] = [];
  const described = (text: string | null | undefined) => typeof text === 'string' && text.trim().length > 0;
  if (!described(type.description)) missing.push(type.name);
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
      for (const arg of field.args) {
        if (!described(arg.description)) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
  }
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
    }
  }
  if (isEnumType(type)) {
    for (const value of type.getValues()) {
      if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
    }
  }
  return missing;
}

describe('schema descriptions', () => {
  it('describes every type, field, argument, enum value, input field, union and interface', () => {
    const types = Object.values(schema.getTypeMap()).filter(
      (type) => !isIntrospectionType(type) && !isSpecifiedScalarType(type),
    );
    // Unions are named types: their own description is checked like any type's.
    expect(types.flatMap(undescribed)).toEqual([]);
  });

  it('says something beyond the name: no description merely repeats what it describes', () => {
    const echoes: string[] = [];
    const words = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '');
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (field.description && words(field.description) === words(field.name)) {
            echoes.push(`${type.name}.${field.name}`);
          }
        }
      }
    }
    expect(echoes).toEqual([]);
  });
});
