/**
 * Backends by name. The reference backend is registered on import; faster ones register
 * themselves from their own modules. `setBackend` picks the default used by factories.
 */
import type { Backend } from './backend.js';

const backends = new Map<string, Backend>();
let current: Backend | undefined;

export function registerBackend(backend: Backend, options: { makeDefault?: boolean } = {}): void {
  backends.set(backend.name, backend);
  if (options.makeDefault || current === undefined) current = backend;
}

export function getBackend(name?: string): Backend {
  if (name === undefined) {
    if (!current) throw new Error('no backend is registered');
    return current;
  }
  const b = backends.get(name);
  if (!b)
    throw new Error(
      `unknown backend '${name}'; registered backends: ${[...backends.keys()].join(', ')}`,
    );
  return b;
}

/** A backend option as the backend: a registered name, the object itself, or the current one. */
export function resolveBackend(option: string | Backend | undefined): Backend {
  return option === undefined || typeof option === 'string' ? getBackend(option) : option;
}

export function setBackend(name: string): Backend {
  current = getBackend(name);
  return current;
}

export function listBackends(): string[] {
  return [...backends.keys()];
}

/** Runs `fn` with another default backend, restoring the previous one afterwards. */
export function withBackend<T>(name: string, fn: () => T): T {
  const previous = current;
  current = getBackend(name);
  try {
    return fn();
  } finally {
    current = previous;
  }
}
