// Starts the registrar's judge (judge-main.ts) as a process of its own, restarts it if it dies,
// and stops it with the registrar. Off when HANPYO_REGISTRAR_PREJUDGE_THREADS is 0. The judge is
// its own session (detached), so that it can lower the priority of its session's group without
// lowering the registrar's: token issuance keeps its full share of the CPU.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { JsonLogger } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';

/** Wait before starting a judge again after it died. */
const RESTART_MS = 5_000;
/** How long a judge may take to finish its page and stop before it is killed. */
const STOP_MS = 15_000;

@Injectable()
export class JudgeProcess implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private child: ChildProcess | undefined;
  private restart: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @Inject(CONFIG) private readonly config: RegistrarConfig,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.HANPYO_REGISTRAR_PREJUDGE_THREADS === 0) return;
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restart);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
    await exited;
    clearTimeout(killer);
  }

  private start(): void {
    const child = fork(new URL('./judge-main.js', import.meta.url), [], {
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    child.on('error', (e) => {
      this.logger.warn('judge process error', { error: e.message });
    });
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      this.logger.warn('judge process exited; starting it again', {
        code,
        signal,
        inMs: RESTART_MS,
      });
      this.restart = setTimeout(() => this.start(), RESTART_MS);
    });
  }
}
