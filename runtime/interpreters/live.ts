import type { Effect } from '../../effects/effect.ts';
import type { EffectContext, Handle, Handler, Interpreter } from '../../effects/handler.ts';
import { registeredFamilies, type LiveModule } from '../../effects/family.ts';
import { CoraxError } from '../../effects/errors.ts';
import { defineConfig, type Config, type ConfigInput } from '../config/config.ts';
import { realClock } from './clock.ts';
import '../families.ts';

export interface LiveInterpreter extends Interpreter {
  /** Open resources of every module (TCP sockets, Redis clients, HTTP agents), for handle checks. */
  readonly resources: Record<string, number>;
  close(): Promise<void>;
}

/**
 * Real I/O: every registered family through its live module (undici, our DNS
 * resolver on dns-packet, node:net, ioredis, and any family registered with
 * `registerFamily(family, { live })`). Connections are pooled across tasks;
 * `close()` closes them.
 *
 * @example
 * const io = createLiveInterpreter(config);
 * const scanner = createScanner(config, { io });
 */
export function createLiveInterpreter(input?: Config | ConfigInput): LiveInterpreter {
  const config = defineConfig(input ?? { symbols: [] });
  const sections = config as unknown as Readonly<Record<string, unknown>>;
  const modules = new Map<string, LiveModule>();
  const table: Record<string, Handler> = Object.create(null);
  const families = new Map(registeredFamilies().map((r) => [r.family.name, r]));
  const building = new Set<string>();

  const build = (name: string): LiveModule => {
    const existing = modules.get(name);
    if (existing) return existing;
    const registered = families.get(name);
    if (!registered?.live) throw new TypeError(`no live module for the ${name} effect family (registerFamily(family, { live }))`);
    if (building.has(name)) throw new TypeError(`live modules require each other in a cycle: ${[...building, name].join(' -> ')}`);
    building.add(name);
    try {
      const key = registered.family.config?.key;
      const module = registered.live({
        settings: key === undefined ? undefined : sections[key],
        config: sections,
        require: <M>(other: string) => build(other) as unknown as M,
      });
      modules.set(name, module);
      return module;
    } finally {
      building.delete(name);
    }
  };

  for (const { family, live } of families.values()) {
    if (!live) continue;
    const module = build(family.name);
    for (const type of family.types) table[type] = (module.handlers as Record<string, Handler>)[type];
  }

  const handle: Handle = (effect: Effect, ctx: EffectContext) => {
    const handler = table[effect.type];
    if (!handler) throw new CoraxError('ENOTSUP', `no live handler for ${effect.type}: its family has no live module`);
    return handler(effect as never, ctx);
  };
  let closing: Promise<void> | null = null;
  return {
    handle,
    clock: realClock,
    get resources() {
      const out: Record<string, number> = {};
      for (const module of modules.values()) Object.assign(out, module.resources?.());
      return out;
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...modules.values()].map((m) => m.close?.()));
      })();
      return closing;
    },
  };
}
