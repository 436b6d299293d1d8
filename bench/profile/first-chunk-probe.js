// Preloaded into the process in the middle under bench/profile/first-chunk.ts (node -r): for every POST it
// receives, the wall-clock times (ms, timeOrigin + now, comparable across processes on one machine) at which
// it arrived, the upstream call was made, its headers went out, the upstream's headers came back, the first
// byte of the answer was written and the answer ended, and beside each the process's CPU time so far (ms, all
// threads): whether a phase is work or waiting. Public hooks only: Node's and undici's diagnostics channels,
// and a wrapper around ServerResponse's write/end (Node publishes no channel for a response's first write).
// The probe assumes one request at a time (the profile sends them so): upstream events belong to the latest
// request. SIGUSR2 writes the rows to $FIRST_CHUNK_OUT.
'use strict';
const diagnostics = require('node:diagnostics_channel');
const { ServerResponse } = require('node:http');
const dumpWhole = require('./dump-whole');

const rows = [];
const byRequest = new WeakMap();
let current;
const now = () => performance.timeOrigin + performance.now();
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const mark = (row, field) => {
  row[field] = now();
  row[`${field}Cpu`] = cpuNow();
};

diagnostics.subscribe('http.server.request.start', ({ request }) => {
  if (request.method !== 'POST') {
    current = undefined;
    return;
  }
  current = {};
  mark(current, 'arrived');
  byRequest.set(request, current);
  rows.push(current);
});
const first = (field) => () => {
  if (current && current[field] === undefined) {
    mark(current, field);
  }
};
diagnostics.subscribe('undici:request:create', first('upstreamCall'));
diagnostics.subscribe('undici:client:sendHeaders', first('upstreamSent'));
diagnostics.subscribe('undici:request:headers', first('upstreamHeaders'));

for (const method of ['write', 'end']) {
  const original = ServerResponse.prototype[method];
  ServerResponse.prototype[method] = function (...args) {
    const row = this.req && byRequest.get(this.req);
    if (row && row.firstWrite === undefined) {
      mark(row, 'firstWrite');
    }
    if (row && method === 'end' && row.ended === undefined) {
      mark(row, 'ended');
    }
    return original.apply(this, args);
  };
}

process.on('SIGUSR2', () => dumpWhole(process.env.FIRST_CHUNK_OUT, JSON.stringify(rows)));
