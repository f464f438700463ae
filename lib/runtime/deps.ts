import type { ControllerPorts } from '../aws/ports.js';
import type { RetryPolicy } from '../aws/retry.js';
import type { ControllerConfig } from '../config/schema.js';
import type { KubeConnector } from '../k8s/connect.js';
import type { Telemetry } from '../telemetry.js';

/**
 * Everything a handler needs from the outside world. Production builds it from the
 * environment (functions/shell/production-deps.ts); tests and the simulated cloud pass
 * their own, so the same handler code runs everywhere.
 */
export interface HandlerDeps {
  ports: ControllerPorts;
  telemetry: Telemetry;
  /** AWS's time, never ahead of it: deadlines and cooldowns end by it (lib/aws-time.ts). */
  now: () => Date;
  /** When the controller stamps what it did (the last-scaling tag): never behind AWS's time; `now` when unset. */
  stampNow?: () => Date;
  loadConfig: (now: Date) => Promise<ControllerConfig>;
  retry: RetryPolicy;
  /** Opens an EKS cluster's Kubernetes API (the drain of EKS fleets); absent where no function needs it. */
  kubernetes?: KubeConnector;
}
