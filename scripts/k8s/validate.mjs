// Validates Kubernetes objects offline against the vendored schemas of deploy/k8s/schemas/: the
// Kubernetes OpenAPI v3 documents for built-in kinds, the CRDs' openAPIV3Schema for Strimzi,
// K8ssandra and prometheus-operator kinds. OpenAPI is converted to JSON Schema (draft-07) for ajv:
//
// - `$ref: #/components/schemas/X` → `<file>#/definitions/X`;
// - `nullable: true` → null allowed; `x-kubernetes-int-or-string` → integer or string;
// - `x-kubernetes-preserve-unknown-fields` → any member allowed there;
// - an object schema with `properties` and no `additionalProperties` is closed (unknown fields are
//   errors), as kubeconform's strict mode and the API server's strict field validation do;
// - `x-kubernetes-embedded-resource` → apiVersion, kind and metadata allowed beside its properties;
// - a CRD's `metadata` is checked as the Kubernetes ObjectMeta (the API server does so too).
//
// Not checked (the API server does these and we cannot offline): CEL rules
// (`x-kubernetes-validations`), `format`s, list-map key uniqueness, and a pattern JavaScript cannot
// compile (counted in `skippedPatterns`).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';

const KEEP = new Set([
  'type',
  'properties',
  'additionalProperties',
  'items',
  'required',
  'enum',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'default',
  '$ref',
]);

const COMPONENTS = '#/components/schemas/';
/** Base of the documents' ids (never fetched: every document is added to ajv). */
const BASE = 'https://schemas.hanpyo.invalid/';
/** Where every kind's metadata is checked from (any of the core documents defines ObjectMeta). */
export const OBJECT_META = `${BASE}kubernetes/api-v1.json#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/** One OpenAPI v3 schema node as JSON Schema; `stats` counts what could not be kept. */
export function toJsonSchema(node, stats = { skippedPatterns: 0 }) {
  if (node === true || node === false) return node;
  if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEEP.has(key)) continue;
    switch (key) {
      case 'properties':
        out.properties = Object.fromEntries(
          Object.entries(value).map(([name, child]) => [name, toJsonSchema(child, stats)]),
        );
        break;
      case 'additionalProperties':
      case 'items':
      case 'not':
        out[key] = Array.isArray(value)
          ? value.map((v) => toJsonSchema(v, stats))
          : toJsonSchema(value, stats);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = value.map((v) => toJsonSchema(v, stats));
        break;
      case '$ref':
        out.$ref = value.startsWith(COMPONENTS)
          ? `#/definitions/${value.slice(COMPONENTS.length)}`
          : value;
        break;
      case 'pattern':
        try {
          new RegExp(value, 'u');
          out.pattern = value;
        } catch {
          stats.skippedPatterns++;
        }
        break;
      default:
        out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!out.anyOf && !out.oneOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (node['x-kubernetes-embedded-resource'] === true) {
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...out.properties,
    };
  }
  if (out.properties && out.additionalProperties === undefined && !preserve)
    out.additionalProperties = false;
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (out.enum) out.enum = [...out.enum, null];
    if (out.type === undefined && (out.anyOf || out.oneOf || out.$ref || out.allOf)) {
      return { anyOf: [{ type: 'null' }, out] };
    }
  }
  return out;
}

/** apiVersion of a group and version (the core group is empty). */
const apiVersionOf = (group, version) => (group ? `${group}/${version}` : version);

/**
 * Loads every vendored schema of `dir` (deploy/k8s/schemas) into one ajv instance. Returns
 * `validate(object)` → list of readable errors (empty when valid) and the kinds it knows.
 */
export function loadValidator(dir) {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateFormats: false,
  });
  const stats = { skippedPatterns: 0 };
  /** `apiVersion kind` → schema ref. */
  const roots = new Map();
  const sources = new Map();
  for (const name of readdirSync(join(dir, 'kubernetes')).sort()) {
    const file = `kubernetes/${name}`;
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const definitions = {};
    for (const [defName, schema] of Object.entries(doc.components.schemas)) {
      definitions[defName] = toJsonSchema(schema, stats);
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        const key = `${apiVersionOf(gvk.group, gvk.version)} ${gvk.kind}`;
        if (!roots.has(key)) {
          roots.set(key, `${BASE}${file}#/definitions/${defName}`);
          sources.set(key, doc.source);
        }
      }
    }
    ajv.addSchema({ $id: `${BASE}${file}`, definitions });
  }
  for (const name of readdirSync(join(dir, 'crds')).sort()) {
    const file = `crds/${name}`;
    const crd = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const definitions = {};
    for (const v of crd.versions) {
      const schema = toJsonSchema(v.schema, stats);
      schema.properties = { ...schema.properties, metadata: { $ref: OBJECT_META } };
      schema.required = [
        ...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata']),
      ];
      if (schema.additionalProperties === undefined) schema.additionalProperties = false;
      definitions[v.name] = schema;
      const key = `${apiVersionOf(crd.group, v.name)} ${crd.kind}`;
      roots.set(key, `${BASE}${file}#/definitions/${v.name}`);
      sources.set(key, crd.source);
    }
    ajv.addSchema({ $id: `${BASE}${file}`, definitions });
  }
  const compiled = new Map();
  const compile = (key) => {
    if (!compiled.has(key)) compiled.set(key, ajv.compile({ $ref: roots.get(key) }));
    return compiled.get(key);
  };
  return {
    stats,
    kinds: [...roots.keys()].sort(),
    source: (apiVersion, kind) => sources.get(`${apiVersion} ${kind}`),
    /** Readable errors of one object; `[]` when it validates. */
    validate(object) {
      if (!object || typeof object !== 'object') return ['not an object'];
      const key = `${object.apiVersion} ${object.kind}`;
      if (!roots.has(key)) return [`no schema for ${key}`];
      const errors = [];
      if (!object.metadata?.name) errors.push('metadata.name: missing');
      const check = compile(key);
      if (!check(object)) {
        for (const e of check.errors) {
          const at = e.instancePath || '(root)';
          const extra =
            e.keyword === 'additionalProperties'
              ? ` '${e.params.additionalProperty}'`
              : e.keyword === 'enum'
                ? ` ${JSON.stringify(e.params.allowedValues)}`
                : '';
          errors.push(`${at}: ${e.message}${extra}`);
        }
      }
      return errors;
    },
  };
}
