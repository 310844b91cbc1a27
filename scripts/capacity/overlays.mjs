// What an overlay's sizes.yaml (deploy/k8s/overlays/<scale>/sizes.yaml) gives each component, read
// as numbers so the capacity model can check them: replicas, CPU, memory, disks.
import { loadAll } from 'js-yaml';

/** Kubernetes CPU quantity ('2', '500m', 1.5) in cores. */
export function cpuOf(q) {
  const s = String(q);
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(s);
  if (!m) throw new Error(`not a CPU quantity: '${s}'`);
  return m[2] === 'm' ? Number(m[1]) / 1000 : Number(m[1]);
}

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** Kubernetes byte quantity ('200Gi', '1Ti', '4g' as a JVM size) in bytes. */
export function bytesOf(q) {
  const s = String(q);
  const m = /^(\d+(?:\.\d+)?)([KMGTP]i|[kMGTP]|[gG])?$/.exec(s);
  if (!m) throw new Error(`not a byte quantity: '${s}'`);
  const unit = m[2] ?? '';
  const factor =
    unit in BINARY ? BINARY[unit] : unit === 'g' ? 2 ** 30 : unit in DECIMAL ? DECIMAL[unit] : 1;
  return Number(m[1]) * factor;
}

/**
 * The sizes an overlay sets, from the text of its sizes.yaml; throws naming what is missing.
 * @param {string} text
 * @param {string} source
 */
export function overlaySizes(text, source) {
  const docs = loadAll(text).filter((d) => d !== null && d !== undefined);
  const find = (kind, name) => {
    const d = docs.find((o) => o.kind === kind && o.metadata?.name === name);
    if (!d) throw new Error(`${source}: no ${kind} '${name}'`);
    return d;
  };
  const container = (name) => {
    const c = find('Deployment', name).spec.template.spec.containers.find((x) => x.name === name);
    if (!c) throw new Error(`${source}: Deployment '${name}' has no container '${name}'`);
    return c;
  };
  const deployment = (name) => {
    const c = container(name);
    return {
      replicas: find('Deployment', name).spec.replicas ?? 1,
      cpu: cpuOf(c.resources.requests.cpu),
      memory: bytesOf(c.resources.requests.memory),
      env: Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value])),
    };
  };
  const hpa = find('HorizontalPodAutoscaler', 'edge').spec;
  const brokers = find('KafkaNodePool', 'brokers').spec;
  const cassandra = find('K8ssandraCluster', 'hanpyo').spec.cassandra;
  const registrar = deployment('registrar');
  return {
    edge: { ...deployment('edge'), minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas },
    registrar: {
      ...registrar,
      judgeThreads: Number(registrar.env.HANPYO_REGISTRAR_PREJUDGE_THREADS ?? 1),
    },
    persister: deployment('persister'),
    ledger: deployment('ledger'),
    observer: deployment('observer'),
    kafka: {
      replicas: brokers.replicas,
      cpu: cpuOf(brokers.resources.requests.cpu),
      disk: bytesOf(brokers.storage.size),
    },
    cassandra: {
      nodes: cassandra.datacenters[0].size,
      cpu: cpuOf(cassandra.resources.requests.cpu),
      disk: bytesOf(
        cassandra.storageConfig.cassandraDataVolumeClaimSpec.resources.requests.storage,
      ),
    },
  };
}

/**
 * Each overlay figure beside what the model requires of it: `{item, overlay, required, ok}`,
 * rendered values as text.
 * @param {ReturnType<typeof overlaySizes>} o
 * @param {import('./model.mjs').requirements extends (...a: never[]) => infer R ? R : never} req
 * @param {(b: number) => string} fmtBytes
 */
export function checkOverlay(o, req, fmtBytes) {
  const checks = [];
  const add = (item, have, need, show) =>
    checks.push({ item, overlay: show(have), required: show(need), ok: have >= need - 1e-9 });
  const cores = (n) => `${n} CPU`;
  add(
    'edge: HPA minReplicas × CPU (carries the burst)',
    o.edge.minReplicas * o.edge.cpu,
    req.edgeCores,
    cores,
  );
  add('Kafka brokers', o.kafka.replicas, req.kafkaBrokers, String);
  add('Kafka: brokers × CPU', o.kafka.replicas * o.kafka.cpu, req.kafkaCores, cores);
  add('Kafka: brokers × disk', o.kafka.replicas * o.kafka.disk, req.kafkaDisk, fmtBytes);
  add('Cassandra nodes', o.cassandra.nodes, req.cassandraNodes, String);
  add('Cassandra: nodes × CPU', o.cassandra.nodes * o.cassandra.cpu, req.cassandraCores, cores);
  add('Cassandra: nodes × disk', o.cassandra.nodes * o.cassandra.disk, req.cassandraDisk, fmtBytes);
  add(
    'persister: replicas × CPU',
    o.persister.replicas * o.persister.cpu,
    req.persisterCores,
    cores,
  );
  add('observer: CPU', o.observer.cpu, req.observerCores, cores);
  add('registrar: judge threads per replica', o.registrar.judgeThreads, req.judgeThreads, String);
  add('registrar: CPU per replica ≥ judge threads', o.registrar.cpu, req.judgeThreads, cores);
  add('ledger: memory', o.ledger.memory, req.ledgerMemory, fmtBytes);
  return checks;
}
