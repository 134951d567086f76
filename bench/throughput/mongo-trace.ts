// Loaded into the worker process with `node --import` when BENCH_MONGO_TRACE names a file:
// records every command the worker's MongoDB driver sends to the worker's database (with its
// documents) and writes them to that file, as a stream of BSON documents, when the process exits.
// raw-store.ts replays them with the driver alone, so the raw store baseline makes exactly the
// round trips of whatever pipeline code is in the tree, without the benchmark knowing that code.
//
// The cost inside the worker is one array push per command (the driver's command monitoring
// builds the event either way once enabled); serialising waits until exit, after the measurement.
import { writeFileSync } from 'node:fs';
import { BSON, MongoClient, type Document } from 'mongodb';

export interface TracedCommand {
  /** When the worker sent it (ms since the epoch). */
  readonly t: number;
  readonly name: string;
  readonly command: Document;
}

const file = process.env['BENCH_MONGO_TRACE'];
const database = process.env['MONGODB_DATABASE'];

if (file && database) {
  const traced: TracedCommand[] = [];
  const connect = MongoClient.prototype.connect;
  MongoClient.prototype.connect = function connectTraced(this: MongoClient) {
    (this as unknown as { monitorCommands: boolean }).monitorCommands = true; // a setter the typings omit
    this.on('commandStarted', (event) => {
      if (event.databaseName === database) traced.push({ t: Date.now(), name: event.commandName, command: event.command });
    });
    return connect.call(this);
  } as typeof connect;
  process.on('exit', () => {
    writeFileSync(file, Buffer.concat(traced.map((entry) => BSON.serialize(entry, { ignoreUndefined: true }))));
  });
}
