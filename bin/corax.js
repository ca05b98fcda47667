#!/usr/bin/env node
// The corax CLI. Configs and rules may be TypeScript or JavaScript, ESM or CommonJS: tsx loads them without a build step.
import { existsSync } from 'node:fs';
import { register as registerModuleHooks } from 'node:module';
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

// in corax's own repository the CLI runs from the sources, and 'corax' resolves to them
const fromSources = existsSync(new URL('../index.ts', import.meta.url));
if (fromSources) {
  const hook = `export async function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, 'development'] }); }`;
  registerModuleHooks(`data:text/javascript,${encodeURIComponent(hook)}`);
}
registerEsm();
registerCjs();
const { run } = await import(fromSources ? '../runtime/cli/main.ts' : '../dist/runtime/cli/main.js');
process.exitCode = await run(process.argv.slice(2));
