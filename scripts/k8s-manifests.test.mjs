// deploy/k8s: every overlay renders with kustomize, and every object it renders validates against
// the vendored Kubernetes OpenAPI and CRD schemas (deploy/k8s/schemas), strictly: an unknown field,
// a wrong type or a missing required field is an error. Then what the manifests say is checked
// against the code: the variables each ConfigMap sets are ones its service reads, the probes hit
// the real health routes on the service's port, the alerts and the dashboard use metrics the
// processes export, and every Secret the manifests expect is documented in deploy/k8s/README.md.
// The validator's own negative cases come first: a validation that cannot fail proves nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import {
  SERVICES,
  exportedMetrics,
  metricOf,
  operationsRoutes,
  seriesIn,
  serviceVariables,
} from './k8s/code-facts.mjs';
import { findAll, major, render } from './k8s/kustomize.mjs';
import { loadValidator } from './k8s/validate.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const k8s = join(root, 'deploy', 'k8s');
const OVERLAYS = ['city', 'province'];

/** The objects of a rendered YAML stream. */
const objectsOf = (yaml) => loadAll(yaml).filter((o) => o !== null && o !== undefined);
const clone = (o) => JSON.parse(JSON.stringify(o));
const named = (objects, kind, name) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

let validator;
let tools;
/** overlay → rendered objects (by the preferred kustomize). */
const rendered = new Map();

before(() => {
  validator = loadValidator(join(k8s, 'schemas'));
  tools = findAll(root);
  assert.ok(
    tools.length > 0,
    'no kustomize: install kubectl (`npm run bootstrap` does, from Debian) or set HANPYO_KUSTOMIZE',
  );
  for (const overlay of OVERLAYS)
    rendered.set(overlay, objectsOf(render(tools[0], join(k8s, 'overlays', overlay))));
});

describe('the schema validator', () => {
  const deployment = () => clone(named(rendered.get('city'), 'Deployment', 'edge'));

  it('passes a rendered Deployment as it is', () => {
    assert.deepEqual(validator.validate(deployment()), []);
  });

  it('rejects an unknown field, a wrong type and a missing required field (Kubernetes schema)', () => {
    const unknown = deployment();
    unknown.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    assert.match(
      validator.validate(unknown).join('\n'),
      /containers\/0: .*additional properties 'imagePullPolicyy'/,
    );

    const wrongType = deployment();
    wrongType.spec.replicas = '3';
    assert.match(validator.validate(wrongType).join('\n'), /\/spec\/replicas: must be integer/);

    const missing = deployment();
    delete missing.spec.selector;
    assert.match(
      validator.validate(missing).join('\n'),
      /\/spec: must have required property 'selector'/,
    );

    // (The Kubernetes OpenAPI documents name their enums in descriptions only: see the CRD case.)
    const badMeta = deployment();
    badMeta.metadata.lables = {};
    assert.match(validator.validate(badMeta).join('\n'), /\/metadata: .*'lables'/);
  });

  it('rejects the same mistakes in custom resources (CRD schemas)', () => {
    const objects = rendered.get('city');
    const user = clone(named(objects, 'KafkaUser', 'hanpyo-edge'));
    user.spec.authorization.acls[0].operation = 'Write';
    assert.match(
      validator.validate(user).join('\n'),
      /acls\/0: .*additional properties 'operation'/,
    );
    const badOperation = clone(named(objects, 'KafkaUser', 'hanpyo-edge'));
    badOperation.spec.authorization.acls[0].operations = ['Writ'];
    assert.match(
      validator.validate(badOperation).join('\n'),
      /operations\/0: must be equal to one of the allowed values/,
    );

    const kafka = clone(named(objects, 'Kafka', 'hanpyo'));
    kafka.spec.kafka.listeners[0].port = '9093';
    delete kafka.spec.kafka.listeners[0].tls;
    const kafkaErrors = validator.validate(kafka).join('\n');
    assert.match(kafkaErrors, /listeners\/0\/port: must be integer/);
    assert.match(kafkaErrors, /listeners\/0: must have required property 'tls'/);

    const cassandra = clone(named(objects, 'K8ssandraCluster', 'hanpyo'));
    delete cassandra.spec.cassandra.datacenters[0].size;
    cassandra.spec.cassandra.users = [{ secretName: 'x' }];
    const cassandraErrors = validator.validate(cassandra).join('\n');
    assert.match(cassandraErrors, /datacenters\/0: must have required property 'size'/);
    assert.match(cassandraErrors, /\/spec\/cassandra: .*additional properties 'users'/);

    const monitor = clone(named(objects, 'ServiceMonitor', 'edge'));
    monitor.spec.endpoints[0].interval = 15;
    assert.match(validator.validate(monitor).join('\n'), /endpoints\/0\/interval: must be string/);

    const rule = clone(named(objects, 'PrometheusRule', 'hanpyo'));
    delete rule.spec.groups[0].rules[0].expr;
    assert.match(
      validator.validate(rule).join('\n'),
      /rules\/0: must have required property 'expr'/,
    );
  });

  it('rejects a kind it has no schema for, and an object without a name', () => {
    assert.deepEqual(
      validator.validate({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'x' } }),
      ['no schema for apps/v1 StatefulSet'],
    );
    const nameless = clone(named(rendered.get('city'), 'Service', 'edge'));
    delete nameless.metadata.name;
    assert.match(validator.validate(nameless).join('\n'), /metadata\.name: missing/);
  });
});

