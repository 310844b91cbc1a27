// podCores: the cgroup quota (v2, then v1) rounded up and capped by the machine, else the machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cgroupCpuQuota, podCores } from './cores.js';

const files = (map: Record<string, string>) => (path: string) => map[path];

describe('podCores', () => {
  it('takes a cgroup v2 quota, rounded up, at most the machine', () => {
    assert.equal(podCores(files({ '/sys/fs/cgroup/cpu.max': '200000 100000\n' }), 64), 2);
    assert.equal(podCores(files({ '/sys/fs/cgroup/cpu.max': '150000 100000' }), 64), 2);
    assert.equal(podCores(files({ '/sys/fs/cgroup/cpu.max': '50000 100000' }), 64), 1);
    assert.equal(podCores(files({ '/sys/fs/cgroup/cpu.max': '1600000 100000' }), 8), 8);
  });

  it('uses the machine when there is no quota', () => {
    assert.equal(podCores(files({ '/sys/fs/cgroup/cpu.max': 'max 100000' }), 12), 12);
    assert.equal(podCores(files({}), 12), 12);
    assert.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'garbage 0' })), undefined);
  });

  it('falls back to cgroup v1', () => {
    const v1 = files({
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '300000',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
    });
    assert.equal(podCores(v1, 64), 3);
    const unlimited = files({
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
    });
    assert.equal(podCores(unlimited, 4), 4);
  });
});
