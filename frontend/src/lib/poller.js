/**
 * Run `task` every `intervalMs` while the tab is visible: paused when it is hidden, and run at once
 * when it comes back. One run at a time; the next is scheduled when the previous one settles.
 */
export function createPoller(task, intervalMs) {
  let timer = null;
  let running = false;
  let stopped = true;

  const schedule = () => {
    clearTimeout(timer);
    timer = null;
    if (!stopped && !document.hidden) timer = setTimeout(tick, intervalMs); // eslint-disable-line no-use-before-define
  };

  async function tick() {
    timer = null;
    if (stopped || running || document.hidden) return;
    running = true;
    try {
      await task();
    } catch (e) {
      // the task reports its own errors; polling goes on
    } finally {
      running = false;
      schedule();
    }
  }

  const onVisibility = () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!stopped && !running) {
      tick();
    }
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      document.addEventListener('visibilitychange', onVisibility);
      schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = null;
      document.removeEventListener('visibilitychange', onVisibility);
    },
    get active() {
      return timer !== null;
    },
  };
}
