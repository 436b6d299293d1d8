import { machineCpuOf, stealSince } from './proc-stats';

// Two readings of this machine's /proc/stat, 50 s apart, during a paced run of the framework floor (2026-12-03).
const BEFORE = 'cpu  38518 0 9008 113184 477 0 1273 1734 0 0\ncpu0 19000 0 4500 56000 200 0 600 870 0 0\n';
const AFTER = 'cpu  40529 0 9260 120753 481 0 1352 1988 0 0\ncpu0 20000 0 4600 60000 201 0 640 990 0 0\n';

describe('machine CPU from /proc/stat', () => {
  it('reads the all-CPU line, busy apart from idle and iowait, steal on its own', () => {
    expect(machineCpuOf(BEFORE)).toEqual({ busy: 38518 + 9008 + 1273, steal: 1734, total: 38518 + 9008 + 113184 + 477 + 1273 + 1734 });
  });

  it('gives steal as a share of all CPU time and of the time the vCPUs were busy or stolen', () => {
    // 254 ticks stolen of 10,169; busy 2,342.
    expect(stealSince(machineCpuOf(BEFORE), machineCpuOf(AFTER))).toEqual({ stealPercent: 2.5, stealPercentOfBusy: 9.8 });
  });

  it('reads nothing stolen on a machine that is not shared', () => {
    const idle = machineCpuOf('cpu  100 0 50 1000 0 0 0 0 0 0\n');
    expect(stealSince(idle, machineCpuOf('cpu  200 0 60 2000 0 0 0 0 0 0\n'))).toEqual({ stealPercent: 0, stealPercentOfBusy: 0 });
  });
});
