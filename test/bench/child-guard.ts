/**
 * Loaded first in every child the bench starts (`node -r`): when the bench goes away (its IPC channel closes, even on
 * SIGKILL), the child stops itself with SIGTERM, so nothing outlives a run. The channel is unref'd: it never keeps
 * the child alive by itself.
 */
if (typeof process.send === 'function') {
  process.on('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 15_000).unref();
  });
  process.channel?.unref();
}

export {};
