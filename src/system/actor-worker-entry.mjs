// An actor's worker thread, run from the sources: TypeScript through tsx's loader, registered
// here because a worker does not inherit the loader of the thread that started it
// (actor-service.ts startWorker; the built command line uses dist/actor-worker.cjs instead).
import { workerData } from 'node:worker_threads';

const { register } = await import(workerData.tsx);
register();
await import(workerData.entry);
