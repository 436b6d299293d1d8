// Preloaded into a Ballast under bench/profile/per-request.ts (node -r): the
// first SIGUSR2 starts counting, the second writes what was counted to
// $PER_REQUEST_OUT. Counts are the point, not time: async resources by type
// (every promise, tick, timer) and V8's sampled allocations including the
// objects already collected, so a busy machine cannot move them.
'use strict';
const { createHook } = require('node:async_hooks');
const dumpWhole = require('./dump-whole');
const { Session } = require('node:inspector');

const resources = new Map();
let counting = false;
createHook({
  init(_id, type) {
    if (counting) {
      resources.set(type, (resources.get(type) || 0) + 1);
    }
  },
}).enable();

const session = new Session();
session.connect();
process.on('SIGUSR2', () => {
  if (!counting) {
    resources.clear();
    counting = true;
    session.post('HeapProfiler.startSampling', {
      samplingInterval: 2048,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return;
  }
  counting = false;
  session.post('HeapProfiler.stopSampling', (error, result) => {
    const out = { resources: Object.fromEntries(resources), profile: error ? null : result.profile };
    dumpWhole(process.env.PER_REQUEST_OUT, JSON.stringify(out));
  });
});
