import { SimulationError, type SimService } from './errors.js';
import type { FaultInjector } from './faults.js';

type CommandClass = abstract new (...args: never[]) => { input: unknown };

export interface SimOperation {
  command: CommandClass;
  name: string;
  run: (input: never) => unknown;
}

export function operation<C extends CommandClass>(command: C, name: string, run: (input: InstanceType<C>['input']) => unknown): SimOperation {
  return { command, name, run: run as (input: never) => unknown };
}

export interface PortHooks {
  calls: Map<string, number>;
  faults: FaultInjector;
  log?: (entry: { operation: string; input: unknown; minute: number }) => void;
  minute: () => number;
}

/**
 * A client whose `send` dispatches on the SDK command class, counts the call under
 * `service:Operation`, applies injected faults, and answers as the service would.
 */
export function simPort(service: SimService, operations: SimOperation[], hooks: PortHooks): { send: (command: unknown) => Promise<unknown> } {
  return {
    async send(command: unknown) {
      const op = operations.find((o) => command instanceof o.command);
      if (!op) {
        const name = (command as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof command;
        throw new SimulationError(`the simulated ${service} does not support ${name}; supported: ${operations.map((o) => o.name).join(', ')}`);
      }
      const key = `${service}:${op.name}`;
      hooks.calls.set(key, (hooks.calls.get(key) ?? 0) + 1);
      const input = (command as { input: unknown }).input;
      hooks.log?.({ operation: key, input, minute: hooks.minute() });
      hooks.faults.check(service, op.name, input, 'before');
      const output = op.run(input as never);
      hooks.faults.check(service, op.name, input, 'after');
      return hooks.faults.answer(service, op.name, input, output);
    },
  };
}
