#!/usr/bin/env node
// `npm stop`: stops the services, then Kafka and Cassandra — everything `npm start` started.
import { down } from './infra/lib.mjs';
import { stopServices } from './stack/lib.mjs';

await stopServices();
await down();
