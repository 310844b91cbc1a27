// A consumer-group member run as its own process by the integration tests, so it can be killed:
// handles each message by appending "partition:offset" to a file, then commits that offset.
import { appendFileSync } from 'node:fs';
import { createKafka, kafkaConfigFromEnv } from '@hanpyo/kafka';

const [topic, groupId, logFile] = process.argv.slice(2) as [string, string, string];
const kafka = createKafka(kafkaConfigFromEnv(process.env));
const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ partition, message }) => {
    appendFileSync(logFile, `${partition}:${message.offset}\n`);
    await new Promise((r) => setTimeout(r, 5));
    await consumer.commitOffsets([
      { topic, partition, offset: String(Number(message.offset) + 1) },
    ]);
  },
});
process.on('SIGTERM', () => {
  void consumer.disconnect().then(() => process.exit(0));
});
