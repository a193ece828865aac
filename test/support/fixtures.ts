/** Request bodies used across suites. */
import { randomBytes } from 'node:crypto';

/** A workspace name no other test uses. */
export const uniqueWorkspace = (prefix = 'ws') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The `platform_spec` of the seed document's example job: container, resources, environment, lifecycle. */
export const seedPlatformSpec = {
  steps: [
    {
      name: 'preprocess',
      executor: {
        provider: 'cpu',
        container: {
          image: 'nemo/data-preprocess:1.4.2',
          entrypoint: ['/bin/sh', '-c'],
          command: ['python preprocess.py --input /data/raw --output /data/clean'],
        },
        profile: 'default',
        resources: {
          requests: { cpu: '500m', memory: '1Gi' },
          limits: { cpu: '1', memory: '2Gi' },
          num_nodes: 1,
          num_gpus: 0,
          shm_size: '1Gi',
        },
      },
      environment: [
        { name: 'ENVIRONMENT', value: 'production' },
        { name: 'API_KEY', from_secret: { name: 'nemo_api_key' } },
      ],
      config: {},
      lifecycle: { staleness_timeout_seconds: 300 },
    },
  ],
};

export const seedJob = {
  name: 'data-cleaning-job',
  source: 'git@github.com:nemo/data-pipeline.git',
  project: 'urn:nemo:project:data-pipeline-v2',
  description: 'Job to clean and preprocess raw data for analysis',
  spec: {},
  platform_spec: seedPlatformSpec,
  ownership: {},
  custom_fields: {},
};

/** A job of `steps` container steps named step-a, step-b, … */
export function jobWithSteps(name: string, steps = 1, lifecycle?: Record<string, number>) {
  return {
    name,
    source: 'tests',
    spec: { purpose: 'test' },
    platform_spec: {
      steps: Array.from({ length: steps }, (_, i) => ({
        name: `step-${String.fromCharCode(97 + i)}`,
        executor: { provider: 'cpu', container: { image: 'busybox' } },
        ...(lifecycle ? { lifecycle } : {}),
      })),
    },
  };
}
