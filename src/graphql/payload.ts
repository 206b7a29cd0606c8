import { Field, ObjectType, registerEnumType } from 'type-graphql';

/** The values of an `XErrorCode` enum: each code is its own value, as the schema spells it. */
export type CodeValues<C extends string> = { readonly [K in C]: K };

/**
 * Registers an `XErrorCode` enum with one meaning per code (docs/errors.md is generated from them) and returns its
 * values. `meanings` is a record over the module's code type, so a code without documentation does not compile.
 */
export function ErrorCodes<C extends string>(name: string, description: string, meanings: Record<C, string>): CodeValues<C> {
  const codes = Object.keys(meanings) as C[];
  const values = Object.fromEntries(codes.map((code) => [code, code])) as CodeValues<C>;
  registerEnumType(values, {
    name,
    description,
    valuesConfig: Object.fromEntries(codes.map((code) => [code, { description: meanings[code] }])) as Record<C, { description: string }>,
  });
  return values;
}

export interface PayloadErrorOptions {
  /** The type's own description: "A refused ... change." */
  description: string;
  /** Overrides the `field` description (two types say it without "if one is"). */
  field?: string;
}

/**
 * Builds the `XError` object type of a mutation payload (code, field, message), as `Connection<T>` builds lists: every
 * module's refusals have the same shape, and services return them as `PayloadError<C>` (common/errors.ts) unchanged.
 */
export function PayloadErrorType<C extends string>(name: string, codes: CodeValues<C>, options: PayloadErrorOptions) {
  @ObjectType(name, { description: options.description })
  class ErrorType {
    @Field(() => codes, { description: 'Machine-readable reason.' })
    code: C;

    @Field(() => String, { nullable: true, description: options.field ?? 'The input field at fault, if one is.' })
    field: string | null;

    @Field({ description: 'Human-readable explanation.' })
    message: string;
  }
  return ErrorType;
}
