import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, defineConfig, type Config } from './config.ts';

export const configFileNames = ['corax.config.ts', 'corax.config.mts', 'corax.config.js', 'corax.config.mjs'];

/**
 * Loads `corax.config.ts` (or .mts/.js/.mjs): the file given, or the first of
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
    mod = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot load ${file}: ${(error as Error).message}`);
  }
  const value = (mod.default ?? mod.config) as Parameters<typeof defineConfig>[0] | undefined;
  if (!value) throw new ConfigError(`${file} must \`export default defineConfig({ symbols: [...] })\``);
  return { config: defineConfig(value), path: file };
}
