import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * "A module uses another module through its service, never its repository" (issue 12, item 3). A repository is its
 * module's only way to the tables, so a second module reading them directly bypasses the rules the owning service
 * keeps. Type-only imports and re-exports written as such (`import type`, `export type`) are allowed: they leave no code
 * behind. An import whose specifiers are all inline `type` ones is not: write it `import type`.
 */
const root = path.resolve(__dirname, '..', '..');
const srcDir = path.join(root, 'src');
const modulesDir = path.join(srcDir, 'modules');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every module specifier a file loads at run time: static imports and re-exports (not type-only), import(), require(). */
function runtimeSpecifiers(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const ref = node.moduleReference.expression;
      if (!node.isTypeOnly && ts.isStringLiteral(ref)) found.push(ref.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) found.push((node.arguments[0] as ts.StringLiteralLike).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The folder that owns a repository: its module folder (src/modules/<m>/), or its own folder outside src/modules. */
function ownerOf(repositoryPath: string): string {
  const rel = path.relative(modulesDir, repositoryPath);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return path.dirname(repositoryPath);
  return path.join(modulesDir, rel.split(path.sep)[0]!);
}

const isInside = (file: string, dir: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** `file imports spec` for each run-time import of a repository from outside the repository's module folder. */
function boundaryViolations(file: string, source: string): string[] {
  return runtimeSpecifiers(file, source).flatMap((spec) => {
    if (!spec.startsWith('.')) return [];
    const target = path.resolve(path.dirname(file), spec).replace(/\.(ts|js)$/, '');
    if (!path.basename(target).endsWith('.repository')) return [];
    return isInside(file, ownerOf(target)) ? [] : [`${path.relative(root, file)} imports '${spec}'`];
  });
}

describe('module boundaries: another module is used through its service, never its repository', () => {
  const files = tsFiles(srcDir);

  test('no file under src/ imports a repository from outside its module folder (import type is allowed)', () => {
    expect(files.length).toBeGreaterThan(50);
    const violations = files.flatMap((file) => boundaryViolations(file, readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
  });

  // The check itself, on made-up sources: it must see what it is meant to catch, so a pass above means something.
  describe('the check', () => {
    const at = (rel: string) => path.join(srcDir, rel);
    const check = (rel: string, source: string) => boundaryViolations(at(rel), source);

    test('a module may use its own repository, from any file in its folder', () => {
      expect(check('modules/access/access.service.ts', `import { accessRepository } from './access.repository';`)).toEqual([]);
      expect(check('modules/tracking/tracking.service.ts', `import { statusIndexRepository } from './status-index.repository';`)).toEqual([]);
      expect(check('modules/access/access.service.ts', `import { accessRepository } from '../access/access.repository';`)).toEqual([]);
    });

    test('type-only imports and re-exports of another module repository are allowed', () => {
      expect(check('modules/auth/authorize.ts', `import type { MembershipRow } from '../tenancy/tenancy.repository';`)).toEqual([]);
      expect(check('modules/auth/authorize.ts', `export type { MembershipRow } from '../tenancy/tenancy.repository';`)).toEqual([]);
    });

    test.each([
      ['a named import', 'modules/mail/reminders.ts', `import { documentRepository } from '../documents/document.repository';`],
      ['an import spread over lines, with inline type specifiers', 'modules/auth/principal.ts', `import {\n  tenancyRepository,\n  type MembershipRow,\n} from '../tenancy/tenancy.repository';`],
      ['an import with only inline type specifiers', 'modules/auth/principal.ts', `import { type MembershipRow } from '../tenancy/tenancy.repository';`],
      ['a namespace import', 'graphql/loaders.ts', `import * as repo from '../modules/documents/document.repository';`],
      ['a side-effect import', 'seed/demo.ts', `import '../modules/tenancy/tenancy.repository';`],
      ['a re-export', 'modules/access/access.service.ts', `export { documentRepository } from '../documents/document.repository';`],
      ['an export *', 'modules/access/access.service.ts', `export * from '../documents/document.repository';`],
      ['a dynamic import', 'http/guest-access.plugin.ts', `const load = () => import('../modules/access/access.repository');`],
      ['a require', 'http/guest-access.plugin.ts', `const r = require('../modules/access/access.repository');`],
      ['a path with an extension', 'seed/demo.ts', `import { tenancyRepository } from '../modules/tenancy/tenancy.repository.js';`],
    ])('it names the file and the import: %s', (_what, rel, source) => {
      const spec = /['"]([^'"]+)['"]/.exec(source.split('from').pop()!)![1]!;
      expect(check(rel, source)).toEqual([`src/${rel} imports '${spec}'`]);
    });

    test('it ignores what is not an import of a repository', () => {
      expect(check('modules/access/access.service.ts', `import { trustCenters } from '../trust-center/trust-center.service';`)).toEqual([]);
      expect(check('modules/access/access.service.ts', `// import { documentRepository } from '../documents/document.repository';`)).toEqual([]);
      expect(check('modules/access/access.service.ts', `const s = "from '../documents/document.repository'";`)).toEqual([]);
    });
  });
});