for (const overlay of OVERLAYS) {
  describe(`overlays/${overlay}`, () => {
    const objects = () => rendered.get(overlay);

    it('validates every object against the Kubernetes and CRD schemas', () => {
      const problems = [];
      for (const o of objects()) {
        for (const e of validator.validate(o)) problems.push(`${o.kind}/${o.metadata?.name}: ${e}`);
      }
      assert.deepEqual(problems, []);
      const kinds = new Set(objects().map((o) => o.kind));
      for (const kind of [
        'Kafka',
        'KafkaNodePool',
        'KafkaUser',
        'K8ssandraCluster',
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'NetworkPolicy',
        'Ingress',
        'ServiceMonitor',
        'PrometheusRule',
      ])
        assert.ok(kinds.has(kind), `no ${kind} rendered`);
    });

    it('gives each service a Deployment whose ConfigMaps set only variables its code reads', () => {
      const configMaps = new Map(
        objects()
          .filter((o) => o.kind === 'ConfigMap')
          .map((c) => [c.metadata.name, c]),
      );
      for (const name of SERVICES) {
        const deployment = named(objects(), 'Deployment', name);
        assert.ok(deployment, `no Deployment ${name}`);
        const [container] = deployment.spec.template.spec.containers;
        assert.deepEqual(container.command, ['node', `services/${name}/dist/main.js`]);
        const known = serviceVariables(root, name);
        const set = new Map();
        for (const from of container.envFrom ?? []) {
          const cm = configMaps.get(from.configMapRef?.name);
          if (!cm) continue; // made before the first apply (README): hanpyo-signers
          for (const [k, v] of Object.entries(cm.data ?? {})) set.set(k, v);
        }
        for (const e of container.env ?? []) set.set(e.name, e.value);
        const unknown = [...set.keys()].filter((k) => !known.has(k));
        assert.deepEqual(unknown, [], `${name} sets variables its config does not read`);
        // It listens on all interfaces, on the port its probes and Service use.
        assert.equal(set.get(`HANPYO_${name.toUpperCase()}_HOST`), '0.0.0.0');
        const port = Number(set.get(`HANPYO_${name.toUpperCase()}_PORT`));
        assert.deepEqual(container.ports, [{ name: 'http', containerPort: port, protocol: 'TCP' }]);
        const service = named(objects(), 'Service', name);
        assert.equal(service.spec.ports[0].port, port);
        assert.equal(service.spec.ports[0].targetPort, 'http');
      }
    });

    it('probes the real health routes and scrapes the real metrics route', () => {
      const routes = operationsRoutes(root);
      for (const name of SERVICES) {
        const [c] = named(objects(), 'Deployment', name).spec.template.spec.containers;
        assert.equal(c.readinessProbe.httpGet.path, '/health/ready');
        assert.equal(c.livenessProbe.httpGet.path, '/health/live');
        assert.equal(c.startupProbe.httpGet.path, '/health/live');
        for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
          assert.ok(routes.has(p.httpGet.path), `${p.httpGet.path} is not served`);
          assert.equal(p.httpGet.port, 'http');
        }
        const monitor = named(objects(), 'ServiceMonitor', name);
        assert.ok(routes.has(monitor.spec.endpoints[0].path), 'metrics path not served');
        assert.equal(monitor.spec.endpoints[0].port, 'http');
        const sc = c.securityContext;
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.deepEqual(sc.capabilities.drop, ['ALL']);
        const pod = named(objects(), 'Deployment', name).spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
        assert.deepEqual(
          pod.topologySpreadConstraints.map((t) => t.topologyKey),
          ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
        );
      }
    });

    it('alerts and charts only metrics the processes export', async () => {
      const metrics = await exportedMetrics(root);
      const rule = named(objects(), 'PrometheusRule', 'hanpyo');
      const dashboard = objects().find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('hanpyo-grafana-dashboard'),
      );
      const exprs = [
        ...rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr)),
        ...JSON.parse(dashboard.data['hanpyo-dashboard.json']).panels.flatMap((p) =>
          (p.targets ?? []).map((t) => t.expr),
        ),
      ];
      const unknown = new Set();
      for (const expr of exprs)
        for (const s of seriesIn(expr))
          if (s !== 'up' && !metrics.has(metricOf(s)) && !metrics.has(s)) unknown.add(s);
      assert.deepEqual([...unknown], []);
      assert.ok(exprs.length > 20);
    });

    it('documents every Secret and ConfigMap it expects to exist', () => {
      const readme = readFileSync(join(k8s, 'README.md'), 'utf8');
      const made = new Set(objects().map((o) => `${o.kind}/${o.metadata.name}`));
      const wanted = new Set();
      const walk = (node) => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node)) return node.forEach(walk);
        if (node.secretName) wanted.add(`Secret/${node.secretName}`);
        if (node.secretKeyRef) wanted.add(`Secret/${node.secretKeyRef.name}`);
        if (node.configMapRef) wanted.add(`ConfigMap/${node.configMapRef.name}`);
        if (node.superuserSecretRef) wanted.add(`Secret/${node.superuserSecretRef.name}`);
        for (const k of [
          'keystoreSecretRef',
          'truststoreSecretRef',
          'keystorePasswordSecretRef',
          'truststorePasswordSecretRef',
        ])
          if (node[k]) wanted.add(`Secret/${node[k].name}`);
        Object.values(node).forEach(walk);
      };
      objects().forEach(walk);
      const undocumented = [...wanted].filter(
        (w) => !made.has(w) && !readme.includes(`\`${w.split('/')[1]}\``),
      );
      assert.deepEqual(undocumented, []);
    });
  });
}

describe('kustomize versions', () => {
  it('renders the same objects with kustomize v2 and v5, where both are installed', (t) => {
    const old = tools.find((x) => major(x) === 2);
    const current = tools.find((x) => major(x) >= 3);
    if (!old || !current) {
      t.skip(`only ${tools.map((x) => `${x.path} (${x.kustomizeVersion})`).join(', ')} found`);
      return;
    }
    // Generated names carry a content hash that kustomize v2 and v3+ compute differently.
    const normal = (yaml) =>
      objectsOf(yaml.replace(/\b(hanpyo-[a-z-]+)-[a-z0-9]{10}\b/g, '$1-HASH'))
        .map((o) => JSON.stringify(o))
        .sort();
    for (const overlay of OVERLAYS) {
      const dir = join(k8s, 'overlays', overlay);
      assert.deepEqual(normal(render(old, dir)), normal(render(current, dir)), overlay);
    }
  });
});
