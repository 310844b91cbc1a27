// The persister's fault hook (fault.ts): parsed strictly, refused in production, and crashing
// exactly after the configured batch write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@hanpyo/service-kit';
import { CrashAfterWrite, faultConfig } from './fault.js';

describe('HANPYO_FAULT_CRASH_AFTER_WRITE', () => {
  it('is off unless set', () => {
    assert.deepEqual(faultConfig({}), { crashAfterWrite: undefined });
    assert.deepEqual(faultConfig({ HANPYO_FAULT_CRASH_AFTER_WRITE: '' }), {
      crashAfterWrite: undefined,
    });
  });

  it('takes a batch count ≥ 1 and refuses anything else', () => {
    assert.deepEqual(faultConfig({ HANPYO_FAULT_CRASH_AFTER_WRITE: '3' }), { crashAfterWrite: 3 });
    for (const bad of ['0', '-1', '1.5', 'x', '01'])
      assert.throws(() => faultConfig({ HANPYO_FAULT_CRASH_AFTER_WRITE: bad }), ConfigError, bad);
  });

  it('refuses to start in the production profile', () => {
    assert.throws(
      () => faultConfig({ HANPYO_FAULT_CRASH_AFTER_WRITE: '1', HANPYO_PROFILE: 'production' }),
      (e: unknown) => e instanceof ConfigError && /HANPYO_PROFILE=production/.test(e.message),
    );
    assert.deepEqual(faultConfig({ HANPYO_PROFILE: 'production' }), { crashAfterWrite: undefined });
  });

  it('crashes after the N-th write and not before', () => {
    let crashes = 0;
    const warnings: Record<string, unknown>[] = [];
    const hook = new CrashAfterWrite(
      { crashAfterWrite: 3 },
      (_m, fields) => warnings.push(fields),
      () => crashes++,
    );
    hook.afterWrite();
    hook.afterWrite();
    assert.equal(crashes, 0);
    hook.afterWrite();
    assert.equal(crashes, 1);
    assert.deepEqual(warnings, [{ fault: 'HANPYO_FAULT_CRASH_AFTER_WRITE', batch: 3 }]);
  });

  it('never crashes when off', () => {
    let crashes = 0;
    const hook = new CrashAfterWrite(
      { crashAfterWrite: undefined },
      () => undefined,
      () => crashes++,
    );
    for (let i = 0; i < 100; i++) hook.afterWrite();
    assert.equal(crashes, 0);
  });
});
