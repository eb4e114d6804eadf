// The entry of the CSV import thread (api/csv-import.ts starts it): a worker thread does not inherit
// the process's TypeScript loader (Node 20 loads a worker's entry before its --import hooks run), so
// this plain module registers tsx and then loads the thread itself.
import { register } from 'tsx/esm/api';

register();
await import('./csv-import-thread.ts');
