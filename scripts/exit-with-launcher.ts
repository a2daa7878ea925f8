/**
 * Preloaded into every service `npm start` runs (`--import`): the launcher holds an IPC channel to
 * each child, so when the launcher is gone — even killed with SIGKILL — the channel closes and the
 * service shuts itself down the way SIGTERM would. No service is left running without its launcher.
 */
if (process.send) {
  process.on('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
    // A service that ignores SIGTERM still goes.
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
