import { AutoScalingServiceException } from '@aws-sdk/client-auto-scaling';
import { CloudWatchServiceException } from '@aws-sdk/client-cloudwatch';
import { EKSServiceException } from '@aws-sdk/client-eks';
import { SNSServiceException } from '@aws-sdk/client-sns';
import { SSMServiceException } from '@aws-sdk/client-ssm';

export type SimService = 'autoscaling' | 'cloudwatch' | 'eks' | 'ssm' | 'sns';

const EXCEPTION_CLASSES = {
  autoscaling: AutoScalingServiceException,
  cloudwatch: CloudWatchServiceException,
  eks: EKSServiceException,
  ssm: SSMServiceException,
  sns: SNSServiceException,
} as const;

/** HTTP status AWS answers each error code with; anything not listed is a 400 client error. */
const STATUS: Record<string, number> = {
  Throttling: 400,
  ThrottlingException: 429,
  TooManyRequestsException: 429,
  InternalFailure: 500,
  InternalError: 500,
  InternalServerError: 500,
  InternalServerException: 500,
  ServerException: 500,
  ServiceUnavailable: 503,
  ServiceUnavailableException: 503,
  ResourceContention: 500,
  ResourceNotFoundException: 404,
  NotFoundException: 404,
  NotFound: 404,
  ResourceInUseException: 409,
};

/**
 * An error shaped exactly like the one the SDK throws for an AWS error response: the
 * service's ServiceException class, `name` = the AWS error code, `$fault` and
 * `$metadata.httpStatusCode`, so lib/aws/retry.ts classifies it as it would in AWS.
 */
export function awsError(service: SimService, code: string, message: string): Error {
  const status = STATUS[code] ?? 400;
  const ExceptionClass = EXCEPTION_CLASSES[service];
  const error = new ExceptionClass({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'sim', attempts: 1, totalRetryDelay: 0 },
    message,
  });
  return error;
}

/** The SDK's own error for a request that never got an answer (socket or request timeout). */
export function timeoutError(operation: string): Error {
  const error = new Error(`${operation}: simulated request timeout (no response)`);
  error.name = 'TimeoutError';
  Object.assign(error, { $metadata: { attempts: 1, totalRetryDelay: 0 } });
  return error;
}

/** Misuse of the simulator itself, or an AWS feature it does not model. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function metadata(): { httpStatusCode: number; requestId: string; attempts: number; totalRetryDelay: number } {
  return { httpStatusCode: 200, requestId: 'sim', attempts: 1, totalRetryDelay: 0 };
}
