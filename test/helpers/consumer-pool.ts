/**
 * Function processes for the stream tests: each a child process running the real handler
 * (`stream-consumer-child.ts`), invoked over IPC. An invocation whose process dies rejects, as a
 * Lambda invocation fails when its execution environment crashes; `kill(i)` does that on purpose
 * and a replacement process takes its slot (Lambda starts a new environment).
 */

import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./stream-consumer-child.ts', import.meta.url));

export interface ConsumerPool {
  invoke(event: unknown): Promise<unknown>;
  /** Invokes, then kills the process that took the invocation while it is in flight. */
  invokeAndKill(event: unknown): Promise<unknown>;
  /** Kills process `index` (SIGKILL); its invocations in flight reject; a new process replaces it. */
  kill(index: number): Promise<void>;
  readonly size: number;
  /** Processes started, replacements included. */
  readonly started: () => number;
  close(): Promise<void>;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

export async function startConsumerPool(
  size: number,
  env: Record<string, string>,
  onSent?: (spanIds: readonly string[], at: number) => void,
): Promise<ConsumerPool> {
  let nextId = 0;
  let turn = 0;
  let started = 0;
  let closing = false;
  const slots: Slot[] = [];

  const spawn = (index: number): Slot => {
    started += 1;
    const child = fork(CHILD, [], {
      execPath: process.execPath,
      env: { ...process.env, ...env, ...(onSent ? { REPORT_SENT: '1' } : {}) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot = {
      child,
      pending: new Map(),
      ready: new Promise<void>((resolve) => {
        child.once('message', () => resolve());
      }),
    };
    child.on(
      'message',
      (message: { id?: number; result?: unknown; error?: string; sent?: string[]; at?: number }) => {
        if (message.sent !== undefined) onSent?.(message.sent, message.at as number);
        if (message.id === undefined) return;
        const waiter = slot.pending.get(message.id);
        slot.pending.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.result);
      },
    );
    // Writing to a process that was just killed fails with EPIPE: the exit handler below answers for it.
    child.on('error', () => {});
    child.on('exit', () => {
      for (const waiter of slot.pending.values()) waiter.reject(new Error('the function process died'));
      slot.pending.clear();
      if (!closing && slots[index] === slot) slots[index] = spawn(index);
    });
    return slot;
  };
  for (let i = 0; i < size; i += 1) slots.push(spawn(i));
  await Promise.all(slots.map((slot) => slot.ready));

  const send = async (index: number, event: unknown): Promise<unknown> => {
    const slot = slots[index] as Slot;
    await slot.ready;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.child.send({ id, event }, undefined, undefined, () => {});
    });
  };

  const kill = async (index: number) => {
    const slot = slots[index] as Slot;
    const exited = once(slot.child, 'exit');
    slot.child.kill('SIGKILL');
    await exited;
    await (slots[index] as Slot).ready;
  };

  return {
    size,
    started: () => started,
    invoke: (event) => send(turn++ % size, event),
    async invokeAndKill(event) {
      const index = turn++ % size;
      const result = send(index, event);
      result.catch(() => {});
      await kill(index);
      return result;
    },
    kill,
    async close() {
      closing = true;
      await Promise.all(
        slots.map(async (slot) => {
          if (slot.child.exitCode !== null || slot.child.signalCode !== null) return;
          const exited = once(slot.child, 'exit');
          slot.child.kill();
          await exited;
        }),
      );
    },
  };
}
