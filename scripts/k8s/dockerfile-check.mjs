// Static checks of the image's Dockerfile (no Docker engine here to build it): parsed with
// dockerfile-ast, the rules deploy/k8s/README.md "Image" promises. Returns a list of problems.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';

/** .dockerignore patterns as tests on a context path (`**`, `*`, a directory matching below). */
export function dockerignore(text) {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((pattern) => {
      const negate = pattern.startsWith('!');
      const p = pattern.replace(/^!/, '').replace(/^\/+|\/+$/g, '');
      const source = p
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '(?:.*/)?'
            : `${seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]')}/`,
        )
        .join('');
      return { negate, re: new RegExp(`^${source.replace(/\/$/, '')}(?:/.*)?$`) };
    });
  return (path) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(path.replace(/^\/+|\/+$/g, ''))) ignored = !r.negate;
    return ignored;
  };
}

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|_KEY\b|KEY_SEED|CREDENTIAL)/i;

/**
 * Problems of `text` (a Dockerfile) whose build context is `root` with `.dockerignore` text
 * `ignore` (undefined: missing).
 */
export function checkDockerfile(text, root, ignore) {
  const problems = [];
  const file = DockerfileParser.parse(text);
  const froms = file.getFROMs();
  if (froms.length < 2)
    problems.push(`${froms.length} stage(s): a multi-stage build has at least 2`);
  const stages = new Set();
  for (const from of froms) {
    const name = from.getImageName();
    if (!stages.has(name)) {
      const tag = from.getImageTag();
      const digest = from.getImageDigest();
      if (!digest && (!tag || tag === 'latest' || !/\d/.test(tag)))
        problems.push(`FROM ${from.getImage()}: base image not pinned to a version (or digest)`);
    }
    const stage = from.getBuildStage();
    if (stage) stages.add(stage);
  }
  if (ignore === undefined) problems.push('.dockerignore missing');
  const ignored = dockerignore(ignore ?? '');
  const instructions = file.getInstructions();
  for (const i of instructions) {
    const keyword = i.getKeyword();
    const args = i.getArguments().map((a) => a.getValue());
    if (keyword === 'ADD') {
      if (args.some((a) => /^[a-z]+:\/\//i.test(a) || a.startsWith('git@')))
        problems.push(`ADD ${args.join(' ')}: fetches from the network`);
      else problems.push(`ADD ${args.join(' ')}: use COPY`);
    }
    if (keyword === 'ENV' || keyword === 'ARG') {
      for (const a of args) {
        const [key, value] = a.split('=');
        if (SECRET_NAME.test(key) && value !== undefined && value !== '')
          problems.push(`${keyword} ${key}: a secret baked into the image`);
      }
    }
    if (keyword === 'COPY') {
      const from = i.getFromFlag?.()?.getValue();
      const sources = args.filter((a) => !a.startsWith('--')).slice(0, -1);
      if (from) {
        if (!stages.has(from)) problems.push(`COPY --from=${from}: not a stage of this file`);
        continue;
      }
      for (const s of sources) {
        const path = s.replace(/\/+$/, '');
        if (!existsSync(join(root, path))) problems.push(`COPY ${s}: not in the repository`);
        else if (ignored(path)) problems.push(`COPY ${s}: excluded by .dockerignore`);
      }
    }
  }
  const last = froms.at(-1);
  const finalUsers = instructions.filter(
    (i) =>
      i.getKeyword() === 'USER' && last && i.getRange().start.line > last.getRange().start.line,
  );
  const user = finalUsers.at(-1)?.getArguments()[0]?.getValue();
  if (!user) problems.push('the final stage sets no USER (it would run as root)');
  else {
    const [uid, gid] = user.split(':');
    if (!/^\d+$/.test(uid) || (gid !== undefined && !/^\d+$/.test(gid)))
      problems.push(`USER ${user}: not numeric (runAsNonRoot cannot check a name)`);
    else if (Number(uid) === 0 || gid === '0') problems.push(`USER ${user}: root`);
  }
  return problems;
}
