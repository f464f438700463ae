import { describe, expect, it } from 'vitest';
import { countCalls } from '../../lib/aws/call-count.js';

/** A port that answers `answers` in turn (an Error is thrown as the send's rejection) and remembers what `this` each send saw. */
function port(answers: unknown[]) {
  const seen: unknown[] = [];
  return {
    seen,
    send(command: unknown): Promise<unknown> {
      seen.push(this);
      const answer = answers.shift();
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve({ command, answer });
    },
  };
}

describe('countCalls', () => {
  it('counts the sends of every port together, answered or failed', async () => {
    const autoscaling = port(['a', new Error('Throttling')]);
    const cloudwatch = port(['b']);
    const aws = countCalls({ autoscaling, cloudwatch });

    await aws.ports.autoscaling.send('first');
    await expect(aws.ports.autoscaling.send('second')).rejects.toThrow('Throttling');
    await aws.ports.cloudwatch.send('third');

    expect(aws.calls()).toBe(3);
  });

  it('passes each send through to its own port, with the port as `this`, and the answer back unchanged', async () => {
    const autoscaling = port(['answer']);
    const aws = countCalls({ autoscaling });

    expect(await aws.ports.autoscaling.send('command')).toEqual({ command: 'command', answer: 'answer' });
    expect(autoscaling.seen).toEqual([autoscaling]);
  });

  it('counts from zero for each wrapping, and leaves an absent port absent', async () => {
    const cloudwatch = port(['a', 'b']);
    await countCalls({ cloudwatch }).ports.cloudwatch.send('x');
    const again = countCalls({ cloudwatch, ec2: undefined });

    await again.ports.cloudwatch.send('y');

    expect(again.calls()).toBe(1);
    expect('ec2' in again.ports).toBe(false);
  });
});
