import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, defineConfig, type Config } from './config.ts';

export const configFileNames = ['corax.config.ts', 'corax.config.mts', 'corax.config.cts', 'corax.config.js', 'corax.config.mjs', 'corax.config.cjs'];

/**
 * Loads `corax.config.ts` (or .mts/.cts/.js/.mjs/.cjs): the file given, or the first of
 * those names in `cwd`. TypeScript loads without a build step (the CLI runs
 * under tsx). The file exports `default defineConfig({...})`.
 */
export async function loadConfig(path?: string, cwd = process.cwd()): Promise<{ config: Config; path: string }> {
  let file: string;
  if (path) {
    file = resolve(cwd, path);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  } else {
    const found = configFileNames.map((name) => resolve(cwd, name)).find((f) => existsSync(f));
    if (!found) throw new ConfigError(`no ${configFileNames.join(', ')} in ${cwd}; pass --config FILE`);
    file = found;
  }
  let mod: Record<string, unknown>;
  try {
    // CommonJS by name is required (tsx's CommonJS hooks compile .cts); everything else is imported
    mod = /\.c[jt]s$/.test(file) ? asModule(createRequire(import.meta.url)(file)) : await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot load ${where(error, file)}: ${(error as Error).message}`);
  }
  const value = (mod.default ?? mod.config) as Parameters<typeof defineConfig>[0] | undefined;
  if (!value) throw new ConfigError(`${file} must \`export default defineConfig({ symbols: [...] })\``);
  return { config: defineConfig(value), path: file };
}

/** `file:line` of the config's own frame in a load error's stack (tsx maps it to the source line), else the file. */
function where(error: unknown, file: string): string {
  const stack = String((error as Error)?.stack ?? '');
  const at = stack.indexOf(`${file}:`);
  if (at === -1 || (error as Error).message.includes(file)) return file;
  const line = /^:(\d+)/.exec(stack.slice(at + file.length));
  return line ? `${file}:${line[1]}` : file;
}

/** What require() gave, seen as a module namespace: `module.exports = config` is the default export. */
function asModule(exports: unknown): Record<string, unknown> {
  const record = (exports ?? {}) as Record<string, unknown>;
  return 'default' in record || 'config' in record ? record : { default: exports };
}
