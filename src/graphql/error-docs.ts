import { isEnumType, type GraphQLSchema } from 'graphql';
import { buildAppSchema } from './schema';

/** Top-level codes (extensions.code) and what they mean: the other half of the error contract. */
const TOP_LEVEL: [string, string][] = [
  ['UNAUTHENTICATED', 'No valid token or API key (HTTP 401): malformed, bad signature, expired, wrong issuer or audience, revoked or expired key. `extensions.reason` says which.'],
  ['FORBIDDEN', 'Signed in, but your role (or your API key\'s scopes) does not allow this; or X-Org names an organization you do not belong to (HTTP 403).'],
  ['NOT_FOUND', 'No such object for you: missing, hidden, another tenant\'s, or a restricted document without a grant. Indistinguishable on purpose.'],
  ['ORG_REQUIRED', 'You belong to several organizations (or none): choose one with the X-Org header.'],
  ['BAD_USER_INPUT', 'An argument is malformed or out of range; `extensions.validationErrors` lists each field.'],
  ['GRAPHQL_PARSE_FAILED', 'The document is not valid GraphQL (HTTP 400; 200 when the client accepts only `application/json`, as the GraphQL-over-HTTP spec asks).'],
  ['GRAPHQL_VALIDATION_FAILED', 'The document does not fit the schema (HTTP 400; 200 when the client accepts only `application/json`).'],
  ['DEPTH_LIMIT_EXCEEDED', 'The query nests deeper than GRAPHQL_MAX_DEPTH (HTTP 400).'],
  ['ALIAS_LIMIT_EXCEEDED', 'More aliases than GRAPHQL_MAX_ALIASES, whatever the field, `__typename` included (HTTP 400).'],
  ['DIRECTIVE_LIMIT_EXCEEDED', 'More directives than GRAPHQL_MAX_DIRECTIVES (HTTP 400).'],
  ['FIELD_LIMIT_EXCEEDED', 'More field selections than GRAPHQL_MAX_FIELDS (fragments expanded, duplicates counted), or one field repeated in a selection set more than GRAPHQL_MAX_REPEATED_FIELDS times (HTTP 400).'],
  ['TOKEN_LIMIT_EXCEEDED', 'More tokens than GRAPHQL_MAX_TOKENS (HTTP 400).'],
  ['COST_LIMIT_EXCEEDED', 'The query could return too much (page sizes multiply): `extensions.cost` and `maxCost` (HTTP 400).'],
  ['RATE_LIMITED', 'Too many requests this minute (HTTP 429); `Retry-After` and `extensions.retryAfterSeconds` say when to retry.'],
  ['PERSISTED_QUERY_NOT_FOUND', 'Automatic persisted queries: this server has not seen the hash yet; send the same request again with the query text (it is then known to every server).'],
  ['PERSISTED_QUERY_NOT_REGISTERED', 'The server runs registered operations only (GRAPHQL_OPERATIONS=registered): send the sha256 of an operation from its manifest, or its exact text (HTTP 400).'],
  ['IDEMPOTENCY_KEY_INVALID', 'The Idempotency-Key header is not 1 to 255 visible ASCII characters, or was sent on a GET (HTTP 400).'],
  ['IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still running: retry after `Retry-After` seconds to get its result (HTTP 409).'],
  ['IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used in the last 24 hours for a different request or by another principal: use one key per request (HTTP 422).'],
  ['TIMEOUT', 'No answer within GRAPHQL_MAX_EXECUTION_MS (HTTP 503), or a SQL statement ran past DB_STATEMENT_TIMEOUT_MS and was cancelled. A mutation answered with HTTP 503 TIMEOUT may still complete: retry with the same Idempotency-Key to get its result.'],
  ['SERVICE_UNAVAILABLE', 'PostgreSQL or object storage is unreachable right now; retry shortly (nothing was written).'],
  ['INTERNAL_SERVER_ERROR', 'A bug: the details are logged with the request id (X-Request-Id); nothing else is revealed.'],
];

/** docs/errors.md, generated from the schema's *ErrorCode enums so it cannot drift from the API. */
export function renderErrorDocs(schema: GraphQLSchema): string {
  const lines = [
    '# Error codes',
    '',
    'Generated from the schema by `npm run schema:emit`; a test fails when it is stale.',
    '',
    'Two channels: expected refusals are **payload errors** (`errors { code field message }` in the mutation\'s result,',
    'with a code from the enums below); everything else is a **top-level error** with `extensions.code`.',
    '',
    '## Top-level codes',
    '',
    '| code | meaning |',
    '| --- | --- |',
    ...TOP_LEVEL.map(([code, meaning]) => `| \`${code}\` | ${meaning} |`),
    '',
    '## Payload error codes',
  ];
  const enums = Object.values(schema.getTypeMap()).filter((t) => isEnumType(t) && /ErrorCode$/.test(t.name)).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of enums) {
    if (!isEnumType(e)) continue;
    lines.push('', `### ${e.name}`, '', e.description ?? '', '', '| code | meaning |', '| --- | --- |');
    for (const v of e.getValues()) lines.push(`| \`${v.name}\` | ${v.description ?? ''} |`);
  }
  return lines.join('\n') + '\n';
}

export async function renderErrorDocsFromCode(): Promise<string> {
  return renderErrorDocs(await buildAppSchema());
}
