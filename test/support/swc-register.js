'use strict';
/**
 * `node -r ./test/support/swc-register.js some-file.ts`: runs TypeScript without a build, for child processes that
 * integration tests start (jest's own transform does not reach them). Each .ts file outside node_modules is compiled
 * on require with @swc/core, using the repository's .swcrc (legacy decorators + decorator metadata, CommonJS), the
 * options @swc/jest applies to the tests themselves. No type-checking here: `tsc --noEmit` does that.
 */
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const ROOT = path.resolve(__dirname, '..', '..');

function loadOptions() {
  const fallback = {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs', ignoreDynamic: true },
    sourceMaps: 'inline',
  };
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(ROOT, '.swcrc'), 'utf8'));
    delete parsed.$schema;
    return parsed;
  } catch {
    return fallback;
  }
}

const options = { ...loadOptions(), swcrc: false, configFile: false };

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  if (filename.includes(`${path.sep}node_modules${path.sep}`)) throw new Error(`swc-register: refusing to compile ${filename}`);
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...options, filename });
  module._compile(code, filename);
};

// Stack traces point at the TypeScript lines (the inline source maps).
process.setSourceMapsEnabled?.(true);
