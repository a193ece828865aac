/**
 * The container and deployment files agree with the project: the image is built and started with
 * the commands a checkout and CI use, and the compose file and Kubernetes manifests are valid YAML
 * wired to the gateway's port and probes. (Docker itself is not available to the tests.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { root } from './support/process.js';

const read = (path: string) => readFileSync(join(root, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's stages by name, each a list of instructions (continuation lines joined). */
function dockerStages(text: string): Map<string, Instruction[]> {
  const stages = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line)!;
    if (keyword.toUpperCase() === 'FROM') {
      current = [];
      stages.set(/\sAS\s+(\S+)$/i.exec(args)![1], current);
    }
    current.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

/** An exec-form argument (a JSON array) as the command line it runs. */
const execForm = (args: string) => (JSON.parse(args) as string[]).join(' ');

describe('the Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const build = stages.get('build')!;
  const runtime = stages.get('runtime')!;
  const runs = (stage: Instruction[]) => stage.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const ciInstall = /^npm ci.*$/m.exec(read('.ci/run'))![0];

  it('builds with the install command of the README and CI, and the build npm start runs first', () => {
    expect(read('README.md')).toContain('npm ci && npm start');
    expect(read('README.md')).toContain('npm ci && npm test');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
    expect(runs(build)).toContain(ciInstall);
    expect(packageJson.scripts.prestart).toBe('npm run build');
    expect(runs(build)).toContain('npm run build');
  });

  it('runs `node dist/main.js` as npm start does, under tini, as a non-root user, on all interfaces', () => {
    const cmd = runtime.find((i) => i.keyword === 'CMD')!;
    expect(execForm(cmd.args)).toBe(packageJson.scripts.start.replace(/^exec /, ''));
    expect(execForm(runtime.find((i) => i.keyword === 'ENTRYPOINT')!.args)).toMatch(/^\/usr\/bin\/tini --$/);
    expect(runs(runtime).join('\n')).toMatch(/apt-get install .*\btini\b/);
    const user = runtime.filter((i) => i.keyword === 'USER').at(-1)!.args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(
      runtime
        .filter((i) => i.keyword === 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/\bHOST=0\.0\.0\.0\b/);
  });

  it('installs production dependencies only in the image it runs, and checks /healthz', () => {
    expect(runs(runtime).some((command) => /^npm ci --omit=dev\b/.test(command))).toBe(true);
    expect(runtime.find((i) => i.keyword === 'HEALTHCHECK')!.args).toMatch(/\/healthz/);
    expect(runtime.some((i) => i.keyword === 'COPY' && /--from=build \/app\/dist /.test(i.args))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const sources = [...build, ...runtime]
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(' ').slice(0, -1));
    expect(sources).toContain('src');
    expect(sources).toContain('drizzle');
    for (const source of sources) {
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source);
    }
    for (const kept of ['node_modules', 'dist', '.data', '.git']) expect(ignored).toContain(kept);
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<
      string,
      { build?: string; image?: string; ports?: string[]; environment?: Record<string, string> }
    >;
  };
  const gateways = Object.entries(compose.services).filter(([, service]) => service.build === '.');

  it('runs two gateway replicas from this directory on one PostgreSQL database', () => {
    expect(gateways.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2']);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    const urls = gateways.map(([, service]) => service.environment!.DATABASE_URL);
    expect(new Set(urls).size).toBe(1);
    expect(new URL(urls[0]).hostname).toBe('postgres');
  });

  it('publishes each replica on a host port of its own, to the port the image listens on', () => {
    const ports = gateways.map(([, service]) => service.ports![0].split(':'));
    expect(ports.map(([, container]) => container)).toEqual(['8080', '8080']);
    expect(new Set(ports.map(([host]) => host)).size).toBe(2);
    expect(read('Dockerfile')).toMatch(/PORT=8080/);
  });

  it('allows unauthenticated network access explicitly, saying a real deployment enables auth', () => {
    for (const [, service] of gateways) {
      expect(service.environment!.NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK).toBe('true');
    }
    expect(read('compose.yaml')).toMatch(/#.*NMP_AUTH_ENABLED=true/);
  });
});

describe('the Kubernetes example', () => {
  const documents = parseAllDocuments(read('deploy/kubernetes.yaml')).map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS();
  });
  const byKind = (kind: string) => documents.find((d) => d.kind === kind);
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  const env = Object.fromEntries(
    container.env.map((e: { name: string; value?: string }) => [e.name, e.value ?? e]),
  );

  it('has a Deployment, a Service and a PodDisruptionBudget that select the same pods', () => {
    expect(documents.map((d) => d.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget']);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.selector.matchLabels).toEqual(pod.metadata.labels);
    expect(byKind('Service').spec.selector).toEqual(pod.metadata.labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(pod.metadata.labels);
    expect(byKind('PodDisruptionBudget').spec.minAvailable).toBeGreaterThanOrEqual(1);
  });

  it('probes /livez for liveness and /readyz for readiness on the port the gateway listens on', () => {
    const port = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(String(port.containerPort)).toBe(env.PORT);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(byKind('Service').spec.ports[0].targetPort).toBe('http');
  });

  it('listens on all interfaces, takes the database URL from a Secret, and allows the stop its time', () => {
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.DATABASE_URL.valueFrom.secretKeyRef).toBeDefined();
    expect(env.NMP_AUTH_ALLOW_UNAUTHENTICATED_NETWORK).toBe('true');
    expect(read('deploy/kubernetes.yaml')).toMatch(/#.*NMP_AUTH_ENABLED=true/);
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    // The gateway stops within 10 s of SIGTERM, which comes after the preStop pause.
    const pause = Number(container.lifecycle.preStop.exec.command.at(-1));
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(pause + 10);
  });
});
