#!/usr/bin/env node
// The corax CLI. Rules and configs are TypeScript: tsx loads them without a build step.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../runtime/cli/main.ts');
process.exitCode = await run(process.argv.slice(2));
