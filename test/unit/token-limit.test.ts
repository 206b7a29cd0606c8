import { GraphQLError, parse, Source } from 'graphql';
import { asTokenLimitError } from '../../src/graphql/limits';

/**
 * The parser's maxTokens refusal is recognised by where it is raised (the start of token max + 1), not by its wording:
 * graphql-js gives it no code (issue 12: no limit error mapped by matching message text).
 */
const parseError = (query: string, maxTokens: number): GraphQLError => {
  try {
    parse(query, { maxTokens });
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('parsed');
};

test("graphql-js's refusal of a document over maxTokens is TOKEN_LIMIT_EXCEEDED, whatever its wording", () => {
  const query = `{ viewer { ${Array.from({ length: 50 }, () => 'id').join(' ')} } }`;
  const error = parseError(query, 20);
  const limit = asTokenLimitError(error, 20);
  expect(limit?.code).toBe('TOKEN_LIMIT_EXCEEDED');
  expect(limit?.message).toBe('Token limit of 20 exceeded: send a smaller document.');
  // The same refusal reworded (a later graphql-js): still recognised.
  const reworded = new GraphQLError('Document exceeds the token budget.', { source: error.source, positions: error.positions });
  expect(asTokenLimitError(reworded, 20)?.code).toBe('TOKEN_LIMIT_EXCEEDED');
  // Exactly at the limit there is nothing to refuse: the same count parses.
  expect(() => parse('{ a b c }', { maxTokens: 5 })).not.toThrow();
});

test('any other parse error is not a token-limit error, even worded like one or in a long document', () => {
  // A grammar error early in a long document (more tokens than the limit after it).
  const long = `{ viewer { id } } } ${Array.from({ length: 50 }, () => 'id').join(' ')}`;
  const grammar = parseError(long, 1000);
  expect(asTokenLimitError(grammar, 20)).toBeNull();
  // A lexing error before the limit.
  expect(asTokenLimitError(parseError('{ viewer { "unterminated } }', 1000), 20)).toBeNull();
  // The token-limit wording at another position, or without a source: not it.
  const source = new Source(`{ viewer { ${Array.from({ length: 50 }, () => 'id').join(' ')} } }`);
  expect(asTokenLimitError(new GraphQLError('Syntax Error: Document contains more that 20 tokens. Parsing aborted.', { source, positions: [3] }), 20)).toBeNull();
  expect(asTokenLimitError(new GraphQLError('Syntax Error: Document contains more that 20 tokens. Parsing aborted.'), 20)).toBeNull();
  // No configured limit: nothing is a token-limit error.
  expect(asTokenLimitError(parseError(`{ ${'a '.repeat(30)}}`, 20), undefined)).toBeNull();
  expect(asTokenLimitError(new Error('boom'), 20)).toBeNull();
});
