/** Execution profiles: which (provider, profile) pairs this gateway can run steps on. */
import type { ExecutorProvider } from './spec.js';

export interface ExecutionProfile {
  provider: ExecutorProvider;
  profile: string;
  /** Who runs the step: the built-in subprocess executor or an external controller. */
  backend: 'subprocess' | 'external';
  config: Record<string, unknown>;
}

export const defaultExecutionProfiles: ExecutionProfile[] = [
  { provider: 'cpu', profile: 'default', backend: 'external', config: {} },
  { provider: 'gpu', profile: 'default', backend: 'external', config: {} },
  { provider: 'gpu_distributed', profile: 'default', backend: 'external', config: {} },
  { provider: 'subprocess', profile: 'default', backend: 'subprocess', config: {} },
];
