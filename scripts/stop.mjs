#!/usr/bin/env node
// `npm stop`: stops what `npm start` started from this state directory (HANPYO_STATE_DIR,
// .hanpyo): its services, then the servers recorded as started by an npm start of this state
// directory (startedBy). Servers someone else started (`npm run infra -- up`, `npm test`, another
// checkout's npm start) keep running, and it says so.
import { describeStartedBy, down, readCluster, status } from './infra/lib.mjs';
import { STATE_DIR, stopServices } from './stack/lib.mjs';

const nodes = readCluster()?.nodes ?? 1;
const services = await stopServices();
console.log(`[stop] services stopped: ${services.join(', ') || 'none were running'}`);
const r = await down(undefined, { nodes, startedBy: { by: 'npm start', stateDir: STATE_DIR } });
console.log(`[stop] servers stopped: ${r.stopped.join(', ') || 'none'}`);
if (r.leftRunning.length > 0) {
  const s = await status(r.leftRunning, { nodes });
  for (const name of r.leftRunning)
    console.log(
      `[stop] left running: ${name} (started by ${describeStartedBy(s[name]?.startedBy)}); ` +
        `stop it with: npm run infra -- down ${name}`,
    );
}
