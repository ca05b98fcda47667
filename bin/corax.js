#!/usr/bin/env node
// The corax CLI. Configs and rules may be TypeScript or JavaScript, ESM or CommonJS: tsx loads them without a build step.
import { existsSync } from 'node:fs';
import Module, { register as registerModuleHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';
import { setFlagsFromString } from 'node:v8';

// A scan's objects live for milliseconds, but V8's allocation-site pretenuring, once it has seen a few of them
// survive a young collection, allocates them straight into the old generation, where each dead one keeps the young
// objects it points to alive until the next full collection. With it on, corax serve with rules that do no I/O
// promoted 7.8 KB per scan and paused 13 to 17 µs per scan for GC; with it off, nothing and 2 µs. Set before any scan
// has run; --workers' processes run this file too.
setFlagsFromString('--no-allocation-site-pretenuring');

// in corax's own repository the CLI runs from the sources, and 'corax' resolves to them,
// unless CORAX_USE_DIST=1 asks for the built package (dist/), as the benchmarks do: it is what users run
const fromSources = process.env.CORAX_USE_DIST !== '1' && existsSync(new URL('../index.ts', import.meta.url));
if (fromSources) {
  const hook = `export async function resolve(specifier, context, next) { return next(specifier, { ...context, conditions: [...context.conditions, 'development'] }); }`;
  registerModuleHooks(`data:text/javascript,${encodeURIComponent(hook)}`);
}
registerEsm();
registerCjs();
const entry = new URL(fromSources ? '../index.ts' : '../dist/index.js', import.meta.url);
const corax = await import(entry.href);
// a CommonJS config's require('corax') gets the module already loaded, not a second copy loaded by require(esm)
const cached = new Module(fileURLToPath(entry));
cached.filename = fileURLToPath(entry);
cached.loaded = true;
cached.exports = corax;
Module._cache[cached.filename] = cached;
const { run } = await import(new URL(fromSources ? '../runtime/cli/main.ts' : '../dist/runtime/cli/main.js', import.meta.url).href);
const code = await run(process.argv.slice(2));
// the command is done (a server has shut down gracefully): exit once what was written has been flushed,
// without waiting for idle sockets, timers or parse threads
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
