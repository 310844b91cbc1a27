// How many cores this process may use. Node's availableParallelism() counts the machine's CPUs,
// not a container's share: a Kubernetes pod limited to 2 CPUs on a 64-core node would start 64
// threads. The cgroup's CPU quota (v2 `cpu.max`, else v1 `cpu.cfs_quota_us`) is the pod's limit.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads a small file, or undefined when it does not exist (no cgroup, another OS). */
export type ReadFile = (path: string) => string | undefined;

const readIfPresent: ReadFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
};

/** The cgroup's CPU quota in cores, or undefined when there is none. */
export function cgroupCpuQuota(read: ReadFile = readIfPresent): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 && v2.length === 2) {
    if (v2[0] === 'max') return undefined;
    const quota = Number(v2[0]) / Number(v2[1]);
    return Number.isFinite(quota) && quota > 0 ? quota : undefined;
  }
  const quotaUs = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim());
  const periodUs = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim());
  if (quotaUs > 0 && periodUs > 0) return quotaUs / periodUs;
  return undefined;
}

/** The cores this process may use: the cgroup quota rounded up, at most the machine's CPUs. */
export function podCores(read: ReadFile = readIfPresent, machine = availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return quota === undefined ? machine : Math.max(1, Math.min(machine, Math.ceil(quota)));
}
