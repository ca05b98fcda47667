import { ConfigError } from './errors.ts';

/** Names whose values are never printed in a config error. */
const secretNames = /pass(word)?|secret|token|key$|keypair/i;

function show(path: string, value: unknown): string {
  if (secretNames.test(path.split('.').pop() ?? '')) return '(hidden)';
  if (typeof value === 'function') return 'a function';
  try {
    // a URL's credentials are hidden wherever the URL is (a servers list given as an array, say)
    const text = (JSON.stringify(value) ?? String(value)).replace(/(\/\/)[^/\s"]*@/g, '$1(hidden)@');
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/** Throws the config error for `path`: what was given (secrets hidden) and what is allowed. */
export function invalid(path: string, value: unknown, allowed: string): never {
  throw new ConfigError(`invalid config: ${path} is ${show(path, value)}; expected ${allowed}`);
}

/** The object at `path` (empty when absent); anything else is an error. */
export function section(path: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(path, value, 'an object');
  return value as Record<string, unknown>;
}

/** Refuses keys the section does not know, naming the ones it does. */
export function onlyKeys(path: string, obj: Record<string, unknown>, keys: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) throw new ConfigError(`invalid config: unknown option ${path}.${key}; known options are ${keys.join(', ')}`);
  }
}

export function positive(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) invalid(path, value, 'a positive number');
  return value;
}

export function count(path: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) invalid(path, value, `an integer >= ${min}`);
  return value;
}

export function optionalString(path: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid(path, value, 'a string');
  return value;
}

export function optionalBoolean(path: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') invalid(path, value, 'true or false');
  return value;
}
