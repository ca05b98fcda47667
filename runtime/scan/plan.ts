import { defaultShots, type SymbolDefinition } from './symbol.ts';
import { requiredScore, type Config } from '../config/config.ts';

/** Symbols that start together; within a group, `deps` order them. */
export interface Group {
  readonly defs: readonly SymbolDefinition[];
  /** Deps inside this group, per symbol index. */
  readonly depCount: readonly number[];
  /** Indexes of the symbols waiting on each symbol, inside this group. */
  readonly dependents: readonly (readonly number[])[];
}

export interface Stage {
  readonly type: SymbolDefinition['type'];
  readonly groups: readonly Group[];
}

/**
 * The schedule every scan with this config follows, computed once:
 * prefilters, normal symbols and postfilters; pre- and postfilters in
 * priority groups, highest first; normal symbols all in one group, started
 * in priority order as their deps allow.
 */
export interface Plan {
  readonly stages: readonly Stage[];
  /** Every result name with a configured score (a symbol's own, its `results`, `config.scores`) and how many inserts add up. */
  readonly results: ReadonlyMap<string, { readonly score: number; readonly nshots: number }>;
  readonly descriptions: ReadonlyMap<string, string>;
  readonly thresholds: Readonly<Record<string, number>>;
  readonly requiredScore: number;
}

function byPriority(defs: readonly SymbolDefinition[]): SymbolDefinition[] {
  return defs
    .map((def, i) => ({ def, i }))
    .sort((a, b) => b.def.priority - a.def.priority || a.i - b.i)
    .map((x) => x.def);
}

function group(defs: readonly SymbolDefinition[]): Group {
  const index = new Map(defs.map((d, i) => [d.name, i]));
  const depCount = defs.map((d) => d.deps.filter((dep) => index.has(dep)).length);
  const dependents: number[][] = defs.map(() => []);
  defs.forEach((d, i) => {
    for (const dep of d.deps) {
      const j = index.get(dep);
      if (j !== undefined) dependents[j].push(i);
    }
  });
  return { defs, depCount, dependents };
}

export function buildPlan(config: Config): Plan {
  const stages: Stage[] = [];
  for (const type of ['prefilter', 'normal', 'postfilter'] as const) {
    const defs = byPriority(config.symbols.filter((s) => s.type === type));
    if (defs.length === 0) continue;
    if (type === 'normal') {
      stages.push({ type, groups: [group(defs)] });
      continue;
    }
    const groups: Group[] = [];
    let start = 0;
    for (let i = 1; i <= defs.length; i++) {
      if (i === defs.length || defs[i].priority !== defs[start].priority) {
        groups.push(group(defs.slice(start, i)));
        start = i;
      }
    }
    stages.push({ type, groups });
  }
  const scores = new Map<string, number>();
  const nshots = new Map<string, number>();
  const descriptions = new Map<string, string>();
  for (const s of config.symbols) {
    if (s.score !== undefined) scores.set(s.name, s.score);
    nshots.set(s.name, s.nshots);
    if (s.description !== undefined) descriptions.set(s.name, s.description);
    for (const [name, r] of Object.entries(s.results)) {
      if (r.score !== undefined) scores.set(name, r.score);
      nshots.set(name, r.nshots);
      if (r.description !== undefined) descriptions.set(name, r.description);
    }
  }
  for (const [name, score] of Object.entries(config.scores)) scores.set(name, score);
  const results = new Map<string, { score: number; nshots: number }>();
  for (const name of new Set([...scores.keys(), ...nshots.keys()])) {
    if (scores.has(name)) results.set(name, { score: scores.get(name)!, nshots: nshots.get(name) ?? defaultShots });
  }
  const thresholds: Record<string, number> = {};
  for (const [name, value] of Object.entries(config.actions)) if (value !== undefined) thresholds[name] = value;
  return { stages, results, descriptions, thresholds: Object.freeze(thresholds), requiredScore: requiredScore(config.actions) };
}
