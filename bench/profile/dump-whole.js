// For the probes preloaded by bench/profile/*.ts: writes a dump under a temporary name and renames it into place,
// so the reader (signalled-dump.ts) can take a file that exists as complete.
'use strict';
const { renameSync, writeFileSync } = require('node:fs');

module.exports = function dumpWhole(file, text) {
  writeFileSync(`${file}.partial`, text);
  renameSync(`${file}.partial`, file);
};
