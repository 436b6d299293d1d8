// Preloaded into a process under bench/profile/calls-per-request.ts (node -r): the first SIGUSR2 starts V8's
// precise coverage with call counts and writes $CALLS_OUT.started once it runs; the second writes every function
// called since, with its count, to $CALLS_OUT. Counts, not time: what a request runs, which a busy machine
// cannot move.
'use strict';
const { Session } = require('node:inspector');
const dumpWhole = require('./dump-whole');

const session = new Session();
session.connect();
let counting = false;
process.on('SIGUSR2', () => {
  if (!counting) {
    counting = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false }, () =>
        dumpWhole(`${process.env.CALLS_OUT}.started`, '{}'),
      ),
    );
    return;
  }
  session.post('Profiler.takePreciseCoverage', (error, taken) => {
    const called = [];
    for (const script of error ? [] : taken.result) {
      for (const fn of script.functions) {
        // A function's first range is the function itself; its count is how many times it was called.
        const calls = fn.ranges[0].count;
        if (calls > 0) {
          called.push({ url: script.url, name: fn.functionName, offset: fn.ranges[0].startOffset, calls });
        }
      }
    }
    dumpWhole(process.env.CALLS_OUT, JSON.stringify(called));
  });
});
