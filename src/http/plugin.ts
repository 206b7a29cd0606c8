import type { FastifyPluginAsync } from 'fastify';

/**
 * Marks a plugin as sharing its parent's context, so the hooks it adds apply to the routes of the context that
 * registers it (what fastify-plugin does: Fastify reads this symbol, see "skip-override" in its Plugins guide).
 * Without it, a plugin's hooks would only apply to routes it declares itself.
 */
export function sharedPlugin<Options extends object>(plugin: FastifyPluginAsync<Options>): FastifyPluginAsync<Options> {
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}
