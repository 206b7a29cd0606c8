import path from 'node:path';
import { launchWithHeapBudget } from './runtime/launch';

/**
 * The production entry point (`npm start`, the Docker image): the server (main.ts) with its memory budget
 * (src/runtime/heap.ts, README "Memory").
 */
launchWithHeapBudget(path.join(__dirname, `main${path.extname(__filename)}`));
